"""calibrate(): from answers to item thresholds, person measures, fit and reliability."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure._estimation import cml
from measure._estimation.cml import SolverOptions
from measure._estimation.pairwise import fit_pairwise
from measure._estimation.person import solve as solve_persons
from measure.exceptions import NullCategoryError, NullCategoryWarning, ResponseDataError
from measure.fit import fit_from_sums, point_measure_correlation
from measure.models import MODELS, ModelName, item_moments
from measure.responses import InvalidPolicy, ResponseMatrix, as_responses
from measure.results import Calibration, PersonStatus

if TYPE_CHECKING:
    from measure.instrument import Instrument

__all__ = ["calibrate", "SolverOptions", "Anchors"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

NullPolicy = Literal["error", "collapse"]
PersonEstimator = Literal["wle", "mle"]
Method = Literal["auto", "cml", "pairwise"]
#: above this many missing-data patterns "auto" uses pairwise conditional estimation
AUTO_PAIRWISE_PATTERNS = 1000
#: anchors: a thresholds-shaped table (item, category, threshold), an items table
#: (item, location) for dichotomous items, or a mapping item -> threshold(s)
Anchors = pd.DataFrame | Mapping[str, float | Sequence[float]]


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
    _check_model(model, item_ids, max_cat, rm.source)
    _check_variation(values, item_ids, rm.source)
    category_map: dict[str, list[int]] = {}
    values, max_cat, category_map, (stats, index) = _handle_null_categories(
        values, max_cat, item_ids, null_categories, rm.source
    )
    if model == "rsm" and len(set(max_cat.tolist())) > 1:
        _check_model(model, item_ids, max_cat, rm.source)
    anchor_values = _parse_anchors(anchors, item_ids, max_cat, model) if anchors is not None else {}
    design, offset, centre = _design(model, max_cat, anchor_values, item_ids)
    n_pat = len(stats.patterns)
    if method == "auto":
        used = "pairwise" if n_pat > AUTO_PAIRWISE_PATTERNS else "cml"
        why = (
            f"{n_pat} distinct missing-data patterns (more than {AUTO_PAIRWISE_PATTERNS}): exact "
            "CML would need one set of symmetric functions per pattern, so the consistent "
            "pairwise conditional estimator was used"
            if used == "pairwise"
            else f"{n_pat} missing-data pattern(s): exact CML"
        )
    else:
        used = method
        why = f"requested (method={method!r}); {n_pat} missing-data pattern(s)"
    if used == "pairwise":
        result = fit_pairwise(values, max_cat, design, offset, options=solver)
    else:
        result = cml.fit(stats, design, offset, options=solver)
    delta, cov = result.delta, result.cov_delta
    if centre:
        a = _location_weights(max_cat)
        t = np.eye(delta.size) - np.outer(np.ones(delta.size), a)
        delta = t @ delta
        cov = t @ cov @ t.T
    thresholds = _pad(delta, max_cat)

    persons = _measure_persons(values, index, thresholds, max_cat, min_answered)
    fit_tables = _fit(values, index, thresholds, persons)
    return Calibration.build(
        model=model,
        responses=rm,
        values=values,
        max_category=max_cat,
        thresholds=thresholds,
        threshold_cov=cov,
        anchored=_anchored_mask(anchor_values, item_ids, max_cat),
        loglik=result.loglik,
        iterations=result.iterations,
        converged=result.converged,
        gradient_norm=result.gradient_norm,
        persons=persons,
        fit=fit_tables,
        person_estimator=person_estimator,
        category_map=category_map,
        n_patterns=len(index.pattern_items),
        pt_measure=point_measure_correlation(values, persons["wle"]),
        method=used,
        method_reason=why,
    )


# ----------------------------------------------------------------------------- checks


def _check_model(model: str, items: list[str], max_cat: IntArray, source: str) -> None:
    if model == "rasch":
        poly = [f"{i} (0..{m})" for i, m in zip(items, max_cat, strict=True) if m != 1]
        if poly:
            raise ResponseDataError(
                f"{source}: model 'rasch' needs dichotomous items (categories 0 and 1), but "
                f"{len(poly)} item(s) have more categories: {', '.join(poly[:10])}. "
                "Use model 'pcm' (partial credit) or 'rsm' (rating scale)."
            )
    if model == "rsm":
        tops = sorted(set(max_cat.tolist()))
        if len(tops) > 1:
            by_top = {m: [i for i, mm in zip(items, max_cat, strict=True) if mm == m] for m in tops}
            detail = ", ".join(f"{m + 1} categories: {', '.join(by_top[m])}" for m in tops)
            raise ResponseDataError(
                f"{source}: model 'rsm' needs every item to have the same categories, but they "
                f"differ ({detail}). Use model 'pcm', or declare the categories (max_category)."
            )


def _check_variation(values: NDArray[np.int16], items: list[str], source: str) -> None:
    for j, item in enumerate(items):
        col = values[:, j]
        used = np.unique(col[col >= 0])
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
) -> tuple[
    NDArray[np.int16], IntArray, dict[str, list[int]], tuple[cml.SufficientStats, cml.PersonIndex]
]:
    """Find categories without informative answers; raise or collapse them.

    Also returns the sufficient statistics of the final data (so they are counted once).
    """
    mapping: dict[str, list[int]] = {}
    values = values.copy()
    max_cat = max_cat.copy()
    for _ in range(int(max_cat.sum()) + 1):
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
            all_counts = np.array(
                [
                    [int(np.sum(values[:, j] == x)) for x in range(int(max_cat[j]) + 1)]
                    for j in range(len(items))
                ],
                dtype=object,
            )
            lines = []
            for j, x in null[:10]:
                used = int(all_counts[j][x])
                why = (
                    "is never used"
                    if used == 0
                    else f"is used only by {used} person(s) with an extreme score"
                )
                lines.append(f"  item {items[j]!r}, category {x} {why}")
            raise NullCategoryError(
                f"{source}: {len(null)} response categor{'y' if len(null) == 1 else 'ies'} "
                "without informative answers, so their thresholds cannot be estimated:\n"
                + "\n".join(lines)
                + "\nCollapse them into the neighbouring category (null_categories='collapse', "
                "CLI: --collapse-null), or check the coding (codes starting at 1 need "
                "min_category=1)."
            )
        j, x = null[0]
        target = x - 1 if x > 0 else 0
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
            f"item {items[j]!r}: category {x} had no informative answers and was merged with "
            f"category {target}",
            NullCategoryWarning,
            stacklevel=3,
        )
        if max_cat[j] < 1:
            raise NullCategoryError(
                f"{source}: item {items[j]!r} has only one category left after collapsing null "
                "categories; leave the item out."
            )
    raise AssertionError("unreachable: every pass removes one category")  # pragma: no cover


# ----------------------------------------------------------------------------- design


def _offsets(max_cat: IntArray) -> IntArray:
    return np.concatenate([[0], np.cumsum(max_cat)[:-1]]).astype(np.int64)


def _location_weights(max_cat: IntArray) -> FloatArray:
    w = np.concatenate([np.full(int(m), 1.0 / (m * max_cat.size)) for m in max_cat])
    return w


def _pad(delta: FloatArray, max_cat: IntArray) -> FloatArray:
    out = np.full((max_cat.size, int(max_cat.max())), np.nan)
    for i, (o, m) in enumerate(zip(_offsets(max_cat), max_cat, strict=True)):
        out[i, :m] = delta[o : o + m]
    return out


def _parse_anchors(
    anchors: Anchors, items: list[str], max_cat: IntArray, model: str
) -> dict[tuple[int, int], float]:
    """Anchors as {(item index, category 1..m): threshold}."""
    pos = {it: j for j, it in enumerate(items)}
    out: dict[tuple[int, int], float] = {}

    def put(item: object, k: int, value: float) -> None:
        name = str(item)
        if name not in pos:
            raise ValueError(f"anchor for unknown item {name!r} (items: {', '.join(items)})")
        j = pos[name]
        if not 1 <= k <= max_cat[j]:
            raise ValueError(
                f"anchor for item {name!r}, category {k}: categories are 1..{int(max_cat[j])}"
            )
        if not np.isfinite(value):
            raise ValueError(f"anchor for item {name!r}, category {k} is not finite: {value}")
        out[(j, k)] = float(value)

    if isinstance(anchors, pd.DataFrame):
        cols = set(anchors.columns)
        if {"item", "category", "threshold"} <= cols:
            for it, k, v in zip(
                anchors["item"], anchors["category"], anchors["threshold"], strict=True
            ):
                put(it, int(k), float(v))
        elif {"item", "location"} <= cols:
            for it, v in zip(anchors["item"], anchors["location"], strict=True):
                j = pos.get(str(it))
                if j is not None and max_cat[j] != 1:
                    raise ValueError(
                        f"an items table anchors dichotomous items only; item {it!r} has "
                        f"{int(max_cat[j]) + 1} categories: pass the thresholds table instead"
                    )
                put(it, 1, float(v))
        else:
            raise ValueError(
                "anchors table needs columns (item, category, threshold) or (item, location); "
                f"got {sorted(map(str, cols))}"
            )
    else:
        for it, v in anchors.items():
            if isinstance(v, (int, float, np.floating)):
                put(it, 1, float(v))
            else:
                for k, vv in enumerate(v, start=1):
                    put(it, k, float(vv))
    return out


def _anchored_mask(
    anchors: Mapping[tuple[int, int], float], items: list[str], max_cat: IntArray
) -> NDArray[np.bool_]:
    mask = np.zeros((len(items), int(max_cat.max())), dtype=bool)
    for j, k in anchors:
        mask[j, k - 1] = True
    return mask


def _design(
    model: str,
    max_cat: IntArray,
    anchors: Mapping[tuple[int, int], float],
    items: list[str],
) -> tuple[FloatArray, FloatArray, bool]:
    """``delta = D @ phi + d0``; ``centre`` tells whether to centre the mean location after."""
    offs = _offsets(max_cat)
    n_par = int(max_cat.sum())
    offset = np.zeros(n_par)
    if model in ("pcm", "rasch"):
        free = np.ones(n_par, dtype=bool)
        for (j, k), v in anchors.items():
            free[offs[j] + k - 1] = False
            offset[offs[j] + k - 1] = v
        design = np.eye(n_par)[:, free]
        centre = not anchors
        if centre:
            design = design[:, 1:]
        return design, offset, centre
    # rating scale: delta_ik = lambda_i + tau_k
    n_items = max_cat.size
    m = int(max_cat[0])
    lam_fixed: dict[int, float] = {}
    tau_fixed: FloatArray | None = None
    by_item: dict[int, dict[int, float]] = {}
    for (j, k), v in anchors.items():
        by_item.setdefault(j, {})[k] = v
    for j, ks in by_item.items():
        if len(ks) != m:
            raise ValueError(
                f"rating-scale anchors must give all {m} thresholds of an item; item "
                f"{items[j]!r} has {len(ks)}"
            )
        vals = np.array([ks[k] for k in range(1, m + 1)])
        lam_fixed[j] = float(vals.mean())
        tau = vals - vals.mean()
        if tau_fixed is None:
            tau_fixed = tau
        elif np.max(np.abs(tau - tau_fixed)) > 1e-6:
            raise ValueError(
                "rating-scale anchors must share the same tau (threshold minus location) for "
                f"every anchored item; item {items[j]!r} differs"
            )
    free_items = [j for j in range(n_items) if j not in lam_fixed]
    centre = not anchors
    if centre:
        free_items = free_items[1:]
    n_tau_free = 0 if tau_fixed is not None else m - 1
    design = np.zeros((n_par, len(free_items) + n_tau_free))
    col_of = {j: c for c, j in enumerate(free_items)}
    for j in range(n_items):
        for k in range(1, m + 1):
            r = offs[j] + k - 1
            if j in lam_fixed:
                offset[r] += lam_fixed[j]
            elif j in col_of:
                design[r, col_of[j]] = 1.0
            if tau_fixed is not None:
                offset[r] += tau_fixed[k - 1]
            elif k < m:
                design[r, len(free_items) + k - 1] = 1.0
            else:
                design[r, len(free_items) :] = -1.0
    return design, offset, centre


# ----------------------------------------------------------------------------- persons


@dataclass(frozen=True)
class PersonResults:
    status: NDArray[np.object_]
    wle: FloatArray
    wle_se: FloatArray
    mle: FloatArray
    mle_se: FloatArray
    key: IntArray  #: index into the (pattern, score) keys, -1 for no answers
    key_mask: NDArray[np.bool_]  #: (K, I)
    key_theta_mle: FloatArray
    key_score: IntArray

    def __getitem__(self, name: str) -> FloatArray:
        value: FloatArray = getattr(self, name)
        return value


def _measure_persons(
    values: NDArray[np.int16],
    index: cml.PersonIndex,
    thresholds: FloatArray,
    max_cat: IntArray,
    min_answered: int,
) -> PersonResults:
    n = values.shape[0]
    pattern = index.pattern
    raw = index.raw_score
    has = pattern >= 0
    rtot = int(max_cat.sum())
    code = np.where(has, pattern * (rtot + 1) + raw, -1)
    keys, inverse = np.unique(code[has], return_inverse=True)
    key = np.full(n, -1, dtype=np.int64)
    key[has] = inverse
    kpat = keys // (rtot + 1)
    kscore = keys % (rtot + 1)
    mask = np.zeros((keys.size, max_cat.size), dtype=bool)
    for g, items in enumerate(index.pattern_items):
        rows = np.flatnonzero(kpat == g)
        if rows.size:
            mask[np.ix_(rows, items)] = True
    sc = kscore.astype(float)
    wle, wle_se, _ = solve_persons(sc, thresholds, mask, kind="wle")
    mle, mle_se, _ = solve_persons(sc, thresholds, mask, kind="mle", start=wle)
    status = np.full(n, PersonStatus.OK.value, dtype=object)
    status[raw == 0] = PersonStatus.EXTREME_MIN.value
    status[(raw == index.max_score) & has] = PersonStatus.EXTREME_MAX.value
    status[(index.n_answered < min_answered) & has] = PersonStatus.TOO_FEW_ANSWERS.value
    status[~has] = PersonStatus.NO_ANSWERS.value
    take = np.where(has, key, 0)

    def per_person(arr: FloatArray) -> FloatArray:
        out = np.where(has, arr[take], np.nan) if keys.size else np.full(n, np.nan)
        return out

    p_wle, p_wle_se = per_person(wle), per_person(wle_se)
    p_mle, p_mle_se = per_person(mle), per_person(mle_se)
    too_few = status == PersonStatus.TOO_FEW_ANSWERS.value
    for arr in (p_wle, p_wle_se, p_mle, p_mle_se):
        arr[too_few] = np.nan
    return PersonResults(
        status=status,
        wle=p_wle,
        wle_se=p_wle_se,
        mle=p_mle,
        mle_se=p_mle_se,
        key=key,
        key_mask=mask,
        key_theta_mle=mle,
        key_score=kscore,
    )


# ----------------------------------------------------------------------------- fit


@dataclass(frozen=True)
class FitTables:
    item: tuple[FloatArray, FloatArray, FloatArray, FloatArray]
    item_n: FloatArray
    person: tuple[FloatArray, FloatArray, FloatArray, FloatArray]


def _fit(
    values: NDArray[np.int16],
    index: cml.PersonIndex,
    thresholds: FloatArray,
    persons: PersonResults,
    chunk: int = 200_000,
) -> FitTables:
    """Item fit from counts per (pattern, score) key; person fit in chunks of persons."""
    n, n_items = values.shape
    theta = persons.key_theta_mle
    ok_key = np.isfinite(theta)
    th = np.where(ok_key, theta, 0.0)
    e, v, _, m4 = item_moments(th, thresholds)
    width = thresholds.shape[1] + 1
    fit_person = persons.key >= 0
    fit_person &= ok_key[np.where(persons.key >= 0, persons.key, 0)]
    fit_person &= persons.status == PersonStatus.OK.value
    # item sums via counts by (key, item, category)
    k = persons.key
    nk = e.shape[0]
    cnt = np.zeros((nk, n_items, width))
    for j in range(n_items):  # counts by (key, category), one item at a time
        sel = fit_person & (values[:, j] >= 0)
        cnt[:, j, :] = np.bincount(
            k[sel] * width + values[sel, j].astype(np.int64), minlength=nk * width
        ).reshape(nk, width)
    x = np.arange(width, dtype=float)
    sq = (cnt * (x[None, None, :] - e[:, :, None]) ** 2).sum(axis=2)
    ncell = cnt.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        vsafe = np.where(v > 0, v, np.nan)
        item_sums = (
            ncell.sum(axis=0),
            np.nansum(sq / vsafe, axis=0),
            sq.sum(axis=0),
            (ncell * v).sum(axis=0),
            np.nansum(ncell * m4 / vsafe**2, axis=0),
            (ncell * (m4 - v**2)).sum(axis=0),
        )
    item = fit_from_sums(*item_sums)
    # person sums, chunked gather of E, V, C at each person's key
    p_sums = [np.zeros(n) for _ in range(6)]
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        kk = np.where(fit_person[start:stop], k[start:stop], 0)
        xv = values[start:stop]
        ans = (xv >= 0) & fit_person[start:stop, None]
        ee, vv, cc = e[kk], v[kk], m4[kk]
        d2 = np.where(ans, (xv - ee) ** 2, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            vs = np.where(ans, vv, np.nan)
            p_sums[0][start:stop] = ans.sum(axis=1)
            p_sums[1][start:stop] = np.nansum(d2 / vs, axis=1)
            p_sums[2][start:stop] = d2.sum(axis=1)
            p_sums[3][start:stop] = np.where(ans, vv, 0.0).sum(axis=1)
            p_sums[4][start:stop] = np.nansum(np.where(ans, cc, 0.0) / vs**2, axis=1)
            p_sums[5][start:stop] = np.where(ans, cc - vv**2, 0.0).sum(axis=1)
    person = fit_from_sums(*p_sums)
    person = tuple(np.where(fit_person, a, np.nan) for a in person)  # type: ignore[assignment]
    return FitTables(item=item, item_n=item_sums[0], person=person)
