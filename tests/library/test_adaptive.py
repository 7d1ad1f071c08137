"""Adaptive administration (measure.adaptive): catsim's selection, serialisation mid-way, the
vectorised simulation against the one-respondent class, estimates against the score table, and
the stopping, domain and exposure rules."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from measure.adaptive import AdaptiveTest, oracle_lengths, simulate_adaptive
from measure.exceptions import ReferenceScaleError
from measure.itembank import Domain
from measure.reference import ReferenceScale, reference_from_thresholds
from measure.simulate import simulate_responses

CATSIM = Path(__file__).parents[1] / "reference" / "catsim" / "maxinfo_sequences.json"


def _pcm_bank(n: int = 20, seed: int = 4) -> ReferenceScale:
    rng = np.random.default_rng(seed)
    out = {}
    for i, loc in enumerate(np.linspace(-2.5, 2.5, n)):
        steps = np.sort(np.array([-1.5, -0.5, 0.5, 1.5]) + rng.normal(0, 0.2, 4))
        out[f"i{i + 1:02d}"] = list(loc + steps - steps.mean())
    return reference_from_thresholds(out, model="pcm", created="2026-01-01T00:00:00")


@pytest.fixture(scope="module")
def bank() -> ReferenceScale:
    return _pcm_bank()


def _replay(test: AdaptiveTest, answers: dict[str, int]) -> list[str]:
    seq = []
    while (item := test.next_item()) is not None:
        seq.append(item)
        test.record(item, answers[item])
    return seq


def test_dichotomous_sequence_equals_catsims_maximum_information_selection() -> None:
    doc = json.loads(CATSIM.read_text(encoding="utf-8"))
    ref = reference_from_thresholds(
        dict(zip(doc["items"], doc["difficulty"], strict=True)), model="rasch"
    )
    for case in doc["cases"]:
        test = AdaptiveTest(ref, stop_se=doc["settings"]["stop_se"], max_items=15)
        answers = dict(zip(doc["items"], case["answers"], strict=True))
        assert _replay(test, answers) == case["catsim_sequence"], case["person"]


def test_first_item_is_most_informative_at_the_population_mean(bank) -> None:
    test = AdaptiveTest(bank, stop_se=0.4)
    est = test.estimate()
    assert est.estimator == "start" and est.n_items == 0
    first = test.next_item()
    loc = bank.items["location"].to_numpy()
    assert first == bank.item_ids[int(np.argmin(np.abs(loc - est.selection_point)))]


def test_serialised_midway_and_restored_continues_identically(bank) -> None:
    sim = simulate_responses(
        thresholds=[t[~np.isnan(t)] for t in bank.threshold_matrix],
        theta=[0.8],
        item_names=list(bank.item_ids),
        rng=1,
    )
    answers = {k: int(v) for k, v in sim.responses.iloc[0].items()}
    for kw in ({}, {"exposure_top": 3, "seed": 5}, {"estimator": "eap"}):
        whole = AdaptiveTest(bank, stop_se=0.35, **kw)  # type: ignore[arg-type]
        full = _replay(whole, answers)
        part = AdaptiveTest(bank, stop_se=0.35, **kw)  # type: ignore[arg-type]
        first = []
        for _ in range(3):
            item = part.next_item()
            assert item is not None
            first.append(item)
            part.record(item, answers[item])
        text = part.to_json()
        restored = AdaptiveTest.from_json(text, bank)
        assert restored.items == part.items and restored.answers == part.answers
        assert restored.estimate() == part.estimate()
        rest = _replay(restored, answers)
        assert first + rest == full
        assert restored.estimate() == whole.estimate()


def test_restoring_on_another_reference_is_refused(bank) -> None:
    text = AdaptiveTest(bank, stop_se=0.4).to_json()
    other = _pcm_bank(seed=5)
    with pytest.raises(ReferenceScaleError, match="started on reference sha256:"):
        AdaptiveTest.from_json(text, other)
    with pytest.raises(ValueError, match="not an adaptive test state"):
        AdaptiveTest.from_json('{"format": "x"}', bank)


def test_wle_is_the_score_tables_wle_for_the_items_given(bank) -> None:
    test = AdaptiveTest(bank, stop_se=0.3)
    answers = {it: 2 for it in bank.item_ids}
    answers.update({it: 3 for it in bank.item_ids[10:]})
    _replay(test, answers)
    est = test.estimate()
    table = bank.score_table(list(test.items)).set_index("raw_score")
    raw = sum(test.answers)
    assert est.measure == pytest.approx(table.loc[raw, "wle"], abs=1e-8)
    assert est.se == pytest.approx(table.loc[raw, "wle_se"], abs=1e-8)
    assert est.estimator == "wle" and est.se <= 0.3


def test_record_refuses_bad_answers(bank) -> None:
    test = AdaptiveTest(bank, stop_se=0.4)
    with pytest.raises(ValueError, match=r"not a category 0\.\.4"):
        test.record("i01", 5)
    with pytest.raises(ReferenceScaleError, match="unknown item"):
        test.record("zz", 1)
    test.record("i01", 1)
    with pytest.raises(ValueError, match="already answered"):
        test.record("i01", 1)
    with pytest.raises(ValueError, match="estimator"):
        AdaptiveTest(bank, estimator="mle")  # type: ignore[arg-type]


def test_simulation_equals_the_class_person_by_person(bank) -> None:
    theta = np.array([-2.0, -0.3, 0.0, 1.1, 2.6])
    sim = simulate_adaptive(bank, stop_se=0.4, theta=theta, rng=8)
    gen = np.random.default_rng(8)
    answers = simulate_responses(
        thresholds=[t[~np.isnan(t)] for t in bank.threshold_matrix],
        theta=theta,
        item_names=list(bank.item_ids),
        rng=gen,
    ).responses
    for p in range(theta.size):
        test = AdaptiveTest(bank, stop_se=0.4)
        seq = _replay(test, {k: int(v) for k, v in answers.iloc[p].items()})
        row = sim.persons.iloc[p]
        assert row["items_used"] == ";".join(seq)
        assert row["n_items"] == len(seq)
        assert row["measure"] == pytest.approx(test.estimate().measure, abs=1e-8)


def test_stopping_rules_and_limits(bank) -> None:
    sim = simulate_adaptive(bank, stop_se=0.2, max_items=6, n_persons=200, rng=1)
    assert (sim.persons["n_items"] == 6).all()
    assert not sim.persons["reached_target"].any()
    sim = simulate_adaptive(bank, stop_se=2.0, min_items=4, n_persons=50, rng=1)
    assert (sim.persons["n_items"] == 4).all()
    s = sim.summary()
    assert s["share_reached_target"] == 1.0 and s["median_items"] == 4


def test_domain_minimums_are_met(bank) -> None:
    dom = Domain("high", ("i18", "i19", "i20"), 2)
    sim = simulate_adaptive(bank, stop_se=0.5, max_items=5, domains=[dom], n_persons=100, rng=3)
    for used in sim.persons["items_used"]:
        assert len(set(used.split(";")) & set(dom.items)) >= 2


def test_exposure_control_spreads_the_items(bank) -> None:
    plain = simulate_adaptive(bank, stop_se=0.45, n_persons=400, rng=2).summary()
    spread = simulate_adaptive(bank, stop_se=0.45, n_persons=400, exposure_top=4, rng=2).summary()
    assert plain["max_exposure"] == 1.0  # everyone starts with the same item
    assert spread["max_exposure"] < 0.8


def test_adaptive_is_close_to_the_oracle(bank) -> None:
    sim = simulate_adaptive(bank, stop_se=0.45, n_persons=1500, rng=4)
    s = sim.summary()
    oracle = oracle_lengths(bank, sim.persons["theta"].to_numpy(), stop_se=0.45)
    assert s["mean_items"] <= oracle.mean() + 3
    assert s["correlation"] >= 0.88
    assert abs(s["bias"]) < 0.1


def test_replaying_real_answers_skips_unanswered_items(bank) -> None:
    sim = simulate_responses(
        thresholds=[t[~np.isnan(t)] for t in bank.threshold_matrix],
        n_persons=60,
        missing=0.3,
        item_names=list(bank.item_ids),
        rng=6,
    )
    out = simulate_adaptive(bank, stop_se=0.5, data=sim.responses)
    p = out.persons
    assert list(p.columns[:3]) == ["person", "full_measure", "full_se"]
    for i, used in enumerate(p["items_used"]):
        answered = set(sim.responses.columns[sim.responses.iloc[i].notna()])
        assert set(used.split(";")) <= answered
    assert out.summary()["compared_with"] == "full-length WLE"


def test_oracle_lengths() -> None:
    ref = reference_from_thresholds({f"d{i}": 0.0 for i in range(10)}, model="rasch")
    # each item gives 0.25 at theta 0: SE 0.5 needs 16 items, more than the bank
    assert oracle_lengths(ref, [0.0], stop_se=0.7).tolist() == [9]  # 1/0.49 = 2.04 / 0.25
    assert oracle_lengths(ref, [0.0], stop_se=0.5).tolist() == [10]
