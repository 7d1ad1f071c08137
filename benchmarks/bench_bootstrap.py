"""Issue 13: simulated cut-offs (``--bootstrap B``) at 2,000 persons x 20 items, B = 200.

Target: about 10 s. Times :func:`measure.diagnostics.simulate_cutoffs` in-process (median of 3)
on a seeded PCM simulation (5 categories), after one calibration. Run on demand:
``.venv/bin/python benchmarks/bench_bootstrap.py [--n 2000] [--items 20] [--b 200]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import measure
from measure.diagnostics import simulate_cutoffs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--b", type=int, default=200)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    base = np.array([-1.5, -0.5, 0.5, 1.5])
    shifts = np.linspace(-1.0, 1.0, args.items)
    sim = measure.simulate_responses(
        thresholds=[list(base + s) for s in shifts], n_persons=args.n, rng=2026
    )
    t0 = time.perf_counter()
    cal = measure.calibrate(sim.responses, model="pcm")
    t_cal = time.perf_counter() - t0
    times = []
    for rep in range(args.reps):
        t0 = time.perf_counter()
        simulate_cutoffs(cal, n_replicates=args.b, rng=rep)
        times.append(time.perf_counter() - t0)
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    print(f"calibrate {args.n} x {args.items} PCM: {t_cal:.2f} s (conditional fit included)")
    print(
        f"simulate_cutoffs B = {args.b}: median {statistics.median(times):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in times)}; target about 10 s)"
    )
    t0 = time.perf_counter()
    simulate_cutoffs(cal, n_replicates=args.b, rng=0, refit=True)
    print(
        f"simulate_cutoffs B = {args.b}, refit=True (one CML fit per replicate): "
        f"{time.perf_counter() - t0:.2f} s"
    )


if __name__ == "__main__":
    main()
