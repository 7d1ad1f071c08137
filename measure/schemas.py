"""Every table ``measure`` writes, declared once: columns, types, meanings and units.

A :class:`Schema` lists a table's columns in their written order. Each :class:`Column` has a
name, a type (``"text"``, ``"int"``, ``"float"``, ``"bool"``), a meaning and a unit. Columns
that are present only sometimes belong to a named optional :class:`Part` (the rating-scale
``tau`` of the thresholds, the reporting-unit columns of persons); user columns whose names
come from the data (``--keep``/``--group`` columns) have one :class:`Slot`.

The library builds its tables in these orders (:meth:`Schema.order`, :meth:`Schema.check`),
the CLI writes them, the tests compare the real tables with them, and the column tables of
``docs/input-and-output.md`` and ``README.md`` are generated from them (:func:`fill_docs`,
run by ``python docs/make_tables.py``).

Examples
--------
>>> from measure.schemas import PERSONS, THRESHOLDS
>>> PERSONS.names()[:4]
('person', 'row', 'status', 'n_answered')
>>> THRESHOLDS.names("rsm")
('item', 'category', 'threshold', 'se', 'anchored', 'tau', 'tau_se')
>>> PERSONS.names("unit", variable=["municipality"])[:3]
('person', 'municipality', 'row')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import pandas as pd

from measure.exceptions import MeasureError
from measure.status import PersonStatus

__all__ = [
    "Column",
    "Part",
    "Slot",
    "Schema",
    "SchemaError",
    "DType",
    "ITEMS",
    "THRESHOLDS",
    "PERSONS",
    "SCORE_TABLE",
    "ANCHORS",
    "DIF",
    "DIF_CSV",
    "DIF_GROUPS",
    "COMPARE_GROUPS",
    "COMPARE_GROUP_CHANGE",
    "COMPARE_INDIVIDUAL_CHANGE",
    "COMPARE_DECISION_PERSONS",
    "COMPARE_SHARES",
    "COMPARE_SHARE_CHANGE",
    "SHORTFORM",
    "SELECTED",
    "CAT_PERSONS",
    "SCHEMAS",
    "COMMAND_TABLES",
    "RESERVED_PERSON_COLUMNS",
    "check_kept_names",
    "markdown_table",
    "markdown_files",
    "fill_docs",
]

#: the type of a declared column (text, whole number, real number, yes/no)
DType = Literal["text", "int", "float", "bool"]
_DTYPES: tuple[str, ...] = get_args(DType)


class SchemaError(MeasureError, ValueError):
    """A table's columns or types disagree with its declared schema."""


@dataclass(frozen=True)
class Column:
    """One column: its name, type, meaning and unit.

    ``part`` is empty for a column that is always present, otherwise the name of the optional
    :class:`Part` it belongs to. ``values`` lists the allowed texts of a coded text column
    (a missing value or ``""`` is always allowed where the meaning says so).
    """

    name: str
    dtype: DType
    meaning: str
    unit: str = ""
    part: str = ""
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise ValueError(f"column name {self.name!r} is not a snake_case identifier")
        if self.dtype not in _DTYPES:
            raise ValueError(f"column {self.name!r}: dtype {self.dtype!r} is not one of {_DTYPES}")


@dataclass(frozen=True)
class Part:
    """A named group of optional columns that are present together, and when."""

    name: str
    when: str


@dataclass(frozen=True)
class Slot:
    """Where user columns (names from the data) go: right after the column ``after``."""

    after: str
    label: str
    meaning: str


@dataclass(frozen=True)
class Schema:
    """A table: its name, what a row is, and its columns in written order.

    ``columns`` holds every declared column in its place, those of optional parts included;
    :meth:`names` picks the ones present. ``file`` is the table's name in the output folder
    (``persons`` -> ``persons.csv``) when a command writes it; ``library`` names where the
    library returns it.
    """

    name: str
    one_row_per: str
    columns: tuple[Column, ...]
    parts: tuple[Part, ...] = ()
    slot: Slot | None = None
    file: str | None = None
    library: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"schema {self.name!r}: duplicate columns {dup}")
        declared = {p.name for p in self.parts}
        for c in self.columns:
            if c.part and c.part not in declared:
                raise ValueError(f"schema {self.name!r}: column {c.name!r} has unknown part")
        if self.slot is not None and self.slot.after not in self.base_names():
            raise ValueError(f"schema {self.name!r}: slot after unknown column")

    # ------------------------------------------------------------------ names
    def base_names(self) -> tuple[str, ...]:
        """The columns that are always present, in order."""
        return tuple(c.name for c in self.columns if not c.part)

    def all_names(self) -> frozenset[str]:
        """Every declared column name (base and optional)."""
        return frozenset(c.name for c in self.columns)

    def part_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parts)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}: no column {name!r} (columns: {', '.join(self.all_names())})")

    def part_columns(self, part: str) -> tuple[str, ...]:
        self._check_parts([part])
        return tuple(c.name for c in self.columns if c.part == part)

    def names(self, *parts: str, variable: Sequence[str] = ()) -> tuple[str, ...]:
        """Column names in written order: the base columns, those of ``parts``, and the user
        columns ``variable`` at the slot.

        >>> SCORE_TABLE.names()
        ('raw_score', 'wle', 'wle_se', 'mle', 'mle_se')
        """
        self._check_parts(parts)
        variable = [str(v) for v in variable]
        if variable and self.slot is None:
            raise ValueError(f"{self.name}: this table has no user columns")
        out: list[str] = []
        for c in self.columns:
            if not c.part or c.part in parts:
                out.append(c.name)
            if self.slot is not None and c.name == self.slot.after:
                out.extend(variable)
        return tuple(out)

    def names_after(self, column: str, *parts: str) -> tuple[str, ...]:
        """The names after ``column`` (base and ``parts``), e.g. the columns that follow the
        user's grouping columns.

        >>> COMPARE_GROUPS.names_after("occasion")[:3]
        ('n', 'n_excluded', 'mean')
        """
        names = self.names(*parts)
        if column not in names:
            raise KeyError(f"{self.name}: no column {column!r}")
        return names[names.index(column) + 1 :]

    def dtypes(self, *parts: str) -> dict[str, DType]:
        """Declared type of every column of the base and ``parts``, in order."""
        return {n: self.column(n).dtype for n in self.names(*parts)}

    def _check_parts(self, parts: Iterable[str]) -> None:
        known = self.part_names()
        unknown = [p for p in parts if p not in known]
        if unknown:
            raise ValueError(
                f"{self.name}: unknown part(s) {', '.join(map(repr, unknown))} "
                f"(parts: {', '.join(known) or 'none'})"
            )

    # ------------------------------------------------------------------ checks
    def infer(self, columns: Iterable[object]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(parts, user columns) of a table with these columns: a part is present when any of
        its columns is; the user columns are the undeclared ones, in their order."""
        cols = [str(c) for c in columns]
        present = set(cols)
        parts = tuple(
            p.name for p in self.parts if any(n in present for n in self.part_columns(p.name))
        )
        declared = self.all_names()
        return parts, tuple(c for c in cols if c not in declared)

    def _expected(
        self, df: pd.DataFrame, parts: Iterable[str] | None, variable: Sequence[str] | None
    ) -> tuple[str, ...]:
        got_parts, got_var = self.infer(df.columns)
        use_parts = got_parts if parts is None else tuple(parts)
        use_var = got_var if variable is None else tuple(str(v) for v in variable)
        if use_var and self.slot is None:
            raise SchemaError(
                f"{self.name}: undeclared column(s) {', '.join(map(repr, use_var))} "
                f"(declared: {', '.join(c.name for c in self.columns)})"
            )
        return self.names(*use_parts, variable=use_var)

    def order(
        self,
        df: pd.DataFrame,
        *,
        parts: Iterable[str] | None = None,
        variable: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """``df`` with its columns in the declared order (no copy when already in order).

        ``parts`` (default: inferred from the columns present) and ``variable`` (default: the
        undeclared columns, in their order, put at the slot). Raises :class:`SchemaError` when
        a column is missing or undeclared.
        """
        expected = self._expected(df, parts, variable)
        have = [str(c) for c in df.columns]
        missing = [c for c in expected if c not in have]
        extra = [c for c in have if c not in expected]
        if missing or extra:
            raise SchemaError(self._mismatch(have, expected))
        if have == list(expected):
            return df
        return df.loc[:, list(expected)]

    def check(
        self,
        df: pd.DataFrame,
        *,
        parts: Iterable[str] | None = None,
        variable: Sequence[str] | None = None,
        values: bool = True,
    ) -> pd.DataFrame:
        """``df`` unchanged if its columns are the declared ones, in order, with the declared
        types (and, with ``values``, coded texts among the allowed values); else
        :class:`SchemaError` naming every difference.
        """
        expected = self._expected(df, parts, variable)
        have = [str(c) for c in df.columns]
        if have != list(expected):
            raise SchemaError(self._mismatch(have, expected))
        problems = []
        declared = self.all_names()
        for name in have:
            if name not in declared:
                continue
            col = self.column(name)
            series = df[name]
            if not _dtype_ok(series, col.dtype):
                problems.append(f"{name!r} is {series.dtype}, expected {col.dtype}")
            elif values and col.values:
                seen = {str(v) for v in pd.unique(series.dropna())}
                bad = sorted(seen - set(col.values) - {""})
                if bad:
                    problems.append(
                        f"{name!r} has value(s) {', '.join(map(repr, bad[:5]))} "
                        f"(allowed: {', '.join(col.values)})"
                    )
        if problems:
            raise SchemaError(f"{self.name}: " + "; ".join(problems))
        return df

    def _mismatch(self, have: Sequence[str], expected: Sequence[str]) -> str:
        missing = [c for c in expected if c not in have]
        extra = [c for c in have if c not in expected]
        parts = [f"{self.name}: columns differ from the schema"]
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if extra:
            parts.append(f"undeclared {', '.join(extra)}")
        if not missing and not extra:
            parts.append("order " + ", ".join(have) + "; expected " + ", ".join(expected))
        return "; ".join(parts)

    def frame(
        self,
        data: Mapping[str, Any],
        *parts: str,
        variable: Sequence[str] = (),
    ) -> pd.DataFrame:
        """A table from column arrays, in the declared order, checked.

        ``data`` must hold exactly the columns of the base, ``parts`` and ``variable``
        (any order); raises :class:`SchemaError` otherwise, or when a type disagrees.

        >>> SCORE_TABLE.frame({"wle": [0.0], "raw_score": [1], "wle_se": [1.0], "mle": [0.0],
        ...                    "mle_se": [1.1]}).columns.tolist()[:2]
        ['raw_score', 'wle']
        """
        names = self.names(*parts, variable=variable)
        missing = [n for n in names if n not in data]
        extra = [str(k) for k in data if k not in names]
        if missing or extra:
            raise SchemaError(
                f"{self.name}: "
                + "; ".join(
                    ([f"missing {', '.join(missing)}"] if missing else [])
                    + ([f"undeclared {', '.join(extra)}"] if extra else [])
                )
            )
        df = pd.DataFrame({n: data[n] for n in names})
        return self.check(df, parts=parts, variable=variable, values=False)

    def empty(self, *parts: str, variable: Sequence[str] = ()) -> pd.DataFrame:
        """A table without rows, with the declared columns and types (user columns as text)."""
        names = self.names(*parts, variable=variable)
        declared = self.all_names()
        return pd.DataFrame(
            {
                n: pd.Series([], dtype=_EMPTY[self.column(n).dtype if n in declared else "text"])
                for n in names
            }
        )

    def subset(
        self, name: str, columns: Sequence[str], *, file: str | None = None, library: str = ""
    ) -> Schema:
        """A schema of some of these columns (same declarations, the given order)."""
        chosen = tuple(self.column(c) for c in columns)
        used = {c.part for c in chosen if c.part}
        return Schema(
            name=name,
            one_row_per=self.one_row_per,
            columns=chosen,
            parts=tuple(p for p in self.parts if p.name in used),
            slot=self.slot if self.slot is not None and self.slot.after in columns else None,
            file=file,
            library=library,
            description=self.description,
        )


_EMPTY: dict[str, str] = {"text": "object", "int": "int64", "float": "float64", "bool": "bool"}


def _dtype_ok(series: pd.Series[Any], kind: str) -> bool:
    api = pd.api.types
    dtype = series.dtype
    if kind == "text":
        return bool(api.is_string_dtype(dtype) or api.is_object_dtype(dtype)) and not bool(
            isinstance(dtype, pd.CategoricalDtype)
        )
    if kind == "int":
        return bool(api.is_integer_dtype(dtype)) and not bool(api.is_bool_dtype(dtype))
    if kind == "float":
        return bool(api.is_float_dtype(dtype))
    return bool(api.is_bool_dtype(dtype))


# ============================================================================= the tables
LOGITS = "logits"
UNIT = "reporting unit"
AS_COMPARED = "as compared"  # the unit of the compared measure column: logits or the unit
PROB = "probability"
PERSONS_N = "persons"
ANSWERS = "answers"
POINTS = "score points"


def _c(
    name: str,
    dtype: DType,
    meaning: str,
    unit: str = "",
    *,
    part: str = "",
    values: Sequence[str] = (),
) -> Column:
    return Column(name, dtype, meaning, unit, part, tuple(values))


_FIT = (
    _c("infit_msq", "float", "infit mean square (information weighted; expected 1)"),
    _c(
        "infit_zstd",
        "float",
        "infit standardised by Wilson-Hilferty as eRm (the SD of the mean square not capped; "
        "Winsteps caps it, so values differ for strongly overfitting items); expected 0",
    ),
    _c("outfit_msq", "float", "outfit mean square (unweighted; expected 1)"),
    _c(
        "outfit_zstd",
        "float",
        "outfit standardised by Wilson-Hilferty as eRm (the SD of the mean square not capped; "
        "Winsteps caps it, so values differ for strongly overfitting items); expected 0",
    ),
)

_CONDITIONAL = "given the raw score within the person's missing-data pattern"
_COND_FIT = (
    _c(
        "cond_outfit_msq",
        "float",
        "conditional outfit: mean of squared residuals standardised by the expectation and "
        f"variance of the item score {_CONDITIONAL} (no person measures; extreme scores left "
        "out; Christensen & Kreiner 2013, as iarm out_infit)",
        part="conditional",
    ),
    _c("cond_outfit_se", "float", "standard error of cond_outfit_msq", part="conditional"),
    _c("cond_outfit_z", "float", "(cond_outfit_msq - 1) / cond_outfit_se", part="conditional"),
    _c(
        "cond_outfit_p",
        "float",
        "two-sided normal p-value of cond_outfit_z",
        PROB,
        part="conditional",
    ),
    _c(
        "cond_infit_msq",
        "float",
        f"conditional infit: sum of squared residuals / sum of variances, {_CONDITIONAL}",
        part="conditional",
    ),
    _c("cond_infit_se", "float", "standard error of cond_infit_msq", part="conditional"),
    _c("cond_infit_z", "float", "(cond_infit_msq - 1) / cond_infit_se", part="conditional"),
    _c(
        "cond_infit_p",
        "float",
        "two-sided normal p-value of cond_infit_z",
        PROB,
        part="conditional",
    ),
)

ITEMS = Schema(
    name="items",
    file="items",
    library="Calibration.items",
    one_row_per="item",
    description="Item locations and fit; can be passed back as anchors.",
    columns=(
        _c("item", "text", "item id (the instrument's, or the data column's name)"),
        _c("n", "int", "persons who answered the item", ANSWERS),
        _c(
            "n_fit",
            "int",
            "answers that enter the fit statistics (persons with a non-extreme score)",
            ANSWERS,
        ),
        _c(
            "location",
            "float",
            "item location: mean of the item's thresholds; higher = harder to endorse",
            LOGITS,
        ),
        _c("se", "float", "standard error of the location (0 when anchored)", LOGITS),
        *_FIT,
        _c("pt_measure_corr", "float", "point-measure correlation of the item score"),
        *_COND_FIT,
        _c(
            "cond_outfit_lower",
            "float",
            "2.5th percentile of cond_outfit_msq in data simulated from the fitted model",
            part="simulated",
        ),
        _c(
            "cond_outfit_upper",
            "float",
            "97.5th percentile of cond_outfit_msq in data simulated from the fitted model",
            part="simulated",
        ),
        _c(
            "cond_infit_lower",
            "float",
            "2.5th percentile of cond_infit_msq in data simulated from the fitted model",
            part="simulated",
        ),
        _c(
            "cond_infit_upper",
            "float",
            "97.5th percentile of cond_infit_msq in data simulated from the fitted model",
            part="simulated",
        ),
        _c(
            "cond_fit_verdict",
            "text",
            "underfit (a conditional mean square above its simulated interval), overfit "
            "(below), or ok",
            part="simulated",
            values=("ok", "underfit", "overfit"),
        ),
        _c("max_category", "int", "top category m (categories 0..m)"),
        _c("anchored", "bool", "the item's thresholds were fixed (anchors), not estimated"),
    ),
    parts=(
        Part(
            "conditional",
            "calibrate (conditional item fit, computed from the item parameters and raw scores)",
        ),
        Part(
            "simulated", "calibrate --diagnostics --bootstrap B (cut-offs simulated from the model)"
        ),
    ),
)

THRESHOLDS = Schema(
    name="thresholds",
    file="thresholds",
    library="Calibration.thresholds",
    one_row_per="item and category 1..m",
    description="Andrich thresholds of every item.",
    parts=(Part("rsm", "the rating scale model (rsm)"),),
    columns=(
        _c("item", "text", "item id"),
        _c("category", "int", "category k (1..m)"),
        _c(
            "threshold",
            "float",
            "threshold k: where categories k-1 and k are equally likely",
            LOGITS,
        ),
        _c("se", "float", "standard error of the threshold (0 when anchored)", LOGITS),
        _c("anchored", "bool", "the threshold was fixed (anchor), not estimated"),
        _c(
            "tau",
            "float",
            "the shared rating-scale step k: threshold minus the item location",
            LOGITS,
            part="rsm",
        ),
        _c("tau_se", "float", "standard error of tau", LOGITS, part="rsm"),
    ),
)

_STATUS = tuple(s.value for s in PersonStatus)

PERSONS = Schema(
    name="persons",
    file="persons",
    library="Calibration.persons, Scoring.persons",
    one_row_per="input row, in input order",
    description="Every data row of the input, with its status and measure.",
    parts=(
        Part("set_aside", "scoring with anchors set aside for drift (measure score)"),
        Part("link", "a link onto a reference scale (Link.apply)"),
        Part("unit", "a reporting unit"),
        Part("link_unit", "a link and a reporting unit"),
    ),
    slot=Slot(
        after="person",
        label="kept columns",
        meaning="the --group, --dif and --keep data columns, unchanged (keep=...)",
    ),
    columns=(
        _c("person", "text", "person id: the id column's value, or 1, 2, ... by row"),
        _c("row", "int", "row in the file (spreadsheet numbering: the header is row 1)"),
        _c("status", "text", "why the person has (or has not) a measure", values=_STATUS),
        _c("n_answered", "int", "items answered", ANSWERS),
        _c("raw_score", "int", "sum of the answered items' codes", POINTS),
        _c("max_score", "int", "highest possible raw score on the answered items", POINTS),
        _c(
            "measure",
            "float",
            "the person measure: the WLE (or the MLE with estimator 'mle'); empty without one",
            LOGITS,
        ),
        _c("se", "float", "standard error of the measure", LOGITS),
        _c("ci_lower", "float", "lower end of the 95% interval of the measure", LOGITS),
        _c("ci_upper", "float", "upper end of the 95% interval of the measure", LOGITS),
        _c("wle", "float", "Warm's weighted likelihood estimate", LOGITS),
        _c("wle_se", "float", "standard error of the WLE", LOGITS),
        _c("mle", "float", "maximum-likelihood estimate (empty at extreme scores)", LOGITS),
        _c("mle_se", "float", "standard error of the MLE", LOGITS),
        *(_c(c.name, c.dtype, c.meaning + "; empty at extreme scores", c.unit) for c in _FIT),
        _c("reason", "text", "why a measure is missing or extreme, in words (empty when ok)"),
        _c(
            "answers_set_aside",
            "int",
            "the person's answers to items whose anchors drifted and were set aside: not in the "
            "measure (n_answered and raw_score count the items used)",
            ANSWERS,
            part="set_aside",
        ),
        _c(
            "link_se",
            "float",
            "standard error of the link, shared by every linked measure",
            LOGITS,
            part="link",
        ),
        _c("measure_unit", "float", "intercept + slope * measure", UNIT, part="unit"),
        _c("se_unit", "float", "|slope| * se", UNIT, part="unit"),
        _c(
            "ci_lower_unit", "float", "lower end of the 95% interval in the unit", UNIT, part="unit"
        ),
        _c(
            "ci_upper_unit", "float", "upper end of the 95% interval in the unit", UNIT, part="unit"
        ),
        _c("link_se_unit", "float", "|slope| * link_se", UNIT, part="link_unit"),
    ),
)

#: names that kept data columns (``keep=``, ``--keep``, ``--group``, ``--dif``) must not use
RESERVED_PERSON_COLUMNS: frozenset[str] = PERSONS.all_names()

SCORE_TABLE = Schema(
    name="score_table",
    file="score_table",
    library="Calibration.score_table(), ReferenceScale.score_table(), Scoring.score_table()",
    one_row_per="raw score 0..max on the item set",
    description="Raw score to measure for the complete item set (or a chosen subset).",
    parts=(Part("unit", "a reporting unit"),),
    columns=(
        _c("raw_score", "int", "raw score", POINTS),
        _c("wle", "float", "Warm's weighted likelihood estimate for the score", LOGITS),
        _c("wle_se", "float", "standard error of the WLE", LOGITS),
        _c("mle", "float", "maximum-likelihood estimate (empty at the extreme scores)", LOGITS),
        _c("mle_se", "float", "standard error of the MLE", LOGITS),
        _c("wle_unit", "float", "intercept + slope * wle", UNIT, part="unit"),
        _c("wle_se_unit", "float", "|slope| * wle_se", UNIT, part="unit"),
        _c("mle_unit", "float", "intercept + slope * mle", UNIT, part="unit"),
        _c("mle_se_unit", "float", "|slope| * mle_se", UNIT, part="unit"),
    ),
)

ANCHORS = Schema(
    name="anchors",
    file="anchors",
    library="Scoring.anchor_drift",
    one_row_per="scored item",
    description="Do the reference's anchors still hold in the new data (displacement, drift)?",
    columns=(
        _c("item", "text", "item id"),
        _c(
            "displacement",
            "float",
            "shift of the item that the new data would give it (positive: harder in the new "
            "data), by conditional ML with the other items at their anchors",
            LOGITS,
        ),
        _c(
            "se",
            "float",
            "standard error of the displacement: sqrt(se_new^2 + se_reference^2)",
            LOGITS,
        ),
        _c("z", "float", "displacement / se"),
        _c("drift", "bool", "|displacement| > the drift tolerance and |z| > 1.96"),
        _c(
            "used",
            "bool",
            "the anchor entered the measures (false: set aside because it drifted; its "
            "displacement is the one that set it aside)",
        ),
        _c("se_new", "float", "standard error from the new data alone", LOGITS),
        _c("se_reference", "float", "the reference's SE of the item location", LOGITS),
        _c("n", "int", "persons who answered the item", ANSWERS),
        _c("n_informative", "int", "answers from persons with a non-extreme score", ANSWERS),
        _c("anchor_location", "float", "the item location on the reference", LOGITS),
        _c("new_location", "float", "anchor_location + displacement", LOGITS),
        *(_c(c.name, c.dtype, c.meaning + " at the anchors", c.unit) for c in _FIT),
        _c("pt_measure_corr", "float", "point-measure correlation at the anchors"),
        _c("reason", "text", "why there is no displacement (empty when there is one)"),
    ),
)

_ETS = ("A", "B", "C")

DIF = Schema(
    name="dif_table",
    library="DIFResult.table, dif_table()",
    one_row_per="item and focal group",
    description="DIF by separate CML calibrations per group, and Mantel-Haenszel.",
    columns=(
        _c("item", "text", "item id"),
        _c("group", "text", "the focal group"),
        _c("reference", "text", "the reference group (default: the largest)"),
        _c("n_group", "int", "persons of the focal group who answered the item", PERSONS_N),
        _c("n_reference", "int", "persons of the reference group who answered the item", PERSONS_N),
        _c("location_group", "float", "item location in the focal group's own calibration", LOGITS),
        _c(
            "location_reference",
            "float",
            "item location in the reference group's own calibration",
            LOGITS,
        ),
        _c(
            "contrast",
            "float",
            "DIF contrast: focal minus reference location, scales aligned on the anchor items "
            "(positive: harder for the focal group)",
            LOGITS,
        ),
        _c("se", "float", "standard error of the contrast", LOGITS),
        _c("z", "float", "contrast / se"),
        _c("p", "float", "two-sided p-value of z", PROB),
        _c("ets_class", "text", "ETS class (empty when not estimable)", values=_ETS),
        _c("anchor", "bool", "the item was an anchor in the final (purified) alignment"),
        _c("mh_logit", "float", "Mantel-Haenszel ln alpha (dichotomous items only)", LOGITS),
        _c("mh_se", "float", "standard error of mh_logit (Robins-Breslow-Greenland)", LOGITS),
        _c("mh_chi2", "float", "Mantel-Haenszel chi-square (continuity corrected)"),
        _c("mh_p", "float", "p-value of mh_chi2", PROB),
        _c("mh_class", "text", "ETS class of mh_logit (dichotomous items only)", values=_ETS),
        _c(
            "partial_gamma",
            "float",
            "partial gamma of the item score and group membership (focal = 1, reference = 0) "
            "over strata of the total score within the missing-data pattern (Davis 1967; "
            "Bjorner et al. 1998): positive = the focal group scores higher on the item than "
            "reference persons with the same total score (easier for the focal group)",
        ),
        _c("partial_gamma_se", "float", "asymptotic standard error of partial_gamma"),
        _c("partial_gamma_p", "float", "two-sided p-value of partial_gamma / se", PROB),
        _c("note", "text", "why a contrast is missing (empty when there is one)"),
    ),
)

DIF_CSV = DIF.subset(
    "dif",
    (
        "item",
        "group",
        "reference",
        "contrast",
        "se",
        "z",
        "p",
        "ets_class",
        "anchor",
        "mh_logit",
        "mh_se",
        "mh_p",
        "mh_class",
        "partial_gamma",
        "partial_gamma_se",
        "partial_gamma_p",
    ),
    file="dif",
    library="measure.cli.report.dif_csv_table()",
)

RESTSCORE = Schema(
    name="restscore",
    file="restscore",
    library="ItemAnalysis.restscore, measure.diagnostics.restscore_association()",
    one_row_per="item",
    description="Item-restscore association: observed and expected Goodman-Kruskal gamma "
    "(Kreiner 2011; as iarm item_restscore).",
    columns=(
        _c("item", "text", "item id"),
        _c(
            "gamma_observed",
            "float",
            "Goodman-Kruskal gamma of the item score and the rest score (total minus the item; "
            "stratified by missing-data pattern when answers are missing)",
        ),
        _c(
            "gamma_expected",
            "float",
            "the gamma expected under the model: from N(R = s + x) P(X = x | R = s + x)",
        ),
        _c("se", "float", "asymptotic standard error of gamma_observed"),
        _c("z", "float", "(gamma_observed - gamma_expected) / se"),
        _c("p", "float", "two-sided normal p-value of z", PROB),
        _c("p_adjusted", "float", "p adjusted by Benjamini-Hochberg over the items", PROB),
    ),
)

LOCAL_DEPENDENCE = Schema(
    name="local_dependence",
    file="local_dependence",
    library="ItemAnalysis.local_dependence",
    one_row_per="ordered item pair (item1, item2)",
    description="Local dependence: Yen's Q3 and the partial gamma of item1 and item2 given the "
    "total score minus item2 (Christensen, Kreiner & Mesbah 2013; as iarm partgam_LD).",
    columns=(
        _c("item1", "text", "first item of the pair"),
        _c("item2", "text", "second item: the strata are the total score minus this item"),
        _c("q3", "float", "Yen's Q3: correlation of the two items' residuals (symmetric)"),
        _c(
            "q3_star",
            "float",
            "Q3 minus the mean of all Q3 (Christensen, Makransky & Horton 2017)",
        ),
        _c(
            "partial_gamma",
            "float",
            "partial gamma of item1 and item2 over strata of the total score minus item2 "
            "(within the missing-data pattern); positive = dependence beyond the trait",
        ),
        _c("partial_gamma_se", "float", "asymptotic standard error of partial_gamma"),
        _c("partial_gamma_p", "float", "two-sided p-value of partial_gamma / se", PROB),
        _c(
            "flagged",
            "bool",
            "locally dependent by the rule in summary.json: Q3* above its cut-off (simulated "
            "when --bootstrap is given), or a positive partial gamma of at least 0.21 with a "
            "Benjamini-Hochberg adjusted p below alpha",
        ),
    ),
)

CATEGORIES = Schema(
    name="categories",
    file="categories",
    library="measure.diagnostics.category_table()",
    one_row_per="item and category",
    description="Category functioning (Linacre 2002).",
    columns=(
        _c("item", "text", "item id"),
        _c("category", "int", "category code (0..m)"),
        _c("count", "int", "answers in the category", ANSWERS),
        _c("percent", "float", "percent of the item's answers"),
        _c("avg_measure", "float", "mean measure of the persons who chose the category", LOGITS),
        _c("outfit_msq", "float", "outfit of the answers in the category"),
        _c("threshold", "float", "Andrich threshold into the category (NaN for 0)", LOGITS),
        _c("threshold_se", "float", "standard error of the threshold", LOGITS),
        _c("advance", "float", "threshold minus the previous threshold", LOGITS),
        _c("advance_se", "float", "standard error of the advance", LOGITS),
        _c("low_count", "bool", "fewer answers than the rule's minimum"),
        _c("measure_disordered", "bool", "average measure not above the previous category's"),
        _c("threshold_disordered", "bool", "threshold below the previous one"),
        _c("small_advance", "bool", "advance below the rule's minimum (informational)"),
        _c("large_advance", "bool", "advance at or above the rule's maximum (informational)"),
        _c("high_outfit", "bool", "category outfit above the rule's maximum"),
    ),
)

DIMENSIONALITY = Schema(
    name="dimensionality",
    file="dimensionality",
    library="ItemAnalysis.dimensionality",
    one_row_per="component of the residual PCA",
    description="Principal components of the standardised residuals (contrasts).",
    columns=(
        _c("component", "int", "contrast number (1 = first contrast)"),
        _c("eigenvalue", "float", "eigenvalue (in items' strength; the total is the items)"),
        _c("percent", "float", "percent of the residual variance"),
        _c(
            "cutoff",
            "float",
            "component 1: the eigenvalue above which it is flagged (the simulated percentile "
            "with --bootstrap, else the rule of thumb); empty for the others",
        ),
        _c("flagged", "bool", "component 1 above its cut-off"),
    ),
)

DIF_GROUPS = Schema(
    name="dif_groups",
    library="DIFResult.groups",
    one_row_per="group",
    columns=(
        _c("group", "text", "group label"),
        _c("n_persons", "int", "persons in the group", PERSONS_N),
        _c("n_informative", "int", "persons with a non-extreme score", PERSONS_N),
        _c("note", "text", "why the group could not be calibrated (empty when it could)"),
    ),
)

# ----------------------------------------------------------------------------- compare
_BY = "the --group columns (by=...), one row per combination"
_MEAN_STATS = (
    _c("n", "int", "persons with a finite measure and SE", PERSONS_N),
    _c("n_excluded", "int", "persons left out (no finite measure or SE)", PERSONS_N),
    _c("mean", "float", "mean measure", AS_COMPARED),
    _c("sd", "float", "standard deviation of the measures", AS_COMPARED),
    _c(
        "se",
        "float",
        "standard error of the mean: sampling, measurement and link error",
        AS_COMPARED,
    ),
    _c("se_sampling", "float", "sampling part of the SE", AS_COMPARED),
    _c("se_measurement", "float", "measurement part of the SE", AS_COMPARED),
    _c("se_link", "float", "link part of the SE (0 without link_se)", AS_COMPARED),
    _c("df", "float", "degrees of freedom of the t interval (n - 1)"),
    _c("ci_lower", "float", "lower end of the interval of the mean", AS_COMPARED),
    _c("ci_upper", "float", "upper end of the interval of the mean", AS_COMPARED),
)

_WEIGHTED = Part("weighted", "survey weights (--weight)")
_KISH = (
    _c(
        "n_effective",
        "float",
        "Kish's effective sample size (sum w)^2 / sum w^2 (n without weights)",
        PERSONS_N,
        part="weighted",
    ),
    _c(
        "design_effect",
        "float",
        "Kish's design effect of the weights, n / n_effective (1 without weights)",
        part="weighted",
    ),
)

COMPARE_GROUPS = Schema(
    name="groups",
    file="groups",
    library="Comparison.groups",
    one_row_per="occasion and group",
    description="Group means per occasion with intervals.",
    parts=(_WEIGHTED,),
    slot=Slot(after="occasion", label="group columns", meaning=_BY),
    columns=(_c("occasion", "text", "occasion label"), *_MEAN_STATS, *_KISH),
)

COMPARE_GROUP_CHANGE = Schema(
    name="group_change",
    file="group_change",
    library="Comparison.group_change",
    one_row_per="pair of consecutive occasions and group",
    description="Change of the group means between consecutive occasions.",
    slot=Slot(after="to_occasion", label="group columns", meaning=_BY),
    columns=(
        _c("from_occasion", "text", "the earlier occasion"),
        _c("to_occasion", "text", "the later occasion"),
        _c("n_pre", "int", "persons measured on the earlier occasion", PERSONS_N),
        _c("n_post", "int", "persons measured on the later occasion (paired: of those)", PERSONS_N),
        _c("n_pairs", "int", "persons measured on both (paired; 0 when independent)", PERSONS_N),
        _c("mean_pre", "float", "mean on the earlier occasion", AS_COMPARED),
        _c("mean_post", "float", "mean on the later occasion", AS_COMPARED),
        _c(
            "change", "float", "mean_post - mean_pre (paired: mean of the differences)", AS_COMPARED
        ),
        _c("se", "float", "standard error of the change", AS_COMPARED),
        _c("se_link", "float", "link part of the SE", AS_COMPARED),
        _c("df", "float", "degrees of freedom (paired: n_pairs - 1; else Welch)"),
        _c("ci_lower", "float", "lower end of the interval of the change", AS_COMPARED),
        _c("ci_upper", "float", "upper end of the interval of the change", AS_COMPARED),
        _c("p_value", "float", "two-sided p-value of no change", PROB),
    ),
)

COMPARE_INDIVIDUAL_CHANGE = Schema(
    name="individual_change",
    file="individual_change",
    library="Comparison.individual_change (paired)",
    one_row_per="person of either occasion and pair of consecutive occasions",
    description="Change of each person, with its SE and a reliable-change flag.",
    slot=Slot(
        after="person",
        label="group columns",
        meaning="the --group columns, from the earlier occasion",
    ),
    columns=(
        _c("from_occasion", "text", "the earlier occasion"),
        _c("to_occasion", "text", "the later occasion"),
        _c("person", "text", "person id"),
        _c("measure_pre", "float", "measure on the earlier occasion", AS_COMPARED),
        _c("se_pre", "float", "its standard error", AS_COMPARED),
        _c("measure_post", "float", "measure on the later occasion", AS_COMPARED),
        _c("se_post", "float", "its standard error", AS_COMPARED),
        _c("change", "float", "measure_post - measure_pre", AS_COMPARED),
        _c("se", "float", "sqrt(se_pre^2 + se_post^2 + link errors)", AS_COMPARED),
        _c("ci_lower", "float", "lower end of the interval of the change", AS_COMPARED),
        _c("ci_upper", "float", "upper end of the interval of the change", AS_COMPARED),
        _c("z", "float", "change / se"),
        _c("reliable_change", "bool", "|change| > q * se (q = 1.96 at 95%)"),
        _c(
            "direction",
            "text",
            "increase, decrease or no reliable change (empty without both measures)",
            values=("increase", "decrease", "no reliable change"),
        ),
        _c(
            "status",
            "text",
            "ok, only_pre, only_post or no_measure",
            values=("ok", "only_pre", "only_post", "no_measure"),
        ),
    ),
)

COMPARE_DECISION_PERSONS = Schema(
    name="decision_persons",
    file="decision_persons",
    library="Comparison.decision_persons, DecisionRisk.persons",
    one_row_per="person and occasion",
    description="Probability of each person being above (below) the threshold.",
    parts=(
        Part("above", "direction 'above' (the default)"),
        Part("below", "direction 'below' (--below)"),
    ),
    slot=Slot(after="person", label="group columns", meaning=_BY),
    columns=(
        _c("occasion", "text", "occasion label"),
        _c("person", "text", "person id (1, 2, ... by row without an id column)"),
        _c("measure", "float", "the person's measure", AS_COMPARED),
        _c("se", "float", "its standard error", AS_COMPARED),
        _c("link_se", "float", "link error (0 without one)", AS_COMPARED),
        _c(
            "p_above",
            "float",
            "probability that the true value is above the threshold",
            PROB,
            part="above",
        ),
        _c(
            "p_below",
            "float",
            "probability that the true value is below the threshold",
            PROB,
            part="below",
        ),
        _c(
            "decision",
            "text",
            "the side of the threshold the measure is on (empty without a measure)",
            values=("above", "not above", "below", "not below"),
        ),
        _c("risk", "float", "probability that this decision is wrong", PROB),
    ),
)

COMPARE_SHARES = Schema(
    name="shares",
    file="shares",
    library="Comparison.shares, shares(), DecisionRisk.groups",
    one_row_per="occasion and group",
    description="Share of each group whose true value lies beyond the threshold (the contract "
    "figure: `share` with its interval; the last three share columns are secondary).",
    slot=Slot(after="occasion", label="group columns", meaning=_BY),
    columns=(
        _c("occasion", "text", "occasion label"),
        _c("threshold", "float", "the threshold", AS_COMPARED),
        _c(
            "direction",
            "text",
            "the share counts true values above or below the threshold",
            values=("above", "below"),
        ),
        _c("n", "int", "persons with a finite measure and SE", PERSONS_N),
        _c("n_excluded", "int", "persons left out (no finite measure or SE)", PERSONS_N),
        _c(
            "share",
            "float",
            "the recommended estimate: share beyond the threshold of a normal distribution of "
            "true values, mean and variance from the measures with measurement error taken out "
            "(estimator latent_normal)",
            PROB,
        ),
        _c(
            "se",
            "float",
            "standard error of share: sampling, measurement and link error (linearisation)",
            PROB,
        ),
        _c("se_link", "float", "link part of the SE (0 without link_se)", PROB),
        _c("ci_lower", "float", "lower end of the interval of share (logit scale)", PROB),
        _c("ci_upper", "float", "upper end of the interval of share (logit scale)", PROB),
        _c("estimator", "text", "the estimator of share", values=("latent_normal",)),
        _c("mean_true", "float", "mean of the true values (of the measures)", AS_COMPARED),
        _c(
            "sd_true",
            "float",
            "SD of the true values, sqrt(var(measures) - mean SE^2)",
            AS_COMPARED,
        ),
        _c(
            "skewness_true",
            "float",
            "skewness of the true values (third moment of the measures / sd_true^3); "
            "latent_normal assumes about 0",
        ),
        _c(
            "n_effective",
            "float",
            "Kish's effective sample size (sum w)^2 / sum w^2 (n without weights)",
            PERSONS_N,
        ),
        _c("design_effect", "float", "Kish's design effect n / n_effective (1 without weights)"),
        _c(
            "share_flat_prior",
            "float",
            "secondary, biased towards 50%: mean of each person's probability given their "
            "own measure alone (FIES, Pendrill 2014)",
            PROB,
        ),
        _c(
            "share_point_estimates",
            "float",
            "secondary, biased by measurement error: share of measures beyond the threshold",
            PROB,
        ),
        _c(
            "note",
            "text",
            "why there is no share, or a caution about a tail share of skewed true values "
            "(empty otherwise)",
        ),
    ),
)

COMPARE_SHARE_CHANGE = Schema(
    name="share_change",
    file="share_change",
    library="Comparison.share_change, share_change()",
    one_row_per="pair of consecutive occasions and group",
    description="Change in the share beyond the threshold between consecutive occasions.",
    slot=Slot(after="to_occasion", label="group columns", meaning=_BY),
    columns=(
        _c("from_occasion", "text", "the earlier occasion"),
        _c("to_occasion", "text", "the later occasion"),
        _c(
            "design",
            "text",
            "paired: the same persons, matched by id (--paired); independent samples otherwise",
            values=("paired", "independent"),
        ),
        _c("n_pre", "int", "persons with a measure on the earlier occasion", PERSONS_N),
        _c("n_post", "int", "persons with a measure on the later occasion", PERSONS_N),
        _c("n_pairs", "int", "persons measured on both (paired; 0 when independent)", PERSONS_N),
        _c("share_pre", "float", "share on the earlier occasion (as in shares.csv)", PROB),
        _c("share_post", "float", "share on the later occasion (as in shares.csv)", PROB),
        _c("change", "float", "share_post - share_pre", PROB),
        _c(
            "se",
            "float",
            "standard error of the change: sampling, measurement and link error",
            PROB,
        ),
        _c("se_link", "float", "link part of the SE", PROB),
        _c("ci_lower", "float", "lower end of the interval of the change", PROB),
        _c("ci_upper", "float", "upper end of the interval of the change", PROB),
        _c("p_value", "float", "two-sided p-value of no change", PROB),
        _c("estimator", "text", "the estimator of the shares", values=("latent_normal",)),
    ),
)

# ----------------------------------------------------------------------------- few questions
SHORTFORM = Schema(
    name="shortform",
    file="shortform",
    library="measure.shorten(...).forms",
    one_row_per="form length k = 1..I (the number of items in the reference)",
    description="The best form of every length (maximin test information over the target, "
    "by mixed-integer programming) and what it loses against the full form. A length the "
    "constraints make impossible has empty cells.",
    columns=(
        _c("k", "int", "number of items in the form"),
        _c("items", "text", "the form's items, ';'-separated, in the reference's order"),
        _c(
            "min_information",
            "float",
            "smallest test information over the target grid (at the threshold for a threshold)",
            "1 / logits^2",
        ),
        _c("mean_se", "float", "mean SE of the WLE in the reference population (exact)", LOGITS),
        _c(
            "reliability",
            "float",
            "(var(WLE) - mean SE^2) / var(WLE) in the reference population (exact)",
        ),
        _c("se_at_threshold", "float", "1 / sqrt(information at the threshold)", LOGITS),
        _c(
            "correlation_full",
            "float",
            "correlation of the form's WLE with the full form's (real answers with --data, "
            "else persons simulated from the reference population)",
        ),
        _c(
            "agreement_at_threshold",
            "float",
            "share of persons on the same side of the threshold on the form and the full form",
            PROB,
        ),
        _c("optimal", "bool", "the solver proved the form optimal (within its time limit)"),
    ),
)

SELECTED = Schema(
    name="selected",
    file="selected",
    library="measure.shorten(...).selected",
    one_row_per="item of the chosen short form",
    columns=(
        _c("item", "text", "item id"),
        _c("location", "float", "item location on the reference (mean threshold)", LOGITS),
        _c("max_category", "int", "top category (after any collapsing)"),
        _c("information", "float", "mean item information over the target grid", "1 / logits^2"),
        _c(
            "min_information",
            "float",
            "smallest item information over the target grid",
            "1 / logits^2",
        ),
        _c("domain", "text", "the item's domain (empty without domains)"),
    ),
)

CAT_PERSONS = Schema(
    name="cat_persons",
    file="cat_persons",
    library="measure.simulate_adaptive(...).persons",
    one_row_per="simulated person or replayed respondent",
    description="Adaptive administration of the reference's items, stopped at the target SE "
    "or the item limit.",
    parts=(
        Part("simulated", "persons simulated from the reference population"),
        Part("real", "real answers replayed (--data)"),
    ),
    columns=(
        _c("person", "text", "person id (1, 2, ... for simulated persons)"),
        _c("theta", "float", "the simulated person's true measure", LOGITS, part="simulated"),
        _c("full_measure", "float", "WLE on every item the person answered", LOGITS, part="real"),
        _c("full_se", "float", "standard error of full_measure", LOGITS, part="real"),
        _c("n_items", "int", "items administered"),
        _c("measure", "float", "the adaptive test's final estimate", LOGITS),
        _c("se", "float", "its standard error", LOGITS),
        _c("reached_target", "bool", "se <= the stopping SE"),
        _c("items_used", "text", "items in the order given, ';'-separated"),
    ),
)

#: every declared table, by name
SCHEMAS: dict[str, Schema] = {
    s.name: s
    for s in (
        ITEMS,
        THRESHOLDS,
        PERSONS,
        SCORE_TABLE,
        ANCHORS,
        DIF,
        DIF_CSV,
        DIF_GROUPS,
        RESTSCORE,
        LOCAL_DEPENDENCE,
        CATEGORIES,
        DIMENSIONALITY,
        COMPARE_GROUPS,
        COMPARE_GROUP_CHANGE,
        COMPARE_INDIVIDUAL_CHANGE,
        COMPARE_DECISION_PERSONS,
        COMPARE_SHARES,
        COMPARE_SHARE_CHANGE,
        SHORTFORM,
        SELECTED,
        CAT_PERSONS,
    )
}

#: the tables each command writes, in the order it writes them (optional ones included)
COMMAND_TABLES: dict[str, tuple[Schema, ...]] = {
    "calibrate": (
        ITEMS,
        THRESHOLDS,
        PERSONS,
        SCORE_TABLE,
        DIF_CSV,
        RESTSCORE,
        LOCAL_DEPENDENCE,
        CATEGORIES,
        DIMENSIONALITY,
    ),
    "score": (PERSONS, ANCHORS, SCORE_TABLE),
    "compare": (
        COMPARE_GROUPS,
        COMPARE_GROUP_CHANGE,
        COMPARE_INDIVIDUAL_CHANGE,
        COMPARE_DECISION_PERSONS,
        COMPARE_SHARES,
        COMPARE_SHARE_CHANGE,
    ),
    "shorten": (SHORTFORM, SELECTED),
    "cat-simulate": (CAT_PERSONS,),
}


def check_kept_names(kept: Iterable[str], *, what: str = "keep column(s)") -> None:
    """Raise ValueError when a kept data column has the name of a persons column."""
    clash = [str(c) for c in kept if str(c) in RESERVED_PERSON_COLUMNS]
    if clash:
        raise ValueError(
            f"{what} {', '.join(map(repr, clash))} have the name of a persons column; "
            "rename them in the data"
        )


# ============================================================================= documentation
def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(schema: Schema) -> str:
    """The column table of ``schema`` as Markdown (column, type, unit, meaning)."""
    lines = [
        f"One row per {schema.one_row_per}."
        + (f" {schema.description}" if schema.description else "")
        + (f" Library: `{schema.library}`." if schema.library else ""),
        "",
        "| column | type | unit | meaning |",
        "|---|---|---|---|",
    ]
    when = {p.name: p.when for p in schema.parts}
    for c in schema.columns:
        meaning = c.meaning
        if c.values:
            meaning += "; values " + ", ".join(f"`{v}`" for v in c.values)
        if c.part:
            meaning = f"*only with {when[c.part]}:* {meaning}"
        lines.append(f"| `{c.name}` | {c.dtype} | {c.unit} | {_cell(meaning)} |")
        if schema.slot is not None and c.name == schema.slot.after:
            lines.append(
                f"| *{schema.slot.label}* | as in the data | | {_cell(schema.slot.meaning)} |"
            )
    return "\n".join(lines)


def markdown_files(command: str) -> str:
    """The overview table of the files a command writes (file, one row per, columns)."""
    lines = ["| file | one row per | columns |", "|---|---|---|"]
    for s in COMMAND_TABLES[command]:
        cols = ", ".join(f"`{n}`" for n in s.names())
        if s.slot is not None:
            cols = cols.replace(f"`{s.slot.after}`", f"`{s.slot.after}`, *{s.slot.label}*", 1)
        for p in s.parts:
            extra = ", ".join(f"`{n}`" for n in s.part_columns(p.name))
            cols += f"; with {p.when}: + {extra}"
        lines.append(f"| `{s.file}.csv` | {s.one_row_per} | {_cell(cols)} |")
    lines.append(
        "| `summary.json` | — | key figures, counts, settings and warnings (strict JSON) |"
    )
    return "\n".join(lines)


_MARKER = re.compile(
    r"(<!-- schema:(?P<key>[a-z_:]+) -->\n)(?P<body>.*?)(<!-- /schema:(?P=key) -->)", re.S
)


def _render(key: str) -> str:
    if key.startswith("files:"):
        return markdown_files(key.split(":", 1)[1])
    if key not in SCHEMAS:
        raise KeyError(f"unknown schema marker {key!r} (schemas: {', '.join(SCHEMAS)})")
    return markdown_table(SCHEMAS[key])


def fill_docs(text: str) -> str:
    """``text`` with every ``<!-- schema:KEY -->`` ... ``<!-- /schema:KEY -->`` block
    regenerated: KEY is a schema name (its column table) or ``files:COMMAND`` (the overview
    of a command's files)."""
    return _MARKER.sub(lambda m: m.group(1) + _render(m.group("key")) + "\n" + m.group(4), text)
