"""Conditional maximum likelihood for the Rasch family (dichotomous, RSM, PCM).

The data enter only through sufficient statistics (:class:`SufficientStats`): for every
missing-data pattern the number of persons with each raw score, and over all persons the number
of answers in every category of every item (persons at the minimum or maximum of their own
pattern carry no information and are left out of both). The optimisation therefore costs the
same for 1,000 or 1,000,000 persons.

Parameters. Thresholds ``delta`` (all items, categories 1..m_i, item-major) are a linear function
``delta = D @ phi + d0`` of free parameters ``phi``; ``D`` and ``d0`` encode the model (PCM: every
threshold free; RSM: ``delta_ik = lambda_i + tau_k``), anchors and a reference constraint. The
log-likelihood is concave in ``phi``; it is maximised by Newton's method with the analytic
gradient and information matrix and a step-halving line search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from measure._estimation.esf import KeyProbabilities, batch_terms
from measure.exceptions import ConvergenceError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class SolverOptions:
    """Settings of the Newton solver.

    Attributes
    ----------
    max_iter : int
        Maximum number of Newton iterations.
    tol : float
        Convergence when the largest Newton step is below ``tol`` logits and the largest
        gradient element is below ``tol`` times the number of persons.
    max_step : float
        Largest change of any parameter in one iteration (logits).
    """

    max_iter: int = 100
    tol: float = 1e-9
    max_step: float = 3.0


@dataclass(frozen=True)
class Pattern:
    """Persons who answered the same set of items."""

    items: IntArray  #: indices of the answered items
    score_counts: FloatArray  #: persons with each raw score 0..sum m_i (extremes set to 0)


@dataclass(frozen=True)
class SufficientStats:
    """Everything CML needs from the data."""

    max_cat: IntArray  #: (I,) top category of each item
    patterns: tuple[Pattern, ...]
    category_counts: FloatArray  #: (I, M + 1) answers per category, non-extreme persons only
    n_informative: int  #: persons with a non-extreme score in their pattern


@dataclass(frozen=True)
class PersonIndex:
    """Per-person bookkeeping produced by the counting pass."""

    pattern: IntArray  #: index of each person's pattern in ``patterns`` (-1: nothing answered)
    raw_score: IntArray
    max_score: IntArray  #: largest possible raw score on the answered items
    n_answered: IntArray
    pattern_items: tuple[IntArray, ...]  #: answered items of every pattern (incl. all-extreme)
    pattern_masks: NDArray[np.bool_]  #: (G, I) the same as a boolean matrix
    #: (I, M + 1) answers in each category of each item, every person (extremes included)
    answer_counts: NDArray[np.int64]


def dense_unique(code: IntArray, upper: int) -> tuple[IntArray, IntArray]:
    """``np.unique(code, return_inverse=True)`` for non-negative codes below ``upper``.

    Uses a presence table instead of a sort when ``upper`` is not much larger than the number of
    codes (a million raw scores of one pattern: a bincount instead of sorting a million values).
    """
    if code.size and upper <= 4 * code.size + 4096:
        present = np.bincount(code, minlength=upper) > 0
        keys = np.flatnonzero(present).astype(np.int64)
        remap = np.cumsum(present) - 1
        return keys, remap[code].astype(np.int64)
    keys, inverse = np.unique(code, return_inverse=True)
    return keys.astype(np.int64), inverse.reshape(-1).astype(np.int64)


def pattern_index(answered: NDArray[np.bool_]) -> tuple[IntArray, NDArray[np.bool_]]:
    """Missing-data pattern of every row: ``(index (N,), patterns (G, I) as booleans)``.

    Rows are keyed by a bit mask of their answered items (an int64 up to 62 items, packed bytes
    beyond), so grouping costs one hash-free sort of integers, not a row-wise comparison.
    """
    n_persons, n_items = answered.shape
    if bool(answered.all()):
        return np.zeros(n_persons, dtype=np.int64), np.ones((1, n_items), dtype=bool)
    if n_items <= 62:
        key = np.zeros(n_persons, dtype=np.int64)
        for j in range(n_items):
            key |= answered[:, j].astype(np.int64) << j
        uniq, inverse = np.unique(key, return_inverse=True)
        masks = ((uniq[:, None] >> np.arange(n_items)) & 1).astype(bool)
    else:
        packed = np.packbits(answered, axis=1)
        view = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1])))[:, 0]
        uniq_v, inverse = np.unique(view, return_inverse=True)
        masks = np.unpackbits(
            np.frombuffer(uniq_v.tobytes(), dtype=np.uint8).reshape(uniq_v.size, -1), axis=1
        )[:, :n_items].astype(bool)
    return inverse.reshape(-1).astype(np.int64), masks


#: rows per block of the counting pass (bounds the int32 temporaries to ~ROWS x items)
COUNT_ROWS = 131_072


def count(x: NDArray[np.integer], max_cat: IntArray) -> tuple[SufficientStats, PersonIndex]:
    """One vectorised pass over the response matrix.

    Parameters
    ----------
    x : (N, I) integer array
        Responses ``0..max_cat[i]``; any negative value means missing.
    max_cat : (I,) int array
        Top category of each item.

    The raw score is one row sum; the number of answered items and the largest possible score
    follow from the missing-data pattern; the answers per (item, category), for all persons and
    for the informative ones, come from one ``bincount`` per block of rows.
    """
    n_persons, n_items = x.shape
    max_cat = np.asarray(max_cat, dtype=np.int64)
    answered = x >= 0
    inverse, all_masks = pattern_index(answered)
    del answered
    # raw score: one row sum (missing cells are negative: clipped to 0)
    raw = np.zeros(n_persons, dtype=np.int64)
    for first in range(0, n_persons, COUNT_ROWS):
        block = x[first : first + COUNT_ROWS]
        raw[first : first + COUNT_ROWS] = np.maximum(block, 0).sum(axis=1, dtype=np.int64)
    # answered items and top score: per pattern
    n_answered = all_masks.sum(axis=1).astype(np.int64)[inverse]
    max_score = (all_masks.astype(np.int64) @ max_cat)[inverse]
    # drop the empty pattern (persons with no answers)
    empty = ~all_masks.any(axis=1)
    new_index = np.cumsum(~empty) - 1
    new_index[empty] = -1
    pattern = new_index[inverse]
    masks = all_masks[~empty]
    rows, cols = np.nonzero(masks)  # row-major: each pattern's items in increasing order
    pattern_items: tuple[IntArray, ...] = (
        tuple(
            np.split(cols.astype(np.int64), np.cumsum(np.bincount(rows, minlength=len(masks)))[:-1])
        )
        if len(masks)
        else ()
    )
    extreme = (raw == 0) | (raw == max_score)
    informative = (~extreme) & (pattern >= 0)
    rtot = int(max_cat.sum())
    counts = np.bincount(
        pattern[informative] * (rtot + 1) + raw[informative], minlength=len(masks) * (rtot + 1)
    ).reshape(len(masks), rtot + 1)
    tops = masks.astype(np.int64) @ max_cat
    counts_f = counts.astype(float)
    used = np.flatnonzero(counts.sum(axis=1) > 0)  # patterns with an informative person
    patterns = tuple(
        Pattern(items=pattern_items[g], score_counts=counts_f[g, : tops[g] + 1]) for g in used
    )
    width = int(max_cat.max()) + 1
    slots = width + 1  # slot 0: missing; slot x + 1: category x
    offset = (np.arange(n_items, dtype=np.int32) * slots)[None, :]
    half = n_items * slots
    cells = np.zeros(2 * half, dtype=np.int64)  # [all persons | informative persons]
    for first in range(0, n_persons, COUNT_ROWS):
        block = x[first : first + COUNT_ROWS]
        codes = np.maximum(block, -1).astype(np.int32)
        codes += offset + 1
        codes += (informative[first : first + COUNT_ROWS, None] * half).astype(np.int32)
        cells += np.bincount(codes.ravel(order="K"), minlength=2 * half)
    informative_cells = cells[half:].reshape(n_items, slots)[:, 1:]
    all_cells = cells[:half].reshape(n_items, slots)[:, 1:] + informative_cells
    stats = SufficientStats(
        max_cat=max_cat,
        patterns=patterns,
        category_counts=informative_cells.astype(float),
        n_informative=int(informative.sum()),
    )
    index = PersonIndex(
        pattern=pattern,
        raw_score=raw,
        max_score=max_score,
        n_answered=n_answered,
        pattern_items=pattern_items,
        pattern_masks=masks,
        answer_counts=all_cells,
    )
    return stats, index


def log_eps_from_thresholds(delta: FloatArray, max_cat: IntArray) -> FloatArray:
    """``L[i, x] = -sum_{k<=x} delta_ik`` as an (I, M + 1) array, ``-inf`` beyond the top."""
    n_items = max_cat.size
    width = int(max_cat.max()) + 1
    out = np.full((n_items, width), -np.inf)
    out[:, 0] = 0.0
    pos = 0
    for i, m in enumerate(max_cat):
        out[i, 1 : m + 1] = -np.cumsum(delta[pos : pos + m])
        pos += m
    return out


def beta_to_delta_map(max_cat: IntArray) -> FloatArray:
    """Matrix A with ``beta = A @ delta`` (beta slots ``i * M + x - 1``)."""
    width = int(max_cat.max())
    n_par = int(max_cat.sum())
    a = np.zeros((max_cat.size * width, n_par))
    pos = 0
    for i, m in enumerate(max_cat):
        for x in range(1, m + 1):
            a[i * width + x - 1, pos : pos + x] = -1.0
        pos += m
    return a


@dataclass(frozen=True)
class Evaluation:
    loglik: float
    grad: FloatArray  #: in phi
    info: FloatArray | None  #: in phi
    keys: KeyProbabilities | None = None  #: per-key probabilities when asked for


def evaluate(
    stats: SufficientStats,
    delta: FloatArray,
    a_map: FloatArray,
    design: FloatArray,
    *,
    hessian: bool,
    gradient: bool = True,
    keys: bool = False,
) -> Evaluation:
    """Conditional log-likelihood, gradient and information at ``delta``.

    All patterns are evaluated together (:func:`measure._estimation.esf.batch_terms`).
    ``gradient=False`` (and ``hessian=False``) gives the log-likelihood only, with a zero
    gradient; ``keys=True`` also keeps the conditional category probabilities of every observed
    (pattern, raw score) key.
    """
    max_cat = stats.max_cat
    log_eps = log_eps_from_thresholds(delta, max_cat)
    finite = np.isfinite(log_eps)
    loglik = float(np.sum(np.where(finite, log_eps, 0.0) * stats.category_counts))
    terms = batch_terms(
        log_eps,
        max_cat,
        [pat.items for pat in stats.patterns],
        [pat.score_counts for pat in stats.patterns],
        gradient=gradient or hessian,
        hessian=hessian,
        keys=keys,
    )
    loglik += terms.minus_sum_log_gamma
    k = a_map @ design
    if terms.expected is None:
        return Evaluation(loglik, np.zeros(design.shape[1]), None, terms.keys)
    # items without informative answers have no expected counts either
    grad_beta = (stats.category_counts - terms.expected)[:, 1:].reshape(-1)
    grad = k.T @ grad_beta
    info_beta = terms.information
    info = k.T @ info_beta @ k if info_beta is not None else None
    return Evaluation(loglik=loglik, grad=grad, info=info, keys=terms.keys)


def key_probabilities(stats: SufficientStats, delta: FloatArray) -> KeyProbabilities:
    """``P(X_i = x | r, S)`` at ``delta`` for every observed (pattern, raw score) key."""
    log_eps = log_eps_from_thresholds(delta, stats.max_cat)
    terms = batch_terms(
        log_eps,
        stats.max_cat,
        [pat.items for pat in stats.patterns],
        [pat.score_counts for pat in stats.patterns],
        gradient=False,
        keys=True,
    )
    assert terms.keys is not None
    return terms.keys


@dataclass(frozen=True)
class Shifts:
    """Per item: the CML estimate of one common shift of its thresholds, the rest fixed."""

    shift: FloatArray  #: (I,) NaN where not finite
    se: FloatArray  #: (I,)
    finite: NDArray[np.bool_]  #: (I,) a finite estimate exists (and the information is positive)


#: a shift this large (logits) counts as no finite estimate, as in :func:`fit`
SHIFT_LIMIT = 60.0


def item_shifts(
    stats: SufficientStats,
    delta: FloatArray,
    *,
    keys: KeyProbabilities | None = None,
    tol: float = 1e-12,
) -> Shifts:
    """Each item's common threshold shift ``d_j`` by conditional ML, every other item at ``delta``.

    The score equation of ``d_j`` is ``O_j = sum_{S contains j, r} n_{S,r} E[X_j | r, S; d_j]``
    (``O_j``: the observed total of item j among informative persons), and shifting item j's
    thresholds by ``d`` multiplies ``eps_jx`` by ``exp(-x d)``, so
    ``P(X_j = x | r, S; d)`` is proportional to ``P(X_j = x | r, S; 0) exp(-x d)``: the
    conditional probabilities at ``delta``, computed once per key, determine the whole
    one-parameter likelihood. Safeguarded Newton on every item at once; ``se = 1 / sqrt(sum
    n V[X_j | r, S; d_hat])``. No finite estimate when ``O_j`` is at the smallest or largest total
    the keys allow, when the estimate exceeds ``SHIFT_LIMIT`` or the information is (nearly)
    zero. ``keys``: the key probabilities at ``delta`` when already computed.
    """
    n_items = stats.max_cat.size
    if keys is None:
        keys = key_probabilities(stats, delta)
    width = keys.prob.shape[2]
    x = np.arange(width, dtype=np.float64)
    observed = stats.category_counts @ x  # (I,)
    possible = keys.prob > 0
    lowest = np.argmax(possible, axis=2)
    highest = width - 1 - np.argmax(possible[:, :, ::-1], axis=2)
    low_total = keys.count @ lowest
    high_total = keys.count @ highest
    inside = (observed > low_total) & (observed < high_total)
    # only (key, item) pairs with more than one possible category depend on d; the others add
    # their one category to the expected total
    varies = highest > lowest
    kk, jj = np.nonzero(varies)
    p0 = keys.prob[kk, jj]  # (Q, W)
    n_q = keys.count[kk]
    fixed = keys.count @ np.where(varies, 0, lowest)
    mcat = width - 1
    # exp(-(x - ref) d) <= 1 with ref = 0 (d >= 0) or M (d < 0): no overflow, and no underflow
    # of a whole row while M * SHIFT_LIMIT <= 600; beyond that, in logs
    in_logs = mcat * SHIFT_LIMIT > 600
    with np.errstate(divide="ignore"):
        log_p0 = np.log(p0) if in_logs else p0

    def moments(d: FloatArray) -> tuple[FloatArray, FloatArray]:
        if in_logs:
            a = log_p0 - x[None, :] * d[jj, None]
            e = np.exp(a - a.max(axis=1, keepdims=True))
        else:
            ref = np.where(d >= 0, 0.0, float(mcat))
            e = p0 * np.exp(-(x[None, :] - ref[:, None]) * d[:, None])[jj]
        e /= e.sum(axis=1, keepdims=True)
        mean = e @ x
        var = ((x[None, :] - mean[:, None]) ** 2 * e).sum(axis=1)
        total = np.bincount(jj, n_q * mean, minlength=n_items) + fixed
        spread: FloatArray = np.bincount(jj, n_q * var, minlength=n_items).astype(np.float64)
        return total, spread

    d = np.zeros(n_items)
    lo = np.full(n_items, -SHIFT_LIMIT)
    hi = np.full(n_items, SHIFT_LIMIT)
    active = inside.copy()
    for _ in range(200):
        if not active.any():
            break
        mean, var = moments(d)
        f = mean - observed  # decreasing in d
        lo = np.where(active & (f > 0), d, lo)
        hi = np.where(active & (f < 0), d, hi)
        step = np.where(var > 0, f / np.maximum(var, 1e-300), 0.0)
        new = d + step
        bad = (new <= lo) | (new >= hi) | ~np.isfinite(new)
        new = np.where(bad, 0.5 * (lo + hi), new)
        new = np.where(active, new, d)
        active &= np.abs(new - d) >= tol
        d = new
    _, var = moments(d)
    finite = inside & (np.abs(d) < SHIFT_LIMIT - 1e-6) & (var > 1e-10)
    se = np.where(finite, 1.0 / np.sqrt(np.where(finite, var, 1.0)), np.nan)
    return Shifts(shift=np.where(finite, d, np.nan), se=se, finite=finite)


@dataclass(frozen=True)
class CMLResult:
    delta: FloatArray  #: all thresholds, item-major
    cov_delta: FloatArray  #: covariance of ``delta``
    loglik: float
    iterations: int
    converged: bool
    gradient_norm: float


def _causes(stats: SufficientStats) -> list[str]:
    causes = []
    for i, m in enumerate(stats.max_cat):
        c = stats.category_counts[i, : m + 1]
        if np.count_nonzero(c) <= 1:
            causes.append(f"item #{i} has all informative answers in one category")
    if len(stats.patterns) > 1:
        causes.append(
            "the missing-data design may be disconnected (groups of items never answered "
            "by the same persons)"
        )
    causes.append(
        "a response pattern that separates items perfectly (e.g. every person who answers an "
        "item in its top category also has the maximum on another)"
    )
    causes.append("too few persons with non-extreme scores for the number of parameters")
    return causes


def fit(
    stats: SufficientStats,
    design: FloatArray,
    offset: FloatArray,
    *,
    options: SolverOptions,
    start: FloatArray | None = None,
) -> CMLResult:
    """Maximise the conditional likelihood over ``phi`` with ``delta = design @ phi + offset``."""
    a_map = beta_to_delta_map(stats.max_cat)
    q = design.shape[1]
    phi = np.zeros(q) if start is None else start.astype(float).copy()
    if q == 0:
        ev = evaluate(stats, offset, a_map, design, hessian=False)
        return CMLResult(offset, np.zeros((offset.size, offset.size)), ev.loglik, 0, True, 0.0)
    ev = evaluate(stats, design @ phi + offset, a_map, design, hessian=True)
    converged = False
    it = 0
    scale = max(stats.n_informative, 1)
    for it in range(1, options.max_iter + 1):
        assert ev.info is not None
        try:
            step = np.linalg.solve(ev.info, ev.grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(ev.info, ev.grad, rcond=None)[0]
        if not np.all(np.isfinite(step)):
            break
        biggest = float(np.max(np.abs(step)))
        if biggest > options.max_step:
            step *= options.max_step / biggest
        t = 1.0
        for _ in range(40):
            trial = phi + t * step
            ev_t = evaluate(stats, design @ trial + offset, a_map, design, hessian=True)
            if np.isfinite(ev_t.loglik) and ev_t.loglik >= ev.loglik - 1e-12 * abs(ev.loglik):
                break
            t *= 0.5
        phi, ev = trial, ev_t
        if float(np.max(np.abs(phi))) > 60.0:
            break
        if float(np.max(np.abs(t * step))) < options.tol and float(np.max(np.abs(ev.grad))) < max(
            options.tol * scale, 1e-7
        ):
            converged = True
            break
    gnorm = float(np.linalg.norm(ev.grad))
    if not converged:
        lines = "\n".join(f"  - {c}" for c in _causes(stats))
        raise ConvergenceError(
            f"conditional ML did not converge after {it} iterations "
            f"(gradient norm {gnorm:.3g}). Likely causes:\n{lines}",
            iterations=it,
            gradient_norm=gnorm,
        )
    assert ev.info is not None
    eig = np.linalg.eigvalsh(ev.info)
    if eig.min() <= 1e-10 * max(eig.max(), 1.0):
        lines = "\n".join(f"  - {c}" for c in _causes(stats))
        raise ConvergenceError(
            "the information matrix is singular at the solution, so the item parameters are not "
            f"identified (iterations {it}, gradient norm {gnorm:.3g}). Likely causes:\n{lines}",
            iterations=it,
            gradient_norm=gnorm,
        )
    cov_phi = np.linalg.inv(ev.info)
    cov_phi = 0.5 * (cov_phi + cov_phi.T)
    delta = design @ phi + offset
    cov_delta = design @ cov_phi @ design.T
    return CMLResult(delta, cov_delta, ev.loglik, it, True, gnorm)
