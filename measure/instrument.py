"""Instrument definitions: items, ordered response categories, labels and scoring metadata.

An instrument is data. Each shipped instrument is one TOML file in the package
``measure.instruments`` (the ``instruments/`` folder of the source tree); users can load their own
file with the same layout (``measure instruments new`` writes a commented one to start from,
see :mod:`measure.instrument_template` and ``docs/instruments.md``). The file is validated when it
is loaded: unknown keys, wrong types, missing keys, duplicate item ids and non-consecutive
category codes are errors whose message names the file and the key path, for example::

    instruments/who5.toml: items[3].categories: duplicate code 4

Every problem of a file is found before the error is raised; with more than one, the message
lists each on its own line, after the count.

Indices in key paths are 0-based. The same checks run when the dataclasses are built directly.

File layout (TOML)::

    id = "who5"                       # [A-Za-z0-9][A-Za-z0-9_-]*
    version = "1.0"
    title = { sv = "...", en = "..." }  # or a plain string: one language
    construct = { sv = "...", en = "..." }
    source = "citation"               # required in shipped files, optional in your own
    licence = "terms of use"          # required in shipped files, optional in your own
    default_model = "rsm"             # "rasch" | "rsm" | "pcm"
    min_answered = 3                  # fewest answered items for a reported person measure
    missing_codes = [9, 99, "Vet ej", "Don't know"]     # optional
    notes = { sv = "...", en = "..." }                 # optional: skip rules, recoding

    [reporting_unit]                  # optional: unit = intercept + slope * logit
    name = "0-100"
    intercept = 50.0
    slope = 10.0

    [[items]]
    id = "who5_1"
    text = { en = "..." }             # optional
    text_source = "where the texts are published"    # optional
    reverse = false                   # optional, default false

    [[items.categories]]              # codes 0, 1, 2, ... in this order
    code = 0
    label = { sv = "...", en = "..." }

Categories are listed in the order of the response options' codes; ``reverse = true`` means the
item is scored ``max_category - code`` so that a higher score always means more of the construct.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib import resources
from pathlib import Path, PureWindowsPath
from typing import Any, TypeVar

from measure._types import MODELS, ModelName
from measure.exceptions import InstrumentError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "ANY_LANGUAGE",
    "MODELS",
    "Category",
    "Instrument",
    "Item",
    "ModelName",
    "ReportingUnit",
    "instrument_ids",
    "instrument_to_toml",
    "list_instruments",
    "load_instrument",
    "localised",
    "normalise_label",
    "parse_instrument",
]

#: largest instrument file read (the shipped ones are about 20 kB)
MAX_INSTRUMENT_BYTES = 1_000_000
_PACKAGE = "measure.instruments"
_SHIPPED_PREFIX = "instruments/"
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_INT64 = 2**63
_T = TypeVar("_T")
_ABSENT: Any = object()  # a key the file does not give (its own problem is reported already)

_TOP_REQUIRED = (
    "id",
    "version",
    "title",
    "construct",
    "default_model",
    "min_answered",
    "items",
)
#: required in a shipped instrument (instruments/*.toml), optional in a user's own file
_SHIPPED_REQUIRED = ("source", "licence")
_TOP_OPTIONAL = ("source", "licence", "missing_codes", "reporting_unit", "reference", "notes")
_ITEM_REQUIRED = ("id", "categories")
_ITEM_OPTIONAL = ("text", "text_source", "reverse", "domain", "codes")
_CATEGORY_REQUIRED = ("code", "label")
_UNIT_REQUIRED = ("name", "intercept", "slope")
#: the language key of a text written as a plain string (a one-language instrument)
ANY_LANGUAGE = "*"

#: what a missing required key should hold (shown in the message)
_KEY_HINTS = {
    "id": 'a short name of letters, digits, "_" or "-", e.g. id = "my_scale"',
    "version": 'the version of this file, a string, e.g. version = "1.0"',
    "title": 'the name shown in reports, e.g. title = "My scale" or { sv = "...", en = "..." }',
    "construct": 'what a higher measure means, e.g. construct = "Wellbeing (higher = better)"',
    "source": "a citation of the instrument, a string",
    "licence": "the terms under which the instrument may be used, a string",
    "default_model": 'the model, one of "rasch", "rsm", "pcm"',
    "min_answered": "the fewest answered items for a reported measure, a whole number",
    "items": "the items, one [[items]] table each",
    "categories": "the response options, one [[items.categories]] table each",
    "code": "the category number, 0 for the lowest option, then 1, 2, ...",
    "label": 'the option\'s text, e.g. label = "Never" or { sv = "Aldrig", en = "Never" }',
    "name": 'the unit\'s name, e.g. name = "0-100"',
    "intercept": "the unit's value at 0 logits, a number",
    "slope": "units per logit, a non-zero number",
}
#: the table each key belongs to, for a key written in the wrong table
_KEY_HOMES = {
    **{key: "the top of the file" for key in (*_TOP_REQUIRED, *_TOP_OPTIONAL)},
    **{key: "an [[items]] table" for key in (*_ITEM_REQUIRED, *_ITEM_OPTIONAL)},
    **{key: "an [[items.categories]] table" for key in _CATEGORY_REQUIRED},
    **{key: "the [reporting_unit] table" for key in _UNIT_REQUIRED},
}


# --------------------------------------------------------------------------------------------
# Errors with a key path; every problem of a file is collected and reported at once
# --------------------------------------------------------------------------------------------

_Problem = tuple[str, str]  # (key path, reason)


def _located_text(where: str, reason: str) -> str:
    return f"{where}: {reason}" if where else reason


def _message(context: str, problems: Sequence[_Problem]) -> str:
    """One message for all ``problems``: one line each, every line starting with ``context``."""
    lines = [_located_text(where, reason) for where, reason in problems]
    if len(lines) == 1:
        return f"{context}: {lines[0]}" if context else lines[0]
    head = f"{context}: " if context else ""
    body = "\n".join(f"  {head}{line}" for line in lines)
    return f"{head}{len(lines)} problems (all listed; fix them and load the file again):\n{body}"


class _Invalid(InstrumentError):
    """Invalid values at key paths; the loader prefixes the file name and outer path."""

    def __init__(
        self,
        where: str,
        reason: str,
        context: str = "",
        *,
        problems: Sequence[_Problem] = (),
    ) -> None:
        self.problems: tuple[_Problem, ...] = tuple(problems) or ((where, reason),)
        super().__init__(_message(context, self.problems))


def _join(outer: str, inner: str) -> str:
    if not outer:
        return inner
    if not inner:
        return outer
    return f"{outer}{inner}" if inner.startswith("[") else f"{outer}.{inner}"


class _Problems:
    """Collects the problems of one object (or file) instead of stopping at the first."""

    def __init__(self) -> None:
        self.found: list[_Problem] = []

    def add(self, where: str, reason: str) -> None:
        self.found.append((where, reason))

    def check(self, func: Callable[[], _T], outer: str = "") -> _T | None:
        """Run ``func``; on :class:`_Invalid` record its problems under ``outer``, give None."""
        try:
            return func()
        except _Invalid as err:
            self.found.extend((_join(outer, where), reason) for where, reason in err.problems)
            return None

    def raise_any(self, context: str = "") -> None:
        if self.found:
            raise _Invalid("", "", context, problems=self.found)


def _describe(value: object) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


# --------------------------------------------------------------------------------------------
# Small immutable mapping (hashable, so instruments can be dict keys or cached)
# --------------------------------------------------------------------------------------------


class _FrozenMap(Mapping[str, str]):
    """A read-only, hashable ``str -> str`` mapping that keeps insertion order."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, str]) -> None:
        self._data: dict[str, str] = dict(data)

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return repr(self._data)


def _texts(value: object, where: str, *, allow_empty: bool, example: str) -> _FrozenMap:
    """Validate a text: a plain string (one language) or a ``{language: text}`` table."""
    if isinstance(value, str):
        if not value.strip():
            raise _Invalid(where, "must not be empty")
        return _FrozenMap({ANY_LANGUAGE: value})
    if not isinstance(value, Mapping):
        raise _Invalid(
            where,
            f"expected a text (a string) or a table of texts by language, like {example}; "
            f"got {_describe(value)}",
        )
    if not value and not allow_empty:
        raise _Invalid(where, f"must name at least one language, like {example}")
    for lang, text in value.items():
        if not isinstance(lang, str) or not lang.strip():
            raise _Invalid(where, f"language keys must be non-empty strings; got {lang!r}")
        if not isinstance(text, str):
            raise _Invalid(_join(where, lang), f"expected a string, got {_describe(text)}")
        if not text.strip():
            raise _Invalid(_join(where, lang), "must not be empty")
    return _FrozenMap(value)


def _nonempty_str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(where, f"expected a string, got {_describe(value)}")
    if not value.strip():
        raise _Invalid(where, "must not be empty")
    return value


def _integer(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(where, f"expected an integer, got {_describe(value)}")
    if not -_INT64 <= value < _INT64:
        raise _Invalid(where, f"{value} is outside the 64-bit integer range TOML can hold")
    return value


def _real(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Invalid(where, f"expected a number, got {_describe(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise _Invalid(where, f"must be finite, got {number}")
    return number


# --------------------------------------------------------------------------------------------
# Public helpers
# --------------------------------------------------------------------------------------------


def normalise_label(text: str) -> str:
    """Normalise a response label for matching.

    The text is put in Unicode NFC form, runs of whitespace are collapsed to one space, leading
    and trailing whitespace is removed and the result is case-folded.

    Parameters
    ----------
    text : str
        A label as written in data or in an instrument file.

    Returns
    -------
    str
        The normalised label.

    Examples
    --------
    >>> normalise_label("  Most   of the TIME ")
    'most of the time'
    """
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def localised(texts: Mapping[str, str], lang: str, default: str = "") -> str:
    """Pick the text in ``lang``, else the one-language text, else English, else the first given.

    A text written as a plain string in an instrument file (``label = "Aldrig"``) is stored
    under the key ``"*"`` (:data:`ANY_LANGUAGE`) and is returned for every ``lang``.

    Parameters
    ----------
    texts : Mapping[str, str]
        Texts keyed by language code, such as ``Instrument.title``.
    lang : str
        The preferred language code, e.g. ``"sv"``.
    default : str, optional
        Returned when ``texts`` is empty.

    Returns
    -------
    str
        The chosen text.

    Examples
    --------
    >>> localised({"sv": "Hej", "en": "Hello"}, "de")
    'Hello'
    >>> localised({"*": "Hur ofta?"}, "en")
    'Hur ofta?'
    """
    for key in (lang, ANY_LANGUAGE, "en"):
        if key in texts:
            return texts[key]
    return next(iter(texts.values()), default)


# --------------------------------------------------------------------------------------------
# Dataclasses
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportingUnit:
    """A linear reporting unit: ``unit = intercept + slope * logit``.

    Standard errors in the unit are ``abs(slope) * SE_logit``.

    Parameters
    ----------
    name : str
        Name shown in tables and reports, e.g. ``"0-100"``.
    intercept : float
        Value of the unit at 0 logits.
    slope : float
        Units per logit; finite and non-zero.

    Examples
    --------
    >>> unit = ReportingUnit(name="T", intercept=50.0, slope=10.0)
    >>> unit.from_logits(1.5)
    65.0
    """

    name: str
    intercept: float
    slope: float

    def __post_init__(self) -> None:
        found = _Problems()
        found.check(lambda: _nonempty_str(self.name, "name"))
        intercept = found.check(lambda: _real(self.intercept, "intercept"))
        slope = found.check(lambda: _real(self.slope, "slope"))
        if slope == 0.0:
            found.add("slope", "must not be 0 (units per logit)")
        found.raise_any("reporting unit")
        object.__setattr__(self, "intercept", intercept)
        object.__setattr__(self, "slope", slope)

    def from_logits(self, logits: float) -> float:
        """Convert a measure in logits to the reporting unit.

        Parameters
        ----------
        logits : float
            A measure in logits.

        Returns
        -------
        float
            ``intercept + slope * logits``.
        """
        return self.intercept + self.slope * logits


@dataclass(frozen=True)
class Category:
    """One ordered response category of an item.

    Parameters
    ----------
    code : int
        The category's position in the item's ordered categories, 0-based.
    labels : Mapping[str, str]
        The category's label by language code, e.g. ``{"sv": "Aldrig", "en": "Never"}``.
        Written as the key ``label`` in instrument files.

    Examples
    --------
    >>> Category(0, {"en": "Never"}).labels["en"]
    'Never'
    """

    code: int
    labels: Mapping[str, str]

    def __post_init__(self) -> None:
        found = _Problems()
        found.check(lambda: _category_code(self.code))
        labels = found.check(
            lambda: _texts(
                self.labels, "label", allow_empty=False, example='{sv = "Aldrig", en = "Never"}'
            )
        )
        found.raise_any(f"category {self.code!r}")
        object.__setattr__(self, "labels", labels)


def _category_code(code: object) -> int:
    value = _integer(code, "code")
    if value < 0:
        raise _Invalid("code", f"must be 0 or larger, got {value}")
    return value


@dataclass(frozen=True)
class Item:
    """One item of an instrument.

    Parameters
    ----------
    id : str
        The item id, used as the column name in response data.
    text : Mapping[str, str]
        The item text by language code; empty when the text may not be redistributed.
    reverse : bool
        ``True`` when the item is reverse-keyed: it is scored ``max_category - code`` so that a
        higher score means more of the construct.
    categories : tuple[Category, ...]
        The ordered categories, codes ``0, 1, ..., max_category`` in that order; at least two.
    text_source : str or None
        Where the item texts can be found when they are not included.
    domain : str or None
        The content domain (subscale) the item belongs to, e.g. ``"consumption"``; short forms
        and adaptive tests can require a minimum of items per domain.
    codes : tuple of int or None
        The code map: how the data (and the paper form) code each category, in category
        order, when that is not ``0, 1, ..., max_category``. AUDIT items 9 and 10 are scored
        0, 2, 4 on the form: ``codes = [0, 2, 4]`` reads a 2 in the data as category 1 and a 4
        as category 2, and refuses a 1. Distinct whole numbers 0 or above, increasing.
        ``None``: the data code of a category is its category number.

    Examples
    --------
    >>> item = Item("q1", {}, False, (Category(0, {"en": "No"}), Category(1, {"en": "Yes"})), None)
    >>> item.max_category
    1
    >>> no, some, yes = (Category(k, {"en": t}) for k, t in enumerate(["No", "Some", "Yes"]))
    >>> Item("a9", {}, False, (no, some, yes), None, codes=(0, 2, 4)).data_codes
    (0, 2, 4)
    """

    id: str
    text: Mapping[str, str]
    reverse: bool
    categories: tuple[Category, ...]
    text_source: str | None = None
    domain: str | None = None
    codes: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        found = _Problems()
        text = _item_fields(found, self.id, self.text, self.reverse, self.text_source, self.domain)
        categories = found.check(lambda: _item_categories(self.categories))
        if categories is not None:
            object.__setattr__(self, "categories", categories)
            codes = found.check(lambda: _item_codes(self.codes, len(categories)))
            if codes is not None:
                object.__setattr__(
                    self, "codes", None if codes == tuple(range(len(codes))) else codes
                )
                found.check(lambda: _item_label_map(self))
        found.raise_any(f"item {self.id!r}")
        object.__setattr__(self, "text", text)

    @property
    def max_category(self) -> int:
        """The highest category code (the number of categories minus one)."""
        return len(self.categories) - 1

    @property
    def data_codes(self) -> tuple[int, ...]:
        """The code each category has in the data, in category order (the code map, or
        ``0, 1, ..., max_category``)."""
        return self.codes if self.codes is not None else tuple(range(len(self.categories)))


def _item_fields(
    found: _Problems,
    item_id: object,
    text: object,
    reverse: object,
    text_source: object,
    domain: object,
) -> _FrozenMap | None:
    """Check an item's own fields (not its categories); give its frozen text."""

    def check_id() -> None:
        value = _nonempty_str(item_id, "id")
        if value != value.strip():
            raise _Invalid("id", f"must not start or end with whitespace, got {value!r}")

    if item_id is not _ABSENT:
        found.check(check_id)
    frozen = found.check(
        lambda: _texts(text, "text", allow_empty=True, example='{sv = "...", en = "..."}')
    )
    if not isinstance(reverse, bool):
        found.add("reverse", f"expected true or false, got {_describe(reverse)}")
    if text_source is not None:
        found.check(lambda: _nonempty_str(text_source, "text_source"))
    if domain is not None:
        found.check(lambda: _nonempty_str(domain, "domain"))
    return frozen


def _item_categories(raw: object) -> tuple[Category, ...]:
    """Check an item's categories: a sequence of Category, codes 0, 1, ... in order."""
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise _Invalid("categories", f"expected a sequence, got {_describe(raw)}")
    categories = tuple(raw)
    for j, category in enumerate(categories):
        if not isinstance(category, Category):
            raise _Invalid(f"categories[{j}]", f"expected a Category, got {_describe(category)}")
    if len(categories) < 2:
        raise _Invalid("categories", f"an item needs at least 2 categories, got {len(categories)}")
    seen: set[int] = set()
    for category in categories:
        if category.code in seen:
            raise _Invalid("categories", f"duplicate code {category.code}")
        seen.add(category.code)
    codes = [category.code for category in categories]
    if codes != list(range(len(codes))):
        raise _Invalid(
            "categories",
            "codes must be consecutive from 0 and listed in order "
            f"(0, 1, ..., {len(codes) - 1}); got {', '.join(map(str, codes))}",
        )
    languages = [set(category.labels) for category in categories]
    for j, langs in enumerate(languages[1:], start=1):
        if langs != languages[0]:
            raise _Invalid(
                f"categories[{j}].label",
                f"is in the language(s) {_languages(langs)} but categories[0].label in "
                f"{_languages(languages[0])}; give every category of an item the same languages "
                "(or a plain string each, for a one-language instrument)",
            )
    return categories


def _languages(langs: set[str]) -> str:
    names = sorted("a plain string" if lang == ANY_LANGUAGE else repr(lang) for lang in langs)
    return ", ".join(names)


def _item_codes(raw: object, n_categories: int) -> tuple[int, ...]:
    """Check an item's code map; give it (``0, 1, ...`` when there is none)."""
    if raw is None:
        return tuple(range(n_categories))
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise _Invalid("codes", f"expected an array of whole numbers, got {_describe(raw)}")
    codes = tuple(_integer(code, f"codes[{k}]") for k, code in enumerate(raw))
    if len(codes) != n_categories:
        raise _Invalid(
            "codes",
            f"gives {len(codes)} data code(s) for {n_categories} categories; "
            "give one code per category, in category order",
        )
    if any(code < 0 for code in codes):
        raise _Invalid("codes", f"codes must be 0 or above, got {list(codes)}")
    if any(b <= a for a, b in zip(codes, codes[1:], strict=False)):
        raise _Invalid(
            "codes",
            f"codes must increase with the categories, got {list(codes)} (a reverse-keyed "
            "item is marked with reverse = true, not with decreasing codes)",
        )
    return codes


def _item_label_map(item: Item) -> dict[str, int]:
    """Build the label map of an item, raising when one key would name two codes."""
    mapping = {
        str(code): category.code
        for code, category in zip(item.data_codes, item.categories, strict=True)
    }
    for j, category in enumerate(item.categories):
        for lang, label in category.labels.items():
            key = normalise_label(label)
            other = mapping.get(key)
            if other is not None and other != category.code:
                raise _Invalid(
                    f"categories[{j}].label" + ("" if lang == ANY_LANGUAGE else f".{lang}"),
                    f"{label!r} would also name code {other}; labels must identify one "
                    "category (compared case-insensitively, and a label may not be another "
                    "category's code)",
                )
            mapping[key] = category.code
    return mapping


@dataclass(frozen=True)
class Instrument:
    """A validated instrument definition.

    Parameters
    ----------
    id : str
        Short identifier, ``[A-Za-z0-9][A-Za-z0-9_-]*``; a shipped instrument is loaded by it.
    version : str
        Version of this definition.
    title, construct : Mapping[str, str]
        Title and measured construct by language code (a plain string in a file is stored under
        the key ``"*"``, :data:`ANY_LANGUAGE`).
    source : str or None
        Citation of the instrument; required in a shipped instrument, optional in your own.
    licence : str or None
        Terms under which the instrument (and any included item text) may be used; required in
        a shipped instrument, optional in your own.
    items : tuple[Item, ...]
        The items, with unique ids.
    missing_codes : tuple[int | str, ...]
        Codes or labels that mean "missing" in response data (e.g. ``9``, ``"Vet ej"``). They
        must not coincide with any category code or label.
    default_model : {"rasch", "rsm", "pcm"}
        The model used when none is asked for. ``"rasch"`` needs dichotomous items and
        ``"rsm"`` the same number of categories in every item.
    min_answered : int
        Fewest answered items for a person measure to be reported, from 1 to the number of items.
    reporting_unit : ReportingUnit or None
        Optional linear reporting unit.
    reference : str or None
        Optional file name of a reference scale (``measure calibrate --save-reference``)
        attached to the instrument, relative to the TOML file; see :meth:`reference_file`.
    notes : Mapping[str, str]
        Optional notes on scoring by language (skip rules, recoding before analysis, ...);
        shown by ``measure instruments show``.
    path : pathlib.Path or None
        The file the instrument was loaded from; not compared by ``==``.

    Examples
    --------
    >>> who5 = load_instrument("who5")
    >>> who5.label_map("who5_1")["all of the time"]
    5
    """

    id: str
    version: str
    title: Mapping[str, str]
    construct: Mapping[str, str]
    source: str | None
    licence: str | None
    items: tuple[Item, ...]
    missing_codes: tuple[int | str, ...] = ()
    default_model: ModelName = "pcm"
    min_answered: int = 1
    reporting_unit: ReportingUnit | None = None
    reference: str | None = None
    notes: Mapping[str, str] = field(default_factory=lambda: _FrozenMap({}))
    path: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        found = _Problems()
        texts = _instrument_fields(
            found,
            inst_id=self.id,
            version=self.version,
            title=self.title,
            construct=self.construct,
            source=self.source,
            licence=self.licence,
            notes=self.notes,
            default_model=self.default_model,
            min_answered=self.min_answered,
        )
        items = found.check(lambda: _instrument_items(self.items))
        missing = _missing_codes(found, self.missing_codes, items)
        if items is not None:
            _instrument_cross_checks(found, items, self.default_model, self.min_answered)
        if self.reporting_unit is not None and not isinstance(self.reporting_unit, ReportingUnit):
            found.add(
                "reporting_unit", f"expected a ReportingUnit, got {_describe(self.reporting_unit)}"
            )
        found.raise_any(f"instrument {self.id!r}")
        for name, frozen in texts.items():
            object.__setattr__(self, name, frozen)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "missing_codes", missing)
        if self.path is not None and not isinstance(self.path, Path):
            object.__setattr__(self, "path", Path(self.path))

    def reference_file(self) -> Path | None:
        """The attached reference scale's file, resolved relative to the TOML file's folder
        only (``None`` when there is no reference).

        Raises
        ------
        InstrumentError
            The instrument was not loaded from a file, so its reference cannot be found.
        """
        if self.reference is None:
            return None
        if self.path is None:
            raise InstrumentError(
                f"instrument {self.id!r}: its reference {self.reference!r} is relative to the "
                "instrument's file, but the instrument was not loaded from a file"
            )
        return self.path.parent / self.reference

    @property
    def item_ids(self) -> tuple[str, ...]:
        """The item ids in instrument order."""
        return tuple(item.id for item in self.items)

    def domains(self) -> dict[str, tuple[str, ...]]:
        """Domain -> its items, in order, for the items that declare a ``domain``."""
        out: dict[str, list[str]] = {}
        for it in self.items:
            if it.domain is not None:
                out.setdefault(it.domain, []).append(it.id)
        return {k: tuple(v) for k, v in out.items()}

    def item(self, item_id: str) -> Item:
        """Return the item with id ``item_id``.

        Parameters
        ----------
        item_id : str
            An item id of this instrument.

        Returns
        -------
        Item
            The item.

        Raises
        ------
        KeyError
            When the instrument has no such item; the message lists the item ids.
        """
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(
            f"instrument {self.id!r} has no item {item_id!r}; items: {', '.join(self.item_ids)}"
        )

    def label_map(self, item_id: str) -> dict[str, int]:
        """Map every accepted spelling of an item's answers to the category code.

        Keys are the normalised labels (see :func:`normalise_label`) in every language and the
        codes as the data write them (``"0"``, ``"1"``, ...; the item's code map when it has
        one: ``"0"``, ``"2"``, ``"4"``). Missing codes are not included.

        Parameters
        ----------
        item_id : str
            An item id of this instrument.

        Returns
        -------
        dict[str, int]
            Normalised label or code string -> category code.

        Raises
        ------
        KeyError
            When the instrument has no such item.

        Examples
        --------
        >>> load_instrument("who5").label_map("who5_1")["at no time"]
        0
        """
        return _item_label_map(self.item(item_id))


def _instrument_fields(
    found: _Problems,
    *,
    inst_id: object,
    version: object,
    title: object,
    construct: object,
    source: object,
    licence: object,
    notes: object,
    default_model: object,
    min_answered: object,
) -> dict[str, _FrozenMap]:
    """Check the fields that do not depend on the items; give the frozen texts."""

    def check_id() -> None:
        value = _nonempty_str(inst_id, "id")
        if not _ID_RE.fullmatch(value):
            raise _Invalid(
                "id",
                f"{value!r} is not a valid id; use letters, digits, '_' and '-', "
                "starting with a letter or digit",
            )

    if inst_id is not _ABSENT:
        found.check(check_id)
    if version is not _ABSENT:
        found.check(lambda: _nonempty_str(version, "version"))
    texts: dict[str, _FrozenMap] = {}
    for name, value, allow_empty in (
        ("title", title, False),
        ("construct", construct, False),
        ("notes", notes, True),
    ):
        if value is _ABSENT:
            continue
        frozen = found.check(
            partial(
                _texts, value, name, allow_empty=allow_empty, example='{sv = "...", en = "..."}'
            )
        )
        if frozen is not None:
            texts[name] = frozen
    for name, value in (("source", source), ("licence", licence)):
        if value is not None and value is not _ABSENT:
            found.check(partial(_nonempty_str, value, name))
    if default_model is not _ABSENT and (
        not isinstance(default_model, str) or default_model not in MODELS
    ):
        found.add(
            "default_model",
            f"{default_model!r} is not a model; allowed: " + ", ".join(repr(m) for m in MODELS),
        )
    if min_answered is not _ABSENT:
        found.check(lambda: _integer(min_answered, "min_answered"))
    return texts


def _instrument_items(raw: object) -> tuple[Item, ...]:
    """Check the items: a non-empty sequence of Item with unique ids."""
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise _Invalid("items", f"expected a sequence of items, got {_describe(raw)}")
    items = tuple(raw)
    if not items:
        raise _Invalid("items", "an instrument needs at least one item")
    found = _Problems()
    first_index: dict[str, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item, Item):
            found.add(f"items[{i}]", f"expected an Item, got {_describe(item)}")
        elif item.id in first_index:
            found.add(
                f"items[{i}].id",
                f"duplicate item id {item.id!r} (first used by items[{first_index[item.id]}])",
            )
        else:
            first_index[item.id] = i
    found.raise_any()
    return items


def _missing_codes(
    found: _Problems, raw: object, items: tuple[Item, ...] | None
) -> tuple[int | str, ...]:
    """Check the missing codes (against the items' answers when the items are valid)."""
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        found.add("missing_codes", f"expected an array of codes, got {_describe(raw)}")
        return ()
    codes = tuple(raw)
    label_maps = [(item.id, _item_label_map(item)) for item in items or ()]
    seen: dict[str, int] = {}
    for k, code in enumerate(codes):
        where = f"missing_codes[{k}]"
        if isinstance(code, str):
            if not code.strip():
                found.add(where, "must not be empty")
                continue
        elif isinstance(code, bool) or not isinstance(code, int):
            found.add(where, f"expected an integer or a string, got {_describe(code)}")
            continue
        elif found.check(partial(_integer, code, where)) is None:
            continue
        key = normalise_label(str(code))
        if key in seen:
            found.add(
                where, f"duplicate missing code {code!r} (same as missing_codes[{seen[key]}])"
            )
            continue
        seen[key] = k
        for item_id, label_map in label_maps:
            hit = label_map.get(key)
            if hit is not None:
                found.add(
                    where,
                    f"{code!r} is also a category of item {item_id!r} (code {hit}); "
                    "a missing code must not be a valid answer",
                )
                break
    return codes


def _instrument_cross_checks(
    found: _Problems, items: tuple[Item, ...], default_model: object, min_answered: object
) -> None:
    """The checks of the model and the minimum of answers against the items."""
    if default_model == "rasch":
        for i, item in enumerate(items):
            if item.max_category != 1:
                found.add(
                    "default_model",
                    f"'rasch' needs dichotomous items; items[{i}] ({item.id!r}) has "
                    f"{len(item.categories)} categories (use 'rsm' or 'pcm')",
                )
                break
    elif default_model == "rsm":
        first = items[0]
        for i, item in enumerate(items):
            if item.max_category != first.max_category:
                found.add(
                    "default_model",
                    "'rsm' needs the same number of categories in every item; "
                    f"items[0] ({first.id!r}) has {len(first.categories)}, items[{i}] "
                    f"({item.id!r}) has {len(item.categories)} (use 'pcm')",
                )
                break
    if isinstance(min_answered, int) and not isinstance(min_answered, bool):
        if not 1 <= min_answered <= len(items):
            found.add(
                "min_answered",
                f"must be between 1 and the number of items ({len(items)}), got {min_answered}",
            )


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _table(value: object, where: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _Invalid(where, f"expected {what}, got {_describe(value)}")
    return value


def _array(value: object, where: str, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Invalid(where, f"expected {what}, got {_describe(value)}")
    return value


def _check_keys(
    found: _Problems,
    table: Mapping[str, Any],
    where: str,
    required: Sequence[str],
    optional: Sequence[str],
) -> bool:
    """Record every unknown and missing key of ``table``; give True when all required are there."""
    allowed = (*required, *optional)
    for key in table:
        if key in allowed:
            continue
        reason = f"unknown key {key!r} (allowed: {', '.join(allowed)})"
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        if key in _KEY_HOMES:
            reason += f"; {key!r} belongs in {_KEY_HOMES[key]}"
        elif close:
            reason += f"; did you mean {close[0]!r}?"
        found.add(where, reason)
    complete = True
    for key in required:
        if key not in table:
            hint = _KEY_HINTS.get(key)
            found.add(where, f"missing required key {key!r}" + (f" ({hint})" if hint else ""))
            complete = False
    return complete


def _item_from_table(found: _Problems, raw_item: object, where: str) -> Item | None:
    """Read one [[items]] table, recording every problem; give the item when it is valid."""
    item_table = found.check(lambda: _table(raw_item, where, "a table ([[items]])"))
    if item_table is None:
        return None
    before = len(found.found)
    _check_keys(found, item_table, where, _ITEM_REQUIRED, _ITEM_OPTIONAL)
    categories: list[Category] | None = None
    if "categories" in item_table:
        raw_categories = found.check(
            lambda: _array(
                item_table["categories"],
                f"{where}.categories",
                "an array of tables ([[items.categories]])",
            )
        )
        if raw_categories is not None:
            categories = []
            for j, raw_category in enumerate(raw_categories):
                cat_where = f"{where}.categories[{j}]"
                category = _category_from_table(found, raw_category, cat_where)
                if category is None or categories is None:
                    categories = None
                else:
                    categories.append(category)
    fields = {
        "item_id": item_table.get("id", _ABSENT),
        "text": item_table.get("text", {}),
        "reverse": item_table.get("reverse", False),
        "text_source": item_table.get("text_source"),
        "domain": item_table.get("domain"),
    }
    if categories is None or "id" not in item_table:
        # the item cannot be built: still report the problems of its own fields
        own = _Problems()
        _item_fields(own, **fields)
        found.found.extend((_join(where, w), r) for w, r in own.found)
        return None
    codes = found.check(lambda: _codes(item_table.get("codes"), f"{where}.codes"))
    if len(found.found) > before:
        return None
    return found.check(
        lambda: Item(
            id=item_table["id"],
            text=fields["text"],
            reverse=fields["reverse"],
            categories=tuple(categories),
            text_source=fields["text_source"],
            domain=fields["domain"],
            codes=codes,
        ),
        where,
    )


def _category_from_table(found: _Problems, raw: object, where: str) -> Category | None:
    cat_table = found.check(lambda: _table(raw, where, "a table ([[items.categories]])"))
    if cat_table is None:
        return None
    if not _check_keys(found, cat_table, where, _CATEGORY_REQUIRED, ()):
        return None
    return found.check(lambda: Category(code=cat_table["code"], labels=cat_table["label"]), where)


def _codes(value: object, where: str) -> tuple[int, ...] | None:
    if value is None:
        return None
    return tuple(_array(value, where, "an array of whole numbers (codes = [0, 2, 4])"))


def _reference_name(reference: object) -> str | None:
    if reference is None:
        return None
    if not isinstance(reference, str) or not reference.strip():
        raise _Invalid("reference", f"expected a file name, got {_describe(reference)}")
    if (
        Path(reference).is_absolute()
        or PureWindowsPath(reference).is_absolute()
        or PureWindowsPath(reference).drive
    ):
        raise _Invalid(
            "reference",
            f"{reference!r} is an absolute path; give the file relative to the instrument's "
            "folder (it is read from there only)",
        )
    return reference


def _instrument_from_mapping(
    doc: Mapping[str, Any], path: Path | None, *, shipped: bool = False
) -> Instrument:
    """Build the instrument, or raise one :class:`_Invalid` listing every problem found."""
    found = _Problems()
    required = (*_TOP_REQUIRED, *_SHIPPED_REQUIRED) if shipped else _TOP_REQUIRED
    optional = tuple(key for key in _TOP_OPTIONAL if key not in required)
    _check_keys(found, doc, "", required, optional)
    _instrument_fields(
        found,
        inst_id=doc.get("id", _ABSENT),
        version=doc.get("version", _ABSENT),
        title=doc.get("title", _ABSENT),
        construct=doc.get("construct", _ABSENT),
        source=doc.get("source"),
        licence=doc.get("licence"),
        notes=doc.get("notes", {}),
        default_model=doc.get("default_model", _ABSENT),
        min_answered=doc.get("min_answered", _ABSENT),
    )
    items: list[Item] | None = None
    if "items" in doc:
        raw_items = found.check(
            lambda: _array(doc["items"], "items", "an array of tables ([[items]])")
        )
        if raw_items is not None:
            items = []
            for i, raw_item in enumerate(raw_items):
                item = _item_from_table(found, raw_item, f"items[{i}]")
                if item is None or items is None:
                    items = None
                else:
                    items.append(item)
    valid_items = found.check(lambda: _instrument_items(items)) if items is not None else None
    missing = found.check(
        lambda: _array(doc.get("missing_codes", []), "missing_codes", "an array of codes")
    )
    if missing is not None:
        _missing_codes(found, missing, valid_items)
    if valid_items is not None:
        _instrument_cross_checks(
            found,
            valid_items,
            doc.get("default_model", _ABSENT),
            doc.get("min_answered", _ABSENT),
        )
    unit: ReportingUnit | None = None
    if "reporting_unit" in doc:
        unit_table = found.check(
            lambda: _table(doc["reporting_unit"], "reporting_unit", "a table ([reporting_unit])")
        )
        if unit_table is not None and _check_keys(
            found, unit_table, "reporting_unit", _UNIT_REQUIRED, ()
        ):
            unit = found.check(
                lambda: ReportingUnit(
                    name=unit_table["name"],
                    intercept=unit_table["intercept"],
                    slope=unit_table["slope"],
                ),
                "reporting_unit",
            )
    reference = found.check(lambda: _reference_name(doc.get("reference")))
    found.raise_any()
    return Instrument(
        id=doc["id"],
        version=doc["version"],
        title=doc["title"],
        construct=doc["construct"],
        source=doc.get("source"),
        licence=doc.get("licence"),
        items=tuple(items or ()),
        missing_codes=tuple(missing or ()),
        default_model=doc["default_model"],
        min_answered=doc["min_answered"],
        reporting_unit=unit,
        reference=reference,
        notes=doc.get("notes", {}),
        path=path,
    )


def parse_instrument(
    text: str, *, source: str = "<string>", path: Path | None = None
) -> Instrument:
    """Parse and validate an instrument from TOML text.

    Every problem of the text is found before anything is raised: the error lists them all,
    one line each (missing and unknown keys, wrong types, bad codes, duplicate item ids, ...).
    ``source`` and ``licence`` are optional here (your own instrument); the shipped ones must
    give them.

    Parameters
    ----------
    text : str
        The TOML document.
    source : str, optional
        Name used at the start of error messages (normally the file name).
    path : pathlib.Path or None, optional
        Stored as ``Instrument.path``.

    Returns
    -------
    Instrument
        The validated instrument.

    Raises
    ------
    InstrumentError
        When the text is not valid TOML or not a valid instrument; the message starts with
        ``source`` and the key path, e.g. ``"my.toml: items[3].categories: duplicate code 4"``,
        and with more than one problem lists each on its own line.

    Examples
    --------
    >>> who5 = load_instrument("who5")
    >>> parse_instrument(instrument_to_toml(who5)) == who5
    True
    """
    return _parse(text, source=source, path=path, shipped=False)


def _parse(text: str, *, source: str, path: Path | None, shipped: bool) -> Instrument:
    """Parse TOML text; ``shipped`` instruments must also give ``source`` and ``licence``."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InstrumentError(f"{source}: invalid TOML: {err}") from None
    except RecursionError:
        raise InstrumentError(
            f"{source}: invalid TOML: arrays or tables nested too deeply (an instrument "
            "needs only [[items]] and [[items.categories]])"
        ) from None
    try:
        return _instrument_from_mapping(doc, path, shipped=shipped)
    except _Invalid as err:
        raise InstrumentError(_message(source, err.problems)) from None


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InstrumentError(
            f"{source}: not UTF-8 text ({err.reason} at byte {err.start})"
        ) from None


def instrument_ids() -> list[str]:
    """Return the ids of the instruments shipped with the package, sorted.

    Returns
    -------
    list[str]
        Ids accepted by :func:`load_instrument`, e.g. ``["audit", ..., "who5"]``.
    """
    root = resources.files(_PACKAGE)
    return sorted(
        entry.name[: -len(".toml")]
        for entry in root.iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    )


def _looks_like_path(name: str) -> bool:
    separators = {"/", os.sep} | ({os.altsep} if os.altsep else set())
    return name.lower().endswith(".toml") or any(sep in name for sep in separators)


def _load_shipped(inst_id: str) -> Instrument:
    source = f"{_SHIPPED_PREFIX}{inst_id}.toml"
    resource = resources.files(_PACKAGE).joinpath(f"{inst_id}.toml")
    if not _ID_RE.fullmatch(inst_id) or not resource.is_file():
        raise InstrumentError(
            f"unknown instrument {inst_id!r}; shipped instruments: "
            f"{', '.join(instrument_ids()) or '(none)'}. To load your own file, give its path "
            "(ending in .toml)"
        )
    path = resource if isinstance(resource, Path) else None
    return _parse(_decode(resource.read_bytes(), source), source=source, path=path, shipped=True)


def load_instrument(name_or_path: str | os.PathLike[str]) -> Instrument:
    """Load and validate an instrument: a shipped one by id, or a TOML file by path.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A bare id such as ``"who5"`` loads the shipped definition from the package
        ``measure.instruments``. A path object, or a string that ends in ``.toml`` or contains a
        path separator, loads that file.

    Returns
    -------
    Instrument
        The validated instrument.

    Raises
    ------
    InstrumentError
        For an unknown id, an unreadable file or an invalid definition. Messages name the file
        (``instruments/<id>.toml`` for shipped ones) and the key path, e.g.
        ``"instruments/who5.toml: items[3].categories: duplicate code 4"``.

    See Also
    --------
    list_instruments : every shipped instrument.

    Examples
    --------
    >>> who5 = load_instrument("who5")
    >>> (who5.id, len(who5.items), who5.items[0].max_category)
    ('who5', 5, 5)
    """
    if isinstance(name_or_path, os.PathLike) or _looks_like_path(name_or_path):
        source = os.fspath(name_or_path)
        path = Path(source)
        try:
            if not stat.S_ISREG(path.stat().st_mode):
                raise InstrumentError(
                    f"{source}: not a regular file; give the path of a .toml file"
                )
            with open(path, "rb") as handle:
                raw = handle.read(MAX_INSTRUMENT_BYTES + 1)
        except FileNotFoundError:
            raise InstrumentError(f"{source}: no such file") from None
        except OSError as err:
            raise InstrumentError(f"{source}: cannot read ({err.strerror or err})") from None
        if len(raw) > MAX_INSTRUMENT_BYTES:
            raise InstrumentError(
                f"{source}: larger than {MAX_INSTRUMENT_BYTES // 1_000_000} MB; not an "
                "instrument definition"
            )
        return parse_instrument(_decode(raw, source), source=source, path=path)
    return _load_shipped(name_or_path)


def list_instruments() -> list[Instrument]:
    """Load every instrument shipped with the package, sorted by id.

    Returns
    -------
    list[Instrument]
        The shipped instruments.

    Examples
    --------
    >>> "who5" in [inst.id for inst in list_instruments()]
    True
    """
    return [_load_shipped(inst_id) for inst_id in instrument_ids()]


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_str(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if _BARE_KEY_RE.fullmatch(key) else _toml_str(key)


def _toml_texts(texts: Mapping[str, str]) -> str:
    if list(texts) == [ANY_LANGUAGE]:
        return _toml_str(texts[ANY_LANGUAGE])
    inner = ", ".join(f"{_toml_key(lang)} = {_toml_str(text)}" for lang, text in texts.items())
    return "{ " + inner + " }"


def _toml_scalar(value: int | str) -> str:
    return _toml_str(value) if isinstance(value, str) else str(value)


def instrument_to_toml(inst: Instrument) -> str:
    """Write an instrument as TOML text in the layout of the shipped files.

    The output loads back to an equal instrument: ``parse_instrument(instrument_to_toml(i)) == i``.
    Comments of the original file are not kept.

    Parameters
    ----------
    inst : Instrument
        The instrument to write.

    Returns
    -------
    str
        A TOML document (UTF-8 text).

    Examples
    --------
    >>> print(instrument_to_toml(load_instrument("who5")).splitlines()[0])
    id = "who5"
    """
    lines = [
        f"id = {_toml_str(inst.id)}",
        f"version = {_toml_str(inst.version)}",
        f"title = {_toml_texts(inst.title)}",
        f"construct = {_toml_texts(inst.construct)}",
    ]
    lines += [
        f"{key} = {_toml_str(value)}"
        for key, value in (("source", inst.source), ("licence", inst.licence))
        if value is not None
    ]
    lines += [
        f"default_model = {_toml_str(inst.default_model)}",
        f"min_answered = {inst.min_answered}",
        "missing_codes = [" + ", ".join(_toml_scalar(c) for c in inst.missing_codes) + "]",
    ]
    if inst.reference is not None:
        lines.append(f"reference = {_toml_str(inst.reference)}")
    if inst.notes:
        lines.append(f"notes = {_toml_texts(inst.notes)}")
    unit = inst.reporting_unit
    if unit is not None:
        lines += [
            "",
            "[reporting_unit]",
            f"name = {_toml_str(unit.name)}",
            f"intercept = {float(unit.intercept)!r}",
            f"slope = {float(unit.slope)!r}",
        ]
    for item in inst.items:
        lines += ["", "[[items]]", f"id = {_toml_str(item.id)}"]
        if item.text:
            lines.append(f"text = {_toml_texts(item.text)}")
        if item.text_source is not None:
            lines.append(f"text_source = {_toml_str(item.text_source)}")
        lines.append(f"reverse = {'true' if item.reverse else 'false'}")
        if item.domain is not None:
            lines.append(f"domain = {_toml_str(item.domain)}")
        if item.codes is not None:
            lines.append("codes = [" + ", ".join(map(str, item.codes)) + "]")
        for category in item.categories:
            lines += [
                "",
                "[[items.categories]]",
                f"code = {category.code}",
                f"label = {_toml_texts(category.labels)}",
            ]
    return "\n".join(lines) + "\n"
