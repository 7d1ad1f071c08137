"""Pairwise conditional estimation: consistency, sandwich SEs, and the automatic choice."""

from __future__ import annotations

import numpy as np
import pytest

import measure
from measure.calibration import AUTO_PAIRWISE_PATTERNS

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


def _reference_evaluate(stats, delta):  # type: ignore[no-untyped-def]
    """The pairwise likelihood, gradient and information pair by pair and sum by sum: the
    direct definition that the vectorised ``pairwise._evaluate`` must reproduce."""
    from measure._estimation.cml import log_eps_from_thresholds

    max_cat = stats.max_cat
    m = int(max_cat.max())
    w = m + 1
    le = log_eps_from_thresholds(delta, max_cat)
    n_slots = max_cat.size * m
    grad = np.zeros(n_slots)
    info = np.zeros((n_slots, n_slots))
    ll = 0.0
    for p, (i, j) in enumerate(stats.pairs):
        n = stats.tables[p]
        a = le[i][:, None] + le[j][None, :]
        q = np.zeros_like(a)
        for s in range(2 * w - 1):
            xs = np.arange(max(0, s - w + 1), min(s, w - 1) + 1)
            vals = a[xs, s - xs]
            fin = np.isfinite(vals)
            if fin.any():
                e = np.where(fin, np.exp(vals - vals[fin].max()), 0.0)
                q[xs, s - xs] = e / e.sum()
        ll += float(sum(n[x, y] * np.log(q[x, y]) for x in range(w) for y in range(w) if n[x, y]))
        slots = np.concatenate([np.arange(i * m, (i + 1) * m), np.arange(j * m, (j + 1) * m)])
        for s in range(2 * w - 1):
            xs = np.arange(max(0, s - w + 1), min(s, w - 1) + 1)
            ys = s - xs
            tot = n[xs, ys].sum()
            if tot == 0:
                continue
            v = np.zeros((xs.size, 2 * m))
            for r, (xa, ya) in enumerate(zip(xs, ys, strict=True)):
                if xa > 0:
                    v[r, xa - 1] = 1.0
                if ya > 0:
                    v[r, m + ya - 1] = 1.0
            qs = q[xs, ys]
            mean = qs @ v
            grad[slots] += n[xs, ys] @ v - tot * mean
            info[np.ix_(slots, slots)] += tot * ((v.T * qs) @ v - np.outer(mean, mean))
    return ll, grad, info


@pytest.mark.parametrize("seed", [0, 1])
def test_vectorised_pairwise_equals_pair_by_pair_definition(seed: int) -> None:
    from measure._estimation import pairwise

    rng = np.random.default_rng(seed)
    thr = [sorted(rng.normal(0, 1, size=k).tolist()) for k in (1, 3, 2, 3, 4)]  # unequal tops
    sim = measure.simulate_responses(thresholds=thr, n_persons=800, missing=0.3, rng=rng)
    x = sim.responses.to_numpy(dtype=float)
    values = np.where(np.isnan(x), -1, x).astype(np.int16)
    max_cat = values.max(axis=0).astype(np.int64)
    stats = pairwise.pair_counts(values, max_cat)
    delta = rng.normal(0, 0.5, size=int(max_cat.sum()))
    ll, grad, info = pairwise._evaluate(stats, delta, hessian=True)
    want_ll, want_grad, want_info = _reference_evaluate(stats, delta)
    assert ll == pytest.approx(want_ll, rel=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(info, want_info, rtol=1e-10, atol=1e-9)
