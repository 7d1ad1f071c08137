"""The one route from a checked response matrix to estimates: count, items, persons, fit.

Every entry point goes through here: :func:`measure.calibrate` (no anchors, or some),
:func:`measure.score` (every item anchored: nothing estimated), :func:`measure.calibrate_counts`
(counts made elsewhere: :func:`estimate` only), the sub-fits of DIF and Andersen's LR test
(``persons=False``) and category collapsing (a recoded matrix of the same persons). Arrays in,
arrays out: no tables, no file names, no wording beyond error messages.

Steps of :func:`fit`:

1. count the sufficient statistics in one pass (:func:`measure._estimation.cml.count`);
2. when anything is to be estimated: check that every item varies and handle categories without
   informative answers (raise, or collapse them into a neighbour);
3. item parameters (:func:`estimate`): exact CML or pairwise conditional ML, identified by the
   anchors or by a mean item location of 0; with every threshold anchored, the anchored model's
   conditional log-likelihood only;
4. person measures (WLE and MLE) once per (missing-data pattern, raw score);
5. item and person fit, point-measure correlations, Cronbach's alpha and separation
   reliabilities, from the same per-key tables.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from measure._estimation import cml
from measure._estimation.cml import SolverOptions
from measure._estimation.design import anchored_mask, build_design, offsets
from measure._estimation.esf import KeyProbabilities
from measure._estimation.items import Method, estimate_items
from measure._estimation.persons import (
    EXTREME_MAX,
    EXTREME_MIN,
    OK,
    PersonResults,
    measure_persons,
)
from measure.exceptions import (
    NullCategoryError,
    NullCategoryWarning,
    ResponseDataError,
)
from measure.fit import FitTables, fit_tables, item_alpha, item_point_measure
from measure.models import check_model
from measure.reliability import separation_reliability

__all__ = [
    "AnchorChecks",
    "Counted",
    "Fit",
    "ItemFit",
    "PipelineNullPolicy",
    "ScoreTest",
    "anchor_checks",
    "count",
    "displacements",
    "estimate",
    "fit",
    "item_locations",
    "score_test",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
#: the public policies (error, collapse) and "ignore" for sub-fits checked by their caller
PipelineNullPolicy = Literal["error", "collapse", "ignore"]
Anchors = Mapping[tuple[int, int], float]
#: reasons a displacement is missing (codes of :func:`displacements`)
DISPLACEMENT_OK, DISPLACEMENT_NO_INFORMATION, DISPLACEMENT_NOT_FINITE, DISPLACEMENT_SKIPPED = (
    0,
    1,
    2,
    3,
)


@dataclass(frozen=True)
class Counted:
    """Sufficient statistics of a response matrix and the person index (one counting pass)."""

    stats: cml.SufficientStats
    index: cml.PersonIndex


def count(values: NDArray[np.int16], max_cat: IntArray) -> Counted:
    """Count ``values`` (N x I, -1 missing) once: the statistics every later step uses."""
    stats, index = cml.count(values, max_cat)
    return Counted(stats, index)


@dataclass(frozen=True)
class ItemFit:
    """Item parameters on the identified scale, their covariance and how they were obtained."""

    thresholds: FloatArray  #: (I, M) NaN-padded
    delta: FloatArray  #: all thresholds, item-major
    cov: FloatArray  #: covariance of ``delta`` (zeros where anchored)
    anchored: NDArray[np.bool_]  #: (I, M)
    locations: FloatArray  #: (I,) mean of each item's thresholds
    location_se: FloatArray  #: (I,)
    tau: FloatArray | None  #: (M,) rating scale: the shared Andrich thresholds
    tau_se: FloatArray | None
    loglik: float  #: conditional log-likelihood (pairwise: the composite one)
    iterations: int
    converged: bool
    gradient_norm: float
    method: Literal["cml", "pairwise", "anchored"]
    method_reason: str
    n_free: int  #: free parameters estimated


def item_locations(
    thresholds: FloatArray, cov: FloatArray, max_cat: IntArray, model: str
) -> tuple[FloatArray, FloatArray, FloatArray | None, FloatArray | None]:
    """Item locations (mean threshold), their SEs, and for ``rsm`` tau and its SEs.

    All linear in the thresholds, so their covariances are exact transformations of ``cov``.
    """
    a = location_matrix(max_cat)
    loc = np.nanmean(thresholds, axis=1)
    loc_se = np.sqrt(np.clip(np.diag(a @ cov @ a.T), 0, None))
    if model != "rsm":
        return loc, loc_se, None, None
    m = int(max_cat[0])
    tau = thresholds[0, :m] - loc[0]
    # tau_k = delta_1k - location_1: linear in delta
    b = np.zeros((m, cov.shape[0]))
    for k in range(m):
        b[k, k] = 1.0
        b[k, :m] -= 1.0 / m
    tau_se = np.sqrt(np.clip(np.diag(b @ cov @ b.T), 0, None))
    return loc, loc_se, tau, tau_se


def _fully_anchored(anchors: Anchors, max_cat: IntArray) -> bool:
    return bool(anchors) and len(anchors) == int(max_cat.sum())


def estimate(
    stats: cml.SufficientStats,
    max_cat: IntArray,
    items: list[str],
    model: str,
    anchors: Anchors,
    *,
    values: NDArray[np.int16] | None = None,
    method: Method = "cml",
    solver: SolverOptions | None = None,
    anchored_loglik: bool = True,
    start: FloatArray | None = None,
) -> ItemFit:
    """Item parameters from sufficient statistics; nothing estimated when all are anchored.

    ``values`` (N x I) is needed only by the pairwise estimator. With every threshold anchored,
    ``anchored_loglik=False`` skips the anchored model's log-likelihood (``loglik`` is then NaN;
    scoring computes it inside its global fit, where it is needed).
    """
    mask = anchored_mask(anchors, items, max_cat)
    n_par = int(max_cat.sum())
    if _fully_anchored(anchors, max_cat):  # every threshold fixed: evaluate the anchored model
        delta = np.empty(n_par)
        for first, (j, m) in zip(offsets(max_cat), enumerate(max_cat), strict=True):
            delta[first : first + int(m)] = [anchors[(j, k)] for k in range(1, int(m) + 1)]
        design = np.zeros((n_par, 0))
        a_map = cml.beta_to_delta_map(max_cat)
        loglik = (
            cml.evaluate(stats, delta, a_map, design, hessian=False, gradient=False).loglik
            if anchored_loglik
            else float("nan")
        )
        cov = np.zeros((n_par, n_par))
        thresholds = np.full((max_cat.size, int(max_cat.max())), np.nan)
        for first, (j, m) in zip(offsets(max_cat), enumerate(max_cat), strict=True):
            thresholds[j, : int(m)] = delta[first : first + int(m)]
        loc, loc_se, tau, tau_se = item_locations(thresholds, cov, max_cat, model)
        return ItemFit(
            thresholds=thresholds,
            delta=delta,
            cov=cov,
            anchored=mask,
            locations=loc,
            location_se=loc_se,
            tau=tau,
            tau_se=tau_se,
            loglik=float(loglik),
            iterations=0,
            converged=True,
            gradient_norm=0.0,
            method="anchored",
            method_reason="every threshold anchored: nothing estimated",
            n_free=0,
        )
    est = estimate_items(
        stats,
        max_cat,
        items,
        model,
        anchors,
        values=values,
        method=method,
        solver=solver,
        start=start,
    )
    loc, loc_se, tau, tau_se = item_locations(est.thresholds, est.cov, max_cat, model)
    return ItemFit(
        thresholds=est.thresholds,
        delta=est.delta,
        cov=est.cov,
        anchored=mask,
        locations=loc,
        location_se=loc_se,
        tau=tau,
        tau_se=tau_se,
        loglik=float(est.result.loglik),
        iterations=int(est.result.iterations),
        converged=bool(est.result.converged),
        gradient_norm=float(est.result.gradient_norm),
        method="pairwise" if est.method == "pairwise" else "cml",
        method_reason=est.reason,
        n_free=est.n_free,
    )


@dataclass(frozen=True)
class Fit:
    """Everything one pass of the pipeline estimated, as arrays (items in the given order)."""

    model: str
    items: tuple[str, ...]
    values: NDArray[np.int16]  #: the matrix estimated from (after any category collapsing)
    max_category: IntArray
    counted: Counted
    item: ItemFit
    #: item -> current category of each original category, for collapsed items
    category_map: dict[str, list[int]] = field(default_factory=dict)
    persons: PersonResults | None = None
    fit: FitTables | None = None
    pt_measure: FloatArray | None = None
    alpha: float = float("nan")
    #: person_reliability, person_separation, person_strata, person_reliability_mle,
    #: item_reliability, item_separation, cronbach_alpha
    reliability: dict[str, float] = field(default_factory=dict)

    @property
    def n_patterns(self) -> int:
        return len(self.counted.index.pattern_items)


def fit(
    values: NDArray[np.int16],
    max_cat: IntArray,
    items: list[str],
    model: str,
    *,
    anchors: Anchors | None = None,
    method: Method = "cml",
    solver: SolverOptions | None = None,
    persons: bool = True,
    min_answered: int = 1,
    null_categories: PipelineNullPolicy = "error",
    source: str = "data",
    min_category: int = 0,
    reversed_items: frozenset[str] = frozenset(),
    anchored_loglik: bool = True,
    start: FloatArray | None = None,
    progress: Callable[[str], None] | None = None,
) -> Fit:
    """Run the pipeline on a checked matrix (``values``: N x I, codes 0..m_i, -1 missing).

    ``anchors`` maps (item index, category 1..m) to a fixed threshold; with every threshold
    anchored nothing is estimated (scoring on a reference). ``persons=False`` stops after the
    item parameters (the sub-fits of diagnostics). ``null_categories``: ``"error"`` raises
    :class:`NullCategoryError` for a category without informative answers, ``"collapse"`` merges
    it into a neighbour, ``"ignore"`` skips both data checks (a sub-fit whose caller has checked
    that the parameters are estimable). ``source``, ``min_category`` and
    ``reversed_items`` only word the messages in the data's own codes. ``start``: thresholds to
    start exact CML from (a sub-fit starts from the full sample's estimates).
    ``anchored_loglik=False``: with every threshold anchored, do not compute the anchored
    model's log-likelihood (``item.loglik`` is NaN). ``progress``: called with the name of each
    long step as it starts ("estimating items", "measuring persons", "fit statistics").
    """
    anchors = dict(anchors or {})
    counted = count(values, max_cat)
    category_map: dict[str, list[int]] = {}
    if not _fully_anchored(anchors, max_cat) and null_categories != "ignore":
        _check_variation(counted.index.answer_counts, items, source)
        values, max_cat, category_map, counted = _handle_null_categories(
            values,
            max_cat,
            items,
            null_categories,
            source,
            min_category=min_category,
            reversed_items=reversed_items,
            counted=counted,
        )
        if category_map:
            check_model(model, items, max_cat, source)
    if progress is not None and not _fully_anchored(anchors, max_cat):
        progress("estimating items")
    item = estimate(
        counted.stats,
        max_cat,
        items,
        model,
        anchors,
        values=values,
        method=method,
        solver=solver,
        anchored_loglik=anchored_loglik,
        start=start if not category_map else None,
    )
    base = Fit(
        model=model,
        items=tuple(items),
        values=values,
        max_category=max_cat,
        counted=counted,
        item=item,
        category_map=category_map,
    )
    if not persons:
        return base
    index = counted.index
    if progress is not None:
        progress("measuring persons")
    person = measure_persons(values, index, item.thresholds, max_cat, min_answered)
    if progress is not None:
        progress("fit statistics")
    tables = fit_tables(values, index, item.thresholds, person)
    alpha = item_alpha(values, person, tables)
    return dataclasses.replace(
        base,
        persons=person,
        fit=tables,
        pt_measure=item_point_measure(values, person, tables),
        alpha=alpha,
        reliability=_reliability(person, item, alpha),
    )


def _reliability(person: PersonResults, item: ItemFit, alpha: float) -> dict[str, float]:
    """Separation reliabilities of persons (status ok) and items, and Cronbach's alpha.

    Person figures are computed per (pattern, score) key weighted by the number of persons
    with that key: the same numbers as over the persons, without gathering them.
    """
    n_keys = person.key_status.size
    has = person.key >= 0
    weight = np.bincount(person.key[has], minlength=n_keys).astype(np.float64)
    ok = person.key_status == OK
    measured = ok | (person.key_status == EXTREME_MIN) | (person.key_status == EXTREME_MAX)
    rel = separation_reliability(person.key_wle[ok], person.key_wle_se[ok], weights=weight[ok])
    rel_all = separation_reliability(
        person.key_wle[measured], person.key_wle_se[measured], weights=weight[measured]
    )
    rel_mle = separation_reliability(person.key_mle[ok], person.key_mle_se[ok], weights=weight[ok])
    item_rel = separation_reliability(item.locations, item.location_se)
    return {
        "person_reliability": rel["reliability"],
        "person_separation": rel["separation"],
        "person_strata": rel["strata"],
        "person_reliability_mle": rel_mle["reliability"],
        "person_reliability_all_measured": rel_all["reliability"],
        "item_reliability": item_rel["reliability"],
        "item_separation": item_rel["separation"],
        "cronbach_alpha": alpha,
    }


def displacements(
    stats: cml.SufficientStats,
    delta: FloatArray,
    max_cat: IntArray,
    *,
    keys: KeyProbabilities | None = None,
) -> tuple[FloatArray, FloatArray, NDArray[np.int8]]:
    """Each item's shift (all its thresholds together) with every other item at ``delta``.

    The conditional-ML analogue of Winsteps' DISPLACE: one free parameter per item, the rest
    anchored (:func:`measure._estimation.cml.item_shifts`: exact, from the conditional category
    probabilities at the anchors, computed once per (pattern, raw score); ``keys`` when they are
    at hand). Returns the displacements, their SEs (from the conditional information of these
    data) and a reason code per item (``DISPLACEMENT_*``; NaN where not OK).
    """
    informative = stats.category_counts.sum(axis=1)
    shifts = cml.item_shifts(stats, delta, keys=keys)
    reason = np.where(shifts.finite, DISPLACEMENT_OK, DISPLACEMENT_NOT_FINITE).astype(np.int8)
    reason[informative == 0] = DISPLACEMENT_NO_INFORMATION
    ok = reason == DISPLACEMENT_OK
    disp = np.where(ok, shifts.shift, np.nan)
    se = np.where(ok, shifts.se, np.nan)
    return disp, se, reason


@dataclass(frozen=True)
class ScoreTest:
    """Rao's score test of thresholds fixed at ``delta`` against the free model (see
    :func:`score_test`)."""

    chi2: float  #: g' I^-1 g (NaN when the information is singular)
    df: int  #: free parameters of the unanchored model
    loglik: float  #: conditional log-likelihood at ``delta``
    singular: bool  #: the information matrix is singular: no statistic


def _score_test(ev: cml.Evaluation, df: int) -> ScoreTest:
    assert ev.info is not None
    info = 0.5 * (ev.info + ev.info.T)
    if df == 0:
        return ScoreTest(float("nan"), df, float(ev.loglik), True)
    eig, vec = np.linalg.eigh(info)
    if eig.min() <= 1e-10 * max(float(eig.max()), 1.0):
        return ScoreTest(float("nan"), df, float(ev.loglik), True)
    proj = vec.T @ ev.grad
    return ScoreTest(float(np.sum(proj**2 / eig)), df, float(ev.loglik), False)


def score_test(
    stats: cml.SufficientStats, delta: FloatArray, max_cat: IntArray, items: list[str], model: str
) -> ScoreTest:
    """Rao's score test of the thresholds ``delta`` within the free model (no re-estimation).

    Gradient ``g`` and information ``I`` of the conditional log-likelihood in the free model's
    parameters (``build_design(model, max_cat, {}, items)``: every threshold free, one reference
    constraint) evaluated at ``delta``; a common shift of all thresholds is invisible to
    conditional ML, so ``delta`` need not satisfy the reference constraint. ``chi2 = g' I^-1 g``,
    asymptotically chi-square with ``df`` = the free parameters when ``delta`` holds
    (Rao 1948). One evaluation with the information, for all missing-data patterns at once.
    """
    return anchor_checks(stats, delta, max_cat, items, model, displacement=False).test


@dataclass(frozen=True)
class AnchorChecks:
    """Do anchors hold in new data: displacements and the score test from one evaluation."""

    displacement: FloatArray  #: (I,) see :func:`displacements`
    se: FloatArray  #: (I,)
    reason: NDArray[np.int8]  #: (I,) ``DISPLACEMENT_*``
    test: ScoreTest


def anchor_checks(
    stats: cml.SufficientStats,
    delta: FloatArray,
    max_cat: IntArray,
    items: list[str],
    model: str,
    *,
    displacement: bool = True,
) -> AnchorChecks:
    """:func:`displacements` and :func:`score_test` at the anchors ``delta``, sharing one pass.

    The conditional category probabilities of every (pattern, raw score) key, which give the
    displacements, come from the same evaluation as the gradient and information of the score
    test.
    """
    design = build_design(model, max_cat, {}, items)[0]
    ev = cml.evaluate(
        stats, delta, cml.beta_to_delta_map(max_cat), design, hessian=True, keys=displacement
    )
    n_items = max_cat.size
    if displacement:
        disp, se, reason = displacements(stats, delta, max_cat, keys=ev.keys)
    else:
        disp, se = np.full(n_items, np.nan), np.full(n_items, np.nan)
        reason = np.full(n_items, DISPLACEMENT_SKIPPED, dtype=np.int8)
    return AnchorChecks(disp, se, reason, _score_test(ev, int(design.shape[1])))


def location_matrix(max_cat: IntArray) -> FloatArray:
    """``A`` with ``locations = A @ delta`` (the mean of each item's thresholds)."""
    a = np.zeros((max_cat.size, int(max_cat.sum())))
    for j, (start, m) in enumerate(zip(offsets(max_cat), max_cat, strict=True)):
        a[j, start : start + int(m)] = 1.0 / int(m)
    return a


def free_design_size(model: str, max_cat: IntArray, items: list[str]) -> int:
    """Free parameters of an unanchored calibration (mean item location 0)."""
    return int(build_design(model, max_cat, {}, items)[0].shape[1])


# ----------------------------------------------------------------------------- checks


def _check_variation(answer_counts: IntArray, items: list[str], source: str) -> None:
    """Every item needs answers in at least two categories (``answer_counts``: (I, M + 1))."""
    for j, item in enumerate(items):
        used = np.flatnonzero(answer_counts[j])
        if used.size == 1:
            raise ResponseDataError(
                f"{source}: item {item!r}: every answer is in category {int(used[0])}; an item "
                "that does not vary cannot be located on the scale. Leave the item out."
            )


def _collapse_note(merged: list[int], codes: list[int]) -> str:
    """For an item with several null categories merged: which data codes now form one
    category, and where every other code went (so a stray code such as 99 is named once)."""

    def span(values: list[int]) -> str:
        values = sorted(values)
        if len(values) > 2 and values == list(range(values[0], values[-1] + 1)):
            return f"{values[0]}-{values[-1]}"
        return ", ".join(map(str, values))

    groups: dict[int, list[int]] = {}
    for original, now in enumerate(merged):
        groups.setdefault(now, []).append(codes[original])
    joined = [(now, c) for now, c in sorted(groups.items()) if len(c) > 1]
    n_null = sum(len(c) - 1 for _, c in joined)
    parts = [f"codes {span(c)} are now category {now}" for now, c in joined]
    moved = [
        f"code {c[0]} is category {now}"
        for now, c in sorted(groups.items())
        if len(c) == 1 and codes.index(c[0]) != now
    ]
    hint = (
        f"; so many empty categories: is code {max(codes)} a missing code (missing_codes=..., "
        "CLI: --missing-code) or a typing error?"
        if n_null >= 5
        else ""
    )
    return (
        f"in all, {n_null} categories without informative answers were merged: "
        f"{'; '.join(parts + moved)} (codes as in the data){hint}"
    )


def _handle_null_categories(
    values: NDArray[np.int16],
    max_cat: IntArray,
    items: list[str],
    policy: PipelineNullPolicy,
    source: str,
    *,
    min_category: int,
    reversed_items: frozenset[str],
    counted: Counted,
) -> tuple[NDArray[np.int16], IntArray, dict[str, list[int]], Counted]:
    """Find categories without informative answers; raise or collapse them.

    Messages name the category in the data's own codes (``min_category`` and reverse keying
    undone). Returns the final data, their top categories, the collapse map and their counts.
    """

    def code(j: int, x: int) -> str:
        if min_category == 0 and items[j] not in reversed_items:
            return f"category {x}"
        raw = (int(max_cat[j]) - x if items[j] in reversed_items else x) + min_category
        return f"category {x} (code {raw} in the data)"

    mapping: dict[str, list[int]] = {}
    data_code: dict[str, list[int]] = {}  # item -> data code of each original category
    events: dict[str, tuple[str, str]] = {}  # item -> its first merge (category, into)
    counts_by_item: dict[str, int] = {}
    copied = False
    current: Counted | None = counted
    for _ in range(int(max_cat.sum()) + 1):
        if current is None:
            current = count(values, max_cat)
        counts = current.stats.category_counts
        null = [
            (j, x)
            for j in range(len(items))
            for x in range(int(max_cat[j]) + 1)
            if counts[j, x] == 0
        ]
        if not null:
            for item, merged in mapping.items():  # one warning per item, in the data's codes
                first = events[item]
                note = f"item {item!r}: {first[0]} had no informative answers and was merged with "
                note += first[1]
                if counts_by_item[item] > 1:
                    note += "; " + _collapse_note(merged, data_code[item])
                warnings.warn(note, NullCategoryWarning, stacklevel=4)
            return values, max_cat, mapping, current
        if policy == "error":
            all_counts = current.index.answer_counts
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
        current = None
        j, x = null[0]
        col = values[:, j]
        answered = col >= 0
        new = col.astype(np.int64)
        new[answered & (new >= x) & (x > 0)] -= 1
        if x == 0:
            new[answered & (new > 0)] -= 1
        values[:, j] = new.astype(np.int16)
        orig = mapping.get(items[j], list(range(int(max_cat[j]) + 1)))
        # orig[k] = current category of original category k
        if items[j] not in events:
            events[items[j]] = (code(j, x), code(j, x - 1 if x > 0 else 1))
        counts_by_item[items[j]] = counts_by_item.get(items[j], 0) + 1
        if items[j] not in data_code:
            top = int(max_cat[j])
            data_code[items[j]] = [
                (top - k if items[j] in reversed_items else k) + min_category
                for k in range(top + 1)
            ]
        mapping[items[j]] = [c - 1 if c >= max(x, 1) else c for c in orig]
        max_cat[j] -= 1
        if max_cat[j] < 1:
            raise NullCategoryError(
                f"{source}: item {items[j]!r} has only one category left after collapsing null "
                "categories; leave the item out."
            )
    raise AssertionError("unreachable: every pass removes one category")  # pragma: no cover
