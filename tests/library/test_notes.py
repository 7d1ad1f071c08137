"""Notes: the English text for the API, the same note in Swedish for a report."""

from __future__ import annotations

import json
import pickle

import pandas as pd
import pytest

from measure.notes import MESSAGES, Note, join_notes, say


def test_a_note_is_its_english_text_and_says_itself_in_swedish():
    n = Note("lr.category_not_used", categories=[3, 4])
    assert n == "category 3, 4 not used" and isinstance(n, str)
    assert n.text("sv") == "kategori 3, 4 används inte"
    assert json.dumps(n) == '"category 3, 4 not used"'


def test_nested_and_joined_notes_and_numbers_follow_the_language():
    inner = Note("dif.in_group", group="övriga", note=Note("dif.few_items"))
    both = join_notes([inner, Note("compare.skewed", skewness=1.25)])
    assert str(both).startswith("group övriga: fewer than two items") and "; caution" in both
    assert "grupp övriga: färre än två frågor" in both.text("sv")
    assert "skevhet 1,25" in both.text("sv") and "skewness 1.25" in both
    assert join_notes(["", inner]) is inner and join_notes([]) == ""


def test_notes_survive_pickling_and_object_columns():
    n = Note("score.test_unused", cells=[Note("score.item_category", item="q1", category=4)])
    back = pickle.loads(pickle.dumps(n))
    assert back == n and back.text("sv") == n.text("sv") == (
        "score-testet kan inte göras: inga informativa svar i q1 kategori 4"
    )
    col = pd.Series([n, ""], dtype=object)
    assert say(col.tolist()[0], "sv") == n.text("sv") and say(None, "sv") == ""


def test_every_message_has_both_languages_with_the_same_fields():
    import string

    for code, (en, sv) in MESSAGES.items():
        fields_en = {f for _, f, _, _ in string.Formatter().parse(en) if f}
        fields_sv = {f for _, f, _, _ in string.Formatter().parse(sv) if f}
        assert fields_en == fields_sv, code
        assert en != sv or code == "join", code


def test_unknown_code_and_language_are_errors():
    with pytest.raises(KeyError, match="unknown note code 'nope'"):
        Note("nope")
    with pytest.raises(ValueError, match=r"lang='fi' is not one of 'en', 'sv'"):
        Note("lr.no_answers").text("fi")
