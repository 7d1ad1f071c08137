"""Reference scales: build, save, load, verify, reporting units (``measure.reference``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import measure
from measure.exceptions import ReferenceScaleError
from measure.instrument import ReportingUnit, load_instrument
from measure.reference import (
    FORMAT_VERSION,
    ReferenceScale,
    load_reference,
    reference_from_dict,
    reference_from_thresholds,
    save_reference,
)
from measure.results import reference_from_calibration
from measure.scoring import score

THRESHOLDS = [[-1.5, -0.5, 0.5], [-1.0, 0.0, 1.0], [-0.5, 0.5, 1.5], [0.0, 0.5, 1.0], [-2.0, -1.0]]
CREATED = "2024-01-01T00:00:00+00:00"


@pytest.fixture(scope="module")
def calibration() -> measure.Calibration:
    sim = measure.simulate_responses(thresholds=THRESHOLDS, n_persons=400, rng=11)
    return measure.calibrate(sim.responses, model="pcm")


@pytest.fixture(scope="module")
def new_data() -> pd.DataFrame:
    return measure.simulate_responses(thresholds=THRESHOLDS, n_persons=60, rng=12).responses


@pytest.fixture
def ref(calibration: measure.Calibration) -> ReferenceScale:
    return reference_from_calibration(
        calibration,
        instrument_id="demo",
        instrument_version="1.0",
        reporting_unit="mean50_sd10",
        created=CREATED,
    )


# --------------------------------------------------------------------------------------------
# content
# --------------------------------------------------------------------------------------------


def test_reference_holds_the_calibration(ref: ReferenceScale, calibration: measure.Calibration):
    np.testing.assert_array_equal(ref.threshold_matrix, calibration.threshold_matrix)
    assert ref.item_ids == calibration.item_ids
    assert ref.model == "pcm"
    assert ref.thresholds.columns.tolist() == ["item", "category", "threshold", "se"]
    np.testing.assert_allclose(ref.thresholds["se"], calibration.thresholds["se"])
    assert ref.sample["n_persons"] == 400
    assert ref.sample["status_counts"] == calibration.status_counts()
    wle = calibration.persons["wle"]
    assert ref.sample["mean"] == pytest.approx(float(wle.mean()))
    assert ref.sample["sd"] == pytest.approx(float(wle.std(ddof=1)))
    assert ref.instrument_id == "demo" and ref.instrument_version == "1.0"
    assert ref.package_version == measure.__version__
    assert ref.content_hash.startswith("sha256:") and len(ref.content_hash) == 7 + 64


def test_anchors_round_trip_through_calibrate(
    ref: ReferenceScale, calibration: measure.Calibration, new_data: pd.DataFrame
):
    """The reference's anchors table fixes every threshold: nothing is re-estimated."""
    cal = measure.calibrate(new_data, model="pcm", anchors=ref.anchors)
    np.testing.assert_allclose(cal.threshold_matrix, calibration.threshold_matrix)
    assert cal.thresholds["anchored"].all()


def test_score_table_of_any_subset_matches_the_calibration(
    ref: ReferenceScale, calibration: measure.Calibration
):
    for subset in (None, ["item1", "item3"], ["item5"]):
        mine = ref.score_table(subset)
        theirs = calibration.score_table(subset)
        pd.testing.assert_frame_equal(mine[theirs.columns], theirs)
    assert {"wle_unit", "wle_se_unit", "mle_unit", "mle_se_unit"} <= set(mine.columns)


def test_score_table_unknown_item_is_refused(ref: ReferenceScale):
    with pytest.raises(ReferenceScaleError, match=r"unknown item\(s\) 'q9'.*item1"):
        ref.score_table(["item1", "q9"])


# --------------------------------------------------------------------------------------------
# reporting units
# --------------------------------------------------------------------------------------------


def test_mean50_sd10_unit(ref: ReferenceScale, calibration: measure.Calibration):
    wle = calibration.persons["wle"].to_numpy()
    unit = ref.to_unit(wle)
    assert float(np.mean(unit)) == pytest.approx(50.0)
    assert float(np.std(unit, ddof=1)) == pytest.approx(10.0)
    np.testing.assert_allclose(ref.se_to_unit([0.5]), [0.5 * 10 / ref.sample["sd"]])
    np.testing.assert_allclose(ref.from_unit(ref.to_unit([-1.0, 2.0])), [-1.0, 2.0])
    assert "mean 50 and SD 10" in str(ref.unit_definition)


def test_zero_to_hundred_unit(calibration: measure.Calibration):
    ref = reference_from_calibration(calibration, reporting_unit="0-100", created=CREATED)
    table = ref.score_table()
    assert table["wle_unit"].iloc[0] == pytest.approx(0.0)
    assert table["wle_unit"].iloc[-1] == pytest.approx(100.0)
    assert np.all(np.diff(table["wle_unit"]) > 0)


def test_explicit_unit_and_negative_slope(calibration: measure.Calibration):
    unit = ReportingUnit(name="reversed", intercept=10.0, slope=-2.0)
    ref = reference_from_calibration(calibration, reporting_unit=unit, created=CREATED)
    persons = ref.with_unit(calibration.persons)
    np.testing.assert_allclose(persons["measure_unit"], 10 - 2 * calibration.persons["measure"])
    np.testing.assert_allclose(persons["se_unit"], 2 * calibration.persons["se"])
    assert (persons["ci_lower_unit"] <= persons["ci_upper_unit"]).all()


def test_unknown_unit_is_refused(calibration: measure.Calibration):
    with pytest.raises(ValueError, match=r"reporting_unit='percent' is not .*'mean50_sd10'"):
        reference_from_calibration(calibration, reporting_unit="percent")  # type: ignore[arg-type]


def test_no_unit_means_no_unit_columns(calibration: measure.Calibration):
    ref = reference_from_calibration(calibration, created=CREATED)
    assert ref.reporting_unit is None
    assert ref.with_unit(calibration.persons) is calibration.persons
    with pytest.raises(ReferenceScaleError, match="no reporting unit"):
        ref.to_unit([0.0])


def test_instrument_gives_id_and_version():
    who5 = load_instrument("who5")
    thr = [[-2.0, -1.0, 0.0, 1.0, 2.0]] * 5
    sim = measure.simulate_responses(
        thresholds=thr, n_persons=300, rng=3, item_names=list(who5.item_ids)
    )
    cal = measure.calibrate(sim.responses, model="rsm", instrument=who5)
    ref = reference_from_calibration(cal, instrument=who5, created=CREATED)
    assert (ref.instrument_id, ref.instrument_version) == ("who5", who5.version)
    assert ref.model == "rsm"


# --------------------------------------------------------------------------------------------
# files: round trip and verification
# --------------------------------------------------------------------------------------------


def test_round_trip_scores_identically(ref: ReferenceScale, new_data: pd.DataFrame, tmp_path: Path):
    path = save_reference(ref, tmp_path / "ref.json")
    back = load_reference(path)
    assert back.content_hash == ref.content_hash
    pd.testing.assert_frame_equal(back.thresholds, ref.thresholds)
    pd.testing.assert_frame_equal(back.items, ref.items)
    assert back.reporting_unit == ref.reporting_unit
    assert back.created == CREATED
    a = score(new_data, ref, check_drift=False).persons
    b = score(new_data, back, check_drift=False).persons
    pd.testing.assert_frame_equal(a, b)


def test_reformatted_file_is_accepted(ref: ReferenceScale, tmp_path: Path):
    """The hash covers the content, not the layout: re-indenting the JSON is not an edit."""
    path = save_reference(ref, tmp_path / "ref.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(doc, indent=None, sort_keys=True), encoding="utf-8")
    assert load_reference(path).content_hash == ref.content_hash


def test_edited_threshold_is_refused(ref: ReferenceScale, tmp_path: Path):
    path = save_reference(ref, tmp_path / "ref.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["content"]["thresholds"][0]["threshold"] += 0.01
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    with pytest.raises(
        ReferenceScaleError,
        match=r"ref\.json: the content does not match its content hash.*"
        r"edited by hand",
    ):
        load_reference(path)


def test_edited_text_is_refused(ref: ReferenceScale, tmp_path: Path):
    path = save_reference(ref, tmp_path / "ref.json")
    text = path.read_text(encoding="utf-8")
    assert '"version": "1.0"' in text
    text = text.replace('"version": "1.0"', '"version": "1.1"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReferenceScaleError, match="does not match its content hash"):
        load_reference(path)


def test_newer_format_version_is_refused(ref: ReferenceScale):
    doc = ref.to_dict()
    doc["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(
        ReferenceScaleError, match=rf"format version {FORMAT_VERSION + 1} is newer.*upgrade measure"
    ):
        reference_from_dict(doc, source="ref.json")


def test_not_a_reference_is_refused(tmp_path: Path):
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(ReferenceScaleError, match=r"other\.json: not a reference scale"):
        load_reference(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReferenceScaleError, match=r"not valid JSON"):
        load_reference(path)
    with pytest.raises(ReferenceScaleError, match="cannot read"):
        load_reference(tmp_path / "missing.json")


def test_consistent_hash_but_broken_content_is_refused(ref: ReferenceScale):
    """Someone recomputed the hash after deleting a threshold: the content checks still run."""
    from measure.reference import FORMAT, _hash

    doc = ref.to_dict()
    del doc["content"]["thresholds"][0]
    doc["content_hash"] = _hash(
        {"format": FORMAT, "format_version": doc["format_version"], "content": doc["content"]}
    )
    with pytest.raises(
        ReferenceScaleError,
        match=r"item 'item1' needs thresholds for "
        r"categories 1\.\.3, got \[2, 3\]",
    ):
        reference_from_dict(doc, source="ref.json")


def test_save_is_atomic_on_failure(ref: ReferenceScale, tmp_path: Path):
    target = tmp_path / "ref.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(OSError):
        save_reference(ref, tmp_path / "no_such_dir" / "ref.json")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["ref.json"]


# --------------------------------------------------------------------------------------------
# fixed (published) parameters
# --------------------------------------------------------------------------------------------


def test_reference_from_thresholds_mapping_and_table():
    a = reference_from_thresholds({"a": -1.0, "b": 0.0, "c": 1.0}, model="rasch", created=CREATED)
    table = pd.DataFrame(
        {"item": ["a", "b", "c"], "category": [1, 1, 1], "threshold": [-1.0, 0.0, 1.0]}
    )
    b = reference_from_thresholds(table, model="rasch", created=CREATED)
    assert a.content_hash == b.content_hash
    assert a.items["location"].tolist() == [-1.0, 0.0, 1.0]
    assert a.calibration["method"] == "fixed"
    with pytest.raises(ReferenceScaleError, match="needs a calibration sample"):
        reference_from_thresholds({"a": 0.0}, reporting_unit="mean50_sd10")
    ref = reference_from_thresholds({"a": [-1.0, 1.0], "b": [0.0, 0.5]}, reporting_unit="0-100")
    assert ref.score_table()["wle_unit"].iloc[[0, -1]].tolist() == pytest.approx([0.0, 100.0])


def test_invalid_parameters_are_refused():
    with pytest.raises(ReferenceScaleError, match=r"thresholds must be finite.*item 'b'"):
        reference_from_thresholds({"a": 0.0, "b": float("nan")})
    with pytest.raises(ReferenceScaleError, match="model 'rasch' needs one threshold per item"):
        reference_from_thresholds({"a": [0.0, 1.0]}, model="rasch")
    with pytest.raises(ReferenceScaleError, match="model 'logit' is not one of"):
        reference_from_thresholds({"a": 0.0}, model="logit")
