"""Category probabilities and moments of Rasch-family items (pure, vectorised numpy).

One parameterisation everywhere (docs/models.md):

    P(X_vi = x | theta_v) = exp( sum_{k=1..x} (theta_v - delta_ik) ) / normaliser,  x = 0..m_i

dichotomous (``m_i = 1``), partial credit (free ``delta_ik``) and rating scale
(``delta_ik = delta_i + tau_k``) differ only in how the thresholds are constrained.
Thresholds are passed as an (I, M) array padded with NaN beyond an item's top category.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from measure._types import MODELS, ModelName
from measure.exceptions import ResponseDataError

FloatArray = NDArray[np.float64]

__all__ = ["ModelName", "MODELS", "category_probabilities", "item_moments", "log_eps"]


def log_eps(thresholds: FloatArray) -> FloatArray:
    """``L[i, x] = -sum_{k<=x} delta_ik`` with ``L[i, 0] = 0``; ``-inf`` beyond the top category."""
    t = np.asarray(thresholds, dtype=np.float64)
    csum = -np.cumsum(np.where(np.isnan(t), 0.0, t), axis=1)
    csum = np.where(np.isnan(t), -np.inf, csum)
    return np.concatenate([np.zeros((t.shape[0], 1)), csum], axis=1)


def category_probabilities(theta: FloatArray, thresholds: FloatArray) -> FloatArray:
    """Category probabilities.

    Parameters
    ----------
    theta : (T,) array of person locations (logits).
    thresholds : (I, M) array of thresholds, NaN-padded.

    Returns
    -------
    (T, I, M + 1) array; categories beyond an item's top have probability 0.

    Examples
    --------
    >>> import numpy as np
    >>> category_probabilities(np.array([0.0]), np.array([[0.0]]))[0, 0]
    array([0.5, 0.5])
    """
    le = log_eps(thresholds)
    th = np.asarray(theta, dtype=np.float64)
    x = np.arange(le.shape[1], dtype=np.float64)
    a = le[None, :, :] + th[:, None, None] * x
    a = a - np.max(a, axis=2, keepdims=True)
    e = np.exp(a)
    p: FloatArray = e / e.sum(axis=2, keepdims=True)
    return p


def item_moments(
    theta: FloatArray, thresholds: FloatArray, *, block: int = 8192
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Mean, variance, third and fourth central moments of every item at every ``theta``.

    Returns four (T, I) arrays ``E, V, M3, M4``. ``V`` is the item information. Computed in
    blocks of ``block`` locations, one (block, I) slab per category (a loop over the few
    categories, each step vectorised over locations and items), so that the work arrays stay
    in cache and no reduction runs over a short innermost axis.
    """
    le = log_eps(thresholds)
    th = np.asarray(theta, dtype=np.float64)
    n_cat = le.shape[1]
    shape = (th.shape[0], le.shape[0])
    mean, var, m3, m4 = (np.empty(shape) for _ in range(4))
    cols = [le[:, x] for x in range(n_cat)]
    for start in range(0, th.shape[0], block):
        stop = min(start + block, th.shape[0])
        t = th[start:stop, None]
        a = [cols[x][None, :] + t * x for x in range(n_cat)]  # (B, I) log-numerators
        top = a[0].copy()
        for x in range(1, n_cat):
            np.maximum(top, a[x], out=top)
        total = np.zeros_like(top)
        first = np.zeros_like(top)
        for x in range(n_cat):
            a[x] -= top
            np.exp(a[x], out=a[x])  # -inf (beyond an item's top) -> 0
            total += a[x]
            if x:
                first += x * a[x]
        mu = first / total
        v = np.zeros_like(top)
        c3 = np.zeros_like(top)
        c4 = np.zeros_like(top)
        for x in range(n_cat):
            dev = x - mu
            pd2 = a[x] * dev * dev
            v += pd2
            pd2 *= dev
            c3 += pd2
            pd2 *= dev
            c4 += pd2
        mean[start:stop] = mu
        var[start:stop] = v / total
        m3[start:stop] = c3 / total
        m4[start:stop] = c4 / total
    return mean, var, m3, m4


def check_model(model: str, items: Sequence[str], max_cat: NDArray[np.int64], source: str) -> None:
    """Refuse data the model cannot describe: rasch needs 0/1 items, rsm equal categories."""
    if model == "rasch":
        constant = [str(i) for i, m in zip(items, max_cat, strict=True) if m < 1]
        if constant:
            raise ResponseDataError(
                f"{source}: {len(constant)} item(s) have only one category in the data (every "
                f"answer is the lowest code): {', '.join(constant[:10])}. An item that does not "
                "vary carries no information about the persons; leave it out (or declare its "
                "categories if the top category was possible but not chosen)."
            )
        poly = [f"{i} (0..{m})" for i, m in zip(items, max_cat, strict=True) if m > 1]
        if poly:
            raise ResponseDataError(
                f"{source}: model 'rasch' needs dichotomous items (categories 0 and 1), but "
                f"{len(poly)} item(s) have more categories: {', '.join(poly[:10])}. "
                "Use model 'pcm' (partial credit) or 'rsm' (rating scale)."
            )
    if model == "rsm":
        tops = sorted(set(max_cat.tolist()))
        if len(tops) > 1:
            by_top = {m: [i for i, mm in zip(items, max_cat, strict=True) if mm == m] for m in tops}
            detail = ", ".join(f"{m + 1} categories: {', '.join(by_top[m])}" for m in tops)
            raise ResponseDataError(
                f"{source}: model 'rsm' needs every item to have the same categories, but they "
                f"differ ({detail}). Use model 'pcm', or declare the categories (max_category)."
            )
