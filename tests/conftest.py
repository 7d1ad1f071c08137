"""Shared test configuration: hypothesis profiles and seeded fixtures.

Layout (one folder per kind of test):

* ``conformance/``: our numbers against the peers' (eRm, psychotools) kept in ``reference/``;
* ``properties/``: parameter recovery, invariances and metamorphic properties (hypothesis);
* ``library/``: the public API, one file per concept (scoring, compare, DIF, ...);
* ``io/``: reading survey exports, the input gate and instrument files;
* ``cli/``: the command line, with click's ``CliRunner``.

Tests marked ``slow`` (coverage over many replications) are deselected by default
(``pyproject.toml``); run them with ``pytest -m slow``. ``.ci/run`` runs them as a separate step.

Hypothesis profiles: ``default`` (derandomized: the same examples on every run, no deadline),
``thorough`` (10 x the examples, for a long run: ``pytest --hypothesis-profile thorough``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    parent=settings.get_profile("default"),
    derandomize=False,
    max_examples=1000,
)
settings.load_profile("default")


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator: every random test draws the same numbers on every run."""
    return np.random.default_rng(20261204)
