"""Pairwise conditional estimation: consistency, sandwich SEs, and the automatic choice."""

from __future__ import annotations

import numpy as np
import pytest

import measure
from measure.calibrate import AUTO_PAIRWISE_PATTERNS

THR = [
    [-1.2, 0.1, 1.0],
    [-0.5, 0.6],
    [-1.5, -0.4, 0.9],
    [0.2, 1.3, 1.8],
    [-0.9, 0.0, 0.4],
    [-2.0, 0.5],
]


def truth() -> np.ndarray:
    t = np.concatenate(THR)
    return t - np.mean([np.mean(x) for x in THR])


def test_pairwise_recovers_parameters_with_missing_data() -> None:
    sim = measure.simulate_responses(thresholds=THR, n_persons=6000, missing=0.25, rng=3)
    cal = measure.calibrate(sim.responses, method="pairwise")
    assert cal.method == "pairwise" and "requested" in cal.method_reason
    z = (cal.thresholds["threshold"].to_numpy() - truth()) / cal.thresholds["se"].to_numpy()
    assert np.max(np.abs(z)) < 4


def test_pairwise_close_to_cml_and_slightly_less_efficient() -> None:
    sim = measure.simulate_responses(thresholds=THR, n_persons=4000, missing=0.2, rng=8)
    a = measure.calibrate(sim.responses, method="cml")
    b = measure.calibrate(sim.responses, method="pairwise")
    diff = np.abs(a.thresholds["threshold"] - b.thresholds["threshold"]) / a.thresholds["se"]
    assert diff.max() < 1.0  # within one SE of the exact CML estimate
    ratio = b.thresholds["se"] / a.thresholds["se"]
    assert (ratio > 0.97).all() and (ratio < 1.3).all()


def test_auto_uses_cml_for_few_patterns_and_pairwise_for_many() -> None:
    few = measure.simulate_responses(thresholds=THR, n_persons=500, missing=0.0, rng=1)
    assert measure.calibrate(few.responses).method == "cml"
    thr = [[-1.0, 0.0, 1.0]] * 16
    many = measure.simulate_responses(thresholds=thr, n_persons=6000, missing=0.25, rng=2)
    cal = measure.calibrate(many.responses, model="rsm")
    assert cal.method == "pairwise"
    assert f"more than {AUTO_PAIRWISE_PATTERNS}" in cal.summary()["method_reason"]


@pytest.mark.slow
def test_pairwise_sandwich_coverage() -> None:
    hits = []
    for seed in range(60):
        sim = measure.simulate_responses(thresholds=THR, n_persons=800, missing=0.3, rng=seed)
        cal = measure.calibrate(sim.responses, method="pairwise")
        t = cal.thresholds
        hits.append(np.abs(t["threshold"].to_numpy() - truth()) <= 1.959964 * t["se"].to_numpy())
    assert 0.92 <= np.mean(hits) <= 0.98


def test_pairwise_with_every_threshold_anchored_estimates_nothing() -> None:
    sim = measure.simulate_responses(thresholds=THR, n_persons=500, missing=0.2, rng=4)
    cal = measure.calibrate(sim.responses, method="cml")
    again = measure.calibrate(sim.responses, anchors=cal.thresholds, method="pairwise")
    assert again.iterations == 0
    np.testing.assert_allclose(again.persons["measure"], cal.persons["measure"], atol=1e-9)
