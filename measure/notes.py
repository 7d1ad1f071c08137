"""Notes that lower layers attach to results, in English for the API and in any report language.

A :class:`Note` *is* its English text (a ``str``: it compares, prints, writes to CSV and JSON as
that text), and also carries a message code and its parameters, so a report renders it in its own
language with :func:`say` instead of pasting the English text. Every code and its wording in
English and Swedish is declared once, in :data:`MESSAGES`.

The base layer: this module imports nothing from :mod:`measure` but :mod:`measure._types`.

Examples
--------
>>> n = Note("lr.category_not_used", categories=[4])
>>> n == "category 4 not used", n.text("sv")
(True, 'kategori 4 används inte')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from measure._types import LANGS

__all__ = ["MESSAGES", "Note", "join_notes", "say"]

#: every note's wording, by code: (English, Swedish) ``str.format`` templates
MESSAGES: dict[str, tuple[str, str]] = {
    # reading a file (measure.io.read)
    "read.title_rows_found": (
        "{source}: the column names are on row {header_row} (found below a title); {span} "
        "above them skipped, not read as persons ({shown}). The data start on row "
        "{data_row}. If the column names are on another row, give its number with header_row= "
        "(CLI: --header-row N)",
        "{source}: kolumnnamnen står på rad {header_row} (under en rubrik); {span} ovanför "
        "hoppades över och lästes inte som personer ({shown}). Data börjar på rad "
        "{data_row}. Står kolumnnamnen på en annan rad, ange dess nummer med header_row= "
        "(CLI: --header-row N)",
    ),
    "read.row_one": ("row 1", "rad 1"),
    "read.rows_span": ("rows 1-{last}", "raderna 1-{last}"),
    "read.row_text": ("row {row}: {text}", "rad {row}: {text}"),
    "read.more_rows": ("and {n} more rows", "och {n} rader till"),
    "read.title_rows_given": (
        "{source}: the column names are on row {header_row} (header_row={header_row}, CLI: "
        "--header-row {header_row}); {span} above them skipped, not read as persons "
        "({shown}). The data start on row {data_row}",
        "{source}: kolumnnamnen står på rad {header_row} (header_row={header_row}, CLI: "
        "--header-row {header_row}); {span} ovanför hoppades över och lästes inte som "
        "personer ({shown}). Data börjar på rad {data_row}",
    ),
    # Andersen's LR test (measure.diagnostics.lrtest)
    "lr.no_answers": ("no answers", "inga svar"),
    "lr.category_not_used": (
        "category {categories} not used",
        "kategori {categories} används inte",
    ),
    "lr.category_extreme_only": (
        "category {categories} used only by persons with an extreme score",
        "kategori {categories} används bara av personer med extrem poäng",
    ),
    "lr.no_informative": ("no informative answers", "inga informativa svar"),
    "lr.few_groups": ("fewer than two non-empty groups", "färre än två grupper med svar"),
    "lr.few_items": (
        "fewer than two items can be estimated in every group",
        "färre än två frågor kan skattas i alla grupper",
    ),
    "lr.not_estimated": (
        "a model could not be estimated: {error}",
        "en modell kunde inte skattas: {error}",
    ),
    "lr.patterns": (
        "tested on the persons in the {n_top} most frequent of {n_patterns} missing-data "
        "patterns ({share_pct}% of the persons); conditional ML is valid within any set of "
        "patterns",
        "testat på personerna i de {n_top} vanligaste av {n_patterns} mönster av saknade svar "
        "({share_pct} % av personerna); betingad ML gäller inom varje urval av mönster",
    ),
    # DIF (measure.diagnostics.dif)
    "dif.few_items": (
        "fewer than two items can be estimated in this group",
        "färre än två frågor kan skattas i den här gruppen",
    ),
    "dif.failed": ("calibration failed: {error}", "kalibreringen misslyckades: {error}"),
    "dif.in_group": ("group {group}: {note}", "grupp {group}: {note}"),
    "dif.not_estimable": (
        "not estimable in group {groups} (a category without informative answers)",
        "kan inte skattas i grupp {groups} (en kategori utan informativa svar)",
    ),
    # scoring on a reference (measure.scoring)
    "score.no_information": (
        "no answers from persons with a non-extreme score",
        "inga svar från personer utan extrem poäng",
    ),
    "score.not_finite": (
        "no finite displacement: the new answers to this item are all at one end relative to "
        "the others (too few or too uniform answers)",
        "ingen ändlig förskjutning: de nya svaren på frågan ligger alla i ena änden jämfört "
        "med de andra (för få eller för likartade svar)",
    ),
    "score.not_computed": ("not computed", "inte beräknat"),
    "score.test_unused": (
        "score test not available: no informative answers in {cells}",
        "score-testet kan inte göras: inga informativa svar i {cells}",
    ),
    "score.item_category": ("{item} category {category}", "{item} kategori {category}"),
    "score.test_singular": (
        "score test not available: the conditional information of the new data is singular "
        "(too few persons with non-extreme scores for the free model)",
        "score-testet kan inte göras: den betingade informationen i nya data är singulär "
        "(för få personer utan extrem poäng för den fria modellen)",
    ),
    "score.exact_anchors": (
        "the reference has no calibration sample (fixed parameters): anchors taken as exact",
        "referensen saknar kalibreringsurval (fasta parametrar): ankarna tas som exakta",
    ),
    # comparison (measure.comparison)
    "compare.skewed": (
        "caution: the true values look skewed (skewness {skewness}); a share this far in a tail "
        "rests on their normal shape: check the distribution of the measures",
        "varning: de sanna värdena ser sneda ut (skevhet {skewness}); en andel så långt ut i "
        "en svans vilar på att de är normalfördelade: granska måttens fördelning",
    ),
    "compare.no_measures": ("no persons with a measure", "inga personer med ett mått"),
    "compare.few_persons": ("fewer than 3 persons", "färre än 3 personer"),
    "compare.no_spread": (
        "no spread of true values (variance of the measures <= mean squared SE)",
        "ingen spridning i de sanna värdena (måttens varians <= medelkvadraten av SE)",
    ),
}


def _format(value: Any, lang: str, sep: str) -> str:
    if isinstance(value, Note):
        return value.text(lang)
    if isinstance(value, float):
        text = f"{value:.2f}"
        return text.replace(".", ",") if lang == "sv" else text
    if isinstance(value, (list, tuple)):
        return sep.join(_format(v, lang, ", ") for v in value)
    return str(value)


def _render(code: str, params: Mapping[str, Any], lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not one of {', '.join(map(repr, LANGS))}")
    en, sv = MESSAGES[code]
    sep = "; " if code == "join" else ", "
    return (sv if lang == "sv" else en).format(
        **{k: _format(v, lang, sep) for k, v in params.items()}
    )


MESSAGES["join"] = ("{notes}", "{notes}")


class Note(str):
    """A note in English that also knows its code and parameters (see :data:`MESSAGES`).

    ``Note(code, **params)`` is the English text; :meth:`text` gives it in another language.
    Parameters may be numbers, strings, lists (joined with commas) or other notes.
    """

    code: str
    params: Mapping[str, Any]

    def __new__(cls, code: str, /, **params: Any) -> Note:
        if code not in MESSAGES:
            raise KeyError(f"unknown note code {code!r}")
        self = super().__new__(cls, _render(code, params, "en"))
        self.code = code
        self.params = MappingProxyType(dict(params))
        return self

    def text(self, lang: str = "en") -> str:
        """The note in ``lang`` ("en" or "sv")."""
        return _render(self.code, self.params, lang)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.code, dict(self.params)))


def _rebuild(code: str, params: dict[str, Any]) -> Note:
    return Note(code, **params)


def join_notes(notes: Iterable[str]) -> str:
    """Notes joined with "; " (a :class:`Note` when there is more than one)."""
    items = [n for n in notes if n]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return Note("join", notes=items)


def say(text: object, lang: str) -> str:
    """``text`` in ``lang`` when it is a :class:`Note`, else as it is (empty for None or NaN)."""
    if isinstance(text, Note):
        return text.text(lang)
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return str(text)
