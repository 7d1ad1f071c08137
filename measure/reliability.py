"""Reliability: separation reliability (persons or items) and Cronbach's alpha. Arrays in."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["cronbach_alpha", "separation_reliability"]

FloatArray = NDArray[np.float64]


def separation_reliability(
    measures: FloatArray, se: FloatArray, *, weights: FloatArray | None = None
) -> dict[str, float]:
    """Separation reliability, separation index G and strata H.

    ``R = (var(m) - mean(se^2)) / var(m)`` (variance with n - 1, as eRm ``SepRel``);
    ``G = sqrt(R / (1 - R))`` (0 when R <= 0); ``H = (4G + 1) / 3`` (Wright 2002,
    rasch.org/rmt/rmt163f.htm). ``weights`` are frequencies: ``measures[k]`` stands for
    ``weights[k]`` persons (the pipeline passes one entry per (pattern, score) key), giving the
    figures of the expanded list.

    Examples
    --------
    >>> import numpy as np
    >>> m, s = np.array([-1.0, 0.0, 0.0, 2.0]), np.array([0.5, 0.4, 0.4, 0.6])
    >>> a = separation_reliability(m, s)["reliability"]
    >>> b = separation_reliability(m[[0, 1, 3]], s[[0, 1, 3]], weights=np.array([1, 2, 1.0]))
    >>> bool(abs(a - b["reliability"]) < 1e-12)
    True
    """
    ok = np.isfinite(measures) & np.isfinite(se)
    w = np.ones(measures.shape) if weights is None else np.asarray(weights, dtype=np.float64)
    ok &= w > 0
    m, s, w = measures[ok], se[ok], w[ok]
    n = float(w.sum())
    if n < 2:
        return {"reliability": float("nan"), "separation": float("nan"), "strata": float("nan")}
    mean = float(np.dot(w, m) / n)
    var = float(np.dot(w, (m - mean) ** 2) / (n - 1))
    mse = float(np.dot(w, s**2) / n)
    rel = (var - mse) / var if var > 0 else float("nan")
    g = float(np.sqrt(rel / (1 - rel))) if 0 < rel < 1 else 0.0
    return {"reliability": rel, "separation": g, "strata": (4 * g + 1) / 3}


def cronbach_alpha(values: NDArray[np.integer]) -> float:
    """Cronbach's alpha over persons who answered every item.

    ``alpha = k / (k - 1) * (1 - sum_i var(x_i) / var(sum_i x_i))`` (variances with n - 1).
    Computed item by item, without a float copy of the whole matrix.

    Examples
    --------
    >>> import numpy as np
    >>> round(cronbach_alpha(np.array([[0, 0], [1, 1], [1, 0], [2, 2]])), 3)
    0.914
    """
    k = values.shape[1]
    complete = np.flatnonzero((values >= 0).all(axis=1))
    if complete.size < 2 or k < 2:
        return float("nan")
    total = np.zeros(complete.size)
    item_var = 0.0
    for j in range(k):
        col = values[complete, j].astype(np.float64)
        item_var += float(col.var(ddof=1))
        total += col
    total_var = float(total.var(ddof=1))
    if total_var <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - item_var / total_var))
