"""Elementary symmetric functions (ESF) for polytomous Rasch items, computed in probability space.

Notation (see docs/models.md): item i has categories 0..m_i and log-parameters
``L[i, x] = -sum_{k<=x} delta_ik`` (``L[i, 0] = 0``); ``eps_ix = exp(L[i, x])``. The ESF of an item
set S is ``gamma_r(S) = sum over response vectors with raw score r of prod_i eps_{i x_i}``.

Numerical stability. ESFs of long polytomous tests span more than the double range
(100 items x 10 categories easily exceeds 1e300 between the middle and the ends of the score
range). We therefore never form ``gamma`` itself. We *tilt* every item by a person location
``theta``: ``p_ix(theta) = eps_ix exp(x theta) / norm_i(theta)`` is the category distribution of
item i at ``theta``, and the ESF of the tilted items is the distribution of the raw score at
``theta``. It is a convolution of probability vectors: every number lies in [0, 1], sums have no
cancellation, and for scores near the mean score at ``theta`` the values are of order
1/sqrt(variance). Conditional probabilities given the raw score are invariant to the tilt, and
``log gamma_r = log P(R = r | theta) - r theta + sum_i log norm_i(theta)``. Scores far from the
mean at one tilt are handled by another tilt ("bands"); :func:`choose_bands` picks them so that
every observed score has ``P(R = r | theta) > 1e-200`` at its band's tilt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: a score is covered by a tilt when its probability at the tilt exceeds this
COVER_LIMIT = 1e-200


def tilted_probabilities(log_eps: FloatArray, theta: float) -> tuple[FloatArray, FloatArray]:
    """Category probabilities of items at ``theta`` and the log normalisers.

    Parameters
    ----------
    log_eps : (n, M + 1) array
        ``L[i, x]``; ``-inf`` beyond an item's top category.
    theta : float
        Location at which to tilt.

    Returns
    -------
    p : (n, M + 1) array
        ``p[i, x] = exp(L[i, x] + x theta) / norm_i``.
    log_norm : (n,) array
        ``log norm_i(theta)``.
    """
    x = np.arange(log_eps.shape[1], dtype=np.float64)
    a = log_eps + x * theta
    amax = np.max(a, axis=1, keepdims=True)
    e = np.exp(a - amax)
    s = e.sum(axis=1, keepdims=True)
    p = e / s
    return p, (amax + np.log(s))[:, 0]


def convolve_rows(a: FloatArray, p: FloatArray) -> FloatArray:
    """Convolve every row of ``a`` with the category vector ``p`` (adding one item)."""
    m = p.shape[0] - 1
    out = np.zeros((a.shape[0], a.shape[1] + m))
    for x in range(m + 1):
        if p[x] != 0.0:
            out[:, x : x + a.shape[1]] += a * p[x]
    return out


def score_distribution(p: FloatArray, max_cat: NDArray[np.int64]) -> FloatArray:
    """Distribution of the raw score of independent items with category probabilities ``p``."""
    g = np.ones((1, 1))
    for i in range(p.shape[0]):
        g = convolve_rows(g, p[i, : max_cat[i] + 1])
    out: FloatArray = g[0]
    return out


def theta_for_scores(
    log_eps: FloatArray, max_cat: NDArray[np.int64], targets: FloatArray
) -> FloatArray:
    """Solve ``sum_i E_i(theta) = target`` for each target (vectorised, safeguarded Newton)."""
    x = np.arange(log_eps.shape[1], dtype=np.float64)
    t = np.asarray(targets, dtype=np.float64)
    lo = np.full(t.shape, -60.0)
    hi = np.full(t.shape, 60.0)
    th = np.zeros(t.shape)
    for _ in range(200):
        a = log_eps[None, :, :] + th[:, None, None] * x
        a = a - a.max(axis=2, keepdims=True)
        e = np.exp(a)
        p = e / e.sum(axis=2, keepdims=True)
        mean = (p * x).sum(axis=2)
        var = (p * x**2).sum(axis=2) - mean**2
        f = t - mean.sum(axis=1)
        d = var.sum(axis=1)
        lo = np.where(f > 0, th, lo)
        hi = np.where(f < 0, th, hi)
        step = np.where(d > 0, f / np.maximum(d, 1e-300), 0.0)
        new = th + step
        bad = (new <= lo) | (new >= hi) | ~np.isfinite(new)
        new = np.where(bad, 0.5 * (lo + hi), new)
        if np.all(np.abs(new - th) < 1e-10):
            th = new
            break
        th = new
    return th


@dataclass(frozen=True)
class Band:
    """A tilt and the observed scores it covers."""

    theta: float
    scores: NDArray[np.int64]


def choose_bands(
    log_eps: FloatArray, max_cat: NDArray[np.int64], observed: NDArray[np.int64]
) -> list[Band]:
    """Choose tilts so that every observed score is well inside the double range at its tilt."""
    remaining = np.unique(observed)
    rmax = int(max_cat.sum())
    bands: list[Band] = []
    while remaining.size:
        r_mid = float(remaining[remaining.size // 2])
        target = min(max(r_mid, 0.5), rmax - 0.5)
        theta = float(theta_for_scores(log_eps, max_cat, np.array([target]))[0])
        p, _ = tilted_probabilities(log_eps, theta)
        g = score_distribution(p, max_cat)
        covered = g[remaining] > COVER_LIMIT
        if not covered.any():  # cannot happen for the target score itself; guard anyway
            covered[remaining.size // 2] = True
        bands.append(Band(theta=theta, scores=remaining[covered]))
        remaining = remaining[~covered]
    return bands


@dataclass(frozen=True)
class PatternTerms:
    """Contributions of one missing-data pattern to the conditional log-likelihood."""

    minus_sum_log_gamma: float  #: -sum_r n_r log gamma_r(S)
    expected: FloatArray  #: (n, M + 1) expected category counts sum_r n_r P(X_i = x | r)
    information: FloatArray | None  #: (n*M, n*M) information in beta_{i,x}, x = 1..M (row-major)


def pattern_terms(
    log_eps: FloatArray,
    max_cat: NDArray[np.int64],
    score_counts: FloatArray,
    *,
    hessian: bool,
) -> PatternTerms:
    """Log-likelihood, expected category counts and information for one pattern.

    Parameters
    ----------
    log_eps : (n, M + 1) array
        Log item parameters of the items in the pattern (``-inf`` beyond an item's top).
    max_cat : (n,) int array
        Top category of each item.
    score_counts : (R + 1,) array
        Number of persons in the pattern with each raw score (extreme scores must be zero).
    hessian : bool
        Also compute the information matrix (negative Hessian) in the ``beta`` parameters.
    """
    n, width = log_eps.shape
    mcat = width - 1
    rmax = int(max_cat.sum())
    observed = np.flatnonzero(score_counts > 0)
    expected = np.zeros((n, width))
    info = np.zeros((n * mcat, n * mcat)) if hessian else None
    total = 0.0
    if observed.size == 0:
        return PatternTerms(0.0, expected, info)
    for band in choose_bands(log_eps, max_cat, observed):
        p, log_norm = tilted_probabilities(log_eps, band.theta)
        p = np.where(np.isfinite(log_eps), p, 0.0)
        nr = np.zeros(rmax + 1)
        nr[band.scores] = score_counts[band.scores]
        # prefix (f[j]: items < j) and suffix (b[j]: items >= j) score distributions
        f = [np.ones(1)]
        for j in range(n):
            f.append(np.convolve(f[j], p[j, : max_cat[j] + 1]))
        b: list[FloatArray] = [np.ones(1)] * (n + 1)
        for j in range(n - 1, -1, -1):
            b[j] = np.convolve(p[j, : max_cat[j] + 1], b[j + 1])
        g = f[n]
        gs = g[band.scores]
        total -= float(
            np.sum(nr[band.scores] * (np.log(gs) - band.scores * band.theta + log_norm.sum()))
        )
        w = np.zeros(rmax + 1)
        w[band.scores] = nr[band.scores] / gs
        # P[r, i, x] = p_ix * G_i[r - x] / g_r for the band's scores
        prob = np.zeros((rmax + 1, n, width))
        for i in range(n):
            gi = np.convolve(f[i], b[i + 1])
            for x in range(max_cat[i] + 1):
                prob[x : x + gi.size, i, x] = p[i, x] * gi
        prob[band.scores] /= gs[:, None, None]
        prob[np.setdiff1d(np.arange(rmax + 1), band.scores)] = 0.0
        band_expected = np.einsum("r,rix->ix", nr, prob)
        expected += band_expected
        if info is None:
            continue
        pm = prob[:, :, 1:].reshape(rmax + 1, n * mcat)
        block = -(pm.T * nr) @ pm
        block[np.diag_indices(n * mcat)] += band_expected[:, 1:].reshape(-1)
        # off-diagonal joint terms, i < j
        fex = np.zeros((n, rmax + 1))  # rows i < j: score distribution of items {<j} \ {i}
        zmax = 2 * mcat
        cum = np.concatenate([[0], np.cumsum(max_cat)])  # cum[j]: top score of items < j
        for j in range(1, n):
            # row j-1 becomes prefix of items < j-1; rows < j-1 get item j-1 added.
            # Rows for j hold scores 0..cum[j] at most: work on those columns only.
            if j > 1:
                width_prev = int(cum[j - 1]) + 1
                upd = convolve_rows(fex[: j - 1, :width_prev], p[j - 1, : max_cat[j - 1] + 1])
                fex[: j - 1, : upd.shape[1]] = upd
            fj = f[j - 1]
            fex[j - 1, :] = 0.0
            fex[j - 1, : fj.size] = fj
            bj = b[j + 1]
            c = np.correlate(w, bj, mode="full")[bj.size - 1 :]  # c[s] = sum_u b[u] w[s+u]
            cpad = np.zeros(rmax + 1 + zmax)
            cpad[: c.size] = c
            hank = np.lib.stride_tricks.sliding_window_view(cpad, zmax + 1)[: rmax + 1]
            used = int(cum[j]) + 1
            u = fex[:j, :used] @ hank[:used]  # (j, zmax + 1): u[i, z] = sum_t fex[i, t] c[t + z]
            xs = np.arange(1, mcat + 1)
            zz = xs[:, None] + xs[None, :]
            joint = p[:j, 1:, None] * p[j, None, 1:][None, :, :] * u[:, zz]  # (j, M, M)
            rows = slice(j * mcat, (j + 1) * mcat)
            # block[i*M + x, j*M + y] += joint[i, x, y] for every i < j, and its transpose
            block[: j * mcat, rows] += joint.reshape(j * mcat, mcat)
            block[rows, : j * mcat] += joint.transpose(2, 0, 1).reshape(mcat, j * mcat)
        info += block
    return PatternTerms(total, expected, info)
