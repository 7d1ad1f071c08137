"""Cells to numbers: the strict rule for text that holds a number, and the rule by which
:func:`measure.io.read_table` (``numeric=True``) returns a whole column as numbers.

Both engines of the reader use :func:`whole_number_columns` (the fast one checks the same rule on
the file's bytes first), so they give the same cells.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "compact_integers",
    "smallest_integer_type",
    "to_numeric_cells",
    "whole_number_columns",
]

DECIMALS = (".", ",")

# Numbers as survey tools write them: optional sign, digits with one decimal separator,
# optional exponent. ASCII digits only; no thousands separators, no "nan"/"inf".
_NUMBER_PATTERN = {
    ".": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII),
    ",": re.compile(r"[+-]?(?:\d+(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?", re.ASCII),
}
#: a whole number written as Python prints an int: no sign but minus, no leading zeros, no "-0"
_PLAIN_WHOLE = re.compile(r"0|-?[1-9][0-9]{0,18}", re.ASCII)
_INT64 = (-(2**63), 2**63 - 1)


def whole_number_columns(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with every text column whose cells are all plain whole numbers as numbers.

    A cell is a plain whole number when it is written as Python prints an integer (``0``,
    ``7``, ``-3``, ``12``; not ``07``, ``+7``, ``-0``, ``7.0``, `` 7``) and fits in 64 bits, so
    that printing the number gives back the file's text exactly. Such a column becomes the
    smallest integer type that holds it (int8 for survey codes); with empty cells the pandas
    nullable integer type of that size (``Int8``, ...; ``<NA>`` for an empty cell), so that
    every cell still prints back as in the file. Columns with any other cell, and columns
    with no values, are returned unchanged. Each distinct text is looked at once.
    """
    columns: dict[Any, Any] = {}
    changed = False
    for name in data.columns:
        series = data[name]
        converted = _whole_numbers(series) if series.dtype == object else None
        columns[name] = series if converted is None else converted
        changed = changed or converted is not None
    if not changed:
        return data
    frame = pd.DataFrame(columns, index=data.index, copy=False)
    frame.columns = data.columns
    return frame


def _whole_numbers(series: pd.Series[Any]) -> Any:
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = uniques.tolist()
    if not values or not all(isinstance(v, str) and _PLAIN_WHOLE.fullmatch(v) for v in values):
        return None
    numbers = [int(v) for v in values]
    lo, hi = min(numbers), max(numbers)
    if lo < _INT64[0] or hi > _INT64[1]:
        return None
    missing = codes < 0
    table = np.asarray(numbers, dtype=np.int64)
    if not missing.any():
        return compact_integers(table[codes], lo, hi)
    return compact_integers(table[np.where(missing, 0, codes)], lo, hi, missing=missing)


def smallest_integer_type(lo: int, hi: int) -> type[np.signedinteger[Any]]:
    """The smallest of int8, int16, int32 and int64 that holds every number from lo to hi."""
    for kind in (np.int8, np.int16, np.int32):
        info = np.iinfo(kind)
        if info.min <= lo and hi <= info.max:
            return kind
    return np.int64


def compact_integers(
    values: npt.NDArray[np.integer[Any]],
    lo: int,
    hi: int,
    *,
    missing: npt.NDArray[np.bool_] | None = None,
) -> Any:
    """Whole numbers between ``lo`` and ``hi`` in the smallest type that holds them
    (:func:`smallest_integer_type`: int8 for survey codes, 1 byte a cell instead of 8); with
    ``missing`` (a mask of the empty cells; their ``values`` are ignored) a pandas nullable
    integer array of that size (``Int8``, ...: one more byte a cell for the mask)."""
    data = np.asarray(values, dtype=smallest_integer_type(lo, hi))
    return data if missing is None else pd.arrays.IntegerArray(data, missing)


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
    if decimal not in DECIMALS:
        raise ValueError(f"decimal must be one of {DECIMALS}, got {decimal!r}")
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
