"""Issue 6 target 3: ``measure calibrate`` vs the Python package ``mirt`` (Rust core, MML).

Creates a throwaway virtual environment in a temporary folder, ``pip install mirt pandas`` there
(never in the project's environment, never a project dependency), and times, as subprocesses,
end to end on ``shared/reference/timing/data/pcm20_n50000.csv`` (median of --reps, the two
alternating run by run; wall and CPU seconds):

* mirt: ``benchmarks/mirt_side.py`` run by the throwaway venv's Python: read CSV, PCM fit by
  marginal ML with SEs, WLE person measures with SEs, item infit/outfit (+ z) and person
  infit/outfit at the WLE, write items and persons CSV. mirt's ``PCM`` fixes every slope at 1 and
  the latent distribution at N(0, 1) (its own parameterisation; the closest to the Rasch PCM it
  offers); ``measure`` estimates the same thresholds by exact CML with no distributional
  assumption.
* measure: ``measure calibrate DATA --items I01..I20 --out DIR --force --quiet``.

Prints each side's per-step seconds and the ratio mirt / measure (target >= 5 x). If mirt cannot
be installed, or a step is missing or fails, it prints exactly what happened and what was timed.

Usage::

    python benchmarks/bench_mirt.py [--reps 3] [--data PATH] [--keep-venv DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    HERE,
    TIMING_DATA,
    byte_compile_measure,
    item_names,
    machine_line,
    median_cli,
    run_measure_cli,
    timed_subprocess,
)

TARGET = 5.0
STEPS = ["import", "read", "fit", "persons", "itemfit", "personfit", "write"]


def make_venv(root: Path) -> tuple[Path | None, str]:
    """Create a venv under root and pip install mirt + pandas; (python, report)."""
    venv = root / "mirt-venv"
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if proc.returncode != 0:
        return None, f"python -m venv failed (exit {proc.returncode}): {proc.stderr.strip()}"
    py = venv / "bin" / "python"
    proc = subprocess.run(
        [
            str(py),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "mirt",
            "pandas",
        ],
        capture_output=True,
        text=True,
    )
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        return None, f"pip install mirt failed (exit {proc.returncode}) after {secs:.0f} s:\n{tail}"
    show = subprocess.run([str(py), "-m", "pip", "show", "mirt"], capture_output=True, text=True)
    version = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in show.stdout.splitlines()
            if ln.startswith("Version:")
        ),
        "?",
    )
    return py, f"installed mirt {version} (+ pandas) into a throwaway venv in {secs:.0f} s"


def run_mirt(py: Path, data: Path, items: list[str], out: Path) -> tuple[float, float, dict]:
    wall, cpu, proc = timed_subprocess(
        [str(py), str(HERE / "mirt_side.py"), str(data), ",".join(items), str(out)]
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("MIRT_RESULT ")), None)
    if line is None:
        return (
            wall,
            cpu,
            {
                "times": {},
                "errors": {"process": f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}"},
                "info": {},
            },
        )
    return wall, cpu, json.loads(line[len("MIRT_RESULT ") :])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--data", type=Path, default=TIMING_DATA / "pcm20_n50000.csv")
    ap.add_argument(
        "--keep-venv",
        type=Path,
        default=None,
        help="create the venv here and keep it (default: a temp dir, removed)",
    )
    args = ap.parse_args(argv)
    items = item_names(20)
    byte_compile_measure()
    print(machine_line())
    print(f"data: {args.data}")
    with tempfile.TemporaryDirectory(prefix="measure-bench-mirt-") as tmp_s:
        tmp = Path(tmp_s)
        py, report = make_venv(args.keep_venv or tmp)
        print(report)
        if py is None:
            med, runs = median_cli(args.data, items, tmp / "out_measure", reps=args.reps)
            print(f"\nmeasure calibrate end to end: {med:.2f} s (median of {args.reps})")
            print("\nmirt could not be installed: only measure was timed; no ratio.")
            return 1
        # Interleave the two so that the load of a shared machine falls on both alike.
        runs, walls, cpus, results = [], [], [], []
        for _ in range(args.reps):
            runs.append(run_measure_cli(args.data, items, tmp / "out_measure"))
            wall, cpu, res = run_mirt(py, args.data, items, tmp / "out_mirt")
            walls.append(wall)
            cpus.append(cpu)
            results.append(res)
        med = statistics.median(r.seconds for r in runs)
        med_cpu = statistics.median(r.cpu_seconds for r in runs)
        mwall = statistics.median(walls)
        mcpu = statistics.median(cpus)
        print(
            f"\nmeasure calibrate end to end: {med:.2f} s wall, {med_cpu:.2f} s CPU (median of "
            f"{args.reps}; walls {', '.join(f'{r.seconds:.2f}' for r in runs)}); loglik "
            f"{runs[-1].summary['loglik']:.4f} (CML), iterations "
            f"{runs[-1].summary.get('iterations')}, peak {runs[-1].peak_rss_mb:.0f} MB"
        )
        print(
            f"mirt end to end: {mwall:.2f} s wall, {mcpu:.2f} s CPU (median of {args.reps}; "
            f"walls {', '.join(f'{w:.2f}' for w in walls)})"
        )
        print(
            "mirt steps (median s): "
            + " | ".join(
                f"{s} {statistics.median(r['times'].get(s, float('nan')) for r in results):.2f}"
                for s in STEPS
            )
        )
        info = results[-1].get("info", {})
        print(
            f"mirt info: version {info.get('mirt_version')}, Rust core {info.get('rust')}, "
            f"marginal loglik {info.get('loglik')}, EM iterations {info.get('iterations')}, "
            f"converged {info.get('converged')}, SE method {info.get('se_method')}, "
            f"item fit columns {info.get('itemfit_columns')}"
        )
        errors = {k: v for r in results for k, v in r.get("errors", {}).items()}
        if errors:
            print("mirt steps that failed or are missing (not timed as done):")
            for k, v in errors.items():
                print(f"  {k}: {v}")
        best = min(walls) / min(r.seconds for r in runs)
        print(
            f"ratio of the fastest runs: {best:.1f} x; CPU-time ratio: {mcpu / med_cpu:.1f} x; "
            f"load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        ratio = mwall / med
        verdict = "PASS" if ratio >= TARGET else "FAIL"
        print(
            f"\nspeed-up measure vs mirt, end to end: {ratio:.1f} x (target >= {TARGET:.0f} x)"
            f" -> {verdict}{' (mirt incomplete: see above)' if errors else ''}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
