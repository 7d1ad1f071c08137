"""Cut-offs simulated from the fitted model (a parametric bootstrap).

Fixed rules of thumb for fit statistics depend on the sample size, the number of items and the
targeting (Mueller 2020; Christensen, Makransky & Horton 2017). Here the cut-offs come from data
drawn from the fitted model itself: every replicate has the same persons (each answers at their
own WLE measure; persons without a measure at the mean measure), the same missing-data pattern
(a cell missing in the data is missing in every replicate) and so the same N. In each replicate
we recompute

* the conditional outfit and infit of every item (:mod:`measure.diagnostics.conditional`);
* Q3* of every item pair (Yen's Q3 of the residuals at the persons' ML measures minus the mean
  of all Q3, as :func:`measure.diagnostics.q3`), keeping the largest;
* the eigenvalue of the first contrast of the residual PCA (as
  :func:`measure.diagnostics.residual_pca`).

The item parameters are those of the calibration in every replicate (they are not re-estimated:
a replicate costs a few array operations, not a CML fit). Conditional statistics given the raw
score do not depend on the persons' measures; re-estimation would make the simulated spread very
slightly smaller (the observed statistics use parameters fitted to the same data), so the
intervals here are, if anything, a little wide. The simulation is vectorised over persons and
items; ``rng`` makes it reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from measure._estimation.persons import raw_score_table
from measure.diagnostics._residuals import pairwise_correlation
from measure.diagnostics._subfit import fit_items, informative_gaps
from measure.diagnostics.conditional import (
    PatternTable,
    fit_sums,
    msq_from_sums,
    pattern_tables,
)
from measure.exceptions import ConvergenceError
from measure.models import category_probabilities, item_moments
from measure.results import Calibration

__all__ = ["SimulatedCutoffs", "simulate_cutoffs", "simulate_statistics"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class SimulatedCutoffs:
    """The statistics of ``n_replicates`` data sets drawn from the fitted model.

    Attributes
    ----------
    cond_outfit, cond_infit : (B, I) conditional mean squares per replicate and item.
    q3_star_max : (B,) the largest Q3* over item pairs per replicate.
    first_contrast : (B,) eigenvalue of the first residual contrast per replicate.
    level : coverage of the two-sided item intervals (0.95: the 2.5 and 97.5 percentiles); the
        one-sided cut-offs of Q3* and the first contrast are the ``level`` percentiles.
    seed : the seed given (None when a Generator or nothing was given).
    """

    cond_outfit: FloatArray
    cond_infit: FloatArray
    q3_star_max: FloatArray
    first_contrast: FloatArray
    level: float
    seed: int | None
    refit: bool = False  #: items re-estimated in every replicate

    @property
    def n_replicates(self) -> int:
        return int(self.cond_outfit.shape[0])

    def _interval(self, values: FloatArray) -> tuple[FloatArray, FloatArray]:
        tail = 100.0 * (1.0 - self.level) / 2.0
        lo, hi = np.nanpercentile(values, [tail, 100.0 - tail], axis=0)
        return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)

    def outfit_interval(self) -> tuple[FloatArray, FloatArray]:
        """Per item: the (1 - level)/2 and (1 + level)/2 percentiles of the conditional outfit."""
        return self._interval(self.cond_outfit)

    def infit_interval(self) -> tuple[FloatArray, FloatArray]:
        """Per item: the (1 - level)/2 and (1 + level)/2 percentiles of the conditional infit."""
        return self._interval(self.cond_infit)

    @property
    def q3_star_cutoff(self) -> float:
        """The ``level`` percentile of the largest Q3* (flag a pair above it)."""
        return float(np.nanpercentile(self.q3_star_max, 100.0 * self.level))

    @property
    def contrast_cutoff(self) -> float:
        """The ``level`` percentile of the first contrast's eigenvalue."""
        return float(np.nanpercentile(self.first_contrast, 100.0 * self.level))


@dataclass(frozen=True)
class _Residual:
    """Per pattern: item moments at the ML measure of every raw score."""

    e: FloatArray  # (R + 1, items of the pattern), NaN at the extremes
    v: FloatArray


def _residual_tables(
    tables: list[PatternTable], thresholds: FloatArray, max_cat: IntArray
) -> list[_Residual]:
    out = []
    n_items = thresholds.shape[0]
    for tab in tables:
        chosen = np.zeros(n_items, dtype=bool)
        chosen[tab.items] = True
        mle = np.asarray(raw_score_table(thresholds, max_cat, chosen)["mle"], dtype=np.float64)
        e = np.full((mle.size, tab.items.size), np.nan)
        v = np.full_like(e, np.nan)
        ok = np.isfinite(mle)
        if ok.any():
            e_ok, v_ok, _, _ = item_moments(mle[ok], thresholds[tab.items])
            e[ok], v[ok] = e_ok, v_ok
        out.append(_Residual(e, v))
    return out


def _q3_and_contrast(
    x: NDArray[np.int16], tables: list[PatternTable], resid: list[_Residual]
) -> tuple[float, float]:
    """Largest Q3* and first-contrast eigenvalue of one data set (the definitions of
    :func:`measure.diagnostics.q3` and :func:`measure.diagnostics.residual_pca`)."""
    n, n_items = x.shape
    raw = np.full((n, n_items), np.nan)
    std = np.full((n, n_items), np.nan)
    for tab, res in zip(tables, resid, strict=True):
        xk = x[np.ix_(tab.rows, tab.items)].astype(np.float64)
        r = xk.sum(axis=1).astype(np.int64)
        keep = (r > 0) & (r < tab.max_score)
        rows = tab.rows[keep]
        d = xk[keep] - res.e[r[keep]]
        raw[np.ix_(rows, tab.items)] = d
        with np.errstate(invalid="ignore", divide="ignore"):
            std[np.ix_(rows, tab.items)] = d / np.sqrt(res.v[r[keep]])
    q3, _ = pairwise_correlation(raw)
    iu = np.triu_indices(n_items, k=1)
    vals = q3[iu]
    q3max = float(np.nanmax(vals - np.nanmean(vals))) if np.isfinite(vals).any() else np.nan
    c, _ = pairwise_correlation(std)
    c = np.where(np.isnan(c), 0.0, c)
    np.fill_diagonal(c, 1.0)
    first = float(np.linalg.eigvalsh(c)[-1])
    return q3max, first


def simulate_statistics(
    values: NDArray[np.integer],
    thresholds: FloatArray,
    max_cat: IntArray,
    theta: FloatArray,
    *,
    n_replicates: int = 200,
    rng: np.random.Generator | int | None = None,
    level: float = 0.95,
    refit: str | None = None,
) -> SimulatedCutoffs:
    """Draw ``n_replicates`` data sets from the model and compute the statistics of each.

    Parameters
    ----------
    values : (N, I) int array
        The observed answers; only their missing-data pattern is used (negative = missing).
    thresholds : (I, M) array
        Item thresholds (NaN-padded) of the fitted model.
    max_cat : (I,) int array
    theta : (N,) array
        Each person's measure (NaN: the mean of the others).
    n_replicates : int
        B, the number of simulated data sets.
    rng : Generator, int seed or None
    level : float
        Coverage of the item intervals and percentile of the one-sided cut-offs.
    refit : model name or None
        With a model ("rasch", "pcm", "rsm") the items are re-estimated by CML in every
        replicate (through the pipeline, :func:`measure.diagnostics._subfit.fit_items`), as
        iarm's ``boot_fit`` does; a replicate in which some category has no informative answer
        is drawn again (at most ``10 n_replicates`` draws). Slower: one CML fit per replicate.
    """
    if n_replicates < 1:
        raise ValueError(f"n_replicates must be at least 1, got {n_replicates}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    seed = rng if isinstance(rng, int) else None
    gen = np.random.default_rng(rng)
    vals = np.asarray(values)
    thr = np.asarray(thresholds, dtype=np.float64)
    mc = np.asarray(max_cat, dtype=np.int64)
    th = np.asarray(theta, dtype=np.float64)
    fill = float(np.nanmean(th)) if np.isfinite(th).any() else 0.0
    th = np.where(np.isfinite(th), th, fill)
    missing = vals < 0
    uniq, inv = np.unique(th, return_inverse=True)
    cum = np.cumsum(category_probabilities(uniq, thr), axis=2)[inv.reshape(-1)]  # (N, I, W)
    cum[:, :, -1] = 1.0 + 1e-12  # guard: rounding never pushes an answer past the top
    tables = pattern_tables(vals, thr, mc)
    resid = _residual_tables(tables, thr, mc)
    n_items = vals.shape[1]
    outfit = np.full((n_replicates, n_items), np.nan)
    infit = np.full_like(outfit, np.nan)
    q3max = np.full(n_replicates, np.nan)
    first = np.full(n_replicates, np.nan)
    b = draws = 0
    while b < n_replicates:
        draws += 1
        if draws > 10 * n_replicates:
            raise ValueError(
                f"only {b} of {n_replicates} simulated data sets could be re-estimated (too "
                "many have a category without informative answers); use refit=None"
            )
        u = np.asarray(gen.random(size=vals.shape), dtype=np.float64)
        x = (u[:, :, None] > cum).sum(axis=2).astype(np.int16)
        x[missing] = -1
        tabs, res = tables, resid
        if refit is not None:
            if informative_gaps(x, mc, refit):
                continue
            try:
                sub = fit_items(x, mc, refit)
            except ConvergenceError:
                continue
            tabs = pattern_tables(vals, sub.thresholds, mc)
            res = _residual_tables(tabs, sub.thresholds, mc)
        outfit[b], infit[b] = msq_from_sums(fit_sums(x, tabs))
        q3max[b], first[b] = _q3_and_contrast(x, tabs, res)
        b += 1
    return SimulatedCutoffs(outfit, infit, q3max, first, level, seed, refit is not None)


def simulate_cutoffs(
    cal: Calibration,
    *,
    n_replicates: int = 200,
    rng: np.random.Generator | int | None = None,
    level: float = 0.95,
    refit: bool = False,
) -> SimulatedCutoffs:
    """Cut-offs for the conditional item fit, Q3* and the first residual contrast, simulated
    from a calibration (its thresholds, its persons' WLE measures, its missing-data pattern).

    Examples
    --------
    >>> import measure
    >>> from measure.diagnostics import simulate_cutoffs
    >>> sim = measure.simulate_responses(thresholds=[[t] for t in (-1.0, 0.0, 1.0, 0.5)],
    ...                                  n_persons=300, rng=1)
    >>> cut = simulate_cutoffs(measure.calibrate(sim.responses, model="rasch"),
    ...                        n_replicates=20, rng=7)
    >>> cut.cond_outfit.shape
    (20, 4)

    iarm's ``boot_fit(model, B)`` simulates from the persons' WLE measures in the same way and
    re-estimates the items in every replicate: ``refit=True`` does that too (one CML fit per
    replicate); by default the calibration's items are kept (see the module notes).
    """
    theta = cal.persons["wle"].to_numpy(dtype=np.float64)
    if theta.shape[0] != cal.values.shape[0]:
        raise ValueError("the calibration's persons and answers have different numbers of rows")
    return simulate_statistics(
        cal.values,
        cal.threshold_matrix,
        cal.max_category,
        theta,
        n_replicates=n_replicates,
        rng=rng,
        level=level,
        refit=cal.model if refit else None,
    )
