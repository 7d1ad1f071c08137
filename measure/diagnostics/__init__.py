"""Is this a measure? Diagnostics of a calibration, each verdict with its rule and source.

Every function takes a :class:`measure.Calibration` and returns tidy tables or a frozen result:

* :func:`item_fit_table` - infit/outfit with misfit flags
* :func:`category_table`, :func:`suggest_collapse`, :func:`collapse_categories`, :func:`recode`
* :func:`targeting`, :func:`information_curve`
* :func:`residual_pca` - first contrast, loadings, Smith's t-tests
* :func:`q3` - Yen's Q3 and Q3*
* :func:`dif_analysis`, :func:`dif_table`, :func:`mantel_haenszel` - DIF by a person covariate
* :func:`andersen_lr` - Andersen's likelihood-ratio test (median split or by group)
* :func:`conditional_fit`, :func:`restscore_association`, :func:`partial_gamma` - item analysis
  without person estimates (conditional infit/outfit, item-restscore, partial gamma; as iarm)
* :func:`simulate_cutoffs` - cut-offs simulated from the fitted model (parametric bootstrap)
* :func:`item_analysis` - the tables behind ``measure calibrate --diagnostics``
* :func:`assess` - all of the above and plain-language verdicts (:class:`Verdict`)

Rules are settable through :class:`Rules`.
"""

from __future__ import annotations

from measure.diagnostics.assess import Assessment, assess, item_fit_table
from measure.diagnostics.bootstrap import SimulatedCutoffs, simulate_cutoffs
from measure.diagnostics.categories import (
    CollapseSuggestion,
    category_table,
    collapse_categories,
    disordered_items,
    modal_categories,
    recode,
    suggest_collapse,
)
from measure.diagnostics.conditional import (
    ConditionalFit,
    RestScore,
    conditional_fit,
    partial_gamma,
    restscore_association,
)
from measure.diagnostics.dependence import LocalDependence, q3
from measure.diagnostics.dif import (
    DIF_CSV_COLUMNS,
    DIFResult,
    dif_analysis,
    dif_table,
    ets_class,
    mantel_haenszel,
)
from measure.diagnostics.dimensionality import Dimensionality, residual_pca
from measure.diagnostics.item_analysis import ItemAnalysis, item_analysis
from measure.diagnostics.lrtest import AndersenLR, andersen_lr, score_split
from measure.diagnostics.rules import SOURCES, Rules, Verdict
from measure.diagnostics.targeting import Information, Targeting, information_curve, targeting

__all__ = [
    "Assessment",
    "AndersenLR",
    "CollapseSuggestion",
    "ConditionalFit",
    "RestScore",
    "SimulatedCutoffs",
    "DIFResult",
    "DIF_CSV_COLUMNS",
    "Dimensionality",
    "Information",
    "ItemAnalysis",
    "LocalDependence",
    "Rules",
    "SOURCES",
    "Targeting",
    "Verdict",
    "andersen_lr",
    "assess",
    "category_table",
    "collapse_categories",
    "conditional_fit",
    "partial_gamma",
    "restscore_association",
    "simulate_cutoffs",
    "dif_analysis",
    "dif_table",
    "disordered_items",
    "ets_class",
    "information_curve",
    "item_analysis",
    "item_fit_table",
    "mantel_haenszel",
    "modal_categories",
    "q3",
    "recode",
    "residual_pca",
    "score_split",
    "suggest_collapse",
    "targeting",
]
