"""Infit and outfit mean squares, their standardised forms, and point-measure correlations.

Definitions (Wright & Masters 1982; as in eRm and Winsteps): for person v and item i with
expected score E_vi, variance V_vi and fourth central moment C_vi at the person's measure,
``z_vi = (x_vi - E_vi) / sqrt(V_vi)``;

* outfit = mean of ``z^2`` (unweighted), infit = ``sum (x - E)^2 / sum V`` (information weighted);
* standardised by the Wilson-Hilferty cube-root transformation
  ``t = (MNSQ^(1/3) - 1) (3 / q) + q / 3`` with ``q^2 = sum(C / V^2) / n^2 - 1 / n`` (outfit) and
  ``q^2 = sum(C - V^2) / (sum V)^2`` (infit).

Persons with extreme scores are left out (their residuals carry no information); missing cells
contribute nothing. Arrays in, arrays out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure.models import item_moments
from measure.status import PersonStatus

if TYPE_CHECKING:
    from measure._estimation.cml import PersonIndex
    from measure._estimation.persons import PersonResults

FloatArray = NDArray[np.float64]

__all__ = [
    "MSQ_LOW",
    "MSQ_HIGH",
    "MISFIT_RULE",
    "misfitting",
    "wilson_hilferty",
    "fit_from_sums",
    "point_measure_correlation",
    "FitTables",
    "fit_tables",
]

#: default item fit range for rating scales (Wright & Linacre 1994, RMT 8:3,
#: rasch.org/rmt/rmt83b.htm)
MSQ_LOW = 0.6
MSQ_HIGH = 1.4
MISFIT_RULE = "infit or outfit MNSQ outside 0.6-1.4 (Wright & Linacre 1994, RMT 8:3)"


def misfitting(items: pd.DataFrame, low: float = MSQ_LOW, high: float = MSQ_HIGH) -> list[str]:
    """Items whose infit or outfit mean square lies outside ``[low, high]``."""
    out = pd.DataFrame(
        {c: (items[c] < low) | (items[c] > high) for c in ("infit_msq", "outfit_msq")}
    ).any(axis=1)
    return [str(i) for i in items.loc[out, "item"]]


def wilson_hilferty(msq: FloatArray, q2: FloatArray) -> FloatArray:
    """Standardise a mean square: ``(MNSQ^(1/3) - 1)(3/q) + q/3``.

    Examples
    --------
    >>> import numpy as np
    >>> float(wilson_hilferty(np.array([1.0]), np.array([0.04]))[0])  # doctest: +ELLIPSIS
    0.0666...
    """
    q = np.sqrt(np.maximum(q2, 1e-300))
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = (np.cbrt(msq) - 1.0) * (3.0 / q) + q / 3.0
    return out


def fit_from_sums(
    n: FloatArray,
    sum_z2: FloatArray,
    sum_sq: FloatArray,
    sum_v: FloatArray,
    sum_c_v2: FloatArray,
    sum_c_minus_v2: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Infit/outfit MNSQ and ZSTD from accumulated sums over the cells of an item or a person.

    Parameters are sums over the cells: count ``n``, ``sum z^2``, ``sum (x - E)^2``, ``sum V``,
    ``sum C / V^2`` and ``sum (C - V^2)``.

    Returns
    -------
    infit_msq, infit_zstd, outfit_msq, outfit_zstd
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        outfit = sum_z2 / n
        infit = sum_sq / sum_v
        q2_out = sum_c_v2 / n**2 - 1.0 / n
        q2_in = sum_c_minus_v2 / sum_v**2
    empty = n <= 0
    outfit = np.where(empty, np.nan, outfit)
    infit = np.where(empty, np.nan, infit)
    return (
        infit,
        np.where(empty, np.nan, wilson_hilferty(infit, q2_in)),
        outfit,
        np.where(empty, np.nan, wilson_hilferty(outfit, q2_out)),
    )


def point_measure_correlation(responses: NDArray[np.integer], measures: FloatArray) -> FloatArray:
    """Pearson correlation of each item's answers with the person measures.

    Computed over the persons who answered the item and have a finite measure, one item at a
    time (no persons x items temporaries).
    """
    x = np.asarray(responses)
    finite = np.isfinite(measures)
    th = np.where(finite, measures, 0.0)
    out = np.full(x.shape[1], np.nan)
    for j in range(x.shape[1]):
        col = x[:, j]
        ok = (col >= 0) & finite
        n = int(ok.sum())
        if n < 2:
            continue
        xv = col[ok].astype(np.float64)
        tv = th[ok]
        xv -= xv.mean()
        tv = tv - tv.mean()
        denom = float(np.sqrt(np.dot(xv, xv) * np.dot(tv, tv)))
        if denom > 0:
            out[j] = float(np.dot(xv, tv)) / denom
    return out


@dataclass(frozen=True)
class FitTables:
    item: tuple[FloatArray, FloatArray, FloatArray, FloatArray]
    item_n: FloatArray
    person: tuple[FloatArray, FloatArray, FloatArray, FloatArray]


def fit_tables(
    values: NDArray[np.int16],
    index: PersonIndex,
    thresholds: FloatArray,
    persons: PersonResults,
) -> FitTables:
    """Item and person fit from tables per (pattern, score) key (no persons x items arrays)."""
    n, n_items = values.shape
    theta = persons.key_theta_mle
    ok_key = np.isfinite(theta)
    th = np.where(ok_key, theta, 0.0)
    e, v, _, m4 = item_moments(th, thresholds)
    width = thresholds.shape[1] + 1
    fit_person = persons.key >= 0
    fit_person &= ok_key[np.where(persons.key >= 0, persons.key, 0)]
    fit_person &= persons.status == PersonStatus.OK.value
    # item sums via counts by (key, item, category)
    k = persons.key
    nk = e.shape[0]
    cnt = np.zeros((nk, n_items, width))
    for j in range(n_items):  # counts by (key, category), one item at a time
        sel = fit_person & (values[:, j] >= 0)
        cnt[:, j, :] = np.bincount(
            k[sel] * width + values[sel, j].astype(np.int64), minlength=nk * width
        ).reshape(nk, width)
    x = np.arange(width, dtype=float)
    sq = (cnt * (x[None, None, :] - e[:, :, None]) ** 2).sum(axis=2)
    ncell = cnt.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        vsafe = np.where(v > 0, v, np.nan)
        item_sums = (
            ncell.sum(axis=0),
            np.nansum(sq / vsafe, axis=0),
            sq.sum(axis=0),
            (ncell * v).sum(axis=0),
            np.nansum(ncell * m4 / vsafe**2, axis=0),
            (ncell * (m4 - v**2)).sum(axis=0),
        )
    item = fit_from_sums(*item_sums)
    # person sums: the answered items are fixed by the key's pattern, so the sums of V, C/V^2
    # and C - V^2 are per-key constants; the squared residuals are looked up per item from
    # (key, item, category) tables -- no persons x items temporaries
    answered_key = persons.key_mask
    with np.errstate(invalid="ignore", divide="ignore"):
        key_sums = {
            0: answered_key.sum(axis=1).astype(float),
            3: np.where(answered_key, v, 0.0).sum(axis=1),
            4: np.where(answered_key, m4 / v**2, 0.0).sum(axis=1),
            5: np.where(answered_key, m4 - v**2, 0.0).sum(axis=1),
        }
        resid2 = (x[None, None, :] - e[:, :, None]) ** 2  # (K, I, W)
        z2 = np.where(v[:, :, None] > 0, resid2 / v[:, :, None], 0.0)
    kk = np.where(fit_person, k, 0)
    p_sums = [np.zeros(n) for _ in range(6)]
    for idx, per_key in key_sums.items():
        p_sums[idx] = np.where(fit_person, per_key[kk], 0.0)
    flat_r = resid2.reshape(-1)
    flat_z = z2.reshape(-1)
    for j in range(n_items):
        col = values[:, j].astype(np.int64)
        use = fit_person & (col >= 0)
        pos = (kk * n_items + j) * width + np.where(use, col, 0)
        p_sums[1] += np.where(use, flat_z[pos], 0.0)
        p_sums[2] += np.where(use, flat_r[pos], 0.0)
    person = fit_from_sums(*p_sums)
    person = tuple(np.where(fit_person, a, np.nan) for a in person)  # type: ignore[assignment]
    return FitTables(item=item, item_n=item_sums[0], person=person)
