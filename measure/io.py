"""Read survey exports into pandas without losing a row, and write result tables atomically.

Survey data arrive as whatever the survey tool or a colleague's Excel produced: semicolon CSV
with a byte-order mark and decimal commas, Windows-1252 text, tab-separated "Unicode text",
``.xlsx`` workbooks, SPSS ``.sav`` files with value labels, or Parquet. :func:`read_table` reads
all of them into a :class:`RawTable` that keeps every cell as it was in the file (codes such as
``"09"`` stay text, nothing is parsed to numbers) and remembers the row number each data row had
in the file, so that later checks (``measure.responses``) can say "row 14, column 'q3'".

Writing goes through a temporary file in the target directory and :func:`os.replace`, so an
interrupted or failing write never leaves a half-written result file behind.

Optional readers and writers import their library lazily: ``openpyxl`` (extra ``excel``),
``pyreadstat`` (extra ``spss``) and ``pyarrow`` (extra ``parquet``).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import importlib
import io
import math
import os
import re
import secrets
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, BinaryIO, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from measure.exceptions import MissingDependencyError, ResponseDataError

__all__ = [
    "RawTable",
    "SUPPORTED_EXTENSIONS",
    "read_table",
    "to_numeric_cells",
    "write_table_atomic",
    "write_workbook_atomic",
]

_TEXT_EXTENSIONS = (".csv", ".txt", ".tsv")
_EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
_SPSS_EXTENSIONS = (".sav", ".zsav")
_PARQUET_EXTENSIONS = (".parquet", ".pq")

SUPPORTED_EXTENSIONS: tuple[str, ...] = (
    _TEXT_EXTENSIONS + _EXCEL_EXTENSIONS + _SPSS_EXTENSIONS + _PARQUET_EXTENSIONS
)
"""File name extensions :func:`read_table` knows how to read (compared case-insensitively)."""

_DELIMITER_CANDIDATES = (",", ";", "\t")
_DECIMALS = (".", ",")
_WRITE_FORMATS = ("csv", "xlsx", "json", "parquet")
_SNIFF_CHARS = 64 * 1024
#: files shorter than this are read by the careful reader only (the fast path pays off above)
FAST_MIN_CHARS = 100_000
_SCORE_ROWS = 200
_MAX_LISTED = 5

# Numbers as survey tools write them: optional sign, digits with one decimal separator,
# optional exponent. ASCII digits only; no thousands separators, no "nan"/"inf".
_NUMBER_PATTERN = {
    ".": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII),
    ",": re.compile(r"[+-]?(?:\d+(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?", re.ASCII),
}
_COMMA_DECIMAL = re.compile(r"\s*[+-]?\d*,\d+\s*", re.ASCII)
_DOT_DECIMAL = re.compile(r"\s*[+-]?\d*\.\d+\s*", re.ASCII)


@dataclass(frozen=True, eq=False)
class RawTable:
    """A table read from a file, cell by cell as it was in the file.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per data row of the file, including blank rows between data rows (all cells
        missing). Text files give ``object`` columns holding ``str`` or ``None``; Excel gives
        ``object`` columns with the cell values openpyxl reports (``str``, ``int``, ``float``,
        ``bool``, ``datetime``) or ``None``; SPSS and Parquet keep their stored dtypes (SPSS codes
        stay numeric). Whitespace-only text cells are missing; no other text is stripped.
        The index is a ``RangeIndex``; use :attr:`row_numbers` to locate a row in the file.
    source : str
        The file name (without directories), for messages.
    value_labels : dict of str to dict
        SPSS value labels per column (``{"q1": {1.0: "Never", 2.0: "Sometimes"}}``); empty
        for other formats.
    row_numbers : numpy.ndarray of int64
        The spreadsheet-style row number of each data row: the header row is row 1 when it is
        the first line of the file, so the first data row is usually 2. Blank lines before the
        header shift the numbers as they would in Excel. SPSS and Parquet files have no header
        line; their rows are numbered 2, 3, ... as they would be after export to a spreadsheet.
    encoding : str or None
        Text encoding used (``"utf-8"``, ``"utf-8-sig"`` when a byte-order mark was present,
        ``"cp1252"``, ...), the SPSS file encoding, or ``None`` for Excel and Parquet.
    delimiter : str or None
        Field delimiter of a text file, ``None`` for other formats.
    decimal : str
        Decimal separator (``"."`` or ``","``) to use when converting text cells to numbers
        with :func:`to_numeric_cells`.
    sheet : str or None
        Name of the worksheet read from an Excel file, ``None`` for other formats.
    """

    data: pd.DataFrame
    source: str
    value_labels: dict[str, dict[object, str]] = field(default_factory=dict)
    row_numbers: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    sheet: str | None = None


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    decimal: str | None = None,
    apply_value_labels: bool = False,
    numeric: bool = False,
    text_columns: Sequence[str] = (),
) -> RawTable:
    r"""Read a survey export into a :class:`RawTable`, keeping every row and every cell as is.

    The file name extension chooses the reader: ``.csv``, ``.txt``, ``.tsv`` (delimited text),
    ``.xlsx``, ``.xlsm`` (Excel, through openpyxl), ``.sav``, ``.zsav`` (SPSS, through
    pyreadstat) and ``.parquet``, ``.pq`` (through pyarrow).

    Delimited text is decoded as UTF-8 (with or without a byte-order mark; a UTF-16 or UTF-32
    byte-order mark is honoured too) and otherwise as Windows-1252. The delimiter is chosen
    among ``,``, ``;`` and tab with :class:`csv.Sniffer`, checked against the candidate whose
    header splits into two or more fields and whose rows most consistently have the header's
    number of fields. If the delimiter is not a comma, cells such as ``2,5`` (and no cells
    such as ``2.5``) make the decimal separator a comma.

    The first non-blank row is the header. Blank rows between data rows are kept as rows whose
    cells are all missing, so row numbers stay those of the file; blank rows after the last
    data row are not data and are left out. A column with no name whose cells are all empty
    (a trailing delimiter on every line) is left out; a column with no name but with values is
    an error.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.
    sheet : str or int, optional
        Excel only: worksheet name or 0-based position. Default: the first worksheet.
    delimiter : str, optional
        Delimited text only: a single character. Default: detected (tab for ``.tsv``).
    encoding : str, optional
        Delimited text or SPSS only: a Python codec name. Default: detected.
    decimal : {".", ","}, optional
        Decimal separator of numbers stored as text. Default: detected for delimited text
        and Excel text cells, ``"."`` otherwise.
    apply_value_labels : bool, default False
        SPSS only: replace codes by their value labels in ``data``. The labels are exposed in
        :attr:`RawTable.value_labels` either way.
    numeric : bool, default False
        Delimited text only: columns in which every cell is a plain number are returned as
        numbers instead of text, except ``text_columns``: whole numbers in the smallest integer
        type that holds them (int8 for survey codes), float32 (whole numbers below 2**24) or
        float64 with NaN when some cells are empty, other numbers float64. This keeps memory
        at 1-8 bytes per cell for large exports (a Python string costs about 50). Applies to
        the fast path for simple files (no quotes, no blank lines); other files are read as
        text whatever this says, which gives the same codes downstream.
    text_columns : sequence of str
        Columns always kept as text under ``numeric=True`` (person ids such as ``007``).

    Returns
    -------
    RawTable
        The cells, the file name, SPSS value labels, the row number of each data row in the
        file and the encoding, delimiter and decimal separator used.

    Raises
    ------
    ResponseDataError
        The extension is not supported; the file is empty or has no header row; column names
        are duplicated; a column with values has no name; a row has more fields than the
        header; the file cannot be decoded or parsed.
    MissingDependencyError
        The optional library for the format is not installed; the message names the extra,
        e.g. ``pip install "measure[excel]"``.
    ValueError
        An option is invalid or does not apply to the file's format.
    FileNotFoundError
        The file does not exist.

    Examples
    --------
    >>> raw = read_table("who5_sweden.csv")  # doctest: +SKIP
    >>> raw.delimiter, raw.decimal, raw.encoding  # doctest: +SKIP
    (';', ',', 'utf-8-sig')
    >>> raw.data.loc[0, "q1"], raw.row_numbers[0]  # doctest: +SKIP
    ('09', 2)

    The peer call that reads the same cells is
    ``pandas.read_csv(path, sep=None, dtype=str, keep_default_na=False, skip_blank_lines=False)``
    (which, unlike this function, neither checks the header nor reports row numbers).
    """
    file = Path(path)
    source = file.name
    extension = file.suffix.lower()
    if extension not in SUPPORTED_EXTENSIONS:
        hint = " (save it as .xlsx from Excel)" if extension == ".xls" else ""
        raise ResponseDataError(
            f"{source}: cannot read files with extension {extension or '(none)'!r}{hint}; "
            f"supported extensions are {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    if decimal is not None and decimal not in _DECIMALS:
        raise ValueError(f"decimal must be one of {_DECIMALS}, got {decimal!r}")
    _check_applies("sheet", sheet is not None, extension, _EXCEL_EXTENSIONS)
    _check_applies("delimiter", delimiter is not None, extension, _TEXT_EXTENSIONS)
    _check_applies("encoding", encoding is not None, extension, _TEXT_EXTENSIONS + _SPSS_EXTENSIONS)
    _check_applies("apply_value_labels", apply_value_labels, extension, _SPSS_EXTENSIONS)
    if not file.is_file():
        raise FileNotFoundError(f"{file}: no such file")

    if extension in _TEXT_EXTENSIONS:
        return _read_text(
            file,
            delimiter=delimiter,
            encoding=encoding,
            decimal=decimal,
            default_delimiter="\t" if extension == ".tsv" else ",",
            numeric=numeric,
            text_columns=tuple(text_columns),
        )
    if extension in _EXCEL_EXTENSIONS:
        return _read_excel(file, sheet=sheet, decimal=decimal)
    if extension in _SPSS_EXTENSIONS:
        return _read_spss(
            file, encoding=encoding, decimal=decimal, apply_value_labels=apply_value_labels
        )
    return _read_parquet(file, decimal=decimal)


def _check_applies(option: str, given: bool, extension: str, extensions: tuple[str, ...]) -> None:
    """Reject an option that has no meaning for the file's format."""
    if given and extension not in extensions:
        raise ValueError(
            f"{option}= applies only to {', '.join(extensions)} files, not to {extension} files"
        )


def _import_optional(module: str, *, extra: str, purpose: str) -> ModuleType:
    """Import an optional library or raise :class:`MissingDependencyError` naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f'{purpose} needs {module}: pip install "measure[{extra}]"'
        ) from exc


def _is_blank(value: object) -> bool:
    """Whether a cell counts as empty: missing, or text that is only whitespace."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    return False


# --- delimited text ---------------------------------------------------------------------------


def _read_text(
    file: Path,
    *,
    delimiter: str | None,
    encoding: str | None,
    decimal: str | None,
    default_delimiter: str,
    numeric: bool = False,
    text_columns: tuple[str, ...] = (),
) -> RawTable:
    source = file.name
    raw = file.read_bytes()
    text, used_encoding = _decode(raw, encoding, source)
    if not text.strip(' \t\r\n\f\v,;"'):  # nothing but blanks, delimiters and quotes
        raise ResponseDataError(f"{source}: the file is empty (no header row, no data)")

    if delimiter is None:
        delimiter = _detect_delimiter(text, default_delimiter)
    elif len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValueError(
            f"delimiter must be a single character other than a quote or a line break, "
            f"got {delimiter!r}"
        )

    # plain ASCII UTF-8 (no byte-order mark): byte offsets are character offsets, so the fast
    # parser can read the file's own bytes instead of a re-encoded copy
    ascii_raw = raw if len(raw) == len(text) and text.isascii() else None
    fast = _read_text_fast(
        text, delimiter, source, numeric=numeric, text_columns=text_columns, raw=ascii_raw
    )
    data, row_numbers = fast if fast is not None else _read_text_careful(text, delimiter, source)
    if decimal is None:
        decimal = "." if delimiter == "," else _detect_decimal(data)
    return RawTable(
        data=data,
        source=source,
        value_labels={},
        row_numbers=_frozen(row_numbers),
        encoding=used_encoding,
        delimiter=delimiter,
        decimal=decimal,
    )


def _read_text_careful(
    text: str, delimiter: str, source: str
) -> tuple[pd.DataFrame, npt.NDArray[np.int64]]:
    """The csv module, record by record: exact row numbers for any quoting and blank lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        raise ResponseDataError(
            f"{source}: cannot parse line {reader.line_num} as delimited text: {exc}"
        ) from exc

    cells: list[list[str | None]] = [
        [None if not value.strip() else value for value in record] for record in records
    ]
    header_at, end = _content_span(cells)
    if header_at is None:
        raise ResponseDataError(f"{source}: the file is empty (no header row, no data)")

    header = [value or "" for value in cells[header_at]]
    body = cells[header_at + 1 : end]
    first_row = header_at + 2  # records are 0-based, spreadsheet rows 1-based
    row_numbers = np.arange(first_row, first_row + len(body), dtype=np.int64)

    _check_row_lengths(source, header, body, row_numbers, delimiter)
    return _assemble(source, header, body, row_numbers, header_row=header_at + 1), row_numbers


def _read_text_fast(
    text: str,
    delimiter: str,
    source: str,
    *,
    numeric: bool = False,
    text_columns: tuple[str, ...] = (),
    raw: bytes | None = None,
) -> tuple[pd.DataFrame, npt.NDArray[np.int64]] | None:
    """pyarrow's CSV parser for the common, simple case; ``None`` means: use the careful reader.

    Taken only when every physical line is one record (no quote characters after the header,
    no blank or whitespace-only lines or cells), so row numbers and cells are exactly what the
    careful reader would give. Large exports are nearly always like this. ``raw``: the file's
    bytes when they are the same characters as ``text`` (plain ASCII), parsed without a copy.
    """
    first_nl = text.find("\n")
    if first_nl <= 0 or len(text) < FAST_MIN_CHARS:
        return None
    header_line = text[:first_nl].rstrip("\r")
    start = first_nl + 1  # the body, searched in place (no copy of a large file)
    if (
        text.find('"', start) >= 0
        or text.find("\n\n", first_nl) >= 0  # a blank line, also right after the header
        or text.find("\n\r\n", first_nl) >= 0
        or not header_line.strip()
    ):
        return None
    d = re.escape(delimiter)
    has_space = text.find(" ", start) >= 0 or (delimiter != "\t" and text.find("\t", start) >= 0)
    blank_cell = re.compile(rf"(^|{d})[ \t]+({d}|\r?$)", flags=re.MULTILINE)
    if has_space and blank_cell.search(text, start):
        return None  # whitespace-only cells: the careful reader turns them into missing
    has_letters = any(text.find(c, start) >= 0 for c in "nNiI")
    special = re.compile(rf"(?i)(^|{d})\s*[+-]?(nan|inf|infinity)\s*({d}|\r?$)", flags=re.MULTILINE)
    if numeric and has_letters and special.search(text, start):
        return None  # a number parser would read these as numbers; the careful reader keeps text
    has_x = text.find("x", start) >= 0 or text.find("X", start) >= 0
    hexadecimal = re.compile(rf"(^|{d})\s*[+-]?0[xX]", flags=re.MULTILINE)
    if numeric and has_x and hexadecimal.search(text, start):
        return None  # pyarrow reads 0x1F as 31; the careful reader keeps the text
    header = next(csv.reader([header_line], delimiter=delimiter))
    if not header or any(not h.strip() for h in header) or len(set(header)) != len(header):
        return None
    body = memoryview(raw)[start:] if raw is not None else text[start:].encode("utf-8")
    data = _parse_simple_text(body, header, delimiter, numeric=numeric, text_columns=text_columns)
    if data is None:
        return None
    data.columns = pd.Index(header, dtype=object)
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


def _parse_simple_text(
    body: bytes | memoryview,
    header: list[str],
    delimiter: str,
    *,
    numeric: bool,
    text_columns: tuple[str, ...],
) -> pd.DataFrame | None:
    """Parse the body of a simple delimited file (no quotes, one record per line) with
    pyarrow's multi-threaded CSV reader; ``None`` when it cannot (ragged rows, ...).

    Text mode: every column as text (``str`` or ``None``). Numeric mode: a column whose cells
    are all whole numbers becomes the smallest integer type that holds them (float32 or float64
    with NaN when some are empty), other numbers float64; other columns and ``text_columns``
    stay text. The cells are those pandas' C parser gives for the same options.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    text_types = {c: pa.string() for c in header if not numeric or c in text_columns}

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
        if numeric and len(body) > 1 << 22:
            # survey codes in two bytes a cell, not eight: the types found in the first lines,
            # with 16-bit integers; a later cell that does not fit makes pyarrow refuse, and
            # the file is parsed again with the types inferred from all of it
            cut = bytes(body[: 1 << 20]).rfind(b"\n")
            probe = parse(text_types, bytes(body[: cut + 1])) if cut > 0 else None
            small = (
                {}
                if probe is None
                else {
                    name: pa.int16() if pa.types.is_int64(typ) else typ
                    for name, typ in zip(probe.column_names, probe.schema.types, strict=True)
                }
            )
            try:
                table = parse({**small, **text_types}) if small else None
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                table = None
        if table is None:
            table = parse(text_types)
        if numeric:  # what is neither an integer nor a float is read as text
            other = {
                name: pa.string()
                for name, typ in zip(table.column_names, table.schema.types, strict=True)
                if not (
                    pa.types.is_integer(typ) or pa.types.is_float64(typ) or pa.types.is_string(typ)
                )
            }
            if other:
                table = parse({**text_types, **other})
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_columns != len(header):
        return None
    columns: dict[str, Any] = {}
    for j, (name, column) in enumerate(zip(header, table.columns, strict=True)):
        typ = column.type
        if pa.types.is_string(typ):  # object: str or None (as the careful reader gives)
            columns[f"c{j}"] = pd.Series(column.to_numpy(zero_copy_only=False), dtype=object)
        elif pa.types.is_integer(typ):
            columns[f"c{j}"] = _compact_integers(column)
        else:  # float64, NaN for empty
            columns[f"c{j}"] = column.to_numpy(zero_copy_only=False).astype(np.float64)
    frame = pd.DataFrame(columns, copy=False)
    frame.columns = pd.Index(header, dtype=object)
    return frame


def _compact_integers(column: Any) -> npt.NDArray[Any]:
    """An integer column in the smallest type that holds it: int8 for survey codes (1 byte a
    cell instead of 8); with empty cells float32 (NaN; exact for whole numbers below 2**24),
    else float64."""
    import pyarrow.compute as pc

    bounds = pc.min_max(column)
    lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
    if lo is None:  # every cell empty
        return np.full(len(column), np.nan)
    if column.null_count:
        kind: Any = np.float32 if -(2**24) <= lo and hi <= 2**24 else np.float64
        return np.asarray(column.to_numpy(zero_copy_only=False), dtype=kind)
    for kind in (np.int8, np.int16, np.int32):
        info = np.iinfo(kind)
        if info.min <= lo and hi <= info.max:
            return np.asarray(column.to_numpy(), dtype=kind)
    return np.asarray(column.to_numpy(), dtype=np.int64)


def _decode(raw: bytes, encoding: str | None, source: str) -> tuple[str, str]:
    """Decode file bytes; return the text (without byte-order mark) and the encoding used."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(f"unknown encoding {encoding!r}") from None
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ResponseDataError(
                f"{source}: line {line} cannot be decoded as {encoding} "
                f"(byte {raw[exc.start : exc.start + 1]!r}); check the encoding= option"
            ) from exc
        return text.removeprefix("\ufeff"), encoding

    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                return raw.decode(name).removeprefix("\ufeff"), name
            except UnicodeDecodeError as exc:
                raise ResponseDataError(
                    f"{source}: starts with a {name} byte-order mark but is not valid {name}"
                ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        return text, "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ResponseDataError(
            f"{source}: line {line} is neither UTF-8 nor Windows-1252 text; "
            f"pass the file's encoding with encoding="
        ) from exc


def _detect_delimiter(text: str, default: str) -> str:
    """Choose among comma, semicolon and tab.

    Every candidate is scored by (share of sampled rows with as many fields as the header,
    number of header fields); a candidate that does not split the header scores nothing.
    :class:`csv.Sniffer`'s guess is taken if it scores best, otherwise the best candidate.
    """
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    scores = {candidate: _consistency(sample, candidate) for candidate in _DELIMITER_CANDIDATES}
    best = max(scores.values())
    if best[1] < 2:
        return default
    try:
        sniffed: str | None = (
            csv.Sniffer()
            .sniff(sample[: _SNIFF_CHARS // 4], delimiters="".join(_DELIMITER_CANDIDATES))
            .delimiter
        )
    except csv.Error:
        sniffed = None
    if sniffed is not None and scores.get(sniffed) == best:
        return sniffed
    return max(_DELIMITER_CANDIDATES, key=lambda candidate: scores[candidate])


def _consistency(sample: str, delimiter: str) -> tuple[float, int]:
    counts: list[int] = []
    try:
        for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            if any(value.strip() for value in record):
                counts.append(len(record))
                if len(counts) > _SCORE_ROWS:
                    break
    except csv.Error:
        return (0.0, 0)
    if not counts or counts[0] < 2:
        return (0.0, 0)
    rows = counts[1:] or counts
    return (sum(count == counts[0] for count in rows) / len(rows), counts[0])


def _detect_decimal(data: pd.DataFrame) -> str:
    """Comma if text cells such as ``2,5`` outnumber text cells such as ``2.5``.

    Each distinct value is looked at once (cells are counted through ``pandas.factorize``), so
    this costs little on large files.
    """
    commas = dots = 0
    for column in data.columns:
        series = data[column]
        if not (series.dtype == object or isinstance(series.dtype, pd.StringDtype)):
            continue
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        if len(uniques) == 0:
            continue
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        for value, n in zip(uniques.tolist(), counts.tolist(), strict=True):
            if isinstance(value, str):
                if _COMMA_DECIMAL.fullmatch(value):
                    commas += n
                elif _DOT_DECIMAL.fullmatch(value):
                    dots += n
    return "," if commas > dots else "."


def _content_span(rows: Sequence[Sequence[object]]) -> tuple[int | None, int]:
    """Index of the first non-blank row and one past the last non-blank row."""
    non_blank = [i for i, row in enumerate(rows) if not all(_is_blank(v) for v in row)]
    if not non_blank:
        return None, 0
    return non_blank[0], non_blank[-1] + 1


def _check_row_lengths(
    source: str,
    header: list[str],
    body: list[list[str | None]],
    row_numbers: npt.NDArray[np.int64],
    delimiter: str,
) -> None:
    """A text row may have fewer fields than the header, but no more non-empty ones."""
    problems: list[dict[str, object]] = []
    for row, number in zip(body, row_numbers, strict=True):
        if len(row) > len(header) and any(v is not None for v in row[len(header) :]):
            problems.append({"row": int(number), "fields": len(row), "expected": len(header)})
    if problems:
        shown = "; ".join(
            f"row {p['row']} has {p['fields']} fields" for p in problems[:_MAX_LISTED]
        )
        more = (
            f" (and {len(problems) - _MAX_LISTED} more rows)" if len(problems) > _MAX_LISTED else ""
        )
        shown_delimiter = "tab" if delimiter == "\t" else repr(delimiter)
        raise ResponseDataError(
            f"{source}: {len(problems)} row(s) have more fields than the header's "
            f"{len(header)}: {shown}{more}; is a value containing the delimiter "
            f"{shown_delimiter} not quoted, or is the delimiter wrong (delimiter= option)?",
            problems,
        )


def _assemble(
    source: str,
    header: list[str],
    body: list[list[Any]],
    row_numbers: npt.NDArray[np.int64],
    *,
    header_row: int,
) -> pd.DataFrame:
    """Build the object DataFrame: pad rows, drop empty unnamed columns, check names."""
    width = max([len(header)] + [len(row) for row in body])
    header = header + [""] * (width - len(header))
    rows = [row + [None] * (width - len(row)) for row in body]

    keep: list[int] = []
    unnamed: list[dict[str, object]] = []
    for j, name in enumerate(header):
        if name.strip():
            keep.append(j)
            continue
        first = next((i for i, row in enumerate(rows) if row[j] is not None), None)
        if first is not None:
            unnamed.append(
                {
                    "column": j + 1,
                    "letter": _column_letter(j + 1),
                    "row": int(row_numbers[first]),
                    "value": rows[first][j],
                }
            )
    if unnamed:
        shown = "; ".join(
            f"column {p['column']} ({p['letter']}) has no name but has values "
            f"(first {p['value']!r} at row {p['row']})"
            for p in unnamed[:_MAX_LISTED]
        )
        raise ResponseDataError(
            f"{source}: {len(unnamed)} column(s) without a name in the header row "
            f"(row {header_row}): {shown}; name them, or remove any rows above the column "
            f"names",
            unnamed,
        )

    names = [header[j] for j in keep]
    _check_duplicates(source, names)
    columns = {name: [row[j] for row in rows] for name, j in zip(names, keep, strict=True)}
    return pd.DataFrame(
        {name: pd.Series(values, dtype=object) for name, values in columns.items()},
        index=pd.RangeIndex(len(rows)),
        columns=pd.Index(names, dtype=object),
    )


def _check_duplicates(source: str, names: Sequence[object]) -> None:
    positions: dict[object, list[int]] = {}
    for position, name in enumerate(names, start=1):
        positions.setdefault(name, []).append(position)
    duplicated = {name: where for name, where in positions.items() if len(where) > 1}
    if duplicated:
        shown = ", ".join(
            f"{name!r} (columns {', '.join(map(str, where))})" for name, where in duplicated.items()
        )
        raise ResponseDataError(
            f"{source}: duplicate column names: {shown}; every column needs its own name",
            [{"column": name, "positions": where} for name, where in duplicated.items()],
        )


def _column_letter(number: int) -> str:
    """Spreadsheet column letter of a 1-based column number (1 -> A, 27 -> AA)."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _frozen(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    values.setflags(write=False)
    return values


def _blank_text_to_missing(data: pd.DataFrame) -> pd.DataFrame:
    """Whitespace-only text cells become missing in object and string columns."""
    out = data.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
            blank_unique = np.array(
                [isinstance(v, str) and not v.strip() for v in uniques.tolist()], dtype=bool
            )
            if blank_unique.any():
                blank = (codes >= 0) & blank_unique[np.maximum(codes, 0)]
                out[column] = series.mask(blank, None)
    return out


# --- Excel ------------------------------------------------------------------------------------


def _read_excel(file: Path, *, sheet: str | int | None, decimal: str | None) -> RawTable:
    source = file.name
    openpyxl = _import_optional("openpyxl", extra="excel", purpose="reading .xlsx files")
    with warnings.catch_warnings():
        # openpyxl warns about workbook features it drops (styles, data validation); the
        # cell values are unaffected.
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\.|$)")
        try:
            workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except Exception as exc:  # zipfile.BadZipFile, InvalidFileException, KeyError, ...
            raise ResponseDataError(
                f"{source}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc})"
            ) from exc
        try:
            worksheet = _pick_sheet(source, workbook, sheet)
            worksheet.reset_dimensions()  # do not trust the stored sheet size
            records = [
                list(row) for row in worksheet.iter_rows(min_row=1, min_col=1, values_only=True)
            ]
            sheet_name = str(worksheet.title)
        finally:
            workbook.close()

    cells: list[list[Any]] = [[None if _is_blank(v) else v for v in row] for row in records]
    header_at, end = _content_span(cells)
    if header_at is None:
        raise ResponseDataError(
            f"{source}: worksheet {sheet_name!r} is empty (no header row, no data)"
        )
    header = [_header_name(v) for v in cells[header_at]]
    body = cells[header_at + 1 : end]
    first_row = header_at + 2
    row_numbers = np.arange(first_row, first_row + len(body), dtype=np.int64)
    data = _assemble(
        f"{source} [{sheet_name}]", header, body, row_numbers, header_row=header_at + 1
    )
    return RawTable(
        data=data,
        source=source,
        value_labels={},
        row_numbers=_frozen(row_numbers),
        encoding=None,
        delimiter=None,
        decimal=decimal if decimal is not None else _detect_decimal(data),
        sheet=sheet_name,
    )


def _pick_sheet(source: str, workbook: Any, sheet: str | int | None) -> Any:
    worksheets = list(workbook.worksheets)
    names = [str(ws.title) for ws in worksheets]
    if not worksheets:
        raise ResponseDataError(f"{source}: the workbook has no worksheets")
    if sheet is None:
        return worksheets[0]
    if isinstance(sheet, bool) or not isinstance(sheet, (str, int)):
        raise ValueError(f"sheet must be a sheet name or a 0-based position, got {sheet!r}")
    if isinstance(sheet, int):
        if not 0 <= sheet < len(worksheets):
            raise ResponseDataError(
                f"{source}: there is no worksheet at position {sheet} (0-based); "
                f"the workbook has {len(worksheets)}: {', '.join(map(repr, names))}"
            )
        return worksheets[sheet]
    if sheet not in names:
        raise ResponseDataError(
            f"{source}: no worksheet named {sheet!r}; worksheets are {', '.join(map(repr, names))}"
        )
    return worksheets[names.index(sheet)]


def _header_name(value: object) -> str:
    """Column name from a header cell: text as is, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- SPSS ---------------------------------------------------------------------------------------


def _read_spss(
    file: Path, *, encoding: str | None, decimal: str | None, apply_value_labels: bool
) -> RawTable:
    source = file.name
    pyreadstat = _import_optional(
        "pyreadstat", extra="spss", purpose=f"reading {file.suffix.lower()} files"
    )
    try:
        data, meta = pyreadstat.read_sav(
            str(file),
            apply_value_formats=apply_value_labels,
            formats_as_category=False,
            user_missing=False,
            encoding=encoding,
        )
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as exc:
        raise ResponseDataError(f"{source}: cannot be read as an SPSS file ({exc})") from exc
    value_labels: dict[str, dict[object, str]] = {
        str(column): {code: str(label) for code, label in labels.items()}
        for column, labels in (meta.variable_value_labels or {}).items()
    }
    return _finish_binary(
        source,
        data,
        value_labels=value_labels,
        encoding=getattr(meta, "file_encoding", None),
        decimal=decimal,
    )


# --- Parquet ------------------------------------------------------------------------------------


def _read_parquet(file: Path, *, decimal: str | None) -> RawTable:
    source = file.name
    pyarrow = _import_optional("pyarrow", extra="parquet", purpose="reading .parquet files")
    try:
        data = pd.read_parquet(file, engine="pyarrow")
    except (pyarrow.ArrowException, OSError) as exc:
        raise ResponseDataError(f"{source}: cannot be read as a Parquet file ({exc})") from exc
    if not (isinstance(data.index, pd.RangeIndex) and data.index.name is None):
        data = data.reset_index()  # a stored index (e.g. person ids) becomes a column
    return _finish_binary(source, data, value_labels={}, encoding=None, decimal=decimal)


def _finish_binary(
    source: str,
    data: pd.DataFrame,
    *,
    value_labels: dict[str, dict[object, str]],
    encoding: str | None,
    decimal: str | None,
) -> RawTable:
    """Checks and bookkeeping shared by the formats without a header line (SPSS, Parquet)."""
    if data.shape[1] == 0:
        raise ResponseDataError(f"{source}: the file has no columns")
    _check_duplicates(source, list(data.columns))
    data = _blank_text_to_missing(data.reset_index(drop=True))
    row_numbers = np.arange(2, 2 + len(data), dtype=np.int64)
    return RawTable(
        data=data,
        source=source,
        value_labels=value_labels,
        row_numbers=_frozen(row_numbers),
        encoding=encoding,
        delimiter=None,
        decimal=decimal if decimal is not None else _detect_decimal(data),
    )


# --------------------------------------------------------------------------------------------
# Text cells to numbers
# --------------------------------------------------------------------------------------------


def to_numeric_cells(
    series: pd.Series[Any], decimal: str = "."
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    r"""Convert cells to floats where they hold a number; flag those that do not.

    Text is parsed strictly: optional sign, ASCII digits with ``decimal`` as the only decimal
    separator, optional exponent, surrounding whitespace allowed. ``"2,5"`` is a number only
    when ``decimal=","`` and ``"2.5"`` only when ``decimal="."``; thousands separators,
    ``"nan"`` and ``"inf"`` are not numbers. Numeric cells (from Excel, SPSS, Parquet) are
    taken as they are; booleans, dates and other objects are not numbers.

    Parameters
    ----------
    series : pandas.Series
        A column of a :attr:`RawTable.data`.
    decimal : {".", ","}, default "."
        The decimal separator, usually :attr:`RawTable.decimal`.

    Returns
    -------
    values : numpy.ndarray of float64
        The numbers; NaN where the cell is missing, blank or not a number.
    failed : numpy.ndarray of bool
        True where the cell holds something (not missing, not blank) that is not a number.
        ``series.index[failed]`` and the matching ``RawTable.row_numbers`` locate them.

    Raises
    ------
    ValueError
        ``decimal`` is neither ``"."`` nor ``","``.

    Examples
    --------
    >>> import pandas as pd
    >>> values, failed = to_numeric_cells(pd.Series(["2,5", None, " 3 ", "vet ej"]), ",")
    >>> values.tolist(), failed.tolist()
    ([2.5, nan, 3.0, nan], [False, False, False, True])
    """
    if decimal not in _DECIMALS:
        raise ValueError(f"decimal must be one of {_DECIMALS}, got {decimal!r}")
    n = len(series)
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return numbers, np.zeros(n, dtype=np.bool_)

    pattern = _NUMBER_PATTERN[decimal]
    values = np.full(n, np.nan, dtype=np.float64)
    failed = np.zeros(n, dtype=np.bool_)
    seen: dict[str, tuple[float, bool]] = {}
    for i, cell in enumerate(series.to_numpy(dtype=object)):
        if isinstance(cell, str):
            if cell not in seen:
                seen[cell] = _parse_text(cell, pattern, decimal)
            values[i], failed[i] = seen[cell]
        else:
            values[i], failed[i] = _parse_object(cell)
    return values, failed


def _parse_text(cell: str, pattern: re.Pattern[str], decimal: str) -> tuple[float, bool]:
    text = cell.strip()
    if not text:
        return math.nan, False
    if not pattern.fullmatch(text):
        return math.nan, True
    number = float(text.replace(",", ".") if decimal == "," else text)
    if not math.isfinite(number):
        return math.nan, True
    return number, False


def _parse_object(cell: object) -> tuple[float, bool]:
    if cell is None or cell is pd.NA or cell is pd.NaT:
        return math.nan, False
    if isinstance(cell, (bool, np.bool_)):
        return math.nan, True
    if isinstance(cell, (int, float, np.integer, np.floating)):
        number = float(cell)
        if math.isnan(number):
            return math.nan, False
        return (number, False) if math.isfinite(number) else (math.nan, True)
    return math.nan, True


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _atomic_file(path: Path) -> Iterator[BinaryIO]:
    """Yield a binary file in ``path``'s directory that replaces ``path`` only on success.

    The temporary file is created with mode 0o666 less the umask (like a plain ``open``), is
    flushed to disk before :func:`os.replace`, and is removed if anything fails.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            descriptor = os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue
        break
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _meaningful_index(df: pd.DataFrame) -> bool:
    """Whether the index carries data (ids) rather than being a default row position."""
    return not isinstance(df.index, pd.RangeIndex) or any(
        name is not None for name in df.index.names
    )


def write_table_atomic(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    fmt: Literal["csv", "xlsx", "json", "parquet"] = "csv",
    excel_friendly: bool = False,
    digits: int | None = None,
) -> None:
    """Write a table to ``path`` atomically: the file is either complete or untouched.

    The table is written to a temporary file in the same directory, flushed to disk, and
    moved over ``path`` with :func:`os.replace`; on any failure the temporary file is removed
    and an existing ``path`` is left as it was. A named or non-default index (for example
    person ids) is written as leading column(s); a default ``RangeIndex`` is not written.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    path : str or os.PathLike
        Target file; its directory must exist.
    fmt : {"csv", "xlsx", "json", "parquet"}, default "csv"
        ``"csv"``: UTF-8, comma-separated, decimal point, missing cells empty.
        ``"xlsx"``: one worksheet named ``"data"`` (needs openpyxl).
        ``"json"``: a list of records, one object per row, missing values as ``null``.
        ``"parquet"``: a Parquet file (typed columns, compressed; the compact choice for
        millions of persons).
    excel_friendly : bool, default False
        CSV only: write with ``;`` as separator, ``,`` as decimal separator, a UTF-8
        byte-order mark and CRLF line ends, which is what Excel in a Swedish (or other
        decimal-comma) locale opens correctly by double-click. Ignored for xlsx and json,
        which Excel and other readers open without locale trouble.
    digits : int, optional
        CSV only: round float columns to this many significant digits (1..17) before writing;
        ``None`` (default) writes every float with the shortest text that reads back to the same
        double. The command line writes 7 significant digits (``--digits``): far finer than any
        standard error, and about half the size of a full-precision million-row persons.csv.
        xlsx, json and parquet always keep full precision.

    Raises
    ------
    ValueError
        ``fmt`` is not one of the allowed values.
    MissingDependencyError
        ``fmt="xlsx"`` and openpyxl is not installed.

    Examples
    --------
    >>> write_table_atomic(calibration.items, "items.csv", excel_friendly=True)  # doctest: +SKIP
    """
    if fmt not in _WRITE_FORMATS:
        raise ValueError(f"fmt must be one of {_WRITE_FORMATS}, got {fmt!r}")
    _check_digits(digits)
    target = Path(path)
    if fmt == "xlsx":
        write_workbook_atomic({"data": df}, target)
        return
    if fmt == "parquet":
        pq = _import_optional("pyarrow.parquet", extra="parquet", purpose="writing .parquet files")
        import pyarrow as pa

        table = df.reset_index() if _meaningful_index(df) else df
        arrow_table = pa.Table.from_pandas(table, preserve_index=False)
        with _atomic_file(target) as handle:
            pq.write_table(arrow_table, handle)
        return
    if fmt == "json":
        table = df.reset_index() if _meaningful_index(df) else df
        payload = table.to_json(
            orient="records", force_ascii=False, date_format="iso", double_precision=15
        )
        content = payload.encode("utf-8")
    else:
        index = _meaningful_index(df)
        if excel_friendly:
            text = round_floats(df, digits).to_csv(
                sep=";", decimal=",", index=index, lineterminator="\r\n"
            )
            content = text.encode("utf-8-sig")
        else:
            table = df.reset_index() if index else df
            cells = _csv_cells(table, digits)
            if cells is not None:
                with _atomic_file(target) as handle:
                    _write_joined_csv(cells, list(table.columns), handle)
                return
            # dates and mixed objects: pandas' own writer (slower, the same cells)
            text = round_floats(df, digits).to_csv(index=index, lineterminator="\n")
            content = text.encode("utf-8")
    with _atomic_file(target) as handle:
        handle.write(content)


@dataclass(frozen=True)
class _CodedRun:
    """A run of columns with few distinct rows: per row a code, per code the joined text."""

    codes: npt.NDArray[np.int32]
    text: Any  #: pyarrow string array: the cells of the run, joined by commas, per code


@dataclass(frozen=True)
class _Plain:
    """A column formatted slice by slice."""

    values: Any  #: pyarrow array (float, integer or string)
    kind: str  #: "number", "text", or "plain text" (text that needs no quotes anywhere)


def _csv_cells(df: pd.DataFrame, digits: int | None) -> list[_CodedRun | _Plain] | None:
    """The table as runs of cell text for :func:`_write_joined_csv`, or ``None`` when a column
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
    parts: list[_CodedRun | _Plain] = []
    for c in df.columns:
        col = df[c]
        if isinstance(col.dtype, pd.CategoricalDtype):  # written as its values
            col = col.astype(col.dtype.categories.dtype)
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
                    _csv_float(np.asarray(u, dtype=np.float64), digits), from_pandas=True
                ),
            )
            plain = (
                None
                if coded is not None
                else _Plain(pa.array(_csv_float(x, digits), from_pandas=True), "number")
            )
        elif pd.api.types.is_integer_dtype(dtype):  # numpy or nullable (missing: empty)
            ints: Any = (
                col if isinstance(dtype, pd.api.extensions.ExtensionDtype) else col.to_numpy()
            )
            coded = _few_distinct(ints, n, lambda u: pa.array(u, pa.int64(), from_pandas=True))
            plain = (
                None if coded is not None else _Plain(pa.array(ints, from_pandas=True), "number")
            )
        elif pd.api.types.is_string_dtype(dtype) or pd.api.types.infer_dtype(col, skipna=True) in (
            "string",
            "empty",
        ):
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
                plain = _Plain(values, "text" if quotes else "plain text")
        else:
            return None
        if coded is None:
            assert plain is not None
            parts.append(plain)
            continue
        codes, values = coded
        text = _cell_text(values, "text" if pa.types.is_string(values.type) else "number")
        last = parts[-1] if parts else None
        if isinstance(last, _CodedRun):
            merged = _merge_runs(last, codes, text, n)
            if merged is not None:
                parts[-1] = merged
                continue
        parts.append(_CodedRun(codes=codes, text=text))
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


def _merge_runs(
    run: _CodedRun, codes: npt.NDArray[np.int32], text: Any, n: int
) -> _CodedRun | None:
    """``run`` followed by one more few-valued column, if their joined rows are still few.

    When the new column is a function of the run (a person's SE is a function of the same
    (pattern, score) key as the measure), the run's codes are kept and only its texts grow.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    follows = np.zeros(len(run.text), dtype=np.int32)
    follows[run.codes] = codes
    if np.array_equal(follows[run.codes], codes):
        return _CodedRun(
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
    return _CodedRun(
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


def _write_joined_csv(
    parts: Sequence[_CodedRun | _Plain],
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
    n = len(parts[0].codes) if isinstance(parts[0], _CodedRun) else len(parts[0].values)
    parts = list(parts)
    ends_coded = isinstance(parts[-1], _CodedRun)
    if ends_coded:  # the line break joins the last run's texts once, not every row
        end = parts[-1]
        assert isinstance(end, _CodedRun)
        parts[-1] = _CodedRun(end.codes, pc.binary_join_element_wise(end.text, "", "\n"))

    def piece(first: int) -> memoryview:
        last = min(first + rows, n)
        cells = []
        for part in parts:
            if isinstance(part, _CodedRun):
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
        out[c] = _csv_float(df[c].to_numpy(dtype=np.float64), digits)
    return out


def _csv_float(x: npt.NDArray[np.float64], digits: int | None) -> npt.NDArray[np.float64]:
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


def _check_digits(digits: int | None) -> None:
    if digits is not None and (
        isinstance(digits, bool)
        or not isinstance(digits, (int, np.integer))
        or not 1 <= digits <= 17
    ):
        raise ValueError(
            f"digits must be an integer 1..17 or None (full precision), got {digits!r}"
        )


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def write_workbook_atomic(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike[str]) -> None:
    """Write several tables to one ``.xlsx`` workbook atomically, one worksheet per table.

    Worksheets appear in the mapping's order and are named by its keys. A named or
    non-default index is written as leading column(s). The workbook is written to a temporary
    file in the same directory and moved over ``path`` only when complete.

    Parameters
    ----------
    tables : Mapping of str to pandas.DataFrame
        Worksheet name to table. Names must be 1-31 characters, without ``[ ] : * ? / \\``,
        and unique ignoring case (Excel's rules).
    path : str or os.PathLike
        Target file, normally ending in ``.xlsx``; its directory must exist.

    Raises
    ------
    ValueError
        ``tables`` is empty or a worksheet name breaks Excel's rules.
    MissingDependencyError
        openpyxl is not installed.

    Examples
    --------
    >>> write_workbook_atomic(  # doctest: +SKIP
    ...     {"items": calibration.items, "persons": calibration.persons}, "results.xlsx"
    ... )
    """
    if not tables:
        raise ValueError("tables is empty: a workbook needs at least one worksheet")
    seen: dict[str, str] = {}
    for name in tables:
        if not isinstance(name, str) or not 1 <= len(name) <= 31:
            raise ValueError(f"worksheet name {name!r} must be text of 1 to 31 characters")
        if _SHEET_FORBIDDEN.search(name) or name.startswith("'") or name.endswith("'"):
            raise ValueError(
                f"worksheet name {name!r} may not contain [ ] : * ? / \\ "
                f"or begin or end with an apostrophe"
            )
        if name.lower() in seen:
            raise ValueError(
                f"worksheet names {seen[name.lower()]!r} and {name!r} are the same to Excel "
                f"(names are compared ignoring case)"
            )
        seen[name.lower()] = name
    _import_optional("openpyxl", extra="excel", purpose="writing .xlsx files")
    with _atomic_file(Path(path)) as handle:
        with pd.ExcelWriter(handle, engine="openpyxl") as writer:
            for name, table in tables.items():
                table.to_excel(writer, sheet_name=name, index=_meaningful_index(table))
