"""Comparisons with uncertainty: change, group means, decision risk, coverage, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

import measure
from measure.cli.compare import compare_cmd
from measure.comparison import (
    compare,
    decision_risk,
    group_change,
    group_means,
    individual_change,
)
from measure.reference import ReferenceScale, reference_from_thresholds
from measure.scoring import score

Z = 1.959963984540054

# --------------------------------------------------------------------------------------------
# formulas on hand-made tables
# --------------------------------------------------------------------------------------------


def test_individual_change_formula_and_flags():
    pre = pd.DataFrame(
        {
            "person": ["a", "b", "c", "d"],
            "measure": [0.0, 1.0, -1.0, np.nan],
            "se": [0.3, 0.4, 0.5, np.nan],
            "kommun": ["X", "Y", "X", "Y"],
        }
    )
    post = pd.DataFrame(
        {
            "person": ["b", "a", "e", "d"],
            "measure": [1.2, 1.0, 0.0, 0.5],
            "se": [0.3, 0.4, 0.5, 0.5],
        }
    )
    out = individual_change(pre, post, keep=["kommun"])
    assert out["person"].tolist() == ["a", "b", "c", "d", "e"]
    assert out["status"].tolist() == ["ok", "ok", "only_pre", "no_measure", "only_post"]
    a = out.iloc[0]
    assert a["change"] == pytest.approx(1.0)
    assert a["se"] == pytest.approx(0.5)
    assert a["ci_lower"] == pytest.approx(1.0 - Z * 0.5)
    assert a["reliable_change"] and a["direction"] == "increase"
    b = out.iloc[1]
    assert b["se"] == pytest.approx(0.5) and not b["reliable_change"]
    assert b["direction"] == "no reliable change"
    assert out["kommun"].tolist()[:4] == ["X", "Y", "X", "Y"]


def test_individual_change_adds_link_errors():
    pre = pd.DataFrame({"person": ["a"], "measure": [0.0], "se": [0.3], "link_se": [0.1]})
    post = pd.DataFrame({"person": ["a"], "measure": [1.0], "se": [0.4], "link_se": [0.2]})
    out = individual_change(pre, post)
    assert out["se"].iloc[0] == pytest.approx(np.sqrt(0.09 + 0.16 + 0.01 + 0.04))


def test_group_means_decomposition():
    m = np.array([-1.0, 0.0, 0.5, 1.5, 2.0])
    s = np.array([0.3, 0.3, 0.4, 0.4, 0.5])
    persons = pd.DataFrame({"measure": m, "se": s})
    g = group_means(persons).iloc[0]
    n, var, mse = 5, m.var(ddof=1), np.mean(s**2)
    assert g["mean"] == pytest.approx(m.mean())
    assert g["se"] == pytest.approx(np.sqrt(var / n))
    assert g["se_sampling"] == pytest.approx(np.sqrt((var - mse) / n))
    assert g["se_measurement"] == pytest.approx(np.sqrt(mse / n))
    q = stats.t.ppf(0.975, n - 1)
    assert g["ci_upper"] - g["mean"] == pytest.approx(q * g["se"])
    linked = group_means(persons.assign(link_se=0.2)).iloc[0]
    assert linked["se"] == pytest.approx(np.sqrt(var / n + 0.04))
    assert linked["se_link"] == pytest.approx(0.2)


def test_group_means_by_group_excludes_persons_without_measure():
    persons = pd.DataFrame(
        {"g": ["a", "a", "b", "b", "b"], "measure": [0.0, 1.0, 2.0, np.nan, 3.0], "se": [0.5] * 5}
    )
    out = group_means(persons, by="g")
    assert out["g"].tolist() == ["a", "b"]
    assert out["n"].tolist() == [2, 2] and out["n_excluded"].tolist() == [0, 1]
    assert out["mean"].tolist() == [0.5, 2.5]


def test_shared_link_errors_by_link():
    """Half the persons linked through one link, half through another (independent)."""
    persons = pd.DataFrame({"measure": np.arange(8.0), "se": 0.5, "link_se": [0.2] * 4 + [0.4] * 4})
    g = group_means(persons).iloc[0]
    assert g["se_link"] == pytest.approx(np.sqrt((0.5 * 0.2) ** 2 + (0.5 * 0.4) ** 2))


def test_group_change_paired_and_independent():
    pre = pd.DataFrame({"person": list("abcd"), "measure": [0.0, 1.0, 2.0, 3.0], "se": 0.5})
    post = pd.DataFrame({"person": list("dcba"), "measure": [3.5, 2.0, 1.5, 0.5], "se": 0.5})
    paired = group_change(pre, post, paired=True).iloc[0]
    d = np.array([0.5, 0.5, 0.0, 0.5])
    assert paired["n_pairs"] == 4
    assert paired["change"] == pytest.approx(d.mean())
    assert paired["se"] == pytest.approx(d.std(ddof=1) / 2)
    assert paired["df"] == 3
    indep = group_change(pre, post).iloc[0]
    s1 = group_means(pre).iloc[0]
    s2 = group_means(post).iloc[0]
    assert indep["change"] == pytest.approx(s2["mean"] - s1["mean"])
    assert indep["se"] == pytest.approx(np.hypot(s1["se"], s2["se"]))
    assert indep["n_pairs"] == 0
    linked = group_change(pre.assign(link_se=0.1), post.assign(link_se=0.2), paired=True)
    assert linked["se_link"].iloc[0] == pytest.approx(np.hypot(0.1, 0.2))


def test_decision_risk_person_probabilities():
    persons = pd.DataFrame(
        {
            "person": ["a", "b", "c"],
            "measure": [1.0, 0.0, np.nan],
            "se": [0.5, 0.5, np.nan],
            "g": ["x", "x", "y"],
        }
    )
    res = decision_risk(persons, 0.5, by="g")
    p = res.persons
    assert p["p_above"].iloc[0] == pytest.approx(1 - stats.norm.cdf((0.5 - 1.0) / 0.5))
    assert p["decision"].tolist() == ["above", "not above", ""]
    assert p["risk"].iloc[0] == pytest.approx(1 - p["p_above"].iloc[0])
    assert p["risk"].iloc[1] == pytest.approx(p["p_above"].iloc[1])
    grp = res.groups.set_index("g")
    assert grp.loc["x", "share_flat_prior"] == pytest.approx(p["p_above"].iloc[:2].mean())
    assert grp.loc["x", "note"] == "fewer than 3 persons"
    assert grp.loc["y", "n"] == 0 and grp.loc["y", "n_excluded"] == 1
    below = decision_risk(persons, 0.5, direction="below").persons
    np.testing.assert_allclose(below["p_below"][:2], 1 - p["p_above"][:2])
    with pytest.raises(ValueError, match="direction='over' is not one of"):
        decision_risk(persons, 0.5, direction="over")  # type: ignore[arg-type]


def test_decision_risk_carries_the_link_error():
    rng = np.random.default_rng(7)
    persons = pd.DataFrame({"measure": rng.normal(0, 1, 200), "se": 0.4})
    plain = decision_risk(persons, 0.5).groups.iloc[0]
    linked = decision_risk(persons.assign(link_se=0.3), 0.5)
    g = linked.groups.iloc[0]
    assert g["se_link"] > 0 and g["se"] > plain["se"]
    np.testing.assert_allclose(
        linked.persons["p_above"], stats.norm.cdf((persons["measure"] - 0.5) / 0.5)
    )
    assert plain["se_link"] == 0.0


def test_bad_columns_and_levels():
    persons = pd.DataFrame({"measure": [0.0], "se": [0.5]})
    with pytest.raises(ValueError, match=r"persons: column 'score' not found \(columns: measure"):
        group_means(persons, measure="score")
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        group_means(persons, level=95)
    dup = pd.DataFrame({"person": ["a", "a"], "measure": [0.0, 1.0], "se": [0.5, 0.5]})
    with pytest.raises(ValueError, match=r"pre: duplicate person id\(s\) \['a'\]"):
        individual_change(dup, dup)


# --------------------------------------------------------------------------------------------
# coverage of the intervals (seeded replications)
# --------------------------------------------------------------------------------------------

THRESHOLDS = np.array(
    [
        [-1.5, -0.5, 0.5],
        [-1.0, 0.0, 1.0],
        [-0.5, 0.5, 1.5],
        [0.0, 0.5, 1.0],
        [-2.0, -1.0, 0.0],
        [0.5, 1.0, 2.0],
        [-1.0, 0.0, 0.5],
        [0.0, 1.0, 1.5],
    ]
)
MU, DELTA = 0.3, 0.4


@pytest.fixture(scope="module")
def truth_ref() -> ReferenceScale:
    return reference_from_thresholds(
        {f"item{i + 1}": list(t) for i, t in enumerate(THRESHOLDS)}, model="pcm"
    )


def _scored_by_lookup(theta: np.ndarray, table: pd.DataFrame, rng: np.random.Generator):
    """Persons table of complete data scored with the WLE score table (what score() gives)."""
    sim = measure.simulate_responses(thresholds=THRESHOLDS, theta=theta, rng=rng)
    raw = sim.responses.sum(axis=1).astype(int).to_numpy()
    return pd.DataFrame(
        {
            "person": [f"p{i}" for i in range(theta.size)],
            "measure": table["wle"].to_numpy()[raw],
            "se": table["wle_se"].to_numpy()[raw],
        }
    )


def _coverage(reps: int, seed: int, scorer, n: int = 100) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    hits = dict.fromkeys(["mean", "paired", "independent", "mean_linked", "mean_link_ignored"], 0)
    for _ in range(reps):
        theta1 = rng.normal(MU, 1.0, n)
        theta2 = theta1 + rng.normal(DELTA, 0.5, n)
        theta3 = rng.normal(MU + DELTA, 1.0, n + 20)
        s1, s2, s3 = (scorer(t, rng) for t in (theta1, theta2, theta3))
        g = group_means(s1).iloc[0]
        hits["mean"] += g["ci_lower"] < MU < g["ci_upper"]
        c = group_change(s1, s2, paired=True).iloc[0]
        hits["paired"] += c["ci_lower"] < DELTA < c["ci_upper"]
        c = group_change(s1, s3).iloc[0]
        hits["independent"] += c["ci_lower"] < DELTA < c["ci_upper"]
        # a link with SE 0.15 moved everyone by one draw of its error
        moved = s1.assign(measure=s1["measure"] + rng.normal(0, 0.15), link_se=0.15)
        g = group_means(moved).iloc[0]
        hits["mean_linked"] += g["ci_lower"] < MU < g["ci_upper"]
        g = group_means(moved.drop(columns="link_se")).iloc[0]
        hits["mean_link_ignored"] += g["ci_lower"] < MU < g["ci_upper"]
    return {k: v / reps for k, v in hits.items()}


def test_interval_coverage_fast(truth_ref: ReferenceScale):
    """200 seeded replications (binomial SD of a 95% coverage: 1.5 points)."""
    table = truth_ref.score_table()
    cov = _coverage(200, 31, lambda t, rng: _scored_by_lookup(t, table, rng))
    for key in ("mean", "paired", "independent", "mean_linked"):
        assert 0.91 <= cov[key] <= 0.99, (key, cov)
    assert cov["mean_link_ignored"] < 0.88, cov  # leaving the link error out is visibly wrong


@pytest.mark.slow
def test_interval_coverage_slow(truth_ref: ReferenceScale) -> None:
    """1,000 replications through the whole score() pipeline (binomial SD: 0.7 points).

    About a minute; runs only when slow tests are selected (``pytest -m slow``).
    """

    def scorer(theta: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
        sim = measure.simulate_responses(thresholds=THRESHOLDS, theta=theta, rng=rng)
        return score(sim.responses, truth_ref, check_drift=False).persons

    cov = _coverage(1000, 32, scorer)
    for key in ("mean", "paired", "independent", "mean_linked"):
        assert 0.935 <= cov[key] <= 0.965, (key, cov)


# --------------------------------------------------------------------------------------------
# compare() and the CLI
# --------------------------------------------------------------------------------------------


def _occasions() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(40)
    n = 60
    ids = [f"p{i:02d}" for i in range(n)]
    groups = np.where(np.arange(n) % 3 == 0, "A", "B")
    m1 = rng.normal(0, 1, n)
    m2 = m1 + rng.normal(0.5, 0.6, n)
    se = np.full(n, 0.45)
    pre = pd.DataFrame({"person": ids, "kommun": groups, "measure": m1, "se": se})
    post = pd.DataFrame({"person": ids, "kommun": groups, "measure": m2, "se": se})
    return {"pre": pre, "post": post}


def test_compare_builds_every_table():
    occ = _occasions()
    res = compare(occ, by="kommun", paired=True, threshold=0.5)
    assert res.groups[["occasion", "kommun"]].values.tolist() == [
        ["pre", "A"],
        ["pre", "B"],
        ["post", "A"],
        ["post", "B"],
    ]
    assert res.group_change[["from_occasion", "to_occasion"]].iloc[0].tolist() == ["pre", "post"]
    assert len(res.individual_change) == 60
    assert set(res.shares["occasion"]) == {"pre", "post"}
    assert set(res.tables()) == {
        "groups",
        "group_change",
        "individual_change",
        "decision_persons",
        "shares",
        "share_change",
    }
    json.dumps(res.summary().to_dict(), allow_nan=False)
    single = compare({"now": occ["pre"]})
    assert single.group_change.empty and set(single.tables()) == {"groups"}


def test_cli_compare_two_files(tmp_path: Path):
    occ = _occasions()
    for k, df in occ.items():
        df.to_csv(tmp_path / f"{k}.csv", index=False)
    out = tmp_path / "out"
    res = CliRunner().invoke(
        compare_cmd,
        [
            str(tmp_path / "pre.csv"),
            str(tmp_path / "post.csv"),
            "--out",
            str(out),
            "--group",
            "kommun",
            "--paired",
            "--threshold",
            "0.5",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "change pre -> post kommun=A" in res.output
    groups = pd.read_csv(out / "groups.csv")
    assert groups["occasion"].tolist() == ["pre", "pre", "post", "post"]
    expected = compare(occ, by="kommun", paired=True, threshold=0.5)
    # CSV tables carry 7 significant digits
    np.testing.assert_allclose(groups["ci_lower"], expected.groups["ci_lower"], rtol=1e-6)
    for name in (
        "group_change",
        "individual_change",
        "decision_persons",
        "shares",
        "share_change",
    ):
        assert (out / f"{name}.csv").exists()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["occasions"] == ["pre", "post"] and summary["paired"] is True


def test_cli_compare_occasion_column_and_errors(tmp_path: Path):
    occ = _occasions()
    long = pd.concat([df.assign(wave=k) for k, df in occ.items()], ignore_index=True)
    long.to_csv(tmp_path / "long.csv", index=False)
    res = CliRunner().invoke(
        compare_cmd,
        [
            str(tmp_path / "long.csv"),
            "--out",
            str(tmp_path / "o"),
            "--occasion-column",
            "wave",
            "--labels",
            "pre,post",
        ],
    )
    assert res.exit_code == 0, res.output
    assert pd.read_csv(tmp_path / "o" / "group_change.csv")["n_pre"].iloc[0] == 60
    res = CliRunner().invoke(
        compare_cmd, [str(tmp_path / "long.csv"), "--out", str(tmp_path / "o2"), "--unit"]
    )
    assert res.exit_code == 2 and "measure_unit" in res.stderr
    res = CliRunner().invoke(
        compare_cmd,
        [
            str(tmp_path / "long.csv"),
            "--out",
            str(tmp_path / "o3"),
            "--occasion-column",
            "wave",
            "--labels",
            "pre,later",
        ],
    )
    assert res.exit_code == 2 and "'later' not found" in res.stderr
