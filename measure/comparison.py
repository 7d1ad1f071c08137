"""Comparisons with honest uncertainty: individual change, group means, change, decision risk.

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
  ``s_tot = sqrt(s^2 + link_se^2)`` (Pendrill 2014, Metrologia 51 S206); the expected share of a
  group is the mean of these probabilities; its SE combines the persons' spread
  (``SD(P) / sqrt(n)``) and the link error, moved through the derivative of the share with
  respect to a common shift.

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
from numpy.typing import NDArray

from measure.schemas import (
    COMPARE_DECISION_GROUPS,
    COMPARE_GROUP_CHANGE,
    COMPARE_GROUPS,
)
from measure.summary import Summary, json_ready, short_repr

__all__ = [
    "Comparison",
    "DecisionRisk",
    "compare",
    "decision_risk",
    "group_change",
    "group_means",
    "individual_change",
]

FloatArray = NDArray[np.float64]
Direction = Literal["above", "below"]


# ----------------------------------------------------------------------------- helpers


def _scipy_stats() -> Any:
    """scipy.stats, imported on first use (it costs half a second at start-up)."""
    from scipy import stats as scipy_stats

    return scipy_stats


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
) -> pd.DataFrame:
    """Columns _m, _s, _l (link SE, 0 if absent), _ok, plus by and id columns."""
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


def _mean_stats(m: FloatArray, s: FloatArray, lk: FloatArray, level: float) -> dict[str, float]:
    n = m.size
    nan = float("nan")
    if n == 0:
        return dict(
            mean=nan,
            sd=nan,
            se=nan,
            se_sampling=nan,
            se_measurement=nan,
            se_link=nan,
            df=nan,
            ci_lower=nan,
            ci_upper=nan,
        )
    mean = float(np.mean(m))
    se_link = _shared_link_se(lk)
    mse = float(np.mean(s**2))
    if n < 2:
        return dict(
            mean=mean,
            sd=nan,
            se=nan,
            se_sampling=nan,
            se_measurement=math.sqrt(mse),
            se_link=se_link,
            df=nan,
            ci_lower=nan,
            ci_upper=nan,
        )
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
) -> pd.DataFrame:
    """Mean measure per group with an interval including measurement, sampling and link error.

    Returns
    -------
    DataFrame: [by columns], n, n_excluded, mean, sd, se, se_sampling, se_measurement, se_link,
    df, ci_lower, ci_upper. See the module notes for the formulas.

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
    df = _prepare(persons, measure=measure, se=se, link_se=link_se, what="persons", by=keys)
    rows = []
    for key, g in _groups(df, keys):
        ok = g["_ok"].to_numpy(bool)
        st = _mean_stats(
            g["_m"].to_numpy(float)[ok],
            g["_s"].to_numpy(float)[ok],
            g["_l"].to_numpy(float)[ok],
            level,
        )
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "n": int(ok.sum()),
                "n_excluded": int((~ok).sum()),
                **st,
            }
        )
    cols = [*keys, *COMPARE_GROUPS.names_after("occasion")]
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
) -> pd.DataFrame:
    """Change of the group means between two occasions, with its interval.

    ``paired=True`` (the same persons, matched on ``id_column``): the mean of the individual
    differences over persons measured on both occasions, ``SE^2 = var(d) / n_pairs`` (t with
    n_pairs - 1 df); the group is the one on the first occasion. ``paired=False`` (default;
    independent samples): ``mean_2 - mean_1`` with ``SE^2 = SE_1^2 + SE_2^2`` and Welch's df.
    Both add the link errors of separately linked occasions. Person ids numbered by row are
    not the same persons on two occasions: pair only on real ids.

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
        post_ok = set(b["_id"][b["_ok"]])
        pairs = dict(_groups(merged, keys))
        for key, pg in _groups(a, keys):
            g = pairs.get(key, merged.iloc[:0])
            ok = (g["_ok"] & g["_ok_2"]).to_numpy(bool)
            d = (g["_m_2"] - g["_m"]).to_numpy(float)[ok]
            n = d.size
            l1 = _shared_link_se(g["_l"].to_numpy(float)[ok])
            l2 = _shared_link_se(g["_l_2"].to_numpy(float)[ok])
            se_link = math.sqrt(l1**2 + l2**2)
            row: dict[str, Any] = {
                **dict(zip(keys, key, strict=True)),
                "n_pre": int(pg["_ok"].sum()),
                "n_post": int(pg["_id"].isin(post_ok).sum()),
                "n_pairs": n,
            }
            if n >= 2:
                change = float(np.mean(d))
                se_samp = float(np.std(d, ddof=1)) / math.sqrt(n)
                se_tot = math.sqrt(se_samp**2 + se_link**2)
                dfree = float(n - 1)
                row.update(
                    mean_pre=float(np.mean(g["_m"].to_numpy(float)[ok])),
                    mean_post=float(np.mean(g["_m_2"].to_numpy(float)[ok])),
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


# ----------------------------------------------------------------------------- decision risk


@dataclass(frozen=True, eq=False)
class DecisionRisk:
    """Result of :func:`decision_risk`.

    Attributes
    ----------
    persons : person, [by], measure, se, link_se, p_above (or p_below), decision (the side of
        the threshold the point estimate is on), risk (probability that this decision is wrong).
    groups : [by], n, n_excluded, expected_share, se, se_link, ci_lower, ci_upper,
        expected_count, share_of_point_estimates, normal_share, normal_se, normal_ci_lower,
        normal_ci_upper.
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
    measure: str = "measure",
    se: str = "se",
    link_se: str | None = "link_se",
    level: float = 0.95,
) -> DecisionRisk:
    """Probability of each person being above (below) a threshold, and each group's share.

    ``p_above = 1 - Phi((t - m) / sqrt(s^2 + link_se^2))``; a group's expected share is the mean
    of its persons' probabilities, with ``SE^2 = var(p) / n + (dshare/dshift)^2 SE_link^2`` and a
    normal interval clipped to [0, 1]. The threshold is in the units of ``measure``.

    The expected share is the FIES / Pendrill estimator: each person's probability given their
    own measurement alone (a flat prior). When measurement error is not small compared with the
    spread of true values, it is pulled towards 50% and its interval (which covers its own
    expectation) misses the true share: with SE 0.48 and a true SD of 1, 18.8% for a true 15.9%
    and 90.4% for 93.3% (docs/reference-scales.md). ``normal_share`` (with ``normal_se`` and an
    interval) fits a normal distribution to the true values instead (mean of m; variance
    ``var(m) - mean(s^2)``) and is close to unbiased when the true values are roughly normal.
    ``share_of_point_estimates`` is the plain count of point estimates beyond t.
    """
    level = _check_level(level)
    if direction not in ("above", "below"):
        raise ValueError(f"direction={direction!r} is not one of 'above', 'below'")
    if not math.isfinite(float(threshold)):
        raise ValueError(f"threshold must be finite, got {threshold}")
    t = float(threshold)
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
    dens = np.where(ok, _scipy_stats().norm.pdf(zz) / tot, np.nan)
    p = p_above if direction == "above" else 1 - p_above
    side = (m > t) if direction == "above" else (m < t)
    decision = np.where(~ok, "", np.where(side, direction, "not " + direction))
    risk = np.where(ok, np.where(side, 1 - p, p), np.nan)
    name = f"p_{direction}"
    per = pd.DataFrame({"person": df["_id"].to_numpy() if idc else np.arange(1, len(df) + 1)})
    for c in keys:
        per[c] = df[c].to_numpy()
    per = per.assign(measure=m, se=s, link_se=lk, **{name: p}, decision=decision, risk=risk)
    df = df.assign(_p=p, _dens=dens, _side=side)
    q = float(_scipy_stats().norm.ppf(0.5 + level / 2))
    rows = []
    for key, g in _groups(df, keys):
        okg = g["_ok"].to_numpy(bool)
        pg = g["_p"].to_numpy(float)[okg]
        n = pg.size
        row: dict[str, Any] = {
            **dict(zip(keys, key, strict=True)),
            "n": n,
            "n_excluded": int((~okg).sum()),
        }
        if n == 0:
            rows.append(
                {
                    **row,
                    "expected_share": np.nan,
                    "se": np.nan,
                    "se_link": np.nan,
                    "ci_lower": np.nan,
                    "ci_upper": np.nan,
                    "expected_count": 0.0,
                    "share_of_point_estimates": np.nan,
                }
            )
            continue
        share = float(np.mean(pg))
        se_samp = float(np.std(pg, ddof=1)) / math.sqrt(n) if n > 1 else float("nan")
        lg = g["_l"].to_numpy(float)[okg]
        dg = g["_dens"].to_numpy(float)[okg]
        link_var = 0.0
        for v in np.unique(lg):
            link_var += (float(np.sum(dg[lg == v])) / n * float(v)) ** 2
        se_link = math.sqrt(link_var)
        se_tot = math.sqrt(se_samp**2 + link_var) if n > 1 else float("nan")
        rows.append(
            {
                **row,
                "expected_share": share,
                "se": se_tot,
                "se_link": se_link,
                "ci_lower": max(0.0, share - q * se_tot) if n > 1 else np.nan,
                "ci_upper": min(1.0, share + q * se_tot) if n > 1 else np.nan,
                "expected_count": float(np.sum(pg)),
                "share_of_point_estimates": float(np.mean(g["_side"].to_numpy(bool)[okg])),
                **_normal_share(
                    g["_m"].to_numpy(float)[okg],
                    g["_s"].to_numpy(float)[okg],
                    lg,
                    t,
                    direction,
                    q,
                ),
            }
        )
    cols = [*keys, *COMPARE_DECISION_GROUPS.names_after("occasion")]
    return DecisionRisk(
        persons=per,
        groups=pd.DataFrame(rows, columns=cols),
        threshold=t,
        direction=direction,
        level=level,
    )


def _normal_share(
    m: FloatArray, s: FloatArray, lk: FloatArray, t: float, direction: str, q: float
) -> dict[str, float]:
    """Share beyond t of a normal distribution of true values fitted by moments.

    ``mu = mean(m)``, ``sigma^2 = var(m) - mean(s^2)``; ``share = Phi((mu - t) / sigma)``, SE by
    the delta method with ``var(mu) = var(m)/n + SE_link^2`` and ``var(sigma^2) = 2 var(m)^2 /
    (n - 1)`` (normal theory).
    """
    nan = float("nan")
    out = {"normal_share": nan, "normal_se": nan, "normal_ci_lower": nan, "normal_ci_upper": nan}
    n = m.size
    if n < 3:
        return out
    mu = float(np.mean(m))
    var = float(np.var(m, ddof=1))
    s2 = var - float(np.mean(s**2))
    if not s2 > 0:
        return out
    sig = math.sqrt(s2)
    z = (mu - t) / sig
    share = float(_scipy_stats().norm.cdf(z))
    dens = float(_scipy_stats().norm.pdf(z))
    var_mu = var / n + _shared_link_se(lk) ** 2
    var_sig = 2 * var**2 / (n - 1) / (4 * s2)
    se = math.sqrt((dens / sig) ** 2 * var_mu + (dens * z / sig) ** 2 * var_sig)
    if direction == "below":
        share = 1 - share
    out.update(
        normal_share=share,
        normal_se=se,
        normal_ci_lower=max(0.0, share - q * se),
        normal_ci_upper=min(1.0, share + q * se),
    )
    return out


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
    decision_persons, decision_groups : :func:`decision_risk` per occasion (with a threshold).
    settings : what was asked (JSON-serialisable).
    """

    groups: pd.DataFrame
    group_change: pd.DataFrame
    individual_change: pd.DataFrame
    decision_persons: pd.DataFrame
    decision_groups: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The non-empty tables by name (as the CLI writes them)."""
        named = {
            "groups": self.groups,
            "group_change": self.group_change,
            "individual_change": self.individual_change,
            "decision_persons": self.decision_persons,
            "decision_groups": self.decision_groups,
        }
        return {k: v for k, v in named.items() if len(v.columns)}

    def summary(self) -> Summary:
        """What was asked, the group means and changes, and counts of individual change
        (``to_dict()`` is what ``measure compare`` writes to summary.json)."""

        def records(df: pd.DataFrame) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = json_ready(df.to_dict(orient="records"))
            return out

        s: dict[str, Any] = dict(self.settings)
        s["groups"] = records(self.groups)
        s["group_change"] = records(self.group_change)
        if len(self.decision_groups.columns):
            s["decision_groups"] = records(self.decision_groups)
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
    id_column: str = "person",
    measure: str = "measure",
    se: str = "se",
    link_se: str | None = "link_se",
    level: float = 0.95,
) -> Comparison:
    """Group means per occasion, change between consecutive occasions, and decision risk.

    Parameters
    ----------
    occasions : occasion label -> persons table, in time order (one table is fine).
    by : grouping column(s).
    paired : the occasions measure the same persons, matched on ``id_column`` (default False).
    threshold : decision threshold in the units of ``measure`` (None: no decision tables).
    direction, id_column, measure, se, link_se, level : see the functions used.
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
                    occasions[k], by=by_arg, level=level, measure=measure, se=se, link_se=link_se
                ).assign(occasion=k)
                for k in labels
            ],
            ignore_index=True,
        ),
        ["occasion"],
    )
    changes: list[pd.DataFrame] = []
    indiv: list[pd.DataFrame] = []
    for a, b in zip(labels[:-1], labels[1:], strict=True):
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
    dp, dg = pd.DataFrame(), pd.DataFrame()
    if threshold is not None:
        risks = [
            decision_risk(
                occasions[k],
                threshold,
                by=by_arg,
                direction=direction,
                id_column=id_column,
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
        dg = first(
            pd.concat(
                [r.groups.assign(occasion=k) for r, k in zip(risks, labels, strict=True)],
                ignore_index=True,
            ),
            ["occasion"],
        )
    settings = {
        "occasions": labels,
        "by": keys,
        "paired": paired,
        "measure": measure,
        "se": se,
        "level": level,
        "threshold": threshold,
        "direction": direction if threshold is not None else None,
        "rules": {
            "group_mean": "mean +- t(n-1) * sqrt(var(m)/n + se_link^2): sampling and "
            "measurement error (var(m) holds both) and link error",
            "change": "paired: mean difference, SE = SD(d)/sqrt(n); independent: "
            "SE = sqrt(SE1^2 + SE2^2), Welch df; plus link errors",
            "reliable_change": "|change| > 1.96 * sqrt(se1^2 + se2^2) (95%)",
            "decision_risk": "P(above) = 1 - Phi((t - m)/sqrt(se^2 + link_se^2)) "
            "(Pendrill 2014, Metrologia 51 S206); share = mean of P",
        },
    }
    return Comparison(
        groups=groups,
        group_change=group_chg,
        individual_change=ind,
        decision_persons=dp,
        decision_groups=dg,
        settings=settings,
    )
