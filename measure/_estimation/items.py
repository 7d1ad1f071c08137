"""Item parameters from sufficient statistics: choose the estimator, fit, identify.

One place for what :func:`measure.calibrate`, :func:`measure.calibrate_counts` and the
diagnostics' sub-sample fits share: build the linear design (model, anchors), choose exact CML or
pairwise conditional ML, fit, and centre the mean item location at 0 when no anchors identify the
scale (the covariance transformed exactly, as the centring is linear).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from measure._estimation import cml
from measure._estimation.cml import CMLResult, SolverOptions
from measure._estimation.design import build_design, location_weights, pad
from measure._estimation.pairwise import fit_pairwise
from measure._types import Method as Method  # re-exported: old import location

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: above this many missing-data patterns "auto" uses pairwise conditional estimation
AUTO_PAIRWISE_PATTERNS = 1000


@dataclass(frozen=True)
class ItemEstimates:
    """Thresholds on the identified scale and how they were obtained."""

    thresholds: FloatArray  #: (I, M), NaN-padded
    delta: FloatArray  #: all thresholds, item-major
    cov: FloatArray  #: covariance of ``delta``
    result: CMLResult  #: the optimiser's result (loglik, iterations, ...)
    method: str  #: "cml" or "pairwise"
    reason: str  #: why that method, in words
    n_free: int  #: number of free parameters estimated


def choose_method(method: Method, n_patterns: int) -> tuple[str, str]:
    """The estimator for ``method`` given the number of missing-data patterns, with a reason."""
    if method == "auto":
        if n_patterns > AUTO_PAIRWISE_PATTERNS:
            return "pairwise", (
                f"{n_patterns} distinct missing-data patterns (more than "
                f"{AUTO_PAIRWISE_PATTERNS}): exact CML would need one set of symmetric functions "
                "per pattern, so the consistent pairwise conditional estimator was used"
            )
        return "cml", f"{n_patterns} missing-data pattern(s): exact CML"
    return method, f"requested (method={method!r}); {n_patterns} missing-data pattern(s)"


def estimate_items(
    stats: cml.SufficientStats,
    max_cat: IntArray,
    items: list[str],
    model: str,
    anchors: Mapping[tuple[int, int], float],
    *,
    values: NDArray[np.int16] | None = None,
    method: Method = "cml",
    solver: SolverOptions | None = None,
    start: FloatArray | None = None,
) -> ItemEstimates:
    """Fit the item parameters; ``values`` (N x I) is needed only for the pairwise estimator.

    ``start``: thresholds (item-major) to start Newton's method from (exact CML only), e.g. the
    full sample's estimates for a sub-sample's fit: the same optimum in fewer iterations.
    """
    options = solver or SolverOptions()
    design, offset, centre = build_design(model, max_cat, anchors, items)
    used, why = choose_method(method, len(stats.patterns))
    if used == "pairwise":
        if values is None:
            raise ValueError("pairwise estimation needs the response matrix")
        result = fit_pairwise(values, max_cat, design, offset, options=options)
    else:
        phi0 = None
        if start is not None and design.shape[1]:  # the free parameters nearest to ``start``
            target = np.asarray(start, dtype=np.float64) - offset
            phi0 = np.asarray(np.linalg.lstsq(design, target, rcond=None)[0], dtype=np.float64)
        result = cml.fit(stats, design, offset, options=options, start=phi0)
    delta, cov = result.delta, result.cov_delta
    if centre:
        a = location_weights(max_cat)
        t = np.eye(delta.size) - np.outer(np.ones(delta.size), a)
        delta = t @ delta
        cov = t @ cov @ t.T
    return ItemEstimates(pad(delta, max_cat), delta, cov, result, used, why, design.shape[1])
