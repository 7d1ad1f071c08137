"""The fast engine of the CSV writer: cells formatted and joined by pyarrow's string kernels,
slice by slice on every core (see :func:`csv_cells` and :func:`write_joined_csv`), and the
rounding to significant digits both CSV engines share (:func:`round_floats`).

The cells are those the csv module writes (``QUOTE_MINIMAL``); the one difference from pandas'
writer is that a whole float prints without ``.0`` (``2`` for 2.0: the same double).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["CodedRun", "Plain", "csv_cells", "csv_float", "round_floats", "write_joined_csv"]


@dataclass(frozen=True)
class CodedRun:
    """A run of columns with few distinct rows: per row a code, per code the joined text."""

    codes: npt.NDArray[np.int32]
    text: Any  #: pyarrow string array: the cells of the run, joined by commas, per code


@dataclass(frozen=True)
class Plain:
    """A column formatted slice by slice."""

    values: Any  #: pyarrow array (float, integer or string)
    kind: str  #: "number", "text", or "plain text" (text that needs no quotes anywhere)


def csv_cells(df: pd.DataFrame, digits: int | None) -> list[CodedRun | Plain] | None:
    """The table as runs of cell text for :func:`write_joined_csv`, or ``None`` when a column
    is of a kind this writer does not format (dates, mixed objects): then pandas' writer is
    used.

    Floats are rounded to ``digits`` significant digits. A column with few distinct values
    (every person measure is a function of the raw score and the answered items) is factorised,
    and neighbouring such columns are merged into one run whose distinct rows are joined into
    text once: a million persons.csv rows then cost one lookup for the twelve columns from
    status to mle_se, not twelve formatted numbers. Text that needs quotes (a comma, a quote, a
    line break) is quoted as the csv module quotes it; numbers are never quoted.
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return None
    n = len(df)
    if df.shape[1] == 0:
        return None
    parts: list[CodedRun | Plain] = []
    for c in df.columns:
        col = df[c]
        if isinstance(col.dtype, pd.CategoricalDtype):  # written as its values
            col = col.astype(col.dtype.categories.dtype)
        inferred = pd.api.types.infer_dtype(col, skipna=True) if col.dtype == object else ""
        if inferred == "integer":  # whole numbers (and missing) as objects: nullable integers
            col = col.astype("Int64")
        dtype = col.dtype
        coded: tuple[npt.NDArray[np.int32], Any] | None = None
        if pd.api.types.is_bool_dtype(dtype):
            missing = col.isna().to_numpy(dtype=bool)
            codes = col.fillna(False).to_numpy(dtype=bool).astype(np.int32)
            codes[missing] = 2
            coded = (codes, pa.array(["False", "True", ""]))
            plain = None
        elif pd.api.types.is_float_dtype(dtype):
            x = col.to_numpy(dtype=np.float64)
            coded = _few_distinct(  # only the distinct values are rounded
                x,
                n,
                lambda u: pa.array(
                    csv_float(np.asarray(u, dtype=np.float64), digits), from_pandas=True
                ),
            )
            plain = (
                None
                if coded is not None
                else Plain(pa.array(csv_float(x, digits), from_pandas=True), "number")
            )
        elif pd.api.types.is_integer_dtype(dtype):  # numpy or nullable (missing: empty)
            ints: Any = (
                col if isinstance(dtype, pd.api.extensions.ExtensionDtype) else col.to_numpy()
            )
            coded = _few_distinct(ints, n, lambda u: pa.array(u, pa.int64(), from_pandas=True))
            plain = None if coded is not None else Plain(pa.array(ints, from_pandas=True), "number")
        elif pd.api.types.is_string_dtype(dtype) or inferred in ("string", "empty"):
            try:
                values = pa.array(col, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                return None
            if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
                if values.null_count != len(values):
                    return None
                values = pa.nulls(len(values), pa.string())
            coded = _few_distinct(col, n, lambda u: pa.array(u, pa.string(), from_pandas=True))
            plain = None
            if coded is None:
                quotes = pc.any(pc.match_substring_regex(values, _NEEDS_QUOTES)).as_py()
                plain = Plain(values, "text" if quotes else "plain text")
        else:
            return None
        if coded is None:
            assert plain is not None
            parts.append(plain)
            continue
        codes, values = coded
        text = _cell_text(values, "text" if pa.types.is_string(values.type) else "number")
        last = parts[-1] if parts else None
        if isinstance(last, CodedRun):
            merged = _merge_runs(last, codes, text, n)
            if merged is not None:
                parts[-1] = merged
                continue
        parts.append(CodedRun(codes=codes, text=text))
    return parts


def _few_distinct(x: Any, n: int, to_arrow: Any) -> tuple[npt.NDArray[np.int32], Any] | None:
    """(codes, distinct values as pyarrow, the last one null) when a column (an array or a
    Series) has few values."""
    if n < 1000:
        return None
    sample = x[: min(n, 20_000)]
    if pd.unique(sample).size > sample.size // 20:
        return None
    codes, uniques = pd.factorize(x, use_na_sentinel=True)
    if len(uniques) > n // 20:
        return None
    codes = codes.astype(np.int32)
    codes[codes < 0] = len(uniques)  # the missing value: an empty cell
    values = to_arrow(list(np.asarray(uniques, dtype=object)) + [None])
    return codes, values


def _merge_runs(run: CodedRun, codes: npt.NDArray[np.int32], text: Any, n: int) -> CodedRun | None:
    """``run`` followed by one more few-valued column, if their joined rows are still few.

    When the new column is a function of the run (a person's SE is a function of the same
    (pattern, score) key as the measure), the run's codes are kept and only its texts grow.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    follows = np.zeros(len(run.text), dtype=np.int32)
    follows[run.codes] = codes
    if np.array_equal(follows[run.codes], codes):
        return CodedRun(
            codes=run.codes,
            text=pc.binary_join_element_wise(run.text, text.take(pa.array(follows)), ","),
        )
    width = len(text)
    pair = run.codes.astype(np.int64) * width + codes
    joint, uniques = pd.factorize(pair)
    if uniques.size > n // 20:
        return None
    left = run.text.take(pa.array(uniques // width))
    right = text.take(pa.array(uniques % width))
    return CodedRun(
        codes=joint.astype(np.int32), text=pc.binary_join_element_wise(left, right, ",")
    )


#: what makes a CSV cell need quotes
_NEEDS_QUOTES = '[,"\r\n]'


def _cell_text(values: Any, kind: str) -> Any:
    """The CSV text of every value of a pyarrow array: empty for missing; text quoted where it
    holds a comma, a quote or a line break (quotes doubled, as the csv module writes them)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind in ("number", "plain text"):
        return pc.fill_null(values.cast(pa.string()), "")
    text = pc.fill_null(values.cast(pa.string()), "")
    needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return text
    quoted = pc.binary_join_element_wise(
        '"', pc.replace_substring(text, pattern='"', replacement='""'), '"', ""
    )
    return pc.if_else(needs, quoted, text)


def write_joined_csv(
    parts: Sequence[CodedRun | Plain],
    columns: Sequence[object],
    handle: BinaryIO,
    *,
    rows: int = 100_000,
    threads: int | None = None,
) -> None:
    """Write CSV by joining the cells of each row with pyarrow's string kernels, slice by
    slice, formatted on every core and written in order (at most two slices per thread in
    memory). The cells are those the csv module writes (QUOTE_MINIMAL): missing as empty,
    booleans as True/False, numbers unquoted, text quoted only where it needs quotes.
    """

    import pyarrow as pa
    import pyarrow.compute as pc

    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([str(c) for c in columns])
    handle.write(header.getvalue().encode("utf-8"))
    n = len(parts[0].codes) if isinstance(parts[0], CodedRun) else len(parts[0].values)
    parts = list(parts)
    ends_coded = isinstance(parts[-1], CodedRun)
    if ends_coded:  # the line break joins the last run's texts once, not every row
        end = parts[-1]
        assert isinstance(end, CodedRun)
        parts[-1] = CodedRun(end.codes, pc.binary_join_element_wise(end.text, "", "\n"))

    def piece(first: int) -> memoryview:
        last = min(first + rows, n)
        cells = []
        for part in parts:
            if isinstance(part, CodedRun):
                cells.append(part.text.take(pa.array(part.codes[first:last])))
            else:
                cells.append(_cell_text(part.values.slice(first, last - first), part.kind))
        line = cells[0] if len(cells) == 1 else pc.binary_join_element_wise(*cells, ",")
        if not ends_coded:
            line = pc.binary_join_element_wise(line, "", "\n")
        return _string_bytes(line)

    _write_in_order(handle, piece, list(range(0, n, rows)), threads)


def _write_in_order(
    handle: BinaryIO, piece: Any, starts: Sequence[int], threads: int | None
) -> None:
    """Write ``piece(start)`` for every start, in order, formatting on a pool of threads with at
    most two pieces per thread in memory (pyarrow's kernels release the GIL)."""
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    workers = max(1, min(threads or os.cpu_count() or 1, len(starts)))
    if workers == 1:
        for first in starts:
            handle.write(memoryview(piece(first)))
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        todo = deque(starts)
        pending: deque[Future[Any]] = deque()
        while todo or pending:
            while todo and len(pending) < 2 * workers:
                pending.append(pool.submit(piece, todo.popleft()))
            handle.write(memoryview(pending.popleft().result()))


def _string_bytes(array: Any) -> memoryview:
    """The characters of a pyarrow string array, back to back: a view of its data buffer."""
    import pyarrow as pa

    if isinstance(array, pa.ChunkedArray):
        return memoryview(b"".join(_string_bytes(chunk) for chunk in array.chunks))
    data = array.buffers()[2]
    if len(array) == 0 or data is None:
        return memoryview(b"")
    large = pa.types.is_large_string(array.type)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64 if large else np.int32)
    begin = int(offsets[array.offset])
    end = int(offsets[array.offset + len(array)])
    return memoryview(data)[begin:end]


def round_floats(df: pd.DataFrame, digits: int | None) -> pd.DataFrame:
    """``df`` with every float column as CSV tables print it: rounded to ``digits``
    significant digits (``None``: not rounded), and a negative zero written as 0."""
    floats = [c for c in df.columns if pd.api.types.is_float_dtype(df[c].dtype)]
    if not floats:
        return df
    out = df.copy(deep=False)
    for c in floats:
        out[c] = csv_float(df[c].to_numpy(dtype=np.float64), digits)
    return out


def csv_float(x: npt.NDArray[np.float64], digits: int | None) -> npt.NDArray[np.float64]:
    """Round to ``digits`` significant digits (``None``: keep), and turn -0.0 into 0.0.

    With ``d = digits - 1 - floor(log10 |x|)`` decimal places: ``rint(x * 10**d) / 10**d`` for
    ``d >= 0`` and ``rint(x / 10**-d) * 10**-d`` for ``d < 0``. The power of ten is exact for
    ``|d| <= 22``, so the result is the double nearest to the rounded decimal and prints as
    that decimal. Values that would need ``|d| > 22`` (below about 1e-16 or above 1e28 in
    magnitude, for 7 digits) are kept as they are.
    """
    if digits is None:
        kept: npt.NDArray[np.float64] = x + 0.0  # -0.0 + 0.0 == +0.0
        return kept
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        magnitude = np.floor(np.log10(np.abs(x)))
        places = digits - 1 - np.where(np.isfinite(magnitude), magnitude, 0.0)
        exact = np.abs(places) <= 22
        steps = np.where(exact, places, 0.0).astype(np.int64)
        power = _POWERS_OF_TEN[np.abs(steps)]
        rounded = np.where(steps >= 0, np.rint(x * power) / power, np.rint(x / power) * power)
    out: npt.NDArray[np.float64] = np.where(exact, rounded, x) + 0.0
    return out


#: 10**0 .. 10**22, every one exact in binary floating point
_POWERS_OF_TEN = np.array([10.0**k for k in range(23)])
