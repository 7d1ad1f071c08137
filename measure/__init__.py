"""measure: linear Rasch measures with standard errors from ordinal survey answers."""

from __future__ import annotations

from measure._estimation.cml import SolverOptions
from measure.calibrate import calibrate
from measure.compare import (
    Comparison,
    compare,
    decision_risk,
    group_change,
    group_means,
    individual_change,
)
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
from measure.instrument import Instrument, list_instruments, load_instrument
from measure.linking import Link, link, sample_dif
from measure.models import category_probabilities, item_moments
from measure.reference import (
    ReferenceScale,
    load_reference,
    reference_from_calibration,
    reference_from_thresholds,
    save_reference,
)
from measure.responses import ResponseMatrix, as_responses
from measure.results import Calibration, PersonStatus, cronbach_alpha, separation_reliability
from measure.scoring import Scoring, score
from measure.simulate import Simulation, simulate_responses

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "calibrate",
    "Calibration",
    "Comparison",
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
