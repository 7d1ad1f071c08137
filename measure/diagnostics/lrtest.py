"""Andersen's likelihood-ratio test: do the item parameters hold in every subgroup of persons?

The conditional likelihood allows the item parameters to be estimated in each subgroup without
assumptions about the persons. Under the Rasch model they are the same in every subgroup, so

    LR = 2 * (sum_g loglik_g - loglik_full),   df = sum_g npar_g - npar_full

is asymptotically chi-square with ``df`` degrees of freedom (Andersen 1973), where every loglik
is a conditional log-likelihood maximised over the item parameters. Subgroups: a split at the
median raw score (low: raw score <= median), the mean raw score (low: raw score < mean), or any
grouping of persons (gender, age group, ...), as ``eRm::LRtest``.

Items without variation in a subgroup
-------------------------------------
An item whose answers in some subgroup miss a category cannot be estimated there. Like eRm we
then drop the item from the full and the subgroup models (``drop="items"``, the default) and
report which items were dropped and why; ``drop="error"`` raises instead. The test is computed
on the remaining items only; the subgroups stay as defined on all items (as eRm). We go one
step beyond eRm: a category used in a subgroup only by persons with an extreme score on the
remaining items carries no information either, so such an item is dropped too (eRm keeps it
and its estimates diverge). With ``rsm`` an item needs answers in category 0 and in the top
category in every subgroup (eRm's rule), informative answers in two or more categories, and
every category must be used by some item. When a model still cannot be estimated (the
likelihood has no finite maximum, as in eRm's ``rsmdat`` where eRm reports thresholds near
+-15 and "NaNs produced"), the statistic is NaN and ``note`` says why; we never report an LR
built on diverging estimates. Dropping repeats until no further item needs to go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from measure._estimation.chi2 import chi2_sf
from measure._estimation.cml import pattern_index
from measure.diagnostics._subfit import SubFit, fit_items, informative_gaps
from measure.diagnostics.rules import SOURCES, Rules
from measure.exceptions import ConvergenceError, MeasureError
from measure.notes import Note
from measure.results import Calibration
from measure.summary import Summary, short_repr

__all__ = ["AndersenLR", "andersen_lr", "score_split", "group_labels"]

FloatArray = NDArray[np.float64]
DropPolicy = Literal["items", "error"]


@dataclass(frozen=True)
class AndersenLR:
    """Result of :func:`andersen_lr`.

    Attributes
    ----------
    statistic, df, p_value : the LR statistic, its degrees of freedom and chi-square p-value
        (NaN when the test could not be computed; see ``note``).
    split : how the persons were split ("median", "mean" or the grouping's name).
    groups : DataFrame group, n_persons, n_informative, loglik, npar.
    loglik_full, npar_full : the model on all persons of the subgroups, the items used.
    items_used : items in the test; dropped: DataFrame item, group, reason.
    thresholds : DataFrame item, category, group, threshold, se: every subgroup's estimates
        (each centred at mean item location 0), for a graphical model check.
    note : why the statistic is missing, if it is.
    """

    statistic: float
    df: int
    p_value: float
    split: str
    groups: pd.DataFrame
    loglik_full: float
    npar_full: int
    items_used: tuple[str, ...]
    dropped: pd.DataFrame
    thresholds: pd.DataFrame
    rule: str
    source: str = SOURCES["andersen_lr"]
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def significant(self, rules: Rules | None = None) -> bool:
        """p below ``rules.alpha`` (False when the test could not be computed)."""
        rules = rules or Rules()
        return bool(np.isfinite(self.p_value) and self.p_value < rules.alpha)

    def summary(self) -> Summary:
        """The statistic, its df and p-value, the split, the items used and dropped."""
        return Summary(
            "Andersen's likelihood-ratio test",
            {
                "split": self.split,
                "statistic": self.statistic,
                "df": self.df,
                "p_value": self.p_value,
                "groups": [str(g) for g in self.groups["group"]],
                "n_items_used": len(self.items_used),
                "dropped_items": sorted({str(i) for i in self.dropped["item"]}),
                "note": self.note,
                "rule": self.rule,
                "source": self.source,
            },
        )

    def __repr__(self) -> str:
        return short_repr(
            self,
            split=self.split,
            statistic=round(float(self.statistic), 3),
            df=self.df,
            p_value=round(float(self.p_value), 4),
            n_items_used=len(self.items_used),
        )


def _patterns(values: NDArray[np.int16]) -> NDArray[np.int64]:
    return pattern_index(values >= 0)[0]


def score_split(
    values: NDArray[np.int16], how: Literal["median", "mean"] = "median"
) -> NDArray[np.object_]:
    """``"low"``/``"high"`` per person by raw score, as eRm (``None`` for persons without answers).

    ``median``: low when the raw score is at most the median; ``mean``: low when below the mean.
    Both are computed over every person with an answer, extreme scores included; with missing
    data, within each missing-data pattern (raw scores on different item sets are not
    comparable), as ``eRm::LRtest``.
    """
    if how not in ("median", "mean"):
        raise ValueError(f"split={how!r} is not one of 'median', 'mean' or a grouping of persons")
    answered = values >= 0
    raw = np.where(answered, values, 0).sum(axis=1).astype(float)
    has = answered.any(axis=1)
    pat = _patterns(values)
    out = np.full(values.shape[0], None, dtype=object)
    idx = np.flatnonzero(has)
    if idx.size == 0:
        return out
    # every pattern at once: persons sorted by (pattern, raw score), one run per pattern
    order = np.lexsort((raw[idx], pat[idx]))
    p_sorted, r_sorted = pat[idx][order], raw[idx][order]
    starts = np.flatnonzero(np.r_[True, p_sorted[1:] != p_sorted[:-1]])
    counts = np.diff(np.r_[starts, p_sorted.size])
    if how == "median":  # the middle one, or the mean of the middle two (as np.median)
        centre = 0.5 * (r_sorted[starts + (counts - 1) // 2] + r_sorted[starts + counts // 2])
        low_sorted = r_sorted <= np.repeat(centre, counts)
    else:
        centre = np.add.reduceat(r_sorted, starts) / counts
        low_sorted = r_sorted < np.repeat(centre, counts)
    low = np.empty(idx.size, dtype=bool)
    low[order] = low_sorted
    out[idx] = np.where(low, "low", "high")
    return out


def group_labels(groups: ArrayLike | pd.Series, n: int) -> tuple[NDArray[np.object_], list[str]]:
    """Person group labels as strings (``None`` for missing) and the sorted levels.

    Numeric groups sort numerically, text alphabetically; missing values (NaN, None, empty
    text) mean the person is in no group.
    """
    arr = (
        pd.Series(groups).reset_index(drop=True)
        if not isinstance(groups, pd.Series)
        else (groups.reset_index(drop=True))
    )
    if len(arr) != n:
        raise ValueError(
            f"the grouping has {len(arr)} values but the calibration has {n} persons; give one "
            "value per person, in the order of the calibration's persons table"
        )
    miss = arr.isna().to_numpy() | arr.astype("string").str.strip().fillna("").eq("").to_numpy()
    present = arr[~miss]
    try:
        levels_raw = sorted(pd.unique(present.to_numpy()).tolist())
    except TypeError:
        levels_raw = sorted(pd.unique(present.astype(str).to_numpy()).tolist())
    levels = [_label(v) for v in levels_raw]
    labels = np.full(n, None, dtype=object)
    labels[~miss] = [_label(v) for v in present.tolist()]
    # keep first-seen order of the sorted raw levels but unique labels
    seen: list[str] = []
    for lv in levels:
        if lv not in seen:
            seen.append(lv)
    return labels, seen


def _label(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _find_inappropriate(
    values: NDArray[np.int16],
    max_cat: NDArray[np.int64],
    labels: NDArray[np.object_],
    levels: list[str],
    model: str,
    items: list[str],
) -> tuple[list[int], list[dict[str, object]]]:
    """Items to drop (indices) and why, iterating until every subgroup can estimate the rest."""
    keep = list(range(len(items)))
    reasons: list[dict[str, object]] = []
    top = int(max_cat.max())
    for _ in range(len(items) + 1):
        changed = False
        sub_max = max_cat[keep]
        # 1. eRm's rule: every category of the item used in the subgroup (rsm: 0 and the top)
        for g in levels:
            x = values[labels == g][:, keep]
            for pos, j in enumerate(keep):
                col = x[:, pos]
                used = set(np.unique(col[col >= 0]).tolist())
                if model == "rsm":
                    need = {0, top}
                else:
                    need = set(range(int(sub_max[pos]) + 1))
                miss = sorted(need - used)
                if miss and not any(r["item"] == items[j] for r in reasons):
                    reasons.append(
                        {
                            "item": items[j],
                            "group": g,
                            "reason": (
                                Note("lr.no_answers")
                                if not used
                                else Note("lr.category_not_used", categories=miss)
                            ),
                        }
                    )
        drop = {items.index(str(r["item"])) for r in reasons}
        new_keep = [j for j in keep if j not in drop]
        if new_keep != keep:
            keep, changed = new_keep, True
        if len(keep) < 2:
            break
        # 2. informative answers: persons extreme on the remaining items carry no information
        for g in levels:
            x = values[labels == g][:, keep]
            gaps = informative_gaps(x, max_cat[keep], model)
            for pos, miss in gaps.items():
                j = keep[pos]
                if not any(r["item"] == items[j] for r in reasons):
                    reasons.append(
                        {
                            "item": items[j],
                            "group": g,
                            "reason": (
                                Note("lr.category_extreme_only", categories=list(miss))
                                if miss
                                else Note("lr.no_informative")
                            ),
                        }
                    )
        drop = {items.index(str(r["item"])) for r in reasons}
        new_keep = [j for j in keep if j not in drop]
        if new_keep != keep:
            keep, changed = new_keep, True
        if not changed or len(keep) < 2:
            break
    return keep, reasons


#: above this many missing-data patterns the test uses the persons of the most frequent ones
LR_MAX_PATTERNS = 50


def _first_line(exc: Exception) -> str:
    """The first line of an error's message, without a dangling "Likely causes:"."""
    line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return line.removesuffix(" Likely causes:").removesuffix("Likely causes:").rstrip()


def _frequent_patterns(
    values: NDArray[np.int16], used: NDArray[np.bool_]
) -> tuple[NDArray[np.bool_], str]:
    """Rows in the ``LR_MAX_PATTERNS`` most frequent missing-data patterns (all rows when there
    are not more), and a note saying so.

    Conditional ML conditions on each person's pattern, so the likelihood of any set of
    patterns is a valid conditional likelihood and the test on it a valid test of the same
    hypothesis, on fewer persons; it keeps the exact-CML fits fast when nearly every person has
    a pattern of their own.
    """
    pattern, _ = pattern_index(values >= 0)
    counts = np.bincount(pattern[used], minlength=int(pattern.max(initial=-1)) + 1)
    n_patterns = int(np.count_nonzero(counts))
    if n_patterns <= LR_MAX_PATTERNS:
        return np.ones(values.shape[0], dtype=bool), ""
    top = np.argsort(-counts, kind="stable")[:LR_MAX_PATTERNS]
    keep = np.isin(pattern, top)
    share = float(keep[used].mean())
    note = Note(
        "lr.patterns",
        n_top=LR_MAX_PATTERNS,
        n_patterns=n_patterns,
        share_pct=round(100 * share),
    )
    return keep, note


def andersen_lr(
    cal: Calibration,
    *,
    split: Literal["median", "mean"] | ArrayLike | pd.Series = "median",
    name: str | None = None,
    drop: DropPolicy = "items",
    rules: Rules | None = None,
) -> AndersenLR:
    """Andersen's likelihood-ratio test of equal item parameters across subgroups of persons.

    Parameters
    ----------
    cal : a calibration; its model and (collapsed) category codes are used. Anchors are ignored:
        every model here is estimated freely (mean item location 0).
    split : "median" (default; low = raw score <= median), "mean" (low = raw score < mean), or
        one group label per person (in the order of ``cal.persons``; missing = left out).
    name : a name for the grouping (default: the Series name, or "groups").
    drop : "items" (default, as eRm) drops items that cannot be estimated in some subgroup and
        reports them in ``dropped``; "error" raises :class:`ValueError` naming them.

    Returns
    -------
    AndersenLR

    Examples
    --------
    >>> import measure
    >>> from measure.diagnostics import andersen_lr
    >>> sim = measure.simulate_responses(thresholds=[[t] for t in (-1.5, -0.5, 0, 0.5, 1.5)],
    ...                                  n_persons=400, rng=7)
    >>> lr = andersen_lr(measure.calibrate(sim.responses, model="rasch"))
    >>> lr.df
    4

    The same test in R: ``eRm::LRtest(RM(X), splitcr = "median")`` (tests/reference/erm).
    """
    rules = rules or Rules()
    if drop not in ("items", "error"):
        raise ValueError(f"drop={drop!r} is not one of 'items', 'error'")
    values = cal.values
    items = list(cal.item_ids)
    n = values.shape[0]
    if isinstance(split, str):
        labels = score_split(values, split)  # type: ignore[arg-type]
        levels = ["low", "high"]
        split_name = split
    else:
        labels, levels = group_labels(split, n)
        split_name = name or (
            str(split.name) if isinstance(split, pd.Series) and split.name is not None else "groups"
        )
    has_answers = (values >= 0).any(axis=1)
    labels = labels.copy()
    labels[~has_answers] = None
    # the persons of the most frequent missing-data patterns (all when there are few): chosen
    # before the estimability checks, so that the checks see exactly the persons fitted
    in_fit, patterns_note = _frequent_patterns(values, labels != None)  # noqa: E711
    labels[~in_fit] = None
    levels = [g for g in levels if bool(np.any(labels == g))]
    rule = f"Andersen LR test significant at p < {rules.alpha:g}"
    empty_thr = pd.DataFrame(columns=["item", "category", "group", "threshold", "se"])
    if len(levels) < 2:
        return _empty(split_name, rule, levels, labels, Note("lr.few_groups"), empty_thr)
    keep, reasons = _find_inappropriate(values, cal.max_category, labels, levels, cal.model, items)
    dropped = pd.DataFrame(reasons, columns=["item", "group", "reason"])
    dropped["reason"] = pd.Series([r["reason"] for r in reasons], dtype=object)  # keeps the Notes
    if reasons and drop == "error":
        raise ValueError(
            "Andersen LR test: item(s) cannot be estimated in every group: "
            + "; ".join(f"{r['item']} in group {r['group']}: {r['reason']}" for r in reasons)
            + ". Use drop='items' to test the remaining items."
        )
    if len(keep) < 2:
        return _empty(
            split_name,
            rule,
            levels,
            labels,
            Note("lr.few_items"),
            empty_thr,
            dropped=dropped,
        )
    max_cat = cal.max_category[keep]
    used = labels != None  # noqa: E711 - elementwise comparison with None
    sub_values = values[:, keep]
    fits: dict[str, SubFit] = {}
    try:
        # every fit starts from the calibration's thresholds: the same optimum, fewer steps
        start = np.concatenate([cal.threshold_matrix[j, : int(cal.max_category[j])] for j in keep])
        full = fit_items(sub_values[used & in_fit], max_cat, cal.model, start=start)
        for g in levels:
            rows = (labels == g) & in_fit
            fits[g] = fit_items(sub_values[rows], max_cat, cal.model, start=start)
    except (ConvergenceError, MeasureError) as exc:
        return _empty(
            split_name,
            rule,
            levels,
            labels,
            Note("lr.not_estimated", error=_first_line(exc)),
            empty_thr,
            dropped=dropped,
        )
    loglik_g = sum(f.loglik for f in fits.values())
    stat = 2.0 * (loglik_g - full.loglik)
    df = sum(f.npar for f in fits.values()) - full.npar
    p = chi2_sf(stat, df) if df > 0 else np.nan
    groups = pd.DataFrame(
        {
            "group": levels,
            "n_persons": [int(np.sum((labels == g) & in_fit)) for g in levels],
            "n_informative": [fits[g].n_informative for g in levels],
            "loglik": [fits[g].loglik for g in levels],
            "npar": [fits[g].npar for g in levels],
        }
    )
    rows = []
    for g in levels:
        f = fits[g]
        se = np.sqrt(np.clip(np.diag(f.cov), 0, None))
        pos = 0
        for jj, j in enumerate(keep):
            for k in range(1, int(max_cat[jj]) + 1):
                rows.append(
                    {
                        "item": items[j],
                        "category": k,
                        "group": g,
                        "threshold": float(f.thresholds[jj, k - 1]),
                        "se": float(se[pos]),
                    }
                )
                pos += 1
    return AndersenLR(
        statistic=float(stat),
        df=int(df),
        p_value=p,
        split=split_name,
        groups=groups,
        loglik_full=full.loglik,
        npar_full=full.npar,
        items_used=tuple(items[j] for j in keep),
        dropped=dropped,
        thresholds=pd.DataFrame(rows),
        rule=rule,
        note=patterns_note,
        extra={"persons_in_test": int(np.sum(used & in_fit))} if patterns_note else {},
    )


def _empty(
    split: str,
    rule: str,
    levels: Sequence[str],
    labels: NDArray[np.object_],
    note: str,
    thresholds: pd.DataFrame,
    *,
    dropped: pd.DataFrame | None = None,
) -> AndersenLR:
    groups = pd.DataFrame(
        {
            "group": list(levels),
            "n_persons": [int(np.sum(labels == g)) for g in levels],
            "n_informative": [0] * len(levels),
            "loglik": [np.nan] * len(levels),
            "npar": [0] * len(levels),
        }
    )
    return AndersenLR(
        statistic=np.nan,
        df=0,
        p_value=np.nan,
        split=split,
        groups=groups,
        loglik_full=np.nan,
        npar_full=0,
        items_used=(),
        dropped=dropped
        if dropped is not None
        else pd.DataFrame(columns=["item", "group", "reason"]),
        thresholds=thresholds,
        rule=rule,
        note=note,
    )
