"""The fast engine of :func:`measure.io.read_table` for delimited text: pyarrow's multi-threaded
CSV parser, for the simple files (every physical line one record) that large exports are.

:func:`read_simple_text` gives exactly the cells and row numbers the careful engine (the csv
module) gives, or ``None`` when the file is not simple; the differential tests in
``tests/io/test_io_fastpath.py`` hold it to that.
"""

from __future__ import annotations

import csv
import re
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from measure.io.cells import compact_integers, smallest_integer_type, whole_number_columns

__all__ = ["read_simple_text"]

#: 10, 100, ..., 10**18: a whole number below 10**k has at most k digits
_TENS = np.array([10**k for k in range(1, 19)], dtype=np.int64)


def _has_blank_cell(text: str, newline: int, delimiter: str) -> bool:
    """A cell of only spaces or tabs after position ``newline`` (the header's line break).

    Such a cell starts right after a delimiter or a line break: the text is searched for those
    two-character starts (rare in survey exports) and each is checked with an anchored match,
    not scanned by a regular expression at every character (slow on long text cells).
    """
    if text.find(" ", newline) < 0 and (delimiter == "\t" or text.find("\t", newline) < 0):
        return False  # no space at all (a tab is whitespace only when it is not the delimiter)
    d = re.escape(delimiter)
    rest = re.compile(rf"[ \t]+(?:{d}|\r?\n|\r?$)")
    for lead in (delimiter, "\n"):
        for space in (" ", "\t"):
            pos = text.find(lead + space, newline)
            while pos >= 0:
                if rest.match(text, pos + 1):
                    return True
                pos = text.find(lead + space, pos + 1)
    return False


def read_simple_text(
    text: str,
    delimiter: str,
    *,
    numeric: bool,
    raw: bytes | None = None,
    offset: int = 0,
) -> tuple[pd.DataFrame, npt.NDArray[np.int64]] | None:
    """The cells and row numbers of a simple delimited file; ``None``: not simple.

    Simple: no quote character after the header, no blank or whitespace-only line or cell, a
    header of distinct non-blank names, and every line with the header's number of fields.
    ``numeric``: the columns :func:`measure.io.cells.whole_number_columns` would convert come as
    numbers. ``raw``: the file's bytes when they are the same characters as ``text`` (plain
    ASCII), parsed without a copy. ``offset``: where the header line starts in ``text`` (the
    lines before it are not read); the row numbers count from the header as row 1.
    """
    first_nl = text.find("\n", offset)
    if first_nl <= offset:
        return None
    header_line = text[offset:first_nl].rstrip("\r")
    start = first_nl + 1  # the body, searched in place (no copy of a large file)
    if (
        text.find('"', start) >= 0
        or text.find("\n\n", first_nl) >= 0  # a blank line, also right after the header
        or text.find("\n\r\n", first_nl) >= 0
        or not header_line.strip()
    ):
        return None
    if _has_blank_cell(text, first_nl, delimiter):
        return None  # whitespace-only cells: the careful reader turns them into missing
    header = next(csv.reader([header_line], delimiter=delimiter))
    if not header or any(not h.strip() for h in header) or len(set(header)) != len(header):
        return None
    if raw is not None:
        body: bytes | memoryview = memoryview(raw)[start:]
        lines = raw.count(b"\n", start) + raw.count(b"\r", start)
    else:
        body = text[start:].encode("utf-8")
        lines = body.count(b"\n") + body.count(b"\r")
    data = _parse(body, header, delimiter, numeric=numeric, line_bytes=lines)
    if data is None:
        return None
    # trailing delimiter-only lines are not respondents (as in the careful reader): look at
    # the end of the table, a block at a time, until a row with a value
    end = len(data)
    while end > 0:
        first = max(0, end - 1024)
        blank = data.iloc[first:end].isna().all(axis=1).to_numpy()
        filled = np.flatnonzero(~blank)
        if filled.size:
            end = first + int(filled[-1]) + 1
            break
        end = first
    if end < len(data):
        data = data.iloc[:end].reset_index(drop=True)
    return data, np.arange(2, 2 + end, dtype=np.int64)


def _parse(
    body: bytes | memoryview,
    header: list[str],
    delimiter: str,
    *,
    numeric: bool,
    line_bytes: int,
) -> pd.DataFrame | None:
    """Parse the body of a simple file with pyarrow; ``None`` when it cannot (ragged rows).

    Text: every column as ``str`` or ``None``. Numeric: the columns pyarrow reads as integers
    are kept as numbers when every cell was written plainly (checked by adding up the printed
    length of every cell: a sign, a leading zero or a space would make the file longer than
    that sum); otherwise the file is parsed as text and :func:`whole_number_columns` decides,
    as it does for the careful engine. ``line_bytes``: the line breaks (LF and CR) in ``body``.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    text_types = {} if numeric else {c: pa.string() for c in header}

    def parse(types: dict[str, Any], data: Any = body) -> Any:
        return pa_csv.read_csv(
            pa.py_buffer(data),
            read_options=pa_csv.ReadOptions(column_names=header, block_size=1 << 22),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                quote_char=False,
                double_quote=False,
                escape_char=False,
                ignore_empty_lines=False,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=types,
                null_values=[""],
                strings_can_be_null=True,
                true_values=[],
                false_values=[],
                timestamp_parsers=[],
            ),
        )

    try:
        table = None
        if numeric:
            # the types found in the first lines: columns that are not integers there (decimals,
            # text) are parsed as text at once, not parsed again afterwards; in large files
            # survey codes take two bytes a cell, not eight (16-bit integers). A later cell that
            # does not fit makes pyarrow refuse, and the file is parsed again with the types
            # inferred from all of it.
            head = 1 << 20 if len(body) > 1 << 22 else 1 << 16
            cut = bytes(body[:head]).rfind(b"\n") if len(body) > head else len(body) - 1
            probe = parse({}, bytes(body[: cut + 1])) if cut > 0 else None
            if probe is not None:
                narrow = len(body) > 1 << 22
                types = {}
                for name, typ in zip(probe.column_names, probe.schema.types, strict=True):
                    if pa.types.is_integer(typ):
                        types[name] = pa.int16() if narrow and pa.types.is_int64(typ) else typ
                    elif not pa.types.is_string(typ):
                        types[name] = pa.string()
                try:
                    table = parse(types) if types else None
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    table = None
        if table is None:
            table = parse(text_types)
        if numeric:  # what is not an integer (decimals, "nan", all empty) is read as text
            other = {
                name: pa.string()
                for name, typ in zip(table.column_names, table.schema.types, strict=True)
                if not (pa.types.is_integer(typ) or pa.types.is_string(typ))
            }
            if other:
                table = parse(other)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_columns != len(header):
        return None
    columns: dict[str, Any] = {}
    printed = 0
    for j, column in enumerate(table.columns):
        if pa.types.is_string(column.type):  # object: str or None (as the careful reader gives)
            columns[f"c{j}"] = pd.Series(column.to_numpy(zero_copy_only=False), dtype=object)
            printed += _text_bytes(column)
        else:
            values, length = _integers(column)
            columns[f"c{j}"] = values
            printed += length
    frame = pd.DataFrame(columns, copy=False)
    frame.columns = pd.Index(header, dtype=object)
    if numeric:
        expected = printed + (len(header) - 1) * table.num_rows + line_bytes
        if expected != len(body):  # some integer was not written plainly ("07", "+7", " 7")
            text = parse({c: pa.string() for c in header})
            frame = pd.DataFrame(
                {
                    f"c{j}": pd.Series(c.to_numpy(zero_copy_only=False), dtype=object)
                    for j, c in enumerate(text.columns)
                },
                copy=False,
            )
            frame.columns = pd.Index(header, dtype=object)
            frame = whole_number_columns(frame)
    return frame


def _text_bytes(column: Any) -> int:
    """The bytes of every cell of a pyarrow string column (missing cells: none)."""
    import pyarrow.compute as pc

    total = pc.sum(pc.binary_length(column)).as_py()
    return int(total or 0)


def _integers(column: Any) -> tuple[Any, int]:
    """A pyarrow integer column as :func:`measure.io.cells.compact_integers` gives it, and the
    number of characters its values take when printed plainly."""
    import pyarrow.compute as pc

    bounds = pc.min_max(column)
    lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
    if lo is None:  # every cell empty: text, as the careful engine leaves such a column
        return np.full(len(column), None, dtype=object), 0
    data = np.asarray(pc.fill_null(column, 0).to_numpy(), dtype=smallest_integer_type(lo, hi))
    if column.null_count == 0:
        return data, _printed_length(data, lo, hi)
    missing = np.asarray(pc.is_null(column).to_numpy(zero_copy_only=False), dtype=bool)
    values = compact_integers(data, lo, hi, missing=missing)
    return values, _printed_length(data[~missing], lo, hi)


def _printed_length(values: npt.NDArray[Any], lo: int, hi: int) -> int:
    """Characters of ``str(v)`` summed over the whole numbers ``values`` (all within lo..hi)."""
    if values.dtype == np.int8:  # survey codes: one count per possible byte
        counts = np.bincount(values.view(np.uint8), minlength=256)
        every = np.arange(256, dtype=np.int64)
        return int(counts @ _digits(np.where(every < 128, every, every - 256)))
    x = values.astype(np.int64)
    if hi - lo <= max(1 << 16, x.size):  # count each value of the range once
        counts = np.bincount(x - lo, minlength=hi - lo + 1)
        return int(counts @ _digits(np.arange(lo, hi + 1, dtype=np.int64)))
    return int(_digits(x).sum())


def _digits(x: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Characters of ``str(v)`` for each whole number (a minus sign counts one)."""
    magnitude = np.abs(x)
    counts: npt.NDArray[np.int64] = (
        np.searchsorted(_TENS, magnitude, side="right").astype(np.int64) + 1 + (x < 0)
    )
    return counts
