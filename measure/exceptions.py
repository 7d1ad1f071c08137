"""Exception and warning classes of ``measure``.

Every error subclasses both :class:`MeasureError` (catch everything from this package) and a
built-in (so generic handlers keep working), following scikit-learn's ``NotFittedError``.
"""

from __future__ import annotations

__all__ = [
    "MeasureError",
    "ResponseDataError",
    "InstrumentError",
    "ConvergenceError",
    "NullCategoryError",
    "ReferenceScaleError",
    "MissingDependencyError",
    "MeasureWarning",
    "ConvergenceWarning",
    "ExtremeScoreWarning",
    "NullCategoryWarning",
    "DataQualityWarning",
]


class MeasureError(Exception):
    """Root of every error raised by ``measure``."""


class ResponseDataError(MeasureError, ValueError):
    """The response data cannot be used as given (bad cells, duplicate ids, empty items...).

    The message names the row, the person id, the column, the value and the allowed values.
    ``problems`` holds the structured list of located problems (possibly truncated in the message).
    """

    def __init__(self, message: str, problems: list[dict[str, object]] | None = None) -> None:
        super().__init__(message)
        self.problems: list[dict[str, object]] = list(problems or [])


class NullCategoryError(ResponseDataError):
    """A response category of an item was never used, so its threshold is not estimable."""


class InstrumentError(MeasureError, ValueError):
    """An instrument definition is invalid; the message names the file and the key path."""


class ConvergenceError(MeasureError, RuntimeError):
    """The estimation did not converge; the message lists likely causes."""

    def __init__(self, message: str, *, iterations: int = 0, gradient_norm: float = float("nan")):
        super().__init__(message)
        self.iterations = iterations
        self.gradient_norm = gradient_norm


class ReferenceScaleError(MeasureError, ValueError):
    """A reference scale file is invalid, edited by hand, or does not fit the data."""


class MissingDependencyError(MeasureError, ImportError):
    """An optional dependency is needed; the message names the extra to install."""


class MeasureWarning(UserWarning):
    """Root of every warning issued by ``measure``."""


class ConvergenceWarning(MeasureWarning):
    """Convergence was reached only loosely."""


class ExtremeScoreWarning(MeasureWarning):
    """Persons with extreme scores were left out of an estimation step."""


class NullCategoryWarning(MeasureWarning):
    """Unused categories were collapsed into a neighbour."""


class DataQualityWarning(MeasureWarning):
    """Something in the data deserves attention but does not stop the analysis."""


class RecodeWarning(DataQualityWarning):
    """A recode or label synonym given for the answers matched no cell (a typing error?)."""
