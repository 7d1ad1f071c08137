"""Reference scales: a frozen calibration saved as a versioned, verifiable artefact.

A reference scale holds everything needed to score new data on the same ruler as before, without
re-estimating anything: the model, every item threshold with its standard error (the anchors),
the size and person distribution of the calibration sample, an optional reporting unit, the
instrument id and version, how the answers were coded (format version 2: the lowest code,
missing codes, reverse-keyed items and value labels, so that new data are scored the same way or
refused), the package version, the date, and a SHA-256 hash of the content.

File format (JSON, UTF-8)::

    {
      "format": "measure-reference-scale",
      "format_version": 2,
      "content_hash": "sha256:<64 hex digits>",
      "content": { "model": ..., "items": [...], "thresholds": [...], "sample": {...}, ... }
    }

The hash is taken over the canonical JSON text (sorted keys, no whitespace, ASCII) of
``{"format", "format_version", "content"}``. :func:`load_reference` recomputes it and refuses a
file whose content no longer matches, which is what a file edited by hand looks like. The hash is
a checksum that catches edits and corruption, not a signature: someone who recomputes it can
still forge a file.

Reporting units are linear, ``unit = intercept + slope * logit`` with ``SE_unit = |slope| *
SE_logit`` (Winsteps UMEAN/USCALE). Besides an explicit :class:`~measure.instrument.ReportingUnit`,
two are derived from the calibration: ``"mean50_sd10"`` (the reference sample's WLE measures get
mean 50 and SD 10) and ``"0-100"`` (0 at the WLE of the lowest possible raw score on all items and
100 at the highest).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from measure._estimation.person import solve as solve_persons
from measure._estimation.persons import raw_score_table
from measure._types import MODELS
from measure._version import __version__
from measure.exceptions import ReferenceScaleError, ResponseDataError
from measure.instrument import ReportingUnit
from measure.io.read import read_bounded
from measure.io.write import OutputSet, write_json_atomic
from measure.responses import Coding
from measure.status import PersonStatus
from measure.summary import Summary, json_ready, short_repr
from measure.units import persons_in_unit, score_table_in_unit

if TYPE_CHECKING:
    from measure.instrument import Instrument

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "ReferenceScale",
    "UnitSpec",
    "load_reference",
    "reference_from_estimates",
    "reference_from_dict",
    "reference_from_thresholds",
    "save_reference",
]

FloatArray = NDArray[np.float64]

FORMAT = "measure-reference-scale"
"""The ``format`` field of every reference scale file."""

FORMAT_VERSION = 2
"""Version 2 adds ``content.coding``; version 1 files are read (their coding is unknown)."""
"""The file format version this package writes and reads."""

#: a reporting unit: an explicit linear map, or one derived from the calibration
UnitSpec = ReportingUnit | Literal["mean50_sd10", "0-100"] | None
_UNIT_NAMES = ("mean50_sd10", "0-100")

_MEASURED = (PersonStatus.OK.value, PersonStatus.EXTREME_MIN.value, PersonStatus.EXTREME_MAX.value)


def _canonical(payload: Mapping[str, Any]) -> str:
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def _hash(payload: Mapping[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(_canonical(payload).encode("ascii")).hexdigest()


def _float(v: Any) -> float:
    return float("nan") if v is None else float(v)


@dataclass(frozen=True, eq=False)
class ReferenceScale:
    """A frozen calibration: anchored item parameters and what is needed to report on them.

    Build one with :func:`reference_from_calibration` (or ``Calibration.to_reference()``), save it
    with :func:`save_reference` and read it back with :func:`load_reference`. Compare two
    references by :attr:`content_hash`.

    Attributes
    ----------
    model : "rasch", "rsm" or "pcm".
    items : one row per item: item, max_category, location, se (location = mean threshold).
    thresholds : one row per item and category 1..m: item, category, threshold, se.
    sample : the calibration sample: n_persons, status_counts, n_measured, and the mean, sd,
        sd_true (``sqrt(var - mean SE^2)``), min, max and percentiles of the persons' WLE
        measures (persons with a finite WLE, extreme scores included), and reliability figures.
    reporting_unit : linear reporting unit or None.
    unit_definition : how the reporting unit was defined (text).
    instrument_id, instrument_version : the instrument the scale belongs to (or None).
    category_map : items whose unused categories were collapsed in the calibration:
        item -> collapsed code of every original code (applied again when scoring).
    calibration : method, log-likelihood, convergence, person estimator, number of patterns.
    package_version : version of ``measure`` that made the reference.
    created : ISO 8601 time (UTC) of creation.
    coding : how the calibration's answers were coded (:class:`~measure.responses.Coding`);
        ``None`` when unknown (published parameters, counts, format version 1 files).
    format_version : file format version.
    content_hash : ``"sha256:..."`` of the canonical content (computed, not given).
    """

    model: str
    items: pd.DataFrame
    thresholds: pd.DataFrame
    sample: Mapping[str, Any]
    reporting_unit: ReportingUnit | None = None
    unit_definition: str | None = None
    instrument_id: str | None = None
    instrument_version: str | None = None
    category_map: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    calibration: Mapping[str, Any] = field(default_factory=dict)
    package_version: str = ""
    created: str = ""
    coding: Coding | None = None
    format_version: int = FORMAT_VERSION
    content_hash: str = field(init=False, default="")
    _tops: dict[str, int] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ReferenceScaleError(
                f"reference scale: model {self.model!r} is not one of {', '.join(MODELS)}"
            )
        items = _check_items(self.items)
        thresholds = _check_thresholds(self.thresholds, items)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "thresholds", thresholds)
        cmap = {str(k): tuple(int(c) for c in v) for k, v in dict(self.category_map).items()}
        for it, codes in cmap.items():
            top = (
                int(items.loc[items["item"] == it, "max_category"].iloc[0])
                if (it in set(items["item"]))
                else None
            )
            if top is None:
                raise ReferenceScaleError(
                    f"reference scale: category_map names unknown item {it!r}"
                )
            if not codes or min(codes) < 0 or max(codes) != top:
                raise ReferenceScaleError(
                    f"reference scale: category_map for item {it!r} must map onto 0..{top}"
                )
        object.__setattr__(self, "category_map", cmap)
        object.__setattr__(self, "sample", dict(self.sample))
        object.__setattr__(self, "calibration", dict(self.calibration))
        if self.reporting_unit is not None and not isinstance(self.reporting_unit, ReportingUnit):
            raise ReferenceScaleError(
                f"reference scale: reporting_unit must be a ReportingUnit, got "
                f"{type(self.reporting_unit).__name__}"
            )
        object.__setattr__(self, "content_hash", _hash(self._payload()))
        tops = dict(zip(items["item"].tolist(), items["max_category"].tolist(), strict=True))
        object.__setattr__(self, "_tops", {str(k): int(v) for k, v in tops.items()})

    # ------------------------------------------------------------------ views
    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(self.items["item"].tolist())

    @property
    def max_category(self) -> NDArray[np.int64]:
        """(I,) top category of each item (after any collapsing)."""
        return self.items["max_category"].to_numpy(dtype=np.int64)

    @property
    def threshold_matrix(self) -> FloatArray:
        """(I, M) thresholds, NaN beyond an item's top category (the layout of ``calibrate``)."""
        ids = list(self.item_ids)
        pos = {it: j for j, it in enumerate(ids)}
        out = np.full((len(ids), int(self.max_category.max())), np.nan)
        for it, k, v in zip(
            self.thresholds["item"],
            self.thresholds["category"],
            self.thresholds["threshold"],
            strict=True,
        ):
            out[pos[it], int(k) - 1] = float(v)
        return out

    @property
    def anchors(self) -> pd.DataFrame:
        """The thresholds as an anchors table for ``calibrate(..., anchors=...)``."""
        return self.thresholds[["item", "category", "threshold"]].copy()

    def top_category(self, item: str) -> int:
        """Top category of an item on the reference scale (after any collapsing)."""
        try:
            return self._tops[item]
        except KeyError:
            raise ReferenceScaleError(
                f"item {item!r} is not in the reference scale (items: {', '.join(self._tops)})"
            ) from None

    def original_max_category(self, item: str) -> int:
        """Top category code of an item in the data (before any collapsing)."""
        codes = self.category_map.get(item)
        if codes is not None:
            return len(codes) - 1
        return self.top_category(item)

    # ------------------------------------------------------------------ units
    def to_unit(self, logits: ArrayLike) -> FloatArray:
        """Measures in the reporting unit: ``intercept + slope * logits``."""
        unit = self._unit()
        return unit.intercept + unit.slope * np.asarray(logits, dtype=float)

    def se_to_unit(self, se: ArrayLike) -> FloatArray:
        """Standard errors in the reporting unit: ``|slope| * se``."""
        unit = self._unit()
        return abs(unit.slope) * np.asarray(se, dtype=float)

    def from_unit(self, values: ArrayLike) -> FloatArray:
        """Logits from values in the reporting unit (for thresholds given in the unit)."""
        unit = self._unit()
        return (np.asarray(values, dtype=float) - unit.intercept) / unit.slope

    def _unit(self) -> ReportingUnit:
        if self.reporting_unit is None:
            raise ReferenceScaleError(
                "this reference scale has no reporting unit; create it with reporting_unit=... "
                "(a ReportingUnit, 'mean50_sd10' or '0-100')"
            )
        return self.reporting_unit

    def with_unit(self, persons: pd.DataFrame) -> pd.DataFrame:
        """A copy of a persons table with the reporting-unit columns added.

        ``measure_unit``, ``se_unit``, ``ci_lower_unit``, ``ci_upper_unit`` (and ``link_se_unit``
        when the table has ``link_se``). Returns the table unchanged when there is no unit.
        """
        if self.reporting_unit is None:
            return persons
        return persons_in_unit(persons, self.reporting_unit)

    # ------------------------------------------------------------------ score table
    def score_table(self, items: Sequence[str] | None = None) -> pd.DataFrame:
        """Raw score to measure for all items or any subset (a short form, or skipped items).

        Columns: raw_score, wle, wle_se, mle, mle_se (MLE is NaN at the extreme scores), and
        wle_unit, wle_se_unit, mle_unit, mle_se_unit when the scale has a reporting unit. Raw
        scores are on the collapsed categories when the calibration collapsed unused categories.
        """
        try:
            return score_table(
                self.threshold_matrix, self.max_category, self.item_ids, items, self.reporting_unit
            )
        except ValueError as exc:
            raise ReferenceScaleError(str(exc)) from None

    # ------------------------------------------------------------------ serialisation
    def _content(self) -> dict[str, Any]:
        unit = None
        if self.reporting_unit is not None:
            unit = {
                "name": self.reporting_unit.name,
                "intercept": float(self.reporting_unit.intercept),
                "slope": float(self.reporting_unit.slope),
                "definition": self.unit_definition,
            }
        content = {
            "instrument": {"id": self.instrument_id, "version": self.instrument_version},
            "model": self.model,
            "items": [
                {"item": str(i), "max_category": int(m), "location": float(loc), "se": float(se)}
                for i, m, loc, se in zip(
                    self.items["item"].tolist(),
                    self.items["max_category"].to_numpy(dtype=np.int64).tolist(),
                    self.items["location"].to_numpy(dtype=float).tolist(),
                    self.items["se"].to_numpy(dtype=float).tolist(),
                    strict=True,
                )
            ],
            "thresholds": [
                {"item": str(i), "category": int(k), "threshold": float(t), "se": float(se)}
                for i, k, t, se in zip(
                    self.thresholds["item"].tolist(),
                    self.thresholds["category"].to_numpy(dtype=np.int64).tolist(),
                    self.thresholds["threshold"].to_numpy(dtype=float).tolist(),
                    self.thresholds["se"].to_numpy(dtype=float).tolist(),
                    strict=True,
                )
            ],
            "category_map": {k: list(v) for k, v in self.category_map.items()},
            "sample": self.sample,
            "calibration": self.calibration,
            "reporting_unit": unit,
            "package_version": self.package_version,
            "created": self.created,
        }
        if self.format_version >= 2:
            content["coding"] = None if self.coding is None else self.coding.to_dict()
        cleaned: dict[str, Any] = json_ready(content)
        return cleaned

    def _payload(self) -> dict[str, Any]:
        return {"format": FORMAT, "format_version": self.format_version, "content": self._content()}

    def to_dict(self) -> dict[str, Any]:
        """The file content as a JSON-serialisable dict (with the content hash)."""
        doc = self._payload()
        doc["content_hash"] = self.content_hash
        return doc

    def summary(self) -> Summary:
        """Key facts: instrument, model, items, calibration sample, reporting unit, hash."""
        unit = self.reporting_unit
        figures = {
            "instrument_id": self.instrument_id,
            "instrument_version": self.instrument_version,
            "model": self.model,
            "n_items": len(self.item_ids),
            "items": list(self.item_ids),
            "sample": json_ready(self.sample),
            "reporting_unit": None
            if unit is None
            else {
                "name": unit.name,
                "intercept": unit.intercept,
                "slope": unit.slope,
                "definition": self.unit_definition,
            },
            "package_version": self.package_version,
            "created": self.created,
            "content_hash": self.content_hash,
        }
        return Summary("reference scale", figures)

    def __repr__(self) -> str:
        return short_repr(
            self,
            model=self.model,
            n_items=len(self.item_ids),
            instrument=self.instrument_id,
            unit=None if self.reporting_unit is None else self.reporting_unit.name,
            content_hash=self.content_hash[:19] + "...",
        )


# ----------------------------------------------------------------------------- validation


def _check_items(items: pd.DataFrame) -> pd.DataFrame:
    need = ["item", "max_category", "location", "se"]
    if not isinstance(items, pd.DataFrame) or not set(need) <= set(items.columns):
        raise ReferenceScaleError(f"reference scale: items table needs columns {need}")
    out = pd.DataFrame(
        {
            "item": [str(i) for i in items["item"]],
            "max_category": items["max_category"].to_numpy(dtype=np.int64),
            "location": items["location"].to_numpy(dtype=float),
            "se": items["se"].to_numpy(dtype=float),
        }
    )
    if out.empty:
        raise ReferenceScaleError("reference scale: no items")
    dup = sorted(set(out["item"][out["item"].duplicated()]))
    if dup:
        raise ReferenceScaleError(f"reference scale: duplicate item(s) {', '.join(dup)}")
    if (out["max_category"] < 1).any():
        bad = out["item"][out["max_category"] < 1].tolist()
        raise ReferenceScaleError(f"reference scale: item(s) {bad} have fewer than 2 categories")
    return out


def _check_thresholds(thr: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    need = ["item", "category", "threshold", "se"]
    if not isinstance(thr, pd.DataFrame) or not set(need) <= set(thr.columns):
        raise ReferenceScaleError(f"reference scale: thresholds table needs columns {need}")
    out = pd.DataFrame(
        {
            "item": [str(i) for i in thr["item"]],
            "category": thr["category"].to_numpy(dtype=np.int64),
            "threshold": thr["threshold"].to_numpy(dtype=float),
            "se": thr["se"].to_numpy(dtype=float),
        }
    )
    if not np.all(np.isfinite(out["threshold"].to_numpy())):
        bad = out[~np.isfinite(out["threshold"].to_numpy())]
        raise ReferenceScaleError(
            "reference scale: thresholds must be finite; not finite for "
            + ", ".join(
                f"item {i!r} category {k}"
                for i, k in zip(bad["item"], bad["category"], strict=True)
            )
        )
    for it, top in zip(items["item"], items["max_category"], strict=True):
        cats = sorted(out.loc[out["item"] == it, "category"].tolist())
        if cats != list(range(1, int(top) + 1)):
            raise ReferenceScaleError(
                f"reference scale: item {it!r} needs thresholds for categories 1..{int(top)}, "
                f"got {cats}"
            )
    extra = sorted(set(out["item"]) - set(items["item"]))
    if extra:
        raise ReferenceScaleError(f"reference scale: thresholds for unknown item(s) {extra}")
    order = {it: j for j, it in enumerate(items["item"])}
    out["_o"] = out["item"].map(order)
    out = out.sort_values(["_o", "category"], kind="stable").drop(columns="_o")
    return out.reset_index(drop=True)


def score_table(
    threshold_matrix: FloatArray,
    max_category: NDArray[np.int64],
    item_ids: Sequence[str],
    items: Sequence[str] | None,
    unit: ReportingUnit | None,
) -> pd.DataFrame:
    """Raw score -> WLE, MLE and their SEs for ``items`` (default all), with the unit columns.

    The one score-table builder of calibrations and reference scales. Raises ValueError naming
    unknown items.
    """
    ids = list(item_ids)
    chosen = ids if items is None else [str(i) for i in items]
    unknown = [i for i in chosen if i not in ids]
    if unknown:
        raise ValueError(
            f"unknown item(s) {', '.join(map(repr, unknown))}; the items are: {', '.join(ids)}"
        )
    if not chosen:
        raise ValueError("a score table needs at least one item")
    out = pd.DataFrame(
        raw_score_table(threshold_matrix, max_category, np.isin(ids, chosen).astype(bool))
    )
    return out if unit is None else score_table_in_unit(out, unit)


# ----------------------------------------------------------------------------- building


def make_unit(
    spec: UnitSpec, sample: Mapping[str, Any], thresholds: FloatArray, max_cat: NDArray[np.int64]
) -> tuple[ReportingUnit | None, str | None]:
    """The reporting unit of ``spec`` and its definition in words.

    ``spec``: a :class:`ReportingUnit`, ``"mean50_sd10"`` (mean 50 and SD 10 of ``sample``'s WLE
    measures), ``"0-100"`` (0 and 100 at the WLE of the lowest and highest raw score on all
    items) or ``None`` (no unit).
    """
    if spec is None:
        return None, None
    if isinstance(spec, ReportingUnit):
        return spec, (
            f"linear: unit = {spec.intercept:g} + {spec.slope:g} * logit "
            "(SE in the unit = |slope| * SE in logits)"
        )
    if spec == "mean50_sd10":
        mean, sd = sample.get("mean"), sample.get("sd")
        if mean is None or sd is None or not sd > 0:
            raise ReferenceScaleError(
                "reporting unit 'mean50_sd10' needs at least two persons with different measures "
                "in the calibration sample"
            )
        slope = 10.0 / float(sd)
        unit = ReportingUnit(
            name="T (mean 50, SD 10)", intercept=50.0 - slope * float(mean), slope=slope
        )
        return unit, (
            f"mean 50 and SD 10 of the reference sample's WLE measures (n = "
            f"{sample['n_measured']}, mean {float(mean):.4f}, SD {float(sd):.4f} logits)"
        )
    if spec == "0-100":
        n = max_cat.size
        scores = np.array([0.0, float(max_cat.sum())])
        mask = np.ones((2, n), dtype=bool)
        wle, _, _ = solve_persons(scores, thresholds, mask, kind="wle")
        lo, hi = float(wle[0]), float(wle[1])
        slope = 100.0 / (hi - lo)
        unit = ReportingUnit(name="0-100", intercept=-slope * lo, slope=slope)
        return unit, (
            f"0 at the WLE of the lowest possible raw score ({lo:.4f} logits) and 100 at the "
            f"highest ({hi:.4f} logits) on all {n} items"
        )
    raise ValueError(
        f"reporting_unit={spec!r} is not a ReportingUnit or one of "
        f"{', '.join(map(repr, _UNIT_NAMES))}"
    )


def reference_from_estimates(
    *,
    model: str,
    items: pd.DataFrame,
    thresholds: pd.DataFrame,
    threshold_matrix: FloatArray,
    max_category: NDArray[np.int64],
    sample: Mapping[str, Any],
    calibration: Mapping[str, Any],
    category_map: Mapping[str, Sequence[int]] | None = None,
    coding: Coding | None = None,
    instrument_id: str | None = None,
    instrument_version: str | None = None,
    reporting_unit: UnitSpec = None,
    instrument: Instrument | None = None,
    created: str | None = None,
) -> ReferenceScale:
    """A reference scale from estimated item parameters and a description of the sample.

    The building block of :func:`measure.reference_from_calibration` (which describes the
    calibration sample and calls this); ``items`` has item, max_category, location, se and
    ``thresholds`` item, category, threshold, se. See that function for ``reporting_unit``.
    """
    if instrument is not None:
        instrument_id = instrument_id or instrument.id
        instrument_version = instrument_version or instrument.version
        if reporting_unit is None:
            reporting_unit = instrument.reporting_unit
    unit, definition = make_unit(reporting_unit, sample, threshold_matrix, max_category)
    if created is None:
        created = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    return ReferenceScale(
        model=model,
        items=items,
        thresholds=thresholds,
        sample=dict(sample),
        reporting_unit=unit,
        unit_definition=definition,
        instrument_id=instrument_id,
        instrument_version=instrument_version,
        category_map={k: tuple(v) for k, v in (category_map or {}).items()},
        coding=coding,
        calibration=dict(calibration),
        package_version=__version__,
        created=created,
    )


def reference_from_thresholds(
    thresholds: pd.DataFrame | Mapping[str, float | Sequence[float]],
    *,
    model: str = "pcm",
    instrument_id: str | None = None,
    instrument_version: str | None = None,
    reporting_unit: UnitSpec = None,
    source: str = "published item parameters",
    created: str | None = None,
) -> ReferenceScale:
    """A reference scale from item parameters fixed elsewhere (published, or agreed medians).

    The FIES global standard is of this kind: item severities fixed once, with no single
    calibration sample behind them.

    Parameters
    ----------
    thresholds : a table with columns item, category, threshold (and optionally se), or a
        mapping item -> threshold (dichotomous) or list of thresholds.
    model : "rasch", "rsm" or "pcm".
    reporting_unit : a :class:`~measure.instrument.ReportingUnit` or ``"0-100"`` (there is no
        sample for ``"mean50_sd10"``).
    source : where the parameters come from (recorded in ``calibration``).

    Examples
    --------
    >>> ref = reference_from_thresholds({"a": -1.0, "b": 0.0, "c": 1.0}, model="rasch")
    >>> ref.item_ids
    ('a', 'b', 'c')
    """
    if isinstance(thresholds, pd.DataFrame):
        need = {"item", "category", "threshold"}
        if not need <= set(thresholds.columns):
            raise ReferenceScaleError(
                f"thresholds table needs columns item, category, threshold; got "
                f"{sorted(map(str, thresholds.columns))}"
            )
        thr = pd.DataFrame(
            {
                "item": [str(i) for i in thresholds["item"]],
                "category": thresholds["category"].to_numpy(dtype=np.int64),
                "threshold": thresholds["threshold"].to_numpy(dtype=float),
                "se": thresholds["se"].to_numpy(dtype=float)
                if "se" in thresholds.columns
                else np.full(len(thresholds), np.nan),
            }
        )
    else:
        rows: list[tuple[str, int, float]] = []
        for it, v in thresholds.items():
            values = [float(v)] if isinstance(v, (int, float, np.number)) else list(map(float, v))
            rows += [(str(it), k, t) for k, t in enumerate(values, start=1)]
        thr = pd.DataFrame(rows, columns=["item", "category", "threshold"])
        thr["se"] = np.nan
    if thr.empty:
        raise ReferenceScaleError("no thresholds given")
    order = list(dict.fromkeys(thr["item"]))
    grouped = thr.groupby("item", sort=False)
    items = pd.DataFrame(
        {
            "item": order,
            "max_category": [int(grouped.get_group(i)["category"].max()) for i in order],
            "location": [float(grouped.get_group(i)["threshold"].mean()) for i in order],
            "se": np.nan,
        }
    )
    if model == "rasch" and (items["max_category"] != 1).any():
        raise ReferenceScaleError("model 'rasch' needs one threshold per item")
    if reporting_unit == "mean50_sd10":
        raise ReferenceScaleError(
            "reporting unit 'mean50_sd10' needs a calibration sample; give a ReportingUnit or "
            "'0-100'"
        )
    # validate (and order) before deriving a unit from the thresholds
    base = ReferenceScale(model=model, items=items, thresholds=thr, sample={})
    unit, definition = make_unit(reporting_unit, {}, base.threshold_matrix, base.max_category)
    if created is None:
        created = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    return ReferenceScale(
        model=model,
        items=items,
        thresholds=thr,
        sample={},
        reporting_unit=unit,
        unit_definition=definition,
        instrument_id=instrument_id,
        instrument_version=instrument_version,
        calibration={"method": "fixed", "source": source},
        package_version=__version__,
        created=created,
    )


# ----------------------------------------------------------------------------- files


def save_reference(
    ref: ReferenceScale, path: str | os.PathLike[str], *, into: OutputSet | None = None
) -> Path:
    """Write a reference scale as JSON, atomically (complete or untouched). Returns the path.

    ``into``: write it as part of that output set (it appears with the set's other files).
    """
    if into is not None:
        return into.write_json(ref.to_dict(), path)
    return write_json_atomic(ref.to_dict(), path)


#: largest reference scale read (one of 1,000 items is about 1 MB)
MAX_REFERENCE_BYTES = 64_000_000


def load_reference(path: str | os.PathLike[str]) -> ReferenceScale:
    """Read a reference scale, verifying its format version and content hash.

    Raises
    ------
    ReferenceScaleError
        The file is not a reference scale, has an unknown format version, or its content does
        not match its hash (it was edited by hand or corrupted).
    """
    p = Path(path)
    try:
        raw = read_bounded(p, limit=MAX_REFERENCE_BYTES, what="a reference scale")
    except (OSError, ResponseDataError) as exc:
        raise ReferenceScaleError(f"{p}: cannot read the reference scale: {exc}") from None
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ReferenceScaleError(
            f"{p.name}: not a reference scale (not valid JSON: "
            f"{'nested too deeply' if isinstance(exc, RecursionError) else exc})"
        ) from None
    return reference_from_dict(doc, source=p.name)


def reference_from_dict(doc: Any, *, source: str = "reference") -> ReferenceScale:
    """Build a reference scale from :meth:`ReferenceScale.to_dict` output, verifying the hash."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ReferenceScaleError(
            f'{source}: not a reference scale (expected "format": "{FORMAT}"). Create one '
            "with `measure calibrate ... --save-reference REF.json` or Calibration.to_reference()."
        )
    version = doc.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ReferenceScaleError(f"{source}: format_version missing or not an integer")
    if version > FORMAT_VERSION:
        raise ReferenceScaleError(
            f"{source}: format version {version} is newer than this package reads "
            f"({FORMAT_VERSION}); upgrade measure (this is version {__version__})."
        )
    if version < 1:
        raise ReferenceScaleError(f"{source}: unknown format version {version}")
    content = doc.get("content")
    stored = doc.get("content_hash")
    if not isinstance(content, dict) or not isinstance(stored, str):
        raise ReferenceScaleError(f'{source}: "content" or "content_hash" is missing')
    try:
        actual = _hash({"format": FORMAT, "format_version": version, "content": content})
    except ValueError as exc:  # NaN or Infinity in the content
        raise ReferenceScaleError(f"{source}: content is not valid: {exc}") from None
    if actual != stored:
        raise ReferenceScaleError(
            f"{source}: the content does not match its content hash (file says {stored}, "
            f"content gives {actual}). The file was changed after it was written; a reference "
            "scale must not be edited by hand. Restore the original file, or create a new "
            "reference from a calibration (Calibration.to_reference() or `measure calibrate "
            "--save-reference`)."
        )
    ref = _from_content(content, version, source)
    _check_content(ref, source)
    if ref.content_hash != stored:  # pragma: no cover - would be a serialisation bug
        raise ReferenceScaleError(f"{source}: content could not be reproduced exactly")
    return ref


def _check_content(ref: ReferenceScale, source: str) -> None:
    """The content hash detects accidents, not forgery (anyone can recompute it): check that
    the content is a scale this package could have written, beyond the tables' structure that
    :class:`ReferenceScale` checks. Standard errors are positive and finite (or empty, for
    anchored values); each location is the mean of its item's thresholds; the model fits the
    items (rasch: two categories each; rsm: the same threshold steps in every item)."""

    def bad(what: str) -> ReferenceScaleError:
        return ReferenceScaleError(
            f"{source}: the content is not a valid reference scale: {what}. The file was "
            "changed after it was written (its hash was recomputed); create a new reference "
            "from a calibration."
        )

    if ref.model not in MODELS:
        raise bad(f"model {ref.model!r} is not one of {', '.join(MODELS)}")
    for table, name in ((ref.items, "items"), (ref.thresholds, "thresholds")):
        se = table["se"].to_numpy(dtype=float)
        wrong = ~np.isnan(se) & ~(np.isfinite(se) & (se > 0))
        if wrong.any():
            item = table["item"].to_numpy()[wrong][0]
            raise bad(
                f"{name}: item {item!r} has standard error {float(se[wrong][0])!r}, not a "
                "positive finite number"
            )
    steps: dict[str, NDArray[np.float64]] = {}
    for item, location in zip(ref.items["item"], ref.items["location"], strict=True):
        rows = ref.thresholds[ref.thresholds["item"] == item]
        values = rows["threshold"].to_numpy(dtype=float)
        loc = float(location)
        if not np.isfinite(loc) or abs(values.mean() - loc) > 1e-6 * max(1.0, abs(loc)):
            raise bad(
                f"item {item!r}: location {loc:g} is not the mean of its thresholds "
                f"({values.mean():g})"
            )
        steps[str(item)] = values - loc
    sizes = {len(v) for v in steps.values()}
    if ref.model == "rasch" and sizes != {1}:
        raise bad("the Rasch model needs two categories in every item")
    if ref.model == "rsm":
        first = next(iter(steps.values()))
        if sizes != {len(first)} or any(np.abs(v - first).max() > 1e-6 for v in steps.values()):
            raise bad("the rating scale model needs the same threshold steps in every item")


def _coding(content: Mapping[str, Any], version: int) -> Coding | None:
    if version < 2:
        return None
    if "coding" not in content:
        raise ReferenceScaleError("content.coding is missing")
    doc = content["coding"]
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise ReferenceScaleError("content.coding has the wrong type")
    try:
        return Coding.from_dict(doc)
    except ValueError as exc:
        raise ReferenceScaleError(str(exc)) from None


def _from_content(c: Mapping[str, Any], version: int, source: str) -> ReferenceScale:
    def need(key: str, kind: type | tuple[type, ...]) -> Any:
        if key not in c:
            raise ReferenceScaleError(f"{source}: content.{key} is missing")
        value = c[key]
        if not isinstance(value, kind):
            raise ReferenceScaleError(f"{source}: content.{key} has the wrong type")
        return value

    try:
        instrument = need("instrument", dict)
        unit_doc = c.get("reporting_unit")
        unit = None
        definition = None
        if unit_doc is not None:
            unit = ReportingUnit(
                name=unit_doc["name"],
                intercept=float(unit_doc["intercept"]),
                slope=float(unit_doc["slope"]),
            )
            definition = unit_doc.get("definition")
        items = pd.DataFrame(need("items", list))
        thresholds = pd.DataFrame(need("thresholds", list))
        for tab in (items, thresholds):
            if "se" in tab.columns:
                tab["se"] = [_float(v) for v in tab["se"]]
        if "location" in items.columns:
            items["location"] = [_float(v) for v in items["location"]]
        return ReferenceScale(
            model=need("model", str),
            items=items,
            thresholds=thresholds,
            sample=need("sample", dict),
            reporting_unit=unit,
            unit_definition=definition,
            instrument_id=instrument.get("id"),
            instrument_version=instrument.get("version"),
            category_map={k: tuple(v) for k, v in need("category_map", dict).items()},
            coding=_coding(c, version),
            calibration=need("calibration", dict),
            package_version=need("package_version", str),
            created=need("created", str),
            format_version=version,
        )
    except ReferenceScaleError as exc:
        msg = str(exc)
        if not msg.startswith(source):
            msg = f"{source}: {msg}"
        raise ReferenceScaleError(msg) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ReferenceScaleError(f"{source}: invalid content ({exc})") from None
