"""Differential item functioning (DIF) by a person covariate.

Do persons of different groups (gender, age group, municipality) with the same measure find an
item equally hard? Two methods, side by side:

1. **Separate CML calibrations** (the contrast, for every model). The items are calibrated by
   conditional ML in each group on its own, so no assumption about the groups' person
   distributions enters. Group scales are aligned on anchor items: item i's contrast between a
   focal group f and the reference group r is

       DIF_i = (b_i^f - mean_{j in A_i} b_j^f) - (b_i^r - mean_{j in A_i} b_j^r)

   where b are item locations (mean of the item's thresholds) and A_i the anchor items other
   than i (all items by default; "anchored on the other items"). Positive: the item is harder
   for the focal group. ``SE^2 = c' Cov_f c + c' Cov_r c`` with ``c = e_i - 1_{A_i} / |A_i|``
   (the groups are independent), ``z = DIF / SE`` and a two-sided normal p. With
   ``purify=True`` the anchor set is purified: the anchor with the largest significant contrast
   of at least ``rules.dif_b`` logits is set aside and the contrasts recomputed, as long as at
   least half of the items remain anchors (a common "iterative purification").
2. **Mantel-Haenszel** for dichotomous items (Holland & Thayer 1988): persons are matched on
   their raw score (within their missing-data pattern) over all items, including the studied
   one; ``alpha_MH = sum(A D / N) / sum(B C / N)`` with A, B the reference group's right and
   wrong answers and C, D the focal group's. ``ln alpha_MH`` estimates the same logit contrast
   under the Rasch model; its SE is Robins, Breslow & Greenland's; the MH chi-square has the
   continuity correction. ETS expresses it as MH D-DIF = -2.35 ln alpha_MH.

ETS classes on the logit scale, as Winsteps Table 30 maps them: **C** when |DIF| >= 0.64
(``rules.dif_c``) and |DIF| is significantly above 0.43 (``(|DIF| - 0.43) / SE > z_{1-alpha/2}``);
**B** when |DIF| >= 0.43 (``rules.dif_b``) and significantly different from 0 (p < alpha);
**A** otherwise. 0.43 and 0.64 logits are ETS's 1.0 and 1.5 on the delta scale divided by 2.35.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from measure._estimation.cml import pattern_index
from measure.diagnostics._subfit import SubFit, fit_items, informative_gaps
from measure.diagnostics.conditional import partial_gamma_dif
from measure.diagnostics.lrtest import group_labels
from measure.diagnostics.rules import SOURCES, Rules
from measure.exceptions import ConvergenceError, MeasureError
from measure.notes import Note, join_notes
from measure.results import Calibration
from measure.schemas import DIF, DIF_CSV
from measure.summary import Summary, short_repr

__all__ = [
    "DIFResult",
    "dif_analysis",
    "dif_table",
    "mantel_haenszel",
    "mh_from_counts",
    "ets_class",
    "DIF_CSV_COLUMNS",
]

FloatArray = NDArray[np.float64]

#: the columns written to ``dif.csv`` by the command line (declared in :mod:`measure.schemas`)
DIF_CSV_COLUMNS: tuple[str, ...] = DIF_CSV.names()

TABLE_COLUMNS: tuple[str, ...] = DIF.names()


def _scipy_stats() -> Any:
    """scipy.stats, imported on first use (it costs half a second at start-up)."""
    from scipy import stats as scipy_stats

    return scipy_stats


def ets_class(contrast: float, se: float, p: float, rules: Rules | None = None) -> str | None:
    """ETS class of a logit contrast (Winsteps Table 30): "A", "B", "C", or None if unknown.

    C: ``|d| >= dif_c`` and ``(|d| - dif_b) / se > z_{1 - alpha/2}`` (and p < alpha);
    B: ``|d| >= dif_b`` and ``p < alpha``; A otherwise.

    Examples
    --------
    >>> ets_class(0.2, 0.05, 0.0001), ets_class(0.5, 0.1, 0.0001), ets_class(0.9, 0.1, 0.0001)
    ('A', 'B', 'C')
    """
    rules = rules or Rules()
    if not (np.isfinite(contrast) and np.isfinite(se) and np.isfinite(p)) or se <= 0:
        return None
    d = abs(contrast)
    zc = float(_scipy_stats().norm.ppf(1 - rules.alpha / 2))
    if d >= rules.dif_c and (d - rules.dif_b) / se > zc and p < rules.alpha:
        return "C"
    if d >= rules.dif_b and p < rules.alpha:
        return "B"
    return "A"


@dataclass(frozen=True)
class DIFResult:
    """Result of :func:`dif_analysis`.

    Attributes
    ----------
    table : one row per item and focal group; columns item, group (focal), reference, n_group,
        n_reference (persons answering the item), location_group, location_reference (each
        group's own centred scale), contrast, se, z, p, ets_class, anchor (used to align the
        scales), mh_logit, mh_se, mh_chi2, mh_p, mh_class (dichotomous items only), note.
    name : the grouping's name.
    reference : the reference group.
    groups : DataFrame group, n_persons, n_informative, note (why a group could not be used).
    """

    table: pd.DataFrame
    name: str
    reference: str
    groups: pd.DataFrame
    rule: str
    source: str = SOURCES["dif"]

    def flagged(self, classes: Sequence[str] = ("B", "C")) -> pd.DataFrame:
        """Rows in the given ETS classes."""
        return self.table[self.table["ets_class"].isin(list(classes))].reset_index(drop=True)

    def _items_in(self, cls: str) -> list[str]:
        rows = self.table[self.table["ets_class"] == cls]
        return sorted({str(i) for i in rows["item"]})

    def summary(self) -> Summary:
        """The grouping, its groups, the items in ETS classes B and C, and the rule."""
        return Summary(
            "differential item functioning (DIF)",
            {
                "grouping": self.name,
                "reference": self.reference,
                "groups": [str(g) for g in self.groups["group"]],
                "n_items": int(self.table["item"].nunique()),
                "class_b": self._items_in("B"),
                "class_c": self._items_in("C"),
                "rule": self.rule,
                "source": self.source,
            },
        )

    def __repr__(self) -> str:
        return short_repr(
            self,
            name=self.name,
            reference=self.reference,
            n_groups=len(self.groups),
            n_class_b=len(self._items_in("B")),
            n_class_c=len(self._items_in("C")),
        )


def _estimable(values: NDArray[np.int16], max_cat: NDArray[np.int64], model: str) -> list[int]:
    keep = [j for j in range(max_cat.size) if np.any(values[:, j] >= 0)]
    for _ in range(max_cat.size + 1):
        if len(keep) < 2:
            return keep
        gaps = informative_gaps(values[:, keep], max_cat[keep], model)
        if not gaps:
            return keep
        keep = [j for pos, j in enumerate(keep) if pos not in gaps]
    return keep


@dataclass(frozen=True)
class _GroupFit:
    items: list[int]
    fit: SubFit | None
    note: str


def _fit_group(values: NDArray[np.int16], cal: Calibration) -> _GroupFit:
    keep = _estimable(values, cal.max_category, cal.model)
    if len(keep) < 2:
        return _GroupFit(keep, None, Note("dif.few_items"))
    try:
        fit = fit_items(values[:, keep], cal.max_category[keep], cal.model, method="auto")
    except (ConvergenceError, MeasureError) as exc:
        return _GroupFit(keep, None, Note("dif.failed", error=str(exc).splitlines()[0]))
    return _GroupFit(keep, fit, "")


def _contrasts(
    f: _GroupFit, r: _GroupFit, common: list[int], anchors: list[int]
) -> dict[int, tuple[float, float]]:
    assert f.fit is not None and r.fit is not None
    pos_f = {j: p for p, j in enumerate(f.items)}
    pos_r = {j: p for p, j in enumerate(r.items)}
    out = {}
    for i in common:
        a = [j for j in anchors if j != i]
        if not a:
            out[i] = (np.nan, np.nan)
            continue
        cf = np.zeros(len(f.items))
        cr = np.zeros(len(r.items))
        cf[pos_f[i]] += 1.0
        cr[pos_r[i]] += 1.0
        for j in a:
            cf[pos_f[j]] -= 1.0 / len(a)
            cr[pos_r[j]] -= 1.0 / len(a)
        d = float(cf @ f.fit.locations - cr @ r.fit.locations)
        v = float(cf @ f.fit.location_cov @ cf + cr @ r.fit.location_cov @ cr)
        out[i] = (d, math.sqrt(max(v, 0.0)))
    return out


def dif_analysis(
    cal: Calibration,
    groups: ArrayLike | pd.Series,
    *,
    reference: str | None = None,
    anchors: Sequence[str] | None = None,
    purify: bool = True,
    name: str | None = None,
    rules: Rules | None = None,
) -> DIFResult:
    """DIF of every item between groups of persons, by separate CML calibrations and MH.

    Parameters
    ----------
    cal : the calibration (its model and category codes are used; anchors are ignored).
    groups : one group label per person, in the order of ``cal.persons`` (for the CLI: the
        data column). Missing labels (NaN, None, empty) leave the person out.
    reference : the reference group (default: the largest group). Every other group is compared
        with it ("focal" group in ``group``).
    anchors : items to align the groups' scales on (default: all items).
    purify : set aside anchors with significant DIF of at least ``rules.dif_b`` one at a time
        (keeping at least half of the items as anchors).
    name : the grouping's name (default: the Series name or "group").

    Returns
    -------
    DIFResult

    Examples
    --------
    >>> import numpy as np, measure
    >>> from measure.diagnostics import dif_table
    >>> sim = measure.simulate_responses(thresholds=[[t] for t in np.linspace(-1.5, 1.5, 8)],
    ...                                  n_persons=400, rng=4)
    >>> cal = measure.calibrate(sim.responses, model="rasch")
    >>> tab = dif_table(cal, np.repeat(["f", "m"], 200))
    >>> tab.columns[:3].tolist(), len(tab)
    (['item', 'group', 'reference'], 8)

    Compare: ``difR::difMH`` for the MH columns; Winsteps Table 30 for the contrast (which
    Winsteps estimates with the person measures held fixed rather than by separate CML).
    """
    rules = rules or Rules()
    items = list(cal.item_ids)
    n = cal.values.shape[0]
    labels, levels = group_labels(groups, n)
    group_name = name or (
        str(groups.name) if isinstance(groups, pd.Series) and groups.name is not None else "group"
    )
    has = (cal.values >= 0).any(axis=1)
    labels[~has] = None
    levels = [g for g in levels if bool(np.any(labels == g))]
    if len(levels) < 2:
        raise ValueError(
            f"DIF needs at least two groups with answers in {group_name!r}; found "
            f"{len(levels)} ({', '.join(levels) or 'none'})"
        )
    sizes = {g: int(np.sum(labels == g)) for g in levels}
    if reference is None:
        reference = max(levels, key=lambda g: (sizes[g], -levels.index(g)))
    reference = str(reference)
    if reference not in levels:
        raise ValueError(f"reference group {reference!r} is not one of {', '.join(levels)}")
    anchor_idx = list(range(len(items)))
    if anchors is not None:
        unknown = [a for a in anchors if a not in items]
        if unknown:
            raise ValueError(f"unknown anchor item(s) {unknown} (items: {', '.join(items)})")
        anchor_idx = [items.index(a) for a in anchors]
    fits = {g: _fit_group(cal.values[labels == g], cal) for g in levels}
    zc = float(_scipy_stats().norm.ppf(1 - rules.alpha / 2))
    rows: list[dict[str, object]] = []
    dich = cal.max_category == 1
    for g in levels:
        if g == reference:
            continue
        fg, fr = fits[g], fits[reference]
        mh = mantel_haenszel(cal, labels, focal=g, reference=reference)
        pair = (labels == g) | (labels == reference)
        pgam = partial_gamma_dif(cal.values[pair], (labels[pair] == g).astype(np.int64))
        answered = cal.values >= 0
        n_g = answered[labels == g].sum(axis=0)
        n_r = answered[labels == reference].sum(axis=0)
        common: list[int] = []
        result: dict[int, tuple[float, float]] = {}
        final_anchors: list[int] = []
        if fg.fit is not None and fr.fit is not None:
            common = [j for j in range(len(items)) if j in fg.items and j in fr.items]
            current = [j for j in anchor_idx if j in common]
            min_anchors = max(2, math.ceil(len(common) / 2))
            while True:
                result = _contrasts(fg, fr, common, current)
                if not purify or len(current) <= min_anchors:
                    break
                worst, worst_d = None, 0.0
                for j in current:
                    d, se = result[j]
                    if (
                        np.isfinite(d)
                        and se > 0
                        and abs(d) >= rules.dif_b
                        and abs(d) / se > zc
                        and abs(d) > worst_d
                    ):
                        worst, worst_d = j, abs(d)
                if worst is None:
                    break
                current = [j for j in current if j != worst]
            final_anchors = current
        for j, item in enumerate(items):
            d, se = result.get(j, (np.nan, np.nan))
            z = d / se if np.isfinite(d) and se > 0 else np.nan
            p = float(2 * _scipy_stats().norm.sf(abs(z))) if np.isfinite(z) else np.nan
            note: str = ""
            if fg.fit is None or fr.fit is None:
                note = join_notes(
                    Note("dif.in_group", group=h, note=fits[h].note)
                    for h in (g, reference)
                    if fits[h].fit is None
                )
            elif j not in common:
                miss = [h for h in (g, reference) if j not in fits[h].items]
                note = Note("dif.not_estimable", groups=miss)
            loc_g = _loc(fg, j)
            loc_r = _loc(fr, j)
            mrow = mh.get(j, {})
            rows.append(
                {
                    "item": item,
                    "group": g,
                    "reference": reference,
                    "n_group": int(n_g[j]),
                    "n_reference": int(n_r[j]),
                    "location_group": loc_g,
                    "location_reference": loc_r,
                    "contrast": d,
                    "se": se,
                    "z": z,
                    "p": p,
                    "ets_class": ets_class(d, se, p, rules),
                    "anchor": j in final_anchors,
                    "mh_logit": mrow.get("logit", np.nan) if dich[j] else np.nan,
                    "mh_se": mrow.get("se", np.nan) if dich[j] else np.nan,
                    "mh_chi2": mrow.get("chi2", np.nan) if dich[j] else np.nan,
                    "mh_p": mrow.get("p", np.nan) if dich[j] else np.nan,
                    "mh_class": _mh_class(mrow, rules) if dich[j] else None,
                    "partial_gamma": pgam[j].gamma,
                    "partial_gamma_se": pgam[j].se,
                    "partial_gamma_p": pgam[j].p,
                    "note": note,
                }
            )
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    table["note"] = pd.Series([r["note"] for r in rows], dtype=object)  # keeps the Notes
    group_tab = pd.DataFrame(
        {
            "group": levels,
            "n_persons": [sizes[g] for g in levels],
            "n_informative": [_n_informative(fits[g]) for g in levels],
            "note": pd.Series([fits[g].note for g in levels], dtype=object),
        }
    )
    rule = (
        f"ETS class C: |DIF| >= {rules.dif_c:g} logits and significantly above {rules.dif_b:g}; "
        f"B: |DIF| >= {rules.dif_b:g} logits and significant (p < {rules.alpha:g}); A otherwise"
    )
    return DIFResult(table=table, name=group_name, reference=reference, groups=group_tab, rule=rule)


def _n_informative(gf: _GroupFit) -> int:
    return gf.fit.n_informative if gf.fit is not None else 0


def _loc(gf: _GroupFit, j: int) -> float:
    if gf.fit is None or j not in gf.items:
        return np.nan
    return float(gf.fit.locations[gf.items.index(j)])


def _mh_class(row: dict[str, float], rules: Rules) -> str | None:
    if not row:
        return None
    return ets_class(row["logit"], row["se"], row["p"], rules)


def dif_table(
    cal: Calibration,
    groups: ArrayLike | pd.Series,
    *,
    reference: str | None = None,
    anchors: Sequence[str] | None = None,
    purify: bool = True,
    rules: Rules | None = None,
) -> pd.DataFrame:
    """The DIF table of :func:`dif_analysis` (columns item, group, contrast, se, z, p, ets_class,
    and more; see :class:`DIFResult`)."""
    return dif_analysis(
        cal, groups, reference=reference, anchors=anchors, purify=purify, rules=rules
    ).table


def mantel_haenszel(
    cal: Calibration,
    labels: ArrayLike,
    *,
    focal: str,
    reference: str,
) -> dict[int, dict[str, float]]:
    """Mantel-Haenszel DIF statistics of every dichotomous item: {item index: statistics}.

    ``labels`` are group labels per person (strings; None = no group). Strata are persons with
    the same raw score over all items and the same missing-data pattern. Returns ``logit``
    (ln alpha_MH; positive: harder for the focal group), ``se`` (Robins-Breslow-Greenland),
    ``chi2`` (continuity corrected), ``p``, ``d_dif`` (-2.35 ln alpha_MH, the ETS delta scale)
    and ``n`` (persons in informative strata). Items that are not dichotomous are left out.
    """
    lab = np.asarray(labels, dtype=object)
    values = cal.values
    sel = (lab == focal) | (lab == reference)
    x = values[sel]
    is_ref = lab[sel] == reference
    answered = x >= 0
    raw = np.where(answered, x, 0).sum(axis=1).astype(np.int64)
    pat = pattern_index(answered)[0]
    stratum = pat * (int(cal.max_category.sum()) + 1) + raw
    out: dict[int, dict[str, float]] = {}
    for j in np.flatnonzero(cal.max_category == 1):
        ok = answered[:, j]
        s = stratum[ok]
        right = x[ok, j] == 1
        ref = is_ref[ok]
        _, k = np.unique(s, return_inverse=True)
        nk = k.max() + 1 if k.size else 0
        a = np.bincount(k, weights=(ref & right), minlength=nk)
        b = np.bincount(k, weights=(ref & ~right), minlength=nk)
        c = np.bincount(k, weights=(~ref & right), minlength=nk)
        d = np.bincount(k, weights=(~ref & ~right), minlength=nk)
        stat = mh_from_counts(a, b, c, d)
        if stat is not None:
            out[int(j)] = stat
    return out


def mh_from_counts(
    a: ArrayLike, b: ArrayLike, c: ArrayLike, d: ArrayLike
) -> dict[str, float] | None:
    """Mantel-Haenszel statistics from 2x2 tables per stratum (arrays over strata).

    ``a, b``: reference group right, wrong; ``c, d``: focal group right, wrong. Strata without
    both groups or without both outcomes carry no information and are skipped. Returns None
    when no stratum is informative or the common odds ratio is 0 or infinite.

    ``alpha = sum(a d / n) / sum(b c / n)``; ``Var(ln alpha)`` by Robins, Breslow & Greenland
    (1986); ``chi2 = (|sum a - sum E(a)| - 0.5)^2 / sum Var(a)`` with
    ``E(a) = n_ref m_1 / n`` and ``Var(a) = n_ref n_foc m_1 m_0 / (n^2 (n - 1))``.

    Examples
    --------
    >>> import numpy as np
    >>> s = mh_from_counts(np.array([20.0, 30]), np.array([10.0, 15]), np.array([10.0, 15]),
    ...                    np.array([10.0, 15]))
    >>> round(float(np.exp(s["logit"])), 6), round(s["chi2"], 4)
    (2.0, 2.7675)
    """
    return _mh(*(np.asarray(x, dtype=float) for x in (a, b, c, d)))


def _mh(a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray) -> dict[str, float] | None:
    n = a + b + c + d
    use = (a + b > 0) & (c + d > 0) & (a + c > 0) & (b + d > 0) & (n > 1)
    a, b, c, d, n = a[use], b[use], c[use], d[use], n[use]
    if a.size == 0:
        return None
    r_k, s_k = a * d / n, b * c / n
    r_sum, s_sum = float(r_k.sum()), float(s_k.sum())
    if r_sum <= 0 or s_sum <= 0:
        return None
    logit = math.log(r_sum / s_sum)
    p_k, q_k = (a + d) / n, (b + c) / n
    var = (
        float((p_k * r_k).sum()) / (2 * r_sum**2)
        + float((p_k * s_k + q_k * r_k).sum()) / (2 * r_sum * s_sum)
        + float((q_k * s_k).sum()) / (2 * s_sum**2)
    )
    n_ref, n_foc = a + b, c + d
    m1, m0 = a + c, b + d
    diff = abs(float(a.sum() - (n_ref * m1 / n).sum()))
    v_a = float((n_ref * n_foc * m1 * m0 / (n**2 * (n - 1))).sum())
    chi2 = max(diff - 0.5, 0.0) ** 2 / v_a if v_a > 0 else 0.0
    return {
        "logit": logit,
        "se": math.sqrt(var),
        "chi2": chi2,
        "p": float(_scipy_stats().chi2.sf(chi2, 1)),
        "d_dif": -2.35 * logit,
        "n": float(n.sum()),
    }
