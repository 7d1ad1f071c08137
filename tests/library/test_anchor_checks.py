"""Do anchors hold: the batched ESF engine, exact displacements and Rao's score test.

* ``esf.batch_terms`` (every missing-data pattern at once) against brute-force enumeration of
  the response vectors of each pattern: log-likelihood, expected counts, information and the
  conditional category probabilities, to 1e-9;
* ``pipeline.displacements`` (from the conditional probabilities at the anchors) against its
  definition: a one-parameter conditional ML refit per item with ``cml.fit`` (the reference
  implementation is written here), to 1e-6, with the same reason codes;
* ``pipeline.score_test``: plausible size under the model, power against a 1-logit shift.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import measure
from measure._estimation import cml, esf
from measure._estimation.chi2 import chi2_sf
from measure._estimation.design import build_design, offsets
from measure.exceptions import ConvergenceError
from measure.pipeline import (
    DISPLACEMENT_NO_INFORMATION,
    DISPLACEMENT_NOT_FINITE,
    DISPLACEMENT_OK,
    displacements,
    score_test,
)
from measure.reference import reference_from_thresholds
from measure.scoring import score

# ----------------------------------------------------------------------------- helpers


def matrix(thresholds: list[list[float]], n: int, missing: float, seed: int) -> np.ndarray:
    sim = measure.simulate_responses(thresholds=thresholds, n_persons=n, missing=missing, rng=seed)
    return sim.responses.fillna(-1).to_numpy().astype(np.int16)


def flat(thresholds: list[list[float]]) -> np.ndarray:
    return np.concatenate([np.asarray(t, dtype=float) for t in thresholds])


def brute_force(
    log_eps: np.ndarray, max_cat: np.ndarray, items: np.ndarray, counts: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray, dict[int, np.ndarray]]:
    """-sum n_r log gamma_r, expected counts, information (beta slots) and P(X_i = x | r) of one
    pattern, by enumerating every response vector (small patterns only)."""
    n_items, width = log_eps.shape
    mcat = width - 1
    vectors = np.array(list(itertools.product(*[range(int(max_cat[i]) + 1) for i in items])))
    weight = np.exp(sum(log_eps[i, vectors[:, k]] for k, i in enumerate(items)))
    raw = vectors.sum(axis=1)
    total = 0.0
    expected = np.zeros((n_items, width))
    info = np.zeros((n_items * mcat, n_items * mcat))
    probs: dict[int, np.ndarray] = {}
    for r in np.flatnonzero(counts):
        sel = raw == r
        gamma = weight[sel].sum()
        total -= counts[r] * np.log(gamma)
        w = weight[sel] / gamma
        ind = np.zeros((int(sel.sum()), n_items * mcat))  # indicators 1{X_i = x}, x >= 1
        for k, i in enumerate(items):
            for x in range(1, int(max_cat[i]) + 1):
                ind[:, i * mcat + x - 1] = vectors[sel, k] == x
        mean = w @ ind
        info += counts[r] * ((ind * w[:, None]).T @ ind - np.outer(mean, mean))
        pr = np.zeros((n_items, width))
        for k, i in enumerate(items):
            for x in range(int(max_cat[i]) + 1):
                pr[i, x] = w[vectors[sel, k] == x].sum()
        expected[items] += counts[r] * pr[items]
        probs[int(r)] = pr
    return total, expected, info, probs


def refit_displacements(
    stats: cml.SufficientStats, delta: np.ndarray, max_cat: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The definition: per item, free one common shift of its thresholds (a one-column design),
    every other threshold fixed, and maximise the conditional likelihood with ``cml.fit``."""
    n_items = max_cat.size
    offs = offsets(max_cat)
    disp = np.full(n_items, np.nan)
    se = np.full(n_items, np.nan)
    codes = np.zeros(n_items, dtype=np.int8)
    informative = stats.category_counts.sum(axis=1)
    for j in range(n_items):
        if informative[j] == 0:
            codes[j] = DISPLACEMENT_NO_INFORMATION
            continue
        design = np.zeros((delta.size, 1))
        design[offs[j] : offs[j] + int(max_cat[j]), 0] = 1.0
        try:
            res = cml.fit(stats, design, delta, options=cml.SolverOptions(max_iter=60))
        except ConvergenceError:
            codes[j] = DISPLACEMENT_NOT_FINITE
            continue
        disp[j] = res.delta[offs[j]] - delta[offs[j]]
        se[j] = np.sqrt(res.cov_delta[offs[j], offs[j]])
    return disp, se, codes


# ----------------------------------------------------------------------------- the ESF engine


def test_batch_terms_equal_enumeration_pattern_by_pattern() -> None:
    thr = [[-1.0, 0.2, 1.1], [-0.4, 0.9], [0.5], [-1.5, -0.2, 0.6], [0.1, 0.8]]
    max_cat = np.array([len(t) for t in thr])
    x = matrix(thr, 300, 0.25, seed=3)
    stats, _ = cml.count(x, max_cat)
    assert len(stats.patterns) > 15
    rng = np.random.default_rng(4)
    log_eps = cml.log_eps_from_thresholds(flat(thr) + rng.normal(0, 0.4, max_cat.sum()), max_cat)
    items = [pat.items for pat in stats.patterns]
    counts = [pat.score_counts for pat in stats.patterns]
    got = esf.batch_terms(log_eps, max_cat, items, counts, hessian=True, keys=True)
    assert got.expected is not None and got.information is not None and got.keys is not None
    total = 0.0
    expected = np.zeros_like(got.expected)
    info = np.zeros_like(got.information)
    for g, pat in enumerate(stats.patterns):
        t, e, h, probs = brute_force(log_eps, max_cat, pat.items, pat.score_counts)
        total += t
        expected += e
        info += h
        for r, pr in probs.items():
            k = np.flatnonzero((got.keys.pattern == g) & (got.keys.score == r))
            assert k.size == 1
            assert got.keys.count[k[0]] == pat.score_counts[r]
            present = np.zeros(max_cat.size, dtype=bool)
            present[pat.items] = True
            np.testing.assert_allclose(got.keys.prob[k[0]][present], pr[present], rtol=1e-9)
            np.testing.assert_array_equal(got.keys.prob[k[0]][~present, 0], 1.0)
    assert got.minus_sum_log_gamma == pytest.approx(total, rel=1e-12)
    np.testing.assert_allclose(got.expected, expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got.information, info, rtol=1e-9, atol=1e-9)


def test_batch_terms_over_chunks_equal_one_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    thr = [[-1.0, 0.0, 1.0]] * 5 + [[0.5]] * 3
    max_cat = np.array([len(t) for t in thr])
    stats, _ = cml.count(matrix(thr, 500, 0.3, seed=8), max_cat)
    log_eps = cml.log_eps_from_thresholds(flat(thr), max_cat)
    items = [pat.items for pat in stats.patterns]
    counts = [pat.score_counts for pat in stats.patterns]
    whole = esf.batch_terms(log_eps, max_cat, items, counts, hessian=True, keys=True)
    monkeypatch.setattr(esf, "PATTERN_CHUNK", 7)
    parts = esf.batch_terms(log_eps, max_cat, items, counts, hessian=True, keys=True)
    assert parts.minus_sum_log_gamma == pytest.approx(whole.minus_sum_log_gamma, rel=1e-13)
    assert parts.information is not None and whole.information is not None
    np.testing.assert_allclose(parts.information, whole.information, rtol=1e-12, atol=1e-10)
    assert parts.keys is not None and whole.keys is not None
    np.testing.assert_array_equal(parts.keys.pattern, whole.keys.pattern)
    np.testing.assert_allclose(parts.keys.prob, whole.keys.prob, rtol=1e-12, atol=1e-15)


def test_conditional_probabilities_of_one_pattern_and_far_scores() -> None:
    """Scores far apart need several tilts (bands); the probabilities still sum to one and equal
    enumeration."""
    thr = np.sort(np.random.default_rng(1).normal(0, 3.0, size=(6, 3)), axis=1)
    max_cat = np.full(6, 3)
    log_eps = cml.log_eps_from_thresholds(thr.reshape(-1), max_cat)
    scores = np.array([1, 2, 9, 16, 17])
    got = esf.conditional_probabilities(log_eps, max_cat, scores)
    counts = np.zeros(19)
    counts[scores] = 1.0
    _, _, _, probs = brute_force(log_eps, max_cat, np.arange(6), counts)
    for k, r in enumerate(scores):
        np.testing.assert_allclose(got[k], probs[int(r)], rtol=1e-9, atol=1e-300)
        np.testing.assert_allclose(got[k].sum(axis=1), 1.0, rtol=1e-12)


# ----------------------------------------------------------------------------- displacements


@pytest.mark.parametrize(
    ("model", "thr"),
    [
        ("pcm", [[-1.0, 0.0, 1.2], [-0.5, 0.7], [0.3, 1.0, 1.8], [-1.6, -0.4], [0.0, 0.5, 0.9]]),
        ("rsm", [[loc - 0.8, loc, loc + 0.8] for loc in (-1.0, -0.3, 0.2, 0.6, 1.1)]),
        ("rasch", [[d] for d in (-1.5, -0.8, -0.2, 0.3, 0.9, 1.4)]),
    ],
)
def test_displacements_equal_the_one_parameter_refit(model: str, thr: list[list[float]]) -> None:
    max_cat = np.array([len(t) for t in thr])
    moved = [list(np.asarray(t) + (0.6 if i == 1 else 0.0)) for i, t in enumerate(thr)]
    x = matrix(moved, 400, 0.2, seed=11)
    stats, _ = cml.count(x, max_cat)
    assert len(stats.patterns) > 10
    delta = flat(thr)
    disp, se, codes = displacements(stats, delta, max_cat)
    want_disp, want_se, want_codes = refit_displacements(stats, delta, max_cat)
    np.testing.assert_array_equal(codes, want_codes)
    assert (codes == DISPLACEMENT_OK).all()
    np.testing.assert_allclose(disp, want_disp, atol=1e-6)
    np.testing.assert_allclose(se, want_se, rtol=1e-6)
    assert disp[1] > 0.3  # the moved item


def test_displacement_reason_codes_as_the_refit() -> None:
    """An item nobody informative answered, and an item answered only in its top category."""
    thr = [[-1.0, 0.0, 1.0], [-0.5, 0.5, 1.5], [0.0, 1.0], [-1.0, 1.0], [0.2]]
    max_cat = np.array([len(t) for t in thr])
    x = matrix(thr, 200, 0.1, seed=5)
    x[:, 3] = np.where(x[:, 3] >= 0, 2, -1)  # every answer in the top category
    x[:, 4] = -1
    x[:3, 4] = 1  # three persons answer item 5, each with the maximum score...
    x[:3, :4] = [3, 3, 2, 2]
    stats, _ = cml.count(x, max_cat)
    delta = flat(thr)
    disp, se, codes = displacements(stats, delta, max_cat)
    want_disp, want_se, want_codes = refit_displacements(stats, delta, max_cat)
    np.testing.assert_array_equal(codes, want_codes)
    assert codes[3] == DISPLACEMENT_NOT_FINITE and codes[4] == DISPLACEMENT_NO_INFORMATION
    assert np.isnan(disp[[3, 4]]).all() and np.isnan(se[[3, 4]]).all()
    ok = codes == DISPLACEMENT_OK
    np.testing.assert_allclose(disp[ok], want_disp[ok], atol=1e-6)


# ----------------------------------------------------------------------------- score test


THR = [[-1.2, -0.1, 0.9], [-0.6, 0.4, 1.3], [-1.5, -0.5, 0.6], [0.0, 0.8, 1.6], [-0.9, 0.2, 0.7]]


def fixed_reference(thr: list[list[float]]) -> measure.ReferenceScale:
    return reference_from_thresholds({f"item{i + 1}": t for i, t in enumerate(thr)}, model="pcm")


def test_score_test_equals_gradient_and_information_of_the_free_model() -> None:
    max_cat = np.array([len(t) for t in THR])
    stats, _ = cml.count(matrix(THR, 300, 0.2, seed=2), max_cat)
    delta = flat(THR) + 0.7  # a common shift is invisible to conditional ML
    items = [f"item{i + 1}" for i in range(5)]
    test = score_test(stats, delta, max_cat, items, "pcm")
    design = build_design("pcm", max_cat, {}, items)[0]
    ev = cml.evaluate(stats, flat(THR), cml.beta_to_delta_map(max_cat), design, hessian=True)
    assert ev.info is not None
    assert test.df == design.shape[1] == 14
    assert test.chi2 == pytest.approx(ev.grad @ np.linalg.solve(ev.info, ev.grad), rel=1e-9)
    assert test.loglik == pytest.approx(ev.loglik, rel=1e-12)


def test_score_test_size_under_the_model_and_power_against_a_shift() -> None:
    """Scored on its own generating (fixed, exact) parameters: p-values spread like a uniform,
    about 5% below 0.05; one item 1 logit harder: rejected."""
    ref = fixed_reference(THR)
    stats = []
    for seed in range(40):
        sim = measure.simulate_responses(thresholds=THR, n_persons=300, missing=0.1, rng=seed)
        stats.append(score(sim.responses, ref).global_fit)
    p = np.array([s["p_value"] for s in stats])
    chi2 = np.array([s["chi2"] for s in stats])
    assert all(s["df"] == 14 and s["n_reference"] is None for s in stats)
    assert (p < 0.05).sum() <= 6  # binomial(40, 0.05): P(>= 7) = 0.004
    assert abs(chi2.mean() - 14) < 4 * np.sqrt(2 * 14 / 40)
    moved = [list(np.asarray(t) + (1.0 if i == 2 else 0.0)) for i, t in enumerate(THR)]
    sim = measure.simulate_responses(thresholds=moved, n_persons=300, missing=0.1, rng=99)
    fit = score(sim.responses, ref, drift_policy="keep").global_fit  # the shift kept
    assert fit["p_value"] < 1e-6


@pytest.mark.parametrize("model", ["rasch", "rsm"])
def test_score_test_degrees_of_freedom(model: str) -> None:
    if model == "rasch":
        thr = [[d] for d in (-1.0, -0.3, 0.4, 1.0)]
    else:
        thr = [[loc - 0.7, loc + 0.7] for loc in (-1.0, -0.3, 0.4, 1.0)]
    ref = reference_from_thresholds({f"item{i + 1}": t for i, t in enumerate(thr)}, model=model)
    sim = measure.simulate_responses(thresholds=thr, n_persons=400, missing=0.1, rng=7)
    fit = score(sim.responses, ref).global_fit
    assert fit["df"] == (3 if model == "rasch" else 4)
    assert np.isfinite(fit["chi2"]) and 0 <= fit["p_value"] <= 1
    assert np.isfinite(fit["anchored_loglik"])


def test_anchored_loglik_only_when_the_global_fit_is_asked_for() -> None:
    ref = fixed_reference(THR)
    sim = measure.simulate_responses(thresholds=THR, n_persons=100, rng=3)
    skipped = score(sim.responses, ref, check_drift=False)
    assert np.isnan(skipped.global_fit["anchored_loglik"])
    assert np.isnan(skipped.calibration.loglik)
    full = score(sim.responses, ref)
    anchors = pd.DataFrame(
        [(f"item{i + 1}", k + 1, v) for i, t in enumerate(THR) for k, v in enumerate(t)],
        columns=["item", "category", "threshold"],
    )
    want = measure.calibrate(sim.responses, anchors=anchors).loglik
    assert full.global_fit["anchored_loglik"] == pytest.approx(want, rel=1e-12)


def test_chi2_survival_function_equals_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for df in (1, 2, 3, 14, 29, 79, 80):
        for x in (1e-3, 0.5, 3.0, 14.0, 60.0, 150.0, 900.0):
            assert chi2_sf(x, df) == pytest.approx(float(stats.chi2.sf(x, df)), rel=1e-10)
    assert chi2_sf(0.0, 3) == 1.0
    with pytest.raises(ValueError, match="whole number"):
        chi2_sf(1.0, 0)


def test_all_patterns_at_once_equal_one_pattern_at_a_time_on_the_conformance_data() -> None:
    """The conformance datasets (eRm, psychotools): one batched evaluation equals the sum of
    the patterns evaluated one by one, to 1e-9 relative (log-likelihood, gradient, information)."""
    from pathlib import Path

    data_dir = Path(__file__).parents[1] / "reference" / "erm" / "data"
    files = sorted(data_dir.glob("*.csv"))
    assert len(files) >= 10
    for path in files:
        x = pd.read_csv(path).fillna(-1).to_numpy().astype(np.int16)
        max_cat = x.max(axis=0).astype(np.int64)
        if (max_cat < 1).any():
            continue
        stats, _ = cml.count(x, max_cat)
        n_par = int(max_cat.sum())
        delta = np.random.default_rng(1).normal(0, 0.7, n_par)
        a_map = cml.beta_to_delta_map(max_cat)
        design = np.eye(n_par)
        whole = cml.evaluate(stats, delta, a_map, design, hessian=True)
        log_eps = cml.log_eps_from_thresholds(delta, max_cat)
        loglik = float(np.sum(np.where(np.isfinite(log_eps), log_eps, 0.0) * stats.category_counts))
        grad = (a_map @ design).T @ stats.category_counts[:, 1:].reshape(-1)
        info = np.zeros((n_par, n_par))
        for pat in stats.patterns:
            one = cml.SufficientStats(max_cat, (pat,), np.zeros_like(stats.category_counts), 0)
            ev = cml.evaluate(one, delta, a_map, design, hessian=True)
            assert ev.info is not None and whole.info is not None
            loglik += ev.loglik
            grad += ev.grad
            info += ev.info
        assert whole.loglik == pytest.approx(loglik, rel=1e-9), path.name
        np.testing.assert_allclose(whole.grad, grad, rtol=1e-9, atol=1e-9 * np.abs(grad).max())
        assert whole.info is not None
        np.testing.assert_allclose(whole.info, info, rtol=1e-9, atol=1e-12 * np.abs(info).max())


def test_after_setting_the_shifted_item_aside_the_rest_fit() -> None:
    """The default scoring sets the shifted item aside; the anchored model of the rest fits."""
    ref = fixed_reference(THR)
    moved = [list(np.asarray(t) + (1.0 if i == 2 else 0.0)) for i, t in enumerate(THR)]
    sim = measure.simulate_responses(thresholds=moved, n_persons=300, missing=0.1, rng=99)
    result = score(sim.responses, ref)
    assert result.items_set_aside == ("item3",)
    assert result.global_fit["p_value"] > 0.01
