"""Files in and out: reading survey exports (:mod:`measure.io.read`), cells to numbers
(:mod:`measure.io.cells`) and the one writer (:mod:`measure.io.write`).

``read_table`` reads CSV/TSV, Excel, SPSS and Parquet into a :class:`RawTable` with every cell
as in the file and every row's number; ``engine=`` chooses how delimited text is parsed.
Every file measure writes goes through :class:`OutputSet` (outputs as one set, or not at all),
and every JSON file through :func:`json_text`.
"""

from measure.io.cells import to_numeric_cells
from measure.io.read import ENGINES, FAST_MIN_CHARS, SUPPORTED_EXTENSIONS, RawTable, read_table
from measure.io.write import (
    WRITE_FORMATS,
    FolderLock,
    FolderLockedError,
    OutputSet,
    json_text,
    round_floats,
    write_json_atomic,
    write_table_atomic,
    write_text_atomic,
    write_workbook_atomic,
)

__all__ = [
    "ENGINES",
    "FAST_MIN_CHARS",
    "FolderLock",
    "FolderLockedError",
    "OutputSet",
    "RawTable",
    "SUPPORTED_EXTENSIONS",
    "WRITE_FORMATS",
    "json_text",
    "read_table",
    "round_floats",
    "to_numeric_cells",
    "write_json_atomic",
    "write_table_atomic",
    "write_text_atomic",
    "write_workbook_atomic",
]
