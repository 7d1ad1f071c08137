"""Issue 2 speed benchmark: ``measure calibrate`` end to end vs eRm on the shared PCM timing data.

Times ``measure calibrate DATA --items I01..I20 --out DIR --force --quiet`` as a subprocess
(median of --reps runs) on ``shared/reference/timing/data/pcm20_n{1000,10000,50000}.csv`` and
prints it beside eRm's fit + person parameters + item fit, as measured by the shared reference
suite (``benchmarks/peer_timings.json``), with the speed-up. It also checks that our conditional
log-likelihood equals eRm's and psychotools' to 1e-3 absolute, so that speed never changes
results.

Targets: issue 2, at N = 50,000 at least 50 x faster than eRm's fit + person parameters + item fit;
issue 6 target 4, at least 100 x on the same file.

``--erm-live`` also runs eRm in this run (``benchmarks/erm_pcm.R``) and prints the ratio measured
side by side (eRm at N = 50,000 takes about 75 s per repetition).

Usage::

    python benchmarks/bench_core.py [--reps 3] [--sizes 1000,10000,50000]
    python benchmarks/bench_core.py --erm-live [--erm-reps 1]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    HERE,
    TIMING_DATA,
    byte_compile_measure,
    item_names,
    machine_line,
    markdown_table,
    median_cli,
)

LOGLIK_TOL = 1e-3
TARGET_ISSUE2 = 50.0
TARGET_ISSUE6 = 100.0


def load_peers() -> dict[tuple[str, str], dict]:
    doc = json.loads((HERE / "peer_timings.json").read_text(encoding="utf-8"))
    return {(r["dataset"], r["package"]): r for r in doc["rows"]}


def run_erm_live(data: Path, items: list[str], reps: int) -> dict[str, float]:
    """Run benchmarks/erm_pcm.R; median of each step over reps."""
    cmd = ["Rscript", str(HERE / "erm_pcm.R"), str(data), ",".join(items), str(reps)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"eRm run failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    recs = []
    for line in proc.stdout.splitlines():
        if line.startswith("ERM_TIMING"):
            recs.append({k: float(v) for k, v in re.findall(r"(\w+)=([-\d.]+)", line)})
    if not recs:
        raise RuntimeError(f"eRm printed no timing:\n{proc.stdout}\n{proc.stderr}")
    out = {k: statistics.median(r[k] for r in recs) for k in ("fit", "person", "itemfit")}
    out["loglik"] = recs[0]["loglik"]
    out["total"] = out["fit"] + out["person"] + out["itemfit"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=3, help="measure runs per file (median)")
    ap.add_argument("--sizes", default="1000,10000,50000", help="N of the pcm20 files to run")
    ap.add_argument("--erm-live", action="store_true", help="also time eRm in this run")
    ap.add_argument("--erm-reps", type=int, default=1, help="eRm repetitions with --erm-live")
    ap.add_argument("--data-dir", type=Path, default=TIMING_DATA)
    args = ap.parse_args(argv)

    peers = load_peers()
    items = item_names(20)
    byte_compile_measure()
    print(machine_line())
    print(
        f"measure calibrate end to end (subprocess wall time, median of {args.reps}); "
        "eRm = fit + person.parameter + itemfit from benchmarks/peer_timings.json "
        "(shared reference suite, R 4.2.2 / eRm 1.0.2, this machine kind)\n"
    )
    rows = []
    failures = []
    live_rows = []
    with tempfile.TemporaryDirectory(prefix="measure-bench-core-") as tmp:
        for n in [int(s) for s in args.sizes.split(",")]:
            name = f"pcm20_n{n}"
            data = args.data_dir / f"{name}.csv"
            med, runs = median_cli(data, items, Path(tmp) / name, reps=args.reps)
            s = runs[-1].summary
            erm = peers[(name, "erm")]
            psy = peers[(name, "psychotools")]
            erm_total = erm["fit_s"] + erm["person_s"] + erm["itemfit_s"]
            ratio = erm_total / med
            d_erm = abs(s["loglik"] - erm["cml_loglik"])
            d_psy = abs(s["loglik"] - psy["cml_loglik"])
            ll_ok = d_erm <= LOGLIK_TOL and d_psy <= LOGLIK_TOL
            if not ll_ok:
                failures.append(
                    f"{name}: loglik {s['loglik']:.4f} vs eRm {erm['cml_loglik']}, "
                    f"psychotools {psy['cml_loglik']}"
                )
            peak = max(r.peak_rss_mb or 0 for r in runs)
            rows.append(
                [
                    f"{n:,}",
                    f"{med:.2f}",
                    f"{min(r.seconds for r in runs):.2f}",
                    f"{peak:.0f}",
                    f"{erm['fit_s']:.2f}",
                    f"{erm['person_s']:.2f}",
                    f"{erm['itemfit_s']:.2f}",
                    f"{erm_total:.2f}",
                    f"{ratio:.1f}x",
                    f"{psy['fit_s'] + psy['person_s']:.2f}",
                    f"{s['loglik']:.4f}",
                    f"{max(d_erm, d_psy):.1e} {'ok' if ll_ok else 'FAIL'}",
                ]
            )
            if n == 50000:
                for label, target in (
                    ("issue 2 (>= 50x)", TARGET_ISSUE2),
                    ("issue 6 target 4 (>= 100x)", TARGET_ISSUE6),
                ):
                    verdict = "PASS" if ratio >= target else "FAIL"
                    print(f"target {label} at N = 50,000: {ratio:.1f}x -> {verdict}")
            if args.erm_live:
                live = run_erm_live(data, items, args.erm_reps)
                live_rows.append(
                    [
                        f"{n:,}",
                        f"{med:.2f}",
                        f"{live['fit']:.2f}",
                        f"{live['person']:.2f}",
                        f"{live['itemfit']:.2f}",
                        f"{live['total']:.2f}",
                        f"{live['total'] / med:.1f}x",
                        f"{abs(live['loglik'] - s['loglik']):.1e}",
                    ]
                )
    print()
    print(
        markdown_table(
            [
                "N",
                "measure s (median)",
                "min",
                "peak MB",
                "eRm fit",
                "eRm persons",
                "eRm itemfit",
                "eRm total",
                "speed-up vs eRm",
                "psychotools fit+persons",
                "our CML loglik",
                "max abs loglik diff vs eRm, psychotools",
            ],
            rows,
        )
    )
    if live_rows:
        print(f"\neRm measured in this run (benchmarks/erm_pcm.R, median of {args.erm_reps}):\n")
        print(
            markdown_table(
                [
                    "N",
                    "measure s",
                    "eRm fit",
                    "eRm persons",
                    "eRm itemfit",
                    "eRm total",
                    "speed-up (same run)",
                    "abs loglik diff",
                ],
                live_rows,
            )
        )
    if failures:
        print("\nLOGLIK MISMATCH (speed must not change results):\n  " + "\n  ".join(failures))
        return 1
    print(f"\nloglik equals eRm's and psychotools' within {LOGLIK_TOL} on every file.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
