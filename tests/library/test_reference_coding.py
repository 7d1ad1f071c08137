"""A self-describing reference: it records how its calibration's answers were coded, and new data
are scored the same way or refused with what differs; never shifted."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import measure
from measure.cli.main import cli
from measure.exceptions import ReferenceScaleError
from measure.reference import load_reference, reference_from_dict, save_reference
from measure.responses import Coding

THRESHOLDS = [[-1.2, -0.2, 0.8], [-0.8, 0.2, 1.2], [-1.0, 0.0, 1.0], [-0.5, 0.4, 1.4]]
ITEMS = ["q1", "q2", "q3", "q4"]


def coded_from_one(n: int, seed: int) -> pd.DataFrame:
    """Answers coded 1..4, q2 reverse-keyed in the file, 9 = don't know, labels on q4."""
    sim = measure.simulate_responses(n_persons=n, thresholds=THRESHOLDS, rng=seed)
    frame = sim.responses.set_axis(ITEMS, axis=1).astype(object) + 1
    frame["q2"] = 5 - frame["q2"]
    rng = np.random.default_rng(seed)
    frame = frame.mask(rng.random(frame.shape) < 0.03, 9)
    frame.insert(0, "id", [f"p{i:04d}" for i in range(n)])
    return frame


OPTIONS = dict(min_category=1, reverse=["q2"], missing_codes=[9], max_category=3)


@pytest.fixture(scope="module")
def calibration() -> measure.Calibration:
    return measure.calibrate(coded_from_one(500, 1), id_column="id", **OPTIONS)


def test_the_coding_round_trips(calibration: measure.Calibration, tmp_path: Path) -> None:
    ref = calibration.to_reference()
    assert ref.coding == Coding(min_category=1, missing_codes=("9",), reversed_items=("q2",))
    path = save_reference(ref, tmp_path / "ref.json")
    back = load_reference(path)
    assert back.coding == ref.coding and back.content_hash == ref.content_hash
    labelled = dataclasses.replace(
        ref, coding=dataclasses.replace(ref.coding, value_labels={"q4": {"1": "Aldrig"}})
    )
    assert reference_from_dict(labelled.to_dict()).coding == labelled.coding
    assert labelled.content_hash != ref.content_hash  # the coding is part of the content


def test_new_data_are_read_with_the_reference_coding(calibration: measure.Calibration) -> None:
    ref = calibration.to_reference()
    new = coded_from_one(200, 2)
    # nobody uses the top code of any item: a reader guessing codes 0..3 would shift everyone
    new[ITEMS] = new[ITEMS].mask(new[ITEMS] == 4, 3)
    scored = measure.score(new, ref, id_column="id", check_drift=False)
    anchors = ref.thresholds.set_index(["item", "category"])["threshold"]
    want = measure.calibrate(new, id_column="id", anchors=anchors.reset_index(), **OPTIONS).persons
    np.testing.assert_allclose(scored.persons["measure"], want["measure"], atol=1e-9)
    assert scored.persons["status"].tolist() == want["status"].tolist()


def test_options_that_disagree_are_refused(calibration: measure.Calibration) -> None:
    ref = calibration.to_reference()
    new = coded_from_one(50, 3)
    with pytest.raises(ReferenceScaleError, match=r"coded from 1 \(min_category=1\).*=0"):
        measure.score(new, ref, id_column="id", min_category=0)
    with pytest.raises(ReferenceScaleError, match=r"reference reversed the items q2.*\(none\)"):
        measure.score(new, ref, id_column="id", reverse=[])
    # the same options as the reference's are accepted, and extra missing codes add to its own
    same = measure.score(
        new.replace(9, 8), ref, id_column="id", min_category=1, reverse=["q2"], missing_codes=[8]
    )
    assert same.responses.coding.missing_codes == ("9", "8")


def test_a_format_1_reference_still_loads(calibration: measure.Calibration) -> None:
    old = dataclasses.replace(calibration.to_reference(), coding=None, format_version=1)
    doc = old.to_dict()
    assert doc["format_version"] == 1 and "coding" not in doc["content"]
    back = reference_from_dict(doc)
    assert back.coding is None and back.content_hash == old.content_hash


def test_cli_score_uses_the_reference_coding(tmp_path: Path) -> None:
    data = tmp_path / "wave1.csv"
    coded_from_one(400, 4).to_csv(data, index=False)
    ref = tmp_path / "ref.json"
    args = ["calibrate", str(data), "--id-column", "id", "--out", str(tmp_path / "cal")]
    args += ["--min-category", "1", "--max-code", "4", "--reverse", "q2", "--missing-code", "9"]
    result = CliRunner().invoke(cli, [*args, "--save-reference", str(ref)])
    assert result.exit_code == 0, result.output
    wave2 = tmp_path / "wave2.csv"
    coded_from_one(150, 5).to_csv(wave2, index=False)
    out = tmp_path / "score"
    base = ["score", str(wave2), "--reference", str(ref), "--id-column", "id"]
    ok = CliRunner().invoke(cli, [*base, "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    persons = pd.read_csv(out / "persons.csv")
    want = measure.score(pd.read_csv(wave2), load_reference(ref), id_column="id").persons
    np.testing.assert_allclose(persons["measure"], want["measure"], rtol=1e-6)
    refused = CliRunner().invoke(cli, [*base, "--out", str(tmp_path / "x"), "--min-category", "0"])
    assert refused.exit_code == 1
    assert "coded from 1 (min_category=1)" in refused.output
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())
