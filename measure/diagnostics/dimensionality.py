"""Dimensionality: principal components of standardised residuals, and Smith's t-tests.

After the Rasch dimension is removed, the standardised residuals
``z_vi = (x_vi - E_vi) / sqrt(V_vi)`` should be noise. A principal component analysis of the
item-by-item correlations of the residuals (pairwise complete persons) gives "contrasts"; the
eigenvalue of the first is in units of items, so an eigenvalue above 2 means a secondary
dimension with the strength of at least two items (Winsteps, principalcomponents.htm).

Smith (2002): measure every person on the items loading positively and, separately, on the
items loading negatively on the first contrast; count persons whose two measures differ
significantly (|t| > 1.96). More than 5% (lower bound of the 95% interval of the share above
5%) indicates a second dimension.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure._estimation.cml import pattern_index
from measure._estimation.person import solve as solve_persons
from measure._types import Z95
from measure.diagnostics._residuals import Residuals, pairwise_correlation, residuals
from measure.diagnostics.rules import SOURCES, Rules
from measure.results import Calibration

__all__ = ["Dimensionality", "residual_pca"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Dimensionality:
    """Residual PCA and Smith's test.

    Attributes
    ----------
    eigenvalues : DataFrame component (1..), eigenvalue, percent (of the residual variance,
        which totals the number of items).
    loadings : DataFrame item, location, loading (on the first contrast), then loading_2, ...
    first_eigenvalue : eigenvalue of the first contrast.
    positive_items, negative_items : the item subsets of Smith's test.
    smith_share, smith_lower, smith_upper : share of persons with |t| > 1.96 and its 95%
        interval (normal approximation); NaN when a subset is empty.
    smith_n : persons measured on both subsets.
    """

    eigenvalues: pd.DataFrame
    loadings: pd.DataFrame
    first_eigenvalue: float
    positive_items: tuple[str, ...]
    negative_items: tuple[str, ...]
    smith_share: float
    smith_lower: float
    smith_upper: float
    smith_n: int
    rule: str
    source: str = SOURCES["dimensionality"]

    def flagged(self, rules: Rules | None = None) -> bool:
        """First contrast eigenvalue above the rule, or Smith's share significantly above it."""
        rules = rules or Rules()
        return bool(
            self.first_eigenvalue > rules.contrast_eigenvalue
            or (np.isfinite(self.smith_lower) and self.smith_lower > rules.smith_share)
        )


def residual_pca(
    cal: Calibration,
    *,
    n_components: int = 5,
    rules: Rules | None = None,
    resid: Residuals | None = None,
) -> Dimensionality:
    """Principal components of the standardised residuals (persons with non-extreme scores).

    Eigenvectors are scaled to loadings (``vector * sqrt(eigenvalue)``) and oriented so that
    the largest absolute loading on each contrast is positive. The residuals are those of the
    item fit (persons' ML measures, extreme scores left out).

    Examples
    --------
    >>> import measure
    >>> from measure.diagnostics import residual_pca
    >>> sim = measure.simulate_responses(thresholds=[[t] for t in range(-2, 3)] * 3,
    ...                                  n_persons=300, rng=5)
    >>> pca = residual_pca(measure.calibrate(sim.responses, model="rasch"))
    >>> bool(pca.first_eigenvalue < 2.0)
    True

    Winsteps reports the same eigenvalues in Table 23 (``PRCOMP=S``).
    """
    rules = rules or Rules()
    items = list(cal.item_ids)
    res = resid if resid is not None else residuals(cal)
    r, _ = pairwise_correlation(res.standardised)
    r = np.where(np.isnan(r), 0.0, r)
    np.fill_diagonal(r, 1.0)
    vals, vecs = np.linalg.eigh(r)
    order = np.argsort(vals)[::-1]
    vals = np.clip(vals[order], 0.0, None)
    vecs = vecs[:, order]
    k = min(n_components, len(items))
    loads = vecs[:, :k] * np.sqrt(vals[:k])[None, :]
    for c in range(k):
        if loads[np.argmax(np.abs(loads[:, c])), c] < 0:
            loads[:, c] *= -1
    eig = pd.DataFrame(
        {
            "component": np.arange(1, len(items) + 1),
            "eigenvalue": vals,
            "percent": 100.0 * vals / max(float(vals.sum()), 1e-12),
        }
    )
    load_tab = pd.DataFrame({"item": items, "location": cal.items["location"].to_numpy()})
    for c in range(k):
        load_tab["loading" if c == 0 else f"loading_{c + 1}"] = loads[:, c]
    load_tab = load_tab.sort_values("loading", ascending=False, kind="stable").reset_index(
        drop=True
    )
    first = loads[:, 0] if k else np.zeros(len(items))
    cut = rules.contrast_loading
    pos = [it for it, x in zip(items, first, strict=True) if x > cut]
    neg = [it for it, x in zip(items, first, strict=True) if x < -cut]
    if not pos or not neg:
        pos = [it for it, x in zip(items, first, strict=True) if x > 0]
        neg = [it for it, x in zip(items, first, strict=True) if x <= 0]
    share, lower, upper, n = _smith(cal, pos, neg)
    rule = (
        f"first contrast eigenvalue above {rules.contrast_eigenvalue:g}, or more than "
        f"{100 * rules.smith_share:g}% of persons (lower 95% bound) with significantly different "
        "measures on the positively and negatively loading items"
    )
    return Dimensionality(
        eigenvalues=eig,
        loadings=load_tab,
        first_eigenvalue=float(vals[0]) if vals.size else np.nan,
        positive_items=tuple(pos),
        negative_items=tuple(neg),
        smith_share=share,
        smith_lower=lower,
        smith_upper=upper,
        smith_n=n,
        rule=rule,
    )


def _subset_measures(
    values: NDArray[np.int16], thresholds: FloatArray, subset: NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray]:
    """WLE and SE of every person on the items in ``subset`` (NaN without answers there)."""
    answered = (values >= 0) & subset[None, :]
    score = np.where(answered, values, 0).sum(axis=1)
    pattern = pattern_index(answered)[0]
    keys = pattern * (int(score.max(initial=0)) + 1) + score.astype(np.int64)
    uniq, inverse = np.unique(keys, return_inverse=True)
    inverse = inverse.reshape(-1)
    first = np.zeros(uniq.shape[0], dtype=np.int64)
    first[inverse[::-1]] = np.arange(values.shape[0])[::-1]
    mask = answered[first]
    wle, se, _ = solve_persons(score[first].astype(float), thresholds, mask, kind="wle")
    none = ~mask.any(axis=1)
    wle[none] = np.nan
    se[none] = np.nan
    return wle[inverse], se[inverse]


def _smith(cal: Calibration, pos: list[str], neg: list[str]) -> tuple[float, float, float, int]:
    if not pos or not neg:
        return np.nan, np.nan, np.nan, 0
    items = list(cal.item_ids)
    in_pos = np.isin(items, pos)
    in_neg = np.isin(items, neg)
    a, sa = _subset_measures(cal.values, cal.threshold_matrix, in_pos)
    b, sb = _subset_measures(cal.values, cal.threshold_matrix, in_neg)
    ok = np.isfinite(a) & np.isfinite(b) & np.isfinite(sa) & np.isfinite(sb)
    n = int(ok.sum())
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    t = (a[ok] - b[ok]) / np.sqrt(sa[ok] ** 2 + sb[ok] ** 2)
    share = float(np.mean(np.abs(t) > Z95))
    half = Z95 * np.sqrt(share * (1 - share) / n)
    return share, max(share - half, 0.0), min(share + half, 1.0), n
