"""Person measures given item thresholds: MLE and Warm's WLE, vectorised over (pattern, score).

For a set of items S and raw score r, with E_i, V_i, M3_i the mean, variance and third central
moment of item i at theta and I = sum V_i (the test information):

* MLE solves ``r - sum_i E_i(theta) = 0`` (no finite solution at the minimum or maximum score);
* WLE (Warm 1989) solves ``r - sum_i E_i(theta) + sum_i M3_i / (2 I) = 0``, finite at every score;
* SE = 1 / sqrt(I) at the estimate.

Every (pattern, score) pair is one unknown; all are solved at once by a safeguarded Newton
iteration (bisection whenever the Newton step leaves the bracket), so the cost does not depend on
the number of persons.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from measure._types import PersonEstimator
from measure.models import item_moments

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

BOUND = 40.0


def _equation(
    theta: FloatArray,
    scores: FloatArray,
    thresholds: FloatArray,
    mask: BoolArray,
    kind: PersonEstimator,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    e, v, m3, m4 = item_moments(theta, thresholds)
    e_sum = np.where(mask, e, 0.0).sum(axis=1)
    info = np.where(mask, v, 0.0).sum(axis=1)
    f = scores - e_sum
    d = -info
    if kind == "wle":
        j = np.where(mask, m3, 0.0).sum(axis=1)
        k4 = np.where(mask, m4 - 3.0 * v * v, 0.0).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            f = f + j / (2.0 * info)
            d = d + (k4 / info - (j / info) ** 2) / 2.0
        # no information (far outside the items, or no items): let bisection take over
        top = np.where(mask, np.sum(~np.isnan(thresholds), axis=1)[None, :], 0).sum(axis=1)
        f = np.where(info > 0, f, np.where(e_sum < 0.5 * top, 1.0, -1.0))
        d = np.where(info > 0, d, -1.0)
    return f, d, info


def solve(
    scores: FloatArray,
    thresholds: FloatArray,
    mask: BoolArray,
    *,
    kind: PersonEstimator,
    tol: float = 1e-10,
    max_iter: int = 200,
    start: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Person measures for many (item set, score) pairs.

    Parameters
    ----------
    scores : (K,) raw scores.
    thresholds : (I, M) NaN-padded thresholds of all items.
    mask : (K, I) which items each pair answered.
    kind : "wle" or "mle".

    Returns
    -------
    theta, se, converged : (K,) arrays. For ``kind="mle"`` extreme scores give NaN.
    """
    k = scores.shape[0]
    lo = np.full(k, -BOUND)
    hi = np.full(k, BOUND)
    converged = np.zeros(k, dtype=bool)
    maxs = np.where(mask, np.sum(~np.isnan(thresholds), axis=1)[None, :], 0).sum(axis=1)
    if start is not None and start.shape == scores.shape:
        theta = np.where(np.isfinite(start), start, 0.0).astype(np.float64)
    else:  # logit of the proportion of the maximum score, around the answered items' mean
        loc = np.nanmean(thresholds, axis=1)
        mean_loc = (mask * loc[None, :]).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)
        theta = np.log((scores + 0.5) / (np.maximum(maxs - scores, 0) + 0.5)) + mean_loc
        theta = np.clip(theta, -BOUND + 1, BOUND - 1)
    active = np.ones(k, dtype=bool)
    if kind == "mle":
        active &= (scores > 0) & (scores < maxs)
    for _ in range(max_iter):
        idx = np.flatnonzero(active & ~converged)
        if idx.size == 0:
            break
        th = theta[idx]
        f, d, _ = _equation(th, scores[idx], thresholds, mask[idx], kind)
        lo[idx] = np.where(f > 0, th, lo[idx])
        hi[idx] = np.where(f < 0, th, hi[idx])
        step = np.where(d < 0, -f / np.where(d < 0, d, -1.0), np.nan)
        step = np.clip(step, -2.0, 2.0)
        new = th + step
        done = (np.abs(step) < tol) | (np.abs(f) < tol * 1e-2) | (hi[idx] - lo[idx] < tol)
        bad = ~done & (~np.isfinite(new) | (new < lo[idx]) | (new > hi[idx]))
        new = np.where(bad, 0.5 * (lo[idx] + hi[idx]), np.where(np.isfinite(new), new, th))
        theta[idx] = new
        converged[idx] = done
    _, _, info = _equation(theta, scores, thresholds, mask, kind)
    with np.errstate(divide="ignore"):
        se = np.where(info > 0, 1.0 / np.sqrt(np.where(info > 0, info, 1.0)), np.nan)
    theta = np.where(active, theta, np.nan)
    se = np.where(active, se, np.nan)
    return theta, se, converged | ~active
