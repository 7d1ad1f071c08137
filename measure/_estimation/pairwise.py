"""Pairwise conditional estimation: a consistent alternative to exact CML for sparse designs.

When nearly every person has a missing-data pattern of their own, exact CML needs one set of
elementary symmetric functions per pattern. The pairwise conditional likelihood (Zwinderman 1995;
the "formulas the core needs" in docs/models.md) conditions on the sum of every pair of items a
person answered:

    P(X_i = x, X_j = y | X_i + X_j = s) = eps_ix eps_jy / sum_{a+b=s} eps_ia eps_jb

The person parameter cancels, so maximising the sum of the log pair probabilities over all pairs
and persons gives consistent item parameters. The data enter only through the pair count tables
``n_ij(x, y)``. Because the pairs of one person are not independent, standard errors come from the
sandwich ``H^-1 J H^-1`` (``H`` the composite information, ``J`` the sum over persons of the outer
products of their score vectors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from measure._estimation.cml import (
    CMLResult,
    SolverOptions,
    beta_to_delta_map,
    log_eps_from_thresholds,
)
from measure.exceptions import ConvergenceError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class PairStats:
    max_cat: IntArray
    pairs: tuple[tuple[int, int], ...]
    tables: FloatArray  #: (n_pairs, W, W) counts n_ij(x, y)


def pair_counts(x: NDArray[np.integer], max_cat: IntArray) -> PairStats:
    """Count tables of every item pair over the persons who answered both."""
    n_items = x.shape[1]
    width = int(max_cat.max()) + 1
    pairs = tuple((i, j) for i in range(n_items) for j in range(i + 1, n_items))
    tables = np.zeros((len(pairs), width, width))
    cols = [x[:, i].astype(np.int64) for i in range(n_items)]
    for p, (i, j) in enumerate(pairs):
        both = (cols[i] >= 0) & (cols[j] >= 0)
        code = cols[i][both] * width + cols[j][both]
        tables[p] = np.bincount(code, minlength=width * width).reshape(width, width)
    return PairStats(max_cat=max_cat.astype(np.int64), pairs=pairs, tables=tables)


@dataclass(frozen=True)
class _PairTerms:
    """Every pair's conditional probabilities, by sum: vectorised over pairs."""

    q: FloatArray  #: (P, W, W) P(X_i = x, X_j = y | X_i + X_j = x + y)
    by_sum_i: FloatArray  #: (P, 2W - 1, W) P(X_i = x | sum s)
    by_sum_j: FloatArray  #: (P, 2W - 1, W) P(X_j = y | sum s)


def _pair_terms(le: FloatArray, first: IntArray, second: IntArray) -> _PairTerms:
    """Conditional probabilities of every pair (i, j) given the pair's sum.

    ``le``: (I, W) log-parameters (``-inf`` beyond an item's top). A loop over the 2W - 1 sums,
    each step vectorised over the pairs.
    """
    w = le.shape[1]
    a = le[first][:, :, None] + le[second][:, None, :]  # (P, W, W)
    n_pairs = a.shape[0]
    q = np.zeros_like(a)
    by_i = np.zeros((n_pairs, 2 * w - 1, w))
    by_j = np.zeros((n_pairs, 2 * w - 1, w))
    for s in range(2 * w - 1):
        xs = np.arange(max(0, s - w + 1), min(s, w - 1) + 1)
        vals = a[:, xs, s - xs]  # (P, len)
        top = vals.max(axis=1, keepdims=True)
        ok = np.isfinite(top)
        e = np.exp(vals - np.where(ok, top, 0.0))
        total = e.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(ok, e / np.where(total > 0, total, 1.0), 0.0)
        q[:, xs, s - xs] = p
        by_i[:, s, xs] = p
        by_j[:, s, s - xs] = p
    return _PairTerms(q=q, by_sum_i=by_i, by_sum_j=by_j)


def _evaluate(
    stats: PairStats, delta: FloatArray, *, hessian: bool
) -> tuple[float, FloatArray, FloatArray | None]:
    """Composite log-likelihood, gradient and information in the beta slots ``i*M + x - 1``.

    For a pair (i, j) with counts ``n[x, y]``, ``N_s`` the persons with sum ``s`` and
    ``pi_s(x) = P(X_i = x | s)``: the gradient in ``beta_ix`` is ``sum_y n[x, y] - sum_s N_s
    pi_s(x)`` (likewise for j), and the information is ``sum_s N_s Cov_s`` of the one-hot
    statistics of X_i and X_j given the sum, all vectorised over the pairs.
    """
    max_cat = stats.max_cat
    m = int(max_cat.max())
    w = m + 1
    le = log_eps_from_thresholds(delta, max_cat)
    n_slots = max_cat.size * m
    first = np.array([i for i, _ in stats.pairs], dtype=np.int64)
    second = np.array([j for _, j in stats.pairs], dtype=np.int64)
    n = stats.tables  # (P, W, W)
    terms = _pair_terms(le, first, second)
    q = terms.q
    with np.errstate(divide="ignore"):
        lq = np.where(n > 0, np.log(np.where(q > 0, q, 1.0)), 0.0)
    ll = float((n * lq).sum())
    # persons with each sum: N[p, s]
    sum_index = np.add.outer(np.arange(w), np.arange(w))  # (W, W): x + y
    n_sum = np.zeros((n.shape[0], 2 * w - 1))
    for s in range(2 * w - 1):
        n_sum[:, s] = n[:, sum_index == s].sum(axis=1)
    expected = n_sum[:, sum_index] * q  # (P, W, W): N_{x+y} q[x, y]
    resid = n - expected
    g_i = resid.sum(axis=2)[:, 1:]  # (P, m): categories 1..m of item i
    g_j = resid.sum(axis=1)[:, 1:]
    slots_i = first[:, None] * m + np.arange(m)[None, :]  # (P, m)
    slots_j = second[:, None] * m + np.arange(m)[None, :]
    grad = np.zeros(n_slots)
    np.add.at(grad, slots_i, g_i)
    np.add.at(grad, slots_j, g_j)
    if not hessian:
        return ll, grad, None
    qi, qj = terms.by_sum_i, terms.by_sum_j  # (P, S, W)
    h_ii = np.einsum("ps,psa->pa", n_sum, qi)[:, :, None] * np.eye(w)[None] - np.einsum(
        "ps,psa,psb->pab", n_sum, qi, qi
    )
    h_jj = np.einsum("ps,psa->pa", n_sum, qj)[:, :, None] * np.eye(w)[None] - np.einsum(
        "ps,psa,psb->pab", n_sum, qj, qj
    )
    h_ij = expected - np.einsum("ps,psa,psb->pab", n_sum, qi, qj)
    info = np.zeros((n_slots, n_slots))
    for block, rows, cols in (
        (h_ii, slots_i, slots_i),
        (h_jj, slots_j, slots_j),
        (h_ij, slots_i, slots_j),
    ):
        sub = block[:, 1:, 1:]  # (P, m, m)
        r = np.broadcast_to(rows[:, :, None], sub.shape)
        c = np.broadcast_to(cols[:, None, :], sub.shape)
        np.add.at(info, (r, c), sub)
        if block is h_ij:
            np.add.at(info, (c, r), sub)
    return ll, grad, info


def fit_pairwise(
    x: NDArray[np.integer],
    max_cat: IntArray,
    design: FloatArray,
    offset: FloatArray,
    *,
    options: SolverOptions,
    chunk: int = 100_000,
) -> CMLResult:
    """Maximise the pairwise conditional likelihood; sandwich covariance."""
    stats = pair_counts(x, max_cat)
    a_map = beta_to_delta_map(max_cat)
    k = a_map @ design
    q = design.shape[1]
    phi = np.zeros(q)
    if q == 0:  # everything anchored: nothing to estimate
        ll0, _, _ = _evaluate(stats, offset, hessian=False)
        return CMLResult(offset, np.zeros((offset.size, offset.size)), ll0, 0, True, 0.0)

    def ev(ph: FloatArray, hess: bool) -> tuple[float, FloatArray, FloatArray | None]:
        ll, g, h = _evaluate(stats, design @ ph + offset, hessian=hess)
        return ll, k.T @ g, (k.T @ h @ k if h is not None else None)

    ll, g, h = ev(phi, True)
    converged = False
    it = 0
    for it in range(1, options.max_iter + 1):
        assert h is not None
        try:
            step = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            break
        big = float(np.max(np.abs(step))) if step.size else 0.0
        if big > options.max_step:
            step *= options.max_step / big
        t = 1.0
        for _ in range(40):
            trial = phi + t * step
            ll_t, g_t, h_t = ev(trial, True)
            if ll_t >= ll - 1e-12 * abs(ll):
                break
            t *= 0.5
        phi, ll, g, h = trial, ll_t, g_t, h_t
        if float(np.max(np.abs(t * step))) < options.tol:
            converged = True
            break
    gnorm = float(np.linalg.norm(g))
    if not converged or h is None:
        raise ConvergenceError(
            f"pairwise conditional estimation did not converge after {it} iterations "
            f"(gradient norm {gnorm:.3g}). Likely causes:\n"
            "  - an item with all answers in one category\n"
            "  - items never answered together with others (disconnected design)\n"
            "  - categories used by too few persons",
            iterations=it,
            gradient_norm=gnorm,
        )
    # sandwich: J = sum_v G_v G_v' with G_v the person's score vector (beta slots)
    delta = design @ phi + offset
    le = log_eps_from_thresholds(delta, max_cat)
    m = int(max_cat.max())
    w = m + 1
    n_slots = max_cat.size * m
    j_mat = np.zeros((n_slots, n_slots))
    # a person's score vector on the pair (i, j) with answers (x, y): the one-hot statistic of
    # each item less its expectation given the sum x + y, tabulated for every (x, y)
    first = np.array([i for i, _ in stats.pairs], dtype=np.int64)
    second = np.array([j for _, j in stats.pairs], dtype=np.int64)
    terms = _pair_terms(le, first, second)
    sum_index = np.add.outer(np.arange(w), np.arange(w))
    onehot = np.eye(w)[:, 1:]  # (W, m)
    tab_i = onehot[None, :, None, :] - terms.by_sum_i[:, sum_index, 1:]  # (P, W, W, m)
    tab_j = onehot[None, None, :, :] - terms.by_sum_j[:, sum_index, 1:]
    # tables indexed by x_i * (w + 1) + x_j with a missing answer coded w: rows that involve
    # a missing answer are zero, so no masking is needed in the person loop
    wp = w + 1
    pad_i = np.zeros((len(stats.pairs), wp, wp, m))
    pad_j = np.zeros((len(stats.pairs), wp, wp, m))
    pad_i[:, :w, :w] = tab_i
    pad_j[:, :w, :w] = tab_j
    flat_i = pad_i.reshape(len(stats.pairs), wp * wp, m)
    flat_j = pad_j.reshape(len(stats.pairs), wp * wp, m)
    for start in range(0, x.shape[0], chunk):
        xc = x[start : start + chunk]
        xcode = np.asfortranarray(np.where(xc >= 0, xc, w).astype(np.intp))
        xcode_scaled = xcode * wp
        gv = np.zeros((xc.shape[0], n_slots), order="F")
        for p, (i, j) in enumerate(stats.pairs):
            code = xcode_scaled[:, i] + xcode[:, j]
            gv[:, i * m : (i + 1) * m] += flat_i[p][code]
            gv[:, j * m : (j + 1) * m] += flat_j[p][code]
        j_mat += gv.T @ gv
    assert h is not None
    h_inv = np.linalg.inv(h)
    j_phi = k.T @ j_mat @ k
    cov_phi = h_inv @ j_phi @ h_inv
    cov_phi = 0.5 * (cov_phi + cov_phi.T)
    return CMLResult(delta, design @ cov_phi @ design.T, ll, it, True, gnorm)
