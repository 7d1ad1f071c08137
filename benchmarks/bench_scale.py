"""Issue 6 scale benchmark: a million rows near the cost of reading them, missingness, scaling.

Parts (choose with ``--part``: a, b, c, a combination such as ``bc``, or all, the default):

a  N x 20 PCM items (5 categories; N from ``--n``, default 1,000,000) simulated with a seed into a
   temporary CSV. Times ``pandas.read_csv`` on the file (median of 3) and ``measure calibrate``
   end to end (subprocess; median of ``--reps``), prints the ratio (target <= 3 x) and the peak
   resident memory of the measure process (GNU ``/usr/bin/time -v``; target < 2 GB), and a
   per-stage breakdown timed in-process: read (``measure.io.read_table``), input gate
   (``measure.responses.as_responses``), CML + persons + fit (``measure.calibrate`` on the
   ResponseMatrix, including building the output tables), write (every table + summary.json).
b  N = 100,000 x 20 PCM items, 20% of cells missing at random: ``measure calibrate`` end to end
   (target < 10 s) and max |estimate - truth| / SE over the thresholds (truth centred like the
   estimates: mean item location 0; target: within 4 SE, as the recovery tests use).
c  Scaling curve: N = 10^3 .. 10^6 (20 items) and items 5 .. 200 (N = 10,000): end to end, pandas
   read and the per-stage split, printed as tables and written into docs/performance.md (between
   the ``<!-- bench_scale:... -->`` markers; the rest of that file is left alone).

``--profile`` runs each in-process stage of part a (and b) under cProfile and prints the functions
with the most own time, to show the lead where time goes.

Usage::

    python benchmarks/bench_scale.py --part a --n 200000 [--profile]
    python benchmarks/bench_scale.py --part b
    python benchmarks/bench_scale.py --part c [--curve-n 1000,10000,100000,1000000]
    python benchmarks/bench_scale.py            # a (N = 1e6), b and c
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    REPO,
    StageTimes,
    byte_compile_measure,
    machine_line,
    markdown_table,
    measure_command,
    median_cli,
    run_measure_cli,
    stage_times,
    time_pandas_read,
    time_pandas_read_process,
    write_pcm_csv,
)

TARGET_READ_RATIO = 3.0
TARGET_PEAK_MB = 2048.0
TARGET_MISSING_S = 10.0
TARGET_MAX_Z = 4.0
DOCS = REPO / "docs" / "performance.md"


class Files:
    """Simulated CSVs in one temporary folder, made once per (N, items, missing)."""

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.seed = seed
        self.made: dict[tuple[int, int, float], tuple[Path, list[str], np.ndarray]] = {}

    def get(
        self, n: int, n_items: int = 20, missing: float = 0.0
    ) -> tuple[Path, list[str], np.ndarray]:
        key = (n, n_items, missing)
        if key not in self.made:
            path = self.root / f"pcm{n_items}_n{n}_miss{int(missing * 100)}.csv"
            t0 = time.perf_counter()
            names, thr = write_pcm_csv(
                path, n_persons=n, n_items=n_items, missing=missing, seed=self.seed
            )
            print(
                f"  [generated {path.name}: {path.stat().st_size / 2**20:.1f} MB in "
                f"{time.perf_counter() - t0:.1f} s]",
                flush=True,
            )
            self.made[key] = (path, names, thr)
        return self.made[key]


def startup_seconds() -> float:
    """Median wall time of ``measure calibrate --help`` (interpreter start + imports)."""
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([*measure_command(), "calibrate", "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def stage_line(st: StageTimes) -> str:
    return (
        f"read {st.read:.2f} s | input gate {st.gate:.2f} s | CML+persons+fit "
        f"{st.calibrate:.2f} s | write {st.write:.2f} s | sum {st.total:.2f} s"
    )


def print_profiles(st: StageTimes) -> None:
    for name, text in st.profiles.items():
        print(
            f"\n--- cProfile, stage '{name}' (top functions by own time, then measure's "
            f"by cumulative time) ---\n{text}"
        )


def part_a(files: Files, tmp: Path, n: int, reps: int, profile: bool) -> dict[str, object]:
    print(f"\n== (a) N = {n:,} x 20 PCM items, 5 categories: measure vs pandas.read_csv ==")
    path, names, _ = files.get(n)
    # warm-up: the file in the page cache and the machine's memory touched once, for both
    time_pandas_read(path, reps=1)
    run_measure_cli(path, names, tmp / "out_a")
    t_pd = time_pandas_read(path)
    t_pd_proc = time_pandas_read_process(path)
    med, runs = median_cli(path, names, tmp / "out_a", reps=reps)
    med_pq, _ = median_cli(path, names, tmp / "out_a_pq", reps=reps, extra=["--format", "parquet"])
    peak = max(r.peak_rss_mb or 0.0 for r in runs)
    ratio = med / t_pd
    ratio_proc = med / t_pd_proc
    st = stage_times(path, names, tmp / "out_a_stages")
    print(f"pandas.read_csv in-process: {t_pd:.2f} s (median of 3)")
    print(
        f"pandas.read_csv as a process (interpreter + import pandas + read): {t_pd_proc:.2f} s "
        "(median of 3)"
    )
    print(
        f"measure calibrate end to end: {med:.2f} s (median of {reps}); "
        f"{ratio:.1f} x in-process read_csv (target <= {TARGET_READ_RATIO:.0f} x) -> "
        f"{'PASS' if ratio <= TARGET_READ_RATIO else 'FAIL'}; {ratio_proc:.1f} x read_csv as a "
        f"process -> {'PASS' if ratio_proc <= TARGET_READ_RATIO else 'FAIL'}"
    )
    print(
        f"measure calibrate --format parquet end to end: {med_pq:.2f} s; "
        f"{med_pq / t_pd:.1f} x in-process, {med_pq / t_pd_proc:.1f} x as a process"
    )
    print(
        f"peak memory (max RSS): {peak:.0f} MB (target < {TARGET_PEAK_MB:.0f} MB) -> "
        f"{'PASS' if peak < TARGET_PEAK_MB else 'FAIL'}"
    )
    print(f"stages in-process: {stage_line(st)}")
    print(
        f"writing every table (1 row per person) moved the in-process peak from "
        f"{st.peak_before_write_mb:.0f} to {st.peak_after_write_mb:.0f} MB"
    )
    print(
        f"iterations {runs[-1].summary.get('iterations')}, method "
        f"{runs[-1].summary.get('method')}, "
        f"patterns {runs[-1].summary.get('n_missing_patterns')}"
    )
    if profile:
        print_profiles(stage_times(path, names, tmp / "out_a_prof", profile=True))
    return {
        "n": n,
        "pandas": t_pd,
        "pandas_proc": t_pd_proc,
        "e2e": med,
        "e2e_parquet": med_pq,
        "ratio": ratio,
        "ratio_proc": ratio_proc,
        "peak": peak,
        "stages": st,
        "reps": reps,
    }


def part_b(files: Files, tmp: Path, reps: int, profile: bool) -> dict[str, object]:
    n = 100_000
    print(f"\n== (b) N = {n:,} x 20 PCM items, 20% missing at random ==")
    path, names, thr = files.get(n, 20, 0.2)
    med, runs = median_cli(path, names, tmp / "out_b", reps=reps)
    s = runs[-1].summary
    est = pd.read_csv(tmp / "out_b" / "thresholds.csv")
    truth = thr - thr.mean()  # mean item location 0 (every item has 4 thresholds)
    idx = {name: i for i, name in enumerate(names)}
    true_vals = np.array(
        [
            truth[idx[str(it)], int(c) - 1]
            for it, c in zip(est["item"], est["category"], strict=True)
        ]
    )
    z = np.abs(est["threshold"].to_numpy() - true_vals) / est["se"].to_numpy()
    worst = int(np.argmax(z))
    st = stage_times(path, names, tmp / "out_b_stages")
    ok_t = med < TARGET_MISSING_S
    ok_z = bool(np.all(np.isfinite(z))) and float(z.max()) <= TARGET_MAX_Z
    print(
        f"measure calibrate end to end: {med:.2f} s (median of {reps}; target < "
        f"{TARGET_MISSING_S:.0f} s) -> {'PASS' if ok_t else 'FAIL'}"
    )
    print(
        f"method: {s.get('method')} ({s.get('method_detail', '')}); missing-data patterns: "
        f"{s.get('n_missing_patterns')}; iterations {s.get('iterations')}; "
        f"converged {s.get('converged')}"
    )
    rmse = float(np.sqrt(np.mean((est["threshold"].to_numpy() - true_vals) ** 2)))
    print(
        f"max |estimate - truth| / SE = {z.max():.2f} at {est['item'][worst]} category "
        f"{est['category'][worst]} (target <= {TARGET_MAX_Z:.0f}) -> "
        f"{'PASS' if ok_z else 'FAIL'}; mean |z| {z.mean():.2f}, RMSE {rmse:.4f}"
    )
    print(f"peak memory: {max(r.peak_rss_mb or 0 for r in runs):.0f} MB")
    print(f"stages in-process: {stage_line(st)}")
    if profile:
        print_profiles(stage_times(path, names, tmp / "out_b_prof", profile=True))
    return {
        "e2e": med,
        "max_z": float(z.max()),
        "method": s.get("method"),
        "patterns": s.get("n_missing_patterns"),
        "stages": st,
        "reps": reps,
        "iterations": s.get("iterations"),
    }


def curve_row(files: Files, tmp: Path, n: int, k: int, reps: int) -> list[object]:
    path, names, _ = files.get(n, k)
    t_pd = time_pandas_read(path)
    try:
        med, runs = median_cli(path, names, tmp / f"out_c_{n}_{k}", reps=reps)
    except RuntimeError as exc:  # one failing point should not lose the rest of the curve
        msg = " ".join(str(exc).split())[:200]
        print(f"  {n:,} | {k} | FAILED: {msg}", flush=True)
        return [
            f"{n:,}",
            k,
            f"{path.stat().st_size / 2**20:.2f}",
            f"{t_pd:.3f}",
            f"failed: {msg}",
            *[""] * (len(CURVE_HEADER) - 5),
        ]
    st = stage_times(path, names, tmp / f"out_c_{n}_{k}_stages")
    peak = max(r.peak_rss_mb or 0 for r in runs)
    row = [
        f"{n:,}",
        k,
        f"{path.stat().st_size / 2**20:.2f}",
        f"{t_pd:.3f}",
        f"{med:.2f}",
        f"{med / t_pd:.1f}",
        f"{peak:.0f}",
        f"{st.read:.2f}",
        f"{st.gate:.2f}",
        f"{st.calibrate:.2f}",
        f"{st.write:.2f}",
        f"{max(med - st.total, 0):.2f}",
        runs[-1].summary.get("iterations"),
    ]
    print("  " + " | ".join(str(c) for c in row), flush=True)
    return row


CURVE_HEADER = [
    "N",
    "items",
    "CSV MB",
    "pandas.read_csv s",
    "measure end to end s",
    "ratio",
    "peak MB",
    "read s",
    "gate s",
    "CML+persons+fit s",
    "write s",
    "start-up + other s",
    "iterations",
]


def part_c(
    files: Files, tmp: Path, ns: list[int], ks: list[int], reps: int
) -> tuple[list[list[object]], list[list[object]]]:
    print("\n== (c) scaling curve ==")
    print("  " + " | ".join(CURVE_HEADER))
    by_n = [curve_row(files, tmp, n, 20, reps if n < 1_000_000 else 1) for n in ns]
    by_k = [curve_row(files, tmp, 10_000, k, reps) for k in ks]
    print("\nBy N (20 items, 5 categories):\n" + markdown_table(CURVE_HEADER, by_n))
    print("\nBy number of items (N = 10,000, 5 categories):\n" + markdown_table(CURVE_HEADER, by_k))
    return by_n, by_k


def replace_block(text: str, key: str, body: str) -> str:
    begin, end = f"<!-- bench_scale:{key}:begin -->", f"<!-- bench_scale:{key}:end -->"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        return head + block + rest.split(end, 1)[1]
    return text.rstrip() + "\n\n" + block + "\n"


def write_docs(
    header: str,
    a: dict | None,
    b: dict | None,
    curve: tuple[list[list[object]], list[list[object]]] | None,
) -> None:
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Performance\n"
    stamp = f"_{header}; run {time.strftime('%Y-%m-%d')} by `benchmarks/bench_scale.py`._"
    if a is not None:
        st = a["stages"]
        body = "\n".join(
            [
                stamp,
                "",
                markdown_table(
                    [
                        "N x items",
                        "pandas.read_csv s (in-process / as a process)",
                        "measure end to end s (csv / parquet output)",
                        "ratio, in-process read_csv (target <= 3)",
                        "ratio, read_csv as a process",
                        "peak MB (target < 2048)",
                        "read s",
                        "gate s",
                        "CML+persons+fit s",
                        "write s",
                    ],
                    [
                        [
                            f"{a['n']:,} x 20",
                            f"{a['pandas']:.2f} / {a['pandas_proc']:.2f}",
                            f"{a['e2e']:.2f} / {a['e2e_parquet']:.2f}",
                            f"{a['ratio']:.1f}",
                            f"{a['ratio_proc']:.1f}",
                            f"{a['peak']:.0f}",
                            f"{st.read:.2f}",
                            f"{st.gate:.2f}",
                            f"{st.calibrate:.2f}",
                            f"{st.write:.2f}",
                        ]
                    ],
                ),
            ]
        )
        text = replace_block(text, "a", body)
    if b is not None:
        st = b["stages"]
        body = "\n".join(
            [
                stamp,
                "",
                markdown_table(
                    [
                        "data",
                        "measure end to end s (target < 10)",
                        "method",
                        "patterns",
                        "max abs(est - truth)/SE",
                        "read s",
                        "gate s",
                        "CML+persons+fit s",
                        "write s",
                    ],
                    [
                        [
                            "100,000 x 20, 20% missing",
                            f"{b['e2e']:.2f}",
                            b["method"],
                            b["patterns"],
                            f"{b['max_z']:.2f}",
                            f"{st.read:.2f}",
                            f"{st.gate:.2f}",
                            f"{st.calibrate:.2f}",
                            f"{st.write:.2f}",
                        ]
                    ],
                ),
            ]
        )
        text = replace_block(text, "b", body)
    if curve is not None:
        by_n, by_k = curve
        body = "\n".join(
            [
                stamp,
                "",
                "By N (20 items, 5 categories):",
                "",
                markdown_table(CURVE_HEADER, by_n),
                "",
                "By number of items (N = 10,000, 5 categories):",
                "",
                markdown_table(CURVE_HEADER, by_k),
            ]
        )
        text = replace_block(text, "c", body)
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text, encoding="utf-8")
    print(f"\nwrote {DOCS}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--part", default="all", help="parts to run: a, b, c, a combination such as 'bc', or all"
    )
    ap.add_argument("--n", type=int, default=1_000_000, help="N for part a (default 1,000,000)")
    ap.add_argument(
        "--reps",
        type=int,
        default=3,
        help="measure runs per file, median (the 1e6 points of part c run once)",
    )
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--curve-n", default="1000,10000,100000,1000000")
    ap.add_argument("--curve-items", default="5,10,20,50,100,200")
    ap.add_argument("--profile", action="store_true", help="cProfile the stages of parts a and b")
    ap.add_argument("--no-docs", action="store_true", help="do not update docs/performance.md")
    ap.add_argument("--tmp", type=Path, default=None, help="folder for the CSVs (default: temp)")
    args = ap.parse_args(argv)

    byte_compile_measure()
    header = machine_line()
    print(header)
    print(f"measure start-up (`measure calibrate --help`): {startup_seconds():.2f} s")
    parts = "abc" if args.part == "all" else args.part.replace(",", "")
    if not parts or set(parts) - set("abc"):
        ap.error(f"--part: expected a, b, c, a combination such as 'bc', or all; got {args.part!r}")
    with tempfile.TemporaryDirectory(prefix="measure-bench-scale-", dir=args.tmp) as tmp_s:
        tmp = Path(tmp_s)
        files = Files(tmp, args.seed)
        a = part_a(files, tmp, args.n, args.reps, args.profile) if "a" in parts else None
        b = part_b(files, tmp, args.reps, args.profile) if "b" in parts else None
        curve = None
        if "c" in parts:
            curve = part_c(
                files,
                tmp,
                [int(x) for x in args.curve_n.split(",")],
                [int(x) for x in args.curve_items.split(",")],
                args.reps,
            )
        if not args.no_docs:
            # Part a with a reduced N is a quick check, not the figure: keep it out of docs.
            write_docs(header, a if a is not None and a["n"] == 1_000_000 else None, b, curve)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
