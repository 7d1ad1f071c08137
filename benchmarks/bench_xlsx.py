"""The xlsx writer: today's (XlsxWriter in constant-memory mode, with the frozen header,
filter, widths and number formats) against the writer before it (pandas' ``to_excel`` with
openpyxl, no formatting), on the persons table of a calibration, in the same process and
minute, interleaved.

The persons table is that of ``measure.calibrate`` on simulated answers (``--rows`` persons,
10 items of 4 categories; 19 columns of ids, counts, measures and fit). Both workbooks are
written into memory (no disk in the timing) and read back to check that the cells agree.

Usage::

    python benchmarks/bench_xlsx.py --rows 100000 --reps 3
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import numpy as np
import pandas as pd

import measure
from measure.io import OutputSet
from measure.report.workbook import workbook_formats


def old_writer(tables: dict[str, pd.DataFrame]) -> bytes:
    """The writer before issue 15: pandas' ExcelWriter with openpyxl, one sheet per table."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in tables.items():
            table.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def new_writer(tables: dict[str, pd.DataFrame]) -> bytes:
    """Today's writer (OutputSet.write_workbook), captured in memory."""
    captured: dict[str, bytes] = {}

    class _Capture(OutputSet):
        def write_bytes(self, data: bytes, path: object) -> object:  # type: ignore[override]
            captured["data"] = data
            return path

    _Capture().write_workbook(tables, "persons.xlsx", number_formats=workbook_formats(tables))
    return captured["data"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    thresholds = [[-1.0, 0.0, 1.0]] * 10
    sim = measure.simulate_responses(thresholds=thresholds, n_persons=args.rows, rng=1)
    persons = measure.calibrate(sim.responses).persons
    tables = {"persons": persons}
    print(f"persons: {persons.shape[0]:,} rows x {persons.shape[1]} columns")
    times: dict[str, list[float]] = {"old": [], "new": []}
    sizes: dict[str, int] = {}
    blobs: dict[str, bytes] = {}
    for _ in range(args.reps):
        for name, writer in (("old", old_writer), ("new", new_writer)):
            t0 = time.perf_counter()
            blobs[name] = writer(tables)
            times[name].append(time.perf_counter() - t0)
            sizes[name] = len(blobs[name])
    for name in ("old", "new"):
        runs = ", ".join(f"{t:.2f}" for t in times[name])
        print(
            f"{name}: median {statistics.median(times[name]):.2f} s ({runs}); "
            f"{sizes[name] / 1e6:.1f} MB"
        )
    ratio = statistics.median(times["new"]) / statistics.median(times["old"])
    print(f"ratio new/old: {ratio:.2f}")
    back = pd.read_excel(io.BytesIO(blobs["new"]), sheet_name="persons")
    same = np.allclose(
        back["measure"].to_numpy(float),
        persons["measure"].to_numpy(float),
        rtol=1e-15,
        atol=0,
        equal_nan=True,
    )
    print(f"new workbook's measures equal the table's (rtol 1e-15): {same}")


if __name__ == "__main__":
    main()
