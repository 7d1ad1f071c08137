"""measure: linear Rasch measures with standard errors from ordinal survey answers."""

from __future__ import annotations

from measure._estimation.cml import SolverOptions
from measure.calibrate import calibrate
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
from measure.models import category_probabilities, item_moments
from measure.responses import ResponseMatrix, as_responses
from measure.results import Calibration, PersonStatus, cronbach_alpha, separation_reliability
from measure.simulate import Simulation, simulate_responses

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "calibrate",
    "Calibration",
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
