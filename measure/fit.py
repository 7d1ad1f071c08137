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
from measure.reliability import cronbach_alpha

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
    "key_cell_counts",
    "point_measure_from_cells",
    "cronbach_alpha_from_cells",
    "item_point_measure",
    "item_alpha",
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
    #: (K, I, M + 1) answers per (pattern-score key, item, category), every person with a key;
    #: ``None`` when that table would be larger than the data (nearly one key per person)
    key_cells: NDArray[np.int64] | None = None


#: the (key, item, category) table is built when it has at most this many cells per data row
KEY_TABLE_CELLS_PER_ROW = 4


def key_cell_counts(
    values: NDArray[np.integer], key: NDArray[np.int64], n_keys: int, width: int
) -> NDArray[np.int64]:
    """(K, I, width) answers per (key, item, category); rows with key -1 are left out.

    One ``bincount`` per item over a combined (key, category) code; missing cells and rows
    without a key go to slots that are dropped.
    """
    n, n_items = values.shape
    slots = width + 1  # slot 0: missing
    base = np.where(key >= 0, key, n_keys) * slots + 1  # row n_keys: dropped
    out = np.zeros((n_keys + 1, n_items, slots), dtype=np.int64)
    columns = np.asfortranarray(values)
    for j in range(n_items):  # one bincount of the table's size per item
        code = base + np.maximum(columns[:, j], -1)
        out[:, j, :] = np.bincount(code, minlength=(n_keys + 1) * slots).reshape(-1, slots)
    return out[:n_keys, :, 1:]


def point_measure_from_cells(cells: NDArray[np.int64], key_measure: FloatArray) -> FloatArray:
    """:func:`point_measure_correlation` from the (key, item, category) table.

    The measure is constant within a key, so every sum over persons is a sum over keys and
    categories; centred (two-pass) sums as in the per-person version.
    """
    finite = np.isfinite(key_measure)
    c = cells[finite].astype(np.float64)  # (K', I, W)
    th = key_measure[finite]
    x = np.arange(c.shape[2], dtype=np.float64)
    n_kj = c.sum(axis=2)  # (K', I)
    n = n_kj.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_mean = (c @ x).sum(axis=0) / n
        t_mean = (n_kj * th[:, None]).sum(axis=0) / n
        dx = x[None, :] - x_mean[:, None]  # (I, W)
        dt = th[:, None] - t_mean[None, :]  # (K', I)
        sxx = (c * dx[None, :, :] ** 2).sum(axis=(0, 2))
        stt = (n_kj * dt**2).sum(axis=0)
        sxt = ((c * dx[None, :, :]).sum(axis=2) * dt).sum(axis=0)
        denom = np.sqrt(sxx * stt)
        r = np.where((n >= 2) & (denom > 0), sxt / denom, np.nan)
    out: FloatArray = r
    return out


def cronbach_alpha_from_cells(
    cells: NDArray[np.int64], key_pattern_mask: NDArray[np.bool_], key_score: NDArray[np.int64]
) -> float:
    """Cronbach's alpha (as :func:`measure.reliability.cronbach_alpha`) from the key table.

    Persons who answered every item are the keys whose pattern is complete; their total is the
    key's raw score.
    """
    k = cells.shape[1]
    complete = key_pattern_mask.all(axis=1)
    c = cells[complete].astype(np.float64)
    n_key = c[:, 0, :].sum(axis=1)
    n = float(n_key.sum())
    if n < 2 or k < 2:
        return float("nan")
    x = np.arange(c.shape[2], dtype=np.float64)
    per_item = c.sum(axis=0)  # (I, W)
    mean = per_item @ x / n
    item_var = float((((x[None, :] - mean[:, None]) ** 2) * per_item).sum() / (n - 1))
    total = key_score[complete].astype(np.float64)
    t_mean = float((n_key * total).sum() / n)
    total_var = float((n_key * (total - t_mean) ** 2).sum() / (n - 1))
    if total_var <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - item_var / total_var))


def item_point_measure(
    values: NDArray[np.integer], persons: PersonResults, fit: FitTables
) -> FloatArray:
    """Point-measure correlations with the WLE: from the key table when there is one."""
    if fit.key_cells is not None:
        return point_measure_from_cells(fit.key_cells, persons.key_wle)
    return point_measure_correlation(values, persons.wle)


def item_alpha(values: NDArray[np.integer], persons: PersonResults, fit: FitTables) -> float:
    """Cronbach's alpha: from the key table when there is one."""
    if fit.key_cells is not None:
        return cronbach_alpha_from_cells(fit.key_cells, persons.key_mask, persons.key_score)
    return cronbach_alpha(values)


def fit_tables(
    values: NDArray[np.int16],
    index: PersonIndex,
    thresholds: FloatArray,
    persons: PersonResults,
    *,
    lookup: bool | None = None,
) -> FitTables:
    """Item and person fit from tables per (pattern, score) key (no persons x items arrays).

    Whether a person enters the fit (status ok, finite MLE) is a property of the key. Item sums
    come from the (key, item, category) answer counts when that table is small (it is also
    returned, for the point-measure correlations and alpha), else from per-cell lookups.
    Person sums of squared residuals are per-cell lookups in (key, item, category) tables of
    ``(x - E)^2`` and ``(x - E)^2 / V`` (one complex gather per item) when those tables are
    small next to the data, else residuals computed cell by cell from E and V at the key
    (``lookup`` forces one or the other; the results are the same).
    """
    n, n_items = values.shape
    theta = persons.key_theta_mle
    nk = theta.shape[0]
    ok_key = np.isfinite(theta) & (persons.key_status == 0)  # status ok, finite MLE
    th = np.where(ok_key, theta, 0.0)
    e, v, _, m4 = item_moments(th, thresholds)
    width = thresholds.shape[1] + 1
    slots = width + 1  # slot 0: missing
    use_cells = (nk + 1) * (width + 1) * n_items <= KEY_TABLE_CELLS_PER_ROW * max(n, 1)
    # per-category residual tables pay off when they are small next to the data
    use_lookup = (nk + 1) * slots * 2 <= max(n, 1) if lookup is None else lookup
    x = np.arange(width, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        vsafe = np.where(v > 0, v, np.nan)
        if use_cells or use_lookup:
            resid2 = (x[None, None, :] - e[:, :, None]) ** 2  # (K, I, W)
            z2 = np.where(v[:, :, None] > 0, resid2 / v[:, :, None], 0.0)
    cells = key_cell_counts(values, persons.key, nk, width) if use_cells else None
    # person sums: per-key constants (the answered items are fixed by the key's pattern) and
    # per-cell lookups; key nk is a row of zeros for persons outside the fit
    answered_key = persons.key_mask
    with np.errstate(invalid="ignore", divide="ignore"):
        key_sums = {
            0: answered_key.sum(axis=1).astype(float),
            3: np.where(answered_key, v, 0.0).sum(axis=1),
            4: np.where(answered_key, m4 / v**2, 0.0).sum(axis=1),
            5: np.where(answered_key, m4 - v**2, 0.0).sum(axis=1),
        }
    fit_key = np.append(ok_key, False)
    kk = np.where(persons.key >= 0, persons.key, nk)
    fit_person = fit_key[kk]
    kk = np.where(fit_person, kk, nk)
    p_sums = [np.zeros(n) for _ in range(6)]
    for idx, per_key in key_sums.items():
        p_sums[idx] = np.append(np.where(ok_key, per_key, 0.0), 0.0)[kk]
    item_sq = np.zeros(n_items)
    item_z2 = np.zeros(n_items)
    columns = np.asfortranarray(values)  # one contiguous column per item
    if use_lookup:  # one complex gather per item: (x - E)^2 + i (x - E)^2 / V
        table = np.zeros((nk + 1, n_items, slots), dtype=np.complex128)
        table[:nk, :, 1:] = np.where(ok_key[:, None, None], resid2 + 1j * z2, 0.0)
        flat = table.reshape(-1)
        base = kk * (n_items * slots) + 1
        acc = np.zeros(n, dtype=np.complex128)
        for j in range(n_items):
            got = flat[(base + j * slots) + np.maximum(columns[:, j], -1)]
            acc += got
            if cells is None:
                item_sq[j] = got.real.sum()
                item_z2[j] = got.imag.sum()
        p_sums[1] = acc.imag
        p_sums[2] = acc.real
    else:  # nearly one key per person: residuals cell by cell from E and V at the key
        e_flat = np.vstack([e, np.zeros((1, n_items))]).reshape(-1)
        v_flat = np.vstack([v, np.ones((1, n_items))]).reshape(-1)
        base = kk * n_items
        for j in range(n_items):
            col = columns[:, j]
            use = fit_person & (col >= 0)
            at = base + j
            r2 = np.where(use, (col - e_flat[at]) ** 2, 0.0)
            vj = v_flat[at]
            with np.errstate(invalid="ignore", divide="ignore"):
                zj = np.where(use & (vj > 0), r2 / vj, 0.0)
            p_sums[1] += zj
            p_sums[2] += r2
            item_sq[j] = r2.sum()
            item_z2[j] = zj.sum()
    if cells is not None:
        cnt = np.where(ok_key[:, None, None], cells, 0).astype(np.float64)
        ncell = cnt.sum(axis=2)
        sq = (cnt * resid2).sum(axis=2)
        item_sq = sq.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            item_z2 = np.nansum(sq / vsafe, axis=0)
    else:
        ncell = np.zeros((nk, n_items))
        for j in range(n_items):
            sel = fit_person & (columns[:, j] >= 0)
            ncell[:, j] = np.bincount(kk[sel], minlength=nk + 1)[:nk]
    with np.errstate(invalid="ignore", divide="ignore"):
        item_sums = (
            ncell.sum(axis=0),
            item_z2,
            item_sq,
            (ncell * v).sum(axis=0),
            np.nansum(ncell * m4 / vsafe**2, axis=0),
            (ncell * (m4 - v**2)).sum(axis=0),
        )
    item = fit_from_sums(*item_sums)
    person = fit_from_sums(*p_sums)
    person = tuple(np.where(fit_person, a, np.nan) for a in person)  # type: ignore[assignment]
    return FitTables(item=item, item_n=item_sums[0], person=person, key_cells=cells)
