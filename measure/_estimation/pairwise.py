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


def _pair_conditionals(li: FloatArray, lj: FloatArray) -> FloatArray:
    """q[x, y] = P(X_i = x, X_j = y | X_i + X_j = x + y) for finite log-parameters."""
    a = li[:, None] + lj[None, :]
    w = a.shape[0]
    out = np.zeros_like(a)
    for s in range(2 * w - 1):
        xs = np.arange(max(0, s - w + 1), min(s, w - 1) + 1)
        vals = a[xs, s - xs]
        fin = np.isfinite(vals)
        if not fin.any():
            continue
        m = vals[fin].max()
        e = np.where(fin, np.exp(vals - m), 0.0)
        out[xs, s - xs] = e / e.sum()
    return out


def _evaluate(
    stats: PairStats, delta: FloatArray, *, hessian: bool
) -> tuple[float, FloatArray, FloatArray | None]:
    """Composite log-likelihood, gradient and information in the beta slots ``i*M + x - 1``."""
    max_cat = stats.max_cat
    m = int(max_cat.max())
    w = m + 1
    le = log_eps_from_thresholds(delta, max_cat)
    n_slots = max_cat.size * m
    grad = np.zeros(n_slots)
    info = np.zeros((n_slots, n_slots)) if hessian else None
    ll = 0.0
    for p, (i, j) in enumerate(stats.pairs):
        n = stats.tables[p]
        q = _pair_conditionals(le[i], le[j])
        with np.errstate(divide="ignore"):
            lq = np.where(n > 0, np.log(np.where(q > 0, q, 1.0)), 0.0)
        ll += float((n * lq).sum())
        si = np.arange(i * m, (i + 1) * m)
        sj = np.arange(j * m, (j + 1) * m)
        for s in range(2 * w - 1):
            xs = np.arange(max(0, s - w + 1), min(s, w - 1) + 1)
            ys = s - xs
            ns = n[xs, ys]
            tot = ns.sum()
            if tot == 0:
                continue
            qs = q[xs, ys]
            # statistic vector for each a: one-hot(x)[1:] on item i, one-hot(y)[1:] on item j
            vi = np.zeros((xs.size, m))
            vj = np.zeros((xs.size, m))
            for r, (xa, ya) in enumerate(zip(xs, ys, strict=True)):
                if xa > 0:
                    vi[r, xa - 1] = 1.0
                if ya > 0:
                    vj[r, ya - 1] = 1.0
            v = np.concatenate([vi, vj], axis=1)
            mean = qs @ v
            grad_part = ns @ v - tot * mean
            slots = np.concatenate([si, sj])
            grad[slots] += grad_part
            if info is not None:
                cov = (v.T * qs) @ v - np.outer(mean, mean)
                info[np.ix_(slots, slots)] += tot * cov
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
    tabs_i = []
    tabs_j = []
    for i, j in stats.pairs:
        qq = _pair_conditionals(le[i], le[j])
        ti = np.zeros((w, w, m))
        tj = np.zeros((w, w, m))
        for xa in range(w):
            for yb in range(w):
                s = xa + yb
                xs = np.arange(max(0, s - w + 1), min(s, w - 1) + 1)
                qs = qq[xs, s - xs]
                ei = np.zeros(m)
                ej = np.zeros(m)
                for xx, qv in zip(xs, qs, strict=True):
                    if xx > 0:
                        ei[xx - 1] += qv
                    if s - xx > 0:
                        ej[s - xx - 1] += qv
                if xa > 0:
                    ti[xa, yb, xa - 1] += 1.0
                if yb > 0:
                    tj[xa, yb, yb - 1] += 1.0
                ti[xa, yb] -= ei
                tj[xa, yb] -= ej
        tabs_i.append(ti)
        tabs_j.append(tj)
    # tables indexed by x_i * (w + 1) + x_j with a missing answer coded w: rows that involve
    # a missing answer are zero, so no masking is needed in the person loop
    wp = w + 1
    flat_i, flat_j = [], []
    for ti, tj in zip(tabs_i, tabs_j, strict=True):
        fi = np.zeros((wp, wp, m))
        fj = np.zeros((wp, wp, m))
        fi[:w, :w] = ti
        fj[:w, :w] = tj
        flat_i.append(fi.reshape(wp * wp, m))
        flat_j.append(fj.reshape(wp * wp, m))
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
