"""Item analysis without person estimates: conditional item fit, item-restscore association and
partial gamma coefficients (the statistics of the R package iarm).

Arrays in, arrays out. Notation: item i with categories 0..m_i and thresholds ``delta_ik``;
``kappa_ix = sum_{k<=x} delta_ik``; ``R`` the raw score over the items a person answered
(their missing-data pattern ``S``); ``gamma_r(S)`` the elementary symmetric functions of S and
``gamma^(-i)_r`` those of S without item i.

* Conditional category probabilities (exact given R, no person measure)::

      P(X_i = x | R = r) = exp(-kappa_ix) gamma^(-i)_(r - x) / gamma_r

  from which ``E_ri``, ``V_ri`` and ``W_ri = sum_x ((x - E_ri)^2 / V_ri - 1)^2 P(X_i = x | r)``
  (the variance of a squared standardised residual). They are computed here in probability
  space: every score r gets its own tilt theta_r (the location at which r is the expected
  score), where the score distribution of the tilted items is of order one, so no ESF over- or
  underflows; conditional probabilities do not depend on the tilt.
* Conditional outfit and infit (Christensen, Kreiner & Mesbah 2013, pp. 86-90; Mueller 2020,
  iarm's ``out_infit``), persons with the lowest or highest score of their pattern left out::

      outfit_i = (1 / N_i) sum_v (x_vi - E_ri)^2 / V_ri,    SE = sqrt(sum_r n_ir W_ri) / N_i
      infit_i  = sum_v (x_vi - E_ri)^2 / sum_v V_ri,       SE = sqrt(sum_r n_ir V_ri^2 W_ri)
                                                                / sum_r n_ir V_ri

  ``z = (MSQ - 1) / SE`` and a two-sided normal p-value. With missing answers each person is
  conditioned on their raw score within their own missing-data pattern.
* Item-restscore association (Kreiner 2011): Goodman-Kruskal gamma of the table of the item
  score by the rest score (extreme scores included), its asymptotic SE, the gamma expected under
  the model from the table ``N(R = s + x) P(X_i = x | R = s + x)``, and
  ``z = (observed - expected) / SE(observed)``. With missing answers the tables are stratified by
  missing-data pattern (a partial gamma over the patterns; with complete data it is the plain
  gamma).
* Partial gamma (Davis 1967) over strata z: ``sum_z (C_z - D_z) / sum_z (C_z + D_z)`` with the
  asymptotic variance ``sum n_xyz psi_xyz^2``, ``psi = 2 (D pi^c - C pi^d) / (C + D)^2`` where
  ``pi^c`` (``pi^d``) counts the observations concordant (discordant) with a cell in its stratum.
  For DIF (Bjorner et al. 1998) the strata are the total score; for local dependence of the
  ordered pair (i, j) the total score minus item j (Christensen, Kreiner & Mesbah 2013,
  pp. 133-135).

References
----------
Christensen, K. B., Kreiner, S. & Mesbah, M. (Eds.) (2013). Rasch Models in Health. ISTE/Wiley.
Kreiner, S. (2011). A note on item-restscore association in Rasch models. Applied Psychological
Measurement 35, 557-561.
Davis, J. A. (1967). A partial coefficient for Goodman and Kruskal's gamma. JASA 62, 189-193.
Bjorner, J. B. et al. (1998). Differential item functioning in the Danish translation of the
SF-36. Journal of Clinical Epidemiology 51, 1189-1202.
Mueller, M. (2020). Item fit statistics for Rasch analysis: can we trust them? Journal of
Statistical Distributions and Applications 7:5. R package iarm 0.4.3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ConditionalFit",
    "GammaResult",
    "RestScore",
    "benjamini_hochberg",
    "conditional_fit",
    "conditional_fit_columns",
    "conditional_fit_scope",
    "conditional_probabilities",
    "gamma_table",
    "partial_gamma",
    "partial_gamma_dif",
    "partial_gamma_ld",
    "pattern_groups",
    "restscore_association",
]

FloatArray = NDArray[np.float64]


def _two_sided_p(z: FloatArray) -> FloatArray:
    """``2 * P(Z > |z|)`` for a standard normal Z: ``erfc(|z| / sqrt 2)`` (NaN stays NaN).

    The closed form from the standard library: importing ``scipy.stats`` costs most of a second
    at every ``measure calibrate``.
    """
    flat = np.asarray(z, dtype=np.float64).ravel()
    out = np.array([np.nan if math.isnan(v) else math.erfc(abs(v) / math.sqrt(2.0)) for v in flat])
    return out.reshape(np.shape(z))


IntArray = NDArray[np.int64]

#: a conditional variance below this is zero (the raw score fixes the answer)
_NO_VARIANCE = 1e-12
#: persons per block of the fit sums
_BLOCK = 65536


# ----------------------------------------------------------------------------- probabilities


def _log_eps(thresholds: FloatArray) -> FloatArray:
    t = np.asarray(thresholds, dtype=np.float64)
    csum = -np.cumsum(np.where(np.isnan(t), 0.0, t), axis=1)
    csum = np.where(np.isnan(t), -np.inf, csum)
    return np.concatenate([np.zeros((t.shape[0], 1)), csum], axis=1)


def _tilts(log_eps: FloatArray, targets: FloatArray) -> FloatArray:
    """theta with ``sum_i E_i(theta)`` about ``target`` for each target.

    The tilt need not be exact (conditional probabilities do not depend on it; it only keeps
    ``P(R = r)`` of order one): the expected score is evaluated on a grid of theta and
    interpolated (it increases with theta).
    """
    x = np.arange(log_eps.shape[1], dtype=np.float64)
    grid = np.linspace(-40.0, 40.0, 801)
    a = log_eps[None, :, :] + grid[:, None, None] * x
    a = a - a.max(axis=2, keepdims=True)
    e = np.exp(a)
    expected = ((e * x).sum(axis=2) / e.sum(axis=2)).sum(axis=1)
    expected = np.maximum.accumulate(expected)  # guard against rounding
    out: FloatArray = np.interp(targets, expected, grid)
    return out


def conditional_probabilities(thresholds: FloatArray, max_cat: IntArray) -> FloatArray:
    """``P(X_i = x | R = r)`` for every raw score r of the item set.

    Parameters
    ----------
    thresholds : (I, M) array
        Thresholds ``delta_ik`` (NaN beyond an item's top category).
    max_cat : (I,) int array
        Top category of each item.

    Returns
    -------
    (R + 1, I, M + 1) array, ``R = sum(max_cat)``; zero for impossible categories.

    Notes
    -----
    ``P(X_i = x | R = r) = exp(-kappa_ix) gamma^(-i)_(r-x) / gamma_r``, evaluated for each r at
    its own tilt (see the module notes), from prefix and suffix score distributions.

    Examples
    --------
    >>> import numpy as np
    >>> p = conditional_probabilities(np.array([[0.0], [1.0]]), np.array([1, 1]))
    >>> round(float(p[1, 0, 1]), 6)  # exp(0) / (exp(0) + exp(-1))
    0.731059
    """
    max_cat = np.asarray(max_cat, dtype=np.int64)
    le = _log_eps(thresholds)
    n, width = le.shape
    rmax = int(max_cat.sum())
    scores = np.arange(rmax + 1, dtype=np.float64)
    theta = _tilts(le, np.clip(scores, 0.5, rmax - 0.5) if rmax > 1 else scores * 0 + 0.5)
    xs = np.arange(width, dtype=np.float64)
    a = le[None, :, :] + theta[:, None, None] * xs
    a = a - a.max(axis=2, keepdims=True)
    p = np.exp(a)
    p /= p.sum(axis=2, keepdims=True)  # (R+1, I, W): tilted category probabilities
    nr = rmax + 1
    # prefix[j]: (R+1, rmax+1) distribution of the score of items < j; suffix[j]: items >= j
    prefix = [np.zeros((nr, rmax + 1)) for _ in range(n + 1)]
    prefix[0][:, 0] = 1.0
    top = 0
    for j in range(n):
        for x in range(int(max_cat[j]) + 1):
            prefix[j + 1][:, x : x + top + 1] += prefix[j][:, : top + 1] * p[:, j, x : x + 1]
        top += int(max_cat[j])
    suffix = [np.zeros((nr, rmax + 1)) for _ in range(n + 1)]
    suffix[n][:, 0] = 1.0
    top = 0
    for j in range(n - 1, -1, -1):
        for x in range(int(max_cat[j]) + 1):
            suffix[j][:, x : x + top + 1] += suffix[j + 1][:, : top + 1] * p[:, j, x : x + 1]
        top += int(max_cat[j])
    rows = np.arange(nr)
    g = prefix[n][rows, rows]  # P(R = r) at r's own tilt
    out = np.zeros((nr, n, width))
    # G_i[r, r - x] = sum_t f[r, t] b[r, r - x - t] = sum_t f[r, t] brev[r, x + t] with
    # brev[r, u] = b[r, r - u]: one gather per item, then a sliding window over x
    back = rows[:, None] - rows[None, :]
    valid = back >= 0
    back = np.clip(back, 0, rmax)
    for i in range(n):
        f, b = prefix[i], suffix[i + 1]
        brev = np.zeros((nr, nr + width - 1))
        brev[:, :nr] = np.where(valid, b[rows[:, None], back], 0.0)
        win = np.lib.stride_tricks.sliding_window_view(brev, nr, axis=1)[:, :width]
        gi = np.einsum("rt,rxt->rx", f, win)
        out[:, i, :] = p[:, i, :] * gi / g[:, None]
    total = out.sum(axis=2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(total > 0, out / total, 0.0)  # remove rounding drift
    return out


def _moments(prob: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """E, V and W (variance of the squared standardised residual) of (R+1, I, W) probabilities."""
    x = np.arange(prob.shape[2], dtype=np.float64)
    e = (prob * x).sum(axis=2)
    dev2 = (x[None, None, :] - e[:, :, None]) ** 2
    v = (prob * dev2).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = (prob * (dev2 / v[:, :, None] - 1.0) ** 2).sum(axis=2)
    return e, v, w


# ----------------------------------------------------------------------------- patterns


def pattern_groups(values: NDArray[np.integer]) -> tuple[NDArray[np.bool_], IntArray]:
    """Missing-data patterns of ``values`` (N x I, negative = missing).

    Returns the distinct answered-item masks (P x I) and each person's pattern index (N,).
    """
    answered = np.asarray(values) >= 0
    n, n_items = answered.shape
    if answered.all():  # complete data: one pattern, no sorting
        return np.ones((1, n_items), dtype=bool), np.zeros(n, dtype=np.int64)
    packed = np.packbits(answered, axis=1)  # (N, ceil(I / 8)) bytes per person
    key: NDArray[np.generic]
    if packed.shape[1] <= 8:
        word = np.zeros(n, dtype=np.uint64)
        for b in range(packed.shape[1]):
            word = (word << np.uint64(8)) | packed[:, b].astype(np.uint64)
        key = word
    else:
        key = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1])))[:, 0]
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return answered[first], inverse.reshape(-1).astype(np.int64)


# ----------------------------------------------------------------------------- conditional fit


@dataclass(frozen=True)
class ConditionalFit:
    """Conditional outfit and infit per item (arrays of length I; NaN when not computable).

    ``n`` counts the answers that entered (persons with a non-extreme score in their pattern).
    ``n_patterns`` is the number of missing-data patterns conditioned on.
    """

    n: IntArray
    outfit_msq: FloatArray
    outfit_se: FloatArray
    outfit_z: FloatArray
    outfit_p: FloatArray
    infit_msq: FloatArray
    infit_se: FloatArray
    infit_z: FloatArray
    infit_p: FloatArray
    n_patterns: int


def _two_sided(z: FloatArray) -> FloatArray:
    out: FloatArray = _two_sided_p(z)
    return out


@dataclass(frozen=True)
class _FitSums:
    n: FloatArray  # (I,) answers
    z2: FloatArray  # sum of squared standardised residuals
    r2: FloatArray  # sum of squared residuals
    v: FloatArray  # sum of variances
    w: FloatArray  # sum n W
    v2w: FloatArray  # sum n V^2 W


def _pattern_tables(
    thresholds: FloatArray, max_cat: IntArray, mask: NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray]:
    """P, E, V, W over the scores of the items in ``mask`` (items outside get zeros)."""
    idx = np.flatnonzero(mask)
    prob = conditional_probabilities(thresholds[idx], max_cat[idx])
    e, v, w = _moments(prob)
    return prob, e, v, w, idx


@dataclass(frozen=True)
class PatternTable:
    """Conditional moments of one missing-data pattern: its persons, items and, per raw score,
    ``E``, ``V``, ``W`` (each (R + 1, items of the pattern))."""

    rows: IntArray
    items: IntArray
    e: FloatArray
    v: FloatArray
    w: FloatArray

    @property
    def max_score(self) -> int:
        return int(self.e.shape[0]) - 1


def pattern_tables(
    values: NDArray[np.integer], thresholds: FloatArray, max_cat: IntArray
) -> list[PatternTable]:
    """The :class:`PatternTable` of every missing-data pattern with at least two items."""
    masks, inverse = pattern_groups(values)
    out = []
    for k, mask in enumerate(masks):
        if mask.sum() < 2:
            continue
        _, e, v, w, idx = _pattern_tables(thresholds, max_cat, mask)
        out.append(PatternTable(np.flatnonzero(inverse == k).astype(np.int64), idx, e, v, w))
    return out


def fit_sums(values: NDArray[np.integer], tables: list[PatternTable]) -> _FitSums:
    """Sums behind the conditional fit of ``values`` (patterns and tables from
    :func:`pattern_tables`; ``values`` may be data simulated in the same patterns)."""
    n_items = values.shape[1]
    sums = [np.zeros(n_items) for _ in range(6)]
    width = int(np.max(values, initial=0)) + 1
    for tab in tables:
        idx = tab.items
        e, v, w = tab.e, tab.v, tab.w
        n_sc, k = e.shape
        # counts n[r, i, x] of the pattern's persons by raw score, item and answer: the sums
        # below are functions of them (E, V, W depend on r only), so no N x I float arrays
        cells = np.zeros(n_sc * k * width)
        for start in range(0, tab.rows.size, _BLOCK):
            x = values[np.ix_(tab.rows[start : start + _BLOCK], idx)].astype(np.int64)
            r = x.sum(axis=1)
            keep = (r > 0) & (r < tab.max_score)
            x, r = x[keep], r[keep]
            key = (r[:, None] * k + np.arange(k)[None, :]) * width + x
            cells += np.bincount(key.ravel(), minlength=cells.size)
        _accumulate(sums, idx, e, v, w, cells.reshape(n_sc, k, width))
    return _FitSums(*sums)


def _accumulate(
    sums: list[FloatArray],
    idx: IntArray,
    e: FloatArray,
    v: FloatArray,
    w: FloatArray,
    n: FloatArray,
) -> None:
    """Add one pattern's contributions to the six fit sums (``n``: (R + 1, k, W) answers by raw
    score, item of the pattern and category, persons with an extreme score left out)."""
    width = n.shape[2]
    counts = n.sum(axis=2)  # (R + 1, k): persons per score (the same for every item)
    ok = v > _NO_VARIANCE  # an answer the score fixes carries no information: left out
    xs = np.arange(width, dtype=np.float64)
    sq = (xs[None, None, :] - e[:, :, None]) ** 2  # (R + 1, k, W)
    sq_sum = (n * sq).sum(axis=2)  # (R + 1, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        z2 = np.where(ok, sq_sum / v, 0.0)
    wfin = np.where(ok, w, 0.0)
    sums[0][idx] += np.where(ok, counts, 0.0).sum(axis=0)
    sums[1][idx] += z2.sum(axis=0)
    sums[2][idx] += np.where(ok, sq_sum, 0.0).sum(axis=0)
    sums[3][idx] += np.where(ok, counts * v, 0.0).sum(axis=0)
    sums[4][idx] += (counts * wfin).sum(axis=0)
    sums[5][idx] += (counts * v**2 * wfin).sum(axis=0)


def fit_sums_from_counts(
    key_cells: NDArray[np.integer],
    key_pattern: IntArray,
    key_score: IntArray,
    pattern_masks: NDArray[np.bool_],
    thresholds: FloatArray,
    max_cat: IntArray,
) -> tuple[_FitSums, int]:
    """The sums of :func:`fit_sums` from answer counts per (pattern, raw score) key, as the
    pipeline's fit tables hold them (``key_cells``: (K, I, W)), without reading the data again.
    Returns the sums and the number of patterns with at least two items."""
    n_items = key_cells.shape[1]
    sums = [np.zeros(n_items) for _ in range(6)]
    used = 0
    for g, mask in enumerate(pattern_masks):
        if mask.sum() < 2:
            continue
        _, e, v, w, idx = _pattern_tables(thresholds, max_cat, mask)
        keys = np.flatnonzero(key_pattern == g)
        n = np.zeros((e.shape[0], idx.size, key_cells.shape[2]))
        scores = key_score[keys]
        inner = (scores > 0) & (scores < e.shape[0] - 1)  # extreme scores carry no information
        n[scores[inner]] = key_cells[keys[inner]][:, idx, :]
        _accumulate(sums, idx, e, v, w, n)
        used += 1
    return _FitSums(*sums), used


def msq_from_sums(s: _FitSums) -> tuple[FloatArray, FloatArray]:
    """(outfit, infit) mean squares from :func:`fit_sums`."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return s.z2 / s.n, s.r2 / s.v


def conditional_fit(
    values: NDArray[np.integer], thresholds: FloatArray, max_cat: IntArray
) -> ConditionalFit:
    """Conditional outfit and infit mean squares with their SEs, z and two-sided p.

    Parameters
    ----------
    values : (N, I) int array
        Answers 0..m_i; negative = missing.
    thresholds : (I, M) array
        Item thresholds (NaN-padded).
    max_cat : (I,) int array
        Top category of each item.

    Returns
    -------
    ConditionalFit

    Notes
    -----
    See the module notes for the formulas (Christensen, Kreiner & Mesbah 2013; Mueller 2020).
    Persons are conditioned on their raw score within their missing-data pattern; those with
    the lowest or highest score of the pattern are left out.

    Examples
    --------
    The R package iarm gives the same numbers for complete data with
    ``out_infit(RM(X), p.adj = "none")``.

    >>> import numpy as np
    >>> x = np.array([[0, 1, 1], [1, 0, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1]])
    >>> cf = conditional_fit(x, np.array([[-0.5], [0.0], [0.5]]), np.array([1, 1, 1]))
    >>> cf.n.tolist()
    [5, 5, 5]
    """
    vals = np.asarray(values)
    thr = np.asarray(thresholds, dtype=np.float64)
    mc = np.asarray(max_cat, dtype=np.int64)
    tables = pattern_tables(vals, thr, mc)
    return _from_sums(fit_sums(vals, tables), len(tables))


def _from_sums(s: _FitSums, n_patterns: int) -> ConditionalFit:
    """Mean squares, SEs, z and p from the fit sums."""
    with np.errstate(invalid="ignore", divide="ignore"):
        outfit = s.z2 / s.n
        outfit_se = np.sqrt(s.w) / s.n
        infit = s.r2 / s.v
        infit_se = np.sqrt(s.v2w) / s.v
        outfit_z = (outfit - 1.0) / outfit_se
        infit_z = (infit - 1.0) / infit_se
    return ConditionalFit(
        n=s.n.astype(np.int64),
        outfit_msq=outfit,
        outfit_se=outfit_se,
        outfit_z=outfit_z,
        outfit_p=_two_sided(outfit_z),
        infit_msq=infit,
        infit_se=infit_se,
        infit_z=infit_z,
        infit_p=_two_sided(infit_z),
        n_patterns=n_patterns,
    )


# ----------------------------------------------------------------------------- gamma


@dataclass(frozen=True)
class GammaResult:
    """A (partial) Goodman-Kruskal gamma with its asymptotic SE; C and D the concordant and
    discordant pairs (within strata)."""

    gamma: float
    se: float
    concordant: float
    discordant: float

    @property
    def z(self) -> float:
        return self.gamma / self.se if self.se > 0 else float("nan")

    @property
    def p(self) -> float:
        return float(_two_sided_p(np.array([self.z]))[0])


def _concordance(table: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``pi^c`` and ``pi^d`` of every cell of (K, X, Y) tables (per stratum K)."""
    t = np.asarray(table, dtype=np.float64)
    k, nx, ny = t.shape
    # cumulative sums with a zero border: cs[a, b] = sum t[:a, :b]
    cs = np.zeros((k, nx + 1, ny + 1))
    cs[:, 1:, 1:] = t.cumsum(axis=1).cumsum(axis=2)
    total = cs[:, nx, ny][:, None, None]
    row_tot = cs[:, :, ny]  # (k, nx+1): sum of rows < a
    col_tot = cs[:, nx, :]  # (k, ny+1): sum of columns < b
    a = np.arange(nx)
    b = np.arange(ny)
    ll = cs[:, a][:, :, b]  # rows < i, cols < j
    rows_le = cs[:, a + 1][:, :, :]  # rows <= i
    lg_rows_lt_cols_le = cs[:, a][:, :, b + 1]  # rows < i, cols <= j
    # rows > i, cols > j = total - rows<=i - cols<=j + (rows<=i, cols<=j)
    le_le = rows_le[:, :, b + 1]
    hh = total - row_tot[:, a + 1][:, :, None] - col_tot[:, b + 1][:, None, :] + le_le
    # rows < i, cols > j = rows<i - (rows<i, cols<=j)
    lh = row_tot[:, a][:, :, None] - lg_rows_lt_cols_le
    # rows > i, cols < j = cols<j - (rows<=i, cols<j)
    hl = col_tot[:, b][:, None, :] - rows_le[:, :, b]
    return ll + hh, lh + hl


def _gamma_sums(table: FloatArray) -> FloatArray:
    """(C, D, sum n pi^c^2, sum n pi^c pi^d, sum n pi^d^2) of (K, X, Y) tables: the partial
    gamma and its variance of several tables are functions of their summed sums."""
    t = np.asarray(table, dtype=np.float64)
    if t.ndim == 2:
        t = t[None]
    pc, pd_ = _concordance(t)
    return np.array(
        [
            (t * pc).sum() / 2.0,
            (t * pd_).sum() / 2.0,
            (t * pc * pc).sum(),
            (t * pc * pd_).sum(),
            (t * pd_ * pd_).sum(),
        ]
    )


def _gamma_from_sums(sums: FloatArray) -> GammaResult:
    c, d, scc, scd, sdd = (float(v) for v in sums)
    if c + d <= 0:
        return GammaResult(float("nan"), float("nan"), c, d)
    # sum n psi^2 with psi = 2 (D pi^c - C pi^d) / (C + D)^2
    var = 4.0 * (d * d * scc - 2.0 * c * d * scd + c * c * sdd) / (c + d) ** 4
    return GammaResult((c - d) / (c + d), float(np.sqrt(max(var, 0.0))), c, d)


def gamma_table(table: FloatArray) -> GammaResult:
    """Partial gamma of a (K, X, Y) table of counts (K strata; a 2-d table is one stratum).

    ``gamma = (C - D) / (C + D)`` with ``C = sum_z sum n pi^c / 2`` and ``D`` likewise; the
    variance ``sum n psi^2``, ``psi = 2 (D pi^c - C pi^d) / (C + D)^2`` (Davis 1967; with one
    stratum the asymptotic SE of Goodman and Kruskal's gamma, as ``vcdExtra::GKgamma``).
    """
    t = np.asarray(table, dtype=np.float64)
    if t.ndim == 2:
        t = t[None]
    pc, pd_ = _concordance(t)
    c = float((t * pc).sum() / 2.0)
    d = float((t * pd_).sum() / 2.0)
    if c + d <= 0:
        return GammaResult(float("nan"), float("nan"), c, d)
    psi = 2.0 * (d * pc - c * pd_) / (c + d) ** 2
    se = float(np.sqrt((t * psi**2).sum()))
    return GammaResult((c - d) / (c + d), se, c, d)


def _codes(v: NDArray[np.generic]) -> tuple[IntArray, int]:
    levels, inv = np.unique(v, return_inverse=True)
    return inv.reshape(-1).astype(np.int64), int(levels.size)


def partial_gamma(
    x: NDArray[np.generic], y: NDArray[np.generic], strata: NDArray[np.generic]
) -> GammaResult:
    """Partial gamma of x and y over ``strata`` (Davis 1967), with its asymptotic SE.

    x, y and strata are vectors of one length (ordered values; the levels sorted ascending).
    As ``iarm::partgam(x, y, z)`` (its last row).

    Examples
    --------
    >>> import numpy as np
    >>> r = partial_gamma(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 1]), np.zeros(4))
    >>> r.gamma
    0.0
    """
    xi, nx = _codes(np.asarray(x))
    yi, ny = _codes(np.asarray(y))
    zi, nz = _codes(np.asarray(strata))
    table = np.zeros((nz, nx, ny))
    np.add.at(table, (zi, xi, yi), 1.0)
    return gamma_table(table)


def benjamini_hochberg(p: FloatArray) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values (as R's ``p.adjust(p, "BH")``; NaN kept out)."""
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok])[::-1]]
    ranks = np.arange(m, 0, -1)
    adj = np.minimum.accumulate(p[order] * m / ranks)
    out[order] = np.minimum(adj, 1.0)
    return out


# ----------------------------------------------------------------------------- restscore


@dataclass(frozen=True)
class RestScore:
    """Item-restscore association per item (arrays of length I)."""

    gamma_observed: FloatArray
    gamma_expected: FloatArray
    se: FloatArray
    z: FloatArray
    p: FloatArray
    p_adjusted: FloatArray  #: Benjamini-Hochberg over the items


def restscore_association(
    values: NDArray[np.integer],
    thresholds: FloatArray,
    max_cat: IntArray,
    *,
    max_patterns: int | None = None,
) -> RestScore:
    """Observed and expected Goodman-Kruskal gamma of each item with its rest score.

    Parameters
    ----------
    values : (N, I) int array; negative = missing.
    thresholds : (I, M) array of thresholds (NaN-padded).
    max_cat : (I,) int array.
    max_patterns : with more missing-data patterns than this, every value is NaN (each pattern
        needs its own symmetric functions).

    Notes
    -----
    Observed table: item score x by rest score s = R - x (all persons, extreme scores
    included). Expected table: ``N(R = s + x) P(X_i = x | R = s + x)`` (Kreiner 2011). With
    missing answers both are stratified by missing-data pattern (partial gammas over the
    patterns). ``z = (observed - expected) / SE(observed)``; two-sided normal p; p adjusted by
    Benjamini-Hochberg over the items. As ``iarm::item_restscore`` for complete data.
    """
    vals = np.asarray(values)
    thr = np.asarray(thresholds, dtype=np.float64)
    mc = np.asarray(max_cat, dtype=np.int64)
    n_items = vals.shape[1]
    masks, inverse = pattern_groups(vals)
    if max_patterns is not None and masks.shape[0] > max_patterns:
        nan = np.full(n_items, np.nan)
        return RestScore(nan, nan, nan, nan, nan, nan)
    obs = np.zeros((n_items, 5))  # gamma sums per item, added over the patterns
    exp = np.zeros((n_items, 5))
    for k, mask in enumerate(masks):
        if mask.sum() < 2:
            continue
        rows = np.flatnonzero(inverse == k)
        prob, _, _, _, idx = _pattern_tables(thr, mc, mask)
        x = vals[np.ix_(rows, idx)].astype(np.int64)
        r = x.sum(axis=1)
        rmax = int(mc[idx].sum())
        nr = np.bincount(r, minlength=rmax + 1).astype(np.float64)
        for col, i in enumerate(idx):
            m = int(mc[i])
            o = np.zeros((m + 1, rmax - m + 1))
            np.add.at(o, (x[:, col], r - x[:, col]), 1.0)
            e = np.zeros_like(o)
            s_ = np.arange(rmax - m + 1)
            for c in range(m + 1):
                e[c] = nr[s_ + c] * prob[s_ + c, col, c]
            obs[i] += _gamma_sums(o)
            exp[i] += _gamma_sums(e)
    go, ge, se = (np.full(n_items, np.nan) for _ in range(3))
    for i in range(n_items):
        og = _gamma_from_sums(obs[i])
        go[i], se[i] = og.gamma, og.se
        ge[i] = _gamma_from_sums(exp[i]).gamma
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (go - ge) / se
    p = _two_sided(z)
    return RestScore(go, ge, se, z, p, benjamini_hochberg(p))


# ----------------------------------------------------------------------------- DIF and LD


def partial_gamma_dif(values: NDArray[np.integer], group: NDArray[np.generic]) -> list[GammaResult]:
    """Partial gamma of each item with a person covariate, strata = the total score.

    Parameters
    ----------
    values : (N, I) int array; negative = missing.
    group : (N,) covariate (ordered; the levels sorted ascending).

    Notes
    -----
    Positive gamma: persons in a later (higher) level of ``group`` score higher on the item
    than persons with the same total score in an earlier level (Bjorner et al. 1998). Persons
    with a missing answer or a missing covariate are stratified by their missing-data pattern
    and total score over their answered items; with complete data this is
    ``iarm::partgam_DIF(items, group)``.
    """
    vals = np.asarray(values)
    grp = np.asarray(group)
    masks, inverse = pattern_groups(vals)
    total = np.where(vals >= 0, vals, 0).sum(axis=1)
    strata = inverse * (int(total.max(initial=0)) + 1) + total
    out = []
    for i in range(vals.shape[1]):
        ok = vals[:, i] >= 0
        out.append(partial_gamma(vals[ok, i], grp[ok], strata[ok]))
    return out


def partial_gamma_ld(
    values: NDArray[np.integer], pairs: list[tuple[int, int]] | None = None
) -> dict[tuple[int, int], GammaResult]:
    """Partial gamma of every ordered item pair (i, j) given the total score minus item j.

    Returns ``{(i, j): GammaResult}`` for i != j (or for the ordered ``pairs`` given). Persons
    who answered both items enter,
    stratified by their missing-data pattern and rest score; with complete data this is
    ``iarm::partgam_LD(items)`` (the rows with Item1 = i, Item2 = j).
    """
    vals = np.asarray(values).astype(np.int64)
    _, inverse = pattern_groups(vals)
    answered = vals >= 0
    x = np.where(answered, vals, 0)
    total = x.sum(axis=1)
    width = int(total.max(initial=0)) + 1
    ncat = int(x.max(initial=0)) + 1
    out: dict[tuple[int, int], GammaResult] = {}
    n_items = vals.shape[1]
    wanted = None if pairs is None else set(pairs)
    for j in range(n_items):
        if wanted is not None and not any(b == j for _, b in wanted):
            continue
        levels, z = np.unique(inverse * width + (total - x[:, j]), return_inverse=True)
        z = z.reshape(-1)
        nz = int(levels.size)
        for i in range(n_items):
            if i == j or (wanted is not None and (i, j) not in wanted):
                continue
            ok = answered[:, i] & answered[:, j]
            cell = (z[ok] * ncat + x[ok, i]) * ncat + x[ok, j]
            table = np.bincount(cell, minlength=nz * ncat * ncat).astype(np.float64)
            out[(i, j)] = gamma_table(table.reshape(nz, ncat, ncat))
    return out


#: calibrate() computes the conditional fit for at most this many missing-data patterns (each
#: needs its own symmetric functions: about 2-20 ms for 20 items); beyond, the columns are empty
MAX_PATTERNS = 250


def _n_patterns(values: NDArray[np.integer]) -> int:
    return int(pattern_groups(values)[0].shape[0])


def conditional_fit_scope(values: NDArray[np.integer], max_patterns: int = MAX_PATTERNS) -> str:
    """How the conditional fit of ``values`` conditions, in words (for ``summary.json``)."""
    n = int(pattern_groups(np.asarray(values))[0].shape[0])
    if n <= 1:
        return "conditional fit: given the raw score (no missing answers)"
    if n > max_patterns:
        return (
            f"conditional fit not computed: {n} missing-data patterns (more than "
            f"{max_patterns}); each pattern needs its own conditioning"
        )
    return (
        "conditional fit: given the raw score within each person's missing-data pattern "
        f"({n} patterns)"
    )


def conditional_fit_columns(
    values: NDArray[np.integer],
    thresholds: FloatArray,
    max_cat: IntArray,
    *,
    max_patterns: int = MAX_PATTERNS,
) -> dict[str, FloatArray]:
    """The ``cond_*`` columns of ``items.csv`` (part ``conditional`` of ``schemas.ITEMS``);
    NaN when the data have more than ``max_patterns`` missing-data patterns (see
    :func:`conditional_fit_scope`)."""
    names = (
        "cond_outfit_msq",
        "cond_outfit_se",
        "cond_outfit_z",
        "cond_outfit_p",
        "cond_infit_msq",
        "cond_infit_se",
        "cond_infit_z",
        "cond_infit_p",
    )
    if _n_patterns(np.asarray(values)) > max_patterns:
        return {name: np.full(np.asarray(values).shape[1], np.nan) for name in names}
    cf = conditional_fit(values, thresholds, max_cat)
    return _columns(cf)


def conditional_fit_from_counts(
    key_cells: NDArray[np.integer],
    key_pattern: IntArray,
    key_score: IntArray,
    pattern_masks: NDArray[np.bool_],
    thresholds: FloatArray,
    max_cat: IntArray,
    *,
    max_patterns: int = MAX_PATTERNS,
) -> dict[str, FloatArray]:
    """The ``cond_*`` columns from the pipeline's answer counts per (pattern, raw score) key:
    the same numbers as :func:`conditional_fit_columns` without a second pass over the data
    (tested equal)."""
    if pattern_masks.shape[0] > max_patterns:
        return {name: np.full(key_cells.shape[1], np.nan) for name in _COLUMN_NAMES}
    s, used = fit_sums_from_counts(
        key_cells,
        key_pattern,
        key_score,
        pattern_masks,
        np.asarray(thresholds, dtype=np.float64),
        np.asarray(max_cat, dtype=np.int64),
    )
    return _columns(_from_sums(s, used))


_COLUMN_NAMES = (
    "cond_outfit_msq",
    "cond_outfit_se",
    "cond_outfit_z",
    "cond_outfit_p",
    "cond_infit_msq",
    "cond_infit_se",
    "cond_infit_z",
    "cond_infit_p",
)


def _columns(cf: ConditionalFit) -> dict[str, FloatArray]:
    return {
        "cond_outfit_msq": cf.outfit_msq,
        "cond_outfit_se": cf.outfit_se,
        "cond_outfit_z": cf.outfit_z,
        "cond_outfit_p": cf.outfit_p,
        "cond_infit_msq": cf.infit_msq,
        "cond_infit_se": cf.infit_se,
        "cond_infit_z": cf.infit_z,
        "cond_infit_p": cf.infit_p,
    }
