"""The shared names and numbers of measure._types, and the reliability policy built on them."""

from __future__ import annotations

import math
from typing import get_args

import pytest

from measure import _types
from measure._estimation.items import Method
from measure.diagnostics.rules import Rules, reliability_use
from measure.instrument import MODELS as INSTRUMENT_MODELS
from measure.instrument import ModelName as InstrumentModelName
from measure.models import MODELS, ModelName
from measure.responses import InvalidPolicy


def test_old_import_locations_are_the_shared_names() -> None:
    assert ModelName is _types.ModelName
    assert InstrumentModelName is _types.ModelName
    assert Method is _types.Method
    assert InvalidPolicy is _types.InvalidPolicy
    assert MODELS == INSTRUMENT_MODELS == ("rasch", "rsm", "pcm")


@pytest.mark.parametrize(
    ("literal", "values"),
    [
        (_types.ModelName, _types.MODELS),
        (_types.Method, _types.METHODS),
        (_types.PersonEstimator, _types.PERSON_ESTIMATORS),
        (_types.NullPolicy, _types.NULL_POLICIES),
        (_types.InvalidPolicy, _types.INVALID_POLICIES),
        (_types.Lang, _types.LANGS),
    ],
)
def test_each_tuple_lists_its_literal(literal: object, values: tuple[str, ...]) -> None:
    assert get_args(literal) == values


def test_z95_is_the_normal_quantile() -> None:
    from scipy.stats import norm

    assert _types.Z95 == pytest.approx(float(norm.ppf(0.975)), abs=1e-15)


def test_rules_default_to_the_shared_cut_offs() -> None:
    assert Rules().reliability_group == _types.RELIABILITY_GROUP == 0.70
    assert Rules().reliability_individual == _types.RELIABILITY_INDIVIDUAL == 0.85


@pytest.mark.parametrize(
    ("reliability", "words"),
    [
        (0.9, "good enough for decisions about individuals (>= 0.85)"),
        (0.85, "good enough for decisions about individuals (>= 0.85)"),
        (0.7, "good enough for comparing groups (>= 0.70), not for individual decisions"),
        (0.69, "too low for group comparisons (< 0.70): add or improve items"),
        (None, "not available"),
        (math.nan, "not available"),
    ],
)
def test_reliability_use_names_what_the_reliability_allows(
    reliability: float | None, words: str
) -> None:
    assert words in reliability_use(reliability)


def test_reliability_use_follows_the_rules_and_speaks_swedish() -> None:
    rules = Rules(reliability_group=0.5, reliability_individual=0.95)
    assert "comparing groups (>= 0.50)" in reliability_use(0.9, rules)
    assert reliability_use(0.9, lang="sv").startswith("Reliabilitet 0,90: tillräcklig")
    with pytest.raises(ValueError, match="lang='de'"):
        reliability_use(0.9, lang="de")
