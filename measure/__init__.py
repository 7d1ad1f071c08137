"""measure: linear Rasch measures with standard errors from ordinal survey answers.

The public API is re-exported here. Submodules are imported on first use of a name (PEP 562),
so that ``import measure`` and the command line start quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# names that are also submodule names are bound eagerly: a lazy binding would be replaced by
# the submodule object as soon as the submodule is imported
from measure.calibration import calibrate
from measure.comparison import compare
from measure.exceptions import (
    ConvergenceError,
    ConvergenceWarning,
    DataQualityWarning,
    ExtremeScoreWarning,
    InstrumentError,
    MeasureError,
    MeasureWarning,
    MissingDependencyError,
    NullCategoryError,
    NullCategoryWarning,
    ReferenceScaleError,
    ResponseDataError,
)

if TYPE_CHECKING:
    from measure._estimation.cml import (
        SolverOptions,
    )
    from measure.calibration import (
        calibrate,
    )
    from measure.comparison import (
        Comparison,
        compare,
        decision_risk,
        group_change,
        group_means,
        individual_change,
    )
    from measure.counts import CountsCalibration, calibrate_counts, count_sql
    from measure.instrument import (
        Instrument,
        list_instruments,
        load_instrument,
    )
    from measure.linking import (
        Link,
        link,
        sample_dif,
    )
    from measure.models import (
        category_probabilities,
        item_moments,
    )
    from measure.reference import (
        ReferenceScale,
        load_reference,
        reference_from_thresholds,
        save_reference,
    )
    from measure.responses import (
        ResponseMatrix,
        as_responses,
    )
    from measure.results import (
        Calibration,
        PersonStatus,
        cronbach_alpha,
        reference_from_calibration,
        separation_reliability,
    )
    from measure.scoring import (
        Scoring,
        score,
    )
    from measure.simulate import (
        Simulation,
        simulate_responses,
    )

_LAZY: dict[str, str] = {
    "CountsCalibration": "measure.counts",
    "calibrate_counts": "measure.counts",
    "count_sql": "measure.counts",
    "Calibration": "measure.results",
    "Comparison": "measure.comparison",
    "Instrument": "measure.instrument",
    "Link": "measure.linking",
    "PersonStatus": "measure.results",
    "ReferenceScale": "measure.reference",
    "ResponseMatrix": "measure.responses",
    "Scoring": "measure.scoring",
    "Simulation": "measure.simulate",
    "SolverOptions": "measure._estimation.cml",
    "as_responses": "measure.responses",
    "category_probabilities": "measure.models",
    "cronbach_alpha": "measure.results",
    "decision_risk": "measure.comparison",
    "group_change": "measure.comparison",
    "group_means": "measure.comparison",
    "individual_change": "measure.comparison",
    "item_moments": "measure.models",
    "link": "measure.linking",
    "list_instruments": "measure.instrument",
    "load_instrument": "measure.instrument",
    "load_reference": "measure.reference",
    "reference_from_calibration": "measure.results",
    "reference_from_thresholds": "measure.reference",
    "sample_dif": "measure.linking",
    "save_reference": "measure.reference",
    "score": "measure.scoring",
    "separation_reliability": "measure.results",
    "simulate_responses": "measure.simulate",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        if name.startswith("_"):
            raise AttributeError(f"module 'measure' has no attribute {name!r}")
        try:  # a submodule, e.g. measure.models
            return importlib.import_module(f"measure.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"module 'measure' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

__all__ = [
    "__version__",
    "calibrate",
    "Calibration",
    "Comparison",
    "CountsCalibration",
    "calibrate_counts",
    "count_sql",
    "Instrument",
    "Link",
    "ReferenceScale",
    "Scoring",
    "compare",
    "decision_risk",
    "group_change",
    "group_means",
    "individual_change",
    "link",
    "list_instruments",
    "load_instrument",
    "load_reference",
    "reference_from_calibration",
    "reference_from_thresholds",
    "sample_dif",
    "save_reference",
    "score",
    "PersonStatus",
    "ResponseMatrix",
    "SolverOptions",
    "Simulation",
    "as_responses",
    "category_probabilities",
    "cronbach_alpha",
    "item_moments",
    "separation_reliability",
    "simulate_responses",
    "ConvergenceError",
    "ConvergenceWarning",
    "DataQualityWarning",
    "ExtremeScoreWarning",
    "InstrumentError",
    "MeasureError",
    "MeasureWarning",
    "MissingDependencyError",
    "NullCategoryError",
    "NullCategoryWarning",
    "ReferenceScaleError",
    "ResponseDataError",
]
