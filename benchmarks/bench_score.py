"""Issue "Reference scales at calibrate's speed": `measure score` within 1.5 x `measure calibrate`.

For N = 100,000 and 1,000,000 rows x 20 PCM items (5 categories), 5 % of the cells missing at
random (seeded, ``measure.simulate_responses`` through ``_common.write_pcm_csv``):

1. write the CSV (temporary folder) and save a reference scale from a calibration of it
   (``measure calibrate DATA --items ... --save-reference REF.json``, untimed);
2. time ``measure calibrate DATA --items ... --out DIR --force --quiet`` and ``measure score DATA
   --reference REF.json --items ... --out DIR --force --quiet`` (drift check and global fit
   included: they are on by default) as processes, *interleaved* (calibrate, score, calibrate,
   score, ...; the machine is shared, so both see the same load), ``--reps`` runs each (default
   3) after one untimed warm-up run of each;
3. print the medians, the ratio score / calibrate of the medians (target <= 1.5) and the median
   of the per-pair ratios, wall-clock and CPU (user + system) time, the methods used, the
   number of missing-data patterns and the global-fit statistic.

Usage::

    python benchmarks/bench_score.py                   # both sizes
    python benchmarks/bench_score.py --n 100000 --reps 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    byte_compile_measure,
    machine_line,
    measure_command,
    timed_subprocess,
    write_pcm_csv,
)

TARGET_RATIO = 1.5
MISSING = 0.05


def run(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one command; raises with its stderr when it fails."""
    wall, cpu, proc = timed_subprocess(cmd)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed (exit {proc.returncode}): {proc.stderr}")
    return wall, cpu


def bench(n: int, tmp: Path, reps: int, seed: int) -> dict[str, float]:
    print(f"\n== N = {n:,} x 20 PCM items, 5 categories, {MISSING:.0%} missing at random ==")
    data = tmp / f"pcm20_n{n}_miss{int(MISSING * 100)}.csv"
    names, _ = write_pcm_csv(data, n_persons=n, missing=MISSING, seed=seed)
    items = ",".join(names)
    ref = tmp / f"ref_n{n}.json"
    measure = measure_command()
    run([*measure, "calibrate", str(data), "--items", items, "--out", str(tmp / "ref_out"),
         "--force", "--quiet", "--save-reference", str(ref)])  # fmt: skip
    cal_cmd = [*measure, "calibrate", str(data), "--items", items, "--out", str(tmp / "cal"),
               "--force", "--quiet"]  # fmt: skip
    score_cmd = [*measure, "score", str(data), "--reference", str(ref), "--items", items,
                 "--out", str(tmp / "score"), "--force", "--quiet"]  # fmt: skip
    run(cal_cmd)  # warm-up: page cache, byte code, the machine's memory touched once
    run(score_cmd)
    cal: list[tuple[float, float]] = []
    sco: list[tuple[float, float]] = []
    for _ in range(reps):
        cal.append(run(cal_cmd))
        sco.append(run(score_cmd))
    cal_s = json.loads((tmp / "cal" / "summary.json").read_text(encoding="utf-8"))
    sco_s = json.loads((tmp / "score" / "summary.json").read_text(encoding="utf-8"))
    med = {
        "calibrate_wall": statistics.median(w for w, _ in cal),
        "score_wall": statistics.median(w for w, _ in sco),
        "calibrate_cpu": statistics.median(c for _, c in cal),
        "score_cpu": statistics.median(c for _, c in sco),
    }
    ratio = med["score_wall"] / med["calibrate_wall"]
    ratio_cpu = med["score_cpu"] / med["calibrate_cpu"]
    pair = statistics.median(s[0] / c[0] for s, c in zip(sco, cal, strict=True))
    print("calibrate wall s: " + ", ".join(f"{w:.2f}" for w, _ in cal))
    print("score     wall s: " + ", ".join(f"{w:.2f}" for w, _ in sco))
    print(
        f"median of {reps}: calibrate {med['calibrate_wall']:.2f} s (CPU {med['calibrate_cpu']:.2f}"
        f" s), score {med['score_wall']:.2f} s (CPU {med['score_cpu']:.2f} s)"
    )
    print(
        f"score / calibrate: {ratio:.2f} (wall, medians; target <= {TARGET_RATIO}) -> "
        f"{'PASS' if ratio <= TARGET_RATIO else 'FAIL'}; median of the per-pair ratios "
        f"{pair:.2f}; CPU {ratio_cpu:.2f}"
    )
    fit = sco_s.get("global_fit", {})
    print(
        f"calibrate: method {cal_s.get('method')!r} ({cal_s.get('method_reason', '')}); "
        f"score: drifting items {sco_s.get('drifting_items')}, global fit chi2 "
        f"{fit.get('chi2')}, df {fit.get('df')}, p {fit.get('p_value')}"
    )
    return {**med, "ratio": ratio, "ratio_cpu": ratio_cpu, "pair_ratio": pair}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=str, default="100000,1000000", help="comma-separated row counts")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--tmp", type=Path, default=None, help="folder for the CSVs (default: temp)")
    args = ap.parse_args()
    byte_compile_measure()
    print(machine_line())
    print(
        "measure calibrate and measure score run interleaved as processes (the machine is "
        "shared: both see the same load); wall-clock and CPU seconds"
    )
    failed = False
    with tempfile.TemporaryDirectory(dir=args.tmp) as name:
        tmp = Path(name)
        for n in (int(v) for v in args.n.split(",")):
            res = bench(n, tmp, args.reps, args.seed)
            failed |= res["ratio"] > TARGET_RATIO
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
