"""Conditional item statistics (measure.diagnostics.conditional) against brute-force enumeration.

The conditional distribution of an item given the raw score is computed by listing every response
vector of a small test; the fit sums and gammas are recomputed by definition, cell by cell.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import measure
from measure.diagnostics.conditional import (
    benjamini_hochberg,
    conditional_fit,
    conditional_probabilities,
    gamma_table,
    partial_gamma,
    partial_gamma_ld,
    restscore_association,
)

THRESHOLDS = np.array(
    [[-1.0, 0.5, np.nan], [0.3, np.nan, np.nan], [0.2, -0.4, 1.1], [1.5, np.nan, np.nan]]
)
MAX_CAT = np.array([2, 1, 3, 1])


def enumerate_conditional(thresholds: np.ndarray, max_cat: np.ndarray) -> np.ndarray:
    """P(X_i = x | R = r) by listing all response vectors."""
    kappa = np.concatenate(
        [np.zeros((len(max_cat), 1)), np.cumsum(np.nan_to_num(thresholds), axis=1)], axis=1
    )
    out = np.zeros((int(max_cat.sum()) + 1, len(max_cat), int(max_cat.max()) + 1))
    for xs in itertools.product(*[range(int(m) + 1) for m in max_cat]):
        w = np.exp(-sum(kappa[i, x] for i, x in enumerate(xs)))
        for i, x in enumerate(xs):
            out[sum(xs), i, x] += w
    return out / out.sum(axis=2, keepdims=True)


def test_conditional_probabilities_match_enumeration() -> None:
    got = conditional_probabilities(THRESHOLDS, MAX_CAT)
    np.testing.assert_allclose(got, enumerate_conditional(THRESHOLDS, MAX_CAT), atol=1e-14)


def test_conditional_probabilities_do_not_depend_on_a_common_shift() -> None:
    a = conditional_probabilities(THRESHOLDS, MAX_CAT)
    b = conditional_probabilities(THRESHOLDS + 3.0, MAX_CAT)
    np.testing.assert_allclose(a, b, atol=1e-13)


def test_long_polytomous_test_stays_finite() -> None:
    rng = np.random.default_rng(3)
    p = conditional_probabilities(rng.normal(scale=2.0, size=(60, 4)), np.full(60, 4))
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p.sum(axis=2), 1.0, atol=1e-12)


def brute_fit(
    values: np.ndarray, thresholds: np.ndarray, max_cat: np.ndarray
) -> dict[str, list[float]]:
    """Conditional outfit/infit and SEs by definition, every person on their own pattern."""
    n_items = values.shape[1]
    z2: list[list[float]] = [[] for _ in range(n_items)]
    r2, v, w, v2w = (np.zeros(n_items) for _ in range(4))
    for row in values:
        items = np.flatnonzero(row >= 0)
        probs = enumerate_conditional(thresholds[items], max_cat[items])
        r = int(row[items].sum())
        if r == 0 or r == int(max_cat[items].sum()):
            continue
        for col, i in enumerate(items):
            p = probs[r, col]
            cats = np.arange(p.size)
            e = float(p @ cats)
            var = float(p @ (cats - e) ** 2)
            if var <= 1e-300:  # the score fixes this answer: no information, left out
                continue
            ww = float(p @ ((cats - e) ** 2 / var - 1) ** 2)
            z2[i].append((row[i] - e) ** 2 / var)
            r2[i] += (row[i] - e) ** 2
            v[i] += var
            w[i] += ww
            v2w[i] += var**2 * ww
    n = np.array([len(z) for z in z2])
    return {
        "outfit": [float(np.mean(z)) for z in z2],
        "outfit_se": list(np.sqrt(w) / n),
        "infit": list(r2 / v),
        "infit_se": list(np.sqrt(v2w) / v),
        "n": list(n),
    }


@pytest.mark.parametrize("missing", [0.0, 0.25])
def test_conditional_fit_matches_brute_force(missing: float) -> None:
    rng = np.random.default_rng(11)
    n = 150
    theta = rng.normal(size=n)
    kappa = np.concatenate([np.zeros((4, 1)), np.cumsum(np.nan_to_num(THRESHOLDS), axis=1)], axis=1)
    values = np.empty((n, 4), dtype=np.int64)
    for i, m in enumerate(MAX_CAT):
        cats = np.arange(int(m) + 1)
        logits = theta[:, None] * cats - kappa[i, : int(m) + 1]
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        values[:, i] = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    values[rng.random(values.shape) < missing] = -1
    cf = conditional_fit(values, THRESHOLDS, MAX_CAT)
    ref = brute_fit(values, THRESHOLDS, MAX_CAT)
    np.testing.assert_allclose(cf.outfit_msq, ref["outfit"], rtol=1e-12)
    np.testing.assert_allclose(cf.outfit_se, ref["outfit_se"], rtol=1e-12)
    np.testing.assert_allclose(cf.infit_msq, ref["infit"], rtol=1e-12)
    np.testing.assert_allclose(cf.infit_se, ref["infit_se"], rtol=1e-12)
    assert cf.n.tolist() == ref["n"]
    assert (cf.n_patterns > 1) == (missing > 0)


def brute_gamma(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[float, float]:
    """Partial gamma by comparing every pair of persons within a stratum; SE by definition."""
    c = d = 0.0
    n = len(x)
    pc = np.zeros(n)
    pd_ = np.zeros(n)
    for a in range(n):
        for b in range(n):
            if z[a] != z[b]:
                continue
            s = np.sign(x[a] - x[b]) * np.sign(y[a] - y[b])
            pc[a] += s > 0
            pd_[a] += s < 0
    c, d = pc.sum() / 2, pd_.sum() / 2
    psi = 2 * (d * pc - c * pd_) / (c + d) ** 2
    return (c - d) / (c + d), float(np.sqrt((psi**2).sum()))


def test_partial_gamma_matches_pairwise_definition() -> None:
    rng = np.random.default_rng(5)
    x, y, z = rng.integers(0, 3, 80), rng.integers(0, 4, 80), rng.integers(0, 3, 80)
    got = partial_gamma(x, y, z)
    g, se = brute_gamma(x, y, z)
    assert got.gamma == pytest.approx(g, abs=1e-14)
    assert got.se == pytest.approx(se, abs=1e-14)


def test_gamma_of_a_perfect_table_has_no_z() -> None:
    r = gamma_table(np.array([[3.0, 0.0], [0.0, 4.0]]))
    assert r.gamma == 1.0 and r.se == 0.0 and np.isnan(r.z) and np.isnan(r.p)


def test_ld_strata_are_total_minus_second_item() -> None:
    rng = np.random.default_rng(8)
    v = rng.integers(0, 2, (60, 3))
    got = partial_gamma_ld(v)
    rest = v.sum(axis=1) - v[:, 2]
    assert got[(0, 2)].gamma == pytest.approx(partial_gamma(v[:, 0], v[:, 2], rest).gamma)
    assert set(got) == {(i, j) for i in range(3) for j in range(3) if i != j}


def test_restscore_expected_gamma_is_near_observed_on_model_data() -> None:
    sim = measure.simulate_responses(
        thresholds=[[t] for t in np.linspace(-1.5, 1.5, 8)], n_persons=1500, rng=4
    )
    cal = measure.calibrate(sim.responses, model="rasch")
    r = restscore_association(cal.values, cal.threshold_matrix, cal.max_category)
    assert np.all(np.abs(r.z) < 3.5)
    assert np.all((r.p_adjusted >= r.p) | np.isnan(r.p))


def test_benjamini_hochberg_matches_r() -> None:
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.2, NA), "BH") -> 0.04 0.0533.. 0.0533.. 0.2 NA
    got = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.2, np.nan]))
    np.testing.assert_allclose(got[:4], [0.04, 0.16 / 3, 0.16 / 3, 0.2])
    assert np.isnan(got[4])


def test_dif_partial_gamma_sign_convention() -> None:
    """An item easier for the focal group: contrast < 0 (harder = positive) and partial gamma > 0
    (the focal group scores higher on it at the same total score)."""
    from measure.diagnostics import dif_analysis

    rng = np.random.default_rng(21)
    n = 1200
    focal = rng.random(n) < 0.5
    theta = rng.normal(size=n)
    b = np.linspace(-1.5, 1.5, 8)
    shift = np.zeros((n, 8))
    shift[focal, 3] = -1.0  # item 4 easier for the focal group
    p = 1 / (1 + np.exp(-(theta[:, None] - b[None, :] - shift)))
    data = (rng.random((n, 8)) < p).astype(int)
    cal = measure.calibrate(pd_frame(data), model="rasch")
    labels = np.where(focal, "f", "r")
    res = dif_analysis(cal, labels, reference="r")
    row = res.table.set_index("item").loc["i4"]
    assert row["contrast"] < 0 and row["partial_gamma"] > 0.2 and row["partial_gamma_p"] < 1e-3
    assert res.table["anchor"].sum() >= 4


def pd_frame(data: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(data, columns=[f"i{j + 1}" for j in range(data.shape[1])])


def test_report_shows_conditional_fit_beside_unconditional_with_rules() -> None:
    from measure.diagnostics import assess
    from measure.report.html import render_report

    sim = measure.simulate_responses(
        thresholds=[[t] for t in np.linspace(-1, 1, 5)], n_persons=200, rng=9
    )
    html = render_report(assess(measure.calibrate(sim.responses, model="rasch")))
    assert "Cond. infit" in html and "Cond. outfit" in html and "Infit MNSQ" in html
    assert "Christensen, Kreiner &amp; Mesbah 2013" in html
    assert "misfit when the two-sided p &lt; 0.05" in html
    assert "Restscore γ obs." in html and "Kreiner 2011" in html


def test_reliability_coverage_names_the_persons_and_gives_all_measured() -> None:
    from measure.diagnostics.assess import reliability_coverage

    sim = measure.simulate_responses(
        thresholds=[[t] for t in np.linspace(-1, 1, 4)], n_persons=300, rng=2
    )
    cal = measure.calibrate(sim.responses, model="rasch")
    cover = reliability_coverage(cal)
    counts = cal.status_counts()
    assert cover["n_non_extreme"] == counts["ok"]
    assert cover["n_measured"] == counts["ok"] + counts["extreme_min"] + counts["extreme_max"]
    assert cover["n_measured"] > cover["n_non_extreme"]
    assert cover["person_reliability"] == pytest.approx(cal.reliability["person_reliability"])
    assert np.isfinite(cover["person_reliability_all_measured"])


def test_category_outfit_rule_is_applied() -> None:
    """A category with outfit above 2 is not 'categories work: yes' (issue 13)."""
    from measure.diagnostics import assess

    sim = measure.simulate_responses(thresholds=[[-1.5, 0.0, 1.5]] * 5, n_persons=400, rng=5)
    d = sim.responses.copy()
    low = d.sum(axis=1).sort_values().index[:25]
    d.loc[low, "item1"] = 3  # the lowest scorers choose the top category of item1
    v = assess(measure.calibrate(d, model="pcm")).verdict("categories")
    assert v.status == "warning"
    assert "outfit MNSQ above 2" in v.text("en") and "item1 3" in v.text("en")
    assert "category outfit MNSQ below 2" in v.rule


def _lr(p: float, used: tuple[str, ...], spread: float) -> object:
    from measure.diagnostics.lrtest import AndersenLR

    thr = pd.DataFrame(
        {
            "item": ["a", "a", "b", "b"],
            "category": [1, 1, 1, 1],
            "group": ["low", "high", "low", "high"],
            "threshold": [0.0, spread, 0.0, -spread],
            "se": [0.1] * 4,
        }
    )
    return AndersenLR(
        statistic=10.0,
        df=2,
        p_value=p,
        split="median",
        groups=pd.DataFrame({"group": ["low", "high"]}),
        loglik_full=-1.0,
        npar_full=2,
        items_used=used,
        dropped=pd.DataFrame({"item": [], "group": [], "reason": []}),
        thresholds=thr,
        rule="p < 0.05",
    )


@pytest.mark.parametrize(
    ("p", "used", "spread", "status"),
    [
        (0.5, ("a", "b"), 0.1, "ok"),
        (0.5, ("a", "b"), 0.1, "warning"),  # partial: 2 of 6 items
        (0.014, ("a", "b"), 0.05, "warning"),  # significant, negligible size
        (0.001, ("a", "b"), 0.8, "problem"),
    ],
)
def test_lr_verdict_scope_and_size(
    p: float, used: tuple[str, ...], spread: float, status: str
) -> None:
    from measure.diagnostics.assess import _lr_verdict
    from measure.diagnostics.rules import Rules

    n_items = 2 if status == "ok" else 6 if p == 0.5 else 2
    v = _lr_verdict("lr_median", _lr(p, used, spread), Rules(), None, n_items)  # type: ignore[arg-type]
    assert v.status == status
    text = v.text("en")
    assert "largest difference in an item's location" in text
    if n_items == 6:
        assert "Only 2 of the 6 items were tested" in text
    assert "ETS B" in v.rule


def test_rasch_on_an_item_without_variation_names_the_real_problem() -> None:
    d = pd.DataFrame({"a": [0, 1, 0, 1, 1], "b": [0, 0, 0, 0, 0], "c": [1, 0, 1, 1, 0]})
    with pytest.raises(measure.ResponseDataError, match=r"only one category .*: b\. An item") as e:
        measure.calibrate(d, model="rasch")
    assert "pcm" not in str(e.value)


def test_conditional_fit_scope_says_how_it_conditions() -> None:
    from measure.diagnostics.conditional import conditional_fit_columns, conditional_fit_scope

    full = np.array([[0, 1], [1, 0], [1, 1]])
    assert "no missing answers" in conditional_fit_scope(full)
    some = np.array([[0, 1, -1], [1, 0, 1], [1, -1, 0]])
    assert "within each person's missing-data pattern (3 patterns)" in conditional_fit_scope(some)
    assert "not computed: 3 missing-data patterns" in conditional_fit_scope(some, max_patterns=2)
    cols = conditional_fit_columns(some, np.zeros((3, 1)), np.ones(3, np.int64), max_patterns=2)
    assert np.isnan(cols["cond_outfit_msq"]).all()
