"""calibrate(): from answers to item thresholds, person measures, fit and reliability."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure._estimation import cml
from measure._estimation.cml import SolverOptions
from measure._estimation.design import (
    Anchors,
    anchored_mask,
    parse_anchors,
)
from measure._estimation.items import AUTO_PAIRWISE_PATTERNS, Method, estimate_items
from measure._estimation.persons import measure_persons
from measure.exceptions import NullCategoryError, NullCategoryWarning, ResponseDataError
from measure.fit import fit_tables, item_alpha, item_point_measure
from measure.models import MODELS, ModelName, check_model
from measure.responses import InvalidPolicy, ResponseMatrix, as_responses
from measure.results import Calibration

if TYPE_CHECKING:
    from measure.instrument import Instrument

__all__ = ["calibrate", "SolverOptions", "Anchors", "AUTO_PAIRWISE_PATTERNS"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

NullPolicy = Literal["error", "collapse"]
PersonEstimator = Literal["wle", "mle"]


def calibrate(
    data: pd.DataFrame | NDArray[Any] | ResponseMatrix,
    *,
    model: ModelName = "pcm",
    items: Sequence[str] | None = None,
    id_column: str | None = None,
    instrument: Instrument | None = None,
    columns: Mapping[str, str] | None = None,
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
    reverse: Iterable[str] = (),
    decimal: str = ".",
    exclude: Iterable[str] = (),
    anchors: Anchors | None = None,
    person_estimator: PersonEstimator = "wle",
    method: Method = "auto",
    null_categories: NullPolicy = "error",
    missing_codes: Iterable[object] = (),
    min_category: int = 0,
    max_category: int | Mapping[str, int] | None = None,
    min_answered: int = 1,
    invalid: InvalidPolicy = "error",
    solver: SolverOptions | None = None,
    source: str = "data",
    row_numbers: Sequence[int] | NDArray[np.int64] | None = None,
) -> Calibration:
    """Calibrate items by conditional maximum likelihood and measure persons.

    Model (one parameterisation for all three models)::

        P(X_vi = x | theta_v) ∝ exp( sum_{k=1..x} (theta_v - delta_ik) ),  x = 0..m_i

    ``rasch``: dichotomous items; ``pcm``: Masters' partial credit, free thresholds;
    ``rsm``: Andrich's rating scale, ``delta_ik = delta_i + tau_k`` with ``sum_k tau_k = 0``.
    The item location is the mean of its thresholds. Identification: the mean item location is 0,
    unless anchors are given, in which case the free parameters are estimated on the anchors'
    scale.

    Item parameters are estimated by exact conditional ML (elementary symmetric functions per
    missing-data pattern; Newton's method with the analytic information matrix); item SEs come
    from the inverse information. Persons get Warm's WLE (default; finite at extreme scores) or
    the MLE, with SE = 1/sqrt(test information). Item and person infit/outfit use the persons'
    MLE (as eRm), excluding persons with extreme scores.

    Parameters
    ----------
    data : persons x items table (DataFrame or array), or a :class:`ResponseMatrix`.
    model : "rasch", "rsm" or "pcm".
    items, id_column, instrument, columns, value_labels, reverse, decimal, exclude,
    missing_codes, min_category, max_category, invalid, source, row_numbers :
        passed to :func:`measure.responses.as_responses` (ignored when ``data`` is already a
        :class:`ResponseMatrix`).
    anchors : fixed thresholds (a thresholds table with columns item, category, threshold; an
        items table with item, location for dichotomous items; or a mapping item -> value(s)).
    person_estimator : "wle" (default) or "mle" for the ``measure`` column.
    method : "cml" (exact conditional ML), "pairwise" (pairwise conditional ML, consistent,
        sandwich SEs; for designs where nearly every person has a missing-data pattern of their
        own) or "auto" (default): exact CML unless there are more than
        ``AUTO_PAIRWISE_PATTERNS`` (1000) distinct missing-data patterns. The summary says which
        method was used and why.
    null_categories : "error" (default) raises :class:`NullCategoryError` naming the item and
        category when a category has no informative answers; "collapse" merges it with the
        category below (category 0 with the one above) and warns.
    min_answered : fewer answered items than this gives status ``too_few_answers``.
    solver : :class:`SolverOptions`.

    Returns
    -------
    Calibration

    Examples
    --------
    >>> import measure
    >>> sim = measure.simulate_responses(n_persons=300, thresholds=[[-1.0], [0.0], [1.0]], rng=1)
    >>> cal = measure.calibrate(sim.responses, model="rasch")
    >>> cal.items["item"].tolist()
    ['item1', 'item2', 'item3']

    The same estimates come from eRm: ``RM(X)`` (difficulties = ``-betapar``, centred).
    """
    if model not in MODELS:
        raise ValueError(f"model={model!r} is not one of {', '.join(map(repr, MODELS))}")
    if person_estimator not in ("wle", "mle"):
        raise ValueError(f"person_estimator={person_estimator!r} is not one of 'wle', 'mle'")
    if method not in ("auto", "cml", "pairwise"):
        raise ValueError(f"method={method!r} is not one of 'auto', 'cml', 'pairwise'")
    if null_categories not in ("error", "collapse"):
        raise ValueError(f"null_categories={null_categories!r} is not one of 'error', 'collapse'")
    solver = solver or SolverOptions()
    rm = as_responses(
        data,
        items=items,
        id_column=id_column,
        instrument=instrument,
        columns=columns,
        value_labels=value_labels,
        reverse=reverse,
        decimal=decimal,
        exclude=exclude,
        missing_codes=missing_codes,
        max_category=max_category,
        min_category=min_category,
        invalid=invalid,
        source=source,
        row_numbers=row_numbers,
    )
    values = rm.values
    max_cat = rm.max_category.copy()
    item_ids = list(rm.items)
    check_model(model, item_ids, max_cat, rm.source)
    counted = cml.count(values, max_cat)
    _check_variation(counted[1].answer_counts, item_ids, rm.source)
    category_map: dict[str, list[int]] = {}
    values, max_cat, category_map, (stats, index) = _handle_null_categories(
        values,
        max_cat,
        item_ids,
        null_categories,
        rm.source,
        min_category=rm.min_category,
        reversed_items=frozenset(rm.reversed_items),
        counted=counted,
    )
    if model == "rsm" and len(set(max_cat.tolist())) > 1:
        check_model(model, item_ids, max_cat, rm.source)
    anchor_values = parse_anchors(anchors, item_ids, max_cat, model) if anchors is not None else {}
    est = estimate_items(
        stats, max_cat, item_ids, model, anchor_values, values=values, method=method, solver=solver
    )
    result, cov, thresholds = est.result, est.cov, est.thresholds
    used, why = est.method, est.reason

    persons = measure_persons(values, index, thresholds, max_cat, min_answered)
    fit = fit_tables(values, index, thresholds, persons)
    return Calibration.build(
        model=model,
        responses=rm,
        values=values,
        max_category=max_cat,
        thresholds=thresholds,
        threshold_cov=cov,
        anchored=anchored_mask(anchor_values, item_ids, max_cat),
        loglik=result.loglik,
        iterations=result.iterations,
        converged=result.converged,
        gradient_norm=result.gradient_norm,
        persons=persons,
        fit=fit,
        person_estimator=person_estimator,
        category_map=category_map,
        n_patterns=len(index.pattern_items),
        pt_measure=item_point_measure(values, persons, fit),
        alpha=item_alpha(values, persons, fit),
        method=used,
        method_reason=why,
        person_counts=(index.n_answered, index.raw_score, index.max_score),
    )


# ----------------------------------------------------------------------------- checks


def _check_variation(answer_counts: Any, items: list[str], source: str) -> None:
    """Every item needs answers in at least two categories (``answer_counts``: (I, M + 1))."""
    for j, item in enumerate(items):
        used = np.flatnonzero(answer_counts[j])
        if used.size == 1:
            raise ResponseDataError(
                f"{source}: item {item!r}: every answer is in category {int(used[0])}; an item "
                "that does not vary cannot be located on the scale. Leave the item out."
            )


def _handle_null_categories(
    values: NDArray[np.int16],
    max_cat: IntArray,
    items: list[str],
    policy: NullPolicy,
    source: str,
    *,
    min_category: int = 0,
    reversed_items: frozenset[str] = frozenset(),
    counted: tuple[cml.SufficientStats, cml.PersonIndex] | None = None,
) -> tuple[
    NDArray[np.int16], IntArray, dict[str, list[int]], tuple[cml.SufficientStats, cml.PersonIndex]
]:
    """Find categories without informative answers; raise or collapse them.

    Messages name the category in the data's own codes (``min_category`` and reverse keying
    undone). Also returns the sufficient statistics of the final data (counted once;
    ``counted`` is the count of ``values`` when the caller has it already).
    """

    def code(j: int, x: int) -> str:
        if min_category == 0 and items[j] not in reversed_items:
            return f"category {x}"
        raw = (int(max_cat[j]) - x if items[j] in reversed_items else x) + min_category
        return f"category {x} (code {raw} in the data)"

    mapping: dict[str, list[int]] = {}
    copied = False
    for _ in range(int(max_cat.sum()) + 1):
        if counted is None:
            counted = cml.count(values, max_cat)
        counts = counted[0].category_counts
        null = [
            (j, x)
            for j in range(len(items))
            for x in range(int(max_cat[j]) + 1)
            if counts[j, x] == 0
        ]
        if not null:
            return values, max_cat, mapping, counted
        if policy == "error":
            all_counts = counted[1].answer_counts
            lines = []
            for j, x in null[:10]:
                used = int(all_counts[j, x])
                why = (
                    "is never used"
                    if used == 0
                    else f"is used only by {used} person(s) with an extreme score"
                )
                lines.append(f"  item {items[j]!r}, {code(j, x)} {why}")
            raise NullCategoryError(
                f"{source}: {len(null)} response categor{'y' if len(null) == 1 else 'ies'} "
                "without informative answers, so their thresholds cannot be estimated:\n"
                + "\n".join(lines)
                + "\nCollapse them into the neighbouring category (null_categories='collapse', "
                "CLI: --collapse-null)"
                + (
                    ", or check the coding (codes starting at 1 need min_category=1)."
                    if min_category == 0 and any(x == 0 for _, x in null)
                    else "."
                )
            )
        if not copied:
            values, max_cat, copied = values.copy(), max_cat.copy(), True
        counted = None
        j, x = null[0]
        target = x - 1 if x > 0 else 1
        col = values[:, j]
        answered = col >= 0
        new = col.astype(np.int64)
        new[answered & (new >= x) & (x > 0)] -= 1
        if x == 0:
            new[answered & (new > 0)] -= 1
        values[:, j] = new.astype(np.int16)
        orig = mapping.get(items[j], list(range(int(max_cat[j]) + 1)))
        # orig[k] = current category of original category k
        mapping[items[j]] = [c - 1 if c >= max(x, 1) else c for c in orig]
        max_cat[j] -= 1
        warnings.warn(
            f"item {items[j]!r}: {code(j, x)} had no informative answers and was merged with "
            f"{code(j, target)}",
            NullCategoryWarning,
            stacklevel=3,
        )
        if max_cat[j] < 1:
            raise NullCategoryError(
                f"{source}: item {items[j]!r} has only one category left after collapsing null "
                "categories; leave the item out."
            )
    raise AssertionError("unreachable: every pass removes one category")  # pragma: no cover
