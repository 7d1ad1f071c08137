"""The single input gate: turn a table of answers into a checked response matrix.

Every cell becomes a category code ``0..m_i`` or missing. Text labels are mapped to codes (case and
whitespace insensitive), reverse-keyed items are recoded ``m_i - code``, missing codes become
missing. Every cell that is none of these is located (row, person id, column, value) and reported
together with the allowed values; nothing is renumbered or dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure.exceptions import ResponseDataError

if TYPE_CHECKING:
    from measure.instrument import Instrument

__all__ = ["ResponseMatrix", "InvalidCell", "as_responses", "normalise_label"]

InvalidPolicy = Literal["error", "missing"]
MAX_LISTED = 10


def normalise_label(value: object) -> str:
    """Casefold and collapse whitespace: ``'  Instämmer   HELT '`` -> ``'instämmer helt'``."""
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


@dataclass(frozen=True)
class InvalidCell:
    """One cell that is neither a known code, a known label nor a missing code."""

    row: int
    person: str
    column: str
    value: str
    allowed: str

    def describe(self) -> str:
        return (
            f"row {self.row}, person {self.person!r}, column {self.column!r}: "
            f"value {self.value!r} is not allowed (allowed: {self.allowed})"
        )


@dataclass(frozen=True)
class ResponseMatrix:
    """Checked responses: codes ``0..max_category[i]`` and ``-1`` for missing.

    Attributes
    ----------
    values : (N, I) int16 array, -1 = missing.
    items : item ids (column names), in order.
    persons : person ids, one per input row, in input order (strings).
    max_category : (I,) top category of each item.
    rows : (N,) row number of each person in the source (spreadsheet style when known).
    source : name of the source, used in messages.
    invalid : cells that were set to missing under ``invalid="missing"``.
    """

    values: NDArray[np.int16]
    items: tuple[str, ...]
    persons: tuple[str, ...]
    max_category: NDArray[np.int64]
    rows: NDArray[np.int64]
    source: str = "data"
    invalid: tuple[InvalidCell, ...] = field(default=())

    @property
    def n_persons(self) -> int:
        return int(self.values.shape[0])

    @property
    def n_items(self) -> int:
        return int(self.values.shape[1])


def _format_problems(source: str, cells: Sequence[InvalidCell], total: int) -> str:
    head = f"{source}: {total} invalid cell{'s' if total != 1 else ''}"
    if total > MAX_LISTED:
        head += f" (the first {MAX_LISTED} are listed)"
    lines = [f"  {c.describe()}" for c in cells[:MAX_LISTED]]
    tail = (
        "\nFix the cells, declare the values as missing codes, or treat invalid cells as "
        "missing (invalid='missing', CLI: --invalid missing)."
    )
    return head + ":\n" + "\n".join(lines) + tail


def _as_int_codes(values: pd.Series, decimal: str) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Numbers in a column as floats (NaN where not a number) and a mask of parsed cells."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    ):
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        return arr, ~np.isnan(arr)
    text = values.astype("string").str.strip()
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return num, ~np.isnan(num)


def as_responses(
    data: pd.DataFrame | NDArray[Any] | ResponseMatrix,
    *,
    items: Sequence[str] | None = None,
    id_column: str | None = None,
    instrument: Instrument | None = None,
    missing_codes: Iterable[object] = (),
    max_category: int | Mapping[str, int] | None = None,
    min_category: int = 0,
    reverse: Iterable[str] = (),
    invalid: InvalidPolicy = "error",
    source: str = "data",
    row_numbers: Sequence[int] | NDArray[np.int64] | None = None,
    decimal: str = ".",
) -> ResponseMatrix:
    """Check and code a table of answers.

    Parameters
    ----------
    data : DataFrame (persons in rows), 2-D array, or an existing ResponseMatrix (returned as is).
    items : item columns; default every column except ``id_column`` (or the instrument's items).
    id_column : column with person ids; default: persons are numbered by row (1, 2, ...).
    instrument : an :class:`~measure.instrument.Instrument`; gives the items, their categories,
        labels, reverse keys and missing codes.
    missing_codes : extra values meaning missing (codes such as 9 or labels such as "Vet ej").
    max_category : top category, for all items or per item; default from the instrument or
        the largest code observed in each item.
    min_category : the code of the lowest category (default 0); codes are shifted to start at 0.
        Data coded 1..5 need ``min_category=1``; nothing is renumbered unless asked.
    reverse : reverse-keyed items (in addition to the instrument's), recoded ``m - code``.
    invalid : ``"error"`` (default) raises on any invalid cell; ``"missing"`` sets them missing
        and lists them in ``ResponseMatrix.invalid``.
    source : name used in messages (e.g. the file name).
    row_numbers : row number of each data row in the source (default 1, 2, ...).
    decimal : decimal separator of numbers stored as text.

    Raises
    ------
    ResponseDataError
        Invalid cells (with row, person, column, value and the allowed values), duplicate or
        blank person ids, unknown or entirely empty item columns.
    """
    if isinstance(data, ResponseMatrix):
        return data
    if invalid not in ("error", "missing"):
        raise ValueError(f"invalid={invalid!r} is not one of 'error', 'missing'")
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise ResponseDataError(f"{source}: responses must be a 2-D table, got {data.ndim}-D")
        data = pd.DataFrame(data, columns=[f"item{j + 1}" for j in range(data.shape[1])])
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame or a 2-D array, got {type(data)!r}")
    frame = data
    n = len(frame)
    rows = (
        np.arange(1, n + 1, dtype=np.int64)
        if row_numbers is None
        else np.asarray(row_numbers, dtype=np.int64)
    )
    columns = [str(c) for c in frame.columns]
    frame = frame.set_axis(columns, axis=1)

    # person ids
    if id_column is not None:
        if id_column not in columns:
            raise ResponseDataError(
                f"{source}: id column {id_column!r} not found (columns: {', '.join(columns)})"
            )
        raw_ids = frame[id_column]
        blank = raw_ids.isna().to_numpy() | (raw_ids.astype("string").str.strip() == "").fillna(
            True
        ).to_numpy()
        if blank.any():
            where = ", ".join(str(r) for r in rows[blank][:MAX_LISTED])
            raise ResponseDataError(
                f"{source}: id column {id_column!r} is blank in {int(blank.sum())} row(s): "
                f"row {where}. Every person needs an id; fill them in or leave out --id-column "
                "to number persons by row."
            )
        persons = [_id_text(v) for v in raw_ids.tolist()]
        seen: dict[str, int] = {}
        dups: list[str] = []
        for r, pid in zip(rows.tolist(), persons):
            if pid in seen:
                dups.append(f"{pid!r} (rows {seen[pid]} and {r})")
            else:
                seen[pid] = r
        if dups:
            shown = "; ".join(dups[:MAX_LISTED])
            raise ResponseDataError(
                f"{source}: {len(dups)} duplicate person id(s) in column {id_column!r}: {shown}. "
                "Each person must appear once; remove duplicated rows or fix the ids."
            )
    else:
        persons = [str(i) for i in range(1, n + 1)]

    # items
    inst_items = {it.id: it for it in instrument.items} if instrument is not None else {}
    if items is None:
        if instrument is not None:
            items = [it.id for it in instrument.items]
        else:
            items = [c for c in columns if c != id_column]
    items = [str(i) for i in items]
    if not items:
        raise ResponseDataError(f"{source}: no item columns")
    missing_cols = [i for i in items if i not in columns]
    if missing_cols:
        raise ResponseDataError(
            f"{source}: item column(s) not found: {', '.join(map(repr, missing_cols))} "
            f"(columns: {', '.join(columns)})"
        )
    dup_items = sorted({i for i in items if items.count(i) > 1})
    if dup_items:
        raise ResponseDataError(f"{source}: item(s) listed twice: {', '.join(dup_items)}")

    miss = list(missing_codes)
    if instrument is not None:
        miss += list(instrument.missing_codes)
    miss_text = {normalise_label(m) for m in miss}
    miss_num: set[float] = set()
    for m in miss:
        try:
            miss_num.add(float(str(m).replace(",", ".")))
        except ValueError:
            pass
    reverse_set = set(reverse)
    if isinstance(max_category, Mapping):
        unknown = set(max_category) - set(items)
        if unknown:
            raise ValueError(f"max_category names unknown items: {sorted(unknown)}")

    values = np.full((n, len(items)), -1, dtype=np.int16)
    tops = np.zeros(len(items), dtype=np.int64)
    cells: list[InvalidCell] = []
    n_bad = 0
    for j, col in enumerate(items):
        series = frame[col]
        inst_item = inst_items.get(col)
        labels: dict[str, int] = {}
        if inst_item is not None and instrument is not None:
            labels = instrument.label_map(col)
            top: int | None = inst_item.max_category
        elif isinstance(max_category, Mapping):
            top = max_category.get(col)
        else:
            top = max_category
        num, parsed = _as_int_codes(series, decimal)
        numeric_column = pd.api.types.is_numeric_dtype(series.dtype) and not (
            pd.api.types.is_bool_dtype(series.dtype)
        )
        if numeric_column:
            empty = np.isnan(num)
            is_missing = empty.copy()
            code = num - min_category
        else:
            text = series.astype("string")
            norm = text.str.replace(r"\s+", " ", regex=True).str.strip().str.casefold()
            empty = series.isna().to_numpy() | (norm == "").fillna(True).to_numpy()
            is_missing = empty | norm.isin(list(miss_text)).fillna(False).to_numpy()
            code = np.where(parsed, num - min_category, np.nan)
            if labels:
                mapped = norm.map(labels).to_numpy(dtype=np.float64, na_value=np.nan)
                code = np.where(~np.isnan(mapped), mapped, code)
        if miss_num:
            is_missing |= parsed & np.isin(num, list(miss_num))
        integral = ~np.isnan(code) & (code == np.round(code)) & (code >= 0)
        if top is not None:
            integral &= code <= top
        ok = integral & ~is_missing
        bad = ~ok & ~is_missing
        if top is None:
            observed = code[ok]
            top = int(observed.max()) if observed.size else 0
        tops[j] = int(top)
        col_codes = np.where(ok, code, -1).astype(np.int16)
        if col in reverse_set or (inst_item is not None and inst_item.reverse):
            col_codes = np.where(col_codes >= 0, top - col_codes, -1).astype(np.int16)
        values[:, j] = col_codes
        n_bad += int(bad.sum())
        if bad.any():
            allowed = _allowed_text(top, min_category, labels, miss)
            for r in np.flatnonzero(bad)[: MAX_LISTED + 1 if invalid == "error" else None]:
                cells.append(
                    InvalidCell(
                        row=int(rows[r]),
                        person=persons[r],
                        column=col,
                        value=str(series.iloc[r]),
                        allowed=allowed,
                    )
                )
        if not ok.any() and not bad.any():
            raise ResponseDataError(
                f"{source}: item column {col!r} is entirely empty (no answers in {n} rows). "
                "Remove it from the items or check the column mapping."
            )
    if cells:
        cells.sort(key=lambda c: (c.row, items.index(c.column)))
        if invalid == "error":
            raise ResponseDataError(
                _format_problems(source, cells, n_bad),
                problems=[dict(c.__dict__) for c in cells[:MAX_LISTED]],
            )
    return ResponseMatrix(
        values=values,
        items=tuple(items),
        persons=tuple(persons),
        max_category=tops,
        rows=rows,
        source=source,
        invalid=tuple(cells),
    )


def _id_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _allowed_text(
    top: int | None, min_category: int, labels: Mapping[str, int], missing: Sequence[object]
) -> str:
    if labels:
        by_code: dict[int, list[str]] = {}
        for lab, c in labels.items():
            by_code.setdefault(c, []).append(lab)
        parts = [f"{c} = {' / '.join(sorted(set(by_code[c]) - {str(c)}))}" for c in sorted(by_code)]
        text = "; ".join(p.rstrip(" =") for p in parts)
    elif top is not None:
        text = f"integers {min_category}..{top + min_category}"
    else:
        text = f"integers from {min_category} up"
    if missing:
        text += f"; missing: {', '.join(str(m) for m in missing)}"
    return text + "; or an empty cell"
