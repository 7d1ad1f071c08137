"""Helpers shared by the benchmark scripts (not part of the library; run on demand, never in CI).

Everything here goes through the public surface of ``measure``: the ``measure calibrate`` command
(timed as a subprocess, end to end) and, for the per-stage breakdown only,
``measure.io.read_table``, ``measure.responses.as_responses``, ``measure.calibrate`` and
``measure.io.write_table_atomic``.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# shared/ sits beside the repository (../shared) on developer machines and in CI.
SHARED_TIMING = REPO.parent / "shared" / "reference" / "timing"
TIMING_DATA = SHARED_TIMING / "data"
GNU_TIME = "/usr/bin/time"


def measure_command() -> list[str]:
    """The ``measure`` console script of the running interpreter's environment."""
    exe = Path(sys.executable).with_name("measure")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("measure")
    if found:
        return [found]
    return [sys.executable, "-m", "measure.cli.main"]


def item_names(n_items: int, prefix: str = "I") -> list[str]:
    width = max(2, len(str(n_items)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, n_items + 1)]


def machine_line() -> str:
    """Core count (nproc), CPU model and Python version, for the printed header."""
    cores = os.cpu_count()
    try:
        cores = int(subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout)
    except (OSError, subprocess.CalledProcessError, ValueError):
        pass
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import measure

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {cores} cores (nproc), {cpu}, load average {load} at start; "
        f"Python {sys.version.split()[0]}; "
        f"measure {getattr(measure, '__version__', '?')}; numpy {np.__version__}; "
        f"pandas {pd.__version__}"
    )


@dataclass(frozen=True)
class CliRun:
    """One end-to-end ``measure calibrate`` run."""

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float | None
    summary: dict[str, Any]


def run_measure_cli(
    data: Path, items: Sequence[str], out_dir: Path, *, extra: Sequence[str] = ()
) -> CliRun:
    """Run ``measure calibrate DATA --items ... --out DIR --force --quiet`` once.

    Wall-clock time of the whole subprocess (interpreter start, imports, read, estimate, write).
    Peak memory is the maximum resident set size reported by GNU time (``/usr/bin/time -v``)
    when it exists, else ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` (which is the
    largest child so far, so it can only over-report).
    """
    cmd = [
        *measure_command(),
        "calibrate",
        str(data),
        "--items",
        ",".join(items),
        "--out",
        str(out_dir),
        "--force",
        "--quiet",
        *extra,
    ]
    use_gnu_time = os.path.exists(GNU_TIME)
    if use_gnu_time:
        cmd = [GNU_TIME, "-v", *cmd]
    seconds, cpu, proc = timed_subprocess(cmd)
    own_stderr = proc.stderr.split("Command exited with non-zero status")[0]
    own_stderr = own_stderr.split("\tCommand being timed:")[0].strip()
    if proc.returncode != 0:
        raise RuntimeError(
            f"measure calibrate failed (exit {proc.returncode}): {own_stderr[-3000:]}"
        )
    peak: float | None = None
    if use_gnu_time:
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        if m:
            peak = int(m.group(1)) / 1024
    if peak is None:
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    return CliRun(seconds=seconds, cpu_seconds=cpu, peak_rss_mb=peak, summary=summary)


def timed_subprocess(cmd: Sequence[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Run cmd; (wall seconds, user + system CPU seconds of it and its children, result).

    CPU time is the load-robust figure on a shared machine; wall time is what users see.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(list(cmd), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc


def median_cli(
    data: Path, items: Sequence[str], out_dir: Path, *, reps: int = 3, extra: Sequence[str] = ()
) -> tuple[float, list[CliRun]]:
    runs = [run_measure_cli(data, items, out_dir, extra=extra) for _ in range(reps)]
    return statistics.median(r.seconds for r in runs), runs


def byte_compile_measure() -> None:
    """Write measure's bytecode once, as a regular (non-editable) ``pip install`` does.

    An editable install runs the package from the source tree, and where
    ``PYTHONDONTWRITEBYTECODE`` is set (it is on the project's machine) every ``measure`` process
    would otherwise compile the package's modules from source at start-up (about 0.05 s),
    which no installed copy pays.
    """
    import compileall

    import measure

    compileall.compile_dir(str(Path(measure.__file__).parent), quiet=1)
    cli_dir = REPO / "cli"
    if cli_dir.is_dir():
        compileall.compile_dir(str(cli_dir), quiet=1)


def time_pandas_read_process(path: Path, reps: int = 3) -> float:
    """Median wall time of ``pandas.read_csv(path)`` as a process of its own.

    The same accounting as ``measure calibrate`` end to end: interpreter start, ``import
    pandas`` and the read.
    """
    code = "import sys\nimport pandas as pd\npd.read_csv(sys.argv[1])"
    times = []
    for _ in range(reps):
        seconds, _, proc = timed_subprocess([sys.executable, "-c", code, str(path)])
        if proc.returncode != 0:
            raise RuntimeError(f"pandas.read_csv failed: {proc.stderr[-2000:]}")
        times.append(seconds)
    return statistics.median(times)


def time_pandas_read(path: Path, reps: int = 3) -> float:
    """Median wall time of a plain ``pandas.read_csv(path)`` (default engine and dtypes)."""
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        df = pd.read_csv(path)
        times.append(time.perf_counter() - t0)
        del df
    return statistics.median(times)


@dataclass
class StageTimes:
    read: float
    gate: float
    calibrate: float
    write: float
    profiles: dict[str, str]
    #: peak resident memory of the benchmark process (MB) before and after the write stage
    peak_before_write_mb: float = 0.0
    peak_after_write_mb: float = 0.0

    @property
    def total(self) -> float:
        return self.read + self.gate + self.calibrate + self.write


def _profiled(
    name: str, fn: Callable[[], Any], profiles: dict[str, str], profile: bool, top: int
) -> tuple[Any, float]:
    if not profile:
        t0 = time.perf_counter()
        value = fn()
        return value, time.perf_counter() - t0
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    value = prof.runcall(fn)
    seconds = time.perf_counter() - t0
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    own = _trim_pstats(buf.getvalue())
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(r"measure[/\\]", top)
    cum = _trim_pstats(buf.getvalue())
    profiles[name] = f"{own}\n  -- measure's own functions by cumulative time --\n{cum}"
    return value, seconds


def _trim_pstats(text: str) -> str:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("ncalls"):
            head = [ln for ln in lines[:i] if "function calls" in ln]
            return "\n".join(head + lines[i:]).rstrip()
    return text.rstrip()


def stage_times(
    data: Path, items: Sequence[str], out_dir: Path, *, profile: bool = False, top: int = 12
) -> StageTimes:
    """Time the stages of ``measure calibrate`` in-process, the way the CLI chains them.

    read = ``measure.io.read_table``; gate = ``measure.responses.as_responses`` (coding and
    checking every cell); calibrate = ``measure.calibrate`` on the checked ResponseMatrix
    (sufficient statistics, CML, person measures, fit) plus building the four output tables;
    write = ``measure.io.write_table_atomic`` for each table and ``write_json_atomic`` for
    summary.json.
    Under ``profile=True`` each stage runs under cProfile (slower) and the top functions by
    own time are kept.
    """
    import measure
    import measure.io as mio
    import measure.responses as mresp

    profiles: dict[str, str] = {}
    out_dir.mkdir(parents=True, exist_ok=True)
    raw, t_read = _profiled(
        "read", lambda: mio.read_table(data, numeric=True), profiles, profile, top
    )  # as `measure calibrate` reads delimited text
    rm, t_gate = _profiled(
        "gate",
        lambda: mresp.as_responses(
            raw.data, items=list(items), source=raw.source, row_numbers=raw.row_numbers
        ),
        profiles,
        profile,
        top,
    )

    def _cal() -> tuple[Any, dict[str, pd.DataFrame], dict[str, Any]]:
        cal = measure.calibrate(rm, model="pcm")
        tables = {
            "items": cal.items,
            "thresholds": cal.thresholds,
            "persons": cal.persons,
            "score_table": cal.score_table(),
        }
        return cal, tables, cal.summary()

    (_, tables, summary), t_cal = _profiled("calibrate", _cal, profiles, profile, top)

    def _write() -> None:
        for name, df in tables.items():
            mio.write_table_atomic(df, out_dir / f"{name}.csv", fmt="csv", digits=7)
        mio.write_json_atomic(summary, out_dir / "summary.json")

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _, t_write = _profiled("write", _write, profiles, profile, top)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return StageTimes(
        read=t_read,
        gate=t_gate,
        calibrate=t_cal,
        write=t_write,
        profiles=profiles,
        peak_before_write_mb=before,
        peak_after_write_mb=after,
    )


def pcm_thresholds(n_items: int, n_categories: int, rng: np.random.Generator) -> np.ndarray:
    """Ordered PCM thresholds: item location in [-1.5, 1.5] plus steps spread over +-1.5."""
    m = n_categories - 1
    locations = rng.uniform(-1.5, 1.5, size=n_items)
    steps = np.linspace(-1.5, 1.5, m)[None, :] + rng.normal(0.0, 0.2, size=(n_items, m))
    steps -= steps.mean(axis=1, keepdims=True)
    return np.sort(locations[:, None] + steps, axis=1)


def write_pcm_csv(
    path: Path,
    *,
    n_persons: int,
    n_items: int = 20,
    n_categories: int = 5,
    missing: float = 0.0,
    seed: int = 20240601,
    chunk: int = 200_000,
) -> tuple[list[str], np.ndarray]:
    """Simulate PCM answers with ``measure.simulate_responses`` in chunks and write a CSV.

    Persons ~ N(0, 1). Missing cells (at random, probability ``missing``) are empty. Returns the
    item names and the generating thresholds (n_items x (n_categories - 1)).
    """
    import measure

    rng = np.random.default_rng(seed)
    thresholds = pcm_thresholds(n_items, n_categories, rng)
    names = item_names(n_items)
    path.parent.mkdir(parents=True, exist_ok=True)
    done = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        while done < n_persons:
            n = min(chunk, n_persons - done)
            sim = measure.simulate_responses(
                thresholds=thresholds.tolist(),
                n_persons=n,
                missing=missing,
                item_names=names,
                rng=rng,
            )
            frame = sim.responses.astype("Int8")
            frame.to_csv(fh, index=False, header=done == 0, na_rep="")
            done += n
    return names, thresholds


def fmt_s(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)
