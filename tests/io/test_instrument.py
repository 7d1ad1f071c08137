"""Instrument definitions: shipped files, round trips and every validation error path."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from measure.exceptions import InstrumentError, MeasureError
from measure.instrument import (
    MODELS,
    Category,
    Instrument,
    Item,
    ReportingUnit,
    instrument_ids,
    instrument_to_toml,
    list_instruments,
    load_instrument,
    localised,
    normalise_label,
    parse_instrument,
)

SHIPPED = ["audit", "dudit", "family_apgar", "gas", "k10", "k6", "scs", "who5"]

VALID = """\
id = "demo"
version = "1"
title = { sv = "Demo", en = "Demo" }
construct = { en = "Something" }
source = "Nobody (2024)."
licence = "CC0"
default_model = "pcm"
min_answered = 1
missing_codes = [9, "Vet ej"]

[[items]]
id = "q1"
text = { en = "First question" }
reverse = false

[[items.categories]]
code = 0
label = { sv = "Nej", en = "No" }

[[items.categories]]
code = 1
label = { sv = "Ja", en = "Yes" }

[[items]]
id = "q2"
text_source = "The demo form"
reverse = true

[[items.categories]]
code = 0
label = { en = "Never" }

[[items.categories]]
code = 1
label = { en = "Sometimes" }

[[items.categories]]
code = 2
label = { en = "Often" }
"""


def write(tmp_path: Path, text: str, name: str = "demo.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def replaced(old: str, new: str, text: str = VALID, count: int = 1) -> str:
    assert old in text, old
    return text.replace(old, new, count)


def load_error(tmp_path: Path, text: str) -> tuple[str, str]:
    """Load ``text`` from a file; return (file name as shown, error message)."""
    path = write(tmp_path, text)
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    return str(path), str(info.value)


# --------------------------------------------------------------------------------------------
# Shipped instruments
# --------------------------------------------------------------------------------------------


def test_list_instruments_returns_every_shipped_instrument() -> None:
    shipped = list_instruments()
    assert [inst.id for inst in shipped] == SHIPPED
    assert instrument_ids() == SHIPPED


@pytest.mark.parametrize("inst_id", SHIPPED)
def test_shipped_instrument_loads_and_is_complete(inst_id: str) -> None:
    inst = load_instrument(inst_id)
    assert inst.id == inst_id
    assert inst.path is not None and inst.path.name == f"{inst_id}.toml"
    assert inst.default_model in MODELS
    assert 1 <= inst.min_answered <= len(inst.items)
    for texts in (inst.title, inst.construct):
        assert set(texts) == {"sv", "en"}
    assert inst.source.strip() and inst.licence.strip()
    for item in inst.items:
        assert [c.code for c in item.categories] == list(range(len(item.categories)))
        assert item.max_category == len(item.categories) - 1
        assert item.text or item.text_source, f"{item.id}: give text or text_source"
        for category in item.categories:
            assert set(category.labels) == {"sv", "en"}


@pytest.mark.parametrize("inst_id", SHIPPED)
def test_shipped_instrument_round_trips(inst_id: str, tmp_path: Path) -> None:
    inst = load_instrument(inst_id)
    text = instrument_to_toml(inst)
    assert parse_instrument(text) == inst
    again = load_instrument(write(tmp_path, text, f"{inst_id}.toml"))
    assert again == inst
    assert instrument_to_toml(again) == text


def test_shipped_structures() -> None:
    audit = load_instrument("audit")
    assert [it.max_category for it in audit.items] == [4] * 8 + [2, 2]
    dudit = load_instrument("dudit")
    assert [it.max_category for it in dudit.items] == [4] * 9 + [2, 2]
    assert [c.labels["en"] for c in load_instrument("gas").items[0].categories] == [
        "Much less than expected",
        "Somewhat less than expected",
        "Expected level",
        "Somewhat more than expected",
        "Much more than expected",
    ]
    assert all(item.reverse for item in load_instrument("scs").items)
    k6 = {i.removeprefix("k6_") for i in load_instrument("k6").item_ids}
    k10 = {i.removeprefix("k10_") for i in load_instrument("k10").item_ids}
    assert k6 < k10 and len(k10) == 10
    assert load_instrument("who5").items[0].max_category == 5


def test_load_by_id_path_and_pathlike_agree(tmp_path: Path) -> None:
    who5 = load_instrument("who5")
    path = write(tmp_path, instrument_to_toml(who5), "copy.toml")
    assert load_instrument(str(path)) == who5
    assert load_instrument(path) == who5
    assert load_instrument(path).path == path


def test_unknown_shipped_id_lists_the_shipped_ones() -> None:
    with pytest.raises(
        InstrumentError, match=r"unknown instrument 'nope'; shipped instruments: audit, "
    ):
        load_instrument("nope")


def test_instrument_error_is_a_measure_and_value_error() -> None:
    with pytest.raises(MeasureError):
        load_instrument("nope")
    with pytest.raises(ValueError):
        load_instrument("nope")


# --------------------------------------------------------------------------------------------
# Label maps and helpers
# --------------------------------------------------------------------------------------------


def test_label_map_normalises_and_accepts_codes() -> None:
    who5 = load_instrument("who5")
    labels = who5.label_map("who5_1")
    assert labels[normalise_label("  AT no\ttime ")] == 0
    assert labels["all of the time"] == 5
    assert labels[normalise_label("Hela tiden")] == 5
    assert labels["3"] == 3
    assert "9" not in labels  # a missing code, not an answer


def test_label_map_unknown_item_lists_items() -> None:
    with pytest.raises(KeyError, match=r"no item 'who5_9'; items: who5_1, who5_2"):
        load_instrument("who5").label_map("who5_9")


def test_normalise_label_unifies_unicode_forms() -> None:
    composed = "Största delen av tiden"
    decomposed = "Sto\u0308rsta  DELEN av tiden"
    assert normalise_label(decomposed) == normalise_label(composed)


def test_localised_falls_back_to_english_then_first() -> None:
    assert localised({"sv": "Hej", "en": "Hello"}, "sv") == "Hej"
    assert localised({"sv": "Hej", "en": "Hello"}, "de") == "Hello"
    assert localised({"sv": "Hej"}, "de") == "Hej"
    assert localised({}, "de", default="-") == "-"


def test_demo_file_loads_with_defaults(tmp_path: Path) -> None:
    inst = load_instrument(write(tmp_path, VALID))
    assert inst.item("q2").reverse is True
    assert inst.item("q2").text == {}
    assert inst.item("q2").text_source == "The demo form"
    assert inst.missing_codes == (9, "Vet ej")
    assert inst.reporting_unit is None
    assert inst.label_map("q1") == {"0": 0, "1": 1, "nej": 0, "no": 0, "ja": 1, "yes": 1}


def test_reverse_defaults_to_false(tmp_path: Path) -> None:
    inst = load_instrument(write(tmp_path, replaced("reverse = false\n", "")))
    assert inst.item("q1").reverse is False


# --------------------------------------------------------------------------------------------
# Immutability
# --------------------------------------------------------------------------------------------


def test_instruments_are_immutable_and_hashable(tmp_path: Path) -> None:
    inst = load_instrument(write(tmp_path, VALID))
    with pytest.raises(dataclasses.FrozenInstanceError):
        inst.id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        inst.title["en"] = "Changed"  # type: ignore[index]
    assert isinstance(inst.items, tuple) and isinstance(inst.items[0].categories, tuple)
    assert hash(inst) == hash(parse_instrument(VALID))
    assert {inst: 1}[parse_instrument(VALID)] == 1


def test_path_is_not_compared(tmp_path: Path) -> None:
    a = load_instrument(write(tmp_path, VALID, "a.toml"))
    b = load_instrument(write(tmp_path, VALID, "b.toml"))
    assert a.path != b.path and a == b


# --------------------------------------------------------------------------------------------
# Reporting unit
# --------------------------------------------------------------------------------------------

UNIT = '\n[reporting_unit]\nname = "0-100"\nintercept = 50\nslope = 12.5\n'


def with_unit(unit: str = UNIT) -> str:
    return replaced("\n[[items]]", unit + "\n[[items]]")


def test_reporting_unit_loads_and_round_trips(tmp_path: Path) -> None:
    inst = load_instrument(write(tmp_path, with_unit()))
    assert inst.reporting_unit == ReportingUnit(name="0-100", intercept=50.0, slope=12.5)
    assert isinstance(inst.reporting_unit.intercept, float)
    assert inst.reporting_unit.from_logits(2.0) == 75.0
    assert parse_instrument(instrument_to_toml(inst)) == inst


@pytest.mark.parametrize(
    ("unit", "message"),
    [
        (UNIT.replace("slope = 12.5", "slope = 0"), "reporting_unit.slope: must not be 0"),
        (UNIT.replace("slope = 12.5", 'slope = "1"'), "reporting_unit.slope: expected a number"),
        (UNIT.replace("slope = 12.5", "slope = inf"), "reporting_unit.slope: must be finite"),
        (UNIT.replace('name = "0-100"\n', ""), "reporting_unit: missing required key 'name'"),
        (
            UNIT + "offset = 1\n",
            "reporting_unit: unknown key 'offset' (allowed: name, intercept, slope)",
        ),
        (UNIT.replace('name = "0-100"', 'name = ""'), "reporting_unit.name: must not be empty"),
    ],
)
def test_reporting_unit_errors(tmp_path: Path, unit: str, message: str) -> None:
    name, error = load_error(tmp_path, with_unit(unit))
    assert error.startswith(f"{name}: {message}"), error


def test_reporting_unit_must_be_a_table(tmp_path: Path) -> None:
    text = replaced(
        'missing_codes = [9, "Vet ej"]', 'missing_codes = [9, "Vet ej"]\nreporting_unit = 3'
    )
    name, error = load_error(tmp_path, text)
    assert error.startswith(
        f"{name}: reporting_unit: expected a table ([reporting_unit]), got int 3"
    )


# --------------------------------------------------------------------------------------------
# Error paths: each names the file and the key path
# --------------------------------------------------------------------------------------------

ERROR_CASES = [
    pytest.param(
        replaced("code = 1\n", "code = 0\n"),
        "items[0].categories: duplicate code 0",
        id="duplicate-code",
    ),
    pytest.param(
        replaced("code = 2\n", "code = 3\n"),
        "items[1].categories: codes must be consecutive from 0 and listed in order "
        "(0, 1, ..., 2); got 0, 1, 3",
        id="non-consecutive-codes",
    ),
    pytest.param(
        replaced(
            'code = 0\nlabel = { en = "Never" }', 'code = 1\nlabel = { en = "Never" }'
        ).replace(
            'code = 1\nlabel = { en = "Sometimes" }', 'code = 0\nlabel = { en = "Sometimes" }'
        ),
        "items[1].categories: codes must be consecutive from 0 and listed in order "
        "(0, 1, ..., 2); got 1, 0, 2",
        id="codes-out-of-order",
    ),
    pytest.param(
        replaced('\n[[items.categories]]\ncode = 2\nlabel = { en = "Often" }\n', "").replace(
            '\n[[items.categories]]\ncode = 1\nlabel = { en = "Sometimes" }\n', ""
        ),
        "items[1].categories: an item needs at least 2 categories, got 1",
        id="too-few-categories",
    ),
    pytest.param(
        "foo = 1\n" + VALID,
        "unknown key 'foo' (allowed: id, version, title, construct, default_model, "
        "min_answered, items, source, licence, missing_codes, reporting_unit, reference, notes)",
        id="unknown-top-key",
    ),
    pytest.param(
        replaced('id = "q2"\n', 'id = "q2"\ntxt = "x"\n'),
        "items[1]: unknown key 'txt' (allowed: id, categories, text, text_source, reverse, "
        "domain, codes)",
        id="unknown-item-key",
    ),
    pytest.param(
        replaced("code = 1\n", "code = 1\nscore = 2\n"),
        "items[0].categories[1]: unknown key 'score' (allowed: code, label)",
        id="unknown-category-key",
    ),
    pytest.param(
        replaced('version = "1"\n', ""),
        "missing required key 'version' (the version of this file, a string, "
        'e.g. version = "1.0")',
        id="missing-top-key",
    ),
    pytest.param(
        replaced('id = "q2"\n', ""),
        "items[1]: missing required key 'id'",
        id="missing-item-key",
    ),
    pytest.param(
        replaced('label = { en = "Often" }\n', ""),
        "items[1].categories[2]: missing required key 'label'",
        id="missing-category-key",
    ),
    pytest.param(
        replaced('id = "q2"', 'id = "q1"'),
        "items[1].id: duplicate item id 'q1' (first used by items[0])",
        id="duplicate-item-id",
    ),
    pytest.param(
        replaced('default_model = "pcm"', 'default_model = "grm"'),
        "default_model: 'grm' is not a model; allowed: 'rasch', 'rsm', 'pcm'",
        id="invalid-model",
    ),
    pytest.param(
        replaced('default_model = "pcm"', 'default_model = "rasch"'),
        "default_model: 'rasch' needs dichotomous items; items[1] ('q2') has 3 categories",
        id="rasch-needs-dichotomous",
    ),
    pytest.param(
        replaced('default_model = "pcm"', 'default_model = "rsm"'),
        "default_model: 'rsm' needs the same number of categories in every item; "
        "items[0] ('q1') has 2, items[1] ('q2') has 3 (use 'pcm')",
        id="rsm-needs-equal-categories",
    ),
    pytest.param(
        replaced("min_answered = 1", 'min_answered = "1"'),
        "min_answered: expected an integer, got str '1'",
        id="min-answered-type",
    ),
    pytest.param(
        replaced("min_answered = 1", "min_answered = true"),
        "min_answered: expected an integer, got bool True",
        id="min-answered-bool",
    ),
    pytest.param(
        replaced("min_answered = 1", "min_answered = 3"),
        "min_answered: must be between 1 and the number of items (2), got 3",
        id="min-answered-range",
    ),
    pytest.param(
        replaced("reverse = false", 'reverse = "no"'),
        "items[0].reverse: expected true or false, got str 'no'",
        id="reverse-type",
    ),
    pytest.param(
        replaced("code = 1\n", 'code = "1"\n'),
        "items[0].categories[1].code: expected an integer, got str '1'",
        id="code-type",
    ),
    pytest.param(
        replaced('label = { sv = "Nej", en = "No" }', 'label = "No"'),
        "items[0].categories[1].label: is in the language(s) 'en', 'sv' but "
        "categories[0].label in a plain string; give every category of an item the same "
        "languages",
        id="label-languages-differ",
    ),
    pytest.param(
        replaced('label = { sv = "Nej", en = "No" }', "label = 0"),
        "items[0].categories[0].label: expected a text (a string) or a table of texts by "
        'language, like {sv = "Aldrig", en = "Never"}; got int 0',
        id="label-type",
    ),
    pytest.param(
        replaced('label = { sv = "Nej", en = "No" }', 'label = { sv = "Nej", en = 0 }'),
        "items[0].categories[0].label.en: expected a string, got int 0",
        id="label-text-type",
    ),
    pytest.param(
        replaced('label = { sv = "Nej", en = "No" }', "label = {}"),
        "items[0].categories[0].label: must name at least one language",
        id="label-empty",
    ),
    pytest.param(
        replaced('label = { sv = "Ja", en = "Yes" }', 'label = { sv = "Ja", en = "  " }'),
        "items[0].categories[1].label.en: must not be empty",
        id="label-blank",
    ),
    pytest.param(
        replaced('label = { sv = "Ja", en = "Yes" }', 'label = { sv = "Ja", en = "NO " }'),
        "items[0].categories[1].label.en: 'NO ' would also name code 0",
        id="label-names-two-codes",
    ),
    pytest.param(
        replaced('label = { sv = "Nej", en = "No" }', 'label = { sv = "Nej", en = "1" }'),
        "items[0].categories[0].label.en: '1' would also name code 1",
        id="label-is-another-code",
    ),
    pytest.param(
        replaced('title = { sv = "Demo", en = "Demo" }', "title = 3"),
        "title: expected a text (a string) or a table of texts by language",
        id="title-type",
    ),
    pytest.param(
        replaced('text = { en = "First question" }', "text = [1]"),
        "items[0].text: expected a text (a string) or a table of texts by language",
        id="text-type",
    ),
    pytest.param(
        replaced('text_source = "The demo form"', "text_source = 1"),
        "items[1].text_source: expected a string, got int 1",
        id="text-source-type",
    ),
    pytest.param(
        replaced('id = "demo"', 'id = "my demo"'),
        "id: 'my demo' is not a valid id",
        id="bad-instrument-id",
    ),
    pytest.param(
        replaced('id = "q1"', 'id = " q1"'),
        "items[0].id: must not start or end with whitespace",
        id="bad-item-id",
    ),
    pytest.param(
        replaced('id = "q1"', "id = 1"),
        "items[0].id: expected a string, got int 1",
        id="item-id-type",
    ),
    pytest.param(
        replaced('version = "1"', "version = 1"),
        "version: expected a string, got int 1",
        id="version-type",
    ),
    pytest.param(
        replaced('source = "Nobody (2024)."', 'source = ""'),
        "source: must not be empty",
        id="source-empty",
    ),
    pytest.param(
        replaced('missing_codes = [9, "Vet ej"]', "missing_codes = 9"),
        "missing_codes: expected an array of codes, got int 9",
        id="missing-codes-not-array",
    ),
    pytest.param(
        replaced('missing_codes = [9, "Vet ej"]', "missing_codes = [9, 9.5]"),
        "missing_codes[1]: expected an integer or a string, got float 9.5",
        id="missing-code-type",
    ),
    pytest.param(
        replaced('missing_codes = [9, "Vet ej"]', 'missing_codes = [9, "9"]'),
        "missing_codes[1]: duplicate missing code '9' (same as missing_codes[0])",
        id="missing-code-duplicate",
    ),
    pytest.param(
        replaced('missing_codes = [9, "Vet ej"]', "missing_codes = [2]"),
        "missing_codes[0]: 2 is also a category of item 'q2' (code 2)",
        id="missing-code-is-a-code",
    ),
    pytest.param(
        replaced('missing_codes = [9, "Vet ej"]', 'missing_codes = ["often"]'),
        "missing_codes[0]: 'often' is also a category of item 'q2' (code 2)",
        id="missing-code-is-a-label",
    ),
    pytest.param(
        replaced("[[items]]", "[items]", count=1).split("[[items]]")[0],
        "items: expected an array of tables ([[items]]), got dict",
        id="items-not-array",
    ),
    pytest.param(
        VALID.split("[[items]]")[0] + "items = []\n",
        "items: an instrument needs at least one item",
        id="no-items",
    ),
    pytest.param(
        VALID.split("[[items]]")[0] + "items = [1]\n",
        "items[0]: expected a table ([[items]]), got int 1",
        id="item-not-table",
    ),
    pytest.param(
        VALID.split("[[items]]")[0] + 'items = [{ id = "a", categories = 3 }]\n',
        "items[0].categories: expected an array of tables ([[items.categories]]), got int 3",
        id="categories-not-array",
    ),
    pytest.param(
        VALID.split("[[items]]")[0] + 'items = [{ id = "a", categories = [0, 1] }]\n',
        "items[0].categories[0]: expected a table ([[items.categories]]), got int 0",
        id="category-not-table",
    ),
]


@pytest.mark.parametrize(("text", "message"), ERROR_CASES)
def test_invalid_file_is_reported_with_file_and_key_path(
    tmp_path: Path, text: str, message: str
) -> None:
    name, error = load_error(tmp_path, text)
    lines = error.splitlines()
    if len(lines) == 1:
        assert error.startswith(f"{name}: {message}"), error
    else:  # every problem on its own line, after the count
        count = len(lines) - 1
        assert (
            lines[0] == f"{name}: {count} problems (all listed; fix them and load the file again):"
        )
        assert any(line.startswith(f"  {name}: {message}") for line in lines[1:]), error


def test_shipped_style_message_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The documented example: file, 0-based key path, reason."""
    who5 = instrument_to_toml(load_instrument("who5"))
    # give the 4th item (index 3) a second category with code 4
    blocks = who5.split("[[items]]")
    blocks[4] = blocks[4].replace("code = 5\n", "code = 4\n")
    instruments = tmp_path / "instruments"
    instruments.mkdir()
    (instruments / "who5.toml").write_text("[[items]]".join(blocks), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        InstrumentError,
        match=r"^instruments/who5\.toml: items\[3\]\.categories: duplicate code 4$",
    ):
        load_instrument("instruments/who5.toml")


def test_invalid_toml_syntax(tmp_path: Path) -> None:
    name, error = load_error(tmp_path, 'id = "demo\n')
    assert error.startswith(f"{name}: invalid TOML: ")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = { sv = "Välbefinnande" }'.encode("latin-1"))
    with pytest.raises(InstrumentError, match=r"latin1\.toml: not UTF-8 text"):
        load_instrument(path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(InstrumentError, match=re.escape(f"{path}: no such file")):
        load_instrument(path)


def test_parse_instrument_names_its_source() -> None:
    with pytest.raises(InstrumentError, match=r"^<string>: missing required key 'id' \(a short"):
        parse_instrument(VALID.replace('id = "demo"\n', ""))
    with pytest.raises(InstrumentError, match=r"^mine: items\[0\]\.categories: duplicate code 0$"):
        parse_instrument(replaced("code = 1\n", "code = 0\n"), source="mine")


# --------------------------------------------------------------------------------------------
# Direct construction validates too
# --------------------------------------------------------------------------------------------


def cats(*labels: str) -> tuple[Category, ...]:
    return tuple(Category(k, {"en": label}) for k, label in enumerate(labels))


def test_item_construction_validates() -> None:
    with pytest.raises(InstrumentError, match=r"^item 'q1': categories: duplicate code 0$"):
        Item("q1", {}, False, (Category(0, {"en": "a"}), Category(0, {"en": "b"})), None)
    with pytest.raises(InstrumentError, match=r"^item 'q1': reverse: expected true or false"):
        Item("q1", {}, 1, cats("a", "b"), None)  # type: ignore[arg-type]
    with pytest.raises(InstrumentError, match=r"^item 'q1': categories\[1\]: expected a Category"):
        Item("q1", {}, False, (Category(0, {"en": "a"}), 1), None)  # type: ignore[arg-type]


def test_category_construction_validates() -> None:
    with pytest.raises(InstrumentError, match=r"^category -1: code: must be 0 or larger, got -1$"):
        Category(-1, {"en": "a"})


def test_instrument_construction_validates() -> None:
    item = Item("q1", {}, False, cats("a", "b"), "form")
    common = dict(version="1", title={"en": "T"}, construct={"en": "C"}, source="S", licence="L")
    ok = Instrument(id="x", items=[item], missing_codes=[9], **common)  # type: ignore[arg-type]
    assert ok.items == (item,) and ok.missing_codes == (9,)
    assert ok.default_model == "pcm" and ok.min_answered == 1
    with pytest.raises(
        InstrumentError, match=r"^instrument 'x': items\[1\]\.id: duplicate item id"
    ):
        Instrument(id="x", items=(item, item), **common)  # type: ignore[arg-type]
    with pytest.raises(InstrumentError, match=r"^instrument 'x': default_model: 'irt' is not"):
        Instrument(id="x", items=(item,), default_model="irt", **common)  # type: ignore[arg-type]
    with pytest.raises(InstrumentError, match=r"^reporting unit: slope: must not be 0 \("):
        ReportingUnit("u", 0.0, 0.0)


# --------------------------------------------------------------------------------------------
# Writing: escapes and a property-based round trip
# --------------------------------------------------------------------------------------------


def test_to_toml_escapes_awkward_strings() -> None:
    awkward = 'Quote " backslash \\ tab \t newline \n bell \x07 del \x7f å ü 🙂'
    item = Item('item "1"', {"en": awkward, "x y": "odd key"}, True, cats("a\\b", 'c"d'), awkward)
    inst = Instrument(
        id="weird",
        version="v\n1",
        title={"en": awkward},
        construct={"sv-FI": "ok"},
        source=awkward,
        licence="L",
        items=(item,),
        missing_codes=(-1, 2**62, "Don't know", 'say "no"'),
        reporting_unit=ReportingUnit("u", -1.5e-7, 1e16),
    )
    assert parse_instrument(instrument_to_toml(inst)) == inst


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20
).filter(lambda s: s.strip() != "")
_langs = st.one_of(
    _text, st.dictionaries(st.sampled_from(["sv", "en", "de", "x y", "*"]), _text, min_size=1)
)


@st.composite
def instruments_strategy(draw: st.DrawFn) -> Instrument:
    n_items = draw(st.integers(1, 4))
    items = []
    for i in range(n_items):
        n_cats = draw(st.integers(2, 5))
        categories = tuple(Category(k, {"en": f"cat {k}", "sv": f"kat {k}"}) for k in range(n_cats))
        items.append(
            Item(
                f"item {i}: {draw(_text).strip()}",
                draw(st.one_of(st.just({}), _langs)),
                draw(st.booleans()),
                categories,
                draw(st.one_of(st.none(), _text)),
            )
        )
    unit = draw(
        st.one_of(
            st.none(),
            st.builds(
                ReportingUnit,
                _text,
                st.floats(allow_nan=False, allow_infinity=False),
                st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != 0),
            ),
        )
    )
    return Instrument(
        id="gen",
        version=draw(_text),
        title=draw(_langs),
        construct=draw(_langs),
        source=draw(_text),
        licence=draw(_text),
        items=tuple(items),
        missing_codes=tuple(draw(st.lists(st.integers(100, 2**40), unique=True, max_size=3))),
        default_model="pcm",
        min_answered=draw(st.integers(1, n_items)),
        reporting_unit=unit,
    )


@settings(derandomize=True, deadline=None, max_examples=60)
@given(instruments_strategy())
def test_round_trip_property(inst: Instrument) -> None:
    assert parse_instrument(instrument_to_toml(inst)) == inst


def test_attached_reference_resolves_next_to_the_toml(tmp_path: Path) -> None:
    from measure.instrument import instrument_to_toml, load_instrument

    text = instrument_to_toml(load_instrument("who5")).replace(
        "missing_codes = [", 'reference = "who5_ref.json"\nmissing_codes = [', 1
    )
    path = tmp_path / "who5_local.toml"
    path.write_text(text, encoding="utf-8")
    inst = load_instrument(path)
    assert inst.reference == "who5_ref.json"
    assert inst.reference_file() == tmp_path / "who5_ref.json"
    assert load_instrument(path) == inst
    again = tmp_path / "again.toml"
    again.write_text(instrument_to_toml(inst), encoding="utf-8")
    assert load_instrument(again).reference == "who5_ref.json"


def test_items_may_declare_a_domain() -> None:
    audit = load_instrument("audit")
    assert audit.domains() == {
        "consumption": ("audit_1", "audit_2", "audit_3"),
        "dependence": ("audit_4", "audit_5", "audit_6"),
        "harm": ("audit_7", "audit_8", "audit_9", "audit_10"),
    }
    assert parse_instrument(instrument_to_toml(audit)) == audit
    assert load_instrument("who5").domains() == {}


# --------------------------------------------------------------------------------------------
# Every problem of a file in one message
# --------------------------------------------------------------------------------------------


def problem_lines(tmp_path: Path, text: str) -> tuple[str, list[str]]:
    name, error = load_error(tmp_path, text)
    head, *lines = error.splitlines()
    assert head == f"{name}: {len(lines)} problems (all listed; fix them and load the file again):"
    prefix = f"  {name}: "
    assert all(line.startswith(prefix) for line in lines), error
    return name, [line.removeprefix(prefix) for line in lines]


def test_every_top_level_problem_is_in_one_message(tmp_path: Path) -> None:
    text = (
        replaced('title = { sv = "Demo", en = "Demo" }\n', 'titel = "Demo"\n')
        .replace('version = "1"', "version = 1")
        .replace("min_answered = 1", "min_answered = 5")
        .replace('missing_codes = [9, "Vet ej"]', 'missing_codes = [9, 9.5, "often"]')
        .replace('id = "q2"', 'id = "q1"')
        .replace('default_model = "pcm"', 'default_model = "grm"')
    )
    _, lines = problem_lines(tmp_path, text)
    assert lines == [
        "unknown key 'titel' (allowed: id, version, title, construct, default_model, "
        "min_answered, items, source, licence, missing_codes, reporting_unit, reference, "
        "notes); did you mean 'title'?",
        "missing required key 'title' (the name shown in reports, e.g. title = \"My scale\" "
        'or { sv = "...", en = "..." })',
        "version: expected a string, got int 1",
        "default_model: 'grm' is not a model; allowed: 'rasch', 'rsm', 'pcm'",
        "items[1].id: duplicate item id 'q1' (first used by items[0])",
        "missing_codes[1]: expected an integer or a string, got float 9.5",
    ]


def test_every_item_problem_is_in_one_message(tmp_path: Path) -> None:
    text = (
        replaced("code = 1\n", "code = 0\n")  # items[0]: duplicate code
        .replace("reverse = true", 'reverse = "yes"')  # items[1]
        .replace('label = { en = "Often" }', "label = 2\nscore = 2")  # items[1].categories[2]
        .replace('text_source = "The demo form"', 'text_source = ""\ntxet = "x"')
        .replace("min_answered = 1", 'min_answered = "all"')
        .replace('source = "Nobody (2024)."\n', 'source = "Nobody (2024)."\nreverse = true\n')
    )
    _, lines = problem_lines(tmp_path, text)
    assert lines == [
        "unknown key 'reverse' (allowed: id, version, title, construct, default_model, "
        "min_answered, items, source, licence, missing_codes, reporting_unit, reference, "
        "notes); 'reverse' belongs in an [[items]] table",
        "min_answered: expected an integer, got str 'all'",
        "items[0].categories: duplicate code 0",
        "items[1]: unknown key 'txet' (allowed: id, categories, text, text_source, reverse, "
        "domain, codes); did you mean 'text'?",
        "items[1].categories[2]: unknown key 'score' (allowed: code, label); did you mean 'code'?",
        "items[1].categories[2].label: expected a text (a string) or a table of texts by "
        'language, like {sv = "Aldrig", en = "Never"}; got int 2',
        "items[1].reverse: expected true or false, got str 'yes'",
        "items[1].text_source: must not be empty",
    ]


def test_problems_of_a_category_are_all_listed(tmp_path: Path) -> None:
    text = replaced('code = 1\nlabel = { sv = "Ja", en = "Yes" }', "code = -1\nlabel = { sv = 1 }")
    _, lines = problem_lines(tmp_path, text)
    assert lines == [
        "items[0].categories[1].code: must be 0 or larger, got -1",
        "items[0].categories[1].label.sv: expected a string, got int 1",
    ]


def test_direct_construction_lists_every_problem() -> None:
    with pytest.raises(InstrumentError) as info:
        Instrument(
            id="bad id",
            version="",
            title={"en": "T"},
            construct={},
            source=None,
            licence=None,
            items=(),
        )
    assert str(info.value).splitlines() == [
        "instrument 'bad id': 4 problems (all listed; fix them and load the file again):",
        "  instrument 'bad id': id: 'bad id' is not a valid id; use letters, digits, '_' and "
        "'-', starting with a letter or digit",
        "  instrument 'bad id': version: must not be empty",
        "  instrument 'bad id': construct: must name at least one language, like "
        '{sv = "...", en = "..."}',
        "  instrument 'bad id': items: an instrument needs at least one item",
    ]


# --------------------------------------------------------------------------------------------
# One-language instruments: plain string texts
# --------------------------------------------------------------------------------------------

ONE_LANGUAGE = """\
id = "trygghet"
version = "1"
title = "Trygghet i kommunen"
construct = "Upplevd trygghet (högre = tryggare)"
default_model = "rsm"
min_answered = 1
missing_codes = ["Vet ej"]
notes = "Fråga 2 är omvänd."

[[items]]
id = "t1"
text = "Hur trygg känner du dig ute på kvällen?"

[[items.categories]]
code = 0
label = "Otrygg"

[[items.categories]]
code = 1
label = "Ganska trygg"

[[items.categories]]
code = 2
label = "Mycket trygg"

[[items]]
id = "t2"
text = "Hur ofta oroar du dig för brott?"
reverse = true

[[items.categories]]
code = 0
label = "Aldrig"

[[items.categories]]
code = 1
label = "Ibland"

[[items.categories]]
code = 2
label = "Ofta"
"""


def test_plain_string_texts_make_a_one_language_instrument(tmp_path: Path) -> None:
    inst = load_instrument(write(tmp_path, ONE_LANGUAGE))
    for lang in ("sv", "en", "de"):
        assert localised(inst.title, lang) == "Trygghet i kommunen"
        assert localised(inst.item("t1").text, lang) == "Hur trygg känner du dig ute på kvällen?"
        assert localised(inst.item("t2").categories[2].labels, lang) == "Ofta"
        assert localised(inst.notes, lang) == "Fråga 2 är omvänd."
    assert dict(inst.item("t1").categories[0].labels) == {"*": "Otrygg"}
    assert inst.label_map("t2") == {"0": 0, "1": 1, "2": 2, "aldrig": 0, "ibland": 1, "ofta": 2}
    assert inst.source is None and inst.licence is None
    text = instrument_to_toml(inst)
    assert 'label = "Ganska trygg"' in text and "source" not in text and "licence" not in text
    assert parse_instrument(text) == inst


def test_plain_string_clash_is_located_without_a_language(tmp_path: Path) -> None:
    name, error = load_error(tmp_path, ONE_LANGUAGE.replace('label = "Ibland"', 'label = "OFTA"'))
    assert error == (
        f"{name}: items[1].categories[2].label: 'Ofta' would also name code 1; labels must "
        "identify one category (compared case-insensitively, and a label may not be another "
        "category's code)"
    )


# --------------------------------------------------------------------------------------------
# source and licence: optional in your own file, required in a shipped one
# --------------------------------------------------------------------------------------------


def test_source_and_licence_are_optional_in_a_local_file(tmp_path: Path) -> None:
    text = replaced('source = "Nobody (2024)."\nlicence = "CC0"\n', "")
    inst = load_instrument(write(tmp_path, text))
    assert inst.source is None and inst.licence is None
    only_source = load_instrument(write(tmp_path, replaced('licence = "CC0"\n', ""), "b.toml"))
    assert only_source.source == "Nobody (2024)." and only_source.licence is None


@pytest.mark.parametrize("inst_id", SHIPPED)
def test_every_shipped_instrument_gives_source_and_licence(inst_id: str) -> None:
    inst = load_instrument(inst_id)
    assert isinstance(inst.source, str) and inst.source.strip()
    assert isinstance(inst.licence, str) and inst.licence.strip()


def test_a_shipped_instrument_must_give_source_and_licence() -> None:
    from measure.instrument import _parse

    text = replaced('source = "Nobody (2024)."\nlicence = "CC0"\n', "")
    assert parse_instrument(text).source is None
    with pytest.raises(InstrumentError) as info:
        _parse(text, source="instruments/demo.toml", path=None, shipped=True)
    assert str(info.value).splitlines()[1:] == [
        "  instruments/demo.toml: missing required key 'source' (a citation of the "
        "instrument, a string)",
        "  instruments/demo.toml: missing required key 'licence' (the terms under which the "
        "instrument may be used, a string)",
    ]
