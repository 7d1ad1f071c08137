"""Comparisons with honest uncertainty: individual change, group means, change, shares.

Inputs are persons tables as :func:`measure.scoring.score` (or ``calibrate``, or
:meth:`measure.linking.Link.apply`) writes them: one row per person with a person id, a measure
and its SE (logits, or the reporting unit's ``measure_unit``/``se_unit``), and optionally a
``link_se`` column (the shared error of a link) and grouping columns. Persons without a finite
measure and SE (statuses too_few_answers, no_answers; MLE at extreme scores) are left out and
counted.

Formulas (m = measure, s = its SE, n persons, q = the two-sided quantile of the level):

* individual change: ``d = m2 - m1``, ``SE = sqrt(s1^2 + s2^2)`` (plus both link errors when
  the occasions were linked separately); reliable at 95% when ``|d| > 1.96 SE`` (Jacobson &
  Truax 1991 with the persons' own SEs).
* group mean: ``mean(m)`` with ``SE^2 = var(m) / n + SE_link^2``. ``var(m)`` contains both the
  spread of true values (sampling error) and measurement error, reported separately as
  ``se_sampling = sqrt(max(var(m) - mean(s^2), 0) / n)`` and ``se_measurement =
  sqrt(mean(s^2) / n)``; when measurement error exceeds the observed spread, the total is
  ``sqrt(se_sampling^2 + se_measurement^2)``. The interval, ``mean +- t_{n-1} SE``, is for the
  mean of the population the group was drawn from; for the true mean of exactly these persons
  use ``se_measurement`` alone.
* change between occasions: paired (the same persons): mean of the individual differences with
  ``SE^2 = var(d) / n_pairs``; independent samples: ``SE^2 = SE_1^2 + SE_2^2`` with Welch's
  degrees of freedom. Link errors of separately linked occasions are added.
* decision risk for a threshold t: ``P(above) = 1 - Phi((t - m) / s_tot)`` with
  ``s_tot = sqrt(s^2 + link_se^2)`` (Pendrill 2014, Metrologia 51 S206), for each person's
  decision.
* share beyond a threshold t (:func:`shares`, estimator ``latent_normal``):
  ``Phi((mu - t) / sigma)`` with ``mu = mean(m)`` and ``sigma^2 = var(m) - mean(s^2)`` (the
  true values' normal distribution, measurement error taken out); linearisation SE plus the
  link error, interval ``Phi(z -+ t SE_z)``. Change in share (:func:`share_change`): the
  difference of the two shares, paired occasions through the covariance of their
  linearisations. A raw-score rule becomes a threshold through the reference's expected-score
  curve (:func:`raw_score_threshold`).
* survey weights (``weight=``): Hajek ratio estimators with linearisation SEs; Kish's design
  effect ``n sum w^2 / (sum w)^2`` is reported.

A link error is *shared* by everyone linked through the same link: persons with the same
``link_se`` value are taken to share one link, and a group's link error is
``sqrt(sum_k (n_k / n * link_se_k)^2)`` over its links k.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from measure.exceptions import ReferenceScaleError
from measure.models import item_moments
from measure.notes import Note
from measure.reference import ReferenceScale
from measure.schemas import (
    COMPARE_GROUP_CHANGE,
    COMPARE_GROUPS,
    COMPARE_SHARE_CHANGE,
    COMPARE_SHARES,
)
from measure.summary import Summary, json_ready, short_repr

__all__ = [
    "Comparison",
    "DecisionRisk",
    "compare",
    "decision_risk",
    "group_change",
    "group_means",
    "expected_raw_score",
    "individual_change",
    "raw_score_threshold",
    "share_change",
    "shares",
]

FloatArray = NDArray[np.float64]
Direction = Literal["above", "below"]


# ----------------------------------------------------------------------------- helpers


class _Normal:
    """The standard normal from ``scipy.special`` (``scipy.stats`` costs about a second to
    import, more than a comparison of 100,000 persons)."""

    @staticmethod
    def cdf(x: Any) -> Any:
        from scipy.special import ndtr

        return ndtr(x)

    @staticmethod
    def sf(x: Any) -> Any:
        from scipy.special import ndtr

        return ndtr(-np.asarray(x, dtype=float))

    @staticmethod
    def ppf(p: Any) -> Any:
        from scipy.special import ndtri

        return ndtri(p)

    @staticmethod
    def pdf(x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        return np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


class _StudentT:
    """Student's t from ``scipy.special``."""

    @staticmethod
    def ppf(p: Any, df: Any) -> Any:
        from scipy.special import stdtrit

        return stdtrit(df, p)

    @staticmethod
    def sf(x: Any, df: Any) -> Any:
        from scipy.special import stdtr

        return stdtr(df, -np.asarray(x, dtype=float))


class _Distributions:
    norm = _Normal
    t = _StudentT


def _scipy_stats() -> type[_Distributions]:
    """The normal and t distributions this module needs (``.norm``, ``.t``)."""
    return _Distributions


def _by_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _check_level(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    return float(level)


def _numeric(df: pd.DataFrame, col: str, what: str) -> FloatArray:
    if col not in df.columns:
        cols = ", ".join(map(str, df.columns))
        raise ValueError(f"{what}: column {col!r} not found (columns: {cols})")
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _prepare(
    persons: pd.DataFrame,
    *,
    measure: str,
    se: str,
    link_se: str | None,
    what: str,
    by: list[str],
    id_column: str | None = None,
    weight: str | None = None,
) -> pd.DataFrame:
    """Columns _m, _s, _l (link SE, 0 if absent), _w (weight, 1 if none), _ok, plus by and id
    columns. A weight must be a positive finite number for every person with a measure."""
    for c in by + ([id_column] if id_column else []):
        if c not in persons.columns:
            raise ValueError(
                f"{what}: column {c!r} not found (columns: {', '.join(map(str, persons.columns))})"
            )
    out = pd.DataFrame(index=persons.index)
    for c in by:
        out[c] = persons[c].to_numpy()
    if id_column:
        out["_id"] = [str(v) for v in persons[id_column].tolist()]
    out["_m"] = _numeric(persons, measure, what)
    out["_s"] = _numeric(persons, se, what)
    if link_se is not None and link_se in persons.columns:
        lse = _numeric(persons, link_se, what)
        out["_l"] = np.where(np.isfinite(lse), lse, 0.0)
    else:
        out["_l"] = 0.0
    out["_ok"] = np.isfinite(out["_m"]) & np.isfinite(out["_s"]) & (out["_s"] > 0)
    if weight is None:
        out["_w"] = 1.0
    else:
        w = _numeric(persons, weight, what)
        bad = out["_ok"].to_numpy(bool) & ~(np.isfinite(w) & (w > 0))
        if bad.any():
            k = int(bad.argmax())
            who = f" (person {out['_id'].iloc[k]!r})" if "_id" in out.columns else ""
            raw = persons[weight].iloc[k]
            shown = "missing" if pd.isna(raw) else repr(raw.item() if hasattr(raw, "item") else raw)
            raise ValueError(
                f"{what}: weight column {weight!r}, row {k + 1} of the table{who}: {shown} is "
                f"not a positive number ({int(bad.sum())} person(s) with a measure have no "
                "positive weight); survey weights must be positive for every measured person"
            )
        out["_w"] = np.where(np.isfinite(w), w, 0.0)
    return out


def _groups(df: pd.DataFrame, by: list[str]) -> list[tuple[tuple[Any, ...], pd.DataFrame]]:
    if not by:
        return [((), df)]
    keyed = df.copy()
    for c in by:
        keyed[c] = keyed[c].astype(object).where(keyed[c].notna(), "(missing)")
    return [
        (k if isinstance(k, tuple) else (k,), g)
        for k, g in keyed.groupby(by, sort=True, dropna=False)
    ]


def _shared_link_se(link: FloatArray, weights: FloatArray | None = None) -> float:
    """Link error of a mean: persons with the same link SE share one link."""
    if link.size == 0:
        return 0.0
    w = np.full(link.size, 1.0 / link.size) if weights is None else weights
    total = 0.0
    for v in np.unique(link):
        total += (float(np.sum(w[link == v])) * float(v)) ** 2
    return math.sqrt(total)


def _tq(level: float, df: float) -> float:
    if not df > 0 or not math.isfinite(df):
        return float(_scipy_stats().norm.ppf(0.5 + level / 2)) if math.isinf(df) else float("nan")
    return float(_scipy_stats().t.ppf(0.5 + level / 2, df))


def _mean_stats(
    m: FloatArray, s: FloatArray, lk: FloatArray, level: float, w: FloatArray | None = None
) -> dict[str, float]:
    if w is not None:
        return _weighted_mean_stats(m, s, lk, level, w)
    n = m.size
    if n == 0:
        return _no_stats()
    mean = float(np.mean(m))
    se_link = _shared_link_se(lk)
    mse = float(np.mean(s**2))
    if n < 2:
        return _no_stats(mean=mean, se_measurement=math.sqrt(mse), se_link=se_link)
    var = float(np.var(m, ddof=1))
    se_samp = math.sqrt(max(var - mse, 0.0) / n)
    se_meas = math.sqrt(mse / n)
    se_obs = math.sqrt(max(var / n, se_samp**2 + se_meas**2))
    se_tot = math.sqrt(se_obs**2 + se_link**2)
    q = _tq(level, n - 1)
    return dict(
        mean=mean,
        sd=math.sqrt(var),
        se=se_tot,
        se_sampling=se_samp,
        se_measurement=se_meas,
        se_link=se_link,
        df=float(n - 1),
        ci_lower=mean - q * se_tot,
        ci_upper=mean + q * se_tot,
    )


_STATS = ("mean", "sd", "se", "se_sampling", "se_measurement", "se_link", "df")


def _no_stats(**known: float) -> dict[str, float]:
    """The statistics of a group mean, NaN where not ``known`` (too few persons)."""
    out = {k: float("nan") for k in (*_STATS, "ci_lower", "ci_upper")}
    out.update(known)
    return out


def _weighted_mean_stats(
    m: FloatArray, s: FloatArray, lk: FloatArray, level: float, w: FloatArray
) -> dict[str, float]:
    """Hajek mean with its linearisation SE (equal weights give :func:`_mean_stats`)."""
    n = m.size
    n_eff, deff = _kish(w)
    out = _no_stats(n_effective=n_eff, design_effect=deff)
    if n == 0:
        return out
    wn = w / float(np.sum(w))
    mean = float(np.sum(wn * m))
    se_link = _shared_link_se(lk, wn)
    se_meas = math.sqrt(float(np.sum(wn**2 * s**2)))
    out.update(mean=mean, se_link=se_link, se_measurement=se_meas)
    if n < 2:
        return out
    var = float(np.sum(wn * (m - mean) ** 2)) * n / (n - 1)
    se_obs = math.sqrt(n / (n - 1) * float(np.sum(wn**2 * (m - mean) ** 2)))
    se_samp = math.sqrt(max(se_obs**2 - se_meas**2, 0.0))
    se_obs = math.sqrt(max(se_obs**2, se_samp**2 + se_meas**2))
    se_tot = math.sqrt(se_obs**2 + se_link**2)
    q = _tq(level, n - 1)
    out.update(
        sd=math.sqrt(var),
        se=se_tot,
        se_sampling=se_samp,
        df=float(n - 1),
        ci_lower=mean - q * se_tot,
        ci_upper=mean + q * se_tot,
    )
    return out


# ----------------------------------------------------------------------------- individual


def individual_change(
    pre: pd.DataFrame,
    post: pd.DataFrame,
    *,
    id_column: str = "person",
    measure: str = "measure",
    se: str = "se",
    link_se: str | None = "link_se",
    level: float = 0.95,
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """Change of each person between two occasions, with its SE and a reliable-change flag.

    ``change = m_post - m_pre``, ``se = sqrt(se_pre^2 + se_post^2 + link_pre^2 + link_post^2)``
    (link errors only when the tables have ``link_se``: two separately linked occasions).
    ``reliable_change`` is ``|change| > q * se`` with q the normal quantile of ``level``
    (1.96 at 95%). Every person of either table gets a row (status: ok, only_pre, only_post,
    no_measure).

    Returns
    -------
    DataFrame: person, [keep columns from pre], measure_pre, se_pre, measure_post, se_post,
    change, se, ci_lower, ci_upper, z, reliable_change, direction, status.

    Examples
    --------
    >>> import pandas as pd
    >>> pre = pd.DataFrame({"person": ["a", "b"], "measure": [0.0, 1.0], "se": [0.3, 0.4]})
    >>> post = pd.DataFrame({"person": ["a", "b"], "measure": [1.0, 1.2], "se": [0.4, 0.3]})
    >>> individual_change(pre, post)[["person", "change", "se", "reliable_change"]]
      person  change   se  reliable_change
    0      a     1.0  0.5             True
    1      b     0.2  0.5            False
    """
    level = _check_level(level)
    a = _prepare(
        pre, measure=measure, se=se, link_se=link_se, what="pre", by=[], id_column=id_column
    )
    b = _prepare(
        post, measure=measure, se=se, link_se=link_se, what="post", by=[], id_column=id_column
    )
    for name, t in (("pre", a), ("post", b)):
        dup = t["_id"][t["_id"].duplicated()]
        if len(dup):
            raise ValueError(f"{name}: duplicate person id(s) {sorted(set(dup))[:10]}")
    merged = a.merge(
        b, on="_id", how="outer", suffixes=("_pre", "_post"), indicator=True, sort=False
    )
    # input order: persons of the first occasion, then those only in the second
    order_pre = {pid: k for k, pid in enumerate(a["_id"])}
    order_post = {pid: k for k, pid in enumerate(b["_id"])}
    rank = [
        (0, order_pre[pid]) if pid in order_pre else (1, order_post[pid]) for pid in merged["_id"]
    ]
    merged = merged.iloc[sorted(range(len(rank)), key=rank.__getitem__)].reset_index(drop=True)
    q = float(_scipy_stats().norm.ppf(0.5 + level / 2))
    m1, m2 = merged["_m_pre"].to_numpy(float), merged["_m_post"].to_numpy(float)
    s1, s2 = merged["_s_pre"].to_numpy(float), merged["_s_post"].to_numpy(float)
    l1 = np.nan_to_num(merged["_l_pre"].to_numpy(float))
    l2 = np.nan_to_num(merged["_l_post"].to_numpy(float))
    d = m2 - m1
    sd = np.sqrt(s1**2 + s2**2 + l1**2 + l2**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = d / sd
    ok = np.isfinite(d) & np.isfinite(sd)
    reliable = ok & (np.abs(d) > q * sd)
    status = np.where(
        merged["_merge"] == "left_only",
        "only_pre",
        np.where(merged["_merge"] == "right_only", "only_post", np.where(ok, "ok", "no_measure")),
    )
    direction = np.where(
        reliable & (d > 0),
        "increase",
        np.where(reliable & (d < 0), "decrease", np.where(ok, "no reliable change", "")),
    )
    out = pd.DataFrame({"person": merged["_id"].to_numpy()})
    if keep:
        extra = pre.assign(_id=[str(v) for v in pre[id_column].tolist()])[["_id", *keep]]
        out = out.merge(extra.rename(columns={"_id": "person"}), on="person", how="left")
    out = out.assign(
        measure_pre=m1,
        se_pre=s1,
        measure_post=m2,
        se_post=s2,
        change=d,
        se=sd,
        ci_lower=d - q * sd,
        ci_upper=d + q * sd,
        z=z,
        reliable_change=reliable,
        direction=direction,
        status=status,
    )
    return out


# ----------------------------------------------------------------------------- groups


def group_means(
    persons: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    measure: str = "measure",
    se: str = "se",
    link_se: str | None = "link_se",
    level: float = 0.95,
    weight: str | None = None,
) -> pd.DataFrame:
    """Mean measure per group with an interval including measurement, sampling and link error.

    With ``weight`` (a column of positive survey weights) the mean is the Hajek (ratio)
    estimate ``sum w m / sum w`` and its SE the linearisation one,
    ``SE^2 = n/(n-1) sum_i (w_i/W)^2 (m_i - mean)^2 + SE_link^2`` (W = sum w; equal weights
    give the unweighted formulas), ``se_measurement = sqrt(sum_i (w_i/W)^2 s_i^2)``; the
    columns ``n_effective`` and ``design_effect`` (Kish 1965) are added.

    Returns
    -------
    DataFrame: [by columns], n, n_excluded, mean, sd, se, se_sampling, se_measurement, se_link,
    df, ci_lower, ci_upper (and n_effective, design_effect with weights). See the module notes
    for the formulas.

    Examples
    --------
    >>> import pandas as pd
    >>> persons = pd.DataFrame({"g": ["x", "x", "x", "y", "y"],
    ...                         "measure": [0.0, 1.0, 2.0, 1.0, 3.0], "se": 0.5})
    >>> group_means(persons, by="g")[["g", "n", "mean", "se"]].round(3)
       g  n  mean     se
    0  x  3   1.0  0.577
    1  y  2   2.0  1.000
    """
    level = _check_level(level)
    keys = _by_list(by)
    df = _prepare(
        persons, measure=measure, se=se, link_se=link_se, what="persons", by=keys, weight=weight
    )
    rows = []
    for key, g in _groups(df, keys):
        ok = g["_ok"].to_numpy(bool)
        st = _mean_stats(
            g["_m"].to_numpy(float)[ok],
            g["_s"].to_numpy(float)[ok],
            g["_l"].to_numpy(float)[ok],
            level,
            g["_w"].to_numpy(float)[ok] if weight is not None else None,
        )
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "n": int(ok.sum()),
                "n_excluded": int((~ok).sum()),
                **st,
            }
        )
    parts = ("weighted",) if weight is not None else ()
    cols = [*keys, *COMPARE_GROUPS.names_after("occasion", *parts)]
    return pd.DataFrame(rows, columns=cols)


def group_change(
    pre: pd.DataFrame,
    post: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    paired: bool = False,
    id_column: str = "person",
    measure: str = "measure",
    se: str = "se",
    link_se: str | None = "link_se",
    level: float = 0.95,
    weight: str | None = None,
) -> pd.DataFrame:
    """Change of the group means between two occasions, with its interval.

    ``paired=True`` (the same persons, matched on ``id_column``): the mean of the individual
    differences over persons measured on both occasions, ``SE^2 = var(d) / n_pairs`` (t with
    n_pairs - 1 df); the group is the one on the first occasion. ``paired=False`` (default;
    independent samples): ``mean_2 - mean_1`` with ``SE^2 = SE_1^2 + SE_2^2`` and Welch's df.
    Both add the link errors of separately linked occasions. Person ids numbered by row are
    not the same persons on two occasions: pair only on real ids.

    With ``weight`` (survey weights): independent samples use the weighted means of
    :func:`group_means`; paired changes are the Hajek mean of the differences with the weights
    of the earlier occasion, ``SE^2 = n/(n-1) sum_i (w_i/W)^2 (d_i - change)^2``.

    Returns
    -------
    DataFrame: [by columns], n_pre, n_post, n_pairs, mean_pre, mean_post, change, se,
    se_link, df, ci_lower, ci_upper, p_value.
    """
    level = _check_level(level)
    keys = _by_list(by)
    a = _prepare(
        pre,
        measure=measure,
        se=se,
        link_se=link_se,
        what="pre",
        by=keys,
        id_column=id_column if paired else None,
        weight=weight,
    )
    b_keys = [] if paired else keys
    b = _prepare(
        post,
        measure=measure,
        se=se,
        link_se=link_se,
        what="post",
        by=b_keys,
        id_column=id_column if paired else None,
        weight=None if paired else weight,
    )
    rows = []
    if paired:
        for name, t in (("pre", a), ("post", b)):
            dup = t["_id"][t["_id"].duplicated()]
            if len(dup):
                raise ValueError(f"{name}: duplicate person id(s) {sorted(set(dup))[:10]}")
        merged = a.merge(
            b[["_id", "_m", "_s", "_l", "_ok"]], on="_id", how="inner", suffixes=("", "_2")
        )
        if merged.empty and len(a) and len(b):
            raise ValueError(
                f"paired: no person id in column {id_column!r} is on both occasions (pre: "
                f"{', '.join(map(repr, a['_id'].head(3)))}, ...; post: "
                f"{', '.join(map(repr, b['_id'].head(3)))}, ...); are these the same persons, "
                "and is the id column right?"
            )
        pairs = dict(_groups(merged, keys))
        for key, pg in _groups(a, keys):
            g = pairs.get(key, merged.iloc[:0])
            ok = (g["_ok"] & g["_ok_2"]).to_numpy(bool)
            d = (g["_m_2"] - g["_m"]).to_numpy(float)[ok]
            n = d.size
            wl = g["_w"].to_numpy(float)[ok]
            wl = wl / float(np.sum(wl)) if wl.size else wl
            l1 = _shared_link_se(g["_l"].to_numpy(float)[ok], wl)
            l2 = _shared_link_se(g["_l_2"].to_numpy(float)[ok], wl)
            se_link = math.sqrt(l1**2 + l2**2)
            row: dict[str, Any] = {
                **dict(zip(keys, key, strict=True)),
                "n_pre": int(pg["_ok"].sum()),
                # the group's persons measured on the later occasion (from the id join, not a
                # per-person set lookup)
                "n_post": int(g["_ok_2"].sum()),
                "n_pairs": n,
            }
            if n >= 2:
                wn = g["_w"].to_numpy(float)[ok]
                wn = wn / float(np.sum(wn))
                change = float(np.sum(wn * d))
                se_samp = math.sqrt(n / (n - 1) * float(np.sum(wn**2 * (d - change) ** 2)))
                se_tot = math.sqrt(se_samp**2 + se_link**2)
                dfree = float(n - 1)
                row.update(
                    mean_pre=float(np.sum(wn * g["_m"].to_numpy(float)[ok])),
                    mean_post=float(np.sum(wn * g["_m_2"].to_numpy(float)[ok])),
                )
            else:
                change, se_tot, dfree = float("nan"), float("nan"), float("nan")
                row.update(mean_pre=float("nan"), mean_post=float("nan"))
            rows.append(_change_row(row, change, se_tot, se_link, dfree, level))
    else:
        ga = dict(_groups(a, keys))
        gb = dict(_groups(b, keys))
        empty = a.iloc[:0]
        for key in sorted(set(ga) | set(gb), key=lambda k: tuple(map(str, k))):
            row = {**dict(zip(keys, key, strict=True))}
            counts, stats = [], []
            for g in (ga.get(key, empty), gb.get(key, empty)):
                ok = g["_ok"].to_numpy(bool)
                counts.append(int(ok.sum()))
                stats.append(
                    _mean_stats(
                        g["_m"].to_numpy(float)[ok],
                        g["_s"].to_numpy(float)[ok],
                        g["_l"].to_numpy(float)[ok],
                        level,
                        g["_w"].to_numpy(float)[ok] if weight is not None else None,
                    )
                )
            n1, n2 = counts
            s1, s2 = stats
            row.update(n_pre=n1, n_post=n2, n_pairs=0, mean_pre=s1["mean"], mean_post=s2["mean"])
            change = s2["mean"] - s1["mean"]
            se_link = math.sqrt(s1["se_link"] ** 2 + s2["se_link"] ** 2)
            v1 = s1["se"] ** 2 - s1["se_link"] ** 2
            v2 = s2["se"] ** 2 - s2["se_link"] ** 2
            se_tot = math.sqrt(v1 + v2 + se_link**2) if n1 > 1 and n2 > 1 else float("nan")
            dfree = (
                (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
                if n1 > 1 and n2 > 1 and v1 + v2 > 0
                else float("nan")
            )
            rows.append(_change_row(row, change, se_tot, se_link, dfree, level))
    cols = [*keys, *COMPARE_GROUP_CHANGE.names_after("to_occasion")]
    return pd.DataFrame(rows, columns=cols)


def _change_row(
    row: dict[str, Any], change: float, se: float, se_link: float, dfree: float, level: float
) -> dict[str, Any]:
    q = _tq(level, dfree)
    if math.isfinite(se) and se > 0 and math.isfinite(dfree):
        p = float(2 * _scipy_stats().t.sf(abs(change) / se, dfree))
    else:
        p = float("nan")
    row.update(
        change=change,
        se=se,
        se_link=se_link,
        df=dfree,
        ci_lower=change - q * se,
        ci_upper=change + q * se,
        p_value=p,
    )
    return row


# ----------------------------------------------------------------------------- shares

#: the name of the recommended share estimator, as written in the ``estimator`` column
SHARE_ESTIMATOR = "latent_normal"
#: |skewness| of the true values above which a share outside 10..90% gets a caution note
#: (measured: skewness 1 turned a 4.2% tail into 1.8%; shares of 15% and 85% stayed within a point)
SKEW_CAUTION = 0.5


@dataclass(frozen=True)
class _ShareFit:
    """One group's share: the estimate, its influence values and its link derivatives."""

    share: float
    z: float  # share = Phi(z)
    se_z: float  # SE of z: sampling, measurement and link error
    influence: FloatArray  # (n,) linearisation values (0 when the share is undefined)
    wn: FloatArray  # (n,) normalised weights (sum 1)
    se_sampling: float  # sampling and measurement error (linearisation)
    link_var: float  # (dshare/dshift_k * link_se_k)^2 summed over links k
    mean_true: float
    sd_true: float
    skewness_true: float
    note: str


def _share_fit(
    m: FloatArray, s: FloatArray, w: FloatArray, lk: FloatArray, t: float, direction: str
) -> _ShareFit:
    """The latent-normal share of one group with its linearisation (see :func:`shares`)."""
    n = m.size
    nan = float("nan")
    empty = np.zeros(n)
    wn = w / np.sum(w) if n else w

    def undefined(note: str, mu: float = nan, sd: float = nan) -> _ShareFit:
        return _ShareFit(nan, nan, nan, empty, wn, nan, nan, mu, sd, nan, note)

    if n < 3:
        return undefined(Note("compare.few_persons"))
    mu = float(np.sum(wn * m))
    dev = m - mu
    v = float(np.sum(wn * dev**2))
    ms2 = float(np.sum(wn * s**2))
    sig2 = v - ms2
    if not sig2 > 0:
        return undefined(Note("compare.no_spread"), mu, 0.0)
    sig = math.sqrt(sig2)
    sign = 1.0 if direction == "above" else -1.0
    z = sign * (mu - t) / sig
    st = _scipy_stats()
    share = float(st.norm.cdf(z))
    # influence values of z: z moves with mu and with sigma^2
    dz_mu, dz_sig2 = sign / sig, -z / (2 * sig2)
    infl_z = dz_mu * dev + dz_sig2 * (dev**2 - v - (s**2 - ms2))
    se_z = math.sqrt(n / (n - 1) * float(np.sum((wn * infl_z) ** 2)))
    link_var_z = 0.0
    for val in np.unique(lk):
        if val <= 0:
            continue
        k = lk == val
        # everyone linked through link k moves by delta: the mean and the spread change
        deriv = dz_mu * float(np.sum(wn[k])) + dz_sig2 * 2 * float(np.sum(wn[k] * dev[k]))
        link_var_z += (deriv * float(val)) ** 2
    dens = float(st.norm.pdf(z))
    # skewness of the true values: symmetric measurement errors add nothing to the third
    # moment; its SE is roughly sqrt(6 / n_eff) scaled by (v / sigma^2)^1.5
    skew = float(np.sum(wn * dev**3)) / sig**3
    se_skew = math.sqrt(6.0 * float(np.sum(wn**2))) * (v / sig2) ** 1.5
    note = ""
    if abs(skew) > SKEW_CAUTION and abs(skew) > 3 * se_skew and not 0.1 <= share <= 0.9:
        note = Note("compare.skewed", skewness=round(skew, 2))
    return _ShareFit(
        share,
        z,
        math.sqrt(se_z**2 + link_var_z),
        dens * infl_z,
        wn,
        dens * se_z,
        dens**2 * link_var_z,
        mu,
        sig,
        skew,
        note,
    )


def _probit_interval(z: float, se_z: float, q: float) -> tuple[float, float]:
    """``Phi(z -+ q SE_z)``: the interval of ``Phi(z)`` made on the scale of z (inside 0..1)."""
    if not (math.isfinite(z) and math.isfinite(se_z) and math.isfinite(q)):
        return float("nan"), float("nan")
    cdf = _scipy_stats().norm.cdf
    return float(cdf(z - q * se_z)), float(cdf(z + q * se_z))


def _kish(w: FloatArray) -> tuple[float, float]:
    """(effective n, design effect) of weights w (Kish 1965): n_eff = (sum w)^2 / sum w^2."""
    if w.size == 0:
        return float("nan"), float("nan")
    n_eff = float(np.sum(w)) ** 2 / float(np.sum(w**2))
    return n_eff, w.size / n_eff


def _check_threshold(threshold: float, direction: str) -> float:
    if direction not in ("above", "below"):
        raise ValueError(f"direction={direction!r} is not one of 'above', 'below'")
    t = float(threshold)
    if not math.isfinite(t):
        raise ValueError(f"threshold must be finite, got {threshold}")
    return t


def shares(
    persons: pd.DataFrame,
    threshold: float,
    *,
    by: str | Sequence[str] | None = None,
    direction: Direction = "above",
    weight: str | None = None,
    measure: str = "measure",
    se: str = "se",
    link_se: str | None = "link_se",
    level: float = 0.95,
) -> pd.DataFrame:
    """Share of each group whose true value lies above (below) a threshold, with its interval.

    The estimator (``latent_normal``) is the share beyond t of a normal distribution of true
    values whose mean and variance are estimated from the measures with the measurement error
    taken out (moments; the "true variance" of Wright & Masters 1982, Fuller 1987 ch. 1)::

        mu = sum_i w_i m_i,   sigma^2 = sum_i w_i (m_i - mu)^2 - sum_i w_i s_i^2   (sum w = 1)
        share = Phi(z),  z = (mu - t) / sigma     ("below": z = (t - mu) / sigma)

    Why this one: counting the measures beyond t, or averaging ``Phi((m_i - t) / s_i)`` (FIES,
    Cafiero, Viviani & Nord 2018; Pendrill 2014), adds every person's measurement error to the
    spread of the true values and so pulls the share towards 50% (a true 15.9% reads 18%, with
    intervals that miss it). The moment estimates of mu and sigma are unbiased whatever the
    shape of the measurement error, so the share is consistent when the true values are
    normal. (The plausible-values form, the mean of each person's posterior probability under
    that normal, was tried and rejected: WLE measures are already pulled towards the centre,
    and shrinking them again gave 12.8% for 15.9%.)

    Uncertainty, by linearisation (Taylor series; Wolter 2007, ch. 6): each person's influence
    value on z, ``u_i = (m_i - mu)/sigma - z/(2 sigma^2) ((m_i - mu)^2 - v - (s_i^2 -
    mean s^2))`` (v the variance of the measures), gives ``SE_z^2 = n/(n-1) sum_i (w_i u_i)^2``
    (sampling and measurement error together: the measures carry their errors; no normality
    needed). The link error: persons sharing a ``link_se`` value share one link, which moves
    all of them together by delta; ``SE_link,z^2 = sum_k (dz/ddelta_k link_se_k)^2``. The
    interval is ``Phi(z -+ t_{n-1} SE_z)`` (made on the scale of z, so it stays inside 0..1);
    ``se = phi(z) SE_z`` is the delta-method SE of the share.

    Weights (``weight``: a column of positive survey weights) give Hajek (ratio) estimates:
    every sum above uses ``w_i / sum w``; the linearisation SE is the with-replacement
    (single-stage) one. ``n_effective = (sum w)^2 / sum w^2`` and ``design_effect = n /
    n_effective`` (Kish 1965) are reported; without weights they are n and 1.

    Secondary columns (not the contract figure): ``share_flat_prior`` (mean of
    ``Phi((m_i - t) / sqrt(s_i^2 + link_se_i^2))``, the FIES / Pendrill expected share) and
    ``share_point_estimates`` (the share of measures beyond t). Both are biased by measurement
    error; they are there to show how much.

    Parameters
    ----------
    persons : persons table (one row per person).
    threshold : in the units of ``measure`` (logits, or the reporting unit); for a raw-score
        rule see :func:`raw_score_threshold`.
    by : grouping column(s).
    direction : "above" (the default) or "below".
    weight : column of survey weights (None: every person weighs 1).
    measure, se, link_se, level : columns and the interval's level.

    Returns
    -------
    DataFrame: [by], threshold, direction, n, n_excluded, share, se, se_link, ci_lower,
    ci_upper, estimator, mean_true, sd_true, skewness_true, n_effective, design_effect,
    share_flat_prior, share_point_estimates, note. Groups of fewer than 3 persons, or whose
    measures vary less than their measurement error, get no share (NaN and a ``note``). A
    share below 10% or above 90% whose group's true values look skewed (``|skewness_true| >
    0.5`` and more than three times its rough SE ``sqrt(6/n_eff) (v/sigma^2)^1.5``) gets a caution
    ``note``: the normal shape matters most in the tails.

    Examples
    --------
    >>> import pandas as pd
    >>> persons = pd.DataFrame({"measure": [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5], "se": 0.5})
    >>> shares(persons, 1.0)[["n", "share", "ci_lower", "ci_upper"]].round(3)
       n  share  ci_lower  ci_upper
    0  6  0.139     0.003     0.709
    """
    level = _check_level(level)
    t = _check_threshold(threshold, direction)
    keys = _by_list(by)
    df = _prepare(
        persons, measure=measure, se=se, link_se=link_se, what="persons", by=keys, weight=weight
    )
    rows = [_share_row(keys, key, g, t, direction, level)[0] for key, g in _groups(df, keys)]
    out = pd.DataFrame(rows, columns=[*keys, *COMPARE_SHARES.names_after("occasion")])
    out["note"] = pd.Series([r["note"] for r in rows], dtype=object)  # keeps the Notes
    return out


def _share_row(
    keys: list[str], key: tuple[Any, ...], g: pd.DataFrame, t: float, direction: str, level: float
) -> tuple[dict[str, Any], _ShareFit, pd.DataFrame]:
    ok = g["_ok"].to_numpy(bool)
    sub = g[ok]
    m, s = sub["_m"].to_numpy(float), sub["_s"].to_numpy(float)
    w, lk = sub["_w"].to_numpy(float), sub["_l"].to_numpy(float)
    fit = _share_fit(m, s, w, lk, t, direction)
    n = m.size
    se_tot = math.sqrt(fit.se_sampling**2 + fit.link_var)
    lo, hi = _probit_interval(fit.z, fit.se_z, _tq(level, n - 1) if n > 1 else float("nan"))
    n_eff, deff = _kish(w)
    flat = _scipy_stats().norm.cdf((m - t) / np.sqrt(s**2 + lk**2))
    side = m > t
    if direction == "below":
        flat, side = 1 - flat, m < t
    wn = fit.wn
    row = {
        **dict(zip(keys, key, strict=True)),
        "threshold": t,
        "direction": direction,
        "n": n,
        "n_excluded": int((~ok).sum()),
        "share": fit.share,
        "se": se_tot,
        "se_link": math.sqrt(fit.link_var),
        "ci_lower": lo,
        "ci_upper": hi,
        "estimator": SHARE_ESTIMATOR,
        "mean_true": fit.mean_true,
        "sd_true": fit.sd_true,
        "skewness_true": fit.skewness_true,
        "n_effective": n_eff,
        "design_effect": deff,
        "share_flat_prior": float(np.sum(wn * flat)) if n else float("nan"),
        "share_point_estimates": float(np.sum(wn * side)) if n else float("nan"),
        "note": fit.note if n else Note("compare.no_measures"),
    }
    return row, fit, sub


def share_change(
    pre: pd.DataFrame,
    post: pd.DataFrame,
    threshold: float,
    *,
    by: str | Sequence[str] | None = None,
    direction: Direction = "above",
    paired: bool = False,
    id_column: str = "person",
    weight: str | None = None,
    measure: str = "measure",
    se: str = "se",
    link_se: str | None = "link_se",
    level: float = 0.95,
) -> pd.DataFrame:
    """Change in the share beyond a threshold between two occasions, with its interval.

    ``change = share_post - share_pre``, each share exactly as :func:`shares` gives it for the
    occasion (all persons of the group measured on that occasion, with their own weights).
    ``SE^2 = V_pre + V_post - 2 C + SE_link_pre^2 + SE_link_post^2`` with ``V`` the
    linearisation variances of the two shares and, when ``paired`` (the same persons, matched
    on ``id_column``), ``C = c sum_{i in both} (w_i u_i)_pre (w_i u_i)_post`` over the persons
    measured on both occasions (``u`` the influence values of :func:`shares`,
    ``c = sqrt(n_pre n_post / ((n_pre - 1)(n_post - 1)))``); independent samples have
    ``C = 0``. The link errors of the two occasions are taken as independent (separately
    linked; 0 when the files carry no ``link_se``). The interval is ``change +- z SE``, the
    p-value two-sided against no change.

    Returns
    -------
    DataFrame: [by], design (paired, independent), n_pre, n_post, n_pairs, share_pre,
    share_post, change, se, se_link, ci_lower, ci_upper, p_value, estimator.

    Examples
    --------
    >>> import pandas as pd
    >>> pre = pd.DataFrame({"person": list("abcdef"),
    ...                     "measure": [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5], "se": 0.5})
    >>> post = pre.assign(measure=pre["measure"] + 0.5)
    >>> share_change(pre, post, 1.0, paired=True)[["n_pairs", "change"]].round(3)
       n_pairs  change
    0        6    0.22
    """
    level = _check_level(level)
    t = _check_threshold(threshold, direction)
    keys = _by_list(by)
    idc = id_column if paired else None
    a = _prepare(
        pre,
        measure=measure,
        se=se,
        link_se=link_se,
        what="pre",
        by=keys,
        id_column=idc,
        weight=weight,
    )
    b = _prepare(
        post,
        measure=measure,
        se=se,
        link_se=link_se,
        what="post",
        by=keys,
        id_column=idc,
        weight=weight,
    )
    if paired:
        for name, tab in (("pre", a), ("post", b)):
            dup = tab["_id"][tab["_id"].duplicated()]
            if len(dup):
                raise ValueError(f"{name}: duplicate person id(s) {sorted(set(dup))[:10]}")
    ga, gb = dict(_groups(a, keys)), dict(_groups(b, keys))
    empty = a.iloc[:0]
    q = float(_scipy_stats().norm.ppf(0.5 + level / 2))
    rows = []
    for key in sorted(set(ga) | set(gb), key=lambda k: tuple(map(str, k))):
        r1, f1, s1 = _share_row(keys, key, ga.get(key, empty), t, direction, level)
        r2, f2, s2 = _share_row(keys, key, gb.get(key, empty), t, direction, level)
        n1, n2 = int(r1["n"]), int(r2["n"])
        cov, n_pairs = 0.0, 0
        if paired and n1 and n2:
            x1 = pd.Series(f1.wn * f1.influence, index=s1["_id"].to_numpy())
            x2 = pd.Series(f2.wn * f2.influence, index=s2["_id"].to_numpy())
            both = x1.index.intersection(x2.index)
            n_pairs = len(both)
            if n1 > 1 and n2 > 1:
                c = math.sqrt(n1 * n2 / ((n1 - 1) * (n2 - 1)))
                cov = c * float(np.sum(x1[both].to_numpy() * x2[both].to_numpy()))
        change = r2["share"] - r1["share"]
        link_var = f1.link_var + f2.link_var
        var = f1.se_sampling**2 + f2.se_sampling**2 - 2 * cov + link_var
        se_c = math.sqrt(var) if var >= 0 else float("nan")
        ok = math.isfinite(change) and math.isfinite(se_c) and se_c > 0
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "design": "paired" if paired else "independent",
                "n_pre": n1,
                "n_post": n2,
                "n_pairs": n_pairs,
                "share_pre": r1["share"],
                "share_post": r2["share"],
                "change": change,
                "se": se_c,
                "se_link": math.sqrt(link_var),
                "ci_lower": change - q * se_c,
                "ci_upper": change + q * se_c,
                "p_value": float(2 * _scipy_stats().norm.sf(abs(change) / se_c))
                if ok
                else float("nan"),
                "estimator": SHARE_ESTIMATOR,
            }
        )
    return pd.DataFrame(rows, columns=[*keys, *COMPARE_SHARE_CHANGE.names_after("to_occasion")])


# ----------------------------------------------------------------------------- raw thresholds


def expected_raw_score(reference: ReferenceScale, theta: ArrayLike) -> FloatArray:
    """Expected raw score on all the reference's items at ``theta`` (logits): the test
    characteristic curve ``tau(theta) = sum_i sum_x x P(X_i = x | theta)``."""
    th = np.atleast_1d(np.asarray(theta, dtype=float))
    mean, _, _, _ = item_moments(th, reference.threshold_matrix)
    out: FloatArray = mean.sum(axis=1)
    return out


def raw_score_threshold(
    reference: ReferenceScale,
    raw_score: int,
    *,
    direction: Direction = "above",
    unit: bool = False,
) -> float:
    """The location on the reference scale that a raw-score rule ("K6 >= 13") stands for.

    A rule on the full instrument's raw score R is a boundary between two adjacent scores:
    "R or more" (``direction="above"``) lies between R - 1 and R, "R or less" (``"below"``)
    between R and R + 1. The threshold is the location where the expected raw score on all
    the reference's items (the test characteristic curve, Lord 1980, ch. 4) equals that
    boundary::

        tau(t) = sum_i E(X_i | t) = R - 1/2   (above)    or   R + 1/2   (below)

    Why this and not the WLE of R: ``tau`` is the raw score a person would get on average, so
    "true value above t" is "expected raw score at least R - 1/2", i.e. the person's true score
    rounds to R or more; the half-point is the continuity correction that makes the share of
    true values beyond t agree with the share of *observed* scores of R or more when
    measurement error is small (an observed integer score is >= R exactly when it is >= R -
    1/2). The WLE or MLE of R would put the boundary at R itself, half a score point too far,
    and the WLE of R also depends on the estimator's bias correction. "R or more" and "R - 1
    or less" give the same threshold (complementary shares).

    Parameters
    ----------
    reference : the reference scale (every item; raw scores on the codes 0..m of each item).
    raw_score : integer R; "above" needs 1 <= R <= max score, "below" 0 <= R <= max - 1.
    direction : "above" (R or more) or "below" (R or less).
    unit : return the threshold in the reference's reporting unit instead of logits.

    Raises
    ------
    ValueError : R out of range or not an integer.
    ReferenceScaleError : the reference collapsed categories (a raw score on the original
        codes has no expected-score curve on the collapsed scale), or ``unit`` without a unit.

    Examples
    --------
    >>> from measure.reference import reference_from_thresholds
    >>> ref = reference_from_thresholds({"a": [0.0], "b": [0.0]}, model="rasch")
    >>> round(raw_score_threshold(ref, 2), 4)   # tau(t) = 1.5: 2 / (1 + exp(-t)) = 1.5
    1.0986
    """
    if direction not in ("above", "below"):
        raise ValueError(f"direction={direction!r} is not one of 'above', 'below'")
    if isinstance(raw_score, bool) or float(raw_score) != int(raw_score):
        raise ValueError(f"raw_score must be a whole number, got {raw_score!r}")
    r = int(raw_score)
    if reference.category_map:
        items = ", ".join(map(repr, sorted(reference.category_map)))
        raise ReferenceScaleError(
            f"the reference collapsed categories of item(s) {items}: a raw score on the "
            "original codes has no expected score on this scale; give the threshold on the "
            "scale instead (--threshold)"
        )
    top = int(reference.max_category.sum())
    lo_r, hi_r = (1, top) if direction == "above" else (0, top - 1)
    if not lo_r <= r <= hi_r:
        rule = f"{r} or more" if direction == "above" else f"{r} or less"
        raise ValueError(
            f"raw score rule '{rule}' is not a boundary inside 0..{top} (the raw scores of "
            f"the reference's {len(reference.item_ids)} items): give {lo_r}..{hi_r}"
        )
    target = r - 0.5 if direction == "above" else r + 0.5

    def gap(x: float) -> float:
        return float(expected_raw_score(reference, x)[0]) - target

    lo, hi = -10.0, 10.0
    while gap(lo) > 0:
        lo *= 2
    while gap(hi) < 0:
        hi *= 2
    from scipy.optimize import brentq

    t = float(brentq(gap, lo, hi, xtol=1e-10))
    return float(reference.to_unit(t)) if unit else t


# ----------------------------------------------------------------------------- decision risk


@dataclass(frozen=True, eq=False)
class DecisionRisk:
    """Result of :func:`decision_risk`.

    Attributes
    ----------
    persons : person, [by], measure, se, link_se, p_above (or p_below), decision (the side of
        the threshold the point estimate is on), risk (probability that this decision is wrong).
    groups : the shares table of :func:`shares` (one row per group).
    threshold, direction, level : the settings.
    """

    persons: pd.DataFrame
    groups: pd.DataFrame
    threshold: float
    direction: str
    level: float


def decision_risk(
    persons: pd.DataFrame,
    threshold: float,
    *,
    by: str | Sequence[str] | None = None,
    direction: Direction = "above",
    id_column: str = "person",
    weight: str | None = None,
    measure: str = "measure",
    se: str = "se",
    link_se: str | None = "link_se",
    level: float = 0.95,
) -> DecisionRisk:
    """Probability of each person being above (below) a threshold, and each group's share.

    For a person, ``p_above = 1 - Phi((t - m) / sqrt(s^2 + link_se^2))`` given their own
    measurement alone (Pendrill 2014, Metrologia 51 S206): the chance that the decision the
    point estimate gives (``decision``) is wrong is ``risk``. These probabilities describe
    individual decisions; their mean is *not* the recommended share of a group (it is pulled
    towards 50% by measurement error): ``groups`` is the table of :func:`shares`.
    """
    level = _check_level(level)
    t = _check_threshold(threshold, direction)
    keys = _by_list(by)
    idc = id_column if id_column in persons.columns else None
    df = _prepare(
        persons, measure=measure, se=se, link_se=link_se, what="persons", by=keys, id_column=idc
    )
    m, s, lk = df["_m"].to_numpy(float), df["_s"].to_numpy(float), df["_l"].to_numpy(float)
    tot = np.sqrt(s**2 + lk**2)
    ok = df["_ok"].to_numpy(bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        zz = (m - t) / tot
    p_above = np.where(ok, _scipy_stats().norm.cdf(zz), np.nan)
    p = p_above if direction == "above" else 1 - p_above
    side = (m > t) if direction == "above" else (m < t)
    decision = np.where(~ok, "", np.where(side, direction, "not " + direction))
    risk = np.where(ok, np.where(side, 1 - p, p), np.nan)
    name = f"p_{direction}"
    per = pd.DataFrame({"person": df["_id"].to_numpy() if idc else np.arange(1, len(df) + 1)})
    for c in keys:
        per[c] = df[c].to_numpy()
    per = per.assign(measure=m, se=s, link_se=lk, **{name: p}, decision=decision, risk=risk)
    groups = shares(
        persons,
        t,
        by=by,
        direction=direction,
        weight=weight,
        measure=measure,
        se=se,
        link_se=link_se,
        level=level,
    )
    return DecisionRisk(persons=per, groups=groups, threshold=t, direction=direction, level=level)


# ----------------------------------------------------------------------------- all at once


@dataclass(frozen=True, eq=False)
class Comparison:
    """Result of :func:`compare`: every table the evaluator reports.

    Attributes
    ----------
    groups : group means by occasion (and group): occasion, [by], then :func:`group_means`.
    group_change : change between consecutive occasions: from_occasion, to_occasion, [by],
        then :func:`group_change` (empty with one occasion).
    individual_change : per person between consecutive occasions (only when ``paired``).
    decision_persons : each person's probability of lying beyond the threshold
        (:func:`decision_risk`; with a threshold).
    shares : the share beyond the threshold per occasion and group (:func:`shares`; with a
        threshold): the contract figure.
    share_change : change in that share between consecutive occasions (:func:`share_change`).
    settings : what was asked (JSON-serialisable).
    """

    groups: pd.DataFrame
    group_change: pd.DataFrame
    individual_change: pd.DataFrame
    decision_persons: pd.DataFrame
    shares: pd.DataFrame
    share_change: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The non-empty tables by name (as the CLI writes them)."""
        named = {
            "groups": self.groups,
            "group_change": self.group_change,
            "individual_change": self.individual_change,
            "decision_persons": self.decision_persons,
            "shares": self.shares,
            "share_change": self.share_change,
        }
        return {k: v for k, v in named.items() if len(v.columns)}

    def summary(self) -> Summary:
        """What was asked, the group means and changes, the shares and their changes, and
        counts of individual change (``to_dict()`` is what ``measure compare`` writes to
        summary.json)."""

        def records(df: pd.DataFrame) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = json_ready(df.to_dict(orient="records"))
            return out

        s: dict[str, Any] = dict(self.settings)
        s["groups"] = records(self.groups)
        s["group_change"] = records(self.group_change)
        if len(self.shares.columns):
            s["shares"] = records(self.shares)
            s["share_change"] = records(self.share_change)
        if len(self.individual_change.columns):
            ic = self.individual_change
            s["individual_change_counts"] = {
                str(k): int(v)
                for k, v in ic["direction"].replace("", "no measure").value_counts().items()
            }
        return Summary("comparison", s)

    def __repr__(self) -> str:
        return short_repr(
            self,
            n_occasions=len(self.settings.get("occasions", [])),
            by=list(self.settings.get("by", [])),
            n_groups=len(self.groups),
            paired=self.settings.get("paired"),
            threshold=self.settings.get("threshold"),
        )


def compare(
    occasions: Mapping[str, pd.DataFrame],
    *,
    by: str | Sequence[str] | None = None,
    paired: bool = False,
    threshold: float | None = None,
    direction: Direction = "above",
    weight: str | None = None,
    id_column: str = "person",
    measure: str = "measure",
    se: str = "se",
    link_se: str | None = "link_se",
    level: float = 0.95,
) -> Comparison:
    """Group means per occasion, change between consecutive occasions, and, with a threshold,
    the share beyond it and its change.

    Parameters
    ----------
    occasions : occasion label -> persons table, in time order (one table is fine).
    by : grouping column(s).
    paired : the occasions measure the same persons, matched on ``id_column`` (default False).
    threshold : threshold in the units of ``measure`` (None: no shares, no decision tables);
        for a raw-score rule use :func:`raw_score_threshold`.
    direction : share "above" (default) or "below" the threshold.
    weight : column of survey weights (Hajek estimates, linearisation SEs, Kish's design
        effect); None: unweighted.
    id_column, measure, se, link_se, level : see the functions used.
    """
    if not occasions:
        raise ValueError("give at least one occasion")
    level = _check_level(level)
    keys = _by_list(by)
    labels = list(occasions)
    by_arg = keys or None

    def first(df: pd.DataFrame, lead: Sequence[str]) -> pd.DataFrame:
        return df[[*lead, *[c for c in df.columns if c not in lead]]]

    groups = first(
        pd.concat(
            [
                group_means(
                    occasions[k],
                    by=by_arg,
                    weight=weight,
                    measure=measure,
                    se=se,
                    link_se=link_se,
                    level=level,
                ).assign(occasion=k)
                for k in labels
            ],
            ignore_index=True,
        ),
        ["occasion"],
    )
    changes: list[pd.DataFrame] = []
    indiv: list[pd.DataFrame] = []
    share_changes: list[pd.DataFrame] = []
    pairs = list(zip(labels[:-1], labels[1:], strict=True))
    for a, b in pairs:
        gc = group_change(
            occasions[a],
            occasions[b],
            by=by_arg,
            paired=paired,
            id_column=id_column,
            level=level,
            measure=measure,
            se=se,
            link_se=link_se,
            weight=weight,
        )
        changes.append(gc.assign(from_occasion=a, to_occasion=b))
        if paired:
            ic = individual_change(
                occasions[a],
                occasions[b],
                id_column=id_column,
                level=level,
                keep=[c for c in keys if c in occasions[a].columns],
                measure=measure,
                se=se,
                link_se=link_se,
            )
            indiv.append(ic.assign(from_occasion=a, to_occasion=b))
    lead = ["from_occasion", "to_occasion"]
    group_chg = first(pd.concat(changes, ignore_index=True), lead) if changes else pd.DataFrame()
    ind = first(pd.concat(indiv, ignore_index=True), lead) if indiv else pd.DataFrame()
    dp, sh, shc = pd.DataFrame(), pd.DataFrame(), pd.DataFrame()
    if threshold is not None:
        risks = [
            decision_risk(
                occasions[k],
                threshold,
                by=by_arg,
                direction=direction,
                id_column=id_column,
                weight=weight,
                level=level,
                measure=measure,
                se=se,
                link_se=link_se,
            )
            for k in labels
        ]
        dp = first(
            pd.concat(
                [r.persons.assign(occasion=k) for r, k in zip(risks, labels, strict=True)],
                ignore_index=True,
            ),
            ["occasion"],
        )
        sh = first(
            pd.concat(
                [r.groups.assign(occasion=k) for r, k in zip(risks, labels, strict=True)],
                ignore_index=True,
            ),
            ["occasion"],
        )
        for a, b in pairs:
            sc = share_change(
                occasions[a],
                occasions[b],
                threshold,
                by=by_arg,
                direction=direction,
                paired=paired,
                id_column=id_column,
                weight=weight,
                measure=measure,
                se=se,
                link_se=link_se,
                level=level,
            )
            share_changes.append(sc.assign(from_occasion=a, to_occasion=b))
        shc = (
            first(pd.concat(share_changes, ignore_index=True), lead)
            if share_changes
            else pd.DataFrame(columns=list(COMPARE_SHARE_CHANGE.names(variable=keys)))
        )
    settings = {
        "occasions": labels,
        "by": keys,
        "paired": paired,
        "measure": measure,
        "se": se,
        "level": level,
        "weight": weight,
        "threshold": threshold,
        "direction": direction if threshold is not None else None,
        "share_estimator": SHARE_ESTIMATOR if threshold is not None else None,
        "rules": {
            "group_mean": "mean +- t(n-1) * sqrt(var(m)/n + se_link^2): sampling and "
            "measurement error (var(m) holds both) and link error",
            "change": "paired: mean difference, SE = SD(d)/sqrt(n); independent: "
            "SE = sqrt(SE1^2 + SE2^2), Welch df; plus link errors",
            "reliable_change": "|change| > 1.96 * sqrt(se1^2 + se2^2) (95%)",
            "decision_risk": "P(above) = 1 - Phi((t - m)/sqrt(se^2 + link_se^2)) "
            "(Pendrill 2014, Metrologia 51 S206): each person's decision",
            "share": "latent_normal: Phi((mu - t)/sigma), mu = mean(m), sigma^2 = var(m) - "
            "mean(se^2) (a normal distribution of true values, measurement error taken out); "
            "linearisation SE with link error; interval Phi(z -+ t(n-1) SE_z)",
            "share_change": "share_post - share_pre; SE from both linearisations (paired: "
            "minus twice their covariance over persons measured on both) and both link "
            "errors; normal interval",
            "weights": "Hajek ratio estimators, linearisation SEs; design_effect = "
            "n sum(w^2) / sum(w)^2 (Kish)",
        },
    }
    return Comparison(
        groups=groups,
        group_change=group_chg,
        individual_change=ind,
        decision_persons=dp,
        shares=sh,
        share_change=shc,
        settings=settings,
    )
