"""Short forms (measure.shortform): MILP optimality against exhaustive search, goals, targets,
constraints, and the short form's reference scoring exactly as the full one restricted."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import measure
from measure.exceptions import ReferenceScaleError
from measure.instrument import ReportingUnit
from measure.itembank import Domain, form_precision, information, population
from measure.reference import load_reference, reference_from_thresholds, save_reference
from measure.shortform import ShortFormWarning, select_items, short_reference, shorten
from measure.simulate import simulate_responses


def _bank(n: int, seed: int, cats: int = 4) -> dict[str, list[float]]:
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(n):
        m = int(rng.integers(1, cats))  # mixed: 1..cats-1 thresholds
        loc = rng.uniform(-2.5, 2.5)
        steps = np.sort(rng.normal(0, 1, m))
        out[f"q{i + 1:02d}"] = list(loc + steps - steps.mean())
    return out


def _exhaustive(info: np.ndarray, k: int) -> float:
    combos = np.array(list(itertools.combinations(range(info.shape[1]), k)))
    return float(info[:, combos].sum(axis=2).min(axis=0).max())


@pytest.fixture(scope="module")
def ref12() -> measure.ReferenceScale:
    return reference_from_thresholds(_bank(12, 1), model="pcm", created="2026-01-01T00:00:00")


@pytest.fixture(scope="module")
def form12(ref12: measure.ReferenceScale) -> measure.shortform.ShortForm:
    return shorten(ref12, length=5, n_persons=400, rng=1)


def test_every_length_equals_the_exhaustive_optimum(ref12, form12) -> None:
    grid = form12.target.grid(15)
    info = information(ref12.threshold_matrix, grid)
    ids = list(ref12.item_ids)
    assert form12.forms["k"].tolist() == list(range(1, 13))
    for _, row in form12.forms.iterrows():
        k = int(row["k"])
        best = _exhaustive(info, k)
        chosen = [ids.index(i) for i in row["items"].split(";")]
        assert len(chosen) == k
        value = float(info[:, chosen].sum(axis=1).min())
        assert value == pytest.approx(row["min_information"], rel=1e-12)
        assert value >= best * (1 - 1e-6), k
        assert bool(row["optimal"])


@pytest.mark.parametrize("k", [3, 6, 9])
def test_twenty_item_bank_matches_exhaustive_search(k: int) -> None:
    ref = reference_from_thresholds(_bank(20, 7), model="pcm")
    info = information(ref.threshold_matrix, np.linspace(-1.5, 1.5, 9))
    chosen, value, optimal = select_items(info, k)
    assert chosen is not None and optimal
    assert value == pytest.approx(_exhaustive(info, k), rel=1e-6)


def test_threshold_target_takes_the_most_informative_items_there() -> None:
    ref = reference_from_thresholds(_bank(15, 3), model="pcm")
    form = shorten(ref, length=4, threshold=0.7, n_persons=200)
    at = information(ref.threshold_matrix, np.array([0.7]))[0]
    top = {ref.item_ids[j] for j in np.argsort(-at)[:4]}
    assert set(form.items) == top
    assert form.target.kind == "threshold" and form.target.threshold == 0.7
    row = form.forms.loc[form.forms["k"] == 4].iloc[0]
    assert row["se_at_threshold"] == pytest.approx(1 / np.sqrt(at[list(np.argsort(-at)[:4])].sum()))
    assert 0.5 < row["agreement_at_threshold"] <= 1


def test_goal_target_se_is_the_fewest_items_reaching_it(ref12, form12) -> None:
    s = 0.75
    form = shorten(ref12, target_se=s, n_persons=200)
    reach = form.forms["min_information"].to_numpy() >= s**-2
    assert form.goal_met and form.length == int(form.forms["k"][np.argmax(reach)])
    assert form.length == int(np.flatnonzero(reach)[0]) + 1
    assert not reach[: form.length - 1].any()


def test_goal_min_reliability(ref12) -> None:
    form = shorten(ref12, min_reliability=0.7, n_persons=200)
    rel = form.forms["reliability"].to_numpy()
    assert rel[form.length - 1] >= 0.7
    assert (rel[: form.length - 1] < 0.7).all()


def test_unreachable_goal_warns_and_takes_the_longest_form(ref12) -> None:
    with pytest.warns(ShortFormWarning, match="no feasible form reaches the goal"):
        form = shorten(ref12, target_se=0.05, n_persons=100)
    assert not form.goal_met and form.length == 12


def test_must_exclude_and_domains_are_respected(ref12) -> None:
    dom = Domain("low", ("q01", "q02", "q03", "q04"), 3)
    form = shorten(
        ref12, length=5, must=["q05"], exclude=["q06"], domains=[dom], n_persons=100, rng=2
    )
    for _, row in form.forms.iterrows():
        items = row["items"].split(";") if row["items"] else []
        if not items:  # lengths the constraints rule out: 1 and 2 (q05 + 3 of the domain), 12
            assert int(row["k"]) in (1, 2, 3, 12)
            continue
        assert "q05" in items and "q06" not in items
        assert len(set(items) & set(dom.items)) >= 3
    assert form.selected["domain"].tolist().count("low") >= 3
    assert set(form.settings["must"]) == {"q05"}


def test_bad_goals_and_items_are_refused(ref12) -> None:
    with pytest.raises(ValueError, match="exactly one goal"):
        shorten(ref12, length=3, target_se=0.5)
    with pytest.raises(ValueError, match=r"length must be 1\.\.12"):
        shorten(ref12, length=13)
    with pytest.raises(ReferenceScaleError, match="unknown item.*'nope'"):
        shorten(ref12, length=3, must=["nope"])
    with pytest.raises(ValueError, match="both required and excluded: q01"):
        shorten(ref12, length=3, must=["q01"], exclude=["q01"])
    with pytest.raises(ValueError, match="at most one of"):
        shorten(ref12, length=3, threshold=0.0, target_range=(-1, 1))


def test_default_target_is_the_central_90_percent_of_the_sample() -> None:
    sim = simulate_responses(thresholds=list(_bank(8, 5, cats=3).values()), n_persons=300, rng=5)
    ref = measure.calibrate(sim.responses).to_reference()
    form = shorten(ref, length=3, n_persons=100)
    pct = ref.sample["percentiles"]
    assert (form.target.lo, form.target.hi) == (pct["p05"], pct["p95"])
    assert "central 90 %" in form.target.description
    pop = population(ref)
    assert pop.mean == ref.sample["mean"] and pop.sd == ref.sample["sd_true"]


def test_threshold_raw_and_unit_targets() -> None:
    unit = ReportingUnit(name="T", intercept=50.0, slope=10.0)
    ref = reference_from_thresholds(_bank(10, 9), model="pcm", reporting_unit=unit)
    table = ref.score_table()
    r = int(table["raw_score"].iloc[len(table) // 2])
    form = shorten(ref, length=3, threshold_raw=r, n_persons=100)
    assert form.target.threshold == pytest.approx(float(table["wle"].iloc[len(table) // 2]))
    form_u = shorten(ref, length=3, threshold=55.0, in_unit=True, n_persons=100)
    assert form_u.target.threshold == pytest.approx(0.5)
    form_r = shorten(ref, length=3, target_range=(40.0, 60.0), in_unit=True, n_persons=100)
    assert (form_r.target.lo, form_r.target.hi) == pytest.approx((-1.0, 1.0))


def test_form_precision_matches_a_large_simulation(ref12) -> None:
    pop = population(ref12)
    items = ["q01", "q03", "q07", "q09"]
    mean_se, rel = form_precision(ref12, items, pop)
    table = ref12.score_table(items)
    pos = [ref12.item_ids.index(i) for i in items]
    sim = simulate_responses(
        thresholds=[ref12.threshold_matrix[j][~np.isnan(ref12.threshold_matrix[j])] for j in pos],
        n_persons=40000,
        person_mean=pop.mean,
        person_sd=pop.sd,
        rng=11,
    )
    scores = sim.responses.sum(axis=1).astype(int).to_numpy()
    w = table["wle"].to_numpy()[scores]
    s = table["wle_se"].to_numpy()[scores]
    assert mean_se == pytest.approx(np.mean(s), abs=0.01)
    assert rel == pytest.approx((np.var(w) - np.mean(s**2)) / np.var(w), abs=0.02)


# ----------------------------------------------------------------------------- round trips


@pytest.fixture(scope="module")
def calibrated() -> tuple[measure.ReferenceScale, pd.DataFrame]:
    thr = list(_bank(10, 21, cats=4).values())
    sim = simulate_responses(thresholds=thr, n_persons=400, rng=21)
    data = sim.responses.copy() + 1  # coded 1..m+1, so the coding matters
    data.insert(0, "id", [f"p{i}" for i in range(len(data))])
    unit = ReportingUnit(name="T", intercept=50.0, slope=10.0)
    cal = measure.calibrate(data, id_column="id", min_category=1, reporting_unit=unit)
    return cal.to_reference(), data


def test_short_reference_scores_as_the_full_reference_restricted(calibrated, tmp_path) -> None:
    ref, data = calibrated
    form = shorten(ref, length=4, n_persons=200)
    path = save_reference(form.short_reference, tmp_path / "short.json")
    short = load_reference(path)  # hash-checked
    assert short.content_hash == form.short_reference.content_hash
    assert short.item_ids == form.items
    assert short.coding == ref.coding and short.reporting_unit == ref.reporting_unit
    assert short.calibration["short_form"]["of_reference"] == ref.content_hash
    cols = ["id", *form.items]
    a = measure.score(data[cols], short, id_column="id", check_drift=False).persons
    b = measure.score(data[cols], ref, id_column="id", check_drift=False).persons
    for col in ("measure", "se", "measure_unit", "se_unit", "raw_score"):
        np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy())
    np.testing.assert_allclose(
        short.score_table()["wle"].to_numpy(), ref.score_table(form.items)["wle"].to_numpy()
    )


def test_short_reference_keeps_only_its_reverse_keys() -> None:
    ref = reference_from_thresholds({"a": [0.0, 1.0], "b": [-1.0, 0.5], "c": [0.3]})
    coded = measure.responses.Coding(min_category=1, reversed_items=("a", "c"))
    import dataclasses

    ref = dataclasses.replace(ref, coding=coded)
    short = short_reference(ref, ["b", "c"])
    assert short.coding is not None and short.coding.reversed_items == ("c",)
    assert short.coding.min_category == 1
    with pytest.raises(ReferenceScaleError, match="unknown item"):
        short_reference(ref, ["z"])


def test_real_data_gives_correlation_and_agreement(calibrated) -> None:
    ref, data = calibrated
    rm = measure.score(data, ref, id_column="id", check_drift=False).responses
    form = shorten(ref, length=4, threshold=0.0, data=rm)
    assert form.agreement_source.startswith("data: 400 persons")
    row = form.forms.iloc[-1]
    assert row["correlation_full"] == pytest.approx(1.0)
    assert row["agreement_at_threshold"] == 1.0
    assert form.summary()["length"] == 4
