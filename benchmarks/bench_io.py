"""The hand-written CSV reader and writer against pyarrow and polars, and end to end against a
base commit.

Parts (``--part``; default all):

read   1,000,000 x 20 PCM CSV (the file of ``bench_scale.py --part a``): measure's fast engine
       (``read_table(numeric=True, engine="fast")``: pyarrow's parser plus the checks that make
       its cells the careful engine's, and int8 columns) against ``pyarrow.csv.read_csv`` and
       ``polars.read_csv``, each turned into the same cells (a pandas DataFrame of int8
       columns); the cells are compared.
write  persons.csv of a calibration of that file (1,000,000 rows, 7 significant digits):
       measure's fast engine, measure's careful engine (pandas' writer), ``pyarrow.csv.write_csv``
       (quoting as needed) and ``polars.DataFrame.write_csv`` on the same rounded table; each
       file is read back and compared with measure's cell by cell.
e2e    ``measure calibrate`` end to end on the CSV, this checkout against ``--base`` (the
       ``measure`` console script of another checkout, e.g. commit 3452e6a in its own venv),
       interleaved with ``pandas.read_csv`` as a process (the yardstick), ``--reps`` each.

Medians of ``--reps`` interleaved runs (the machine is shared: single runs vary). polars is a
dev-only extra here (``pip install polars``), never a runtime dependency.

Usage::

    python benchmarks/bench_io.py --part read,write --reps 5
    python benchmarks/bench_io.py --part e2e --base /tmp/wt-base/.venv/bin/measure --reps 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    byte_compile_measure,
    machine_line,
    measure_command,
    timed_subprocess,
    write_pcm_csv,
)


def _median_times(runs: dict[str, Callable[[], Any]], reps: int) -> dict[str, float]:
    """Interleaved: rep 1 of every contender, then rep 2, ..."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(reps):
        for name, run in runs.items():
            t0 = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def _report(title: str, medians: dict[str, float], ours: str) -> None:
    print(f"\n{title}")
    for name, seconds in medians.items():
        print(f"  {name:<34} {seconds:7.3f} s   {seconds / medians[ours]:5.2f} x ours")


# ------------------------------------------------------------------------------------ read


def part_read(path: Path, reps: int) -> None:
    import polars as pl
    import pyarrow.csv as pa_csv

    from measure.io import read_table

    def ours() -> pd.DataFrame:
        return read_table(path, numeric=True, engine="fast").data

    def as_int8(columns: dict[str, np.ndarray]) -> pd.DataFrame:
        return pd.DataFrame({k: v.astype(np.int8) for k, v in columns.items()}, copy=False)

    def pyarrow_read() -> pd.DataFrame:
        table = pa_csv.read_csv(path)
        return as_int8(
            {n: c.to_numpy() for n, c in zip(table.column_names, table.columns, strict=True)}
        )

    def polars_read() -> pd.DataFrame:
        frame = pl.read_csv(path)
        return as_int8({n: frame.get_column(n).to_numpy() for n in frame.columns})

    want = ours()
    for name, run in (("pyarrow", pyarrow_read), ("polars", polars_read)):
        pd.testing.assert_frame_equal(run(), want, check_column_type=False)
        print(f"read: {name} gives measure's cells ({want.shape[0]:,} x {want.shape[1]}, int8)")
    medians = _median_times(
        {
            "measure read_table(engine='fast')": ours,
            "pyarrow.csv.read_csv + int8": pyarrow_read,
            "polars.read_csv + int8": polars_read,
        },
        reps,
    )
    _report(f"read {path.name} (median of {reps}, interleaved)", medians, next(iter(medians)))


# ------------------------------------------------------------------------------------ write


def _persons(path: Path) -> pd.DataFrame:
    import measure
    from measure.io import read_table

    raw = read_table(path, numeric=True)
    rm = measure.as_responses(raw.data, source=raw.source, row_numbers=raw.row_numbers)
    return measure.calibrate(rm, model="pcm").persons


def part_write(path: Path, reps: int, out: Path) -> None:
    import polars as pl
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    from measure.io import round_floats, write_table_atomic

    persons = _persons(path)
    print(f"\npersons table: {len(persons):,} rows; {dict(persons.dtypes.astype(str))}")
    rounded = round_floats(persons, 7)
    files = {name: out / f"persons_{name}.csv" for name in ("fast", "careful", "pyarrow", "polars")}

    def ours_fast() -> None:
        write_table_atomic(persons, files["fast"], digits=7, engine="fast")

    def ours_careful() -> None:
        write_table_atomic(persons, files["careful"], digits=7, engine="careful")

    def pyarrow_write() -> None:
        table = pa.Table.from_pandas(round_floats(persons, 7), preserve_index=False)
        pa_csv.write_csv(
            table, files["pyarrow"], write_options=pa_csv.WriteOptions(quoting_style="needed")
        )

    def polars_write() -> None:
        pl.from_pandas(round_floats(persons, 7)).write_csv(files["polars"])

    runs = {
        "measure fast engine": ours_fast,
        "measure careful engine (pandas)": ours_careful,
        "pyarrow.csv.write_csv": pyarrow_write,
        "polars write_csv": polars_write,
    }
    for run in runs.values():
        run()
    read: dict[str, Any] = {"keep_default_na": False, "na_values": [""], "low_memory": False}
    mine = pd.read_csv(files["fast"], **read)
    floats = list(rounded.select_dtypes("float").columns)
    np.testing.assert_array_equal(mine[floats].to_numpy(), rounded[floats].to_numpy())
    text = files["fast"].read_bytes()
    for name in ("careful", "pyarrow", "polars"):
        other = files[name].read_bytes()
        back = pd.read_csv(files[name], **read)
        try:
            pd.testing.assert_frame_equal(back, mine)
            cells = "the same cells"
        except AssertionError as exc:
            cells = f"DIFFERENT cells: {str(exc).splitlines()[0]}"
        first = next((i for i, (a, b) in enumerate(zip(text, other, strict=False)) if a != b), None)
        at = first or 0
        where = (
            "byte-identical"
            if text == other
            else f"text differs from byte {first}: {other[max(0, at - 30) : at + 30]!r}"
        )
        print(f"write: {name}: {cells} read back; {where}")
    medians = _median_times(runs, reps)
    size = files["fast"].stat().st_size / 1e6
    title = f"write persons.csv ({size:.0f} MB, median of {reps}, interleaved)"
    _report(title, medians, "measure fast engine")


# ------------------------------------------------------------------------------------ e2e


def part_e2e(path: Path, reps: int, base: str, out: Path, items: list[str]) -> None:
    ours = measure_command()
    code = "import sys\nimport pandas as pd\npd.read_csv(sys.argv[1])"
    commands = {
        "pandas.read_csv (process)": [sys.executable, "-c", code, str(path)],
        "measure calibrate, base": [base],
        "measure calibrate, this checkout": ours,
    }
    for name in ("base", "this checkout"):
        key = f"measure calibrate, {name}"
        commands[key] = [
            *commands[key],
            "calibrate",
            str(path),
            "--items",
            ",".join(items),
            "--out",
            str(out / name.replace(" ", "_")),
            "--force",
            "--quiet",
        ]
    for cmd in commands.values():  # warm up (page cache, byte code)
        subprocess.run(cmd, check=True, capture_output=True)
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(reps):
        for name, cmd in commands.items():
            seconds, cpu_seconds, proc = timed_subprocess(cmd)
            if proc.returncode != 0:
                raise RuntimeError(f"{name} failed: {proc.stderr[-2000:]}")
            times[name].append(seconds)
            cpu[name].append(cpu_seconds)
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    yard = medians["pandas.read_csv (process)"]
    print(f"\nend to end on {path.name} (median of {reps}, interleaved; wall s, CPU s)")
    for name, seconds in medians.items():
        runs = ", ".join(f"{t:.2f}" for t in times[name])
        print(
            f"  {name:<34} {seconds:6.2f} s   {seconds / yard:5.2f} x pandas   "
            f"CPU {statistics.median(cpu[name]):5.2f} s   ({runs})"
        )
    new, base_ = "measure calibrate, this checkout", "measure calibrate, base"
    paired = [a / b for a, b in zip(times[new], times[base_], strict=True)]
    paired_yard = [
        a / y for a, y in zip(times[new], times["pandas.read_csv (process)"], strict=True)
    ]
    paired_base = [
        a / y for a, y in zip(times[base_], times["pandas.read_csv (process)"], strict=True)
    ]
    print(
        f"  this checkout / base: {medians[new] / medians[base_]:.3f} (medians); "
        f"median of the per-round ratios {statistics.median(paired):.3f}; "
        f"CPU {statistics.median(cpu[new]) / statistics.median(cpu[base_]):.3f}"
    )
    print(
        f"  per-round ratio to pandas (median): this checkout "
        f"{statistics.median(paired_yard):.2f} x, base {statistics.median(paired_base):.2f} x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", default="read,write,e2e")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--base", help="the measure console script of the base checkout (e2e)")
    parser.add_argument("--tmp", type=Path, default=None)
    args = parser.parse_args()
    parts = set(args.part.split(","))
    print(machine_line())
    byte_compile_measure()
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        root = Path(tmp)
        path = root / f"pcm20_n{args.n}.csv"
        items, _ = write_pcm_csv(path, n_persons=args.n)
        print(f"data: {path.name}, {path.stat().st_size / 1e6:.0f} MB")
        if "read" in parts:
            part_read(path, args.reps)
        if "write" in parts:
            part_write(path, args.reps, root)
        if "e2e" in parts:
            if not args.base:
                parser.error("--part e2e needs --base (the base checkout's measure script)")
            part_e2e(path, args.reps, args.base, root, items)


if __name__ == "__main__":
    main()
