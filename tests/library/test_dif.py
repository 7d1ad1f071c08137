"""DIF (separate CML calibrations, Mantel-Haenszel, ETS classes) and Andersen's LR test.

Andersen's LR test is checked against eRm 1.0.2 (``LRtest(fit, splitcr = "median")``, stored in
tests/reference/erm/ref/*.json with the R script in tests/reference/erm/scripts/). DIF is
checked by simulation (a known shift in one item, with and without a difference between the
groups' person distributions) and by exact identities.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import measure
from measure.diagnostics import (
    Rules,
    andersen_lr,
    dif_analysis,
    dif_table,
    ets_class,
    score_split,
)
from measure.diagnostics.dif import mh_from_counts

REF = Path(__file__).parents[1] / "reference" / "erm"
MODELS = {"RM": "rasch", "PCM": "pcm", "RSM": "rsm"}


def _dif_data(
    seed: int, *, shift: float = 1.0, impact: float = -0.5, n: int = 300, poly: bool = False
) -> tuple[measure.Calibration, np.ndarray]:
    """Group A and B, 10 items; item3 is ``shift`` logits harder for group B, whose persons
    are ``impact`` logits away from group A's."""
    rng = np.random.default_rng(seed)
    b = np.linspace(-1.5, 1.5, 10)
    base = [[x - 1.0, x + 1.0] if poly else [x] for x in b]
    focal = [list(t) for t in base]
    focal[2] = [t + shift for t in focal[2]]
    a = measure.simulate_responses(thresholds=base, theta=rng.normal(0, 1, n), rng=rng)
    f = measure.simulate_responses(thresholds=focal, theta=rng.normal(impact, 1, n), rng=rng)
    data = pd.concat([a.responses, f.responses], ignore_index=True)
    cal = measure.calibrate(data, model="pcm" if poly else "rasch")
    return cal, np.repeat(["A", "B"], n)


@pytest.fixture(scope="module")
def dif_case() -> tuple[measure.Calibration, np.ndarray]:
    return _dif_data(23)


# ------------------------------------------------------------------------------ DIF


def test_dif_item_is_class_c_and_the_others_class_a(dif_case):
    cal, groups = dif_case
    res = dif_analysis(cal, pd.Series(groups, name="sex"))
    tab = res.table
    assert res.name == "sex" and res.reference == "A"  # equal sizes: the first group
    assert tab["group"].unique().tolist() == ["B"]
    row = tab.set_index("item").loc["item3"]
    assert row["ets_class"] == "C"
    # true shift 1.0; observed 0.968 (SE 0.198) with this seed, MH 0.993 (SE 0.195)
    assert abs(row["contrast"] - 1.0) < 3 * row["se"]
    assert row["p"] < 1e-5 and not row["anchor"]  # purified out of the anchors
    assert (tab.drop(index=2)["ets_class"] == "A").all()
    assert row["mh_class"] == "C" and abs(row["mh_logit"] - 1.0) < 3 * row["mh_se"]
    assert (tab.drop(index=2)["mh_class"] == "A").all()
    assert res.flagged()["item"].tolist() == ["item3"]


def test_impact_without_dif_is_not_dif():
    """Group B's persons are 1 logit lower, no item has DIF: CML contrasts stay in class A."""
    cal, groups = _dif_data(31, shift=0.0, impact=-1.0)
    tab = dif_table(cal, groups)
    assert (tab["ets_class"] == "A").all()
    assert tab["contrast"].abs().max() < 0.43


def test_dif_estimate_is_unbiased_over_seeds():
    """20 seeds of the 1-logit shift: mean estimate 1.0 within 0.1, z-scores of the error
    about standard normal (observed mean 0.97, SD of z 1.08 over 30 seeds in development)."""
    est, z = [], []
    for seed in range(20):
        cal, groups = _dif_data(100 + seed)
        row = dif_table(cal, groups).set_index("item").loc["item3"]
        est.append(row["contrast"])
        z.append((row["contrast"] - 1.0) / row["se"])
    assert np.mean(est) == pytest.approx(1.0, abs=0.1)
    assert 0.7 < np.std(z) < 1.4


def test_swapping_the_reference_negates_the_contrasts(dif_case):
    cal, groups = dif_case
    ab = dif_table(cal, groups, reference="A", purify=False)
    ba = dif_table(cal, groups, reference="B", purify=False)
    np.testing.assert_allclose(ab["contrast"], -ba["contrast"], atol=1e-12)
    np.testing.assert_allclose(ab["se"], ba["se"], atol=1e-12)
    np.testing.assert_allclose(ab["mh_logit"], -ba["mh_logit"], atol=1e-12)


def test_unpurified_contrast_is_anchored_on_the_other_items(dif_case):
    cal, groups = dif_case
    res = dif_analysis(cal, groups, purify=False)
    tab = res.table
    # with all items as anchors, item i's contrast is I/(I-1) times the difference of the
    # (mean-centred) locations
    centred = tab["location_group"] - tab["location_reference"]
    np.testing.assert_allclose(tab["contrast"], centred * 10 / 9, atol=1e-10)
    assert tab["anchor"].all()
    # naming the anchors explicitly gives the same result
    same = dif_table(cal, groups, anchors=list(cal.item_ids), purify=False)
    np.testing.assert_allclose(same["contrast"], tab["contrast"], atol=1e-12)


def test_three_groups_and_missing_labels():
    cal, groups = _dif_data(41, shift=0.0, n=200)
    g = groups.astype(object).copy()
    g[:100] = "C"
    g[5] = None
    g[6] = np.nan
    g[7] = "  "
    res = dif_analysis(cal, g)
    assert res.reference == "B"  # the largest group (A 100, B 200, C 100 - 3 missing)
    assert res.groups.set_index("group")["n_persons"].to_dict() == {"A": 100, "B": 200, "C": 97}
    assert sorted(res.table["group"].unique()) == ["A", "C"]
    assert len(res.table) == 20


def test_item_without_variation_in_a_group_is_reported_not_estimated():
    cal, groups = _dif_data(43, shift=0.0, n=150)
    values = pd.DataFrame(np.where(cal.values >= 0, cal.values, np.nan), columns=list(cal.item_ids))
    values.loc[groups == "B", "item1"] = 0  # nobody in B gets item1 right
    cal2 = measure.calibrate(values, model="rasch")
    tab = dif_table(cal2, groups).set_index("item")
    assert np.isnan(tab.loc["item1", "contrast"]) and pd.isna(tab.loc["item1", "ets_class"])
    assert "not estimable in group B" in tab.loc["item1", "note"]
    assert tab.drop(index="item1")["contrast"].notna().all()


def test_polytomous_dif_is_flagged_and_mh_is_left_empty():
    cal, groups = _dif_data(47, shift=1.0, poly=True)
    tab = dif_table(cal, groups).set_index("item")
    assert tab.loc["item3", "ets_class"] == "C"
    assert tab["mh_logit"].isna().all() and tab["mh_class"].isna().all()
    assert tab.drop(index="item3")["ets_class"].isin(["A", "B"]).all()


def test_dif_input_errors(dif_case):
    cal, groups = dif_case
    with pytest.raises(ValueError, match=r"grouping has 5 values but the calibration has 600"):
        dif_table(cal, groups[:5])
    with pytest.raises(ValueError, match=r"at least two groups.*found 1 \(A\)"):
        dif_table(cal, np.repeat("A", 600))
    with pytest.raises(ValueError, match=r"reference group 'Z' is not one of A, B"):
        dif_table(cal, groups, reference="Z")
    with pytest.raises(ValueError, match=r"unknown anchor item\(s\) \['q1'\]"):
        dif_table(cal, groups, anchors=["q1"])


def test_ets_classes_follow_winsteps_table_30():
    z = 1.959963984540054
    assert ets_class(0.42, 0.01, 1e-9) == "A"  # below 0.43, however significant
    assert ets_class(0.50, 0.30, 0.09) == "A"  # large enough but not significant
    assert ets_class(0.50, 0.10, 1e-6) == "B"
    assert ets_class(0.70, 0.15, 1e-5) == "B"  # >= 0.64 but not significantly above 0.43
    assert ets_class(0.43 + 2.0 * z * 0.1, 0.1, 1e-9) == "C"
    assert ets_class(-0.90, 0.10, 1e-9) == "C"
    assert ets_class(float("nan"), 0.1, 0.5) is None
    assert ets_class(0.5, 0.1, 1e-6, Rules(dif_b=0.6, dif_c=0.8)) == "A"


# ------------------------------------------------------------------------------ MH


def test_mantel_haenszel_hand_computed_example():
    """Two strata, each with odds ratio 2: alpha_MH = 2 exactly; MH chi-square by hand:
    sum A = 50, sum E(A) = 18 + 27, sum Var(A) = 2.938776 + 4.378378, (|5| - 0.5)^2 / 7.317154."""
    s = mh_from_counts(
        np.array([20.0, 30.0]),
        np.array([10.0, 15.0]),
        np.array([10.0, 15.0]),
        np.array([10.0, 15.0]),
    )
    assert s is not None
    assert s["logit"] == pytest.approx(np.log(2.0), abs=1e-12)
    assert s["chi2"] == pytest.approx(4.5**2 / (360000 / 122500 + 1822500 / 416250), rel=1e-12)
    assert s["d_dif"] == pytest.approx(-2.35 * np.log(2.0))


def test_rbg_variance_reduces_to_woolf_for_one_stratum():
    a, b, c, d = 30.0, 12.0, 18.0, 25.0
    s = mh_from_counts(np.array([a]), np.array([b]), np.array([c]), np.array([d]))
    assert s is not None
    assert s["se"] ** 2 == pytest.approx(1 / a + 1 / b + 1 / c + 1 / d, rel=1e-12)


def test_uninformative_strata_are_skipped():
    assert (
        mh_from_counts(np.array([5.0]), np.array([0.0]), np.array([0.0]), np.array([0.0])) is None
    )
    assert (
        mh_from_counts(np.array([5.0]), np.array([0.0]), np.array([3.0]), np.array([0.0])) is None
    )


# ------------------------------------------------------------------------------ Andersen LR


def _erm_cases() -> list[str]:
    out = []
    for path in sorted((REF / "ref").glob("*.json")):
        with path.open(encoding="utf-8") as fh:
            ref = json.load(fh)
        if ref.get("LRtest"):
            out.append(path.stem)
    return out


def _erm(case: str) -> tuple[dict, measure.Calibration]:
    with (REF / "ref" / f"{case}.json").open(encoding="utf-8") as fh:
        ref = json.load(fh)
    data = pd.read_csv(REF / "data" / f"{ref['dataset']}.csv")
    cal = measure.calibrate(data[ref["items_used"]], model=MODELS[ref["model"]])
    return ref, cal


@pytest.mark.parametrize("case", [c for c in _erm_cases() if not c.startswith("erm_rsmdat")])
def test_andersen_lr_matches_erm(case):
    """Statistic, df, group sizes, subgroup conditional log-likelihoods, items used (after
    eRm's dropping of items without variation in a subgroup) and subgroup thresholds.
    Where eRm's median split failed (lsat6, lsat7: no item left), eRm's mean split is compared
    and our median split must fail the same way."""
    ref, cal = _erm(case)
    tests = ref["LRtest"]
    split = "median" if "LR" in tests["median"] else "mean"
    if split == "mean":
        med = andersen_lr(cal, split="median")
        assert np.isnan(med.statistic) and "fewer than two items" in med.note
    r = tests[split]
    ours = andersen_lr(cal, split=split)
    assert ours.statistic == pytest.approx(r["LR"], abs=2e-6)
    assert ours.df == r["df"]
    assert ours.p_value == pytest.approx(r["p_value"], rel=1e-4, abs=1e-12)
    assert ours.groups["n_persons"].tolist() == r["n_per_group"]
    np.testing.assert_allclose(ours.groups["loglik"], r["loglik_groups"], rtol=0, atol=2e-6)
    assert list(ours.items_used) == r["items_used"]
    dropped = sorted(set(ref["items_used"]) - set(r["items_used"]))
    assert sorted(ours.dropped["item"]) == dropped
    # subgroup thresholds: eRm's betapar (easiness, cumulative) -> thresholds, centred
    for name, ours_name in zip(r["group_names"], ["low", "high"], strict=True):
        beta = r["betapar_groups"][name]
        est = np.asarray(beta["est"])
        taus = []
        for item in r["items_used"]:
            idx = [k for k, nm in enumerate(beta["name"]) if nm.split()[1].split(".")[0] == item]
            taus.append(-np.diff(np.concatenate([[0.0], est[idx]])))
        shift = np.mean([t.mean() for t in taus])
        theirs = np.concatenate(taus) - shift
        mine = ours.thresholds[ours.thresholds["group"] == ours_name]["threshold"].to_numpy()
        np.testing.assert_allclose(mine, theirs, atol=2e-4)


@pytest.mark.parametrize("case", ["erm_rsmdat__PCM", "erm_rsmdat__RSM"])
def test_andersen_lr_not_reported_where_erm_estimates_diverge(case):
    """rsmdat (20 persons): both eRm and we drop I2-I5; in the low group the remaining items'
    likelihood has no finite maximum (eRm reports thresholds near +-15 and 'NaNs produced').
    We report no statistic and say why."""
    ref, cal = _erm(case)
    r = ref["LRtest"]["median"]
    assert max(abs(x) for x in r["betapar_groups"]["low"]["est"]) > 10
    ours = andersen_lr(cal)
    assert np.isnan(ours.statistic) and np.isnan(ours.p_value)
    assert "could not be estimated" in ours.note
    assert sorted(ours.dropped["item"]) == ["I2", "I3", "I4", "I5"]
    assert not ours.significant()


def test_median_split_follows_erm_conventions():
    values = np.array([[0, 0], [1, 0], [1, 1], [1, 1], [0, -1], [1, -1]], dtype=np.int16)
    # complete persons: raw 0, 1, 2, 2 -> median 1.5; pattern 2: raw 0, 1 -> median 0.5
    assert score_split(values).tolist() == ["low", "low", "high", "high", "low", "high"]
    assert score_split(values, "mean").tolist() == ["low", "low", "high", "high", "low", "high"]
    with pytest.raises(ValueError, match=r"split='third' is not one of 'median', 'mean'"):
        score_split(values, "third")  # type: ignore[arg-type]


def test_grouping_split_reproduces_the_median_split_and_detects_dif(dif_case):
    cal, groups = dif_case
    med = andersen_lr(cal, split="median")
    same = andersen_lr(cal, split=score_split(cal.values), name="median again")
    assert same.statistic == pytest.approx(med.statistic, abs=1e-10)
    assert same.split == "median again"
    by_group = andersen_lr(cal, split=pd.Series(groups, name="sex"))
    assert by_group.split == "sex" and by_group.df == 9
    assert by_group.significant()  # the DIF item makes the groups differ
    assert by_group.groups["group"].tolist() == ["A", "B"]


def test_drop_error_names_the_items():
    with (REF / "ref" / "erm_raschdat2__RM.json").open(encoding="utf-8") as fh:
        ref = json.load(fh)
    data = pd.read_csv(REF / "data" / f"{ref['dataset']}.csv")
    cal = measure.calibrate(data, model="rasch")
    with pytest.raises(
        ValueError,
        match=r"I4 in group low: category 1 not used; I3 in group "
        r"high: category 0 not used\. Use drop='items'",
    ):
        andersen_lr(cal, drop="error")
    with pytest.raises(ValueError, match=r"drop='some' is not one of 'items', 'error'"):
        andersen_lr(cal, drop="some")  # type: ignore[arg-type]
