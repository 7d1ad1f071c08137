"""Instrument definitions: items, ordered response categories, labels and scoring metadata.

An instrument is data. Each shipped instrument is one TOML file in the package
``measure.instruments`` (the ``instruments/`` folder of the source tree); users can load their own
file with the same layout. The file is validated when it is loaded: unknown keys, wrong types,
missing keys, duplicate item ids and non-consecutive category codes are errors whose message names
the file and the key path, for example::

    instruments/who5.toml: items[3].categories: duplicate code 4

Indices in key paths are 0-based. The same checks run when the dataclasses are built directly.

File layout (TOML)::

    id = "who5"                       # [A-Za-z0-9][A-Za-z0-9_-]*
    version = "1.0"
    title = { sv = "...", en = "..." }
    construct = { sv = "...", en = "..." }
    source = "citation"
    licence = "terms of use"
    default_model = "rsm"             # "rasch" | "rsm" | "pcm"
    min_answered = 3                  # fewest answered items for a reported person measure
    missing_codes = [9, 99, "Vet ej", "Don't know"]     # optional

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

import math
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PureWindowsPath
from typing import Any

from measure._types import MODELS, ModelName
from measure.exceptions import InstrumentError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
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

_TOP_REQUIRED = (
    "id",
    "version",
    "title",
    "construct",
    "source",
    "licence",
    "default_model",
    "min_answered",
    "items",
)
_TOP_OPTIONAL = ("missing_codes", "reporting_unit", "reference")
_ITEM_REQUIRED = ("id", "categories")
_ITEM_OPTIONAL = ("text", "text_source", "reverse", "domain", "codes")
_CATEGORY_REQUIRED = ("code", "label")
_UNIT_REQUIRED = ("name", "intercept", "slope")


# --------------------------------------------------------------------------------------------
# Errors with a key path
# --------------------------------------------------------------------------------------------


class _Invalid(InstrumentError):
    """An invalid value at a key path; the loader prefixes the file name and outer path."""

    def __init__(self, where: str, reason: str, context: str = "") -> None:
        self.where = where
        self.reason = reason
        located = f"{where}: {reason}" if where else reason
        super().__init__(f"{context}: {located}" if context else located)

    def located(self) -> str:
        """Return ``"<key path>: <reason>"`` without the object context."""
        return f"{self.where}: {self.reason}" if self.where else self.reason


def _join(outer: str, inner: str) -> str:
    if not outer:
        return inner
    if not inner:
        return outer
    return f"{outer}{inner}" if inner.startswith("[") else f"{outer}.{inner}"


@contextmanager
def _located(outer: str) -> Iterator[None]:
    """Re-raise an :class:`_Invalid` from the block with ``outer`` prefixed to its key path."""
    try:
        yield
    except _Invalid as err:
        raise _Invalid(_join(outer, err.where), err.reason) from None


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
    """Validate a ``{language: text}`` table and freeze it."""
    if not isinstance(value, Mapping):
        raise _Invalid(
            where,
            f"expected a table of texts by language, like {example}; got {_describe(value)}",
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
    """Pick the text in ``lang``, else English, else the first language given.

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
    """
    if lang in texts:
        return texts[lang]
    if "en" in texts:
        return texts["en"]
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
        ctx = "reporting unit"
        try:
            _nonempty_str(self.name, "name")
            intercept = _real(self.intercept, "intercept")
            slope = _real(self.slope, "slope")
        except _Invalid as err:
            raise _Invalid(err.where, err.reason, ctx) from None
        if slope == 0.0:
            raise _Invalid("slope", "must not be 0", ctx)
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
        try:
            code = _integer(self.code, "code")
            if code < 0:
                raise _Invalid("code", f"must be 0 or larger, got {code}")
            labels = _texts(
                self.labels, "label", allow_empty=False, example='{sv = "Aldrig", en = "Never"}'
            )
        except _Invalid as err:
            raise _Invalid(err.where, err.reason, f"category {self.code!r}") from None
        object.__setattr__(self, "labels", labels)


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
        try:
            self._validate()
        except _Invalid as err:
            raise _Invalid(err.where, err.reason, f"item {self.id!r}") from None

    def _validate(self) -> None:
        item_id = _nonempty_str(self.id, "id")
        if item_id != item_id.strip():
            raise _Invalid("id", f"must not start or end with whitespace, got {item_id!r}")
        text = _texts(self.text, "text", allow_empty=True, example='{sv = "...", en = "..."}')
        object.__setattr__(self, "text", text)
        if not isinstance(self.reverse, bool):
            raise _Invalid("reverse", f"expected true or false, got {_describe(self.reverse)}")
        if self.text_source is not None:
            _nonempty_str(self.text_source, "text_source")
        if self.domain is not None:
            _nonempty_str(self.domain, "domain")
        categories = self.categories
        if isinstance(categories, (str, bytes)) or not isinstance(categories, Sequence):
            raise _Invalid("categories", f"expected a sequence, got {_describe(categories)}")
        categories = tuple(categories)
        for j, category in enumerate(categories):
            if not isinstance(category, Category):
                raise _Invalid(
                    f"categories[{j}]", f"expected a Category, got {_describe(category)}"
                )
        object.__setattr__(self, "categories", categories)
        if len(categories) < 2:
            raise _Invalid(
                "categories", f"an item needs at least 2 categories, got {len(categories)}"
            )
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
        self._validate_codes()
        _item_label_map(self)

    def _validate_codes(self) -> None:
        if self.codes is None:
            return
        raw = self.codes
        if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
            raise _Invalid("codes", f"expected an array of whole numbers, got {_describe(raw)}")
        codes = tuple(_integer(code, f"codes[{k}]") for k, code in enumerate(raw))
        if len(codes) != len(self.categories):
            raise _Invalid(
                "codes",
                f"gives {len(codes)} data code(s) for {len(self.categories)} categories; "
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
        object.__setattr__(self, "codes", None if codes == tuple(range(len(codes))) else codes)

    @property
    def max_category(self) -> int:
        """The highest category code (the number of categories minus one)."""
        return len(self.categories) - 1

    @property
    def data_codes(self) -> tuple[int, ...]:
        """The code each category has in the data, in category order (the code map, or
        ``0, 1, ..., max_category``)."""
        return self.codes if self.codes is not None else tuple(range(len(self.categories)))


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
                    f"categories[{j}].label.{lang}",
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
        Title and measured construct by language code.
    source : str
        Citation of the instrument.
    licence : str
        Terms under which the instrument (and any included item text) may be used.
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
    source: str
    licence: str
    items: tuple[Item, ...]
    missing_codes: tuple[int | str, ...] = ()
    default_model: ModelName = "pcm"
    min_answered: int = 1
    reporting_unit: ReportingUnit | None = None
    reference: str | None = None
    path: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        try:
            self._validate()
        except _Invalid as err:
            raise _Invalid(err.where, err.reason, f"instrument {self.id!r}") from None

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

    def _validate(self) -> None:
        inst_id = _nonempty_str(self.id, "id")
        if not _ID_RE.fullmatch(inst_id):
            raise _Invalid(
                "id",
                f"{inst_id!r} is not a valid id; use letters, digits, '_' and '-', "
                "starting with a letter or digit",
            )
        _nonempty_str(self.version, "version")
        for name in ("title", "construct"):
            frozen = _texts(
                getattr(self, name), name, allow_empty=False, example='{sv = "...", en = "..."}'
            )
            object.__setattr__(self, name, frozen)
        _nonempty_str(self.source, "source")
        _nonempty_str(self.licence, "licence")
        self._validate_items()
        self._validate_missing_codes()
        if not isinstance(self.default_model, str) or self.default_model not in MODELS:
            raise _Invalid(
                "default_model",
                f"{self.default_model!r} is not a model; allowed: "
                + ", ".join(repr(m) for m in MODELS),
            )
        self._validate_model_fits_items()
        min_answered = _integer(self.min_answered, "min_answered")
        if not 1 <= min_answered <= len(self.items):
            raise _Invalid(
                "min_answered",
                f"must be between 1 and the number of items ({len(self.items)}), "
                f"got {min_answered}",
            )
        if self.reporting_unit is not None and not isinstance(self.reporting_unit, ReportingUnit):
            raise _Invalid(
                "reporting_unit", f"expected a ReportingUnit, got {_describe(self.reporting_unit)}"
            )
        if self.path is not None and not isinstance(self.path, Path):
            object.__setattr__(self, "path", Path(self.path))

    def _validate_items(self) -> None:
        items = self.items
        if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
            raise _Invalid("items", f"expected a sequence of items, got {_describe(items)}")
        items = tuple(items)
        if not items:
            raise _Invalid("items", "an instrument needs at least one item")
        first_index: dict[str, int] = {}
        for i, item in enumerate(items):
            if not isinstance(item, Item):
                raise _Invalid(f"items[{i}]", f"expected an Item, got {_describe(item)}")
            if item.id in first_index:
                raise _Invalid(
                    f"items[{i}].id",
                    f"duplicate item id {item.id!r} (first used by items[{first_index[item.id]}])",
                )
            first_index[item.id] = i
        object.__setattr__(self, "items", items)

    def _validate_missing_codes(self) -> None:
        codes = self.missing_codes
        if isinstance(codes, (str, bytes)) or not isinstance(codes, Sequence):
            raise _Invalid("missing_codes", f"expected an array of codes, got {_describe(codes)}")
        codes = tuple(codes)
        seen: dict[str, int] = {}
        for k, code in enumerate(codes):
            where = f"missing_codes[{k}]"
            if isinstance(code, str):
                if not code.strip():
                    raise _Invalid(where, "must not be empty")
            elif isinstance(code, bool) or not isinstance(code, int):
                raise _Invalid(where, f"expected an integer or a string, got {_describe(code)}")
            else:
                _integer(code, where)
            key = normalise_label(str(code))
            if key in seen:
                raise _Invalid(
                    where, f"duplicate missing code {code!r} (same as missing_codes[{seen[key]}])"
                )
            seen[key] = k
            for item in self.items:
                hit = _item_label_map(item).get(key)
                if hit is not None:
                    raise _Invalid(
                        where,
                        f"{code!r} is also a category of item {item.id!r} (code {hit}); "
                        "a missing code must not be a valid answer",
                    )
        object.__setattr__(self, "missing_codes", codes)

    def _validate_model_fits_items(self) -> None:
        if self.default_model == "rasch":
            for i, item in enumerate(self.items):
                if item.max_category != 1:
                    raise _Invalid(
                        "default_model",
                        f"'rasch' needs dichotomous items; items[{i}] ({item.id!r}) has "
                        f"{len(item.categories)} categories (use 'rsm' or 'pcm')",
                    )
        elif self.default_model == "rsm":
            first = self.items[0]
            for i, item in enumerate(self.items):
                if item.max_category != first.max_category:
                    raise _Invalid(
                        "default_model",
                        "'rsm' needs the same number of categories in every item; "
                        f"items[0] ({first.id!r}) has {len(first.categories)}, items[{i}] "
                        f"({item.id!r}) has {len(item.categories)} (use 'pcm')",
                    )

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
    table: Mapping[str, Any], where: str, required: Sequence[str], optional: Sequence[str]
) -> None:
    allowed = (*required, *optional)
    for key in table:
        if key not in allowed:
            raise _Invalid(where, f"unknown key {key!r} (allowed: {', '.join(allowed)})")
    for key in required:
        if key not in table:
            raise _Invalid(where, f"missing required key {key!r}")


def _codes(value: object, where: str) -> tuple[int, ...] | None:
    if value is None:
        return None
    return tuple(_array(value, where, "an array of whole numbers (codes = [0, 2, 4])"))


def _instrument_from_mapping(doc: Mapping[str, Any], path: Path | None) -> Instrument:
    _check_keys(doc, "", _TOP_REQUIRED, _TOP_OPTIONAL)
    items: list[Item] = []
    raw_items = _array(doc["items"], "items", "an array of tables ([[items]])")
    for i, raw_item in enumerate(raw_items):
        where = f"items[{i}]"
        item_table = _table(raw_item, where, "a table ([[items]])")
        _check_keys(item_table, where, _ITEM_REQUIRED, _ITEM_OPTIONAL)
        raw_categories = _array(
            item_table["categories"],
            f"{where}.categories",
            "an array of tables ([[items.categories]])",
        )
        categories: list[Category] = []
        for j, raw_category in enumerate(raw_categories):
            cat_where = f"{where}.categories[{j}]"
            cat_table = _table(raw_category, cat_where, "a table ([[items.categories]])")
            _check_keys(cat_table, cat_where, _CATEGORY_REQUIRED, ())
            with _located(cat_where):
                categories.append(Category(code=cat_table["code"], labels=cat_table["label"]))
        with _located(where):
            items.append(
                Item(
                    id=item_table["id"],
                    text=item_table.get("text", {}),
                    reverse=item_table.get("reverse", False),
                    categories=tuple(categories),
                    text_source=item_table.get("text_source"),
                    domain=item_table.get("domain"),
                    codes=_codes(item_table.get("codes"), f"{where}.codes"),
                )
            )
    unit: ReportingUnit | None = None
    if "reporting_unit" in doc:
        unit_table = _table(doc["reporting_unit"], "reporting_unit", "a table ([reporting_unit])")
        _check_keys(unit_table, "reporting_unit", _UNIT_REQUIRED, ())
        with _located("reporting_unit"):
            unit = ReportingUnit(
                name=unit_table["name"],
                intercept=unit_table["intercept"],
                slope=unit_table["slope"],
            )
    missing = _array(doc.get("missing_codes", []), "missing_codes", "an array of codes")
    reference = doc.get("reference")
    if reference is not None and (not isinstance(reference, str) or not reference.strip()):
        raise _Invalid("reference", f"expected a file name, got {_describe(reference)}")
    if reference is not None and (
        Path(reference).is_absolute()
        or PureWindowsPath(reference).is_absolute()
        or PureWindowsPath(reference).drive
    ):
        raise _Invalid(
            "reference",
            f"{reference!r} is an absolute path; give the file relative to the instrument's "
            "folder (it is read from there only)",
        )
    return Instrument(
        id=doc["id"],
        version=doc["version"],
        title=doc["title"],
        construct=doc["construct"],
        source=doc["source"],
        licence=doc["licence"],
        items=tuple(items),
        missing_codes=tuple(missing),
        default_model=doc["default_model"],
        min_answered=doc["min_answered"],
        reporting_unit=unit,
        reference=reference,
        path=path,
    )


def parse_instrument(
    text: str, *, source: str = "<string>", path: Path | None = None
) -> Instrument:
    """Parse and validate an instrument from TOML text.

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
        ``source`` and the key path, e.g. ``"my.toml: items[3].categories: duplicate code 4"``.

    Examples
    --------
    >>> who5 = load_instrument("who5")
    >>> parse_instrument(instrument_to_toml(who5)) == who5
    True
    """
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
        return _instrument_from_mapping(doc, path)
    except _Invalid as err:
        raise InstrumentError(f"{source}: {err.located()}") from None


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
    return parse_instrument(_decode(resource.read_bytes(), source), source=source, path=path)


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
        f"source = {_toml_str(inst.source)}",
        f"licence = {_toml_str(inst.licence)}",
        f"default_model = {_toml_str(inst.default_model)}",
        f"min_answered = {inst.min_answered}",
        "missing_codes = [" + ", ".join(_toml_scalar(c) for c in inst.missing_codes) + "]",
    ]
    if inst.reference is not None:
        lines.append(f"reference = {_toml_str(inst.reference)}")
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
