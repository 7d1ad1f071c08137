"""Read survey exports into pandas without losing a row: :func:`read_table` and :class:`RawTable`.

Survey data arrive as whatever the survey tool or a colleague's Excel produced: semicolon CSV
with a byte-order mark and decimal commas, Windows-1252 text, tab-separated "Unicode text",
``.xlsx`` workbooks, SPSS ``.sav`` files with value labels, or Parquet. :func:`read_table` reads
all of them into a :class:`RawTable` that keeps every cell as it was in the file (codes such as
``"09"`` stay text) and remembers the row number each data row had in the file, so that later
checks (``measure.responses``) can say "row 14, column 'q3'".

Delimited text has two engines, chosen by ``engine=`` as in ``pandas.read_csv``: the careful
one (the csv module, any quoting and blank lines) and the fast one (pyarrow's parser, for the
simple files large exports are; ``measure.io._fastcsv``), which gives the same cells.

Optional readers import their library lazily: ``openpyxl`` (extra ``excel``), ``pyreadstat``
(extra ``spss``) and ``pyarrow`` (extra ``parquet``).
"""

from __future__ import annotations

import codecs
import csv
import importlib
import io
import itertools
import math
import os
import re
import stat
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from measure.exceptions import DataQualityWarning, MissingDependencyError, ResponseDataError
from measure.io.cells import DECIMALS, whole_number_columns
from measure.notes import Note, join_notes

__all__ = [
    "ENGINES",
    "FAST_MIN_CHARS",
    "RawTable",
    "SUPPORTED_EXTENSIONS",
    "read_bounded",
    "read_table",
]

Engine = Literal["auto", "fast", "careful"]
ENGINES: tuple[str, ...] = ("auto", "fast", "careful")
"""The values of ``engine=`` in :func:`read_table` and :func:`measure.io.write_table_atomic`."""

_TEXT_EXTENSIONS = (".csv", ".txt", ".tsv")
_EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
_SPSS_EXTENSIONS = (".sav", ".zsav")
_PARQUET_EXTENSIONS = (".parquet", ".pq")

SUPPORTED_EXTENSIONS: tuple[str, ...] = (
    _TEXT_EXTENSIONS + _EXCEL_EXTENSIONS + _SPSS_EXTENSIONS + _PARQUET_EXTENSIONS
)
"""File name extensions :func:`read_table` knows how to read (compared case-insensitively)."""

_DELIMITER_CANDIDATES = (",", ";", "\t")
_SNIFF_CHARS = 64 * 1024
FAST_MIN_CHARS = 100_000
"""``engine="auto"`` reads delimited text of at least this many characters with the fast
engine, shorter text with the careful one (below this, the fast engine saves nothing)."""
_SCORE_ROWS = 200
_MAX_LISTED = 5
_MAX_TITLE_ROWS = 20
"""A header found below title rows must be among the file's first this many rows."""

_COMMA_DECIMAL = re.compile(r"\s*[+-]?\d*,\d+\s*", re.ASCII)
_DOT_DECIMAL = re.compile(r"\s*[+-]?\d*\.\d+\s*", re.ASCII)


@dataclass(frozen=True, eq=False)
class RawTable:
    """A table read from a file, cell by cell as it was in the file.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per data row of the file, including blank rows between data rows (all cells
        missing). Text files give ``object`` columns holding ``str`` or ``None`` (with
        ``numeric=True``, whole-number columns as numbers: see :func:`read_table`); Excel gives
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
    engine : {"fast", "careful"} or None
        The engine that read delimited text (``"auto"`` resolved, and ``"careful"`` when the
        fast engine declined the file), ``None`` for other formats.
    header_row : int or None
        The row of the file (or sheet) holding the column names, 1-based as in a spreadsheet:
        ``header_row=`` when given, else the first non-blank row or the row found below title
        rows (see :func:`read_table`). ``None`` for SPSS and Parquet.
    skipped_rows : tuple of int
        The non-blank rows above the header (a title, an export date): not data, not read.
        Empty when the header is the first non-blank row.
    """

    data: pd.DataFrame
    source: str
    value_labels: dict[str, dict[object, str]] = field(default_factory=dict)
    row_numbers: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    sheet: str | None = None
    engine: Literal["fast", "careful"] | None = None
    header_row: int | None = None
    skipped_rows: tuple[int, ...] = ()


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
    engine: Engine = "auto",
    header_row: int | None = None,
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

    The first non-blank row is the header, unless ``header_row`` says otherwise or the file
    starts with title rows (below). Blank rows between data rows are kept as rows whose
    cells are all missing, so row numbers stay those of the file; blank rows after the last
    data row are not data and are left out. A column with no name whose cells are all empty
    (a trailing delimiter on every line) is left out; a column with no name but with values is
    an error.

    Title rows (the usual survey-tool export: a title on row 1, a blank row 2, the column
    names on row 3) are detected, conservatively: only when the first non-blank row cannot be
    the header, because a column with values below it has no name there. The header is then
    the first row (among the first 20) that names every column with values below it, if the
    rows above it each fill at most half as many cells as it names, and it holds names, not
    answers: text that is not a number, distinct, and not repeated in its own column below. A
    :class:`~measure.exceptions.DataQualityWarning` names the header row and the rows skipped
    (they are not persons). When a row names every column but fails one of those tests, the
    top rows are ambiguous: an error names that row and asks for ``header_row``. A file whose
    first non-blank row names every column is read as before, however sparse its data rows.

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
        Delimited text only: return the columns whose cells are all plain whole numbers as
        numbers. A cell is a plain whole number when it is written as Python prints an
        integer (``0``, ``7``, ``-3``; not ``07``, ``+7``, ``-0``, ``7.0`` or `` 7``), so that
        printing each number gives back the file's text: the promise above holds, and ids such
        as ``007`` stay text. Such a column comes in the smallest integer type that holds it
        (int8 for survey codes: 1 byte a cell where a Python string costs about 50); with
        empty cells in pandas' nullable integer type of that size (``Int8``, ...; ``<NA>``
        for an empty cell, one more byte a cell).
        Every other column stays text. Both engines apply the same rule.
    engine : {"auto", "fast", "careful"}, default "auto"
        Delimited text only: how the text is parsed, as ``pandas.read_csv(engine=...)``.
        ``"careful"``: the csv module, record by record (any quoting, blank lines, ragged
        rows). ``"fast"``: pyarrow's multi-threaded parser, when the file is simple (no quote
        character after the header, no blank line or whitespace-only cell, every row with the
        header's number of fields); other files are read by the careful engine, which gives
        their row numbers and errors. Both give the same cells, row numbers and errors.
        ``"auto"``: fast for text of at least :data:`FAST_MIN_CHARS` (100,000) characters,
        careful below. :attr:`RawTable.engine` tells which engine read the file.
    header_row : int, optional
        Delimited text and Excel only: the row holding the column names, numbered as in a
        spreadsheet (the file's first line, or the sheet's first row, is row 1; blank rows
        count). The rows above it are not read (a warning lists the non-blank ones); the data
        start on the next row and keep the file's row numbers (header on row 3: the first
        data row is row 4). Default: the first non-blank row, or the row found below title
        rows as described above.

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
        header; the file cannot be decoded or parsed; ``header_row`` is beyond the end of the
        file or names a blank row; the top rows are ambiguous (see above).
    MissingDependencyError
        The optional library for the format is not installed; the message names the extra,
        e.g. ``pip install "measure[excel]"``.
    ValueError
        An option is invalid (``engine`` not one of "auto", "fast", "careful", ``header_row``
        not a whole number of 1 or more, ...) or does not apply to the file's format.
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
    check_engine(engine)
    if decimal is not None and decimal not in DECIMALS:
        raise ValueError(f"decimal must be one of {DECIMALS}, got {decimal!r}")
    _check_applies("sheet", sheet is not None, extension, _EXCEL_EXTENSIONS)
    _check_applies("delimiter", delimiter is not None, extension, _TEXT_EXTENSIONS)
    _check_applies("encoding", encoding is not None, extension, _TEXT_EXTENSIONS + _SPSS_EXTENSIONS)
    _check_applies("apply_value_labels", apply_value_labels, extension, _SPSS_EXTENSIONS)
    _check_applies(
        "header_row", header_row is not None, extension, _TEXT_EXTENSIONS + _EXCEL_EXTENSIONS
    )
    check_header_row(header_row)
    _check_regular(file)

    if extension in _TEXT_EXTENSIONS:
        return _read_text(
            file,
            delimiter=delimiter,
            encoding=encoding,
            decimal=decimal,
            default_delimiter="\t" if extension == ".tsv" else ",",
            numeric=numeric,
            engine=engine,
            header_row=header_row,
        )
    if extension in _EXCEL_EXTENSIONS:
        return _read_excel(file, sheet=sheet, decimal=decimal, header_row=header_row)
    if extension in _SPSS_EXTENSIONS:
        return _read_spss(
            file, encoding=encoding, decimal=decimal, apply_value_labels=apply_value_labels
        )
    return _read_parquet(file, decimal=decimal)


def _check_regular(file: Path) -> None:
    """A file the user names must be an ordinary file (not a folder, a device such as
    ``/dev/zero``, or a pipe, which could be read without end)."""
    try:
        mode = file.stat().st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"{file}: no such file") from None
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a device or a pipe?)"
        raise ResponseDataError(f"{file}: {kind}; give the path of a file")


def read_bounded(path: str | os.PathLike[str], *, limit: int, what: str) -> bytes:
    """The bytes of a small file the user names (an instrument, a reference scale), read with
    a bound: a folder, a device (``/dev/zero``), a pipe or a file over ``limit`` bytes is
    refused with :class:`ResponseDataError` before it is read into memory.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ResponseDataError
        Not a regular file, or larger than ``limit`` bytes.
    """
    file = Path(path)
    _check_regular(file)
    with open(file, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ResponseDataError(
            f"{file}: larger than {limit // 1_000_000 or limit} "
            f"{'MB' if limit >= 1_000_000 else 'bytes'}; this is not {what}"
        )
    return data


def check_engine(engine: object) -> None:
    """Raise ``ValueError`` listing the allowed engines unless ``engine`` is one of them."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")


def check_header_row(header_row: object) -> None:
    """Raise ``ValueError`` unless ``header_row`` is ``None`` or a whole number of 1 or more."""
    if header_row is None:
        return
    if isinstance(header_row, bool) or not isinstance(header_row, (int, np.integer)):
        raise ValueError(
            f"header_row must be a row number of 1 or more (the file's first row is 1), "
            f"got {header_row!r}"
        )
    if header_row < 1:
        raise ValueError(
            f"header_row must be a row number of 1 or more (the file's first row is 1), "
            f"got {header_row}"
        )


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
    numeric: bool,
    engine: Engine,
    header_row: int | None,
) -> RawTable:
    source = file.name
    raw = file.read_bytes()
    text, used_encoding = _decode(raw, encoding, source)
    if not text.strip(' \t\r\n\f\v,;"'):  # nothing but blanks, delimiters and quotes
        raise ResponseDataError(f"{source}: the file is empty (no header row, no data)")

    # where the header line starts when header_row= is given and the lines above it are plain
    # lines (one line one row): the delimiter is detected and the fast engine reads from there
    start = _line_start(text, header_row)
    if delimiter is None:
        delimiter = _detect_delimiter(text, default_delimiter, start=start or 0)
    elif len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValueError(
            f"delimiter must be a single character other than a quote or a line break, "
            f"got {delimiter!r}"
        )

    fast = None
    if start is not None and (
        engine == "fast" or (engine == "auto" and len(text) >= FAST_MIN_CHARS)
    ):
        from measure.io._fastcsv import read_simple_text

        # plain ASCII UTF-8 (no byte-order mark): byte offsets are character offsets, so the
        # fast parser reads the file's own bytes instead of a re-encoded copy
        ascii_raw = raw if len(raw) == len(text) and text.isascii() else None
        fast = read_simple_text(text, delimiter, numeric=numeric, raw=ascii_raw, offset=start)
    if fast is not None:
        data, row_numbers = fast
        header_at = 0 if header_row is None else header_row - 1
        row_numbers = row_numbers + header_at
        above = _text_cells(csv.reader(io.StringIO(text[:start], newline=""), delimiter=delimiter))
        detected = False
    else:
        data, row_numbers, header_at, above, detected = _read_text_careful(
            text, delimiter, source, header_row=header_row
        )
        if numeric:
            data = whole_number_columns(data)
    skipped = _header_notice(source, header_at, above, detected=detected)
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
        engine="fast" if fast is not None else "careful",
        header_row=header_at + 1,
        skipped_rows=skipped,
    )


def _line_start(text: str, header_row: int | None) -> int | None:
    """Where line ``header_row`` starts in ``text`` (0 without ``header_row``), or ``None``
    when the lines above it are not plain lines (a quote or a lone carriage return: a line
    need not be a row there) or the text has fewer lines; the careful engine then counts."""
    if header_row is None or header_row == 1:
        return 0
    pos = -1
    for _ in range(header_row - 1):
        pos = text.find("\n", pos + 1)
        if pos < 0:
            return None
    above = text[: pos + 1]
    if '"' in above or above.count("\r") != above.count("\r\n"):
        return None
    return pos + 1


def _text_cells(records: Iterable[list[str]]) -> list[list[str | None]]:
    """Text records as cells: whitespace-only values become ``None`` (missing)."""
    return [[None if not value.strip() else value for value in record] for record in records]


def _read_text_careful(
    text: str, delimiter: str, source: str, *, header_row: int | None
) -> tuple[pd.DataFrame, npt.NDArray[np.int64], int, list[list[str | None]], bool]:
    """The csv module, record by record: exact row numbers for any quoting and blank lines.

    Returns the table, its row numbers, the header's record index, the records above the
    header and whether the header was found below title rows.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    started = 1  # the line on which the record being read starts
    try:
        for record in reader:
            records.append(record)
            started = reader.line_num + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise ResponseDataError(
                f"{source}: line {started} opens a quoted value that is never closed: the "
                f"rest of the file (lines {started}-{reader.line_num}) would be read as one "
                'value. Close the quote (a quote inside a quoted value is written "")'
            ) from exc
        raise ResponseDataError(
            f"{source}: cannot parse line {reader.line_num} as delimited text: {exc} "
            '(a quoted value must be followed by the delimiter; a quote inside it is written "")'
        ) from exc

    cells = _text_cells(records)
    found = _locate_header(cells, header_row, source, rows="the file has")
    if found is None:
        raise ResponseDataError(f"{source}: the file is empty (no header row, no data)")
    header_at, end, detected = found
    if reader.line_num > len(records):  # some quoted value holds a line break
        _check_swallowed_rows(source, records, delimiter, header_at)

    header = [value or "" for value in cells[header_at]]
    body = cells[header_at + 1 : end]
    first_row = header_at + 2  # records are 0-based, spreadsheet rows 1-based
    row_numbers = np.arange(first_row, first_row + len(body), dtype=np.int64)

    _check_row_lengths(source, header, body, row_numbers, delimiter)
    data = _assemble(source, header, body, row_numbers, header_row=header_at + 1)
    return data, row_numbers, header_at, cells[:header_at], detected


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
    except UnicodeDecodeError as exc:
        _refuse_mixed_encoding(raw, exc, source)
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


#: a character of two to four bytes in UTF-8 (what a Windows-1252 file almost never holds)
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _refuse_mixed_encoding(raw: bytes, exc: UnicodeDecodeError, source: str) -> None:
    """Raise when a file that is not valid UTF-8 also holds UTF-8 characters.

    Such a file mixes encodings (a line pasted from a Windows-1252 file into a UTF-8 one):
    reading all of it as Windows-1252 would turn every ``ö`` written in UTF-8 into ``Ã¶`` and
    split one value into several, so neither encoding can be chosen for the whole file.
    """
    utf8 = _UTF8_MULTIBYTE.search(raw)
    if utf8 is None:
        return
    line = raw[: exc.start].count(b"\n") + 1
    utf8_line = raw[: utf8.start()].count(b"\n") + 1
    bad = raw[exc.start : exc.start + 1]
    shown = bad.decode("cp1252", errors="replace")
    raise ResponseDataError(
        f"{source}: the file mixes text encodings: line {utf8_line} has UTF-8 characters "
        f"({utf8.group().decode('utf-8')!r}), but line {line} has byte {bad!r} "
        f"(Windows-1252 {shown!r}), which is not UTF-8. Reading either way would change "
        "some values; save the file again as UTF-8 (or give its one encoding with "
        "encoding=, CLI: --encoding)"
    )


def _detect_delimiter(text: str, default: str, *, start: int = 0) -> str:
    """Choose among comma, semicolon and tab, looking at the text from ``start`` (the header
    line when ``header_row=`` is given).

    Every candidate is scored by (share of sampled rows with as many fields as the header,
    number of header fields); a candidate that does not split the header scores nothing.
    When no candidate fits (the first row is not split, or at most half of the rows have its
    number of fields), leading rows with one value each (a title above the header) are
    passed over, and that scoring is used if a candidate then fits nine rows in ten.
    :class:`csv.Sniffer`'s guess is taken if it scores best, otherwise the best candidate.
    """
    sample = text[start : start + _SNIFF_CHARS]
    if len(text) - start > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    scores = {candidate: _consistency(sample, candidate) for candidate in _DELIMITER_CANDIDATES}
    best = max(scores.values())
    if best[0] <= 0.5 or best[1] < 2:
        titled = {c: _consistency(sample, c, after_title=True) for c in _DELIMITER_CANDIDATES}
        share, fields = max(titled.values())
        if share >= 0.9 and fields >= 2:
            scores, best = titled, (share, fields)
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


def _consistency(sample: str, delimiter: str, *, after_title: bool = False) -> tuple[float, int]:
    """(share of rows with the header's number of fields, the header's number of fields);
    ``after_title``: the header is the first row with two or more values."""
    counts: list[int] = []
    values: list[int] = []  # the non-blank values of each row
    try:
        for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            filled = sum(1 for value in record if value.strip())
            if filled:
                counts.append(len(record))
                values.append(filled)
                if len(counts) > _SCORE_ROWS + _MAX_TITLE_ROWS:
                    break
    except csv.Error:
        return (0.0, 0)
    lead = 0
    if after_title:
        lead = next((i for i, n in enumerate(values[:_MAX_TITLE_ROWS]) if n > 1), 0)
    counts = counts[lead : lead + _SCORE_ROWS + 1]
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
    """Index of the first non-blank row and one past the last non-blank row (looked for from
    either end: the rows between are not visited)."""
    first = next((i for i, row in enumerate(rows) if not _blank_row(row)), None)
    if first is None:
        return None, 0
    last = next(i for i in range(len(rows) - 1, first - 1, -1) if not _blank_row(rows[i]))
    return first, last + 1


class _Header(NamedTuple):
    """Where the header is: its row index, one past the last non-blank row, and whether it
    was found below title rows."""

    at: int
    end: int
    detected: bool


_NUMBER_TEXT = re.compile(r"\s*[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)\s*")


def _locate_header(
    cells: Sequence[Sequence[object]], header_row: int | None, source: str, *, rows: str
) -> _Header | None:
    """The header row of ``cells`` (rows of cells, ``None`` for an empty cell): row
    ``header_row`` when given, else the first non-blank row, or the row below title rows
    (see :func:`read_table`); ``None`` when every row is blank and no row was asked for.
    ``rows`` starts the sentence giving the number of rows ("the file has").
    """
    first, end = _content_span(cells)
    if header_row is not None:
        at = header_row - 1
        if at >= len(cells):
            raise ResponseDataError(
                f"{source}: header_row={header_row} (CLI: --header-row {header_row}) is beyond "
                f"the end: {rows} {len(cells)} row{'s' if len(cells) != 1 else ''}"
                + (f" (the last with values is row {end})" if first is not None else "")
            )
        if _blank_row(cells[at]):
            hint = f"; the first non-blank row is row {first + 1}" if first is not None else ""
            raise ResponseDataError(
                f"{source}: row {header_row} (header_row={header_row}, CLI: --header-row "
                f"{header_row}) is blank, but the header row holds the column names{hint}"
            )
        return _Header(at, max(end, at + 1), detected=False)
    if first is None:
        return None
    unnamed = _unnamed_with_values(cells, first, end)
    if unnamed is None:
        return _Header(first, end, detected=False)
    for r in range(first + 1, min(end, _MAX_TITLE_ROWS)):
        if _blank_row(cells[r]) or _unnamed_with_values(cells, r, end) is not None:
            continue
        if not _holds_names(cells, r, end):
            break  # the first full row holds answers: no header below a title
        reason = _not_below_a_title(cells, first, r)
        if reason is None:
            return _Header(r, end, detected=True)
        column, at, value = unnamed
        names = [str(v) for v in cells[r] if v is not None]
        shown = ", ".join(map(repr, names[:_MAX_LISTED])) + (
            ", ..." if len(names) > _MAX_LISTED else ""
        )
        raise ResponseDataError(
            f"{source}: which row holds the column names? Row {first + 1} cannot: column "
            f"{column + 1} ({_column_letter(column + 1)}) has values (first {value!r} at row "
            f"{at + 1}) but no name there. Row {r + 1} looks like the header (it names every "
            f"column: {shown}), but {reason}. If the column names are on row {r + 1}, pass "
            f"header_row={r + 1} (CLI: --header-row {r + 1}); otherwise name every column on "
            f"row {first + 1}",
            [{"row": first + 1, "column": column + 1, "value": value, "looks_like": r + 1}],
        )
    return _Header(first, end, detected=False)  # the reader's errors say what is wrong


def _blank_row(row: Sequence[object]) -> bool:
    return all(_is_blank(v) for v in row)


def _unnamed_with_values(
    cells: Sequence[Sequence[object]], r: int, end: int
) -> tuple[int, int, object] | None:
    """The first cell below row ``r`` (up to ``end``) in a column that has no name on row
    ``r``, as (column index, row index, value); ``None`` when row ``r`` names every column
    with values below it."""
    header = cells[r]
    width = len(header)
    unnamed = [j for j, v in enumerate(header) if _is_blank(v)]
    if not unnamed and max(map(len, itertools.islice(cells, r + 1, end)), default=0) <= width:
        return None  # every column named, no row longer than the header (the usual file)
    for i in range(r + 1, end):
        row = cells[i]
        for j in unnamed:
            if j < len(row) and not _is_blank(row[j]):
                return j, i, row[j]
        if len(row) > width:
            for j in range(width, len(row)):
                if not _is_blank(row[j]):
                    return j, i, row[j]
    return None


def _not_below_a_title(cells: Sequence[Sequence[object]], first: int, r: int) -> str | None:
    """Why rows ``first`` to ``r - 1`` are not title rows above a header on row ``r`` (each
    fills at most half as many cells as row ``r`` names, and at least one), else ``None``."""
    named = sum(not _is_blank(v) for v in cells[r])
    limit = max(1, named // 2)
    for i in range(first, r):
        filled = sum(not _is_blank(v) for v in cells[i])
        if filled > limit:
            return (
                f"row {i + 1} above it fills {filled} cells, more than a title row (at most "
                f"{limit}, half the {named} names)"
            )
    return None


def _holds_names(cells: Sequence[Sequence[object]], r: int, end: int) -> bool:
    """Whether row ``r`` looks like column names rather than answers: text that is not a
    number, no name twice, and no name repeated in its own column in the rows below."""
    names = [(j, str(v).strip()) for j, v in enumerate(cells[r]) if not _is_blank(v)]
    if any(not isinstance(cells[r][j], str) or _NUMBER_TEXT.fullmatch(v) for j, v in names):
        return False
    if len({v for _, v in names}) < len(names):
        return False
    for i in range(r + 1, min(end, r + 1 + _SCORE_ROWS)):
        row = cells[i]
        for j, v in names:
            below = row[j] if j < len(row) else None
            if isinstance(below, str) and below.strip() == v:
                return False
    return True


def _header_notice(
    source: str, header_at: int, above: Sequence[Sequence[object]], *, detected: bool
) -> tuple[int, ...]:
    """Warn which row was taken as the header and which non-blank rows above it were skipped
    (they are not data); return the skipped rows' numbers."""
    skipped = [(i + 1, row) for i, row in enumerate(above) if not _blank_row(row)]
    if not skipped:
        return ()
    header_row = header_at + 1

    def text(row: Sequence[object]) -> str:
        joined = " | ".join(str(v).strip() for v in row if not _is_blank(v))
        return repr(joined if len(joined) <= 60 else joined[:57] + "...")

    listed = [Note("read.row_text", row=n, text=text(row)) for n, row in skipped[:_MAX_LISTED]]
    if len(skipped) > _MAX_LISTED:
        listed.append(Note("read.more_rows", n=len(skipped) - _MAX_LISTED))
    last = header_row - 1
    warnings.warn(
        Note(
            "read.title_rows_found" if detected else "read.title_rows_given",
            source=source,
            header_row=header_row,
            data_row=header_row + 1,
            span=Note("read.row_one") if last == 1 else Note("read.rows_span", last=last),
            shown=join_notes(listed),
        ),
        DataQualityWarning,
        stacklevel=4,
    )
    return tuple(n for n, _ in skipped)


def _check_swallowed_rows(
    source: str, records: list[list[str]], delimiter: str, header_at: int
) -> None:
    """Refuse a quoted value that runs over several lines of which one looks like a whole row
    (as many delimiters as the header, record ``header_at``): a quote left open that
    swallowed rows."""
    if not records:
        return
    width = len(records[header_at])
    if width < 2:
        return
    line = 1
    for record in records:
        for value in record:
            if "\n" in value or "\r" in value:
                inner = value.splitlines()
                if any(part.count(delimiter) >= width - 1 for part in inner[1:]):
                    raise ResponseDataError(
                        f"{source}: a quoted value starting on line {line} runs over "
                        f"{len(inner)} lines that look like rows of the table "
                        f"({inner[0][:40]!r} ...): is a closing quote missing? Rows would be "
                        'lost; close the quote (a quote inside a quoted value is written "")'
                    )
        line += 1 + sum(value.count("\n") for value in record)


def _check_row_lengths(
    source: str,
    header: list[str],
    body: list[list[str | None]],
    row_numbers: npt.NDArray[np.int64],
    delimiter: str,
) -> None:
    """A text row has the header's number of fields: no more non-empty ones, and no fewer than
    the header's named columns (a row cut short is not read as missing answers)."""
    named = max((j + 1 for j, name in enumerate(header) if name.strip()), default=0)
    short: list[dict[str, object]] = []
    for row, number in zip(body, row_numbers, strict=True):
        if len(row) < named and any(v is not None for v in row):
            short.append({"row": int(number), "fields": len(row), "expected": named})
    if short:
        shown = "; ".join(
            f"row {p['row']} has {p['fields']} field{'s' if p['fields'] != 1 else ''}"
            for p in short[:_MAX_LISTED]
        )
        more = f" (and {len(short) - _MAX_LISTED} more rows)" if len(short) > _MAX_LISTED else ""
        raise ResponseDataError(
            f"{source}: {len(short)} row(s) have fewer fields than the header's {named}: "
            f"{shown}{more}; is the file cut short, or a line broken in two? A row is not "
            "filled up with missing answers: write empty cells between the delimiters where "
            "answers are missing",
            short,
        )
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
        title = (  # one name: perhaps a title above the column names
            ", or are the column names on a later row (header_row= option, CLI: --header-row N)"
            if sum(1 for name in header if name.strip()) <= 1
            else ""
        )
        raise ResponseDataError(
            f"{source}: {len(problems)} row(s) have more fields than the header's "
            f"{len(header)}: {shown}{more}; is a value containing the delimiter "
            f"{shown_delimiter} not quoted, or is the delimiter wrong (delimiter= option)"
            f"{title}?",
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
        rest = [str(p["letter"]) for p in unnamed[_MAX_LISTED:]]
        if rest:
            letters = ", ".join(rest[:20]) + (", ..." if len(rest) > 20 else "")
            shown += f"; and {len(rest)} more column{'s' if len(rest) > 1 else ''} ({letters})"
        raise ResponseDataError(
            f"{source}: {len(unnamed)} column(s) without a name in the header row "
            f"(row {header_row}): {shown}; name them, or, if the column names are on another "
            f"row, give its number with header_row= (CLI: --header-row N)",
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


def _read_excel(
    file: Path, *, sheet: str | int | None, decimal: str | None, header_row: int | None
) -> RawTable:
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
    _refuse_uncalculated_formulas(file, sheet_name, cells, openpyxl)
    where = f"{source} [{sheet_name}]"
    found = _locate_header(cells, header_row, where, rows=f"worksheet {sheet_name!r} has")
    if found is None:
        raise ResponseDataError(
            f"{source}: worksheet {sheet_name!r} is empty (no header row, no data)"
        )
    header_at, end, detected = found
    header = [_header_name(v) for v in cells[header_at]]
    body = cells[header_at + 1 : end]
    first_row = header_at + 2
    row_numbers = np.arange(first_row, first_row + len(body), dtype=np.int64)
    data = _assemble(where, header, body, row_numbers, header_row=header_at + 1)
    skipped = _header_notice(where, header_at, cells[:header_at], detected=detected)
    return RawTable(
        data=data,
        source=source,
        value_labels={},
        row_numbers=_frozen(row_numbers),
        encoding=None,
        delimiter=None,
        decimal=decimal if decimal is not None else _detect_decimal(data),
        sheet=sheet_name,
        header_row=header_at + 1,
        skipped_rows=skipped,
    )


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")


def _refuse_uncalculated_formulas(
    file: Path, sheet_name: str, cells: list[list[Any]], openpyxl: ModuleType
) -> None:
    """Raise when a cell holds a formula whose result was never saved (a workbook written by a
    program, not by Excel): openpyxl gives such a cell as empty, which would read an answer as
    missing, and a column of them as "entirely empty". Looked for only when the workbook's
    sheets contain formulas at all."""
    import zipfile

    try:
        with zipfile.ZipFile(file) as archive:
            has_formulas = any(
                _FORMULA_TAG.search(archive.read(name))
                for name in archive.namelist()
                if name.startswith("xl/worksheets/") and name.endswith(".xml")
            )
    except (zipfile.BadZipFile, OSError, KeyError):
        return
    if not has_formulas:
        return
    workbook = openpyxl.load_workbook(file, read_only=True, data_only=False)
    try:
        worksheet = workbook[sheet_name]
        worksheet.reset_dimensions()
        found: list[tuple[int, int, str]] = []
        for r, row in enumerate(worksheet.iter_rows(values_only=True)):
            for c, value in enumerate(row):
                if not (isinstance(value, str) and value.startswith("=")):
                    continue
                if r >= len(cells) or c >= len(cells[r]) or cells[r][c] is None:
                    found.append((r, c, value))
    finally:
        workbook.close()
    if not found:
        return
    header_at, _ = _content_span(cells)
    header = cells[header_at] if header_at is not None else []

    def where(r: int, c: int) -> str:
        name = header[c] if c < len(header) and header[c] is not None else None
        column = f"column {str(name)!r}" if name is not None else "column"
        return f"row {r + 1}, {column} ({_column_letter(c + 1)}{r + 1})"

    shown = "; ".join(f"{where(r, c)}: {f}" for r, c, f in found[:_MAX_LISTED])
    more = f" (and {len(found) - _MAX_LISTED} more)" if len(found) > _MAX_LISTED else ""
    raise ResponseDataError(
        f"{file.name} [{sheet_name}]: {len(found)} cell(s) hold a formula whose result was "
        f"never saved, so their values are unknown (not missing): {shown}{more}. Open the "
        "file in Excel and save it (the results are then stored), or replace the formulas "
        "by their values",
        [{"row": r + 1, "column": c + 1, "formula": f} for r, c, f in found],
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
        import pyarrow.parquet as pq

        schema = pq.read_schema(file)
        nested = [
            (field.name, str(field.type))
            for field in schema
            if pyarrow.types.is_nested(field.type)
            or pyarrow.types.is_dictionary(field.type)
            and pyarrow.types.is_nested(field.type.value_type)
        ]
        if nested:
            shown = ", ".join(f"{name!r} ({kind})" for name, kind in nested[:_MAX_LISTED])
            raise ResponseDataError(
                f"{source}: {len(nested)} column(s) hold lists or records, not one value per "
                f"cell: {shown}. Flatten them (one column per value) before reading"
            )
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
