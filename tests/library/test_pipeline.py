"""The one pipeline: every entry point (calibrate, score, sub-fits, collapsing) takes its route,
and a second pass never goes back through the input gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import measure
from measure import pipeline
from measure._estimation import cml
from measure.diagnostics._subfit import fit_items
from measure.diagnostics.categories import collapse_categories
from measure.reliability import separation_reliability

THRESHOLDS = [[-1.5, -0.5, 0.5], [-1.0, 0.0, 1.0], [-0.5, 0.5, 1.5], [0.0, 0.5, 1.0], [-1, 0, 2]]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    sim = measure.simulate_responses(n_persons=400, thresholds=THRESHOLDS, rng=5)
    frame = sim.responses.copy()
    rng = np.random.default_rng(6)
    frame = frame.mask(rng.random(frame.shape) < 0.05)  # 5 % missing at random
    frame.insert(0, "pid", [f"P{i:03d}" for i in range(len(frame))])
    frame.insert(1, "kommun", np.where(np.arange(len(frame)) % 2 == 0, "Norrby", "Söderås"))
    return frame


def test_collapse_keeps_ids_rows_and_kept_columns(data: pd.DataFrame) -> None:
    cal = measure.calibrate(
        data,
        id_column="pid",
        keep=["kommun"],
        row_numbers=np.arange(len(data)) + 7,
        min_answered=3,
    )
    merged = collapse_categories(cal, {"item1": [0, 1, 1, 2]})
    assert merged.persons["person"].tolist() == data["pid"].tolist()
    assert merged.persons["row"].tolist() == list(range(7, 7 + len(data)))
    assert merged.persons["kommun"].tolist() == data["kommun"].tolist()
    assert merged.min_answered == 3 and merged.person_estimator == cal.person_estimator
    assert int(merged.max_category[0]) == 2
    # the same as recoding the data and calibrating it afresh
    recoded = data.drop(columns="kommun")
    recoded["item1"] = recoded["item1"].map({0: 0, 1: 1, 2: 1, 3: 2})
    want = measure.calibrate(recoded, id_column="pid", min_answered=3)
    np.testing.assert_allclose(merged.items["location"], want.items["location"], atol=1e-9)
    np.testing.assert_allclose(
        merged.persons["measure"], want.persons["measure"], atol=1e-9, equal_nan=True
    )


def test_every_threshold_anchored_estimates_nothing(data: pd.DataFrame) -> None:
    cal = measure.calibrate(data, id_column="pid", keep=["kommun"])
    rm = cal.responses
    max_cat = cal.max_category
    anchors = {
        (j, k): float(cal.threshold_matrix[j, k - 1])
        for j in range(max_cat.size)
        for k in range(1, int(max_cat[j]) + 1)
    }
    fit = pipeline.fit(rm.values, max_cat, list(rm.items), "pcm", anchors=anchors)
    assert fit.item.method == "anchored" and fit.item.iterations == 0
    assert not fit.item.cov.any()
    # at the free optimum the anchored log-likelihood is the calibration's
    assert fit.item.loglik == pytest.approx(cal.loglik, abs=1e-8)
    assert fit.persons is not None
    np.testing.assert_allclose(fit.persons.wle, cal.persons["wle"], atol=1e-9, equal_nan=True)
    # and score() on a reference made from it gives the same persons table, kept column too
    scored = measure.score(data, cal.to_reference(), id_column="pid", keep=["kommun"])
    assert list(scored.persons.columns) == list(cal.persons.columns)
    for col in cal.persons.columns:
        if pd.api.types.is_float_dtype(cal.persons[col]):
            np.testing.assert_allclose(scored.persons[col], cal.persons[col], atol=1e-9)
        else:
            assert scored.persons[col].tolist() == cal.persons[col].tolist(), col


def test_sub_fit_is_the_calibration_of_the_sub_matrix(data: pd.DataFrame) -> None:
    cal = measure.calibrate(data, id_column="pid", method="cml", exclude=["kommun"])
    half = cal.values[: len(data) // 2]
    sub = fit_items(half, cal.max_category, "pcm")
    want = measure.calibrate(pd.DataFrame(np.where(half >= 0, half, np.nan)), method="cml")
    np.testing.assert_allclose(sub.locations, want.items["location"], atol=1e-9)
    np.testing.assert_allclose(np.sqrt(np.diag(sub.location_cov)), want.items["se"], atol=1e-9)
    assert sub.loglik == pytest.approx(want.loglik, abs=1e-8)


def test_reliability_per_key_equals_per_person(data: pd.DataFrame) -> None:
    cal = measure.calibrate(data, id_column="pid", exclude=["kommun"])
    ok = cal.persons["status"] == "ok"
    per_person = separation_reliability(
        cal.persons.loc[ok, "wle"].to_numpy(), cal.persons.loc[ok, "wle_se"].to_numpy()
    )
    assert cal.reliability["person_reliability"] == pytest.approx(
        per_person["reliability"], rel=1e-12
    )
    assert cal.reliability["person_strata"] == pytest.approx(per_person["strata"], rel=1e-12)


def test_the_instrument_model_is_the_default() -> None:
    inst = measure.load_instrument("k6")
    sim = measure.simulate_responses(
        n_persons=300,
        thresholds=[[-1.0, -0.3, 0.4, 1.1]] * 6,
        item_names=list(inst.item_ids),
        rng=3,
    )
    cal = measure.calibrate(sim.responses, instrument=inst)
    assert cal.model == inst.default_model
    assert cal.min_answered == inst.min_answered
    explicit = measure.calibrate(sim.responses, instrument=inst, model="pcm")
    assert explicit.model == "pcm"


def test_rows_are_numbered_as_in_a_file_with_a_header() -> None:
    frame = pd.DataFrame({"a": [0, 1, 1, 0], "b": [1, 0, 1, 0]})
    assert measure.calibrate(frame).persons["row"].tolist() == [2, 3, 4, 5]
    assert measure.calibrate(frame.to_numpy()).persons["row"].tolist() == [1, 2, 3, 4]


def test_blank_rows_say_so_in_the_library(data: pd.DataFrame) -> None:
    frame = data.copy()
    frame.loc[3, [c for c in frame.columns if c != "kommun"]] = np.nan
    frame = frame.drop(columns="kommun")
    cal = measure.calibrate(frame, id_column="pid")
    assert cal.persons.loc[3, "status"] == "no_answers"
    assert cal.persons.loc[3, "reason"].startswith("blank row")


def test_counting_happens_once(data: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    """One counting pass per pipeline run (null categories collapsed: one more per merge)."""
    calls = []
    real = cml.count

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cml, "count", counting)
    measure.calibrate(data, id_column="pid", keep=["kommun"])
    assert len(calls) == 1


def test_summary_and_repr_are_short(data: pd.DataFrame) -> None:
    cal = measure.calibrate(data, id_column="pid", keep=["kommun"])
    s = cal.summary()
    assert s["model"] == "pcm" and "model: pcm" in str(s)
    assert isinstance(s.to_dict()["reliability"]["person_reliability"], float)
    assert len(repr(cal)) < 200 and "DataFrame" not in repr(cal)
    scored = measure.score(data, cal.to_reference(), id_column="pid")
    assert len(repr(scored)) < 200
    assert "drifting_items" in scored.summary().to_dict()


def test_reliability_over_all_measured_per_key_equals_per_person(data: pd.DataFrame) -> None:
    cal = measure.calibrate(data, id_column="pid", exclude=["kommun"])
    measured = cal.persons["status"].isin(["ok", "extreme_min", "extreme_max"])
    per_person = separation_reliability(
        cal.persons.loc[measured, "wle"].to_numpy(), cal.persons.loc[measured, "wle_se"].to_numpy()
    )
    assert cal.reliability["person_reliability_all_measured"] == pytest.approx(
        per_person["reliability"], rel=1e-12
    )


@pytest.mark.parametrize("missing", [0.0, 0.03])
def test_conditional_fit_from_the_pipeline_counts_equals_from_the_data(missing: float) -> None:
    from measure.diagnostics.conditional import (
        conditional_fit_columns,
        conditional_fit_from_counts,
    )

    thr = [list(np.linspace(-1, 1, 3) + loc) for loc in np.linspace(-1, 1, 8)]
    sim = measure.simulate_responses(n_persons=30000, thresholds=thr, rng=5, missing=missing)
    values = sim.responses.fillna(-1).to_numpy().astype(np.int16)
    max_cat = np.full(8, 3, dtype=np.int64)
    fit = pipeline.fit(values, max_cat, [f"i{j}" for j in range(8)], "pcm")
    assert fit.fit is not None and fit.fit.key_cells is not None and fit.persons is not None
    got = conditional_fit_from_counts(
        fit.fit.key_cells,
        fit.persons.key_pattern,
        fit.persons.key_score,
        fit.counted.index.pattern_masks,
        fit.item.thresholds,
        max_cat,
    )
    want = conditional_fit_columns(values, fit.item.thresholds, max_cat)
    for name, column in want.items():
        assert np.isfinite(column).all(), name
        np.testing.assert_allclose(got[name], column, rtol=1e-12, atol=1e-15, err_msg=name)
