"""The single input gate: turn a table of answers into a checked response matrix.

Every cell becomes a category code ``0..m_i`` or missing. Item columns are found by name (exactly,
else ignoring case and whitespace) or through a mapping item -> column given by the user. Text
labels are mapped to codes (case and whitespace insensitive, every language of the instrument),
SPSS value labels are read as labels, reverse-keyed items are recoded ``m_i - code`` and missing
codes become missing. Every cell that is none of these is located (spreadsheet row, person id,
column, value) and reported together with the allowed values; nothing is renumbered or dropped
silently, and there is exactly one output row per input row, in input order.

The work is vectorised: each column is factorised once (``pandas.factorize``) and only its
distinct values are looked at in Python, so a million rows cost a few hash passes per column.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure._types import INVALID_POLICIES, InvalidPolicy
from measure.exceptions import RecodeWarning, ResponseDataError
from measure.summary import Summary, short_repr

if TYPE_CHECKING:
    from measure.instrument import Instrument, Item

__all__ = [
    "MAX_CODE",
    "MAX_LISTED",
    "Coding",
    "InvalidCell",
    "InvalidPolicy",
    "Recodes",
    "ResponseMatrix",
    "as_responses",
    "expand_recode",
    "label_synonyms",
    "normalise_label",
    "recode_key",
    "select_items",
]

#: problems listed in a message (the count is always given in full)
MAX_LISTED = 10
#: highest category code accepted when an item's categories are not declared
MAX_CODE = 99

_VALID, _EMPTY, _MISSING, _BAD = 0, 1, 2, 3
_NUMBER = {
    ".": re.compile(r"[+-]?\d{1,9}(?:\.0*)?", re.ASCII),
    ",": re.compile(r"[+-]?\d{1,9}(?:,0*|\.0)?", re.ASCII),
}
_POSSIBLY_BOOL = ("boolean", "mixed", "mixed-integer")


def normalise_label(value: object) -> str:
    """NFC, whitespace collapsed, casefolded: ``' Instämmer   HELT '`` -> ``'instämmer helt'``.

    The same rule as :func:`measure.instrument.normalise_label`, for any cell value.
    """
    return " ".join(unicodedata.normalize("NFC", str(value)).split()).casefold()


@dataclass(frozen=True, slots=True)
class InvalidCell:
    """One cell that is neither a known code, a known label nor a missing code.

    ``row`` is the row number in the source (spreadsheet style for files), ``column`` the data
    column, ``item`` the item it was read for (when it differs from the column name) and
    ``label`` the SPSS value label of the value, if any.
    """

    row: int
    person: str
    column: str
    value: str
    allowed: str
    item: str = ""
    label: str | None = None

    def describe(self) -> str:
        where = f"column {self.column!r}"
        if self.item and self.item != self.column:
            where += f" (item {self.item!r})"
        value = f"value {self.value!r}"
        if self.label is not None:
            value += f" (value label {self.label!r})"
        return (
            f"row {self.row}, person {self.person!r}, {where}: {value} is not allowed "
            f"(allowed: {self.allowed})"
        )

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _code_text(value: object) -> str:
    """A code or label as text, as it would print in a file (9.0 -> "9")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Coding:
    """How answers were turned into categories: what a reference scale records so that new data
    are scored the same way (``measure.score`` applies it, or refuses data given otherwise).

    Attributes
    ----------
    min_category : the data's code for category 0 (1 for answers coded 1..m+1).
    missing_codes : values meaning missing, as text (given and the instrument's).
    reversed_items : reverse-keyed items (category = top - code).
    value_labels : item -> {code as text: label}, the labels given with the data (for example
        SPSS value labels), beyond those of the instrument.
    recode : item -> {value: code or ``None`` (missing)}, the recodes given with the data
        (applied before everything else; see :func:`as_responses`). A value is a whole number
        as text (``"9"``) or a normalised text label (``"vet ej"``).
    labels : normalised label -> code, label synonyms given with the data for every item
        (``{"ingen gång": 0}``); the code is read as if the cell held it.
    """

    min_category: int = 0
    missing_codes: tuple[str, ...] = ()
    reversed_items: tuple[str, ...] = ()
    value_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    recode: Mapping[str, Mapping[str, int | None]] = field(default_factory=dict)
    labels: Mapping[str, int] = field(default_factory=dict)

    def to_dict(self, *, every_key: bool = False) -> dict[str, Any]:
        """The coding as JSON-ready data. ``recode`` and ``labels`` are left out when empty
        (a reference scale without them keeps its content and hash), unless ``every_key``."""
        doc: dict[str, Any] = {
            "min_category": int(self.min_category),
            "missing_codes": list(self.missing_codes),
            "reversed_items": list(self.reversed_items),
            "value_labels": {k: dict(v) for k, v in self.value_labels.items()},
        }
        if self.recode or every_key:
            doc["recode"] = {k: dict(v) for k, v in self.recode.items()}
        if self.labels or every_key:
            doc["labels"] = dict(self.labels)
        return doc

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Coding:
        known = {"min_category", "missing_codes", "reversed_items", "value_labels"}
        known |= {"recode", "labels"}
        unknown = sorted(set(doc) - known)
        if unknown:
            raise ValueError(f"coding: unknown keys {unknown} (allowed: {sorted(known)})")
        min_category = doc.get("min_category", 0)
        if not isinstance(min_category, int) or isinstance(min_category, bool):
            raise ValueError(f"coding.min_category must be an integer, got {min_category!r}")
        labels = doc.get("value_labels", {})
        if not isinstance(labels, Mapping):
            raise ValueError("coding.value_labels must map items to {code: label}")
        recode = doc.get("recode", {})
        if not isinstance(recode, Mapping) or not all(
            isinstance(m, Mapping) and all(_is_target(t) for t in m.values())
            for m in recode.values()
        ):
            raise ValueError(
                "coding.recode must map items to {value: code or null}, e.g. "
                '{"q1": {"1": 0, "9": null}}'
            )
        synonyms = doc.get("labels", {})
        if not isinstance(synonyms, Mapping) or not all(
            _is_target(t) and t is not None for t in synonyms.values()
        ):
            raise ValueError('coding.labels must map labels to codes, e.g. {"ingen gång": 0}')
        return cls(
            min_category=min_category,
            missing_codes=tuple(str(c) for c in doc.get("missing_codes", ())),
            reversed_items=tuple(str(i) for i in doc.get("reversed_items", ())),
            value_labels={
                str(item): {str(c): str(lab) for c, lab in dict(codes).items()}
                for item, codes in labels.items()
            },
            recode={
                str(item): {str(v): (None if t is None else int(t)) for v, t in m.items()}
                for item, m in recode.items()
            },
            labels={str(k): int(v) for k, v in synonyms.items()},
        )


def _is_target(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


@dataclass(frozen=True)
class ResponseMatrix:
    """Checked responses: codes ``0..max_category[i]`` and ``-1`` for missing.

    Attributes
    ----------
    values : (N, I) int16 array, -1 = missing.
    items : item ids, in order.
    persons : person ids, one per input row, in input order (strings; ``""`` for a blank row
        when ids come from a column).
    max_category : (I,) top category of each item.
    rows : (N,) row number of each person in the source (spreadsheet style when known).
    source : name of the source, used in messages.
    invalid : every cell that was set to missing under ``invalid="missing"``, in row order.
    columns : the data column each item was read from (same order as ``items``).
    blank_rows : (N,) True for rows in which every cell is empty (``None``: not known).
    min_category : the data's code for category 0 (codes were shifted by it).
    reversed_items : items that were reverse-keyed (category = top - code).
    missing_codes : the values that meant missing, as text (given and the instrument's).
    value_labels : item -> {code as text: label}, the labels given with the data.
    recode : item -> {value: code or None}, the recodes applied (see :class:`Coding`).
    labels : normalised label -> code, the label synonyms applied to every item.
    """

    values: NDArray[np.int16]
    items: tuple[str, ...]
    persons: tuple[str, ...]
    max_category: NDArray[np.int64]
    rows: NDArray[np.int64]
    source: str = "data"
    invalid: tuple[InvalidCell, ...] = ()
    columns: tuple[str, ...] = ()
    blank_rows: NDArray[np.bool_] | None = None
    min_category: int = 0
    reversed_items: tuple[str, ...] = ()
    missing_codes: tuple[str, ...] = ()
    value_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    recode: Mapping[str, Mapping[str, int | None]] = field(default_factory=dict)
    labels: Mapping[str, int] = field(default_factory=dict)

    @property
    def coding(self) -> Coding:
        """How the answers were coded (recorded in a reference scale made from them)."""
        return Coding(
            min_category=self.min_category,
            missing_codes=self.missing_codes,
            reversed_items=self.reversed_items,
            value_labels=self.value_labels,
            recode=self.recode,
            labels=self.labels,
        )

    @property
    def n_persons(self) -> int:
        return int(self.values.shape[0])

    @property
    def n_items(self) -> int:
        return int(self.values.shape[1])

    @property
    def n_invalid(self) -> int:
        """Number of invalid cells set to missing."""
        return len(self.invalid)

    @property
    def n_blank_rows(self) -> int:
        return 0 if self.blank_rows is None else int(self.blank_rows.sum())

    def summary(self) -> Summary:
        """Source, persons, items, top categories, missing cells, invalid cells, blank rows."""
        n_missing = int(np.count_nonzero(self.values < 0))
        return Summary(
            "responses",
            {
                "source": self.source,
                "n_persons": self.n_persons,
                "n_items": self.n_items,
                "max_category": sorted({int(m) for m in self.max_category}),
                "min_category": self.min_category,
                "n_missing": n_missing,
                "missing_share": n_missing / self.values.size if self.values.size else 0.0,
                "n_invalid": self.n_invalid,
                "n_blank_rows": self.n_blank_rows,
                "reversed_items": list(self.reversed_items),
            },
        )

    def __repr__(self) -> str:
        return short_repr(
            self,
            source=self.source if len(self.source) <= 40 else "..." + self.source[-37:],
            n_persons=self.n_persons,
            n_items=self.n_items,
            n_invalid=self.n_invalid,
        )


# --------------------------------------------------------------------------------------------
# the gate
# --------------------------------------------------------------------------------------------


def as_responses(
    data: pd.DataFrame | NDArray[Any] | ResponseMatrix,
    *,
    items: Sequence[str] | None = None,
    id_column: str | None = None,
    instrument: Instrument | None = None,
    columns: Mapping[str, str] | None = None,
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
    missing_codes: Iterable[object] = (),
    max_category: int | Mapping[str, int] | None = None,
    min_category: int = 0,
    reverse: Iterable[str] = (),
    invalid: InvalidPolicy = "error",
    source: str = "data",
    row_numbers: Sequence[int] | NDArray[np.int64] | None = None,
    decimal: str = ".",
    exclude: Iterable[str] = (),
    allow_empty_items: bool = False,
    recode: Recodes | None = None,
    labels: Mapping[str, int] | None = None,
    warn_unused: bool = True,
) -> ResponseMatrix:
    """Check and code a table of answers.

    Parameters
    ----------
    data : DataFrame (persons in rows), 2-D array, or an existing ResponseMatrix (returned as is).
    items : item ids; default the instrument's items, else every column except ``id_column`` and
        ``exclude``. Without an instrument, item ids are column names (or keys of ``columns``).
    id_column : column with person ids; default: persons are numbered by row (1, 2, ...).
    instrument : an :class:`~measure.instrument.Instrument`; gives the items, their categories,
        labels, reverse keys and missing codes.
    columns : mapping item id -> data column, for columns not named after their item. Items not
        in the mapping are found by name: exactly, else ignoring case and whitespace.
    value_labels : per data column, value -> label (as ``RawTable.value_labels`` from an SPSS
        file). With an instrument, a column whose value labels name its categories is read
        through the labels: each value must carry a category label or a missing code, whatever
        its number. Otherwise labels only mark missing codes (a value labelled "Vet ej").
    missing_codes : extra values meaning missing (codes such as 9 or labels such as "Vet ej").
        Numbers are compared with the value as it is in the data (before ``min_category``).
    max_category : top category (0-based), for all items or per item id; default the largest
        code observed in each item (at most :data:`MAX_CODE`). Codes above a declared top are
        invalid. Items of the instrument always use the instrument's categories.
    min_category : the code of the lowest category in the data (default 0); numbers are shifted
        to start at 0 (labels are not: they name their category). Data coded 1..5 need
        ``min_category=1``; nothing is renumbered unless asked.
    reverse : reverse-keyed items (in addition to the instrument's), recoded ``m - code``. The
        top category ``m`` must be declared (instrument or ``max_category``): a top inferred
        from the data could be too low and give a quietly wrong recoding.
    invalid : ``"error"`` (default) raises on any invalid cell; ``"missing"`` sets them missing
        and lists them in ``ResponseMatrix.invalid``.
    source : name used in messages (e.g. the file name).
    row_numbers : row number of each data row in the source. Default: the row of a file or sheet
        holding the table with its header as row 1 (the first data row is row 2, as
        ``measure calibrate`` numbers the rows of a CSV file); for an array, 1, 2, ...
    decimal : decimal separator of numbers stored as text (``"."`` or ``","``); ``"2,0"`` is
        code 2 only with ``decimal=","``.
    exclude : columns that are never items by default (covariates carried along).
    allow_empty_items : accept an item column with no valid answer (scoring a single person or
        a short form against a reference); by default such a column is an error, because a
        calibration cannot use it and it usually means a wrong column.
    recode : ITEMS -> {FROM: TO}: rewrite the value FROM of the items named by ITEMS as if the
        cell held TO (an answer code, in the data's own coding), or make it missing (TO
        ``None``). ITEMS is ``"*"`` (every item), an item, or a comma list of items and ranges
        (``"q1..q5"`` or ``"q1-q5"``: the items from q1 to q5 in item order; see
        :func:`select_items`). FROM is a whole number (``9``, ``"9"``) or a text (compared as
        labels are: ignoring case and spaces). A recode applies first, before labels, missing
        codes, ``min_category``, the range check and reverse keys, so FROM may be any value in
        the file (``{"*": {9: None}}`` makes 9 missing in every item;
        ``{"*": {1: 0, 2: 1, 3: 2, 4: 3, 5: 4}}`` reads 1..5 as 0..4). TO must be an allowed
        code of the item. A FROM value that occurs in none of its items gives a
        :class:`~measure.exceptions.RecodeWarning`.
    labels : label synonyms for every item, TEXT -> CODE (``{"Ingen gång": 0}``, a local
        translation): a cell holding TEXT (ignoring case and spaces) is read as if it held
        CODE (so a recode of CODE applies to it too). A text that is already a label of the
        instrument for another category, or a missing code, is refused; a text that never
        occurs gives a ``RecodeWarning``.
    warn_unused : warn about recodes and labels that match no cell (default). ``measure.score``
        turns it off for the coding recorded in a reference, which new data need not all use.

    Returns
    -------
    ResponseMatrix
        One row per input row, in input order. Rows in which every cell is empty are kept (no
        answers) and flagged in ``blank_rows``; they need no person id.

    Raises
    ------
    ResponseDataError
        Invalid cells (with row, person, column, value and the allowed values; the count and the
        first ten), blank or duplicate person ids, item columns not found or entirely empty,
        a bad column mapping, no data rows, a reverse-keyed item without a declared top, a
        recode naming unknown items, a recode or label whose code is not allowed or that
        conflicts with the instrument's labels or missing codes.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["a", "b", "c"], "answer": ["2", "Vet ej", 0]})
    >>> rm = as_responses(df, id_column="id", columns={"q1": "answer"}, missing_codes=["Vet ej"])
    >>> rm.items, rm.values.ravel().tolist()
    (('q1',), [2, -1, 0])
    """
    if isinstance(data, ResponseMatrix):
        return data
    if invalid not in INVALID_POLICIES:
        policies = ", ".join(repr(p) for p in INVALID_POLICIES)
        raise ValueError(f"invalid={invalid!r} is not one of {policies}")
    if decimal not in _NUMBER:
        raise ValueError(f"decimal={decimal!r} is not one of '.', ','")
    if isinstance(min_category, bool) or not isinstance(min_category, (int, np.integer)):
        raise ValueError(f"min_category must be an integer, got {min_category!r}")
    min_category = int(min_category)
    first_row = 2  # a table: the header is row 1, as in the file or sheet it came from
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise ResponseDataError(f"{source}: responses must be a 2-D table, got {data.ndim}-D")
        data = pd.DataFrame(data, columns=[f"item{j + 1}" for j in range(data.shape[1])])
        first_row = 1  # an array has no header row
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame or a 2-D array, got {type(data)!r}")
    n = len(data)
    rows = (
        np.arange(first_row, first_row + n, dtype=np.int64)
        if row_numbers is None
        else np.asarray(row_numbers, dtype=np.int64)
    )
    if rows.shape != (n,):
        raise ValueError(f"row_numbers has {rows.size} entries for {n} rows")
    names = [str(c) for c in data.columns]
    twice = sorted({c for c in names if names.count(c) > 1})
    if twice:
        raise ResponseDataError(
            f"{source}: duplicate column names: {', '.join(map(repr, twice))}; every column "
            "needs its own name"
        )
    frame = data.set_axis(names, axis=1)
    if id_column is not None and id_column not in names:
        raise ResponseDataError(
            f"{source}: id column {id_column!r} not found (columns: {_list_columns(names)})"
        )
    item_ids, item_cols = _resolve_items(
        names,
        items=items,
        instrument=instrument,
        mapping=columns,
        id_column=id_column,
        exclude=set(exclude),
        source=source,
    )
    if n == 0:
        raise ResponseDataError(f"{source}: no data rows (the table has only column names)")

    inst_items = {it.id: it for it in instrument.items} if instrument is not None else {}
    if isinstance(max_category, Mapping):
        unknown = sorted(set(map(str, max_category)) - set(item_ids))
        if unknown:
            raise ValueError(f"max_category names unknown items: {unknown}")
    reverse_set = {str(r) for r in reverse}
    unknown_rev = sorted(reverse_set - set(item_ids))
    if unknown_rev:
        raise ResponseDataError(
            f"{source}: reverse-keyed item(s) not among the items: {', '.join(unknown_rev)} "
            f"(items: {', '.join(item_ids)})"
        )
    missing_codes = list(missing_codes)
    missing = _Missing(missing_codes + list(instrument.missing_codes if instrument else []))
    labels_by_column = dict(value_labels or {})
    recodes = expand_recode(recode or {}, item_ids, source=source)
    synonyms = label_synonyms(labels or {}, source=source)
    hits: dict[str, set[str]] = {}

    # column-major: each item's codes are written and later read as one contiguous column
    values = np.full((n, len(item_ids)), -1, dtype=np.int16, order="F")
    tops = np.zeros(len(item_ids), dtype=np.int64)
    all_empty = np.ones(n, dtype=bool)
    bad_rows: list[NDArray[np.int64]] = []
    bad_cols: list[NDArray[np.int64]] = []
    bad_vals: list[NDArray[np.object_]] = []
    bad_labels: list[NDArray[np.object_]] = []
    allowed: list[str] = []
    no_answers: list[str] = []
    for j, (item, col) in enumerate(zip(item_ids, item_cols, strict=True)):
        inst_item = inst_items.get(item)
        if inst_item is not None:
            declared: int | None = inst_item.max_category
        elif isinstance(max_category, Mapping):
            raw_top = max_category.get(item)
            declared = None if raw_top is None else int(raw_top)
        else:
            declared = None if max_category is None else int(max_category)
        if declared is not None and not 1 <= declared <= MAX_CODE:
            raise ValueError(f"max_category of item {item!r} must be 1..{MAX_CODE}, got {declared}")
        subst = _substitutions(
            item,
            recodes.get(item, {}),
            synonyms,
            inst_item=inst_item,
            instrument=instrument,
            missing=missing,
            min_category=min_category,
            top=declared,
            through_labels=bool(labels_by_column.get(col)) and inst_item is not None,
            source=source,
        )
        hits[item] = set()
        coded = _code_column(
            frame[col],
            item=inst_item,
            instrument=instrument,
            value_labels=labels_by_column.get(col),
            missing=missing,
            min_category=min_category,
            top=declared,
            decimal=decimal,
            subst=subst,
            hits=hits[item],
        )
        top = coded.top
        tops[j] = top
        col_codes = coded.codes
        if item in reverse_set or (inst_item is not None and inst_item.reverse):
            if declared is None:
                raise ResponseDataError(
                    f"{source}: item {item!r} is reverse-keyed, so its highest category must be "
                    f"declared (max_category=..., CLI: --max-code); the highest code in the data "
                    f"is {top + min_category}, but the scale may go higher and recoding from "
                    "the data alone could be wrong."
                )
            col_codes = np.where(col_codes >= 0, top - col_codes, -1).astype(np.int16)
        values[:, j] = col_codes
        all_empty &= coded.state == _EMPTY
        bad = np.flatnonzero(coded.state == _BAD) if coded.any_bad else np.zeros(0, np.int64)
        if bad.size:
            bad_rows.append(bad)
            bad_cols.append(np.full(bad.size, j, dtype=np.int64))
            display, label = coded.cells(bad)
            bad_vals.append(display)
            bad_labels.append(label)
        allowed.append(coded.allowed() if bad.size else "")
        if not coded.any_valid and not allow_empty_items:
            no_answers.append(_no_answer_text(col, item, coded.state, n))

    # persons: ids, blank rows, duplicates
    blank_rows = _blank_rows(frame, all_empty, exclude_columns=item_cols)
    if id_column is not None:
        ids, id_blank = _person_ids(frame[id_column])
        _check_ids(ids, id_blank, blank_rows, rows, frame, id_column, source)
    else:
        ids = np.array(tuple(map(str, range(1, n + 1))), dtype=object)
    persons = tuple(ids.tolist())

    # invalid cells
    cells: tuple[InvalidCell, ...] = ()
    n_bad = int(sum(b.size for b in bad_rows))
    if n_bad:
        r_idx = np.concatenate(bad_rows)
        c_idx = np.concatenate(bad_cols)
        vals = np.concatenate(bad_vals)
        labs = np.concatenate(bad_labels)
        order = np.lexsort((c_idx, r_idx))
        if invalid == "error":
            order = order[:MAX_LISTED]
        cells = tuple(
            InvalidCell(
                row=int(rows[r]),
                person=persons[r],
                column=item_cols[c],
                value=str(v),
                allowed=allowed[c],
                item=item_ids[c],
                label=None if lab is None else str(lab),
            )
            for r, c, v, lab in zip(
                r_idx[order].tolist(),
                c_idx[order].tolist(),
                vals[order],
                labs[order],
                strict=True,
            )
        )
        if invalid == "error":
            raise ResponseDataError(
                _format_problems(
                    source,
                    cells,
                    n_bad,
                    _code_like(bad_cols, bad_vals, item_cols, n, values),
                    {
                        col: inst_items[item].data_codes
                        for item, col in zip(item_ids, item_cols, strict=True)
                        if item in inst_items and inst_items[item].codes is not None
                    },
                ),
                problems=[c.to_dict() for c in cells],
            )
    if warn_unused:
        _warn_unused(recodes, synonyms, hits, source)
    if no_answers:
        what = "item column has" if len(no_answers) == 1 else "item columns have"
        raise ResponseDataError(
            f"{source}: {len(no_answers)} {what} no answers: "
            + "; ".join(no_answers)
            + ". Remove such items, or check the column mapping and the missing codes."
        )
    return ResponseMatrix(
        values=values,
        items=tuple(item_ids),
        persons=persons,
        max_category=tops,
        rows=rows,
        source=source,
        invalid=cells,
        columns=tuple(item_cols),
        blank_rows=blank_rows,
        min_category=min_category,
        reversed_items=tuple(
            it
            for it in item_ids
            if it in reverse_set or (it in inst_items and inst_items[it].reverse)
        ),
        missing_codes=tuple(
            dict.fromkeys(
                _code_text(c)
                for c in [*missing_codes, *(instrument.missing_codes if instrument else [])]
            )
        ),
        value_labels={
            item: {_code_text(k): str(v) for k, v in labels_by_column[col].items()}
            for item, col in zip(item_ids, item_cols, strict=True)
            if col in labels_by_column
        },
        recode=recodes,
        labels=synonyms,
    )


# --------------------------------------------------------------------------------------------
# recodes and label synonyms
# --------------------------------------------------------------------------------------------

#: recodes as the gate takes them: ITEMS -> {FROM: TO}, TO an answer code or ``None`` (missing)
Recodes = Mapping[str, Mapping[Any, "int | None"]]

_DECIMAL_NUMBER = re.compile(r"[+-]?\d*[.,]\d+", re.ASCII)


def recode_key(value: object) -> str:
    """A recode's FROM value as it is matched and recorded: a whole number as text (``9``,
    ``9.0`` and ``"9"`` -> ``"9"``), else the text normalised as labels are (``" Vet EJ"`` ->
    ``"vet ej"``).

    Raises
    ------
    ValueError
        An empty value (an empty cell is missing already), a number that is not whole, or a
        value that is neither a number nor a text.
    """
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{value!r} is not a value of the data (give a number or a text)")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if math.isfinite(f) and f.is_integer():
            return str(int(f))
        raise ValueError(f"{value!r} is not a whole number (answer codes are whole numbers)")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("an empty value cannot be recoded (an empty cell is missing already)")
        if _NUMBER["."].fullmatch(text):
            return str(int(float(text)))
        if _DECIMAL_NUMBER.fullmatch(text):
            raise ValueError(f"{value!r} is not a whole number (answer codes are whole numbers)")
        return normalise_label(text)
    raise ValueError(f"{value!r} is neither a number nor a text")


def _target(value: object, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(
            f"{where}: the new value must be an answer code or None (missing), got {value!r}"
        )
    return int(value)


def select_items(
    spec: str, items: Sequence[str], *, what: str = "recode", source: str = "data"
) -> list[str]:
    """The items named by ``spec``, in item order.

    ``spec`` is ``"*"`` (every item), an item id, or a comma list whose entries are item ids or
    ranges ``A..B`` or ``A-B`` (the items from A to B in the order of ``items``, both
    included). An entry that is an item id is never read as a range; ``A-B`` must split at
    exactly one hyphen into two item ids (``who5_1-who5_3``), else use ``A..B``.

    Raises
    ------
    ResponseDataError
        An entry that names no item (the message lists the items), an ambiguous or reversed
        range.

    Examples
    --------
    >>> select_items("q2..q4", ["q1", "q2", "q3", "q4", "q5"])
    ['q2', 'q3', 'q4']
    >>> select_items("q5,q1-q2", ["q1", "q2", "q3", "q4", "q5"])
    ['q1', 'q2', 'q5']
    """
    order = [str(i) for i in items]
    text = str(spec).strip()
    listing = ", ".join(order)
    if text == "*":
        return order
    if text in order:
        return [text]
    chosen: set[str] = set()
    for raw in text.split(","):
        part = raw.strip()
        if part in order:
            chosen.add(part)
            continue
        if ".." in part:
            a, _, b = part.partition("..")
            splits = [(a.strip(), b.strip())]
        else:
            splits = [
                (part[:k].strip(), part[k + 1 :].strip()) for k, c in enumerate(part) if c == "-"
            ]
        found = [(a, b) for a, b in splits if a in order and b in order]
        if not found:
            raise ResponseDataError(
                f"{source}: {what} {text!r}: {part!r} is neither an item nor a range of items "
                f"(items: {listing}; ITEMS is '*', an item, or a comma list of items and "
                "ranges FIRST..LAST)"
            )
        if len(found) > 1:
            raise ResponseDataError(
                f"{source}: {what} {text!r}: the range {part!r} can be read as "
                + " or ".join(f"{a}..{b}" for a, b in found)
                + "; write it with '..'"
            )
        a, b = found[0]
        i, j = order.index(a), order.index(b)
        if i > j:
            raise ResponseDataError(
                f"{source}: {what} {text!r}: {a!r} comes after {b!r} in the items ({listing}); "
                f"write the range as {b}..{a}"
            )
        chosen.update(order[i : j + 1])
    return [i for i in order if i in chosen]


def expand_recode(
    recode: Recodes, items: Sequence[str], *, source: str = "data"
) -> dict[str, dict[str, int | None]]:
    """Recodes per item: ITEMS resolved (:func:`select_items`), FROM values as keys
    (:func:`recode_key`), in item order. Two recodes of one value of an item to different
    codes are refused.
    """
    out: dict[str, dict[str, int | None]] = {}
    origin: dict[tuple[str, str], str] = {}
    for spec, mapping in recode.items():
        if not isinstance(mapping, Mapping):
            raise ValueError(
                f"recode {spec!r}: expected a mapping FROM -> TO (e.g. {{1: 0, 9: None}}), "
                f"got {mapping!r}"
            )
        chosen = select_items(str(spec), items, source=source)
        pairs: dict[str, int | None] = {}
        for value, to in mapping.items():
            where = f"recode {spec!r}: {value!r}"
            try:
                key = recode_key(value)
            except ValueError as exc:
                raise ValueError(f"{where}: {exc}") from None
            target = _target(to, where)
            if key in pairs and pairs[key] != target:
                raise ValueError(f"{where} is recoded twice, to {pairs[key]} and to {target}")
            pairs[key] = target
        for item in chosen:
            per = out.setdefault(item, {})
            for key, target in pairs.items():
                if key in per and per[key] != target:
                    raise ValueError(
                        f"recode: item {item!r}, value {key!r} is recoded to {_to_text(per[key])} "
                        f"by {origin[item, key]!r} and to {_to_text(target)} by {str(spec)!r}"
                    )
                per[key] = target
                origin.setdefault((item, key), str(spec))
    order = {item: k for k, item in enumerate(items)}
    return {item: out[item] for item in sorted(out, key=order.__getitem__)}


def label_synonyms(labels: Mapping[str, int], *, source: str = "data") -> dict[str, int]:
    """Label synonyms TEXT -> CODE with the text normalised (:func:`normalise_label`).

    Raises
    ------
    ValueError
        A text that is empty or a number (numbers are recoded, not labelled), a code that is
        not a whole number, one text given two codes.
    """
    out: dict[str, int] = {}
    for text, code in labels.items():
        key = normalise_label(text) if isinstance(text, str) else ""
        if not key:
            raise ValueError(f"label {text!r}: a label is a non-empty text")
        if _NUMBER["."].fullmatch(key) or _DECIMAL_NUMBER.fullmatch(key):
            raise ValueError(
                f"label {text!r}: a number is not a label; recode numbers with recode= "
                "(CLI: --recode ITEMS:FROM=TO)"
            )
        target = _target(code, f"label {text!r}")
        if target is None:
            raise ValueError(
                f"label {text!r}: the code must be a whole number; to make a text missing, give "
                "it as a missing code"
            )
        if key in out and out[key] != target:
            raise ValueError(f"label {text!r} is given two codes: {out[key]} and {target}")
        out[key] = target
    return out


def _to_text(target: int | None) -> str:
    return "missing" if target is None else str(target)


def _substitutions(
    item: str,
    recodes: Mapping[str, int | None],
    synonyms: Mapping[str, int],
    *,
    inst_item: Item | None,
    instrument: Instrument | None,
    missing: _Missing,
    min_category: int,
    top: int | None,
    through_labels: bool,
    source: str,
) -> dict[str, int | None]:
    """The values one item reads otherwise: its recodes and the label synonyms, checked.

    Every code must be one the item allows (else a cell holding it would be invalid); a synonym
    must not give an instrument label or a missing code another meaning.
    """
    if not recodes and not synonyms:
        return {}
    inst_labels: dict[str, int] = {}
    data_codes: tuple[int, ...] | None = None
    if inst_item is not None and instrument is not None:
        numbers = {str(c) for c in inst_item.data_codes}
        inst_labels = {k: v for k, v in instrument.label_map(item).items() if k not in numbers}
        data_codes = tuple(inst_item.data_codes)

    def category(code: int) -> int | None:
        shifted = code - min_category
        if data_codes is not None:
            return data_codes.index(shifted) if shifted in data_codes else None
        cap = MAX_CODE if top is None else top
        return shifted if 0 <= shifted <= cap else None

    def allowed() -> str:
        if data_codes is not None:
            codes = [c + min_category for c in data_codes]
        else:
            codes = list(range(min_category, (MAX_CODE if top is None else top) + min_category + 1))
        shown = ", ".join(map(str, codes)) if len(codes) <= 12 else f"{codes[0]}..{codes[-1]}"
        return shown + (f"; missing codes {', '.join(missing.codes)}" if missing.codes else "")

    out: dict[str, int | None] = {}
    for key, given in synonyms.items():
        # read as if the cell held the code: a recode of that code applies too
        code = recodes.get(str(given), given)
        if code is None:
            out[key] = None
            continue
        if key in missing.text:
            raise ResponseDataError(
                f"{source}: label {key!r}={code} is a missing code; a label synonym cannot "
                "give a missing code a meaning"
            )
        if not through_labels and category(code) is None and float(code) not in missing.numbers:
            raise ResponseDataError(
                f"{source}: label {key!r}={code}: {code} is not an answer code of item {item!r} "
                f"(allowed: {allowed()})"
            )
        known = inst_labels.get(key)
        if known is not None and known != category(code) and data_codes is not None:
            inst_id = instrument.id if instrument is not None else ""
            raise ResponseDataError(
                f"{source}: label {key!r}={code} conflicts with instrument {inst_id!r}: "
                f"{key!r} is category {known} of item {item!r} (code "
                f"{data_codes[known] + min_category} in the data); leave the label out or "
                "use another text"
            )
        out[key] = code
    for key, to in recodes.items():
        if key in out and out[key] != to:
            raise ResponseDataError(
                f"{source}: item {item!r}: {key!r} is recoded to {_to_text(to)} but the label "
                f"synonym gives {_to_text(out[key])}; give one of them"
            )
        if (
            to is not None
            and not through_labels
            and category(to) is None
            and float(to) not in missing.numbers
        ):
            raise ResponseDataError(
                f"{source}: recode of item {item!r}: {key} -> {to}: {to} is not an answer "
                f"code of the item (allowed: {allowed()}; or 'missing')"
            )
        out[key] = to
    return out


def _warn_unused(
    recodes: Mapping[str, Mapping[str, int | None]],
    synonyms: Mapping[str, int],
    hits: Mapping[str, set[str]],
    source: str,
) -> None:
    """A recode or label that matched no cell of any of its items: a warning naming it."""
    by_value: dict[tuple[str, int | None], list[str]] = {}
    for item, mapping in recodes.items():
        for key, target in mapping.items():
            by_value.setdefault((key, target), []).append(item)
    for (key, target), items in by_value.items():
        if not any(key in hits.get(item, ()) for item in items):
            shown = ", ".join(items[:MAX_LISTED]) + (
                f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
            )
            warnings.warn(
                f"{source}: recode {key}={_to_text(target)} matched no cell of item(s) {shown}; "
                "check the value (recodes apply to the values as written in the file)",
                RecodeWarning,
                stacklevel=3,
            )
    for key, code in synonyms.items():
        if not any(key in found for found in hits.values()):
            warnings.warn(
                f"{source}: label {key!r}={code} matched no cell of any item; check the "
                "spelling (case and spaces are ignored)",
                RecodeWarning,
                stacklevel=3,
            )


# --------------------------------------------------------------------------------------------
# items and columns
# --------------------------------------------------------------------------------------------


def _list_columns(names: Sequence[str], limit: int = 30) -> str:
    shown = ", ".join(repr(c) for c in names[:limit])
    return shown + (f", ... ({len(names)} columns)" if len(names) > limit else "")


def _resolve_items(
    names: list[str],
    *,
    items: Sequence[str] | None,
    instrument: Instrument | None,
    mapping: Mapping[str, str] | None,
    id_column: str | None,
    exclude: set[str],
    source: str,
) -> tuple[list[str], list[str]]:
    """Item ids and the data column of each."""
    present = set(names)
    cmap = {str(k): str(v) for k, v in (mapping or {}).items()}
    inst_ids = list(instrument.item_ids) if instrument is not None else None
    where = f" of instrument {instrument.id!r}" if instrument is not None else ""
    absent = [f"{k}={v}" for k, v in cmap.items() if v not in present]
    if absent:
        raise ResponseDataError(
            f"{source}: the column mapping names column(s) not in the data: "
            f"{', '.join(absent)} (columns: {_list_columns(names)})"
        )
    if id_column is not None and id_column in cmap.values():
        mapped = ", ".join(repr(k) for k, v in cmap.items() if v == id_column)
        raise ResponseDataError(
            f"{source}: the id column {id_column!r} cannot also be an item column (the column "
            f"mapping reads item {mapped} from it)"
        )
    if inst_ids is not None:
        foreign = [k for k in cmap if k not in inst_ids]
        if foreign:
            raise ResponseDataError(
                f"{source}: the column mapping names item(s) that are not items{where}: "
                f"{', '.join(map(repr, foreign))} (items: {', '.join(inst_ids)})"
            )
    targets = list(cmap.values())
    shared = sorted({t for t in targets if targets.count(t) > 1})
    if shared:
        raise ResponseDataError(
            f"{source}: the column mapping reads several items from the same column: "
            + "; ".join(
                f"{t!r} <- {', '.join(k for k, v in cmap.items() if v == t)}" for t in shared
            )
        )
    if items is not None:
        ids = [str(i) for i in items]
        if inst_ids is not None:
            foreign = [i for i in ids if i not in inst_ids]
            if foreign:
                raise ResponseDataError(
                    f"{source}: item(s) not in instrument {instrument.id!r}: "  # type: ignore[union-attr]
                    f"{', '.join(map(repr, foreign))} (items: {', '.join(inst_ids)})"
                )
    elif inst_ids is not None:
        ids = inst_ids
    else:
        skip = exclude | ({id_column} if id_column is not None else set())
        inverse = {v: k for k, v in cmap.items()}
        # every column is an item: one that has a mapped item's name but is read for no item
        # would silently disappear
        left_out = [c for c in names if c in cmap and c not in inverse and c not in skip]
        if left_out:
            raise ResponseDataError(
                f"{source}: the column mapping reads item(s) from other columns, but the data "
                "also have column(s) named after them, which would be left out: "
                + "; ".join(
                    f"item {c!r} <- column {cmap[c]!r} (column {c!r} unused)" for c in left_out
                )
                + ". Without an instrument every column is an item: rename the columns, or "
                "choose the items (items=..., CLI: --items)."
            )
        ids = [inverse.get(c, c) for c in names if c in inverse or c not in skip]
    if not ids:
        raise ResponseDataError(f"{source}: no item columns (columns: {_list_columns(names)})")
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ResponseDataError(f"{source}: item(s) listed twice: {', '.join(twice)}")

    by_norm: dict[str, list[str]] = {}
    for c in names:
        by_norm.setdefault(normalise_label(c), []).append(c)
    chosen: list[str] = []
    not_found: list[str] = []
    ambiguous: list[str] = []
    for i in ids:
        if i in cmap:
            chosen.append(cmap[i])
        elif i in present:
            chosen.append(i)
        else:
            candidates = by_norm.get(normalise_label(i), [])
            if len(candidates) == 1:
                chosen.append(candidates[0])
            elif candidates:
                ambiguous.append(f"{i!r} ({', '.join(map(repr, candidates))})")
            else:
                not_found.append(i)
    if not_found:
        example = not_found[0]
        raise ResponseDataError(
            f"{source}: no column found for {len(not_found)} item(s){where}: "
            f"{', '.join(map(repr, not_found))} (columns: {_list_columns(names)}). Name the "
            f"columns after the items, map them (columns={{{example!r}: 'COLUMN'}}, CLI: --map "
            f"{example}=COLUMN), or choose the items present (items=..., CLI: --items)."
        )
    if ambiguous:
        raise ResponseDataError(
            f"{source}: several columns match item(s) when case and spaces are ignored: "
            f"{'; '.join(ambiguous)}. Map them explicitly (columns=..., CLI: --map ITEM=COLUMN)."
        )
    twice = sorted({c for c in chosen if chosen.count(c) > 1})
    if twice:
        raise ResponseDataError(
            f"{source}: column(s) {', '.join(map(repr, twice))} would be read for more than "
            "one item; map the items explicitly (columns=..., CLI: --map ITEM=COLUMN)."
        )
    if id_column is not None and id_column in chosen:
        raise ResponseDataError(
            f"{source}: the id column {id_column!r} cannot also be an item column"
        )
    return ids, chosen


# --------------------------------------------------------------------------------------------
# coding one column
# --------------------------------------------------------------------------------------------


class _Missing:
    """Missing codes as normalised text and as numbers."""

    def __init__(self, codes: Sequence[object]) -> None:
        self.codes = list(dict.fromkeys(str(c) for c in codes))
        self.text = {normalise_label(c) for c in codes}
        self.numbers: set[float] = set()
        for c in codes:
            if isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, bool):
                self.numbers.add(float(c))
                continue
            text = str(c).strip()
            for dec, pattern in _NUMBER.items():
                if pattern.fullmatch(text):
                    self.numbers.add(float(text.replace(dec, ".")))
                    break


@dataclass(frozen=True)
class _Coded:
    """One coded column: per cell a state and an int16 code; text only for the cells asked.

    The display text and value label are kept per distinct value (``index`` maps cells to
    them), so a million valid cells cost no Python objects.
    """

    state: NDArray[np.int8]  # per cell: _VALID, _EMPTY, _MISSING, _BAD
    codes: NDArray[np.int16]  # per cell: 0-based code where valid, else -1
    index: NDArray[np.intp]  # per cell: distinct value (-1: empty)
    u_display: NDArray[np.object_]  # per distinct value (last entry: empty)
    u_label: NDArray[np.object_]
    bool_display: NDArray[np.object_] | None  # per cell where booleans were taken out
    top: int
    allowed_parts: tuple[str, str]
    any_bad: bool
    any_valid: bool

    def allowed(self) -> str:
        values, missing = self.allowed_parts
        return values + (f"; missing: {missing}" if missing else "") + "; or an empty cell"

    def cells(self, rows: NDArray[np.int64]) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
        """The value as text and its value label, for the cells in ``rows``."""
        display = self.u_display[self.index[rows]]
        label = self.u_label[self.index[rows]]
        if self.bool_display is not None:
            taken = self.bool_display[rows]
            display = np.where(pd.isna(taken), display, taken)
        return display, label


def _code_column(
    series: pd.Series[Any],
    *,
    item: Item | None,
    instrument: Instrument | None,
    value_labels: Mapping[Any, str] | None,
    missing: _Missing,
    min_category: int,
    top: int | None,
    decimal: str,
    subst: Mapping[str, int | None] | None = None,
    hits: set[str] | None = None,
) -> _Coded:
    bool_cells: NDArray[np.bool_] | None = None
    original = series
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in _POSSIBLY_BOOL:
        # factorize would merge True with 1 and False with 0: take booleans out first
        bool_cells = series.map(type).isin([bool, np.bool_]).to_numpy(dtype=bool)
        if bool_cells.any():
            series = series.mask(bool_cells)
        else:
            bool_cells = None
    small = _small_integer_codes(series) if bool_cells is None else None
    if small is not None:
        idx, uvals = small
    else:
        idx, uniques = pd.factorize(series, use_na_sentinel=True)
        uvals = list(np.asarray(uniques, dtype=object))

    labels: dict[str, int] = {}
    codemap: dict[float, int] | None = None
    if item is not None and instrument is not None:
        data_codes = {str(c) for c in item.data_codes}
        labels = {
            k: v for k, v in instrument.label_map(item.id).items() if k not in data_codes
        }  # text labels only; numbers are codes (shifted by min_category)
        if item.codes is not None:  # the instrument's code map: data code -> category
            codemap = {float(c): k for k, c in enumerate(item.codes)}
    vlabels: dict[Any, str] = {}
    through_labels = False
    if value_labels:
        vlabels = {k: str(v) for k, v in value_labels.items()}
        through_labels = bool(labels) and any(
            normalise_label(v) in labels for v in vlabels.values()
        )
    cap = MAX_CODE if top is None else top
    number = _NUMBER[decimal]

    k = len(uvals)
    u_state = np.full(k + 1, _EMPTY, dtype=np.int8)  # last entry: the NA sentinel (idx -1)
    u_code = np.full(k + 1, np.nan)
    u_display = np.empty(k + 1, dtype=object)
    u_display[k] = ""
    u_label = np.full(k + 1, None, dtype=object)
    for u, v in enumerate(uvals):
        if subst:
            state, code, display, label = _substituted(
                v, subst, hits, labels, vlabels, through_labels, missing, min_category, cap,
                number, decimal, codemap,
            )  # fmt: skip
        else:
            state, code, display, label = _classify(
                v, labels, vlabels, through_labels, missing, min_category, cap, number, decimal,
                codemap,
            )  # fmt: skip
        u_state[u], u_code[u], u_display[u], u_label[u] = state, code, display, label
    state_cells = u_state[idx]
    bool_display: NDArray[np.object_] | None = None
    if bool_cells is not None:
        state_cells[bool_cells] = _BAD
        bool_display = np.full(len(series), None, dtype=object)
        bool_display[bool_cells] = original[bool_cells].astype(str).to_numpy(dtype=object)
    u_codes16 = np.where(u_state == _VALID, u_code, -1).astype(np.int16)
    codes = u_codes16[idx]
    if bool_cells is not None:
        codes[bool_cells] = -1
    valid_u = u_state[:k] == _VALID
    if top is None:
        valid_codes = u_code[:k][valid_u]
        top = int(valid_codes.max()) if valid_codes.size else 0
    used = np.zeros(k + 1, dtype=bool)
    used[idx] = True  # idx -1 marks the last entry
    return _Coded(
        state=state_cells,
        codes=codes,
        index=idx,
        u_display=u_display,
        u_label=u_label,
        bool_display=bool_display,
        top=top,
        allowed_parts=_allowed_parts(item, through_labels, min_category, cap, missing),
        any_bad=bool_cells is not None
        and bool(bool_cells.any())
        or bool((u_state == _BAD)[used].any()),
        any_valid=bool((u_state == _VALID)[used].any() and (codes >= 0).any()),
    )


def _small_integer_codes(series: pd.Series[Any]) -> tuple[NDArray[np.intp], list[Any]] | None:
    """``pd.factorize`` for a numeric column of whole numbers in a small range (survey codes):
    a presence table over the range instead of hashing. ``None`` when it does not apply.

    The distinct values come in increasing order (factorize gives order of appearance; nothing
    downstream depends on the order). Whole floats are returned as floats, as factorize would.
    """
    dtype = series.dtype
    if not (pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype)):
        return None
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) or len(series) < 10_000:
        return None
    x = series.to_numpy()
    present = ~np.isnan(x) if x.dtype.kind == "f" else None
    seen = x if present is None else x[present]
    if seen.size == 0:
        return None
    lo, hi = seen.min().item(), seen.max().item()  # Python numbers: no int8 wrap-around
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > 4096 or abs(lo) > 2**52:
        return None
    base = int(lo)
    if x.dtype.kind == "f" and not np.array_equal(seen, np.floor(seen)):
        return None  # decimals: let factorize keep every distinct value
    offset = np.subtract(seen, base, dtype=np.intp, casting="unsafe")
    counts = np.bincount(offset, minlength=int(hi) - base + 1)
    used = np.flatnonzero(counts)
    remap = np.full(counts.size, -1, dtype=np.intp)
    remap[used] = np.arange(used.size, dtype=np.intp)
    if present is None:
        idx = remap[offset]
    else:
        idx = np.full(x.shape[0], -1, dtype=np.intp)
        idx[present] = remap[offset]
    values = used + base
    uvals: list[Any] = [float(v) for v in values] if x.dtype.kind == "f" else values.tolist()
    return idx, uvals


def _classify(
    v: Any,
    labels: Mapping[str, int],
    vlabels: Mapping[Any, str],
    through_labels: bool,
    missing: _Missing,
    min_category: int,
    cap: int,
    number: re.Pattern[str],
    decimal: str,
    codemap: Mapping[float, int] | None = None,
) -> tuple[int, float, str, str | None]:
    """One distinct cell value -> (state, 0-based code, display text, value label).

    ``codemap``: the item's code map (data code -> category), when the instrument gives one.
    """
    num: float | None = None
    text: str | None = None
    display = str(v)
    if v is None or v is pd.NA or v is pd.NaT:
        return _EMPTY, math.nan, "", None
    if isinstance(v, (bool, np.bool_)):
        return _BAD, math.nan, display, None
    if isinstance(v, (int, np.integer)):
        num = float(v)
    elif isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return _EMPTY, math.nan, "", None
        if not math.isfinite(v):
            return _BAD, math.nan, display, None
        num = float(v)
        if num.is_integer() and abs(num) < 2**53:
            display = str(int(num))
    elif isinstance(v, str):
        stripped = v.strip()
        if not stripped:
            return _EMPTY, math.nan, "", None
        if number.fullmatch(stripped):
            num = float(stripped.replace(",", ".") if decimal == "," else stripped)
        else:
            text = normalise_label(stripped)
    else:  # dates, times, other objects are not answers
        return _BAD, math.nan, display, None

    label = vlabels.get(v) if vlabels else None
    if label is None and vlabels and num is not None:
        label = vlabels.get(num)
    if text is not None:
        if text in missing.text:
            return _MISSING, math.nan, display, label
        if text in labels:
            return _VALID, float(labels[text]), display, label
        return _BAD, math.nan, display, label
    if num is None:  # pragma: no cover - every branch above sets num or text
        return _BAD, math.nan, display, label
    if through_labels:
        if label is not None:
            key = normalise_label(label)
            if key in labels:
                return _VALID, float(labels[key]), display, label
            if key in missing.text:
                return _MISSING, math.nan, display, label
            return _BAD, math.nan, display, label
        if num in missing.numbers:
            return _MISSING, math.nan, display, label
        return _BAD, math.nan, display, label
    if num in missing.numbers or (label is not None and normalise_label(label) in missing.text):
        return _MISSING, math.nan, display, label
    code = num - min_category
    if codemap is not None:
        category = codemap.get(code)
        if category is not None:
            return _VALID, float(category), display, label
        return _BAD, math.nan, display, label
    if code.is_integer() and 0 <= code <= cap:
        return _VALID, code, display, label
    return _BAD, math.nan, display, label


def _cell_key(v: Any, number: re.Pattern[str], decimal: str) -> str | None:
    """The key of a cell value among recodes and label synonyms (see :func:`recode_key`)."""
    if v is None or v is pd.NA or v is pd.NaT or isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return str(int(f)) if math.isfinite(f) and f.is_integer() and abs(f) < 2**53 else None
    if isinstance(v, str):
        stripped = v.strip()
        if not stripped:
            return None
        if number.fullmatch(stripped):
            f = float(stripped.replace(",", ".") if decimal == "," else stripped)
            return str(int(f)) if f.is_integer() else None
        return normalise_label(stripped)
    return None


def _substituted(
    v: Any,
    subst: Mapping[str, int | None],
    hits: set[str] | None,
    labels: Mapping[str, int],
    vlabels: Mapping[Any, str],
    through_labels: bool,
    missing: _Missing,
    min_category: int,
    cap: int,
    number: re.Pattern[str],
    decimal: str,
    codemap: Mapping[float, int] | None,
) -> tuple[int, float, str, str | None]:
    """:func:`_classify` after the recodes and label synonyms: a value they name is read as if
    the cell held its target (or is missing); invalid cells show both values."""
    key = _cell_key(v, number, decimal)
    if key is None or key not in subst:
        return _classify(
            v, labels, vlabels, through_labels, missing, min_category, cap, number, decimal,
            codemap,
        )  # fmt: skip
    if hits is not None:
        hits.add(key)
    display = _code_text(v.strip() if isinstance(v, str) else v)
    target = subst[key]
    if target is None:
        return _MISSING, math.nan, display, None
    state, code, _, label = _classify(
        target, labels, vlabels, through_labels, missing, min_category, cap, number, decimal,
        codemap,
    )  # fmt: skip
    return state, code, display if state != _BAD else f"{display} (recoded to {target})", label


def _allowed_parts(
    item: Item | None, through_labels: bool, min_category: int, top: int, missing: _Missing
) -> tuple[str, str]:
    if item is not None:
        if through_labels:
            values = "values labelled " + "; ".join(
                " / ".join(c.labels.values()) for c in item.categories
            )
        else:
            values = "; ".join(
                f"{code + min_category} = {' / '.join(c.labels.values())}"
                for code, c in zip(item.data_codes, item.categories, strict=True)
            )
    else:
        values = f"integers {min_category}..{top + min_category}"
    return values, ", ".join(missing.codes)


def _no_answer_text(column: str, item: str, state: NDArray[np.int8], n: int) -> str:
    name = repr(column) if column == item else f"{column!r} (item {item!r})"
    n_empty = int((state == _EMPTY).sum())
    n_missing = int((state == _MISSING).sum())
    n_bad = int((state == _BAD).sum())
    if n_empty == n:
        return f"{name} is entirely empty ({n} rows)"
    parts = [f"{n_empty} empty"] if n_empty else []
    if n_missing:
        parts.append(f"{n_missing} missing code{'s' if n_missing != 1 else ''}")
    if n_bad:
        parts.append(f"{n_bad} invalid (set missing)")
    return f"{name} has no valid answer ({', '.join(parts)})"


_WHOLE = re.compile(r"\s*[+-]?\d+(?:[.,]0*)?\s*", re.ASCII)


def _code_like(
    bad_cols: Sequence[NDArray[np.int64]],
    bad_vals: Sequence[NDArray[np.object_]],
    columns: Sequence[str],
    n: int,
    values: NDArray[np.int16],
) -> list[tuple[str, int, list[str], int]]:
    """Per column with invalid cells that look like answer codes (whole numbers): the column,
    how many such cells, their distinct values (a few) and the column's valid answers."""
    found: list[tuple[str, int, list[str], int]] = []
    for cols, vals in zip(bad_cols, bad_vals, strict=True):
        j = int(cols[0])
        texts = [str(v) for v in vals if _WHOLE.fullmatch(str(v))]
        if texts:
            shown = sorted(set(texts), key=lambda t: float(t.replace(",", ".")))[:5]
            found.append((columns[j], len(texts), shown, int((values[:, j] >= 0).sum())))
    return found


def _format_problems(
    source: str,
    cells: Sequence[InvalidCell],
    total: int,
    code_like: Sequence[tuple[str, int, list[str], int]] = (),
    code_maps: Mapping[str, tuple[int, ...]] | None = None,
) -> str:
    head = f"{source}: {total} invalid cell{'s' if total != 1 else ''}"
    if total > MAX_LISTED:
        head += f" (the first {MAX_LISTED} are listed)"
    lines = [f"  {c.describe()}" for c in cells[:MAX_LISTED]]
    if not code_like:
        tail = (
            "\nFix the cells, declare the values as missing codes, or treat invalid cells as "
            "missing (invalid='missing', CLI: --invalid missing)."
        )
        return head + ":\n" + "\n".join(lines) + tail
    n_like = sum(count for _, count, _, _ in code_like)
    per_column = "; ".join(
        f"{column!r}: {count} cell{'s' if count != 1 else ''} coded "
        f"{', '.join(shown)} ({count / (count + valid):.0%} of its answers)"
        for column, count, shown, valid in code_like
    )
    mapped = [(c, (code_maps or {})[c]) for c, _, _, _ in code_like if c in (code_maps or {})]
    if mapped:
        per_column += "; " + "; ".join(
            f"{column!r} reads its answers through the instrument's code map "
            f"{', '.join(map(str, codes))} (data recoded to 0..{len(codes) - 1} must be "
            f"written back as {', '.join(map(str, codes))})"
            for column, codes in mapped
        )
    tail = (
        f"\n{n_like} of these cells hold whole numbers that look like answers in another "
        f"coding ({per_column}), not typing errors: are the answers coded otherwise than "
        "the allowed values (lowest code: min_category=..., CLI: --min-category; points such "
        "as 0/2/4: a code map in the instrument, codes = [0, 2, 4])? Treating invalid cells "
        "as missing (invalid='missing', CLI: --invalid missing) would discard all of these "
        "answers, and the results would describe the remaining answers only; do that only "
        "when the values are known to be errors. Otherwise fix the cells or declare the "
        "values as missing codes."
    )
    return head + ":\n" + "\n".join(lines) + tail


# --------------------------------------------------------------------------------------------
# persons
# --------------------------------------------------------------------------------------------


def _empty_cells(series: pd.Series[Any]) -> NDArray[np.bool_]:
    empty = series.isna().to_numpy(dtype=bool, copy=True)
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        text = series.astype("string").str.strip()
        empty |= (text == "").fillna(True).to_numpy(dtype=bool)
    return empty


def _blank_rows(
    frame: pd.DataFrame, items_empty: NDArray[np.bool_], *, exclude_columns: Sequence[str]
) -> NDArray[np.bool_]:
    """Rows in which every cell (items and all other columns) is empty."""
    blank = items_empty.copy()
    candidates = np.flatnonzero(blank)
    if candidates.size:
        others = [c for c in frame.columns if c not in set(exclude_columns)]
        sub = frame.iloc[candidates]
        keep = np.ones(candidates.size, dtype=bool)
        for c in others:
            keep &= _empty_cells(sub[c])
        blank[candidates[~keep]] = False
    return blank


def _person_ids(
    series: pd.Series[Any],
) -> tuple[NDArray[np.object_], NDArray[np.bool_]]:
    """Ids as text (whole numbers without '.0') and a mask of blank ids."""
    n = len(series)
    out = np.full(n, "", dtype=object)
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
            return np.asarray(series.astype(str).tolist(), dtype=object), np.zeros(n, bool)
        arr = series.to_numpy(dtype=np.float64, na_value=np.nan)
        blank = np.isnan(arr)
        whole = ~blank & np.isfinite(arr) & (np.abs(arr) < 2**53)
        whole &= np.floor(np.where(whole, arr, 0.0)) == np.where(whole, arr, 0.0)
        out[whole] = arr[whole].astype(np.int64).astype(str).tolist()
        other = ~blank & ~whole
        if other.any():
            out[other] = [repr(float(x)) for x in arr[other]]
        return out, blank
    text = series.astype("string").str.strip()
    blank = (text.isna() | (text == "")).fillna(True).to_numpy(dtype=bool)
    out[:] = text.fillna("").to_numpy(dtype=object)
    return out, blank


def _rows_text(rows: Sequence[int]) -> str:
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = [str(r) for r in rows[:5]]
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    if more:
        return f"rows {', '.join(shown)}{more}"
    return f"rows {', '.join(shown[:-1])} and {shown[-1]}"


def _check_ids(
    ids: NDArray[np.object_],
    id_blank: NDArray[np.bool_],
    blank_rows: NDArray[np.bool_],
    rows: NDArray[np.int64],
    frame: pd.DataFrame,
    id_column: str,
    source: str,
) -> None:
    missing_id = id_blank & ~blank_rows
    if missing_id.any():
        where = (
            _rows_text(rows[missing_id].tolist())
            if missing_id.sum() <= 5
            else (
                "rows "
                + ", ".join(str(r) for r in rows[missing_id][:MAX_LISTED].tolist())
                + (" ..." if missing_id.sum() > MAX_LISTED else "")
            )
        )
        raise ResponseDataError(
            f"{source}: id column {id_column!r} is blank in {int(missing_id.sum())} row(s) with "
            f"data: {where}. Every person needs an id; fill them in, or leave out the id "
            "column (id_column=None, CLI: no --id-column) to number persons by row."
        )
    counted = ~blank_rows
    ids_s = pd.Series(ids[counted], dtype=object)  # hashing the str objects: no Arrow copy
    dup = ids_s.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    positions = np.flatnonzero(counted)[dup]
    groups = pd.Series(positions).groupby(ids_s[dup].to_numpy(), sort=False).agg(list)
    shown = []
    for pid, pos in list(groups.items())[:MAX_LISTED]:
        text = f"{pid!r} ({_rows_text(rows[pos].tolist())}"
        sub = frame.iloc[pos]
        if len(sub.drop_duplicates()) == 1:
            text += ", identical rows: exported twice?"
        shown.append(text + ")")
    more = f"; and {len(groups) - MAX_LISTED} more" if len(groups) > MAX_LISTED else ""
    raise ResponseDataError(
        f"{source}: {len(groups)} person id(s) appear more than once in column {id_column!r}: "
        f"{'; '.join(shown)}{more}. Each person must appear once: remove the duplicated rows "
        "or fix the ids."
    )
