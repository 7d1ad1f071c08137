"""Names and numbers shared by every layer: model and policy literals, Z95, reliability cut-offs.

The base layer: this module imports nothing from :mod:`measure`, so any module may import it.
Each literal comes with the tuple of its allowed values (for checks and for the CLI's choices),
derived from the literal so that the two cannot disagree.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = [
    "INVALID_POLICIES",
    "InvalidPolicy",
    "LANGS",
    "Lang",
    "METHODS",
    "MODELS",
    "Method",
    "ModelName",
    "NULL_POLICIES",
    "NullPolicy",
    "PERSON_ESTIMATORS",
    "PersonEstimator",
    "RELIABILITY_GROUP",
    "RELIABILITY_INDIVIDUAL",
    "Z95",
]

ModelName = Literal["rasch", "rsm", "pcm"]
"""Measurement models: dichotomous Rasch, rating scale, partial credit."""
MODELS: Final[tuple[str, ...]] = get_args(ModelName)

Method = Literal["auto", "cml", "pairwise"]
"""How item parameters are estimated (``auto`` picks pairwise for very many response patterns)."""
METHODS: Final[tuple[str, ...]] = get_args(Method)

PersonEstimator = Literal["wle", "mle"]
"""Person estimator: Warm's weighted likelihood or plain maximum likelihood."""
PERSON_ESTIMATORS: Final[tuple[str, ...]] = get_args(PersonEstimator)

NullPolicy = Literal["error", "collapse"]
"""What to do with a category nobody used: raise, or collapse it into its neighbour."""
NULL_POLICIES: Final[tuple[str, ...]] = get_args(NullPolicy)

InvalidPolicy = Literal["error", "missing"]
"""What to do with an answer outside an item's codes: raise, or treat it as missing."""
INVALID_POLICIES: Final[tuple[str, ...]] = get_args(InvalidPolicy)

Lang = Literal["en", "sv"]
"""Languages of verdicts, reports and plot labels: English and Swedish."""
LANGS: Final[tuple[str, ...]] = get_args(Lang)

Z95: Final = 1.959963984540054
"""Two-sided 95% normal quantile, ``scipy.stats.norm.ppf(0.975)``."""

RELIABILITY_GROUP: Final = 0.70
"""Person reliability needed to compare groups (Tennant & Conaghan 2007)."""
RELIABILITY_INDIVIDUAL: Final = 0.85
"""Person reliability needed for decisions about individuals (Tennant & Conaghan 2007)."""
