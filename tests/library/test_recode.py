"""Recodes and label synonyms on input (no instrument to write): the gate reads a recoded value
as if the file held the new code, a label synonym as its code; both are recorded in the summary
and in a saved reference, and ``score`` applies them again or refuses other ones."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import measure
from measure.cli.main import cli
from measure.cli.options import _labels, _recodes
from measure.exceptions import RecodeWarning, ReferenceScaleError, ResponseDataError
from measure.reference import load_reference, reference_from_dict, save_reference
from measure.responses import Coding, as_responses, recode_key, select_items

THRESHOLDS = [[-1.2, -0.4, 0.3, 1.1], [-0.8, 0.0, 0.6, 1.4], [-1.0, -0.2, 0.5, 1.2]]
ITEMS = ["q1", "q2", "q3"]
ONE_TO_FIVE = {"*": {1: 0, 2: 1, 3: 2, 4: 3, 5: 4}}


def coded(n: int, seed: int) -> pd.DataFrame:
    """Answers coded 0..4 with an id column."""
    sim = measure.simulate_responses(n_persons=n, thresholds=THRESHOLDS, rng=seed)
    frame = sim.responses.set_axis(ITEMS, axis=1)
    frame.insert(0, "id", [f"p{i:03d}" for i in range(n)])
    return frame


def tables(cal: measure.Calibration) -> dict[str, pd.DataFrame]:
    return {
        "items": cal.items,
        "thresholds": cal.thresholds,
        "persons": cal.persons,
        "score_table": cal.score_table(),
    }


def assert_same_tables(a: measure.Calibration, b: measure.Calibration) -> None:
    ta, tb = tables(a), tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True, obj=name)


# --------------------------------------------------------------------------- the same estimates


def test_recoding_1_to_5_as_0_to_4_equals_recoding_the_data_first() -> None:
    data = coded(400, 1)
    shifted = data.assign(**{q: data[q] + 1 for q in ITEMS})
    shifted.loc[3, "q2"] = 9  # and a 9 recoded to missing in q2 only
    want = data.astype({"q2": "Int64"})
    want.loc[3, "q2"] = pd.NA
    recode = {**ONE_TO_FIVE, "q2": {9: None}}
    cal = measure.calibrate(shifted, id_column="id", recode=recode)
    assert_same_tables(cal, measure.calibrate(want, id_column="id"))
    assert cal.responses.coding.recode == {
        "q1": {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4},
        "q2": {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "9": None},
        "q3": {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4},
    }
    assert cal.summary()["coding"]["recode"] == cal.responses.coding.recode


def test_a_recode_applies_before_the_range_check_and_the_lowest_code() -> None:
    # 7 is out of range (top 4 with min_category=1) but is recoded before the check
    frame = pd.DataFrame({"q1": [1, 2, 7, 5], "q2": [5, 7, 1, 2]})
    rm = as_responses(frame, min_category=1, max_category=4, recode={"q1,q2": {7: 3}})
    assert rm.values.T.tolist() == [[0, 1, 2, 4], [4, 2, 0, 1]]
    # a recoded value is read as the file's value would be: reverse keys still apply
    rev = as_responses(frame, min_category=1, max_category=4, reverse=["q2"], recode={"*": {7: 3}})
    assert rev.values[:, 1].tolist() == [0, 2, 4, 3]


def test_label_synonym_on_a_text_export_equals_the_coded_data() -> None:
    inst = measure.load_instrument("who5")
    sim = measure.simulate_responses(
        n_persons=300, thresholds=[[-1.5, -0.8, -0.1, 0.6, 1.3]] * 5, rng=3
    )
    codes = sim.responses.set_axis(list(inst.item_ids), axis=1)
    swedish = {c.code: c.labels["sv"] for c in inst.items[0].categories}
    swedish[0] = "  ingen GÅNG "  # the local wording of category 0, as typed
    text = codes.apply(lambda col: col.map(swedish))
    assert (text == "  ingen GÅNG ").any().any()
    with pytest.raises(ResponseDataError, match=r"(?s)invalid cells.*'  ingen GÅNG '"):
        measure.calibrate(text, instrument=inst)
    cal = measure.calibrate(text, instrument=inst, labels={"Ingen gång": 0})
    assert_same_tables(cal, measure.calibrate(codes, instrument=inst))
    assert cal.responses.coding.labels == {"ingen gång": 0}


def test_a_recode_of_a_text_value_for_some_items_only() -> None:
    frame = pd.DataFrame({"q1": ["Ibland", 0, 2], "q2": [1, 2, 0]})
    rm = as_responses(frame, recode={"q1": {"ibland": 1}})
    assert rm.values.T.tolist() == [[1, 0, 2], [1, 2, 0]]


# --------------------------------------------------------------------------- refused


def test_unknown_items_and_codes_are_refused_with_the_allowed_values() -> None:
    frame = pd.DataFrame({"q1": [1, 2], "q2": [2, 1], "q3": [1, 1]})
    with pytest.raises(ResponseDataError, match=r"'q9' is neither an item.*items: q1, q2, q3"):
        as_responses(frame, recode={"q1,q9": {1: 0}})
    with pytest.raises(ResponseDataError, match=r"'q3' comes after 'q1'.*q1\.\.q3"):
        as_responses(frame, recode={"q3..q1": {1: 0}})
    with pytest.raises(ResponseDataError, match=r"item 'q1': 9 -> 7: 7 is not an answer code"):
        as_responses(frame, max_category=4, recode={"*": {9: 7}})
    with pytest.raises(ValueError, match=r"recoded to 0 by '\*' and to 1 by 'q2'"):
        as_responses(frame, recode={"*": {2: 0}, "q2": {2: 1}})
    with pytest.raises(ValueError, match=r"a number is not a label"):
        as_responses(frame, labels={"3": 1})
    with pytest.raises(ValueError, match=r"'2.5' is not a whole number"):
        as_responses(frame, recode={"q1": {"2.5": 1}})


def test_a_label_that_contradicts_the_instrument_or_a_missing_code_is_refused() -> None:
    inst = measure.load_instrument("who5")
    frame = pd.DataFrame({it: [0, 1, 5] for it in inst.item_ids})
    with pytest.raises(ResponseDataError, match=r"'hela tiden'=2 conflicts with instrument 'who5'"):
        as_responses(frame, instrument=inst, labels={"Hela  tiden": 2})
    with pytest.raises(ResponseDataError, match=r"'vet ej'=1 is a missing code"):
        as_responses(frame, instrument=inst, labels={"Vet ej": 1})
    with pytest.raises(ResponseDataError, match=r"label 'aldrig'=6: 6 is not an answer code"):
        as_responses(frame, instrument=inst, labels={"Aldrig": 6})
    # the same meaning as the instrument's label is harmless
    same = as_responses(frame, instrument=inst, labels={"Hela tiden": 5}, warn_unused=False)
    assert same.values[:, 0].tolist() == [0, 1, 5]


def test_a_value_that_never_occurs_is_warned_about() -> None:
    frame = pd.DataFrame({"q1": [1, 2, 9], "q2": [2, 1, 1]})
    with pytest.warns(RecodeWarning, match=r"recode 8=missing matched no cell of item\(s\) q1, q2"):
        as_responses(frame, recode={"*": {8: None, 9: None}})
    with pytest.warns(RecodeWarning, match=r"label 'aldrig'=0 matched no cell"):
        as_responses(frame, labels={"Aldrig": 0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 9 occurs in q1 only: no warning
        as_responses(frame, recode={"*": {9: None}})


# --------------------------------------------------------------------------- the reference


def test_the_reference_records_recodes_and_labels_and_score_applies_them(tmp_path: Path) -> None:
    data = coded(400, 5)
    raw = data.assign(**{q: (data[q] + 1).astype(object) for q in ITEMS})
    raw.loc[raw["q3"] == 1, "q3"] = "Aldrig"  # q3's lowest answer written as text
    options = {"recode": ONE_TO_FIVE, "labels": {"Aldrig": 1}}
    cal = measure.calibrate(raw, id_column="id", **options)
    ref = load_reference(save_reference(cal.to_reference(), tmp_path / "ref.json"))
    assert ref.coding is not None and ref.coding.labels == {"aldrig": 1}
    assert ref.coding.recode == cal.responses.coding.recode
    assert ref.content_hash == cal.to_reference().content_hash

    new = coded(150, 6)
    new_raw = new.assign(**{q: (new[q] + 1).astype(object) for q in ITEMS})
    new_raw.loc[new_raw["q3"] == 1, "q3"] = "aldrig"
    scored = measure.score(new_raw, ref, id_column="id", check_drift=False)
    plain = dataclasses.replace(ref, coding=Coding())  # the same anchors, no recode
    want = measure.score(new, plain, id_column="id", check_drift=False)
    pd.testing.assert_frame_equal(scored.persons, want.persons, check_exact=True)
    assert scored.summary()["coding"]["labels"] == {"aldrig": 1}
    # the same options again are accepted; another recode or label meaning is refused
    again = measure.score(new_raw, ref, id_column="id", check_drift=False, **options)
    pd.testing.assert_frame_equal(again.persons, scored.persons)
    with pytest.raises(ReferenceScaleError, match=r"reference recodes \[q1: 1=0.*\(none\)\]"):
        measure.score(new_raw, ref, id_column="id", recode={"q2,q3": ONE_TO_FIVE["*"]})
    with pytest.raises(ReferenceScaleError, match=r"label 'aldrig' as 1, the options as 2"):
        measure.score(new_raw, ref, id_column="id", labels={"Aldrig": 2})


def test_references_without_recodes_keep_their_content_and_hash() -> None:
    ref = measure.calibrate(coded(200, 7), id_column="id").to_reference()
    doc = ref.to_dict()
    assert "recode" not in doc["content"]["coding"] and "labels" not in doc["content"]["coding"]
    assert reference_from_dict(doc).content_hash == ref.content_hash
    assert Coding.from_dict({"min_category": 1}) == Coding(min_category=1)
    with pytest.raises(ValueError, match=r"coding.recode must map items"):
        Coding.from_dict({"recode": {"q1": {"1": "zero"}}})


# --------------------------------------------------------------------------- the command line


def test_cli_recode_and_label_are_recorded_and_reused(tmp_path: Path) -> None:
    data = coded(300, 8)
    raw = data.assign(**{q: (data[q] + 1).astype(object) for q in ITEMS})
    raw.loc[raw["q1"] == 5, "q1"] = "Alltid"
    raw.to_csv(tmp_path / "w1.csv", index=False)
    ref = tmp_path / "ref.json"
    args = [
        "calibrate",
        str(tmp_path / "w1.csv"),
        "--id-column",
        "id",
        "--out",
        str(tmp_path / "c"),
    ]
    args += ["--recode", "q1-q2:1=0,2=1,3=2,4=3,5=4", "--recode", "q3:1=0,2=1,3=2,4=3,5=4"]
    args += ["--label", "alltid=5", "--save-reference", str(ref)]
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 0, run.output
    assert "Recoded (q1, q2, q3): 1=0, 2=1, 3=2, 4=3, 5=4." in run.output
    summary = json.loads((tmp_path / "c" / "summary.json").read_text(encoding="utf-8"))
    assert summary["coding"]["labels"] == {"alltid": 5}
    assert summary["coding"]["recode"]["q2"] == {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4}
    want = measure.calibrate(data, id_column="id")
    persons = pd.read_csv(tmp_path / "c" / "persons.csv")
    np.testing.assert_allclose(persons["measure"], want.persons["measure"], rtol=1e-6)

    base = ["score", str(tmp_path / "w1.csv"), "--reference", str(ref), "--id-column", "id"]
    ok = CliRunner().invoke(cli, [*base, "--out", str(tmp_path / "s")])
    assert ok.exit_code == 0, ok.output
    scored = pd.read_csv(tmp_path / "s" / "persons.csv")
    np.testing.assert_allclose(scored["measure"], want.persons["measure"], rtol=1e-6)
    refused = CliRunner().invoke(cli, [*base, "--out", str(tmp_path / "x"), "--recode", "*:5=4"])
    assert refused.exit_code == 1
    assert "the reference recodes [q1: 1=0" in refused.output


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--recode", "q1=0", r"'q1=0': expected ITEMS:FROM=TO"),
        ("--recode", "q1:1=zero", r"'zero' \(in '1=zero'\) is neither a code"),
        ("--recode", "q1:1", r"'1' is not FROM=TO"),
        ("--recode", "q1:1=0,1=2", r"'1' of 'q1' is recoded twice, to 0 and to 2"),
        ("--label", "Aldrig", r"'Aldrig': expected TEXT=CODE"),
        ("--label", "Aldrig=x", r"'x' is not a code"),
        ("--label", "3=1", r"'3' is a number, not a label"),
    ],
)
def test_cli_parse_errors_name_the_option_the_value_and_the_form(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    coded(20, 9).to_csv(tmp_path / "d.csv", index=False)
    run = CliRunner().invoke(
        cli, ["calibrate", str(tmp_path / "d.csv"), "--out", str(tmp_path / "o"), option, value]
    )
    assert run.exit_code == 2
    assert f"Invalid value for '{option}'" in run.output
    assert pd.Series([run.output]).str.contains(message).all(), run.output


def test_cli_unknown_item_lists_the_items(tmp_path: Path) -> None:
    coded(20, 9).to_csv(tmp_path / "d.csv", index=False)
    args = ["calibrate", str(tmp_path / "d.csv"), "--id-column", "id"]
    run = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "o"), "--recode", "q7:1=0"])
    assert run.exit_code == 1
    assert "'q7' is neither an item nor a range of items (items: q1, q2, q3" in run.output


# --------------------------------------------------------------------------- properties

NAMES = st.text(alphabet="abcxyz_0123456789", min_size=1, max_size=6)
VALUES = st.one_of(
    st.integers(-50, 200).map(str), st.text(alphabet="abc ÅÄÖåäö", min_size=1).filter(str.strip)
)
TARGETS = st.one_of(st.none(), st.integers(0, 99))


@given(
    spec=st.one_of(st.just("*"), st.lists(NAMES, min_size=1, max_size=4).map(",".join)),
    pairs=st.dictionaries(VALUES, TARGETS, min_size=1, max_size=6),
    missing_word=st.sampled_from(["missing", "MISSING", ""]),
)
def test_recode_option_round_trips(
    spec: str, pairs: dict[str, int | None], missing_word: str
) -> None:
    keys = {recode_key(v) for v in pairs}
    if len(keys) < len(pairs):  # two spellings of one label: not a round trip
        return
    text = (
        spec + ":" + ",".join(f"{v}={missing_word if t is None else t}" for v, t in pairs.items())
    )
    parsed = _recodes(None, None, (text,))  # type: ignore[arg-type]
    assert parsed == {spec: {recode_key(v): t for v, t in pairs.items()}}
    # the gate reads the same recodes from the parsed option as from the mapping given
    assert parsed[spec] == {recode_key(k): t for k, t in parsed[spec].items()}


@given(label=st.text(min_size=1).filter(lambda t: "=" not in t), code=st.integers(-5, 99))
def test_label_option_round_trips_or_names_the_value(label: str, code: int) -> None:
    text = f"{label}={code}"
    try:
        parsed = _labels(None, None, (text,))  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - the message must name the value given
        assert repr(text) in str(exc)
        return
    assert parsed == {recode_key(label): code}


@given(
    n=st.integers(1, 12),
    bounds=st.tuples(st.integers(0, 11), st.integers(0, 11)),
    sep=st.sampled_from(["..", "-"]),
)
def test_a_range_is_the_slice_of_the_items(n: int, bounds: tuple[int, int], sep: str) -> None:
    items = [f"q{k + 1}" for k in range(n)]
    i, j = sorted(min(b, n - 1) for b in bounds)
    assert select_items(f"{items[i]}{sep}{items[j]}", items) == items[i : j + 1]
    assert select_items("*", items) == items


def test_a_recode_of_a_large_numeric_column_equals_recoding_first() -> None:
    # 10,000 rows or more take the gate's presence-table path instead of hashing
    rng = np.random.default_rng(11)
    codes = rng.integers(0, 5, size=(12_000, 2))
    frame = pd.DataFrame(codes + 1, columns=["q1", "q2"]).astype(float)
    frame.iloc[::97, 0] = 9.0
    want = pd.DataFrame(codes, columns=["q1", "q2"]).astype(float)
    want.iloc[::97, 0] = np.nan
    rm = as_responses(frame, recode={"*": {1: 0, 2: 1, 3: 2, 4: 3, 5: 4}, "q1": {9: None}})
    np.testing.assert_array_equal(rm.values, as_responses(want).values)


def test_cli_report_records_the_recode_in_its_settings(tmp_path: Path) -> None:
    data = coded(200, 12)
    data.assign(**{q: data[q] + 1 for q in ITEMS}).to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "r.html"
    args = ["report", str(tmp_path / "d.csv"), "--id-column", "id", "--out", str(out)]
    run = CliRunner().invoke(cli, [*args, "--recode", "*:1=0,2=1,3=2,4=3,5=4,9=missing"])
    assert run.exit_code == 0, run.output
    assert "recode 9=missing matched no cell" in run.output  # the warning, collected
    html = out.read_text(encoding="utf-8")
    assert "Recoded (q1, q2, q3): 1=0, 2=1, 3=2, 4=3, 5=4, 9=missing." in html
    assert "--recode &#x27;*:1=0,2=1,3=2,4=3,5=4,9=missing&#x27;" in html  # the command line
