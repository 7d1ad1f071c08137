"""The instrument template (``measure instruments new``): it loads, calibrates, covers every
key, and the copies in docs/ stay equal to what the command writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import measure
from measure.instrument import (
    _CATEGORY_REQUIRED,
    _ITEM_OPTIONAL,
    _ITEM_REQUIRED,
    _TOP_OPTIONAL,
    _TOP_REQUIRED,
    _UNIT_REQUIRED,
    instrument_ids,
    load_instrument,
    localised,
    parse_instrument,
)
from measure.instrument_template import instrument_template, template_id
from measure.simulate import simulate_responses

DOCS = Path(__file__).parents[2] / "docs"


@pytest.mark.parametrize(
    ("name", "lang"), [("instrument-template.toml", "en"), ("instrument-template-sv.toml", "sv")]
)
def test_docs_copies_equal_what_instruments_new_writes(name: str, lang: str) -> None:
    shipped = (DOCS / name).read_text(encoding="utf-8")
    assert shipped == instrument_template(lang=lang), (
        f'docs/{name} is stale; regenerate it with: .venv/bin/python -c "from '
        "measure.instrument_template import instrument_template as t; open('docs/"
        f"{name}', 'w', encoding='utf-8').write(t(lang='{lang}'))\""
    )


def test_docs_copies_are_not_shipped_instruments() -> None:
    assert not any("template" in inst_id for inst_id in instrument_ids())
    assert load_instrument(DOCS / "instrument-template.toml").id == "my_scale"


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_template_names_every_key_of_an_instrument_file(lang: str) -> None:
    text = instrument_template(lang=lang)
    lines = [line.lstrip("# ") for line in text.splitlines()]
    tables = {
        "items": "[[items]]",
        "categories": "[[items.categories]]",
        "reporting_unit": "[reporting_unit]",
    }
    for key in (*_TOP_REQUIRED, *_TOP_OPTIONAL, *_UNIT_REQUIRED, *_CATEGORY_REQUIRED):
        assert any(line.startswith((f"{key} = ", tables.get(key, "="))) for line in lines), key
    for key in (*_ITEM_REQUIRED, *_ITEM_OPTIONAL):  # set, or explained in the items' comment
        starts = (f"{key} = ", f"{key} (", tables.get(key, "="))
        assert any(line.startswith(starts) for line in lines), key
    assert "[reporting_unit]" in lines


def test_default_template_loads_and_calibrates_simulated_answers() -> None:
    inst = parse_instrument(instrument_template(), source="template")
    assert inst.item_ids == ("q1", "q2", "q3", "q4", "q5")
    assert [len(item.categories) for item in inst.items] == [4] * 5
    assert inst.source is None and inst.licence is None
    assert inst.min_answered == 4 and inst.default_model == "pcm"
    assert localised(inst.title, "sv") == localised(inst.title, "en") == "My questionnaire"
    rng = np.random.default_rng(11)
    truth = [sorted(rng.normal(0.0, 1.0, 3)) for _ in inst.items]
    sim = simulate_responses(thresholds=truth, n_persons=400, item_names=inst.item_ids, rng=12)
    data = sim.responses.copy()
    data.insert(0, "id", [f"p{k}" for k in range(len(data))])
    cal = measure.calibrate(data, id_column="id", instrument=inst)
    assert list(cal.items["item"]) == list(inst.item_ids)
    assert cal.persons.shape[0] == 400
    estimated = cal.thresholds["threshold"].to_numpy(dtype=float)
    centred = np.concatenate(truth) - np.mean(np.concatenate(truth))
    assert np.corrcoef(estimated, centred)[0, 1] > 0.9


def test_labels_in_the_data_are_read_through_a_one_language_template() -> None:
    labels = ["Aldrig", "Ibland", "Ofta"]
    inst = parse_instrument(instrument_template(items=3, labels=labels, lang="sv"))
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 3, size=(60, 3))
    words = pd.DataFrame(np.array(labels, dtype=object)[codes], columns=list(inst.item_ids))
    words.iloc[0, 0] = "Vet ej"  # the template's missing answer
    as_codes = pd.DataFrame(codes.astype(float), columns=list(inst.item_ids))
    as_codes.iloc[0, 0] = np.nan
    by_label = measure.calibrate(words, instrument=inst)
    by_code = measure.calibrate(as_codes, instrument=inst)
    pd.testing.assert_frame_equal(by_label.thresholds, by_code.thresholds)


@pytest.mark.parametrize("lang", ["en", "sv"])
@pytest.mark.parametrize(("items", "categories"), [(1, 2), (7, 3), (12, 11)])
def test_template_sizes_load(lang: str, items: int, categories: int) -> None:
    inst = parse_instrument(instrument_template(items=items, categories=categories, lang=lang))
    assert len(inst.items) == items
    assert {len(item.categories) for item in inst.items} == {categories}
    assert 1 <= inst.min_answered <= items
    # the missing codes are never an answer's code (11 categories use 0 .. 10)
    assert inst.missing_codes == (99, "Don't know" if lang == "en" else "Vet ej")
    assert inst.label_map("q1")[str(categories - 1)] == categories - 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"items": 0}, "items: 0 is not allowed; give a whole number 1 to 500"),
        ({"categories": 1}, "categories: 1 is not allowed; give 2 to 30 answers"),
        ({"categories": 3, "labels": ["a", "b"]}, "give one of them, not both"),
        ({"labels": ["1", "2"]}, "labels: answer 1 '1' is a number other than its code 0"),
        ({"lang": "de"}, "lang: 'de' is not allowed; allowed: 'sv', 'en'"),
        ({"id": "-x"}, "id: '-x' is not allowed"),
    ],
)
def test_bad_template_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        instrument_template(**kwargs)  # type: ignore[arg-type]


def test_template_id_from_file_names() -> None:
    assert template_id("Trygghet i kommunen 2025") == "Trygghet_i_kommunen_2025"
    assert template_id("åäö") == "my_scale"
    assert template_id("k10-local") == "k10-local"
