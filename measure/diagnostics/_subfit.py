"""Private: CML fits of subsets of a calibration's data (subgroups of persons, subsets of items).

Diagnostics (Andersen's LR test, DIF) re-estimate the item parameters in parts of the data. They
need the conditional log-likelihood, the thresholds and their covariance, nothing about persons,
so they run the pipeline (:func:`measure.pipeline.fit`) with ``persons=False`` on the sub-matrix,
never the public API (no second pass through the input gate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from measure._estimation.cml import SolverOptions
from measure._types import Method
from measure.pipeline import count, location_matrix
from measure.pipeline import fit as pipeline_fit

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class SubFit:
    """Item parameters of one CML fit of a subset (items in the order given)."""

    thresholds: FloatArray  #: (I, M) NaN-padded
    cov: FloatArray  #: covariance of the thresholds (item-major, categories 1..m_i)
    locations: FloatArray  #: (I,) mean of each item's thresholds (centred: mean 0)
    location_cov: FloatArray  #: (I, I)
    loglik: float  #: conditional log-likelihood (pairwise: the composite one)
    npar: int  #: free parameters
    n_informative: int  #: persons with a non-extreme score on the items
    method: str = "cml"  #: "cml" or "pairwise"


def informative_gaps(
    values: NDArray[np.int16], max_cat: IntArray, model: str
) -> dict[int, list[int]]:
    """Items whose parameters are not estimable in ``values``: {item index: missing categories}.

    Only persons with a non-extreme raw score on their answered items inform CML. For ``rasch``
    and ``pcm`` every category 0..m_i of every item needs at least one informative answer; for
    ``rsm`` every item needs informative answers in at least two categories and every category
    must be used by some item.
    """
    counts = count(values, max_cat).stats.category_counts
    gaps: dict[int, list[int]] = {}
    for j, m in enumerate(max_cat):
        c = counts[j, : int(m) + 1]
        if model == "rsm":
            if np.count_nonzero(c) < 2:
                gaps[j] = [int(x) for x in np.flatnonzero(c == 0)]
        else:
            missing = [int(x) for x in np.flatnonzero(c == 0)]
            if missing:
                gaps[j] = missing
    if model == "rsm" and not gaps:
        width = int(max_cat.max()) + 1
        used = counts[:, :width].sum(axis=0)
        empty = [int(x) for x in np.flatnonzero(used == 0)]
        if empty:
            gaps = {j: empty for j in range(max_cat.size)}
    return gaps


def fit_items(
    values: NDArray[np.int16],
    max_cat: IntArray,
    model: str,
    *,
    method: Method = "cml",
    solver: SolverOptions | None = None,
    start: FloatArray | None = None,
) -> SubFit:
    """Unanchored CML fit (mean item location 0) of ``values`` (N x I, -1 missing).

    ``method="auto"`` switches to pairwise conditional ML (sandwich covariance) above
    ``AUTO_PAIRWISE_PATTERNS`` missing-data patterns, as :func:`measure.calibrate` does; use it
    only where the log-likelihood is not needed (DIF). ``"cml"`` is exact CML always.
    Raises :class:`measure.ConvergenceError` when the parameters are not identified.
    """
    items = [str(j) for j in range(max_cat.size)]
    fit = pipeline_fit(
        values,
        max_cat,
        items,
        model,
        method=method,
        solver=solver,
        persons=False,
        null_categories="ignore",  # the callers check estimability (informative_gaps)
        start=start,
    )
    item = fit.item
    weights = location_matrix(max_cat)
    return SubFit(
        thresholds=item.thresholds,
        cov=item.cov,
        locations=weights @ item.delta,
        location_cov=weights @ item.cov @ weights.T,
        loglik=item.loglik,
        npar=item.n_free,
        n_informative=int(fit.counted.stats.n_informative),
        method=item.method,
    )
