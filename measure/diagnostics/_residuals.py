"""Private: model residuals of a calibration (the same residuals as the reported item fit)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from measure.models import item_moments
from measure.results import Calibration, PersonStatus

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Residuals:
    """Residuals of the persons with a non-extreme score (as eRm and the reported fit).

    ``persons`` indexes rows of the calibration; every array is (n, I) with NaN for missing.
    """

    persons: NDArray[np.int64]
    theta: FloatArray  #: the persons' ML measures
    observed: FloatArray
    expected: FloatArray
    variance: FloatArray
    raw: FloatArray  #: x - E (Yen's residual)
    standardised: FloatArray  #: (x - E) / sqrt(V)


def residuals(cal: Calibration) -> Residuals:
    """Residuals at the persons' ML measures, persons with status ``ok`` only."""
    status = cal.persons["status"].to_numpy()
    theta_all = cal.persons["mle"].to_numpy(dtype=float)
    keep = np.flatnonzero((status == PersonStatus.OK.value) & np.isfinite(theta_all))
    theta = theta_all[keep]
    # persons share measures (one per missing-data pattern and score): compute moments once
    uniq, inv = np.unique(theta, return_inverse=True)
    e_u, v_u, _, _ = item_moments(uniq, cal.threshold_matrix)
    e, v = e_u[inv.reshape(-1)], v_u[inv.reshape(-1)]
    vals = cal.values[keep]
    x = np.where(vals >= 0, vals, np.nan).astype(float)
    e = np.where(np.isnan(x), np.nan, e)
    v = np.where(np.isnan(x), np.nan, v)
    raw = x - e
    with np.errstate(invalid="ignore", divide="ignore"):
        z = raw / np.sqrt(v)
    return Residuals(
        persons=keep.astype(np.int64),
        theta=theta,
        observed=x,
        expected=e,
        variance=v,
        raw=raw,
        standardised=z,
    )


def pairwise_correlation(x: FloatArray, min_periods: int = 3) -> tuple[FloatArray, FloatArray]:
    """Pearson correlations of the columns of ``x`` over pairwise complete rows, and the counts.

    NaN where fewer than ``min_periods`` rows are complete or a column does not vary.
    """
    ok = ~np.isnan(x)
    xf = np.where(ok, x, 0.0)
    okf = ok.astype(float)
    n = okf.T @ okf
    sx = xf.T @ okf  # sum of x_i over rows where j is present
    sxx = (xf * xf).T @ okf
    sxy = xf.T @ xf
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = sx / n
        my = sx.T / n
        cov = sxy / n - mx * my
        vx = sxx / n - mx**2
        vy = sxx.T / n - my**2
        r = cov / np.sqrt(vx * vy)
    r = np.where((n >= min_periods) & (vx > 1e-12) & (vy > 1e-12), r, np.nan)
    r = np.clip(r, -1.0, 1.0)
    np.fill_diagonal(r, np.where(np.diag(n) >= min_periods, 1.0, np.nan))
    return r, n
