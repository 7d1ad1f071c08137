"""Calibrate from counts: exact conditional ML on sufficient statistics counted elsewhere.

Conditional ML needs the data only through two tables of counts, so the pass over the persons
can run on any engine that can ``GROUP BY`` (DuckDB reading Parquet out of core, PostgreSQL,
Spark SQL, ...) and only the counts, whose size does not grow with the number of persons, come
to Python:

``score_counts`` (one row per missing-data pattern and raw score)
    ``pattern``: which items the persons answered, a string of ``'0'``/``'1'`` flags in item
    order (``'1101'``: items 1, 2 and 4 answered); ``raw_score``: the sum of the answers;
    ``n``: the number of persons. Every person is counted, including persons at the minimum
    (0) or maximum of their own pattern and persons who answered nothing (pattern all zeros):
    they do not enter the estimation but give ``n`` and the status counts.

``category_counts`` (one row per item and category)
    ``item``, ``category`` (the coded answer ``0..m_i``) and ``n``, counting **only persons
    whose raw score is neither 0 nor the maximum of their own pattern** (the informative
    persons). The query must apply this filter; categories without rows count 0.

Rows with the same key are added, so the counts of several files or partitions can simply be
concatenated. :func:`count_sql` writes both queries. The answers must be coded ``0..m_i``
(recode, reverse-key and set missing codes to NULL in the query or a view first).

The statistics are the ones :func:`measure.calibrate` counts from an in-memory matrix, and the
same estimator runs on them, so the results agree to the solver's tolerance (tested against
``calibrate(method="cml")`` to 1e-6 with DuckDB on Parquet). Item and person fit need the
persons' answers and are not available from counts; person measures come from
:func:`measure.score` against :meth:`CountsCalibration.to_reference`, chunk by chunk.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NoReturn

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure._estimation import cml
from measure._estimation.cml import SolverOptions
from measure._estimation.design import Anchors, parse_anchors
from measure._types import MODELS, ModelName
from measure.exceptions import NullCategoryError, ResponseDataError
from measure.models import check_model
from measure.pipeline import estimate
from measure.reference import ReferenceScale, UnitSpec, reference_from_thresholds
from measure.results import item_tables
from measure.status import PersonStatus
from measure.summary import Summary, short_repr

__all__ = ["CountsCalibration", "calibrate_counts", "count_sql"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: top category of every item: one number for all, or item -> top category
MaxCategory = int | Mapping[str, int]

#: located problems listed in a message (the rest are counted)
MAX_LISTED = 5


# ----------------------------------------------------------------------------- SQL


def count_sql(
    table: str,
    items: Sequence[str],
    max_category: MaxCategory,
    *,
    quote: str = '"',
) -> tuple[str, str]:
    """The two counting queries, as portable SQL, for a table with one column per item.

    Parameters
    ----------
    table : what goes after ``FROM``: a table or view name, or an expression such as
        ``read_parquet('answers/*.parquet')`` (DuckDB). Inserted verbatim.
    items : the item columns, in the order of the ``pattern`` flags. Each holds the coded
        answer ``0..m_i`` as a number, NULL when missing.
    max_category : top category ``m_i``: one number for every item, or item -> top category.
    quote : identifier quote: ``'"'`` (standard SQL: DuckDB, PostgreSQL, Spark with
        ``spark.sql.ansi.doubleQuotedIdentifiers``) or ``'`'`` (Spark SQL, MySQL).

    Returns
    -------
    (score_sql, category_sql) : the queries for ``score_counts`` (pattern, raw_score, n) and
        ``category_counts`` (item, category, n; informative persons only), the inputs of
        :func:`calibrate_counts`. Each reads the table once.

    Examples
    --------
    >>> score_sql, category_sql = count_sql("answers", ["q1", "q2"], 3)
    >>> print(score_sql)  # doctest: +NORMALIZE_WHITESPACE
    SELECT pattern, raw_score, COUNT(*) AS n
    FROM (
      SELECT
        (CASE WHEN "q1" IS NULL THEN '0' ELSE '1' END)
        || (CASE WHEN "q2" IS NULL THEN '0' ELSE '1' END) AS pattern,
        COALESCE("q1", 0) + COALESCE("q2", 0) AS raw_score
      FROM answers
    ) AS scored
    GROUP BY pattern, raw_score
    ORDER BY pattern, raw_score
    """
    if quote not in ('"', "`"):
        raise ValueError(f"quote={quote!r} is not one of '\"', '`'")
    names = _item_names(items)
    tops = _max_categories(names, max_category)

    def ident(name: str) -> str:
        return quote + name.replace(quote, quote + quote) + quote

    def literal(name: str) -> str:
        return "'" + name.replace("'", "''") + "'"

    cols = [ident(it) for it in names]
    pattern = "\n    || ".join(f"(CASE WHEN {c} IS NULL THEN '0' ELSE '1' END)" for c in cols)
    raw = " + ".join(f"COALESCE({c}, 0)" for c in cols)
    top = " + ".join(
        f"(CASE WHEN {c} IS NULL THEN 0 ELSE {int(m)} END)" for c, m in zip(cols, tops, strict=True)
    )
    score_sql = (
        "SELECT pattern, raw_score, COUNT(*) AS n\n"
        "FROM (\n"
        "  SELECT\n"
        f"    {pattern} AS pattern,\n"
        f"    {raw} AS raw_score\n"
        f"  FROM {table}\n"
        ") AS scored\n"
        "GROUP BY pattern, raw_score\n"
        "ORDER BY pattern, raw_score"
    )
    # unpivot the informative persons' answers with a cross join (one scan of the table)
    keys = ", ".join(f"({literal(it)})" for it in names)
    pick = "\n      ".join(
        f"WHEN {literal(it)} THEN s.{c}" for it, c in zip(names, cols, strict=True)
    )
    category_sql = (
        "SELECT item, category, COUNT(*) AS n\n"
        "FROM (\n"
        "  SELECT k.item AS item, CASE k.item\n"
        f"      {pick}\n"
        "    END AS category\n"
        "  FROM (\n"
        f"    SELECT {', '.join(cols)}\n"
        "    FROM (\n"
        f"      SELECT {', '.join(cols)},\n"
        f"        {raw} AS raw_score,\n"
        f"        {top} AS max_score\n"
        f"      FROM {table}\n"
        "    ) AS scored\n"
        "    WHERE raw_score > 0 AND raw_score < max_score\n"
        "  ) AS s\n"
        f"  CROSS JOIN (VALUES {keys}) AS k(item)\n"
        ") AS answers\n"
        "WHERE category IS NOT NULL\n"
        "GROUP BY item, category\n"
        "ORDER BY item, category"
    )
    return score_sql, category_sql


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True, repr=False)
class CountsCalibration:
    """Result of :func:`calibrate_counts`. Immutable; tables are keyed by the item ids.

    Attributes
    ----------
    model : "rasch", "rsm" or "pcm".
    items : one row per item: item, n (persons who answered it), location, se, max_category,
        anchored (the columns of ``Calibration.items`` that counts determine).
    thresholds : one row per item and category 1..m: item, category, threshold, se, anchored;
        for rsm also tau and tau_se (the columns of ``Calibration.thresholds``).
    loglik : conditional log-likelihood at the estimates.
    iterations, gradient_norm : of the Newton solver (it raises when it does not converge).
    n_persons : persons counted in ``score_counts``.
    n_informative : persons whose raw score is neither 0 nor the maximum of their pattern.
    n_patterns : missing-data patterns with at least one answered item.
    status_counts : persons by status (ok, extreme_min, extreme_max, too_few_answers,
        no_answers), as ``Calibration.status_counts()`` with ``min_answered=1``.
    """

    model: str
    items: pd.DataFrame
    thresholds: pd.DataFrame
    loglik: float
    iterations: int
    gradient_norm: float
    n_persons: int
    n_informative: int
    n_patterns: int
    status_counts: dict[str, int]
    threshold_matrix: FloatArray = field(repr=False)
    threshold_cov: FloatArray = field(repr=False)
    max_category: IntArray = field(repr=False)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(self.items["item"].tolist())

    def __repr__(self) -> str:
        return short_repr(
            self,
            model=self.model,
            n_persons=self.n_persons,
            n_items=len(self.items),
            loglik=round(float(self.loglik), 4),
        )

    def summary(self) -> Summary:
        """Key figures (as ``Calibration.summary()``, for what counts determine)."""
        return Summary(
            "calibration from counts",
            {
                "model": self.model,
                "method": "CML",
                "method_detail": "conditional maximum likelihood from counts (calibrate_counts)",
                "n_persons": self.n_persons,
                "n_informative": self.n_informative,
                "n_items": len(self.items),
                "n_missing_patterns": self.n_patterns,
                "loglik": float(self.loglik),
                "iterations": int(self.iterations),
                "gradient_norm": float(self.gradient_norm),
                "status_counts": dict(self.status_counts),
            },
        )

    def to_reference(
        self,
        *,
        instrument_id: str | None = None,
        instrument_version: str | None = None,
        reporting_unit: UnitSpec = None,
        created: str | None = None,
    ) -> ReferenceScale:
        """Freeze the estimates as a reference scale, for :func:`measure.score`.

        Built by :func:`measure.reference.reference_from_thresholds` from :attr:`thresholds`,
        then given the item location SEs and the sample's size and status counts, so that
        scoring allows for the sampling error of the anchors as it does for a reference from
        :func:`measure.calibrate` (drift SEs, adjusted likelihood-ratio test). The sample's
        person distribution is unknown from counts: the reporting unit ``"mean50_sd10"`` is
        not available (``"0-100"`` and a ``ReportingUnit`` are).
        """
        ref = reference_from_thresholds(
            self.thresholds[["item", "category", "threshold", "se"]],
            model=self.model,
            instrument_id=instrument_id,
            instrument_version=instrument_version,
            reporting_unit=reporting_unit,
            source="calibrate_counts (conditional ML from counts)",
            created=created,
        )
        se = dict(zip(self.items["item"], self.items["se"], strict=True))
        items = ref.items.assign(se=[float(se[i]) for i in ref.items["item"]])
        return dataclasses.replace(
            ref,
            items=items,
            sample={"n_persons": self.n_persons, "status_counts": dict(self.status_counts)},
            calibration={
                "method": "CML",
                "method_detail": "cml from counts (calibrate_counts)",
                "loglik": float(self.loglik),
                "iterations": int(self.iterations),
                "converged": True,
                "n_missing_patterns": int(self.n_patterns),
                "anchored_items": [
                    str(i)
                    for i, a in zip(self.items["item"], self.items["anchored"], strict=True)
                    if a
                ],
            },
        )


# ----------------------------------------------------------------------------- calibration


def calibrate_counts(
    score_counts: pd.DataFrame,
    category_counts: pd.DataFrame,
    *,
    items: Sequence[str],
    max_category: MaxCategory,
    model: ModelName = "pcm",
    anchors: Anchors | None = None,
    solver: SolverOptions | None = None,
) -> CountsCalibration:
    """Calibrate items by exact conditional ML from counts made elsewhere (e.g. by SQL).

    The model and estimator are those of :func:`measure.calibrate` (``method="cml"``)::

        P(X_vi = x | theta_v) ∝ exp( sum_{k=1..x} (theta_v - delta_ik) ),  x = 0..m_i

    The conditional log-likelihood given each person's raw score r on the answered items S is

        log L = sum_i sum_x n_ix * (-sum_{k<=x} delta_ik) - sum_(S,r) n_Sr * log gamma_r(S)

    with ``n_ix`` the ``category_counts`` and ``n_Sr`` the ``score_counts`` of the informative
    persons and ``gamma_r(S)`` the elementary symmetric functions of the items in S (Andersen
    1972; Fischer & Molenaar 1995, ch. 3 and 19). These counts are all it needs; persons at 0
    or at the maximum of their pattern drop out. Identification: mean item location 0, unless
    anchors are given.

    Parameters
    ----------
    score_counts : table with columns pattern (string of '0'/'1' flags in the order of
        ``items``), raw_score, n: every person, one row per (pattern, raw score).
    category_counts : table with columns item, category, n: answers of the informative persons
        only (raw score neither 0 nor the maximum of their pattern), by item and category.
    items : item ids, in the order of the pattern flags.
    max_category : top category ``m_i`` (answers are coded 0..m_i): one number for every item,
        or item -> top category.
    model : "rasch", "rsm" or "pcm".
    anchors : fixed thresholds, as in :func:`measure.calibrate`.
    solver : :class:`SolverOptions`.

    Returns
    -------
    CountsCalibration

    Raises
    ------
    ResponseDataError
        A column is missing, a value is not a whole number in range (the message names the
        table, column and rows), or the two tables do not fit together (per item, the category
        counts must add up to the informative persons who answered it, and the answers to the
        informative persons' raw scores: what an unfiltered ``category_counts`` breaks).
    NullCategoryError
        A category has no informative answers (merge it with a neighbour in the query).
    ConvergenceError
        As :func:`measure.calibrate`.

    Examples
    --------
    >>> import measure
    >>> from measure.counts import calibrate_counts
    >>> scores = pd.DataFrame({"pattern": ["11", "11", "11"], "raw_score": [0, 1, 2],
    ...                        "n": [20, 50, 30]})
    >>> cats = pd.DataFrame({"item": ["a", "a", "b", "b"], "category": [0, 1, 0, 1],
    ...                      "n": [30, 20, 20, 30]})
    >>> cal = calibrate_counts(scores, cats, items=["a", "b"], max_category=1, model="rasch")
    >>> round(float(cal.items["location"].iloc[1] - cal.items["location"].iloc[0]), 4)
    -0.4055

    ``measure.calibrate`` on the 100 persons' answers gives the same (item b is easier by
    ``log(30/20)``; eRm: ``RM(X)``).
    """
    if model not in MODELS:
        raise ValueError(f"model={model!r} is not one of {', '.join(map(repr, MODELS))}")
    solver = solver or SolverOptions()
    names = _item_names(items)
    max_cat = _max_categories(names, max_category)
    check_model(model, names, max_cat, "counts")
    masks, raw, n, pattern_of_row = _read_score_counts(score_counts, names, max_cat)
    cat_counts = _read_category_counts(category_counts, names, max_cat)

    tops = masks.astype(np.int64) @ max_cat  # (G,) largest raw score of every pattern
    answered: NDArray[np.bool_] = np.any(masks, axis=1)
    row_top = tops[pattern_of_row]
    row_answered = answered[pattern_of_row]
    informative = row_answered & (raw > 0) & (raw < row_top)
    _check_consistency(names, masks, pattern_of_row, raw, n, informative, cat_counts)
    _check_null_categories(names, max_cat, cat_counts)

    rtot = int(max_cat.sum())
    by_score = np.zeros((len(masks), rtot + 1))
    np.add.at(by_score, (pattern_of_row[informative], raw[informative]), n[informative])
    patterns = tuple(
        cml.Pattern(
            items=np.flatnonzero(masks[g]).astype(np.int64),
            score_counts=by_score[g, : int(tops[g]) + 1].copy(),
        )
        for g in range(len(masks))
        if by_score[g].sum() > 0
    )
    n_informative = int(n[informative].sum())
    stats = cml.SufficientStats(
        max_cat=max_cat,
        patterns=patterns,
        category_counts=cat_counts.astype(float),
        n_informative=n_informative,
    )
    anchor_values = parse_anchors(anchors, names, max_cat, model) if anchors is not None else {}
    item = estimate(stats, max_cat, names, model, anchor_values, solver=solver)

    n_item = (masks[pattern_of_row] * n[:, None]).sum(axis=0).astype(np.int64)
    status = {s.value: 0 for s in PersonStatus}
    status[PersonStatus.NO_ANSWERS.value] = int(n[~row_answered].sum())
    status[PersonStatus.EXTREME_MIN.value] = int(n[row_answered & (raw == 0)].sum())
    status[PersonStatus.EXTREME_MAX.value] = int(n[row_answered & (raw == row_top)].sum())
    status[PersonStatus.OK.value] = n_informative
    items_tab, thr_tab = item_tables(item, names, max_cat, model, n_item)
    return CountsCalibration(
        model=model,
        items=items_tab,
        thresholds=thr_tab,
        loglik=item.loglik,
        iterations=item.iterations,
        gradient_norm=item.gradient_norm,
        n_persons=int(n.sum()),
        n_informative=n_informative,
        n_patterns=int(answered.sum()),
        status_counts=status,
        threshold_matrix=item.thresholds,
        threshold_cov=item.cov,
        max_category=max_cat,
    )


# ----------------------------------------------------------------------------- checks


def _item_names(items: Sequence[str]) -> list[str]:
    if isinstance(items, str):
        raise ValueError(f"items must be a list of item ids, not the string {items!r}")
    names = [str(i) for i in items]
    if not names:
        raise ValueError("items is empty: give the item ids in the order of the pattern flags")
    dup = sorted({i for i in names if names.count(i) > 1})
    if dup:
        raise ValueError(f"duplicate item id(s) in items: {', '.join(map(repr, dup))}")
    return names


def _max_categories(names: list[str], max_category: MaxCategory) -> IntArray:
    if isinstance(max_category, Mapping):
        missing = [i for i in names if i not in max_category]
        if missing:
            raise ValueError(
                f"max_category has no top category for item(s) {', '.join(map(repr, missing))}"
            )
        values = [max_category[i] for i in names]
    else:
        values = [max_category] * len(names)
    out = []
    for name, v in zip(names, values, strict=True):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(
                f"max_category for item {name!r} must be a whole number >= 1 (answers are coded "
                f"0..max_category), got {v!r}"
            )
        out.append(int(v))
    return np.array(out, dtype=np.int64)


def _need_columns(df: object, table: str, columns: list[str]) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise ResponseDataError(
            f"{table} must be a pandas DataFrame with columns {', '.join(columns)}; got "
            f"{type(df).__name__}"
        )
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ResponseDataError(
            f"{table}: column(s) {', '.join(map(repr, missing))} not found; it needs "
            f"{', '.join(columns)} (got {', '.join(map(repr, map(str, df.columns)))})"
        )
    return df.reset_index(drop=True)


def _fail(
    table: str,
    df: pd.DataFrame,
    bad: NDArray[np.bool_],
    what: str,
    column: str,
    keys: list[str],
) -> NoReturn:
    rows = np.flatnonzero(bad)
    located = []
    problems: list[dict[str, object]] = []
    for r in rows:
        values = {c: _plain(df[c].iloc[r]) for c in keys}
        located.append(f"row {int(r)} ({', '.join(f'{c} {v!r}' for c, v in values.items())})")
        problems.append({"table": table, "row": int(r), "column": column, **values})
    listed = "; ".join(located[:MAX_LISTED])
    more = f" (first {MAX_LISTED} listed)" if rows.size > MAX_LISTED else ""
    raise ResponseDataError(
        f"{table}: column {column!r}: {what}; {rows.size} row(s){more}: {listed}", problems
    )


def _plain(value: object) -> object:
    """A numpy scalar as the Python value (for readable messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _whole(
    df: pd.DataFrame, table: str, column: str, keys: list[str], *, minimum: int = 0
) -> IntArray:
    """A column of whole numbers >= minimum (floats like 7.0 from SQL DOUBLE sums are fine)."""
    col = df[column]
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if col.dtype == bool:
        values = np.full(len(col), np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | (values != np.round(values)) | (values < minimum)
    if bad.any():
        _fail(table, df, bad, f"needs whole numbers >= {minimum}", column, keys)
    return values.astype(np.int64)


def _read_score_counts(
    df: object, names: list[str], max_cat: IntArray
) -> tuple[NDArray[np.bool_], IntArray, IntArray, IntArray]:
    """Masks (G, I) of the distinct patterns, and per row raw score, n and pattern index."""
    table = "score_counts"
    sc = _need_columns(df, table, ["pattern", "raw_score", "n"])
    keys = ["pattern", "raw_score", "n"]
    if sc.empty:
        raise ResponseDataError(f"{table}: no rows (the score query counted no persons)")
    n_items = len(names)
    pats = sc["pattern"].to_numpy(dtype=object)
    uniq: dict[str, int] = {}
    index = np.empty(len(pats), dtype=np.int64)
    bad = np.zeros(len(pats), dtype=bool)
    for r, p in enumerate(pats):
        g = uniq.get(p) if isinstance(p, str) else None
        if g is None:
            if isinstance(p, str) and len(p) == n_items and set(p) <= {"0", "1"}:
                g = uniq[p] = len(uniq)
            else:
                bad[r] = True
                continue
        index[r] = g
    if bad.any():
        _fail(
            table,
            sc,
            bad,
            f"needs text of {n_items} '0'/'1' flags, one per item in the order of items "
            f"({', '.join(names[:5])}{', ...' if n_items > 5 else ''}); a number has lost its "
            "leading zeros: read the column as text",
            "pattern",
            keys,
        )
    masks = np.array([[c == "1" for c in p] for p in uniq], dtype=bool).reshape(-1, n_items)
    raw = _whole(sc, table, "raw_score", keys)
    n = _whole(sc, table, "n", keys)
    top = (masks.astype(np.int64) @ max_cat)[index]
    over = raw > top
    if over.any():
        _fail(
            table,
            sc,
            over,
            "above the largest possible score of the pattern (the sum of max_category over "
            "its answered items): answers above max_category, or items in a different order",
            "raw_score",
            keys,
        )
    return masks, raw, n, index


def _read_category_counts(df: object, names: list[str], max_cat: IntArray) -> IntArray:
    """(I, M + 1) counts; rows with the same item and category are added."""
    table = "category_counts"
    cc = _need_columns(df, table, ["item", "category", "n"])
    keys = ["item", "category", "n"]
    pos = {it: j for j, it in enumerate(names)}
    item_index = np.array([pos.get(str(i), -1) for i in cc["item"]], dtype=np.int64)
    unknown = item_index < 0
    if unknown.any():
        shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
        _fail(table, cc, unknown, f"unknown item (items: {shown})", "item", keys)
    cat = _whole(cc, table, "category", keys)
    above = cat > max_cat[item_index]
    if above.any():
        _fail(
            table,
            cc,
            above,
            "category above the item's max_category (answers must be coded 0..max_category)",
            "category",
            keys,
        )
    n = _whole(cc, table, "n", keys)
    out = np.zeros((len(names), int(max_cat.max()) + 1), dtype=np.int64)
    np.add.at(out, (item_index, cat), n)
    return out


def _check_consistency(
    names: list[str],
    masks: NDArray[np.bool_],
    pattern_of_row: IntArray,
    raw: IntArray,
    n: IntArray,
    informative: NDArray[np.bool_],
    cat_counts: IntArray,
) -> None:
    """What filtered category counts must satisfy given the score counts."""
    if not informative.any():
        raise ResponseDataError(
            "score_counts: no informative persons (every person has the minimum or maximum "
            "raw score of their pattern), so the items cannot be located"
        )
    w = n * informative
    implied = (masks[pattern_of_row] * w[:, None]).sum(axis=0)
    totals = cat_counts.sum(axis=1)
    off = np.flatnonzero(totals != implied)
    if off.size:
        lines = "; ".join(
            f"item {names[j]!r}: {int(totals[j])} in category_counts, {int(implied[j])} implied"
            for j in off[:MAX_LISTED]
        )
        raise ResponseDataError(
            f"category_counts do not match score_counts for {off.size} item(s): the category "
            "counts of an item must add up to the persons who answered it with a raw score "
            "neither 0 nor the maximum of their pattern (score_counts, extremes left out). "
            f"{lines}. Does the category query keep only raw_score > 0 AND raw_score < "
            "max_score, on the same data, with NULL for missing answers?",
            [{"table": "category_counts", "item": names[j]} for j in off],
        )
    answer_sum = int((cat_counts * np.arange(cat_counts.shape[1])[None, :]).sum())
    score_sum = int((raw * w).sum())
    if answer_sum != score_sum:
        raise ResponseDataError(
            f"category_counts do not match score_counts: the informative persons' answers add "
            f"up to {answer_sum} (sum of category x n) but their raw scores to {score_sum} (sum "
            "of raw_score x n). The two tables must come from the same data, with the same "
            "coding and the same filter"
        )


def _check_null_categories(names: list[str], max_cat: IntArray, cat_counts: IntArray) -> None:
    null = [
        (j, x)
        for j in range(len(names))
        for x in range(int(max_cat[j]) + 1)
        if cat_counts[j, x] == 0
    ]
    if null:
        lines = "\n".join(f"  item {names[j]!r}, category {x}" for j, x in null[:10])
        raise NullCategoryError(
            f"category_counts: {len(null)} response categor{'y' if len(null) == 1 else 'ies'} "
            "without informative answers, so their thresholds cannot be estimated:\n"
            f"{lines}\nMerge each with a neighbouring category in the query (recode the "
            "column) and lower that item's max_category, or check max_category.",
            [{"table": "category_counts", "item": names[j], "category": x} for j, x in null],
        )
