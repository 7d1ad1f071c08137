"""Shares beyond a threshold and their change: formulas, properties, weights, raw-score
thresholds and interval coverage (the contract answer of ``measure compare``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from measure.comparison import (
    compare,
    decision_risk,
    expected_raw_score,
    group_change,
    group_means,
    raw_score_threshold,
    share_change,
    shares,
)
from measure.exceptions import ReferenceScaleError
from measure.instrument import ReportingUnit
from measure.reference import ReferenceScale, reference_from_thresholds

M6 = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 1.5])


def _six(**extra: object) -> pd.DataFrame:
    return pd.DataFrame({"person": list("abcdef"), "measure": M6, "se": 0.5, **extra})


# --------------------------------------------------------------------------------------------
# the estimator on hand-computable tables
# --------------------------------------------------------------------------------------------


def test_share_reference_values_by_hand():
    """mu = 0.25; v = 4.375 / 6; sigma^2 = v - 0.25; share = Phi((mu - t) / sigma)."""
    row = shares(_six(), 1.0).iloc[0]
    mu, v = 0.25, 4.375 / 6
    sig = math.sqrt(v - 0.25)
    z = (mu - 1.0) / sig
    assert row["mean_true"] == pytest.approx(mu)
    assert row["sd_true"] == pytest.approx(sig)
    assert row["share"] == pytest.approx(stats.norm.cdf(z))
    assert row["share"] == pytest.approx(0.139299, abs=1e-6)
    # the influence values on z, by hand, and the SE from them
    dev = M6 - mu
    u = dev / sig - z / (2 * sig**2) * (dev**2 - v)
    se_z = math.sqrt(6 / 5 * np.sum((u / 6) ** 2))
    assert row["se"] == pytest.approx(stats.norm.pdf(z) * se_z)
    q = stats.t.ppf(0.975, 5)
    assert row["ci_lower"] == pytest.approx(stats.norm.cdf(z - q * se_z))
    assert row["ci_upper"] == pytest.approx(stats.norm.cdf(z + q * se_z))
    assert row["estimator"] == "latent_normal" and row["note"] == ""
    assert row["skewness_true"] == pytest.approx(0.0, abs=1e-12)  # symmetric measures
    assert row["n_effective"] == 6 and row["design_effect"] == 1
    # the secondary columns
    assert row["share_point_estimates"] == pytest.approx(1 / 6)
    assert row["share_flat_prior"] == pytest.approx(np.mean(stats.norm.cdf((M6 - 1.0) / 0.5)))


def test_share_link_error_by_hand():
    """One link moving everyone: dz/dshift = 1/sigma, so se_link = phi(z) link_se / sigma."""
    plain = shares(_six(), 1.0).iloc[0]
    row = shares(_six(link_se=0.2), 1.0).iloc[0]
    sig = plain["sd_true"]
    z = (0.25 - 1.0) / sig
    assert row["se_link"] == pytest.approx(stats.norm.pdf(z) * 0.2 / sig)
    assert row["se"] == pytest.approx(math.hypot(plain["se"], row["se_link"]))
    assert row["share"] == pytest.approx(plain["share"])
    assert plain["se_link"] == 0


def test_share_link_derivative_matches_a_numerical_shift():
    """Two links: the derivative of the share in each link's shift, against finite differences."""
    rng = np.random.default_rng(3)
    n = 120
    m = rng.normal(0, 1.2, n)
    lk = np.where(np.arange(n) < 40, 0.1, 0.3)
    base = pd.DataFrame({"measure": m, "se": rng.uniform(0.3, 0.6, n), "link_se": lk})
    row = shares(base, 0.8).iloc[0]
    h = 1e-5
    var = 0.0
    for val in (0.1, 0.3):
        k = lk == val
        up = shares(base.assign(measure=m + h * k), 0.8).iloc[0]["share"]
        down = shares(base.assign(measure=m - h * k), 0.8).iloc[0]["share"]
        var += ((up - down) / (2 * h) * val) ** 2
    assert row["se_link"] == pytest.approx(math.sqrt(var), rel=1e-5)


def test_linearisation_se_agrees_with_the_jackknife():
    rng = np.random.default_rng(4)
    n = 300
    persons = pd.DataFrame(
        {
            "measure": rng.normal(0.2, 1.1, n),
            "se": rng.uniform(0.3, 0.6, n),
            "w": rng.uniform(1, 3, n),
        }
    )
    for weight in (None, "w"):
        row = shares(persons, 1.0, weight=weight).iloc[0]
        jack = np.array(
            [shares(persons.drop(index=i), 1.0, weight=weight).iloc[0]["share"] for i in range(n)]
        )
        se_jack = math.sqrt((n - 1) / n * np.sum((jack - jack.mean()) ** 2))
        assert row["se"] == pytest.approx(se_jack, rel=0.03), weight


# --------------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------------


def test_above_and_below_are_complements():
    above = shares(_six(link_se=0.1), 1.0).iloc[0]
    below = shares(_six(link_se=0.1), 1.0, direction="below").iloc[0]
    assert above["share"] + below["share"] == pytest.approx(1.0)
    assert above["se"] == pytest.approx(below["se"])
    assert above["ci_lower"] == pytest.approx(1 - below["ci_upper"])
    assert below["direction"] == "below"
    assert below["share_point_estimates"] == pytest.approx(4 / 6)


@pytest.mark.parametrize(("a", "b"), [(0.0, 1.0), (3.0, 1.0), (50.0, 10.0), (-2.0, 0.5)])
def test_share_is_the_same_in_any_linear_unit(a: float, b: float):
    """A reporting unit a + b * logit (SEs times b, threshold in the unit) changes nothing."""
    logits = shares(_six(link_se=0.1), 1.0).iloc[0]
    unit = pd.DataFrame({"measure": a + b * M6, "se": 0.5 * b, "link_se": 0.1 * b})
    row = shares(unit, a + b * 1.0).iloc[0]
    for col in ("share", "se", "se_link", "ci_lower", "ci_upper", "share_flat_prior"):
        assert row[col] == pytest.approx(logits[col]), col


def test_order_of_persons_and_groups_changes_nothing():
    rng = np.random.default_rng(8)
    persons = pd.DataFrame(
        {
            "person": [f"p{i}" for i in range(50)],
            "g": np.where(np.arange(50) % 2, "x", "y"),
            "measure": rng.normal(0, 1.2, 50),
            "se": rng.uniform(0.3, 0.6, 50),
            "link_se": np.where(np.arange(50) < 20, 0.1, 0.2),
            "w": rng.uniform(0.5, 2, 50),
        }
    )
    shuffled = persons.sample(frac=1.0, random_state=3)
    for kw in ({}, {"weight": "w"}, {"by": "g"}):
        pd.testing.assert_frame_equal(
            shares(persons, 0.7, **kw),
            shares(shuffled, 0.7, **kw),  # type: ignore[arg-type]
        )
    post = persons.assign(measure=persons["measure"] + 0.3)
    a = share_change(persons, post, 0.7, paired=True, by="g")
    b = share_change(shuffled, post.iloc[::-1], 0.7, paired=True, by="g")
    pd.testing.assert_frame_equal(a, b)


def test_integer_weights_are_duplicated_rows():
    w = np.array([1, 2, 1, 3, 1, 2])
    weighted = shares(_six(w=w), 1.0, weight="w").iloc[0]
    dup = pd.DataFrame({"measure": np.repeat(M6, w), "se": 0.5})
    plain = shares(dup, 1.0).iloc[0]
    for col in ("share", "mean_true", "sd_true", "share_flat_prior", "share_point_estimates"):
        assert weighted[col] == pytest.approx(plain[col]), col
    assert weighted["n"] == 6
    assert weighted["n_effective"] == pytest.approx(10**2 / 20)
    assert weighted["design_effect"] == pytest.approx(6 / 5)
    # equal weights are no weights
    same = shares(_six(w=2.5), 1.0, weight="w").iloc[0]
    for col in ("share", "se", "ci_lower", "ci_upper"):
        assert same[col] == pytest.approx(shares(_six(), 1.0).iloc[0][col]), col


def test_groups_notes_and_exclusions():
    persons = pd.DataFrame(
        {
            "g": ["x"] * 6 + ["y"] * 2 + ["z"] * 3,
            "measure": [*M6, 0.0, 1.0, 0.0, 0.1, np.nan],
            "se": [0.5] * 8 + [0.5, 0.5, 0.5],
        }
    )
    out = shares(persons, 1.0, by="g").set_index("g")
    assert out.loc["x", "note"] == "" and out.loc["x", "n"] == 6
    assert np.isnan(out.loc["y", "share"]) and out.loc["y", "note"] == "fewer than 3 persons"
    assert out.loc["z", "n"] == 2 and out.loc["z", "n_excluded"] == 1
    spread = pd.DataFrame({"measure": [0.0, 0.1, 0.2, 0.1], "se": 0.5})
    row = shares(spread, 1.0).iloc[0]
    assert np.isnan(row["share"]) and row["note"].startswith("no spread of true values")
    assert row["share_point_estimates"] == 0.0
    empty = pd.DataFrame({"measure": [np.nan], "se": [np.nan]})
    assert shares(empty, 0.0).iloc[0]["note"] == "no persons with a measure"


def test_skewed_true_values_get_a_caution_in_the_tails():
    rng = np.random.default_rng(21)
    m = (rng.gamma(4, 1, 400) - 4) / 2 + rng.normal(0, 0.3, 400)
    persons = pd.DataFrame({"measure": m, "se": 0.3})
    dev = m - m.mean()
    sig = math.sqrt(np.mean(dev**2) - 0.09)
    tail = shares(persons, 2.5).iloc[0]
    assert tail["skewness_true"] == pytest.approx(np.mean(dev**3) / sig**3)
    assert tail["skewness_true"] > 0.7 and tail["share"] < 0.1
    assert tail["note"].startswith("caution: the true values look skewed (skewness ")
    middle = shares(persons, 0.3).iloc[0]
    assert 0.1 < middle["share"] < 0.9 and middle["note"] == ""


def test_share_errors():
    with pytest.raises(ValueError, match="direction='over' is not one of 'above', 'below'"):
        shares(_six(), 1.0, direction="over")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="threshold must be finite, got nan"):
        shares(_six(), float("nan"))
    with pytest.raises(ValueError, match=r"persons: column 'w' not found \(columns: person"):
        shares(_six(), 1.0, weight="w")
    bad = _six(w=[1.0, 2.0, -1.0, 1.0, np.nan, 1.0])
    with pytest.raises(
        ValueError,
        match=r"persons: weight column 'w', row 3 of the table: -1.0 is not a positive number "
        r"\(2 person\(s\) with a measure have no positive weight\)",
    ):
        shares(bad, 1.0, weight="w")
    # a person without a measure needs no weight
    ok = _six(w=[1.0] * 6).assign(measure=[*M6[:5], np.nan]).assign(w=[1, 1, 1, 1, 1, np.nan])
    assert shares(ok, 1.0, weight="w").iloc[0]["n"] == 5
    with pytest.raises(
        ValueError, match=r"pre: weight column 'w', row 2 of the table \(person 'b'\)"
    ):
        share_change(_six(w=[1, 0, 1, 1, 1, 1]), _six(w=1), 1.0, paired=True, weight="w")


# --------------------------------------------------------------------------------------------
# change in share
# --------------------------------------------------------------------------------------------


def test_share_change_independent_and_paired():
    pre = _six()
    post = pre.assign(measure=M6 + 0.5)
    s1, s2 = shares(pre, 1.0).iloc[0], shares(post, 1.0).iloc[0]
    ind = share_change(pre, post, 1.0).iloc[0]
    assert ind["design"] == "independent" and ind["n_pairs"] == 0
    assert ind["share_pre"] == pytest.approx(s1["share"])
    assert ind["share_post"] == pytest.approx(s2["share"])
    assert ind["change"] == pytest.approx(s2["share"] - s1["share"])
    assert ind["se"] == pytest.approx(math.hypot(s1["se"], s2["se"]))
    assert ind["ci_upper"] - ind["change"] == pytest.approx(stats.norm.ppf(0.975) * ind["se"])
    assert ind["p_value"] == pytest.approx(2 * stats.norm.sf(abs(ind["change"]) / ind["se"]))
    par = share_change(pre, post.iloc[::-1], 1.0, paired=True).iloc[0]
    assert par["design"] == "paired" and par["n_pairs"] == 6
    assert par["change"] == pytest.approx(ind["change"])
    assert par["se"] < ind["se"] / 2  # the same persons: much of the sampling error cancels
    same = share_change(pre, pre, 1.0, paired=True).iloc[0]
    assert same["change"] == 0 and same["se"] == pytest.approx(0, abs=1e-7)


def test_share_change_paired_covariance_by_hand():
    """C = c * sum over persons on both of (w u)_pre (w u)_post, u the influence on the share."""
    rng = np.random.default_rng(9)
    n = 40
    m1 = rng.normal(0, 1, n)
    pre = pd.DataFrame({"person": [f"p{i}" for i in range(n)], "measure": m1, "se": 0.4})
    post = pre.assign(measure=m1 + rng.normal(0.3, 0.5, n)).iloc[5:]  # 35 of them again
    t = 0.5

    def infl(m: np.ndarray) -> tuple[np.ndarray, float]:
        mu, v = m.mean(), m.var()
        sig2 = v - 0.16
        z = (mu - t) / math.sqrt(sig2)
        dev = m - mu
        u = dev / math.sqrt(sig2) - z / (2 * sig2) * (dev**2 - v)
        return stats.norm.pdf(z) * u / m.size, stats.norm.pdf(z)

    u1, _ = infl(m1)
    u2, _ = infl(post["measure"].to_numpy())
    c = math.sqrt(40 * 35 / (39 * 34))
    cov = c * np.sum(u1[5:] * u2)
    v1 = 40 / 39 * np.sum(u1**2)
    v2 = 35 / 34 * np.sum(u2**2)
    row = share_change(pre, post, t, paired=True).iloc[0]
    assert row["n_pre"] == 40 and row["n_post"] == 35 and row["n_pairs"] == 35
    assert row["se"] == pytest.approx(math.sqrt(v1 + v2 - 2 * cov))


def test_share_change_link_errors_add_and_groups():
    pre, post = _six(link_se=0.1), _six(link_se=0.2).assign(measure=M6 + 0.3)
    l1 = shares(pre, 1.0).iloc[0]["se_link"]
    l2 = shares(post, 1.0).iloc[0]["se_link"]
    row = share_change(pre, post, 1.0).iloc[0]
    assert row["se_link"] == pytest.approx(math.hypot(l1, l2))
    g_pre = pd.concat([_six(g="A"), _six(g="B").assign(person=list("uvwxyz"))])
    out = share_change(g_pre, g_pre.iloc[:6], 1.0, by="g")
    assert out["g"].tolist() == ["A", "B"]
    assert out["n_post"].tolist() == [6, 0] and np.isnan(out["change"].iloc[1])


# --------------------------------------------------------------------------------------------
# survey weights in means and changes
# --------------------------------------------------------------------------------------------


def test_weighted_group_mean_by_hand():
    w = np.array([1.0, 2.0, 1.0, 3.0, 1.0, 2.0])
    s = np.array([0.3, 0.4, 0.5, 0.4, 0.3, 0.5])
    g = group_means(_six(w=w).assign(se=s), weight="w").iloc[0]
    wn = w / w.sum()
    mean = np.sum(wn * M6)
    se_obs = math.sqrt(6 / 5 * np.sum(wn**2 * (M6 - mean) ** 2))
    se_meas = math.sqrt(np.sum(wn**2 * s**2))
    assert g["mean"] == pytest.approx(mean)
    assert g["se"] == pytest.approx(se_obs)
    assert g["se_measurement"] == pytest.approx(se_meas)
    assert g["se_sampling"] == pytest.approx(math.sqrt(se_obs**2 - se_meas**2))
    assert g["n_effective"] == pytest.approx(w.sum() ** 2 / np.sum(w**2))
    assert g["design_effect"] == pytest.approx(6 / g["n_effective"])
    assert g["ci_upper"] - g["mean"] == pytest.approx(stats.t.ppf(0.975, 5) * se_obs)
    # equal weights: the unweighted figures
    eq = group_means(_six(w=1.0).assign(se=s), weight="w").iloc[0]
    plain = group_means(_six().assign(se=s)).iloc[0]
    for col in ("mean", "sd", "se", "se_sampling", "se_measurement", "ci_lower", "ci_upper"):
        assert eq[col] == pytest.approx(plain[col]), col
    assert "n_effective" not in plain.index


def test_weighted_group_change():
    w = np.array([1.0, 2.0, 1.0, 3.0, 1.0, 2.0])
    pre = _six(w=w)
    post = _six(w=w).assign(measure=M6 + np.array([0.5, 0.0, 0.5, 1.0, 0.0, 0.5]))
    par = group_change(pre, post, paired=True, weight="w").iloc[0]
    wn = w / w.sum()
    d = post["measure"].to_numpy() - M6
    change = np.sum(wn * d)
    assert par["change"] == pytest.approx(change)
    assert par["se"] == pytest.approx(math.sqrt(6 / 5 * np.sum(wn**2 * (d - change) ** 2)))
    ind = group_change(pre, post, weight="w").iloc[0]
    g1 = group_means(pre, weight="w").iloc[0]
    g2 = group_means(post, weight="w").iloc[0]
    assert ind["change"] == pytest.approx(g2["mean"] - g1["mean"])
    assert ind["se"] == pytest.approx(math.hypot(g1["se"], g2["se"]))


# --------------------------------------------------------------------------------------------
# raw-score thresholds
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_items() -> ReferenceScale:
    return reference_from_thresholds(
        {"a": [0.0], "b": [0.0]}, model="rasch", reporting_unit=ReportingUnit("u", 50, 10)
    )


def test_raw_threshold_by_hand(two_items: ReferenceScale):
    """Two Rasch items at 0: tau(t) = 2 / (1 + exp(-t))."""
    assert raw_score_threshold(two_items, 2) == pytest.approx(math.log(3))  # tau = 1.5
    assert raw_score_threshold(two_items, 1) == pytest.approx(-math.log(3))  # tau = 0.5
    assert raw_score_threshold(two_items, 1, direction="below") == pytest.approx(math.log(3))
    assert raw_score_threshold(two_items, 0, direction="below") == pytest.approx(-math.log(3))
    assert raw_score_threshold(two_items, 2, unit=True) == pytest.approx(50 + 10 * math.log(3))
    assert expected_raw_score(two_items, [0.0])[0] == pytest.approx(1.0)


def test_raw_threshold_is_where_the_expected_score_is_a_half_below():
    ref = reference_from_thresholds(
        {f"k{i}": [-1.0 + 0.2 * i, 0.0, 0.5, 1.5] for i in range(6)}, model="pcm"
    )
    for r in (1, 6, 13, 24):
        t = raw_score_threshold(ref, r)
        assert expected_raw_score(ref, [t])[0] == pytest.approx(r - 0.5, abs=1e-8)
        # "r or more" and "r - 1 or less" are one boundary
        assert raw_score_threshold(ref, r - 1, direction="below") == pytest.approx(t)
    # between the WLEs of r - 1 and r
    table = ref.score_table().set_index("raw_score")
    t13 = raw_score_threshold(ref, 13)
    assert table.loc[12, "wle"] < t13 < table.loc[13, "wle"]


def test_raw_threshold_errors(two_items: ReferenceScale):
    with pytest.raises(
        ValueError,
        match=r"raw score rule '0 or more' is not a boundary inside "
        r"0..2 \(the raw scores of the reference's 2 items\): give 1..2",
    ):
        raw_score_threshold(two_items, 0)
    with pytest.raises(ValueError, match=r"'2 or less' .* give 0..1"):
        raw_score_threshold(two_items, 2, direction="below")
    with pytest.raises(ValueError, match="raw_score must be a whole number, got 1.5"):
        raw_score_threshold(two_items, 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="direction='up' is not one of"):
        raw_score_threshold(two_items, 1, direction="up")  # type: ignore[arg-type]
    no_unit = reference_from_thresholds({"a": [0.0], "b": [0.0]}, model="rasch")
    with pytest.raises(ReferenceScaleError, match="has no reporting unit"):
        raw_score_threshold(no_unit, 1, unit=True)
    collapsed = ReferenceScale(
        model="pcm",
        items=no_unit.items.assign(max_category=[1, 1]),
        thresholds=no_unit.thresholds,
        sample={},
        category_map={"a": (0, 1, 1)},
    )
    with pytest.raises(ReferenceScaleError, match=r"collapsed categories of item\(s\) 'a'"):
        raw_score_threshold(collapsed, 1)


# --------------------------------------------------------------------------------------------
# compare() and decision_risk()
# --------------------------------------------------------------------------------------------


def test_compare_shares_tables_and_summary():
    occ = {"w1": _six(g="A", w=1.0), "w2": _six(g="A", w=2.0).assign(measure=M6 + 0.4)}
    res = compare(occ, by="g", threshold=1.0, paired=True, weight="w")
    assert set(res.tables()) == {
        "groups",
        "group_change",
        "individual_change",
        "decision_persons",
        "shares",
        "share_change",
    }
    assert res.shares[["occasion", "g"]].values.tolist() == [["w1", "A"], ["w2", "A"]]
    assert res.share_change[["from_occasion", "to_occasion", "g", "design"]].values.tolist() == [
        ["w1", "w2", "A", "paired"]
    ]
    assert "n_effective" in res.groups.columns
    direct = share_change(occ["w1"], occ["w2"], 1.0, by="g", paired=True, weight="w")
    assert res.share_change["se"].iloc[0] == pytest.approx(direct["se"].iloc[0])
    s = res.summary().to_dict()
    assert s["share_estimator"] == "latent_normal" and s["weight"] == "w"
    assert s["shares"][0]["estimator"] == "latent_normal"
    one = compare({"now": _six()}, threshold=1.0)
    assert one.share_change.empty and "shares" in one.tables()
    assert "shares" not in compare({"now": _six()}).tables()


def test_decision_risk_groups_are_the_shares():
    res = decision_risk(_six(), 1.0)
    pd.testing.assert_frame_equal(res.groups, shares(_six(), 1.0))
    assert res.persons["p_above"].tolist() == pytest.approx(
        stats.norm.cdf((M6 - 1.0) / 0.5).tolist()
    )


def test_latent_normal_is_close_to_the_truth_and_the_others_are_not():
    """WLE measures of 8 four-category items (SE about 0.45), 300 persons, 60 replications."""
    from tests.library.test_compare import THRESHOLDS, _scored_by_lookup

    ref = reference_from_thresholds(
        {f"item{i + 1}": list(t) for i, t in enumerate(THRESHOLDS)}, model="pcm"
    )
    table = ref.score_table()
    rng = np.random.default_rng(12)
    t = 1.3
    true_share = 1 - stats.norm.cdf(t, 0.3, 1.0)
    est, flat = [], []
    for _ in range(60):
        row = shares(_scored_by_lookup(rng.normal(0.3, 1.0, 300), table, rng), t).iloc[0]
        est.append(row["share"])
        flat.append(row["share_flat_prior"])
    assert abs(np.mean(est) - true_share) < 0.01
    assert np.mean(flat) - true_share > 0.015  # pulled towards 50%


# --------------------------------------------------------------------------------------------
# coverage (slow: pytest -m slow)
# --------------------------------------------------------------------------------------------


def _share_coverage(reps: int, seed: int, n: int) -> dict[str, float]:
    from tests.library.test_compare import THRESHOLDS, _scored_by_lookup

    ref = reference_from_thresholds(
        {f"item{i + 1}": list(t) for i, t in enumerate(THRESHOLDS)}, model="pcm"
    )
    table = ref.score_table()
    mu, delta, sd_change, t, link = 0.3, 0.4, 0.5, 1.3, 0.15
    true1 = 1 - stats.norm.cdf(t, mu, 1.0)
    true2 = 1 - stats.norm.cdf(t, mu + delta, math.sqrt(1 + sd_change**2))
    rng = np.random.default_rng(seed)
    keys = ["share", "share_linked", "paired", "paired_linked", "independent", "independent_linked"]
    hits = dict.fromkeys(keys, 0)

    def covers(row: pd.Series, truth: float) -> bool:
        return bool(row["ci_lower"] < truth < row["ci_upper"])

    def moved(s: pd.DataFrame) -> pd.DataFrame:  # one link error draw moves everyone
        return s.assign(measure=s["measure"] + rng.normal(0, link), link_se=link)

    for _ in range(reps):
        theta1 = rng.normal(mu, 1.0, n)
        theta2 = theta1 + rng.normal(delta, sd_change, n)
        theta3 = rng.normal(mu + delta, math.sqrt(1 + sd_change**2), n + 20)
        s1, s2, s3 = (_scored_by_lookup(th, table, rng) for th in (theta1, theta2, theta3))
        l1, l2, l3 = moved(s1), moved(s2), moved(s3)
        hits["share"] += covers(shares(s1, t).iloc[0], true1)
        hits["share_linked"] += covers(shares(l1, t).iloc[0], true1)
        hits["paired"] += covers(share_change(s1, s2, t, paired=True).iloc[0], true2 - true1)
        hits["paired_linked"] += covers(share_change(l1, l2, t, paired=True).iloc[0], true2 - true1)
        hits["independent"] += covers(share_change(s1, s3, t).iloc[0], true2 - true1)
        hits["independent_linked"] += covers(share_change(l1, l3, t).iloc[0], true2 - true1)
    return {k: v / reps for k, v in hits.items()}


@pytest.mark.slow
def test_share_and_change_coverage_slow():
    """500 seeded replications (binomial SD of a 95% coverage: 1 point); WLE measures of 8
    four-category items, 150 persons, true values N(0.3, 1), threshold 1.3 (true share 15.9%),
    change in share +17.4 points; link error 0.15 drawn once per occasion."""
    cov = _share_coverage(500, 51, 150)
    for key, value in cov.items():
        assert 0.93 <= value <= 0.97, (key, cov)
