"""Category functioning: do the response categories of each item work as intended?

For every item and category: how often it was used, the average measure of the persons who used
it (should advance with the category), the Andrich threshold into it with its standard error
(thresholds should advance), and the category's outfit mean square. Items with disordered
thresholds get a suggested collapse of adjacent categories that can be applied and re-run.

Guidelines (Linacre 2002, rasch.org/rn2.htm): at least 10 observations per category; average
measures advance; thresholds advance (by at least 1.4 logits and less than 5 for distinct
categories, informational); category outfit below 2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure.diagnostics._residuals import Residuals, residuals
from measure.diagnostics.conditional import conditional_fit_columns
from measure.diagnostics.rules import SOURCES, Rules
from measure.exceptions import MeasureError
from measure.models import check_model
from measure.pipeline import fit as pipeline_fit
from measure.results import Calibration

__all__ = [
    "category_table",
    "disordered_items",
    "modal_categories",
    "CollapseSuggestion",
    "suggest_collapse",
    "collapse_categories",
    "recode",
]

FloatArray = NDArray[np.float64]
Mapping_ = Mapping[str, Sequence[int]]


def category_table(
    cal: Calibration, *, rules: Rules | None = None, resid: Residuals | None = None
) -> pd.DataFrame:
    """One row per item and category: use, average measure, threshold and flags.

    Columns
    -------
    item, category, count, percent (of the item's answers), avg_measure (mean person measure of
    those who chose the category; persons without a finite measure left out), outfit_msq (mean
    squared standardised residual of the answers in the category, persons with non-extreme
    scores, as the item fit), threshold and threshold_se (Andrich threshold into the category,
    NaN for category 0), advance (threshold minus the previous one) and advance_se,
    low_count (count < ``rules.min_category_count``), measure_disordered (average measure not
    above the previous category's), threshold_disordered (threshold below the previous one:
    the category in between is never the most probable), small_advance and large_advance
    (advance outside ``[threshold_min_advance, threshold_max_advance)``, informational) and
    high_outfit (outfit above ``rules.category_outfit_max``).

    Rule and source: :data:`measure.diagnostics.rules.SOURCES` ``["categories"]``.

    Examples
    --------
    >>> import measure
    >>> from measure.diagnostics import category_table
    >>> sim = measure.simulate_responses(thresholds=[[-1, 1]] * 4, n_persons=200, rng=1)
    >>> tab = category_table(measure.calibrate(sim.responses, model="pcm"))
    >>> tab.columns[:4].tolist()
    ['item', 'category', 'count', 'percent']

    Winsteps reports the same quantities in Table 3.2 (its "average measure" is of person
    measures minus item location; here it is of the person measures).
    """
    rules = rules or Rules()
    items = list(cal.item_ids)
    values = cal.values
    measure = cal.persons["measure"].to_numpy(dtype=float)
    res = resid if resid is not None else residuals(cal)
    z2 = res.standardised**2
    res_vals = values[res.persons]
    thr = cal.threshold_matrix
    se_map = {
        (str(it), int(k)): float(s)
        for it, k, s in zip(
            cal.thresholds["item"], cal.thresholds["category"], cal.thresholds["se"], strict=True
        )
    }
    offs = np.concatenate([[0], np.cumsum(cal.max_category)[:-1]]).astype(int)
    rows = []
    for j, item in enumerate(items):
        m = int(cal.max_category[j])
        col = values[:, j]
        answered = int(np.sum(col >= 0))
        prev_avg = np.nan
        for c in range(m + 1):
            sel = col == c
            count = int(sel.sum())
            fin = sel & np.isfinite(measure)
            avg = float(np.mean(measure[fin])) if fin.any() else np.nan
            rsel = res_vals[:, j] == c
            outfit = float(np.mean(z2[rsel, j])) if rsel.any() else np.nan
            if c == 0:
                t = se = adv = adv_se = np.nan
            else:
                t = float(thr[j, c - 1])
                se = se_map.get((item, c), np.nan)
                if c >= 2:
                    adv = t - float(thr[j, c - 2])
                    a, b = offs[j] + c - 1, offs[j] + c - 2
                    cov = cal.threshold_cov
                    adv_se = float(np.sqrt(max(cov[a, a] + cov[b, b] - 2 * cov[a, b], 0.0)))
                else:
                    adv = adv_se = np.nan
            rows.append(
                {
                    "item": item,
                    "category": c,
                    "count": count,
                    "percent": 100.0 * count / answered if answered else np.nan,
                    "avg_measure": avg,
                    "outfit_msq": outfit,
                    "threshold": t,
                    "threshold_se": se,
                    "advance": adv,
                    "advance_se": adv_se,
                    "low_count": count < rules.min_category_count,
                    "measure_disordered": bool(c > 0 and avg <= prev_avg),
                    "threshold_disordered": bool(c >= 2 and adv < 0),
                    "small_advance": bool(c >= 2 and 0 <= adv < rules.threshold_min_advance),
                    "large_advance": bool(c >= 2 and adv >= rules.threshold_max_advance),
                    "high_outfit": bool(outfit > rules.category_outfit_max),
                }
            )
            prev_avg = avg
    return pd.DataFrame(rows)


def disordered_items(cal: Calibration) -> list[str]:
    """Items whose Andrich thresholds do not advance (point estimates; Andrich 2013)."""
    out = []
    for j, item in enumerate(cal.item_ids):
        t = cal.threshold_matrix[j, : int(cal.max_category[j])]
        if t.size > 1 and bool(np.any(np.diff(t) < 0)):
            out.append(item)
    return out


def modal_categories(thresholds: Sequence[float] | FloatArray) -> list[int]:
    """Categories that are the most probable somewhere on the scale, for one item.

    With ordered thresholds every category is modal; a category between disordered thresholds
    never is. Exact: category x is modal on the interval where its line
    ``x * theta - sum_{k<=x} delta_k`` is above every other category's line.

    Examples
    --------
    >>> modal_categories([-1.0, 0.0, 1.0]), modal_categories([0.5, -0.5])
    ([0, 1, 2, 3], [0, 2])
    """
    t = np.asarray(thresholds, dtype=float)
    t = t[~np.isnan(t)]
    m = t.size
    s = np.concatenate([[0.0], np.cumsum(t)])  # line x: x * theta - s[x]
    modal = [0]
    for x in range(1, m):
        lower = max((s[x] - s[y]) / (x - y) for y in range(x))  # theta above this beats y < x
        upper = min((s[y] - s[x]) / (y - x) for y in range(x + 1, m + 1))
        if lower < upper:
            modal.append(x)
    modal.append(m)
    return modal


@dataclass(frozen=True)
class CollapseSuggestion:
    """A proposed merge of adjacent categories, per item, and what re-running showed.

    Attributes
    ----------
    mapping : item -> new category for each current category 0..m (e.g. ``[0, 1, 1, 2]`` merges
        categories 1 and 2). Only items that change are listed. Codes are the calibration's
        (0-based, after labels, reverse keying and any null-category collapse).
    items : the items with disordered thresholds that motivated the suggestion.
    rounds : how many propose-and-recalibrate rounds were run.
    ordered_after : True when every item's thresholds advance after the collapse; False when some
        remain disordered; None when the collapsed data could not be re-calibrated.
    still_disordered : items still disordered after the last round.
    note : why re-calibration failed, if it did.
    rule, source : the rule used.
    data_mapping : the same merges for the codes as read from the data (0-based), i.e. composed
        with any null-category collapse the calibration made; apply this one with
        :func:`recode` to the original data. Equal to ``mapping`` when nothing was collapsed.
    """

    mapping: dict[str, list[int]]
    items: tuple[str, ...]
    rounds: int
    ordered_after: bool | None
    still_disordered: tuple[str, ...] = ()
    note: str = ""
    rule: str = ""
    source: str = SOURCES["categories"]
    data_mapping: dict[str, list[int]] = field(default_factory=dict)

    def describe(self) -> list[str]:
        """One line per item: ``q3: merge categories 1+2`` (0-based codes)."""
        return [f"{item}: {merges_text(m)}" for item, m in self.mapping.items()]


def merges_text(mapping: Sequence[int]) -> str:
    """``[0, 1, 1, 2]`` -> ``"merge 1+2"``; the groups of old categories that share a new code."""
    groups: dict[int, list[int]] = {}
    for old, new in enumerate(mapping):
        groups.setdefault(int(new), []).append(old)
    parts = ["+".join(map(str, g)) for g in groups.values() if len(g) > 1]
    return "merge " + ", ".join(parts) if parts else "no change"


def _propose(cal: Calibration) -> dict[str, list[int]]:
    """One round: merge every never-modal category into its neighbour with fewer answers."""
    out: dict[str, list[int]] = {}
    values = cal.values
    shared = cal.model == "rsm"
    disordered = disordered_items(cal)
    if not disordered:
        return out
    targets = list(cal.item_ids) if shared else disordered
    for item in targets:
        j = cal.item_ids.index(item)
        m = int(cal.max_category[j])
        if shared:
            thr = cal.threshold_matrix[0, :m]
            col = values[values >= 0]  # counts over all items: one shared structure
        else:
            thr = cal.threshold_matrix[j, :m]
            col = values[:, j]
        counts = np.array([np.sum(col == c) for c in range(m + 1)])
        modal = set(modal_categories(thr))
        link = [False] * m  # link[c]: categories c and c + 1 are merged
        for c in range(1, m):
            if c in modal:
                continue
            if counts[c - 1] <= counts[c + 1]:
                link[c - 1] = True
            else:
                link[c] = True
        new = [0]
        for c in range(m):
            new.append(new[-1] + (0 if link[c] else 1))
        if new != list(range(m + 1)):
            out[item] = new
    return out


def _compose(first: Sequence[int], second: Sequence[int]) -> list[int]:
    return [int(second[c]) for c in first]


def suggest_collapse(
    cal: Calibration, *, max_rounds: int = 3, rules: Rules | None = None
) -> CollapseSuggestion:
    """Suggest merging adjacent categories of items with disordered thresholds, and check it.

    Each round merges every category that is never the most probable (it lies between
    disordered thresholds) into the neighbouring category with fewer answers, re-calibrates the
    recoded data with the same model and repeats while thresholds are still disordered (at most
    ``max_rounds`` rounds). For the rating scale model the shared thresholds decide, so every
    item gets the same mapping.

    Returns
    -------
    CollapseSuggestion
        ``mapping`` can be applied to the calibration with :func:`collapse_categories` or to the
        user's data with :func:`recode`.
    """
    rules = rules or Rules()
    start = tuple(disordered_items(cal))
    rule = "merge each category between disordered Andrich thresholds with its smaller neighbour"
    if not start:
        return CollapseSuggestion({}, (), 0, True, rule=rule)
    total: dict[str, list[int]] = {}
    current = cal
    rounds = 0
    note = ""
    ordered: bool | None = None
    still: tuple[str, ...] = start
    for round_no in range(1, max_rounds + 1):
        rounds = round_no
        step = _propose(current)
        if not step:
            break
        for item, m in step.items():
            base = total.get(item, list(range(int(cal.max_category[cal.item_ids.index(item)]) + 1)))
            total[item] = _compose(base, m)
        try:
            current = collapse_categories(current, step)
        except (MeasureError, ValueError) as exc:
            note = f"re-calibration of the collapsed data failed: {exc}"
            ordered = None
            still = ()
            break
        still = tuple(disordered_items(current))
        ordered = not still
        if ordered:
            break
    data_mapping = {
        item: [int(m[c]) for c in cal.category_map[item]] if item in cal.category_map else m
        for item, m in total.items()
    }
    return CollapseSuggestion(
        mapping=total,
        data_mapping=data_mapping,
        items=start,
        rounds=rounds,
        ordered_after=ordered,
        still_disordered=still,
        note=note,
        rule=rule,
    )


def _check_mapping(cal: Calibration, mapping: Mapping_) -> dict[int, NDArray[np.int64]]:
    out = {}
    for item, new in mapping.items():
        if item not in cal.item_ids:
            raise ValueError(
                f"collapse mapping for unknown item {item!r} (items: {', '.join(cal.item_ids)})"
            )
        j = cal.item_ids.index(item)
        m = int(cal.max_category[j])
        arr = np.asarray(list(new), dtype=np.int64)
        if arr.size != m + 1:
            raise ValueError(
                f"collapse mapping for item {item!r} needs {m + 1} entries (one per "
                f"category 0..{m}), got {arr.size}"
            )
        if arr[0] != 0 or np.any(np.diff(arr) < 0) or np.any(np.diff(arr) > 1):
            raise ValueError(
                f"collapse mapping for item {item!r} must start at 0 and merge "
                f"adjacent categories only (non-decreasing steps of 0 or 1): {new}"
            )
        out[j] = arr
    return out


def collapse_categories(cal: Calibration, mapping: Mapping_) -> Calibration:
    """Re-calibrate the calibration's own data with categories merged by ``mapping``.

    Same model, person estimator, minimum of answered items, persons (ids and rows) and kept
    columns: the recoded matrix goes through the pipeline again, not through the input gate.
    Anchors are not carried over.
    """
    checked = _check_mapping(cal, mapping)
    values = cal.values.copy()
    max_cat = cal.max_category.copy()
    for j, arr in checked.items():
        col = values[:, j]
        values[:, j] = np.where(col >= 0, arr[np.clip(col, 0, None)], -1)
        max_cat[j] = int(arr[-1])
    items = list(cal.item_ids)
    check_model(cal.model, items, max_cat, cal.responses.source)
    fit = pipeline_fit(
        values,
        max_cat,
        items,
        cal.model,
        method=cal.method if cal.method in ("cml", "pairwise") else "auto",  # type: ignore[arg-type]
        min_answered=cal.min_answered,
        source=cal.responses.source,
    )
    kept = [(c, cal.persons[c].to_numpy()) for c in cal.kept_columns]
    return Calibration.build(
        fit,
        cal.responses,
        person_estimator=cal.person_estimator,
        keep=kept,
        min_answered=cal.min_answered,
        item_columns=conditional_fit_columns(fit.values, fit.item.thresholds, fit.max_category),
    )


def recode(data: pd.DataFrame, mapping: Mapping_, *, min_category: int = 0) -> pd.DataFrame:
    """Apply a collapse mapping to numerically coded data; returns a new DataFrame.

    Codes ``min_category + c`` become ``min_category + mapping[item][c]``; missing cells and
    values outside the mapping are left as they are (the input gate reports them on
    re-calibration). Re-run :func:`measure.calibrate` on the result.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"q1": [1, 2, 3, 4]})
    >>> recode(data, {"q1": [0, 1, 1, 2]}, min_category=1)["q1"].tolist()
    [1, 2, 2, 3]
    """
    out = data.copy()
    for item, new in mapping.items():
        if item not in out.columns:
            raise ValueError(f"recode: column {item!r} not in the data")
        table = {min_category + old: min_category + int(n) for old, n in enumerate(new)}
        out[item] = out[item].map(lambda v, t=table: t.get(v, v) if pd.notna(v) else v)
    return out
