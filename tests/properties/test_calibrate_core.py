"""Core calibration: cross-checks, parameter recovery, metamorphic properties, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import measure
from measure._estimation import cml, esf

PCM_THRESHOLDS = [
    [-1.5, -0.2, 1.0],
    [-0.8, 0.4, 1.6],
    [-1.0, 0.0],
    [0.3, 1.1, 2.0],
    [-2.0, -0.5, 0.5],
]


def centred(cal: measure.Calibration) -> np.ndarray:
    loc = cal.items["location"].to_numpy()
    return loc - loc.mean()


# ----------------------------------------------------------------------------- girth


def test_dichotomous_cml_agrees_with_girth() -> None:
    """girth 0.8.0's rasch_conditional is an independent CML implementation (no SEs, no NA)."""
    girth = pytest.importorskip("girth")
    sim = measure.simulate_responses(
        thresholds=[[d] for d in np.linspace(-2, 2, 8)], n_persons=800, rng=11
    )
    cal = measure.calibrate(sim.responses, model="rasch")
    theirs = np.asarray(
        girth.rasch_conditional(sim.responses.to_numpy().T.astype(int))["Difficulty"]
    )
    np.testing.assert_allclose(centred(cal), theirs - np.mean(theirs), atol=2e-3)


# ----------------------------------------------------------------------------- ESF numerics


def test_esf_hundred_items_ten_categories_does_not_overflow() -> None:
    rng = np.random.default_rng(3)
    thr = np.sort(rng.normal(0, 2.5, size=(100, 9)), axis=1)
    le = measure.models.log_eps(thr)
    max_cat = np.full(100, 9)
    counts = np.zeros(901)
    counts[[1, 5, 450, 899]] = [1, 2, 3, 1]
    terms = esf.pattern_terms(le, max_cat, counts, hessian=False)
    assert np.isfinite(terms.minus_sum_log_gamma)
    assert np.all(np.isfinite(terms.expected))
    # expected counts per item sum to the number of persons
    np.testing.assert_allclose(terms.expected.sum(axis=1), counts.sum())


def test_gradient_and_information_match_finite_differences() -> None:
    sim = measure.simulate_responses(thresholds=PCM_THRESHOLDS, n_persons=200, missing=0.2, rng=5)
    x = sim.responses.fillna(-1).to_numpy().astype(int)
    max_cat = np.array([3, 3, 2, 3, 3])
    stats, _ = cml.count(x, max_cat)
    p = int(max_cat.sum())
    design = np.eye(p)
    delta = np.random.default_rng(1).normal(0, 0.5, p)
    a = cml.beta_to_delta_map(max_cat)
    ev = cml.evaluate(stats, delta, a, design, hessian=True)
    h = 1e-5
    num_grad = np.zeros(p)
    num_info = np.zeros((p, p))
    for k in range(p):
        e = np.zeros(p)
        e[k] = h
        up = cml.evaluate(stats, delta + e, a, design, hessian=False)
        dn = cml.evaluate(stats, delta - e, a, design, hessian=False)
        num_grad[k] = (up.loglik - dn.loglik) / (2 * h)
        num_info[:, k] = -(up.grad - dn.grad) / (2 * h)
    np.testing.assert_allclose(ev.grad, num_grad, atol=1e-5)
    assert ev.info is not None
    np.testing.assert_allclose(ev.info, num_info, atol=1e-4)


# ----------------------------------------------------------------------------- recovery


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[str, list[list[float]], int, float, int]:
    model = draw(st.sampled_from(["rasch", "rsm", "pcm"]))
    n_items = draw(st.integers(4, 8))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    if model == "rasch":
        thr = [[float(d)] for d in rng.uniform(-2, 2, n_items)]
    elif model == "rsm":
        m = draw(st.integers(2, 4))
        tau = np.sort(rng.uniform(-1.5, 1.5, m))
        tau -= tau.mean()
        thr = [list(loc + tau) for loc in rng.uniform(-1, 1, n_items)]
    else:
        thr = [list(np.sort(rng.uniform(-2, 2, draw(st.integers(1, 4))))) for _ in range(n_items)]
    n = draw(st.sampled_from([400, 1000]))
    missing = draw(st.sampled_from([0.0, 0.2]))
    return model, thr, n, missing, seed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_parameter_recovery(case: tuple[str, list[list[float]], int, float, int]) -> None:
    model, thr, n, missing, seed = case
    sim = measure.simulate_responses(thresholds=thr, n_persons=n, missing=missing, rng=seed)
    max_cat = {f"item{i + 1}": len(t) for i, t in enumerate(thr)}
    try:
        cal = measure.calibrate(sim.responses, model=model, max_category=max_cat)
    except measure.NullCategoryError:
        return  # a sparse category in a small sample: the documented error, not a wrong answer
    truth = np.concatenate(thr)
    truth = truth - np.mean([np.mean(t) for t in thr])  # same identification: mean location 0
    est = cal.thresholds["threshold"].to_numpy()
    se = cal.thresholds["se"].to_numpy()
    z = (est - truth) / se
    assert np.max(np.abs(z)) < 4.5, f"max |z| = {np.max(np.abs(z)):.2f}"
    p = cal.persons
    answered = p["status"] != "no_answers"
    assert np.all(np.isfinite(p.loc[answered, "measure"]))
    assert p.loc[~answered, "measure"].isna().all()


def test_rmse_falls_with_n() -> None:
    thr = PCM_THRESHOLDS
    truth = np.concatenate(thr) - np.mean([np.mean(t) for t in thr])
    rmse = []
    for n in (300, 3000):
        errs = []
        for seed in range(3):
            sim = measure.simulate_responses(thresholds=thr, n_persons=n, rng=seed)
            cal = measure.calibrate(sim.responses, model="pcm")
            errs.append(np.mean((cal.thresholds["threshold"].to_numpy() - truth) ** 2))
        rmse.append(np.sqrt(np.mean(errs)))
    assert rmse[1] < rmse[0] / 2


@pytest.mark.slow
def test_interval_coverage() -> None:
    thr = PCM_THRESHOLDS
    truth = np.concatenate(thr) - np.mean([np.mean(t) for t in thr])
    hits = []
    for seed in range(200):
        sim = measure.simulate_responses(thresholds=thr, n_persons=500, missing=0.2, rng=seed)
        cal = measure.calibrate(sim.responses, model="pcm")
        t = cal.thresholds
        hits.append(np.abs(t["threshold"].to_numpy() - truth) <= 1.959964 * t["se"].to_numpy())
    coverage = np.mean(hits)
    assert 0.93 <= coverage <= 0.97, coverage


def test_person_interval_coverage() -> None:
    """95% person intervals (WLE +- 1.96 SE) cover the true theta about 95% of the time."""
    thr = [[-1.0, 0.0, 1.0]] * 12
    sim = measure.simulate_responses(thresholds=thr, n_persons=4000, rng=7)
    cal = measure.calibrate(sim.responses, model="rsm")
    p = cal.persons
    inside = (p["ci_lower"] <= sim.theta) & (sim.theta <= p["ci_upper"])
    assert 0.93 <= inside.mean() <= 0.97


# ----------------------------------------------------------------------------- metamorphic


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    return measure.simulate_responses(
        thresholds=PCM_THRESHOLDS, n_persons=300, missing=0.1, rng=2
    ).responses


def test_permuting_items_and_persons_changes_nothing(base: pd.DataFrame) -> None:
    a = measure.calibrate(base)
    perm = np.random.default_rng(0).permutation(len(base))
    cols = list(reversed(base.columns))
    b = measure.calibrate(base.iloc[perm][cols].reset_index(drop=True))
    ia = a.items.set_index("item")
    ib = b.items.set_index("item").loc[ia.index]
    np.testing.assert_allclose(ia["location"], ib["location"], atol=1e-8)
    np.testing.assert_allclose(ia["se"], ib["se"], rtol=1e-7)
    np.testing.assert_allclose(
        a.persons["measure"].to_numpy()[perm], b.persons["measure"], atol=1e-7
    )


def test_all_missing_respondent_changes_nothing(base: pd.DataFrame) -> None:
    a = measure.calibrate(base)
    extra = pd.concat([base, pd.DataFrame([[np.nan] * base.shape[1]], columns=base.columns)])
    b = measure.calibrate(extra.reset_index(drop=True))
    np.testing.assert_allclose(a.items["location"], b.items["location"], atol=1e-10)
    last = b.persons.iloc[-1]
    assert last["status"] == "no_answers" and np.isnan(last["measure"])
    assert len(b.persons) == len(base) + 1


def test_duplicating_rows_divides_se_by_sqrt2(base: pd.DataFrame) -> None:
    a = measure.calibrate(base)
    b = measure.calibrate(pd.concat([base, base], ignore_index=True))
    np.testing.assert_allclose(a.items["location"], b.items["location"], atol=1e-8)
    np.testing.assert_allclose(a.thresholds["se"] / np.sqrt(2), b.thresholds["se"], rtol=1e-7)


def test_reverse_keyed_item_recoded_gives_identical_results(base: pd.DataFrame) -> None:
    a = measure.calibrate(base)
    flipped = base.copy()
    flipped["item1"] = 3 - flipped["item1"]
    # a reverse-keyed item needs its top category declared (the data alone cannot tell it)
    b = measure.calibrate(
        measure.as_responses(flipped, reverse=["item1"], max_category={"item1": 3})
    )
    np.testing.assert_allclose(a.items["location"], b.items["location"], atol=1e-8)
    np.testing.assert_allclose(
        a.persons["measure"], b.persons["measure"], atol=1e-8, equal_nan=True
    )


def test_shifting_anchors_shifts_every_measure(base: pd.DataFrame) -> None:
    a = measure.calibrate(base)
    anchors = a.thresholds[a.thresholds["item"].isin(["item1", "item2"])][
        ["item", "category", "threshold"]
    ]
    b = measure.calibrate(base, anchors=anchors)
    shifted = anchors.assign(threshold=anchors["threshold"] + 0.7)
    c = measure.calibrate(base, anchors=shifted)
    np.testing.assert_allclose(b.items["location"], a.items["location"], atol=1e-7)
    np.testing.assert_allclose(c.items["location"], a.items["location"] + 0.7, atol=1e-7)
    np.testing.assert_allclose(c.persons["measure"], a.persons["measure"] + 0.7, atol=1e-6)
    assert c.thresholds["anchored"].sum() == len(anchors)
    # anchored thresholds have no sampling error of their own
    assert (c.thresholds.loc[c.thresholds["anchored"], "se"] == 0).all()


def test_item_table_round_trips_as_anchors() -> None:
    sim = measure.simulate_responses(thresholds=[[-1.0], [0.0], [0.5], [1.0]], n_persons=400, rng=4)
    a = measure.calibrate(sim.responses, model="rasch")
    b = measure.calibrate(sim.responses, model="rasch", anchors=a.items)
    np.testing.assert_allclose(a.persons["measure"], b.persons["measure"], atol=1e-9)
    assert b.iterations == 0


# ----------------------------------------------------------------------------- persons


def test_wle_finite_at_extremes_and_mle_not() -> None:
    cal = measure.calibrate(
        measure.simulate_responses(thresholds=PCM_THRESHOLDS, n_persons=500, rng=9).responses
    )
    st_ = cal.score_table()
    assert np.all(np.isfinite(st_["wle"])) and np.all(np.isfinite(st_["wle_se"]))
    assert np.isnan(st_["mle"].iloc[0]) and np.isnan(st_["mle"].iloc[-1])
    assert np.all(np.diff(st_["wle"]) > 0)
    # WLE is pulled toward the centre relative to MLE
    mid = st_.iloc[1:-1]
    assert np.all(np.abs(mid["wle"]) <= np.abs(mid["mle"]) + 1e-12)


def test_mle_estimator_reports_extremes_as_missing_with_reason() -> None:
    df = pd.DataFrame({"a": [0, 1, 1, 0, 1], "b": [0, 1, 0, 1, 1], "c": [0, 1, 1, 0, 0]})
    cal = measure.calibrate(df, model="rasch", person_estimator="mle")
    p = cal.persons
    assert p.loc[0, "status"] == "extreme_min" and np.isnan(p.loc[0, "measure"])
    assert "infinity" in p.loc[0, "reason"]
    assert p.loc[1, "status"] == "extreme_max"
    assert sum(cal.status_counts().values()) == len(df)


def test_score_table_subset() -> None:
    cal = measure.calibrate(
        measure.simulate_responses(thresholds=PCM_THRESHOLDS, n_persons=500, rng=9).responses
    )
    sub = cal.score_table(["item1", "item3"])
    assert sub["raw_score"].tolist() == list(range(6))
    # a person who answered only those items gets the subset table's measure
    with pytest.raises(ValueError, match=r"unknown item\(s\) .nope."):
        cal.score_table(["nope"])


# ----------------------------------------------------------------------------- errors


def test_null_category_error_names_item_and_category() -> None:
    df = pd.DataFrame({"a": [0, 1, 3, 1, 0, 3], "b": [1, 0, 2, 2, 1, 0], "c": [0, 1, 2, 3, 2, 1]})
    with pytest.raises(measure.NullCategoryError, match=r"item 'a', category 2 is never used"):
        measure.calibrate(df)


def test_null_category_collapse_warns_and_fits() -> None:
    df = pd.DataFrame(
        {"a": [0, 1, 3, 1, 0, 3, 1], "b": [1, 0, 2, 2, 1, 0, 2], "c": [0, 1, 2, 3, 2, 1, 1]}
    )
    with pytest.warns(measure.NullCategoryWarning, match=r"item 'a': category 2"):
        cal = measure.calibrate(df, null_categories="collapse")
    assert cal.items.set_index("item").loc["a", "max_category"] == 2
    assert cal.category_map["a"] == [0, 1, 1, 2]  # original category -> collapsed category


def test_item_without_variation_is_refused() -> None:
    df = pd.DataFrame({"a": [1, 1, 1], "b": [0, 1, 0], "c": [1, 0, 0]})
    with pytest.raises(measure.ResponseDataError, match=r"item 'a': every answer is in category 1"):
        measure.calibrate(df, model="rasch")


def test_polytomous_data_refused_by_rasch_model() -> None:
    df = pd.DataFrame({"a": [0, 2, 1], "b": [0, 1, 0]})
    with pytest.raises(
        measure.ResponseDataError, match=r"model 'rasch' needs dichotomous.*a \(0..2\)"
    ):
        measure.calibrate(df, model="rasch")


def test_invalid_cell_located() -> None:
    df = pd.DataFrame({"id": ["p1", "p2", "p3"], "q1": [0, 1, 1], "q2": ["1", "x", "0"]})
    with pytest.raises(
        measure.ResponseDataError,
        match=r"row 3, person 'p2', column 'q2': value 'x' is not allowed \(allowed: integers",
    ):
        measure.calibrate(df, id_column="id")


def test_disconnected_design_raises_convergence_error() -> None:
    # items a,b answered by one group, c,d by another: the two blocks are not linked
    rng = np.random.default_rng(0)
    block = rng.integers(0, 2, size=(100, 2)).astype(float)
    top = np.column_stack([block, np.full((100, 2), np.nan)])
    bottom = np.column_stack([np.full((100, 2), np.nan), rng.integers(0, 2, size=(100, 2))])
    df = pd.DataFrame(np.vstack([top, bottom]), columns=list("abcd"))
    with pytest.raises(measure.ConvergenceError, match=r"disconnected"):
        measure.calibrate(df, model="rasch")


def test_unknown_policy_lists_allowed_values() -> None:
    with pytest.raises(ValueError, match=r"'rasch', 'rsm', 'pcm'"):
        measure.calibrate(pd.DataFrame({"a": [0, 1]}), model="2pl")  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"'error', 'collapse'"):
            measure.calibrate(pd.DataFrame({"a": [0, 1]}), null_categories="drop")  # type: ignore[arg-type]


def test_point_measure_correlation_is_pearson_with_wle() -> None:
    sim = measure.simulate_responses(thresholds=PCM_THRESHOLDS, n_persons=400, missing=0.2, rng=6)
    cal = measure.calibrate(sim.responses)
    wle = cal.persons["wle"].to_numpy()
    for j, item in enumerate(cal.item_ids):
        x = cal.values[:, j]
        ok = (x >= 0) & np.isfinite(wle)
        expected = np.corrcoef(x[ok], wle[ok])[0, 1]
        got = cal.items.set_index("item").loc[item, "pt_measure_corr"]
        assert got == pytest.approx(expected, abs=1e-12)


def test_null_category_named_in_the_data_codes() -> None:
    sim = measure.simulate_responses(n_persons=300, thresholds=[[-1.0, 0.0, 1.0]] * 4, rng=5)
    df = sim.responses + 1
    df.loc[df["item1"] == 3, "item1"] = 2  # code 3 (category 2) of item1 never used
    with pytest.raises(
        measure.NullCategoryError, match=r"item 'item1', category 2 \(code 3 in the data\)"
    ) as err:
        measure.calibrate(df, min_category=1, max_category=3)
    assert "min_category=1" not in str(err.value)


def test_collapsing_category_zero_names_the_category_above() -> None:
    sim = measure.simulate_responses(n_persons=300, thresholds=[[-1.0, 0.0, 1.0]] * 4, rng=5)
    df = sim.responses.copy()
    df.loc[df["item1"] == 0, "item1"] = 1
    with pytest.warns(measure.NullCategoryWarning, match=r"category 0 .* merged with category 1"):
        cal = measure.calibrate(df, null_categories="collapse", max_category=3)
    assert cal.category_map["item1"] == [0, 0, 1, 2]


def test_cronbach_alpha_matches_the_covariance_formula() -> None:
    sim = measure.simulate_responses(thresholds=PCM_THRESHOLDS, n_persons=300, missing=0.1, rng=8)
    x = sim.responses.fillna(-1).to_numpy().astype(np.int16)
    complete = x[(x >= 0).all(axis=1)].astype(float)
    c = np.cov(complete, rowvar=False)
    k = x.shape[1]
    expected = k / (k - 1) * (1 - np.trace(c) / c.sum())
    assert measure.cronbach_alpha(x) == pytest.approx(expected, rel=1e-12)
