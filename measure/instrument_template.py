"""A complete, commented instrument file to start your own: ``measure instruments new``.

:func:`instrument_template` writes TOML text with every key of an instrument file, each with a
comment (in Swedish or English) saying what it holds, whether it is required and its default.
The text loads as it is (:func:`measure.instrument.parse_instrument`): fill in your own
questions and answers and check the result with ``measure instruments show FILE``.
``docs/instrument-template.toml`` is this function's output with its defaults (a test keeps
them equal).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Literal

from measure.instrument import normalise_label

__all__ = ["TemplateLanguage", "instrument_template", "template_id"]

TemplateLanguage = Literal["sv", "en"]
_LANGUAGES: tuple[TemplateLanguage, ...] = ("sv", "en")
_MAX_ITEMS = 500
_MAX_CATEGORIES = 30
_ID_CHARS = re.compile(r"[^A-Za-z0-9_-]+")

#: the words of the template, by language
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "My questionnaire",
        "construct": "What the questions measure (higher = more of it)",
        "item": "Question {n}",
        "category": "Answer {k}",
        "missing": "Don't know",
        "notes": "How the data must be prepared before scoring (skip rules, recoding).",
        "head": (
            "# An instrument file for measure. Every key is explained; lines starting with #\n"
            "# are comments. Check the file with:   measure instruments show {file}\n"
            "# and use it with:   measure calibrate DATA --instrument {file} --out OUT\n"
            "# Texts are plain strings (one language) or tables by language:\n"
            '#   title = "My questionnaire"   or   title = {{ sv = "Min enkät", en = "My '
            'questionnaire" }}\n'
            "# The full explanation of every key: docs/instruments.md"
        ),
        "id": "# REQUIRED. Short name: letters, digits, _ and -; shown in reports and references.",
        "version": '# REQUIRED. Version of this file (a string), e.g. "1.0"; raise it on changes.',
        "title_c": "# REQUIRED. The questionnaire's name in reports.",
        "construct_c": "# REQUIRED. What a higher measure means.",
        "source_c": (
            "# OPTIONAL for your own file (required for instruments shipped with measure).\n"
            "# Where the questionnaire is published, and its terms of use. Remove the # to use."
        ),
        "model_c": (
            '# REQUIRED. The model: "pcm" (partial credit: each question its own thresholds),\n'
            '# "rsm" (rating scale: every question the same answer scale) or "rasch" (two\n'
            "# answers per question). calibrate --model overrides it."
        ),
        "min_c": (
            "# REQUIRED. Fewest answered questions for a person's measure to be reported\n"
            "# (1 to the number of questions). Here about 80 % of the questions."
        ),
        "missing_c": (
            "# OPTIONAL (default: none). Codes or answers in the data that mean 'not answered';\n"
            "# they must not be a code or label of any answer below."
        ),
        "notes_c": (
            "# OPTIONAL. Notes on scoring, shown by `measure instruments show`.\n"
            "# Remove the # to use."
        ),
        "reference_c": (
            "# OPTIONAL. A reference scale (calibrate --save-reference) in the same folder as\n"
            "# this file, used by `measure score --instrument`. Remove the # to use."
        ),
        "unit_c": (
            "# OPTIONAL. A reporting unit besides logits: unit = intercept + slope * logit.\n"
            "# Remove the # on the four lines to use it."
        ),
        "items_c": (
            "# The questions: one [[items]] table each, in the order of the form.\n"
            "# id (REQUIRED): the column name in your data.\n"
            "# text (optional): the question.\n"
            "# text_source (optional): where the text is published, when you do not include it.\n"
            "# reverse (optional, default false): true when a higher answer means LESS of what\n"
            "# is measured; the question is then scored (highest code - code).\n"
            '# domain (optional): a subscale, e.g. "sleep".\n'
            "# codes (optional): how the data code the answers when not 0, 1, 2, ... e.g.\n"
            "# codes = [0, 2, 4] (AUDIT questions 9-10): a 2 in the data is answer 1.\n"
            "# The answers: one [[items.categories]] table each, lowest first, code 0, 1, 2, ...\n"
            "# label (REQUIRED): the answer as written on the form (or in the data)."
        ),
    },
    "sv": {
        "title": "Min enkät",
        "construct": "Vad frågorna mäter (högre = mer av det)",
        "item": "Fråga {n}",
        "category": "Svar {k}",
        "missing": "Vet ej",
        "notes": "Hur data ska förberedas före skattningen (hoppregler, omkodning).",
        "head": (
            "# En instrumentfil för measure. Varje nyckel förklaras; rader som börjar med #\n"
            "# är kommentarer. Kontrollera filen med:   measure instruments show {file}\n"
            "# och använd den med:   measure calibrate DATA --instrument {file} --out UT\n"
            "# Texter är vanliga strängar (ett språk) eller tabeller per språk:\n"
            '#   title = "Min enkät"   eller   title = {{ sv = "Min enkät", en = "My '
            'questionnaire" }}\n'
            "# Förklaringen av varje nyckel: docs/instruments.md"
        ),
        "id": "# KRÄVS. Kort namn: bokstäver, siffror, _ och -; visas i rapporter och referenser.",
        "version": '# KRÄVS. Filens version (en sträng), t.ex. "1.0"; höj den vid ändringar.',
        "title_c": "# KRÄVS. Enkätens namn i rapporterna.",
        "construct_c": "# KRÄVS. Vad ett högre mått betyder.",
        "source_c": (
            "# VALFRITT för en egen fil (krävs för instrument som följer med measure).\n"
            "# Var enkäten är publicerad och villkoren för att använda den.\n"
            "# Ta bort # för att använda."
        ),
        "model_c": (
            '# KRÄVS. Modellen: "pcm" (partial credit: varje fråga egna trösklar), "rsm"\n'
            '# (rating scale: samma svarsskala i alla frågor) eller "rasch" (två svar per\n'
            "# fråga). calibrate --model går före."
        ),
        "min_c": (
            "# KRÄVS. Minsta antal besvarade frågor för att en persons mått ska redovisas\n"
            "# (1 till antalet frågor). Här ungefär 80 % av frågorna."
        ),
        "missing_c": (
            "# VALFRITT (standard: inga). Koder eller svar i data som betyder 'inte besvarad';\n"
            "# de får inte vara kod eller etikett för något svar nedan."
        ),
        "notes_c": (
            "# VALFRITT. Anteckningar om skattningen, visas av `measure instruments show`.\n"
            "# Ta bort # för att använda."
        ),
        "reference_c": (
            "# VALFRITT. En referensskala (calibrate --save-reference) i samma mapp som den här\n"
            "# filen, används av `measure score --instrument`. Ta bort # för att använda."
        ),
        "unit_c": (
            "# VALFRITT. En rapporteringsenhet utöver logit: enhet = intercept + slope * logit.\n"
            "# Ta bort # på de fyra raderna för att använda den."
        ),
        "items_c": (
            "# Frågorna: en [[items]]-tabell var, i formulärets ordning.\n"
            "# id (KRÄVS): kolumnens namn i dina data.\n"
            "# text (valfritt): frågan.\n"
            "# text_source (valfritt): var texten är publicerad, när du inte tar med den.\n"
            "# reverse (valfritt, standard false): true när ett högre svar betyder MINDRE av det\n"
            "# som mäts; frågan räknas då som (högsta kod - kod).\n"
            '# domain (valfritt): en delskala, t.ex. "sömn".\n'
            "# codes (valfritt): hur data kodar svaren när det inte är 0, 1, 2, ... t.ex.\n"
            "# codes = [0, 2, 4] (AUDIT fråga 9-10): en 2 i data är svar 1.\n"
            "# Svaren: en [[items.categories]]-tabell var, lägsta först, code 0, 1, 2, ...\n"
            "# label (KRÄVS): svaret som det står i formuläret (eller i data)."
        ),
    },
}


def _toml_str(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if ord(c) >= 0x20 else f"\\u{ord(c):04X}" for c in escaped) + '"'


def template_id(name: str) -> str:
    """An instrument id made from a file name: characters other than letters, digits, ``_``
    and ``-`` become ``_`` (``"my_scale"`` when nothing is left).

    Examples
    --------
    >>> template_id("Trygghet i kommunen 2025")
    'Trygghet_i_kommunen_2025'
    """
    cleaned = _ID_CHARS.sub("_", name).strip("_-")
    return cleaned if cleaned else "my_scale"


def instrument_template(
    *,
    items: int = 5,
    categories: int | None = None,
    labels: Sequence[str] | None = None,
    id: str = "my_scale",  # noqa: A002 - the key's name in the file
    name: str | None = None,
    lang: TemplateLanguage = "en",
    file: str = "FILE.toml",
) -> str:
    """Write a complete, commented instrument file (TOML) that loads as it is.

    Parameters
    ----------
    items : int, default 5
        Number of questions, ``q1 ... qN`` (the column names the data must have), 1 to 500.
    categories : int, optional
        Number of answers per question (2 to 30), labelled ``Answer 0``, ``Answer 1``, ... (or
        ``Svar 0`` ...). Default 4. Not together with ``labels``.
    labels : sequence of str, optional
        The answers, lowest first, e.g. ``["Never", "Sometimes", "Often"]``: codes 0, 1, 2.
    id : str, default "my_scale"
        The instrument's id (letters, digits, ``_``, ``-``; see :func:`template_id`).
    name : str, optional
        The title; default "My questionnaire" / "Min enkät".
    lang : {"sv", "en"}, default "en"
        Language of the comments and the placeholder texts. Texts are plain strings (a
        one-language instrument).
    file : str, default "FILE.toml"
        The file name used in the comment that says how to check and use the file.

    Returns
    -------
    str
        TOML text; :func:`measure.instrument.parse_instrument` accepts it.

    Raises
    ------
    ValueError
        For a bad argument; the message names it, its value and what is allowed.

    Examples
    --------
    >>> from measure.instrument import parse_instrument
    >>> text = instrument_template(items=3, labels=["Never", "Sometimes", "Often"])
    >>> inst = parse_instrument(text)
    >>> inst.item_ids, [c.labels["*"] for c in inst.items[0].categories]
    (('q1', 'q2', 'q3'), ['Never', 'Sometimes', 'Often'])
    """
    if lang not in _LANGUAGES:
        raise ValueError(f"lang: {lang!r} is not allowed; allowed: 'sv', 'en'")
    if isinstance(items, bool) or not isinstance(items, int) or not 1 <= items <= _MAX_ITEMS:
        raise ValueError(f"items: {items!r} is not allowed; give a whole number 1 to {_MAX_ITEMS}")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", id):
        raise ValueError(
            f"id: {id!r} is not allowed; use letters, digits, '_' and '-', starting with a "
            "letter or digit"
        )
    words = _WORDS[lang]
    answers = _answers(categories, labels, words["category"])
    title = words["title"] if name is None or not name.strip() else name.strip()
    taken = {normalise_label(a) for a in answers} | {str(k) for k in range(len(answers))}
    missing = [m for m in ("99", words["missing"]) if normalise_label(m) not in taken]
    missing_toml = ", ".join(m if m.isdigit() else _toml_str(m) for m in missing)
    min_answered = max(1, min(items, math.ceil(0.8 * items)))
    lines = [
        words["head"].format(file=file),
        "",
        words["id"],
        f"id = {_toml_str(id)}",
        words["version"],
        'version = "1.0"',
        words["title_c"],
        f"title = {_toml_str(title)}",
        words["construct_c"],
        f"construct = {_toml_str(words['construct'])}",
        words["source_c"],
        '# source = "Author A (2024). Title. Journal 1(2):3-4."',
        '# licence = "Free to use for non-commercial purposes."',
        words["model_c"],
        'default_model = "pcm"',
        words["min_c"],
        f"min_answered = {min_answered}",
        words["missing_c"],
        f"missing_codes = [{missing_toml}]",
        words["notes_c"],
        f"# notes = {_toml_str(words['notes'])}",
        words["reference_c"],
        f'# reference = "{id}_reference.json"',
        "",
        words["unit_c"],
        "# [reporting_unit]",
        '# name = "0-100"',
        "# intercept = 50.0",
        "# slope = 10.0",
        "",
        words["items_c"],
    ]
    for n in range(1, items + 1):
        lines += [
            "",
            "[[items]]",
            f'id = "q{n}"',
            f"text = {_toml_str(words['item'].format(n=n))}",
            "reverse = false",
        ]
        for code, answer in enumerate(answers):
            lines += ["", "[[items.categories]]", f"code = {code}", f"label = {_toml_str(answer)}"]
    return "\n".join(lines) + "\n"


def _answers(categories: int | None, labels: Sequence[str] | None, placeholder: str) -> list[str]:
    if categories is not None and labels is not None:
        raise ValueError("categories and labels: give one of them, not both")
    if labels is None:
        count = 4 if categories is None else categories
        if isinstance(count, bool) or not isinstance(count, int):
            raise ValueError(f"categories: {count!r} is not a whole number")
        if not 2 <= count <= _MAX_CATEGORIES:
            raise ValueError(
                f"categories: {count} is not allowed; give 2 to {_MAX_CATEGORIES} answers"
            )
        return [placeholder.format(k=k) for k in range(count)]
    answers = [str(label).strip() for label in labels]
    if not 2 <= len(answers) <= _MAX_CATEGORIES:
        raise ValueError(
            f"labels: {len(answers)} answer(s) given; give 2 to {_MAX_CATEGORIES}, lowest first, "
            'e.g. "Never,Sometimes,Often"'
        )
    seen: dict[str, int] = {}
    for k, answer in enumerate(answers):
        if not answer:
            raise ValueError(f"labels: answer {k + 1} is empty; every answer needs a text")
        key = normalise_label(answer)
        if key in seen:
            raise ValueError(
                f"labels: answer {k + 1} {answer!r} repeats answer {seen[key] + 1} (labels are "
                "compared case-insensitively); every answer needs its own text"
            )
        if key.isdigit() and key != str(k):
            raise ValueError(
                f"labels: answer {k + 1} {answer!r} is a number other than its code {k}; "
                "a label may not be another answer's code"
            )
        seen[key] = k
    return answers
