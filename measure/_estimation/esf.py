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
mean at one tilt are handled by another tilt ("bands"): :func:`choose_bands` picks them so that
every observed score has ``P(R = r | theta) > 1e-200`` at its band's tilt.

Many missing-data patterns at once. Every function below works on a *batch* of patterns: a
pattern is a boolean mask over all items, and an item absent from a pattern is given the
degenerate category distribution ``[1, 0, ...]`` (it adds nothing to any score), so the ESFs of
thousands of patterns are computed by one vectorised convolution over the items instead of a
Python loop over the patterns. The bands are chosen per pattern exactly as for one pattern; a
(pattern, band) pair is one row of the batch. Nothing is approximated: the same sums of positive
terms are formed as pattern by pattern, in a different order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: a score is covered by a tilt when its probability at the tilt exceeds this
COVER_LIMIT = 1e-200
#: patterns handled together (bounds the temporaries to a few tens of MB)
PATTERN_CHUNK = 512


def tilted_probabilities(
    log_eps: FloatArray, theta: FloatArray, masks: BoolArray
) -> tuple[FloatArray, FloatArray]:
    """Category probabilities of the items at ``theta``, one row per (pattern, tilt).

    Parameters
    ----------
    log_eps : (I, M + 1) array
        ``L[i, x]``; ``-inf`` beyond an item's top category.
    theta : (B,) array
        Location at which to tilt each row.
    masks : (B, I) bool array
        Items present in each row's pattern; absent items get ``[1, 0, ...]``.

    Returns
    -------
    p : (B, I, M + 1) array
        ``p[b, i, x] = exp(L[i, x] + x theta_b) / norm_i(theta_b)``.
    log_norm : (B,) array
        ``sum_{i present} log norm_i(theta_b)``.
    """
    x = np.arange(log_eps.shape[1], dtype=np.float64)
    a = log_eps[None, :, :] + theta[:, None, None] * x
    amax = np.max(a, axis=2, keepdims=True)
    e = np.exp(a - amax)
    s = e.sum(axis=2, keepdims=True)
    p = e / s
    p[~masks] = 0.0
    p[~masks, 0] = 1.0
    log_norm = np.where(masks, (amax + np.log(s))[:, :, 0], 0.0).sum(axis=1)
    return p, log_norm


def _add_item(a: FloatArray, p: FloatArray) -> FloatArray:
    """Convolve every row of ``a`` (B, L) with its own category vector ``p`` (B, m + 1)."""
    m = p.shape[1] - 1
    out = np.zeros((a.shape[0], a.shape[1] + m))
    for x in range(m + 1):
        out[:, x : x + a.shape[1]] += a * p[:, x, None]
    return out


def _convolve(a: FloatArray, b: FloatArray) -> FloatArray:
    """Row-wise full convolution of (B, La) and (B, Lb) arrays."""
    if a.shape[1] > b.shape[1]:
        a, b = b, a
    out = np.zeros((a.shape[0], a.shape[1] + b.shape[1] - 1))
    if a.shape[0] < a.shape[1]:  # few rows (one long pattern): one C loop per row
        for row in range(a.shape[0]):
            out[row] = np.convolve(a[row], b[row])
        return out
    for t in range(a.shape[1]):
        out[:, t : t + b.shape[1]] += a[:, t, None] * b
    return out


def prefix_suffix(p: FloatArray, max_cat: IntArray) -> tuple[list[FloatArray], list[FloatArray]]:
    """Score distributions of the first j items (``f[j]``) and of items j.. (``b[j]``), per row."""
    n = max_cat.size
    rows = p.shape[0]
    f = [np.ones((rows, 1))]
    for j in range(n):
        f.append(_add_item(f[j], p[:, j, : max_cat[j] + 1]))
    b: list[FloatArray] = [np.ones((rows, 1))] * (n + 1)
    for j in range(n - 1, -1, -1):
        b[j] = _add_item(b[j + 1], p[:, j, : max_cat[j] + 1])
    return f, b


def score_distribution(p: FloatArray, max_cat: IntArray) -> FloatArray:
    """Distribution of the raw score of independent items, one row per row of ``p`` (B, I, M+1)."""
    g = np.ones((p.shape[0], 1))
    for i in range(max_cat.size):
        g = _add_item(g, p[:, i, : max_cat[i] + 1])
    return g


def theta_for_scores(
    log_eps: FloatArray,
    max_cat: IntArray,
    targets: FloatArray,
    masks: BoolArray | None = None,
    *,
    tol: float = 1e-10,
) -> FloatArray:
    """Solve ``sum_{i in S} E_i(theta) = target`` for each target (vectorised, safeguarded Newton).

    ``masks`` (T, I) gives each target's item set S (default: every item). Targets whose step
    fell below ``tol`` stop iterating.
    """
    x = np.arange(log_eps.shape[1], dtype=np.float64)
    t = np.asarray(targets, dtype=np.float64)
    weight = np.ones((t.size, max_cat.size)) if masks is None else masks.astype(np.float64)
    lo = np.full(t.shape, -60.0)
    hi = np.full(t.shape, 60.0)
    th = np.zeros(t.shape)
    idx = np.arange(t.size)
    for _ in range(200):
        cur = th[idx]
        a = log_eps[None, :, :] + cur[:, None, None] * x
        a = a - a.max(axis=2, keepdims=True)
        e = np.exp(a)
        p = e / e.sum(axis=2, keepdims=True)
        mean = p @ x
        var = p @ x**2 - mean**2
        f = t[idx] - (mean * weight[idx]).sum(axis=1)
        d = (var * weight[idx]).sum(axis=1)
        lo[idx] = np.where(f > 0, cur, lo[idx])
        hi[idx] = np.where(f < 0, cur, hi[idx])
        step = np.where(d > 0, f / np.maximum(d, 1e-300), 0.0)
        new = cur + step
        bad = (new <= lo[idx]) | (new >= hi[idx]) | ~np.isfinite(new)
        new = np.where(bad, 0.5 * (lo[idx] + hi[idx]), new)
        th[idx] = new
        idx = idx[np.abs(new - cur) >= tol]
        if idx.size == 0:
            break
    return th


@dataclass(frozen=True)
class Bands:
    """Tilts of a batch of patterns: one row per (pattern, tilt)."""

    pattern: IntArray  #: (B,) the pattern (row of the batch's masks) of each band
    theta: FloatArray  #: (B,) the tilt
    covered: BoolArray  #: (B, R + 1) the observed scores the band covers (each score once)


def choose_bands(
    log_eps: FloatArray, max_cat: IntArray, masks: BoolArray, observed: BoolArray
) -> Bands:
    """Tilts per pattern so that every observed score is well inside the double range at its tilt.

    ``masks`` (G, I): the items of each pattern; ``observed`` (G, R + 1): the scores to cover,
    ``R = sum(max_cat)``. For each pattern: tilt at the middle remaining score, keep the scores
    with probability above ``COVER_LIMIT`` there, repeat with the rest; all patterns advance
    together.
    """
    tops = masks.astype(np.int64) @ max_cat
    remaining = observed.copy()
    pats: list[IntArray] = []
    thetas: list[FloatArray] = []
    covers: list[BoolArray] = []
    while True:
        active = np.flatnonzero(remaining.any(axis=1))
        if active.size == 0:
            break
        rem = remaining[active]
        middle = rem.sum(axis=1) // 2  # index of the middle remaining score
        r_mid = np.argmax(np.cumsum(rem, axis=1) > middle[:, None], axis=1).astype(np.float64)
        target = np.minimum(np.maximum(r_mid, 0.5), tops[active] - 0.5)
        # any tilt near the middle score will do (the coverage is checked below): 1e-6 logits
        theta = theta_for_scores(log_eps, max_cat, target, masks[active], tol=1e-6)
        p, _ = tilted_probabilities(log_eps, theta, masks[active])
        g = score_distribution(p, max_cat)
        covered = rem & (g > COVER_LIMIT)
        none = ~covered.any(axis=1)  # cannot happen for the target score itself; guard anyway
        if none.any():
            covered[none, r_mid[none].astype(np.int64)] = True
        pats.append(active)
        thetas.append(theta)
        covers.append(covered)
        remaining[active] &= ~covered
    width = observed.shape[1]
    return Bands(
        pattern=np.concatenate(pats) if pats else np.zeros(0, dtype=np.int64),
        theta=np.concatenate(thetas) if thetas else np.zeros(0),
        covered=np.concatenate(covers) if covers else np.zeros((0, width), dtype=bool),
    )


@dataclass(frozen=True)
class KeyProbabilities:
    """Conditional category probabilities at every observed (pattern, raw score) key."""

    pattern: IntArray  #: (K,) the pattern of each key (position in the patterns given)
    score: IntArray  #: (K,) the raw score
    count: FloatArray  #: (K,) persons with that key
    #: (K, I, M + 1) ``P(X_i = x | r, S)``; items absent from S get ``[1, 0, ...]``
    prob: FloatArray


@dataclass(frozen=True)
class BatchTerms:
    """Contributions of many missing-data patterns to the conditional log-likelihood."""

    minus_sum_log_gamma: float  #: -sum_S sum_r n_{S,r} log gamma_r(S)
    #: (I, M + 1) expected category counts sum_S sum_r n_{S,r} P(X_i = x | r, S) (None if not asked)
    expected: FloatArray | None
    #: (I*M, I*M) information in beta_{i,x}, x = 1..M (row-major), or None
    information: FloatArray | None
    keys: KeyProbabilities | None  #: per-key probabilities when asked for


def _key_probabilities(
    p: FloatArray,
    f: list[FloatArray],
    b: list[FloatArray],
    max_cat: IntArray,
    kb: IntArray,
    kr: IntArray,
    masks: BoolArray,
) -> FloatArray:
    """``P[k, i, x] = p[kb, i, x] G_i[kb, kr - x] / g[kb, kr]``, ``G_i`` the ESF without item i."""
    n = max_cat.size
    width = p.shape[2]
    mcat = width - 1
    g = f[n]
    gk = g[kb, kr]
    prob = np.zeros((kb.size, n, width))
    xs = np.arange(width)
    for i in range(n):
        gi = _convolve(f[i], b[i + 1])  # (B, R - m_i + 1)
        padded = np.zeros((gi.shape[0], mcat + gi.shape[1] + mcat))
        padded[:, mcat : mcat + gi.shape[1]] = gi
        vals = padded[kb[:, None], mcat + kr[:, None] - xs[None, :]]
        prob[:, i, :] = p[kb, i, :] * vals
    prob /= gk[:, None, None]
    absent = ~masks[kb]
    prob[absent] = 0.0
    prob[absent, 0] = 1.0
    return prob


def _joint_information(
    p: FloatArray,
    f: list[FloatArray],
    max_cat: IntArray,
    w: FloatArray,
) -> FloatArray:
    """``sum_rows sum_r w_r P(X_i = x, X_j = y, R = r)`` for i != j, as an (I*M, I*M) block.

    ``w[row, r] = n_r / g_r`` (zero where the row does not cover r). For every j, the score
    distributions of the items before j without one item i (``fex``) are updated by one
    convolution, and ``c_j[s] = sum_u b_{j+1}[u] w[s + u]`` folds in the items after j; it follows
    the backward recursion ``c_j[s] = sum_x p_{j+1, x} c_{j+1}[s + x]``, ``c_{n-1} = w``. The
    rows of the batch are the last (contiguous) axis of these arrays.
    """
    n = max_cat.size
    rows, width = p.shape[0], p.shape[2]
    mcat = width - 1
    rmax = int(max_cat.sum())
    zmax = 2 * mcat
    cum = np.concatenate([[0], np.cumsum(max_cat)])
    block = np.zeros((n * mcat, n * mcat))
    pt = np.ascontiguousarray(p.transpose(1, 2, 0))  # (item, category, row)
    cs: list[FloatArray] = [np.zeros(0)] * n
    cur = np.zeros((rmax + 1 + zmax, rows))
    cur[: rmax + 1] = w.T
    cs[n - 1] = cur
    for j in range(n - 2, 0, -1):
        nxt = cs[j + 1]
        cur = np.zeros((rmax + 1 + zmax, rows))
        for x in range(int(max_cat[j + 1]) + 1):
            cur[: rmax + 1 - x] += pt[j + 1, x] * nxt[x : rmax + 1]
        cs[j] = cur
    fex = np.zeros((n, rmax + 1 + mcat, rows))  # [i, t, row], i < j: items {<j} \ {i}
    xs = np.arange(1, mcat + 1)
    zz = xs[:, None] + xs[None, :]
    for j in range(1, n):
        if j > 1:
            wp = int(cum[j - 1]) + 1
            old = fex[: j - 1, :wp].copy()
            fex[: j - 1, :wp] *= pt[j - 1, 0]
            for x in range(1, int(max_cat[j - 1]) + 1):
                fex[: j - 1, x : x + wp] += old * pt[j - 1, x]
        fj = f[j - 1]
        fex[j - 1] = 0.0
        fex[j - 1, : fj.shape[1]] = fj.T
        c = cs[j]
        used = int(cum[j]) + 1
        hank = np.stack([c[z : z + used] for z in range(zmax + 1)], axis=0)  # (Z, used, rows)
        # uu[row, i, z] = sum_t fex[i, t, row] c[t + z, row]: one BLAS product per row when
        # there are few rows (one long pattern), one pass over the rows otherwise
        if rows < 16:
            uu = np.matmul(fex[:j, :used].transpose(2, 0, 1), hank.transpose(2, 1, 0))
        else:
            uu = np.einsum("itb,ztb->biz", fex[:j, :used], hank)
        joint = np.einsum("bix,by,bixy->ixy", p[:, :j, 1:], p[:, j, 1:], uu[:, :, zz])
        cols = slice(j * mcat, (j + 1) * mcat)
        block[: j * mcat, cols] += joint.reshape(j * mcat, mcat)
        block[cols, : j * mcat] += joint.transpose(2, 0, 1).reshape(mcat, j * mcat)
    return block


def _chunk_terms(
    log_eps: FloatArray,
    max_cat: IntArray,
    masks: BoolArray,
    counts: FloatArray,
    *,
    gradient: bool,
    hessian: bool,
    keys: bool,
) -> tuple[
    float,
    FloatArray | None,
    FloatArray | None,
    tuple[IntArray, IntArray, FloatArray, FloatArray] | None,
]:
    """:func:`batch_terms` for one chunk of patterns given as dense arrays."""
    n, width = log_eps.shape
    mcat = width - 1
    bands = choose_bands(log_eps, max_cat, masks, counts > 0)
    bmask = masks[bands.pattern]
    p, log_norm = tilted_probabilities(log_eps, bands.theta, bmask)
    nr = np.where(bands.covered, counts[bands.pattern], 0.0)
    scores = np.arange(counts.shape[1], dtype=np.float64)
    need_keys = gradient or hessian or keys
    if need_keys:
        f, b = prefix_suffix(p, max_cat)
        g = f[n]
    else:
        g = score_distribution(p, max_cat)
        f = b = []
    with np.errstate(divide="ignore"):
        log_g = np.log(np.where(nr > 0, g, 1.0))
    total = -float(
        np.sum(nr * (log_g - scores[None, :] * bands.theta[:, None] + log_norm[:, None]))
    )
    if not need_keys:
        return total, None, None, None
    kb, kr = np.nonzero(nr > 0)
    kn = nr[kb, kr]
    prob = _key_probabilities(p, f, b, max_cat, kb, kr, bmask)
    expected = np.einsum("k,kix->ix", kn, prob) - np.outer(
        (kn[:, None] * ~bmask[kb]).sum(axis=0), np.eye(1, width)[0]
    )
    info = None
    if hessian:
        pm = prob[:, :, 1:].reshape(kb.size, n * mcat)
        info = -np.einsum("ka,kb->ab", pm * kn[:, None], pm)
        info[np.diag_indices(n * mcat)] += expected[:, 1:].reshape(-1)
        w = np.where(nr > 0, nr / np.where(nr > 0, g, 1.0), 0.0)
        info += _joint_information(p, f, max_cat, w)
    key_out = (bands.pattern[kb], kr.astype(np.int64), kn, prob) if keys else None
    return total, expected, info, key_out


def batch_terms(
    log_eps: FloatArray,
    max_cat: IntArray,
    pattern_items: Sequence[IntArray],
    score_counts: Sequence[FloatArray],
    *,
    gradient: bool = True,
    hessian: bool = False,
    keys: bool = False,
) -> BatchTerms:
    """Log-likelihood terms, expected counts, information and key probabilities of many patterns.

    Parameters
    ----------
    log_eps : (I, M + 1) array
        Log item parameters of every item (``-inf`` beyond an item's top).
    max_cat : (I,) int array
        Top category of each item.
    pattern_items : sequence of int arrays
        The items of each pattern.
    score_counts : sequence of arrays
        Persons of each pattern with each raw score 0.. (extreme scores must be zero).
    gradient, hessian, keys : bool
        Also compute the expected counts, the information (negative Hessian) in the ``beta``
        parameters, and the conditional category probabilities at every observed key.

    The patterns are handled ``PATTERN_CHUNK`` at a time, each chunk vectorised.
    """
    n, width = log_eps.shape
    mcat = width - 1
    rmax = int(max_cat.sum())
    total = 0.0
    expected = np.zeros((n, width)) if (gradient or hessian) else None
    info = np.zeros((n * mcat, n * mcat)) if hessian else None
    parts: list[tuple[IntArray, IntArray, FloatArray, FloatArray]] = []
    n_pat = len(pattern_items)
    for first in range(0, n_pat, PATTERN_CHUNK):
        last = min(first + PATTERN_CHUNK, n_pat)
        masks = np.zeros((last - first, n), dtype=bool)
        counts = np.zeros((last - first, rmax + 1))
        for row, g in enumerate(range(first, last)):
            masks[row, pattern_items[g]] = True
            c = score_counts[g]
            counts[row, : c.size] = c
        if not counts.any():
            continue
        t, e, h, k = _chunk_terms(
            log_eps, max_cat, masks, counts, gradient=gradient, hessian=hessian, keys=keys
        )
        total += t
        if expected is not None and e is not None:
            expected += e
        if info is not None and h is not None:
            info += h
        if k is not None:
            parts.append((k[0] + first, k[1], k[2], k[3]))
    key_probs = None
    if keys:
        if parts:
            pat = np.concatenate([q[0] for q in parts])
            sc = np.concatenate([q[1] for q in parts])
            order = np.lexsort((sc, pat))
            key_probs = KeyProbabilities(
                pattern=pat[order],
                score=sc[order],
                count=np.concatenate([q[2] for q in parts])[order],
                prob=np.concatenate([q[3] for q in parts])[order],
            )
        else:
            key_probs = KeyProbabilities(
                np.zeros(0, dtype=np.int64),
                np.zeros(0, dtype=np.int64),
                np.zeros(0),
                np.zeros((0, n, width)),
            )
    return BatchTerms(total, expected, info, key_probs)


@dataclass(frozen=True)
class PatternTerms:
    """Contributions of one missing-data pattern to the conditional log-likelihood."""

    minus_sum_log_gamma: float  #: -sum_r n_r log gamma_r(S)
    expected: FloatArray  #: (n, M + 1) expected category counts sum_r n_r P(X_i = x | r)
    information: FloatArray | None  #: (n*M, n*M) information in beta_{i,x}, x = 1..M (row-major)


def pattern_terms(
    log_eps: FloatArray,
    max_cat: IntArray,
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
    all_items = np.arange(max_cat.size, dtype=np.int64)
    t = batch_terms(log_eps, max_cat, [all_items], [score_counts], hessian=hessian)
    assert t.expected is not None
    return PatternTerms(t.minus_sum_log_gamma, t.expected, t.information)


def conditional_probabilities(
    log_eps: FloatArray, max_cat: IntArray, scores: IntArray
) -> FloatArray:
    """``P(X_i = x | R = r)`` of the items of one pattern at each raw score ``r`` in ``scores``.

    Returns an array (len(scores), n, M + 1); each requested score must lie strictly between 0
    and ``sum(max_cat)`` (the extremes carry no information and are not tilted for).
    """
    sc = np.asarray(scores, dtype=np.int64)
    uniq, inverse = np.unique(sc, return_inverse=True)
    counts = np.zeros(int(max_cat.sum()) + 1)
    counts[uniq] = 1.0
    all_items = np.arange(max_cat.size, dtype=np.int64)
    t = batch_terms(log_eps, max_cat, [all_items], [counts], gradient=False, keys=True)
    assert t.keys is not None
    return t.keys.prob[inverse.reshape(-1)]
