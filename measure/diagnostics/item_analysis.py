"""The item analysis behind ``measure calibrate --diagnostics``: the tables, each verdict with its
rule and source.

:func:`item_analysis` gathers, for one calibration, the statistics that need no person
estimates (conditional item fit, item-restscore association, partial gamma for local
dependence; :mod:`measure.diagnostics.conditional`) beside the residual-based ones (Q3, residual
PCA, category functioning), and with ``bootstrap=B`` cut-offs simulated from the fitted model
(:mod:`measure.diagnostics.bootstrap`) instead of fixed rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from measure.diagnostics.bootstrap import SimulatedCutoffs, simulate_cutoffs
from measure.diagnostics.categories import category_table
from measure.diagnostics.conditional import (
    benjamini_hochberg,
    partial_gamma_ld,
    pattern_groups,
    restscore_association,
)
from measure.diagnostics.dependence import q3
from measure.diagnostics.dimensionality import residual_pca
from measure.diagnostics.rules import SOURCES, Rules
from measure.results import Calibration
from measure.schemas import CATEGORIES, DIMENSIONALITY, ITEMS, LOCAL_DEPENDENCE, RESTSCORE
from measure.summary import Summary, short_repr

__all__ = ["ItemAnalysis", "item_analysis"]

#: restscore and the simulation condition on every missing-data pattern: at most this many
MAX_PATTERNS = 1000


@dataclass(frozen=True, repr=False)
class ItemAnalysis:
    """Tables of :func:`item_analysis` (columns declared in :mod:`measure.schemas`).

    Attributes
    ----------
    items : the calibration's items table, with the simulated intervals and verdicts
        (``cond_outfit_lower`` ... ``cond_fit_verdict``) when bootstrapped.
    restscore, local_dependence, categories, dimensionality : the tables written as
        ``restscore.csv``, ``local_dependence.csv``, ``categories.csv``, ``dimensionality.csv``.
    cutoffs : the simulated statistics (None without ``bootstrap``).
    rules : {table: the rule applied, in words, with its source}.
    """

    items: pd.DataFrame
    restscore: pd.DataFrame
    local_dependence: pd.DataFrame
    categories: pd.DataFrame
    dimensionality: pd.DataFrame
    cutoffs: SimulatedCutoffs | None
    rules: dict[str, dict[str, str]]
    n_patterns: int

    def tables(self) -> dict[str, pd.DataFrame]:
        """{file name: table} of the files ``--diagnostics`` writes (items included)."""
        return {
            "items": self.items,
            "restscore": self.restscore,
            "local_dependence": self.local_dependence,
            "categories": self.categories,
            "dimensionality": self.dimensionality,
        }

    def summary(self) -> Summary:
        """Counts of flagged items and pairs, the rules and the simulation settings."""
        figures: dict[str, Any] = {
            "restscore_significant": [
                str(i)
                for i, p in zip(self.restscore["item"], self.restscore["p_adjusted"], strict=True)
                if p < 0.05
            ],
            "local_dependence_flagged_pairs": int(self.local_dependence["flagged"].sum()),
            "first_contrast_flagged": bool(self.dimensionality["flagged"].iloc[0])
            if len(self.dimensionality)
            else False,
            "missing_data_patterns": self.n_patterns,
            "conditioning": "raw score within each person's missing-data pattern"
            if self.n_patterns > 1
            else "raw score",
            "bootstrap": None
            if self.cutoffs is None
            else {
                "replicates": self.cutoffs.n_replicates,
                "seed": self.cutoffs.seed,
                "level": self.cutoffs.level,
                "q3_star_cutoff": self.cutoffs.q3_star_cutoff,
                "first_contrast_cutoff": self.cutoffs.contrast_cutoff,
                "items_reestimated": self.cutoffs.refit,
            },
            "rules": self.rules,
        }
        if "cond_fit_verdict" in self.items:
            verdict = self.items["cond_fit_verdict"]
            figures["conditional_fit_outside_simulated"] = [
                str(i) for i, v in zip(self.items["item"], verdict, strict=True) if v != "ok"
            ]
        return Summary("item analysis", figures)

    def __repr__(self) -> str:
        return short_repr(
            self,
            n_items=len(self.items),
            bootstrap=None if self.cutoffs is None else self.cutoffs.n_replicates,
        )


def _verdict(msq_out: np.ndarray, msq_in: np.ndarray, cut: SimulatedCutoffs) -> list[str]:
    o_lo, o_hi = cut.outfit_interval()
    i_lo, i_hi = cut.infit_interval()
    out = []
    for k in range(msq_out.size):
        if msq_out[k] > o_hi[k] or msq_in[k] > i_hi[k]:
            out.append("underfit")
        elif msq_out[k] < o_lo[k] or msq_in[k] < i_lo[k]:
            out.append("overfit")
        else:
            out.append("ok")
    return out


def item_analysis(
    cal: Calibration,
    *,
    bootstrap: int = 0,
    rng: np.random.Generator | int | None = None,
    rules: Rules | None = None,
    refit: bool = False,
) -> ItemAnalysis:
    """Restscore, local dependence, categories and dimensionality tables of a calibration.

    Parameters
    ----------
    cal : Calibration
    bootstrap : int
        Replicates for cut-offs simulated from the fitted model (0: the rules of thumb).
    rng : seed or Generator of the simulation (reproducible with an int).
    refit : re-estimate the items in every simulated data set (as iarm's ``boot_fit``; one CML
        fit per replicate) instead of keeping the calibration's.
    rules : the fixed rules (``Rules()`` by default).

    Notes
    -----
    * Local dependence: a pair (item1, item2) is flagged when Q3* exceeds its cut-off (the
      ``level`` percentile of the largest Q3* in the simulated data with ``bootstrap``, else
      ``rules.q3_star_cutoff``), or when the partial gamma given the total score minus item2 is
      at least 0.21 (the lower limit of "slight to moderate"; Christensen, Kreiner & Mesbah 2013)
      with a Benjamini-Hochberg adjusted p below ``rules.alpha`` over all ordered pairs.
    * Dimensionality: the first contrast is flagged above its cut-off (the simulated percentile
      with ``bootstrap``, else ``rules.contrast_eigenvalue``).
    * Items (with ``bootstrap``): ``cond_fit_verdict`` is ``underfit`` when the conditional
      outfit or infit lies above its simulated 95% interval, ``overfit`` below.

    Examples
    --------
    >>> import measure
    >>> from measure.diagnostics import item_analysis
    >>> sim = measure.simulate_responses(thresholds=[[t] for t in (-1.0, -0.3, 0.3, 1.0)],
    ...                                  n_persons=300, rng=3)
    >>> ia = item_analysis(measure.calibrate(sim.responses, model="rasch"))
    >>> ia.restscore.columns.tolist()[:3]
    ['item', 'gamma_observed', 'gamma_expected']
    """
    rules = rules or Rules()
    items = list(cal.item_ids)
    n_patterns = int(pattern_groups(cal.values)[0].shape[0])
    rs = restscore_association(
        cal.values, cal.threshold_matrix, cal.max_category, max_patterns=MAX_PATTERNS
    )
    restscore = RESTSCORE.frame(
        {
            "item": items,
            "gamma_observed": rs.gamma_observed,
            "gamma_expected": rs.gamma_expected,
            "se": rs.se,
            "z": rs.z,
            "p": rs.p,
            "p_adjusted": rs.p_adjusted,
        }
    )
    if bootstrap > 0 and n_patterns > MAX_PATTERNS:
        raise ValueError(
            f"--bootstrap: the data have {n_patterns} missing-data patterns (more than "
            f"{MAX_PATTERNS}); the simulation conditions on each pattern and would take too long"
        )
    cut = (
        simulate_cutoffs(cal, n_replicates=bootstrap, rng=rng, refit=refit)
        if bootstrap > 0
        else None
    )
    ld = q3(cal, rules=rules)
    pg = partial_gamma_ld(cal.values)
    pairs = [(i, j) for i in range(len(items)) for j in range(len(items)) if i != j]
    gam = np.array([pg[p].gamma for p in pairs])
    se = np.array([pg[p].se for p in pairs])
    pval = np.array([pg[p].p for p in pairs])
    padj = benjamini_hochberg(pval)
    q3m = ld.matrix.to_numpy(dtype=float)
    q3v = np.array([q3m[i, j] for i, j in pairs])
    q3s = q3v - ld.mean_q3
    q3_cut_star = rules.q3_star_cutoff if cut is None else cut.q3_star_cutoff
    q3_cut = ld.mean_q3 + q3_cut_star
    flagged = (np.nan_to_num(q3s, nan=-np.inf) > q3_cut_star) | (
        (np.nan_to_num(gam, nan=0.0) >= 0.21) & (np.nan_to_num(padj, nan=1.0) < rules.alpha)
    )
    local = LOCAL_DEPENDENCE.frame(
        {
            "item1": [items[i] for i, _ in pairs],
            "item2": [items[j] for _, j in pairs],
            "q3": q3v,
            "q3_star": q3s,
            "partial_gamma": gam,
            "partial_gamma_se": se,
            "partial_gamma_p": pval,
            "flagged": flagged.astype(bool),
        }
    )
    cats = CATEGORIES.order(category_table(cal, rules=rules))
    dim = residual_pca(cal, rules=rules)
    eig = dim.eigenvalues
    c_cut = rules.contrast_eigenvalue if cut is None else cut.contrast_cutoff
    cutoff_col = np.full(len(eig), np.nan)
    flag_col = np.zeros(len(eig), dtype=bool)
    if len(eig):
        cutoff_col[0] = c_cut
        flag_col[0] = bool(eig["eigenvalue"].iloc[0] > c_cut)
    dimensionality = DIMENSIONALITY.frame(
        {
            "component": eig["component"].to_numpy(dtype=np.int64),
            "eigenvalue": eig["eigenvalue"].to_numpy(dtype=float),
            "percent": eig["percent"].to_numpy(dtype=float),
            "cutoff": cutoff_col,
            "flagged": flag_col,
        }
    )
    item_tab = cal.items
    if cut is not None and "cond_outfit_msq" in item_tab:
        item_tab = item_tab.copy()
        o_lo, o_hi = cut.outfit_interval()
        i_lo, i_hi = cut.infit_interval()
        item_tab["cond_outfit_lower"] = o_lo
        item_tab["cond_outfit_upper"] = o_hi
        item_tab["cond_infit_lower"] = i_lo
        item_tab["cond_infit_upper"] = i_hi
        item_tab["cond_fit_verdict"] = _verdict(
            item_tab["cond_outfit_msq"].to_numpy(dtype=float),
            item_tab["cond_infit_msq"].to_numpy(dtype=float),
            cut,
        )
        item_tab = ITEMS.order(item_tab)
    simulated = (
        f"simulated from the fitted model ({cut.n_replicates} replicates, seed {cut.seed}; "
        "same persons' measures, missing-data pattern and N; items "
        + ("re-estimated in every replicate)" if cut.refit else "not re-estimated)")
        if cut is not None
        else ""
    )
    rule_text = {
        "conditional_fit": {
            "rule": (
                f"conditional mean square outside its {100 * cut.level:g}% interval {simulated}"
                if cut is not None
                else "|z| of the conditional mean square above 1.96 (p < 0.05); the size is the "
                "mean square itself"
            ),
            "source": SOURCES["conditional_fit"],
        },
        "restscore": {
            "rule": "observed gamma differs from the expected (Benjamini-Hochberg adjusted p < "
            f"{rules.alpha:g})"
            + (
                f"; not computed: {n_patterns} missing-data patterns (more than {MAX_PATTERNS})"
                if n_patterns > MAX_PATTERNS
                else ""
            ),
            "source": SOURCES["restscore"],
        },
        "local_dependence": {
            "rule": (
                f"Q3* above {q3_cut_star:.3f} ("
                + (simulated if cut is not None else "fixed rule of thumb")
                + f"; Q3 above {q3_cut:.3f}), or partial gamma >= 0.21 with Benjamini-Hochberg "
                f"adjusted p < {rules.alpha:g}"
            ),
            "source": SOURCES["local_dependence"] + "; " + SOURCES["partial_gamma"],
        },
        "dimensionality": {
            "rule": f"first contrast eigenvalue above {c_cut:.3f} ("
            + (simulated if cut is not None else "fixed rule of thumb")
            + ")",
            "source": SOURCES["dimensionality"]
            + ("; " + SOURCES["simulated_cutoffs"] if cut is not None else ""),
        },
        "categories": {
            "rule": (
                f"at least {rules.min_category_count} answers per category; average measures "
                "and thresholds advance; category outfit below "
                f"{rules.category_outfit_max:g}"
            ),
            "source": SOURCES["categories"],
        },
    }
    return ItemAnalysis(
        items=item_tab,
        restscore=restscore,
        local_dependence=local,
        categories=cats,
        dimensionality=dimensionality,
        cutoffs=cut,
        rules=rule_text,
        n_patterns=n_patterns,
    )
