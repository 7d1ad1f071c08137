"""Targeting (are the items where the persons are?) and test information (where is it precise?)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure.diagnostics.rules import SOURCES, Rules
from measure.models import item_moments
from measure.results import Calibration, PersonStatus

__all__ = ["Targeting", "targeting", "Information", "information_curve"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Targeting:
    """Persons against items on the logit scale.

    Attributes
    ----------
    person_mean, person_sd : of the persons' measures (the calibration's estimator; finite only).
    item_mean, item_sd : of the item locations.
    threshold_min, threshold_max : range of the thresholds.
    offset : person_mean - item_mean (positive: the persons are above the items).
    floor, ceiling : share of persons with an answer who have the lowest or highest possible
        score on the items they answered.
    n_persons : persons with at least one answer.
    """

    person_mean: float
    person_sd: float
    item_mean: float
    item_sd: float
    threshold_min: float
    threshold_max: float
    offset: float
    floor: float
    ceiling: float
    n_persons: int
    rule: str
    source: str = SOURCES["targeting"]
    problems: tuple[str, ...] = ()  #: which rules failed: "offset", "floor", "ceiling"

    @property
    def well_targeted(self) -> bool:
        """Offset and floor/ceiling within the rules used to build this object."""
        return not self.problems


def targeting(cal: Calibration, *, rules: Rules | None = None) -> Targeting:
    """Person mean and SD against item mean, and floor and ceiling effects.

    Rules: ``|person mean - item mean| <= rules.targeting_offset`` logits and at most
    ``rules.floor_ceiling_share`` of persons at the floor or at the ceiling (Terwee et al. 2007).

    Examples
    --------
    >>> import measure
    >>> from measure.diagnostics import targeting
    >>> sim = measure.simulate_responses(thresholds=[[-1], [0], [1]] * 3, n_persons=300,
    ...                                  person_mean=2.0, rng=3)
    >>> t = targeting(measure.calibrate(sim.responses, model="rasch"))
    >>> t.offset > 1.0
    True
    """
    rules = rules or Rules()
    per = cal.persons
    status = per["status"].to_numpy()
    has = status != PersonStatus.NO_ANSWERS.value
    m = per["measure"].to_numpy(dtype=float)
    m = m[has & np.isfinite(m)]
    n = int(has.sum())
    floor = float(np.mean(status[has] == PersonStatus.EXTREME_MIN.value)) if n else np.nan
    ceiling = float(np.mean(status[has] == PersonStatus.EXTREME_MAX.value)) if n else np.nan
    loc = cal.items["location"].to_numpy(dtype=float)
    thr = cal.threshold_matrix[~np.isnan(cal.threshold_matrix)]
    pm = float(np.mean(m)) if m.size else np.nan
    psd = float(np.std(m, ddof=1)) if m.size > 1 else np.nan
    im = float(np.mean(loc))
    offset = pm - im
    problems = []
    if abs(offset) > rules.targeting_offset:
        problems.append("offset")
    if floor > rules.floor_ceiling_share:
        problems.append("floor")
    if ceiling > rules.floor_ceiling_share:
        problems.append("ceiling")
    rule = (
        f"person mean within {rules.targeting_offset:g} logit of the item mean; at most "
        f"{100 * rules.floor_ceiling_share:g}% of persons at the lowest or highest possible score"
    )
    return Targeting(
        person_mean=pm,
        person_sd=psd,
        item_mean=im,
        item_sd=float(np.std(loc, ddof=1)) if loc.size > 1 else np.nan,
        threshold_min=float(thr.min()),
        threshold_max=float(thr.max()),
        offset=offset,
        floor=floor,
        ceiling=ceiling,
        n_persons=n,
        rule=rule,
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class Information:
    """Test information and the standard error of measurement along the scale.

    Attributes
    ----------
    curve : DataFrame with theta, information (sum of item variances), sem (1/sqrt(information)).
    sem_cutoff : largest SEM with conditional reliability ``1 - SEM^2 / person variance`` of at
        least ``rules.reliability_group``.
    precise_from, precise_to : where the SEM is at most ``sem_cutoff`` (NaN if nowhere).
    share_in_range : share of persons with a finite measure inside that range.
    peak_theta, peak_information : where the test measures most precisely.
    """

    curve: pd.DataFrame
    sem_cutoff: float
    precise_from: float
    precise_to: float
    share_in_range: float
    peak_theta: float
    peak_information: float
    rule: str
    source: str = SOURCES["precision"]


def information_curve(
    cal: Calibration,
    *,
    theta: FloatArray | None = None,
    rules: Rules | None = None,
) -> Information:
    """Test information ``I(theta) = sum_i Var(X_i | theta)`` and ``SEM = 1 / sqrt(I)``.

    For the complete item set. The grid (default 241 points) spans the thresholds and persons
    with 3 logits to spare. The precise region is where the conditional reliability
    ``1 - SEM(theta)^2 / s^2`` (s: SD of the person measures) reaches ``rules.reliability_group``.

    Examples
    --------
    >>> import measure
    >>> from measure.diagnostics import information_curve
    >>> sim = measure.simulate_responses(thresholds=[[-1, 1]] * 5, n_persons=200, rng=0)
    >>> info = information_curve(measure.calibrate(sim.responses))
    >>> bool(info.curve["sem"].min() > 0)
    True
    """
    rules = rules or Rules()
    m = cal.persons["measure"].to_numpy(dtype=float)
    m = m[np.isfinite(m)]
    thr = cal.threshold_matrix[~np.isnan(cal.threshold_matrix)]
    if theta is None:
        lo = min(float(thr.min()), float(m.min()) if m.size else 0.0) - 3.0
        hi = max(float(thr.max()), float(m.max()) if m.size else 0.0) + 3.0
        theta = np.linspace(lo, hi, 241)
    th = np.asarray(theta, dtype=float)
    _, v, _, _ = item_moments(th, cal.threshold_matrix)
    info = v.sum(axis=1)
    sem = 1.0 / np.sqrt(info)
    sd = float(np.std(m, ddof=1)) if m.size > 1 else np.nan
    cutoff = sd * np.sqrt(1.0 - rules.reliability_group) if np.isfinite(sd) else np.nan
    inside = sem <= cutoff
    if inside.any():
        lo_p, hi_p = float(th[inside].min()), float(th[inside].max())
        share = float(np.mean((m >= lo_p) & (m <= hi_p))) if m.size else np.nan
    else:
        lo_p = hi_p = np.nan
        share = 0.0
    k = int(np.argmax(info))
    rule = (
        f"precise where 1 - SEM^2 / SD(persons)^2 >= {rules.reliability_group:g}, i.e. "
        f"SEM <= {cutoff:.2f} logits"
    )
    return Information(
        curve=pd.DataFrame({"theta": th, "information": info, "sem": sem}),
        sem_cutoff=float(cutoff),
        precise_from=lo_p,
        precise_to=hi_p,
        share_in_range=share,
        peak_theta=float(th[k]),
        peak_information=float(info[k]),
        rule=rule,
    )
