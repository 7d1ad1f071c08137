"""measure: linear Rasch measures with standard errors from ordinal survey answers.

The public names are listed once, in ``_PUBLIC`` (name -> defining module); ``__all__`` and
``dir(measure)`` come from it. A name's module is imported on first use (PEP 562), so that
``import measure`` and the command line start quickly. The ``TYPE_CHECKING`` block below tells
type checkers the same names; ``tests/library/test_public_api.py`` checks that the two agree.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

from measure._version import __version__ as __version__

if _typing.TYPE_CHECKING:
    from measure._estimation.cml import SolverOptions as SolverOptions
    from measure.adaptive import AdaptiveEstimate as AdaptiveEstimate
    from measure.adaptive import AdaptiveSimulation as AdaptiveSimulation
    from measure.adaptive import AdaptiveTest as AdaptiveTest
    from measure.adaptive import oracle_lengths as oracle_lengths
    from measure.adaptive import simulate_adaptive as simulate_adaptive
    from measure.calibration import calibrate as calibrate
    from measure.comparison import Comparison as Comparison
    from measure.comparison import compare as compare
    from measure.comparison import decision_risk as decision_risk
    from measure.comparison import expected_raw_score as expected_raw_score
    from measure.comparison import group_change as group_change
    from measure.comparison import group_means as group_means
    from measure.comparison import individual_change as individual_change
    from measure.comparison import raw_score_threshold as raw_score_threshold
    from measure.comparison import share_change as share_change
    from measure.comparison import shares as shares
    from measure.counts import CountsCalibration as CountsCalibration
    from measure.counts import calibrate_counts as calibrate_counts
    from measure.counts import count_sql as count_sql
    from measure.exceptions import ConvergenceError as ConvergenceError
    from measure.exceptions import ConvergenceWarning as ConvergenceWarning
    from measure.exceptions import DataQualityWarning as DataQualityWarning
    from measure.exceptions import ExtremeScoreWarning as ExtremeScoreWarning
    from measure.exceptions import InstrumentError as InstrumentError
    from measure.exceptions import MeasureError as MeasureError
    from measure.exceptions import MeasureWarning as MeasureWarning
    from measure.exceptions import MissingDependencyError as MissingDependencyError
    from measure.exceptions import NullCategoryError as NullCategoryError
    from measure.exceptions import NullCategoryWarning as NullCategoryWarning
    from measure.exceptions import RecodeWarning as RecodeWarning
    from measure.exceptions import ReferenceScaleError as ReferenceScaleError
    from measure.exceptions import ResponseDataError as ResponseDataError
    from measure.instrument import Instrument as Instrument
    from measure.instrument import list_instruments as list_instruments
    from measure.instrument import load_instrument as load_instrument
    from measure.itembank import Domain as Domain
    from measure.linking import Link as Link
    from measure.linking import link as link
    from measure.linking import sample_dif as sample_dif
    from measure.models import category_probabilities as category_probabilities
    from measure.models import item_moments as item_moments
    from measure.reference import ReferenceScale as ReferenceScale
    from measure.reference import load_reference as load_reference
    from measure.reference import reference_from_thresholds as reference_from_thresholds
    from measure.reference import save_reference as save_reference
    from measure.responses import ResponseMatrix as ResponseMatrix
    from measure.responses import as_responses as as_responses
    from measure.results import Calibration as Calibration
    from measure.results import cronbach_alpha as cronbach_alpha
    from measure.results import reference_from_calibration as reference_from_calibration
    from measure.results import separation_reliability as separation_reliability
    from measure.scoring import Scoring as Scoring
    from measure.scoring import score as score
    from measure.shortform import ShortForm as ShortForm
    from measure.shortform import short_reference as short_reference
    from measure.shortform import shorten as shorten
    from measure.simulate import Simulation as Simulation
    from measure.simulate import simulate_responses as simulate_responses
    from measure.status import PersonStatus as PersonStatus
    from measure.summary import Summary as Summary

#: the public API: name -> the module that defines it
_PUBLIC: dict[str, str] = {
    # calibrate, score, compare, link
    "calibrate": "measure.calibration",
    "Calibration": "measure.results",
    "SolverOptions": "measure._estimation.cml",
    "calibrate_counts": "measure.counts",
    "CountsCalibration": "measure.counts",
    "count_sql": "measure.counts",
    "score": "measure.scoring",
    "Scoring": "measure.scoring",
    "compare": "measure.comparison",
    "Comparison": "measure.comparison",
    "decision_risk": "measure.comparison",
    "group_change": "measure.comparison",
    "group_means": "measure.comparison",
    "shorten": "measure.shortform",
    "ShortForm": "measure.shortform",
    "short_reference": "measure.shortform",
    "AdaptiveTest": "measure.adaptive",
    "AdaptiveEstimate": "measure.adaptive",
    "AdaptiveSimulation": "measure.adaptive",
    "simulate_adaptive": "measure.adaptive",
    "oracle_lengths": "measure.adaptive",
    "Domain": "measure.itembank",
    "expected_raw_score": "measure.comparison",
    "raw_score_threshold": "measure.comparison",
    "share_change": "measure.comparison",
    "shares": "measure.comparison",
    "individual_change": "measure.comparison",
    "link": "measure.linking",
    "Link": "measure.linking",
    "sample_dif": "measure.linking",
    # data, instruments, reference scales
    "as_responses": "measure.responses",
    "ResponseMatrix": "measure.responses",
    "Instrument": "measure.instrument",
    "list_instruments": "measure.instrument",
    "load_instrument": "measure.instrument",
    "ReferenceScale": "measure.reference",
    "load_reference": "measure.reference",
    "save_reference": "measure.reference",
    "reference_from_calibration": "measure.results",
    "reference_from_thresholds": "measure.reference",
    # results, models, simulation
    "PersonStatus": "measure.status",
    "Summary": "measure.summary",
    "cronbach_alpha": "measure.results",
    "separation_reliability": "measure.results",
    "category_probabilities": "measure.models",
    "item_moments": "measure.models",
    "simulate_responses": "measure.simulate",
    "Simulation": "measure.simulate",
    # errors and warnings
    "MeasureError": "measure.exceptions",
    "ResponseDataError": "measure.exceptions",
    "NullCategoryError": "measure.exceptions",
    "InstrumentError": "measure.exceptions",
    "ConvergenceError": "measure.exceptions",
    "ReferenceScaleError": "measure.exceptions",
    "MissingDependencyError": "measure.exceptions",
    "MeasureWarning": "measure.exceptions",
    "ConvergenceWarning": "measure.exceptions",
    "ExtremeScoreWarning": "measure.exceptions",
    "NullCategoryWarning": "measure.exceptions",
    "DataQualityWarning": "measure.exceptions",
    "RecodeWarning": "measure.exceptions",
}

__all__ = sorted(_PUBLIC)


if not _typing.TYPE_CHECKING:  # type checkers see the names above; unknown ones are errors

    def __getattr__(name: str) -> object:
        module = _PUBLIC.get(name)
        if module is not None:
            value = getattr(_importlib.import_module(module), name)
            globals()[name] = value  # later look-ups skip this function
            return value
        if not name.startswith("_"):
            try:  # a submodule used as an attribute, e.g. measure.diagnostics
                return _importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted([*__all__, "__version__"])
