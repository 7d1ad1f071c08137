"""measure: linear Rasch measures with standard errors from ordinal survey answers."""

from __future__ import annotations

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

__version__ = "0.1.0"

__all__ = [
    "__version__",
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
