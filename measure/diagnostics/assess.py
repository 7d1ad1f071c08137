"""``assess()``: every diagnostic of a calibration, and plain-language verdicts with their rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from measure.diagnostics._residuals import residuals
from measure.diagnostics.categories import CollapseSuggestion, category_table, suggest_collapse
from measure.diagnostics.conditional import partial_gamma_ld, restscore_association
from measure.diagnostics.dependence import LocalDependence, q3
from measure.diagnostics.dif import DIFResult, dif_analysis
from measure.diagnostics.dimensionality import Dimensionality, residual_pca
from measure.diagnostics.lrtest import AndersenLR, andersen_lr
from measure.diagnostics.rules import SOURCES, STATUSES, Rules, Status, Verdict
from measure.diagnostics.targeting import Information, Targeting, information_curve, targeting
from measure.reliability import separation_reliability
from measure.results import Calibration, PersonStatus
from measure.summary import Summary, short_repr

__all__ = ["Assessment", "assess", "item_fit_table"]


#: the restscore gammas condition on every missing-data pattern: at most this many
RESTSCORE_MAX_PATTERNS = 1000


@dataclass(frozen=True)
class Assessment:
    """Every diagnostic of one calibration, and the verdicts drawn from them.

    Attributes
    ----------
    calibration : the calibration assessed.
    rules : the rules applied.
    item_fit : items table with misfit flags (see :func:`item_fit_table`) and the item-restscore
        gammas (restscore_gamma_observed, restscore_gamma_expected, restscore_p_adjusted;
        :func:`measure.diagnostics.restscore_association`).
    categories : :func:`category_table`; collapse : :func:`suggest_collapse`.
    targeting, information, dimensionality, local_dependence : the other diagnostics.
    lr_median : Andersen's LR test for the median raw-score split.
    lr_groups, dif : for the grouping, when one was given (else None).
    verdicts : plain-language verdicts, most important first.
    """

    calibration: Calibration
    rules: Rules
    item_fit: pd.DataFrame
    categories: pd.DataFrame
    collapse: CollapseSuggestion
    targeting: Targeting
    information: Information
    dimensionality: Dimensionality
    local_dependence: LocalDependence
    lr_median: AndersenLR
    lr_groups: AndersenLR | None
    dif: DIFResult | None
    verdicts: tuple[Verdict, ...]

    def verdict(self, topic: str) -> Verdict | None:
        """The verdict on ``topic`` (None if there is none)."""
        return next((v for v in self.verdicts if v.topic == topic), None)

    def summary(self, lang: str = "en") -> Summary:
        """Every verdict by topic: status, the verdict and its rule in words (English ``"en"`` or
        Swedish ``"sv"``), the rule's source and the figures behind it."""
        cal = self.calibration
        figures: dict[str, Any] = {
            "model": cal.model,
            "n_items": len(cal.items),
            "n_persons": len(cal.persons),
        }
        for v in self.verdicts:
            figures[v.topic] = {
                "status": v.status,
                "verdict": v.text(lang),
                "rule": v.rule_text(lang),
                "source": v.source,
                "values": dict(v.values),
            }
        return Summary("assessment", figures)

    def text(self, lang: str = "en") -> str:
        """All verdicts as plain text, with rules and sources (English or Swedish)."""
        lines = []
        for v in self.verdicts:
            lines.append(f"[{v.status}] {v.text(lang)}")
            lines.append(f"    rule: {v.rule_text(lang)} ({v.source})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text("en")

    def __repr__(self) -> str:
        counts = {s: sum(v.status == s for v in self.verdicts) for s in STATUSES}
        return short_repr(
            self,
            model=self.calibration.model,
            n_items=len(self.calibration.items),
            n_persons=len(self.calibration.persons),
            **{s: n for s, n in counts.items() if n},
        )


def reliability_coverage(cal: Calibration) -> dict[str, float | int]:
    """Which persons the headline person reliability covers, and the figure over all measured.

    The headline ``person_reliability`` (WLE) is over persons with a non-extreme score (status
    ``ok``), as eRm's ``SepRel`` and Winsteps' "non-extreme" row; every person with an answer
    gets a measure, so the same figure over all measured persons (extreme scores included, at
    their finite WLE; Winsteps' "extreme and non-extreme" row) is given beside it.

    Returns ``{"n_non_extreme", "n_measured", "person_reliability",
    "person_reliability_all_measured"}``.
    """
    counts = cal.status_counts()
    n_ok = counts.get(PersonStatus.OK.value, 0)
    n_measured = n_ok + counts.get(PersonStatus.EXTREME_MIN.value, 0)
    n_measured += counts.get(PersonStatus.EXTREME_MAX.value, 0)
    if "person_reliability_all_measured" in cal.reliability:  # the pipeline's, per key
        return {
            "n_non_extreme": int(n_ok),
            "n_measured": int(n_measured),
            "person_reliability": float(cal.reliability.get("person_reliability", float("nan"))),
            "person_reliability_all_measured": float(
                cal.reliability["person_reliability_all_measured"]
            ),
        }
    status = cal.persons["status"].to_numpy(dtype=object)
    wle = cal.persons["wle"].to_numpy(dtype=float)
    se = cal.persons["wle_se"].to_numpy(dtype=float)
    measured = np.isin(
        status,
        (PersonStatus.OK.value, PersonStatus.EXTREME_MIN.value, PersonStatus.EXTREME_MAX.value),
    ) & (np.isfinite(wle) & np.isfinite(se))
    all_rel = (
        separation_reliability(wle[measured], se[measured])["reliability"]
        if measured.sum() > 1
        else float("nan")
    )
    return {
        "n_non_extreme": int(np.sum(status == PersonStatus.OK.value)),
        "n_measured": int(measured.sum()),
        "person_reliability": float(cal.reliability.get("person_reliability", float("nan"))),
        "person_reliability_all_measured": float(all_rel),
    }


def item_fit_table(cal: Calibration, *, rules: Rules | None = None) -> pd.DataFrame:
    """The items table with ``misfit`` (infit or outfit MNSQ outside [msq_low, msq_high]),
    ``underfit`` (above msq_high), ``overfit`` (below msq_low) and ``degrading`` (above
    msq_degrading). Fit is computed as in eRm (ZSTD by eRm's uncapped Wilson-Hilferty, which
    differs from Winsteps' for strongly overfitting items): unconditional infit/outfit at the
    persons' ML measures, persons with extreme scores left out (see docs/diagnostics.md)."""
    rules = rules or Rules()
    tab = cal.items.copy()
    inf = tab["infit_msq"].to_numpy(dtype=float)
    out = tab["outfit_msq"].to_numpy(dtype=float)
    high = (inf > rules.msq_high) | (out > rules.msq_high)
    low = (inf < rules.msq_low) | (out < rules.msq_low)
    tab["underfit"] = high
    tab["overfit"] = low
    tab["misfit"] = high | low
    tab["degrading"] = (inf > rules.msq_degrading) | (out > rules.msq_degrading)
    return tab


def assess(
    cal: Calibration,
    *,
    groups: ArrayLike | pd.Series | None = None,
    group_name: str | None = None,
    reference: str | None = None,
    rules: Rules | None = None,
    progress: Callable[[str], None] | None = None,
) -> Assessment:
    """Run every diagnostic on ``cal`` and draw plain-language verdicts.

    Parameters
    ----------
    cal : the calibration.
    groups : optional person covariate for DIF and Andersen's LR test by group (one value per
        person in the order of ``cal.persons``; missing values leave a person out).
    group_name : the covariate's name (default: the Series name, else "group").
    reference : reference group for DIF (default: the largest).
    rules : the rules (default :class:`Rules`).
    progress : called with the name of each diagnostic as it starts ("item fit", "categories",
        "targeting", "dimensionality", "local dependence", "LR test (median split)", and with
        ``groups`` "LR test by <group_name>", "DIF by <group_name>"); default silent.

    Examples
    --------
    >>> import measure
    >>> from measure.diagnostics import assess
    >>> sim = measure.simulate_responses(thresholds=[[-1, 1]] * 6, n_persons=300, rng=11)
    >>> a = assess(measure.calibrate(sim.responses, model="pcm"))
    >>> a.verdict("categories").status
    'ok'
    """
    rules = rules or Rules()
    if groups is not None and group_name is None:
        group_name = (
            str(groups.name)
            if isinstance(groups, pd.Series) and groups.name is not None
            else "group"
        )
    say = progress if progress is not None else _silent
    say("item fit")
    fit = item_fit_table(cal, rules=rules)
    rs = restscore_association(
        cal.values, cal.threshold_matrix, cal.max_category, max_patterns=RESTSCORE_MAX_PATTERNS
    )
    fit["restscore_gamma_observed"] = rs.gamma_observed
    fit["restscore_gamma_expected"] = rs.gamma_expected
    fit["restscore_p_adjusted"] = rs.p_adjusted
    say("categories")
    resid = residuals(cal)  # once, for categories, dimensionality and local dependence
    cats = category_table(cal, rules=rules, resid=resid)
    collapse = suggest_collapse(cal, rules=rules)
    say("targeting")
    tgt = targeting(cal, rules=rules)
    info = information_curve(cal, rules=rules)
    say("dimensionality")
    dim = residual_pca(cal, rules=rules, resid=resid)
    say("local dependence")
    ld = _with_partial_gammas(q3(cal, rules=rules, resid=resid), cal)
    say("LR test (median split)")
    lr_med = andersen_lr(cal, split="median", rules=rules)
    lr_grp = None
    dif = None
    if groups is not None:
        say(f"LR test by {group_name}")
        lr_grp = andersen_lr(cal, split=groups, name=group_name, rules=rules)
        say(f"DIF by {group_name}")
        dif = dif_analysis(cal, groups, reference=reference, name=group_name, rules=rules)
    verdicts = _verdicts(cal, rules, fit, cats, collapse, tgt, info, dim, ld, lr_med, lr_grp, dif)
    return Assessment(
        calibration=cal,
        rules=rules,
        item_fit=fit,
        categories=cats,
        collapse=collapse,
        targeting=tgt,
        information=info,
        dimensionality=dim,
        local_dependence=ld,
        lr_median=lr_med,
        lr_groups=lr_grp,
        dif=dif,
        verdicts=tuple(verdicts),
    )


def _silent(stage: str) -> None:
    """The default progress callback: says nothing."""


#: pairs (highest Q3 first) given partial gammas in the assessment (and the report)
LD_GAMMA_PAIRS = 10


def _with_partial_gammas(ld: LocalDependence, cal: Calibration) -> LocalDependence:
    """``ld`` with partial_gamma_12 (item_1 and item_2 given the total minus item_2) and
    partial_gamma_21 (given the total minus item_1) for the first ``LD_GAMMA_PAIRS`` pairs."""
    ids = list(cal.item_ids)
    pairs = ld.pairs.copy()
    top = [
        (ids.index(str(a)), ids.index(str(b)))
        for a, b in zip(
            pairs["item_1"][:LD_GAMMA_PAIRS], pairs["item_2"][:LD_GAMMA_PAIRS], strict=True
        )
    ]
    gam = partial_gamma_ld(cal.values, top + [(j, i) for i, j in top])
    g12 = np.full(len(pairs), np.nan)
    g21 = np.full(len(pairs), np.nan)
    for k, (i, j) in enumerate(top):
        g12[k] = gam[(i, j)].gamma
        g21[k] = gam[(j, i)].gamma
    pairs["partial_gamma_12"] = g12
    pairs["partial_gamma_21"] = g21
    return dataclasses.replace(ld, pairs=pairs)


def _v(topic: str, status: Status, values: dict[str, Any], rule: str, source: str) -> Verdict:
    return Verdict(topic=topic, status=status, values=values, rule=rule, source=source)


def _verdicts(
    cal: Calibration,
    rules: Rules,
    fit: pd.DataFrame,
    cats: pd.DataFrame,
    collapse: CollapseSuggestion,
    tgt: Targeting,
    info: Information,
    dim: Dimensionality,
    ld: LocalDependence,
    lr_med: AndersenLR,
    lr_grp: AndersenLR | None,
    dif: DIFResult | None,
) -> list[Verdict]:
    out: list[Verdict] = []
    rel = float(cal.reliability.get("person_reliability", np.nan))
    rel_v: dict[str, Any] = {
        "reliability": rel,
        "group_cut": rules.reliability_group,
        "individual_cut": rules.reliability_individual,
    }
    if not np.isfinite(rel):
        out.append(_v("reliability_group", "info", rel_v, "not available", SOURCES["reliability"]))
    else:
        out.append(
            _v(
                "reliability_group",
                "ok" if rel >= rules.reliability_group else "problem",
                rel_v,
                f"person reliability >= {rules.reliability_group:g} for comparing groups",
                SOURCES["reliability"],
            )
        )
        out.append(
            _v(
                "reliability_individual",
                "ok" if rel >= rules.reliability_individual else "warning",
                rel_v,
                f"person reliability >= {rules.reliability_individual:g} for decisions "
                "about individuals",
                SOURCES["reliability"],
            )
        )
    # item fit
    mis = fit[fit["misfit"]]
    described = [
        {"item": str(r["item"]), "infit": float(r["infit_msq"]), "outfit": float(r["outfit_msq"])}
        for r in _records(mis)
    ]
    status: Status = "ok"
    if mis.size:
        status = "problem" if bool(fit["degrading"].any()) else "warning"
    out.append(
        _v(
            "item_fit",
            status,
            {
                "items": described,
                "low": rules.msq_low,
                "high": rules.msq_high,
                "degrading": rules.msq_degrading,
                "degrading_items": fit.loc[fit["degrading"], "item"].astype(str).tolist(),
            },
            f"infit and outfit MNSQ within {rules.msq_low:g}-{rules.msq_high:g}; above "
            f"{rules.msq_degrading:g} degrades measurement",
            SOURCES["item_fit"],
        )
    )
    # categories
    disordered = list(collapse.items)
    low = cats[cats["low_count"]]
    low_list = [
        {"item": str(r["item"]), "category": int(r["category"]), "count": int(r["count"])}
        for r in _records(low)
    ]
    noisy = cats[cats["high_outfit"]]
    noisy_list = [
        {
            "item": str(r["item"]),
            "category": int(r["category"]),
            "outfit": float(r["outfit_msq"]),
        }
        for r in _records(noisy)
    ]
    poly = bool(np.any(cal.max_category > 1))
    if disordered:
        cstatus: Status = "problem"
    elif low_list or noisy_list:
        cstatus = "warning"
    else:
        cstatus = "ok"
    out.append(
        _v(
            "categories",
            cstatus if poly or low_list or noisy_list else "ok",
            {
                "disordered": disordered,
                "merges": collapse.describe(),
                "ordered_after": collapse.ordered_after,
                "low_count": low_list,
                "min_count": rules.min_category_count,
                "high_outfit": noisy_list,
                "outfit_max": rules.category_outfit_max,
                "polytomous": poly,
            },
            f"Andrich thresholds advance; at least {rules.min_category_count} answers per "
            f"category; category outfit MNSQ below {rules.category_outfit_max:g}",
            SOURCES["categories"],
        )
    )
    # dimensionality
    flagged = dim.flagged(rules)
    out.append(
        _v(
            "dimensionality",
            "warning" if flagged else "ok",
            {
                "eigenvalue": dim.first_eigenvalue,
                "cut": rules.contrast_eigenvalue,
                "share": dim.smith_share,
                "lower": dim.smith_lower,
                "smith_cut": rules.smith_share,
                "positive": list(dim.positive_items),
                "negative": list(dim.negative_items),
            },
            dim.rule,
            SOURCES["dimensionality"],
        )
    )
    # local dependence
    fl = ld.flagged
    pairs = [
        {"item_1": str(r["item_1"]), "item_2": str(r["item_2"]), "q3_star": float(r["q3_star"])}
        for r in _records(fl)
    ]
    out.append(
        _v(
            "local_dependence",
            "warning" if pairs else "ok",
            {"pairs": pairs, "cut": rules.q3_star_cutoff, "mean": ld.mean_q3},
            f"Q3 no more than {rules.q3_star_cutoff:g} above the mean Q3",
            SOURCES["local_dependence"],
        )
    )
    # Andersen LR, median split
    out.append(_lr_verdict("lr_median", lr_med, rules, None, len(cal.item_ids)))
    if lr_grp is not None:
        out.append(_lr_verdict("lr_groups", lr_grp, rules, lr_grp.split, len(cal.item_ids)))
    # DIF
    if dif is not None:
        tab = dif.table
        c_items = sorted(
            set(tab.loc[tab["ets_class"] == "C", "item"].astype(str)), key=list(cal.item_ids).index
        )
        b_items = sorted(
            set(tab.loc[tab["ets_class"] == "B", "item"].astype(str)) - set(c_items),
            key=list(cal.item_ids).index,
        )
        worst = []
        for item in c_items + b_items:
            recs = _records(tab[tab["item"] == item])
            top = max(recs, key=lambda r: abs(float(r["contrast"])))
            worst.append(
                {
                    "item": item,
                    "group": str(top["group"]),
                    "contrast": float(top["contrast"]),
                    "class": str(top["ets_class"]),
                }
            )
        not_est = tab.loc[tab["ets_class"].isna(), "item"].astype(str).unique().tolist()
        dstatus: Status = "problem" if c_items else ("warning" if b_items else "ok")
        out.append(
            _v(
                "dif",
                dstatus,
                {
                    "name": dif.name,
                    "reference": dif.reference,
                    "c_items": c_items,
                    "b_items": b_items,
                    "details": worst,
                    "not_estimable": not_est,
                    "b": rules.dif_b,
                    "c": rules.dif_c,
                    "alpha": rules.alpha,
                },
                dif.rule,
                SOURCES["dif"],
            )
        )
    # targeting
    out.append(
        _v(
            "targeting",
            "warning" if tgt.problems else "ok",
            {
                "offset": tgt.offset,
                "person_mean": tgt.person_mean,
                "item_mean": tgt.item_mean,
                "floor": tgt.floor,
                "ceiling": tgt.ceiling,
                "cut": rules.targeting_offset,
                "share_cut": rules.floor_ceiling_share,
                "problems": list(tgt.problems),
            },
            tgt.rule,
            SOURCES["targeting"],
        )
    )
    out.append(
        _v(
            "precision",
            "info",
            {
                "from": info.precise_from,
                "to": info.precise_to,
                "share": info.share_in_range,
                "sem_cut": info.sem_cutoff,
                "reliability": rules.reliability_group,
            },
            info.rule,
            SOURCES["precision"],
        )
    )
    n_ok = int(np.sum(cal.persons["status"].to_numpy() == PersonStatus.OK.value))
    out.append(
        _v(
            "sample_size",
            "ok" if n_ok >= rules.min_persons else "warning",
            {"n": n_ok, "n_total": int(len(cal.persons)), "min": rules.min_persons},
            f"at least {rules.min_persons} persons with non-extreme scores for item "
            "calibrations stable to about +-0.5 logit",
            SOURCES["sample_size"],
        )
    )
    return out


def lr_effect_size(lr: AndersenLR) -> tuple[float, str]:
    """The largest difference between subgroups in an item's location (mean of its thresholds,
    each subgroup centred at mean 0), in logits, and the item: the size beside the LR p-value
    (on very large samples a negligible difference is significant)."""
    t = lr.thresholds
    if t.empty or not np.isfinite(lr.statistic):
        return float("nan"), ""
    loc = t.groupby(["item", "group"], sort=False)["threshold"].mean().unstack("group")
    spread = (loc.max(axis=1) - loc.min(axis=1)).dropna()
    if spread.empty:
        return float("nan"), ""
    item = str(spread.idxmax())
    return float(spread.max()), item


def _lr_verdict(
    topic: str, lr: AndersenLR, rules: Rules, name: str | None, n_items: int
) -> Verdict:
    effect, effect_item = lr_effect_size(lr)
    values: dict[str, Any] = {
        "effect": effect,
        "effect_item": effect_item,
        "effect_cut": rules.dif_b,
        "items_used": list(lr.items_used),
        "n_items": n_items,
        "lr": lr.statistic,
        "df": lr.df,
        "p": lr.p_value,
        "alpha": rules.alpha,
        "dropped": lr.dropped["item"].astype(str).tolist(),
        "note": lr.note,
        "name": name,
        "groups": lr.groups["group"].astype(str).tolist(),
    }
    partial = len(lr.items_used) < n_items
    if not np.isfinite(lr.statistic):
        status: Status = "info"
    elif lr.significant(rules):
        # a significant test with a negligible size (large samples) is a warning, not a problem
        status = "problem" if not np.isfinite(effect) or effect >= rules.dif_b else "warning"
    else:
        status = "warning" if partial else "ok"  # no green verdict on a partial test
    rule = (
        f"{lr.rule}; size: the largest difference in an item's location between the subgroups, "
        f"a problem from {rules.dif_b:g} logits (ETS B)"
    )
    return _v(topic, status, values, rule, SOURCES["andersen_lr"] + "; " + SOURCES["dif"])


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in df.to_dict("records")]
