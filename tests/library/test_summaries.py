"""One kind of summary and short reprs for every result object."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

import measure
from measure.diagnostics import Assessment, assess
from measure.summary import Summary


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    sim = measure.simulate_responses(
        thresholds=[[-1.5, 0.5], [-1.0, 1.0], [-0.5, 1.5], [0.0, 0.5], [-2.0, 0.0], [-0.2, 0.8]],
        n_persons=400,
        missing=0.03,
        rng=7,
    )
    data = sim.responses.copy()
    data.iloc[0] = np.nan  # a respondent with no answers: NaN measures in the summaries
    groups = pd.Series(np.where(np.arange(len(data)) % 2 == 0, "a", "b"), name="sex")
    cal = measure.calibrate(data, model="pcm")
    ref = measure.reference_from_calibration(cal)
    other = measure.simulate_responses(
        thresholds=[[-1.3, 0.7], [-0.8, 1.2], [-0.3, 1.7], [0.2, 0.7], [-1.8, 0.2], [0.0, 1.0]],
        n_persons=300,
        rng=8,
    )
    new_cal = measure.calibrate(other.responses, model="pcm")
    a = assess(cal, groups=groups)
    persons = cal.persons.assign(kommun=np.where(np.arange(len(cal.persons)) % 3, "A", "B"))
    occasions = {"pre": persons, "post": persons.assign(measure=persons["measure"] + 0.3)}
    assert a.dif is not None and a.lr_groups is not None
    return {
        "responses": measure.as_responses(data),
        "simulation": sim,
        "reference": ref,
        "link": measure.link(new_cal, ref),
        "comparison": measure.compare(occasions, by="kommun", threshold=0.5),
        "assessment": a,
        "dif": a.dif,
        "lr": a.lr_median,
        "lr_groups": a.lr_groups,
    }


NAMES = [
    "responses",
    "simulation",
    "reference",
    "link",
    "comparison",
    "assessment",
    "dif",
    "lr",
    "lr_groups",
]


@pytest.mark.parametrize("name", NAMES)
def test_summary_is_a_summary_with_strict_json(results: dict[str, Any], name: str) -> None:
    summary = results[name].summary()
    assert isinstance(summary, Summary)
    as_dict = summary.to_dict()
    assert json.loads(json.dumps(as_dict, allow_nan=False)) == as_dict
    assert set(as_dict) == set(summary)
    text = str(summary)
    assert text.startswith(summary.title) and "nan" not in text.lower().split()


@pytest.mark.parametrize("name", NAMES)
def test_repr_is_short_and_names_the_class(results: dict[str, Any], name: str) -> None:
    obj = results[name]
    text = repr(obj)
    assert text.startswith(type(obj).__name__ + "(")
    assert len(text) < 200 and "\n" not in text


def test_summaries_hold_the_key_figures(results: dict[str, Any]) -> None:
    rm = results["responses"]
    assert rm.summary()["n_persons"] == 400 and rm.summary()["n_items"] == 6
    assert results["simulation"].summary()["max_category"] == [2]
    ref = results["reference"]
    assert ref.summary()["content_hash"] == ref.content_hash
    lk = results["link"]
    assert lk.summary()["constant"] == lk.constant and lk.summary()["n_common"] == 6
    comparison = results["comparison"].summary()
    assert comparison["occasions"] == ["pre", "post"] and comparison["by"] == ["kommun"]
    lr = results["lr"]
    assert lr.summary()["split"] == "median" and lr.summary()["df"] == lr.df
    assert results["dif"].summary()["grouping"] == "sex"


def test_assessment_summary_and_text_speak_both_languages(results: dict[str, Any]) -> None:
    a: Assessment = results["assessment"]
    en, sv = a.summary("en"), a.summary("sv")
    topics = [v.topic for v in a.verdicts]
    assert [k for k in en if k in topics] == topics
    first = a.verdicts[0]
    assert en[first.topic]["verdict"] == first.text("en")
    assert sv[first.topic]["verdict"] == first.text("sv")
    assert a.text("en").startswith(f"[{first.status}] {first.text('en')}")
    assert "regel" not in a.text("sv") and "rule:" in a.text("sv")
    assert str(a) == a.text("en")
