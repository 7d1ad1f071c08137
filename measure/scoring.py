"""Score persons on a reference scale: anchored item parameters, nothing re-estimated.

:func:`score` measures every person (one person works) with the reference's thresholds, with the
same statuses, columns and no-data-lost rules as :func:`measure.calibrate`, adds the reporting
unit, and checks whether the anchors still hold in the new data:

* **displacement** of each item: the shift of the item (all its thresholds together) that the
  new data would give it, estimated by conditional ML with every other item fixed at its anchor
  (the conditional-ML analogue of Winsteps' DISPLACE). Positive means the item is harder
  (higher) in the new data. Its SE combines the conditional information of the new data
  (``se_new``) and the reference's SE of the item location (``se_reference``): the anchors are
  estimates too, and treating them as exact makes ``z`` too large (in our simulation with 600
  reference and 500 new persons, 14% of non-drifting items had ``|z| > 1.96`` instead of 5%;
  4.7% with the combined SE). An item drifts when ``|displacement| > tolerance`` (default 0.5
  logits) *and* ``|z| > 1.96``.
* **global fit** of the anchored model: Rao's score test (Rao 1948; for Rasch models Glas &
  Verhelst 1995, "Testing the Rasch model", in Fischer & Molenaar (eds.), Rasch Models,
  Springer, ch. 5) of the anchored thresholds within the free model of the same family. With
  ``g`` and ``I`` the gradient and the conditional information of the free model's parameters
  (every threshold free, one reference constraint; ``build_design(model, max_cat, {}, items)``)
  evaluated at the anchors, ``chi2 = g' I^-1 g`` with ``df`` = the free parameters; it is
  asymptotically equivalent to the conditional likelihood-ratio test against a free calibration
  (Andersen 1973) under the anchored model and its local alternatives, and needs no
  re-estimation: one evaluation of the conditional likelihood with its information, for every
  missing-data pattern at once. A common shift of all items is invisible to conditional ML, so
  a real difference between populations does not count as misfit. Infit/outfit of the items at
  the anchors are reported beside it. The statistic is divided by ``1 + n_new / n_reference``
  to allow for the reference's sampling error: in the simulation above (60 replications, no
  drift) the score test rejected at the 5% level in 8% of the runs with the adjustment and 77%
  without it (the likelihood-ratio test it replaces: 8% and 82%).
  The anchored model's conditional log-likelihood (``anchored_loglik``) comes from the same
  evaluation; it is not computed when the global fit is not asked for.

Displacements and the score test are exact conditional ML on every missing-data pattern (no
subset of patterns, no pairwise approximation).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure._estimation import cml
from measure._estimation.chi2 import chi2_sf
from measure._types import Z95, PersonEstimator
from measure.calibration import default_min_answered, kept_columns
from measure.exceptions import (
    ReferenceScaleError,
    ResponseDataError,
)
from measure.fit import MISFIT_RULE, misfitting
from measure.instrument import instrument_ids, load_instrument
from measure.notes import Note
from measure.pipeline import (
    DISPLACEMENT_NO_INFORMATION,
    DISPLACEMENT_NOT_FINITE,
    DISPLACEMENT_OK,
    DISPLACEMENT_SKIPPED,
    AnchorChecks,
    anchor_checks,
)
from measure.pipeline import count as pipeline_count
from measure.pipeline import fit as pipeline_fit
from measure.reference import ReferenceScale
from measure.responses import (
    Coding,
    InvalidPolicy,
    Recodes,
    ResponseMatrix,
    as_responses,
    expand_recode,
    label_synonyms,
    normalise_label,
)
from measure.results import Calibration, PersonStatus
from measure.schemas import ANCHORS, PERSONS, RESERVED_PERSON_COLUMNS
from measure.summary import Summary, short_repr
from measure.units import add_unit_columns

if TYPE_CHECKING:
    from measure.instrument import Instrument

__all__ = ["DRIFT_RULE", "Scoring", "score", "score_table"]

FloatArray = NDArray[np.float64]

SCORE_TEST = (
    "Rao score test of the anchored thresholds within the free model of the same family "
    "(gradient and conditional information of the free model evaluated at the anchors; "
    "Rao 1948, Glas & Verhelst 1995); df = free parameters. The anchors are estimates too: "
    "chi2_adjusted = chi2 / (1 + n_new / n_reference) (persons with non-extreme scores) allows "
    "for the reference sample's own sampling error, assuming similar samples; p_value uses it "
    "when the reference sample size is known, p_value_anchors_exact does not"
)

DRIFT_RULE = (
    "drift when |displacement| > {tol:g} logits and |z| > 1.96 (displacement: the item's shift "
    "estimated by conditional ML with the other anchors fixed, as Winsteps DISPLACE; its SE "
    "includes the reference's SE of the item)"
)

_DISPLACEMENT_REASONS = {
    DISPLACEMENT_OK: "",
    DISPLACEMENT_NO_INFORMATION: Note("score.no_information"),
    DISPLACEMENT_NOT_FINITE: Note("score.not_finite"),
    DISPLACEMENT_SKIPPED: Note("score.not_computed"),
}


@dataclass(frozen=True, eq=False, repr=False)
class Scoring:
    """Result of :func:`score`. Immutable; tables are keyed by the user's ids.

    Attributes
    ----------
    reference : the :class:`~measure.reference.ReferenceScale` used.
    persons : one row per input row in input order, the columns of ``Calibration.persons``
        (person, row, status, n_answered, raw_score, max_score, measure, se, ci_lower,
        ci_upper, wle, wle_se, mle, mle_se, infit/outfit, reason), any kept columns after
        ``person``, and measure_unit, se_unit, ci_lower_unit, ci_upper_unit when the reference
        has a reporting unit.
    anchor_drift : one row per scored item: item, displacement, se, z, drift, se_new,
        se_reference, n, n_informative, anchor_location, new_location, infit_msq, infit_zstd,
        outfit_msq, outfit_zstd, pt_measure_corr, reason. ``se`` combines the new data's SE of
        the displacement and the reference's SE of the item location (the anchors are
        estimates too; 0 for fixed published parameters).
    global_fit : the anchored model's fit (see :meth:`summary`).
    items_scored : the reference items found in the data.
    items_not_administered : reference items absent from the data (scored as skipped).
    """

    reference: ReferenceScale
    persons: pd.DataFrame
    anchor_drift: pd.DataFrame
    global_fit: dict[str, Any]
    responses: ResponseMatrix = field(repr=False)
    calibration: Calibration = field(repr=False)  #: anchored; its item SEs are 0 (not estimated)
    drift_tolerance: float = 0.5
    items_scored: tuple[str, ...] = ()
    items_not_administered: tuple[str, ...] = ()
    person_estimator: str = "wle"
    #: reference items in the data that were not chosen (``items=``): not scored
    items_left_out: tuple[str, ...] = ()
    #: anchors set aside because they drifted (not in the measures)
    items_set_aside: tuple[str, ...] = ()
    drift_policy: str = "set_aside"
    #: the mean measure with every anchor minus the mean with the kept anchors (same persons)
    set_aside_shift: Mapping[str, Any] = field(default_factory=dict)
    min_answered: int = 1  #: the minimum of answered items applied (scaled to the items used)

    def score_table(self, items: Sequence[str] | None = None) -> pd.DataFrame:
        """Raw score to measure for the scored items (default) or any subset of the reference."""
        return self.reference.score_table(self.items_scored if items is None else items)

    def status_counts(self) -> dict[str, int]:
        counts = self.persons["status"].value_counts()
        return {s.value: int(counts.get(s.value, 0)) for s in PersonStatus}

    def __repr__(self) -> str:
        return short_repr(
            self,
            model=self.reference.model,
            n_persons=len(self.persons),
            items_scored=len(self.items_scored),
            drifting=int(self.anchor_drift["drift"].sum()),
        )

    def summary(self) -> Summary:
        """Key figures (``to_dict()`` is what the CLI writes as summary.json)."""
        drift = self.anchor_drift
        unit = self.reference.reporting_unit
        return Summary(
            "scoring on a reference scale",
            {
                "reference": {
                    "instrument_id": self.reference.instrument_id,
                    "instrument_version": self.reference.instrument_version,
                    "model": self.reference.model,
                    "content_hash": self.reference.content_hash,
                    "created": self.reference.created,
                },
                "reporting_unit": None
                if unit is None
                else {
                    "name": unit.name,
                    "intercept": unit.intercept,
                    "slope": unit.slope,
                    "definition": self.reference.unit_definition,
                },
                "method": "anchored: every threshold fixed at the reference; persons by "
                + ("Warm's WLE" if self.person_estimator == "wle" else "ML"),
                "person_estimator": self.person_estimator,
                "n_persons": int(len(self.persons)),
                "items_scored": list(self.items_scored),
                "items_not_administered": list(self.items_not_administered),
                "items_left_out": list(self.items_left_out),
                "drift_policy": self.drift_policy,
                "items_set_aside": list(self.items_set_aside),
                "set_aside_shift": dict(self.set_aside_shift) or None,
                "min_answered": self.min_answered,
                "status_counts": self.status_counts(),
                "reliability": {
                    k: v
                    for k, v in self.calibration.reliability.items()
                    if not k.startswith("item_")
                },
                "drift_rule": DRIFT_RULE.format(tol=self.drift_tolerance),
                "drifting_items": drift.loc[drift["drift"], "item"].tolist(),
                "global_fit": dict(self.global_fit),
                "invalid_cells_set_missing": len(self.responses.invalid),
                "coding": self.responses.coding.to_dict(every_key=True),
            },
        )


# ----------------------------------------------------------------------------- the gate


@dataclass(frozen=True)
class _GateOptions:
    """Options of the input gate (:func:`measure.responses.as_responses`)."""

    id_column: str | None = None
    instrument: Instrument | None = None
    columns: Mapping[str, str] | None = None
    value_labels: Mapping[str, Mapping[Any, str]] | None = None
    missing_codes: tuple[object, ...] = ()
    min_category: int = 0
    reverse: tuple[str, ...] = ()
    decimal: str = "."
    invalid: InvalidPolicy = "error"
    source: str = "data"
    row_numbers: Sequence[int] | NDArray[np.int64] | None = None
    recode: Mapping[str, Mapping[str, int | None]] = dataclasses.field(default_factory=dict)
    labels: Mapping[str, int] = dataclasses.field(default_factory=dict)
    warn_unused: bool = True

    def extra(self, items: Sequence[str]) -> dict[str, Any]:
        """Gate keywords that are passed only when used (reverse keys and recodes of ``items``
        only)."""
        out: dict[str, Any] = {}
        recode = {it: m for it, m in self.recode.items() if it in set(items)}
        if recode or self.labels:
            out.update(recode=recode, labels=self.labels, warn_unused=self.warn_unused)
        if self.columns:
            out["columns"] = dict(self.columns)
        if self.value_labels:
            out["value_labels"] = self.value_labels
        reverse = [r for r in self.reverse if r in set(items)]
        if reverse:
            out["reverse"] = reverse
        if self.decimal != ".":
            out["decimal"] = self.decimal
        return out


def _find_items(columns: list[str], ref_items: list[str], mapping: Mapping[str, str]) -> list[str]:
    """Reference items present in the data: mapped, named exactly, or named up to case/spaces."""
    present = set(columns)
    by_norm: dict[str, int] = {}
    for c in columns:
        key = normalise_label(c)
        by_norm[key] = by_norm.get(key, 0) + 1
    return [
        i
        for i in ref_items
        if i in mapping or i in present or by_norm.get(normalise_label(i), 0) == 1
    ]


def _gate(
    data: pd.DataFrame | NDArray[Any] | ResponseMatrix,
    ref: ReferenceScale,
    items: Sequence[str] | None,
    opts: _GateOptions,
) -> ResponseMatrix:
    """Responses restricted to reference items, on the reference's (collapsed) categories."""
    ref_items = list(ref.item_ids)
    inst = opts.instrument
    if inst is not None and ref.instrument_id is not None and inst.id != ref.instrument_id:
        raise ReferenceScaleError(
            f"the reference scale belongs to instrument {ref.instrument_id!r}, not {inst.id!r}"
        )
    if isinstance(data, ResponseMatrix):
        rm = data
        unknown = [i for i in rm.items if i not in ref_items]
        if unknown:
            raise ReferenceScaleError(
                f"{rm.source}: item(s) {', '.join(map(repr, unknown))} are not in the reference "
                f"scale (items: {', '.join(ref_items)})"
            )
        if items is not None:
            raise ValueError("items= cannot be combined with a ResponseMatrix")
    else:
        if isinstance(data, np.ndarray):
            if data.ndim != 2 or data.shape[1] != len(ref_items):
                raise ReferenceScaleError(
                    f"{opts.source}: an array must have one column per reference item "
                    f"({len(ref_items)}); got shape {data.shape}"
                )
            data = pd.DataFrame(data, columns=ref_items)
        if not isinstance(data, pd.DataFrame):
            raise TypeError(
                f"data must be a DataFrame, an array or a ResponseMatrix, got {type(data)!r}"
            )
        if len(data) == 0:
            raise ResponseDataError(
                f"{opts.source}: no data rows (the table has only column names)"
            )
        columns = [str(c) for c in data.columns]
        data = data.set_axis(columns, axis=1)
        if items is None:
            chosen = _find_items(columns, ref_items, opts.columns or {})
            if not chosen:
                raise ReferenceScaleError(
                    f"{opts.source}: none of the reference scale's items is a column of the data "
                    f"(reference items: {', '.join(ref_items)}; columns: {', '.join(columns)}). "
                    "Name the columns after the items or map them (columns=...)."
                )
        else:
            chosen = [str(i) for i in items]
            unknown = [i for i in chosen if i not in ref_items]
            if unknown:
                raise ReferenceScaleError(
                    f"{opts.source}: item(s) {', '.join(map(repr, unknown))} are not in the "
                    f"reference scale (items: {', '.join(ref_items)})"
                )
        if inst is not None:
            inst_tops = {it.id: it.max_category for it in inst.items}
            for it in chosen:
                top = inst_tops.get(it)
                if top is not None and top != ref.original_max_category(it):
                    raise ReferenceScaleError(
                        f"item {it!r}: the instrument has categories 0..{top} but the reference "
                        f"scale 0..{ref.original_max_category(it)}"
                    )
        rm = as_responses(
            data,
            items=chosen,
            id_column=opts.id_column,
            instrument=opts.instrument,
            missing_codes=list(opts.missing_codes),
            max_category={it: ref.original_max_category(it) for it in chosen},
            min_category=opts.min_category,
            invalid=opts.invalid,
            source=opts.source,
            row_numbers=opts.row_numbers,
            allow_empty_items=True,
            **opts.extra(chosen),
        )
    # back onto the reference's categories
    values = rm.values.copy()
    for j, it in enumerate(rm.items):
        top = ref.original_max_category(it)
        col = values[:, j]
        if col.max(initial=-1) > top:
            bad = int(np.flatnonzero(col > top)[0])
            raise ReferenceScaleError(
                f"{rm.source}: row {int(rm.rows[bad])}, person {rm.persons[bad]!r}, item "
                f"{it!r}: category {int(col[bad])} is above the reference scale's top "
                f"category {top}"
            )
        codes = ref.category_map.get(it)
        if codes is not None:
            lut = np.asarray(codes, dtype=np.int16)
            values[:, j] = np.where(col >= 0, lut[np.clip(col, 0, None)], -1)
    max_cat = np.array([ref.top_category(it) for it in rm.items], dtype=np.int64)
    return dataclasses.replace(rm, values=values, max_category=max_cat)


def _coding(
    ref: ReferenceScale,
    min_category: int | None,
    reverse: Iterable[str] | None,
    missing_codes: Iterable[object] | None,
    instrument: Instrument | None,
    source: str,
    recode: Recodes | None = None,
    labels: Mapping[str, int] | None = None,
) -> Coding:
    """The coding to read the new data with: the reference's, checked against the options.

    An option that is left out (``None``) takes the reference's value. An option that disagrees
    with the reference (another lowest code, other reverse-keyed items) would shift the measures,
    so it is refused with what differs. Missing codes add to the reference's; so do label
    synonyms, unless one gives a label of the reference another code. Recodes (resolved on the
    reference's items) must be the reference's.
    """
    given_missing = tuple(str(c) for c in (missing_codes or ()))
    given_recode = None if recode is None else expand_recode(recode, ref.item_ids, source=source)
    given_labels = None if labels is None else label_synonyms(labels, source=source)
    stored = ref.coding
    if stored is None:  # published parameters or a format-1 file: the options as given
        return Coding(
            min_category=0 if min_category is None else min_category,
            missing_codes=given_missing,
            reversed_items=tuple(str(r) for r in (reverse or ())),
            recode=given_recode or {},
            labels=given_labels or {},
        )
    problems = []
    if min_category is not None and min_category != stored.min_category:
        problems.append(
            f"the reference was calibrated on answers coded from {stored.min_category} "
            f"(min_category={stored.min_category}), but min_category={min_category} was given"
        )
    if reverse is not None:
        by_instrument = (
            {it.id for it in instrument.items if it.reverse} if instrument is not None else set()
        )
        given = {str(r) for r in reverse} | by_instrument
        want = set(stored.reversed_items)
        if given != want:
            problems.append(
                "the reference reversed the items "
                f"{', '.join(sorted(want)) or '(none)'}, the options reverse "
                f"{', '.join(sorted(given)) or '(none)'}"
            )
    if given_recode is not None and given_recode != stored.recode:
        differ = [
            it for it in ref.item_ids if given_recode.get(it, {}) != stored.recode.get(it, {})
        ]
        problems.append(
            f"the reference recodes [{_recode_text(stored.recode, differ)}] but the options "
            f"recode [{_recode_text(given_recode, differ)}]"
        )
    for key, code in (given_labels or {}).items():
        if stored.labels.get(key, code) != code:
            problems.append(
                f"the reference reads the label {key!r} as {stored.labels[key]}, the options "
                f"as {code}"
            )
    if problems:
        raise ReferenceScaleError(
            f"{source}: the answers would be coded differently from the reference scale's "
            "calibration, which would shift every measure: "
            + "; ".join(problems)
            + ". Leave these options out to use the coding stored in the reference, or make a "
            "reference from data coded this way."
        )
    return Coding(
        min_category=stored.min_category,
        missing_codes=tuple(dict.fromkeys([*stored.missing_codes, *given_missing])),
        reversed_items=stored.reversed_items,
        value_labels=stored.value_labels,
        recode=stored.recode,
        labels={**stored.labels, **(given_labels or {})},
    )


def _recode_text(recode: Mapping[str, Mapping[str, int | None]], items: Sequence[str]) -> str:
    """``q1: 1=0, 2=1; q2: (none)``: the recodes of ``items``."""
    return "; ".join(
        f"{it}: "
        + (
            ", ".join(f"{k}={'missing' if t is None else t}" for k, t in recode[it].items())
            if recode.get(it)
            else "(none)"
        )
        for it in items
    )


# ----------------------------------------------------------------------------- drift policy

DriftPolicy = Literal["set_aside", "keep"]


def _scaled_min_answered(
    given: int | None, instrument: Instrument | None, n_reference: int, n_used: int
) -> int:
    """The minimum of answered items for the items actually used.

    Given explicitly, it is applied as it is (at most the items used). Taken from the instrument
    (a minimum for the full form), it keeps the number of items a person may skip: items not
    used (not administered, left out, set aside for drift) lower it by one each.
    """
    if given is not None:
        return max(1, min(given, n_used))
    base = default_min_answered(None, instrument)
    return max(1, min(base - max(n_reference - n_used, 0), n_used))


def _absent(data: object, reference: ReferenceScale, columns: Mapping[str, str] | None) -> set[str]:
    """Reference items with no column in the data."""
    if not isinstance(data, pd.DataFrame):
        return set()
    names = [str(c) for c in data.columns]
    found = set(_find_items(names, list(reference.item_ids), columns or {}))
    return set(reference.item_ids) - found


def _columns(rm: ResponseMatrix, used: Sequence[int]) -> ResponseMatrix:
    """``rm`` restricted to the items ``used`` (same persons, rows and coding)."""
    items = tuple(rm.items[j] for j in used)
    return dataclasses.replace(
        rm,
        values=np.asfortranarray(rm.values[:, list(used)]),
        items=items,
        max_category=rm.max_category[list(used)],
        columns=tuple(rm.columns[j] for j in used) if rm.columns else (),
        reversed_items=tuple(i for i in rm.reversed_items if i in items),
        value_labels={k: v for k, v in rm.value_labels.items() if k in items},
        recode={k: v for k, v in rm.recode.items() if k in items},
    )


_FIT_COLUMNS = ("infit_msq", "infit_zstd", "outfit_msq", "outfit_zstd", "pt_measure_corr")


def _purify(
    rm: ResponseMatrix,
    reference: ReferenceScale,
    table: pd.DataFrame,
    tolerance: float,
    limit: int,
) -> tuple[tuple[str, ...], pd.DataFrame, AnchorChecks | None]:
    """Set drifting anchors aside one at a time (largest |displacement| first).

    After each, the displacements of the remaining items are computed again with the remaining
    anchors only. Returns the items set aside, the anchors table (kept items with their
    displacements in the last round, set-aside items with the displacement that set them aside)
    and the last round's checks (``None`` when nothing was set aside).
    """
    aside: list[str] = []
    rows = {it: table.loc[table["item"] == it] for it in rm.items}
    base = table.set_index("item")
    pos = {it: j for j, it in enumerate(reference.item_ids)}
    current = table
    checks: AnchorChecks | None = None
    while len(aside) < limit and rm.n_items - len(aside) > 2:
        flagged = current.loc[current["drift"] & current["displacement"].notna()]
        if flagged.empty:
            break
        worst = str(flagged["item"].to_numpy()[int(np.argmax(np.abs(flagged["displacement"])))])
        aside.append(worst)
        rows[worst] = current.loc[current["item"] == worst].assign(used=False)
        sub = _columns(rm, [j for j, it in enumerate(rm.items) if it not in aside])
        counted = pipeline_count(sub.values, sub.max_category)
        thr = reference.threshold_matrix[[pos[it] for it in sub.items]]
        delta = np.concatenate([thr[j, : int(m)] for j, m in enumerate(sub.max_category)])
        checks = anchor_checks(
            counted.stats, delta, sub.max_category, list(sub.items), reference.model
        )
        fresh = _drift_table(counted.stats, checks, sub.items, reference, tolerance)
        kept = list(sub.items)
        fresh = fresh.assign(
            n=base.loc[kept, "n"].to_numpy(),
            used=True,
            **{c: base.loc[kept, c].to_numpy() for c in _FIT_COLUMNS},
        )
        current = fresh[list(ANCHORS.names())]
        for it in kept:
            rows[it] = current.loc[current["item"] == it]
    if not aside:
        return (), table, None
    out = pd.concat([rows[it] for it in rm.items], ignore_index=True)
    return tuple(aside), out[list(ANCHORS.names())], checks


def _mean_shift(every: pd.DataFrame, kept: pd.DataFrame) -> dict[str, Any]:
    """How much the mean measure moved by setting anchors aside: mean(every) - mean(kept) over
    the persons measured (status ok) both ways, with the SE of the paired difference."""
    ok = (every["status"] == PersonStatus.OK.value).to_numpy() & (
        kept["status"] == PersonStatus.OK.value
    ).to_numpy()
    diff = every["measure"].to_numpy(dtype=float)[ok] - kept["measure"].to_numpy(dtype=float)[ok]
    n = int(diff.size)
    if n < 2:
        return {"n": n, "difference": float("nan"), "se": float("nan")}
    mean = float(diff.mean())
    se = float(diff.std(ddof=1) / np.sqrt(n))
    return {
        "n": n,
        "difference": mean,
        "se": se,
        "ci_lower": mean - Z95 * se,
        "ci_upper": mean + Z95 * se,
        "meaning": "mean measure with every anchor minus the mean with the drifting anchors set "
        "aside, over the persons measured both ways (logits; positive: keeping the drifting "
        "anchors would have raised the mean)",
    }


# ----------------------------------------------------------------------------- scoring


def score(
    data: pd.DataFrame | NDArray[Any] | ResponseMatrix,
    reference: ReferenceScale,
    *,
    id_column: str | None = None,
    items: Sequence[str] | None = None,
    instrument: Instrument | None = None,
    columns: Mapping[str, str] | None = None,
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
    missing_codes: Iterable[object] | None = None,
    min_category: int | None = None,
    reverse: Iterable[str] | None = None,
    recode: Recodes | None = None,
    labels: Mapping[str, int] | None = None,
    decimal: str = ".",
    min_answered: int | None = None,
    person_estimator: PersonEstimator = "wle",
    invalid: InvalidPolicy = "error",
    keep: Sequence[str] = (),
    drift_tolerance: float = 0.5,
    check_drift: bool = True,
    drift_policy: DriftPolicy = "set_aside",
    max_set_aside: int | None = None,
    source: str = "data",
    row_numbers: Sequence[int] | NDArray[np.int64] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Scoring:
    """Measure persons on a reference scale, with its anchored thresholds (no re-estimation).

    Every input row gives one row of ``persons`` in input order (the statuses of
    :func:`measure.calibrate`: ok, extreme_min, extreme_max, too_few_answers, no_answers).
    Items of the reference that are not in the data are treated as skipped; the measure uses
    the answered items only (the score-to-measure table of that subset).

    Parameters
    ----------
    data : persons x items table, array (one column per reference item) or ResponseMatrix.
        Columns that are not reference items are ignored (and may be kept with ``keep``).
    reference : the :class:`~measure.reference.ReferenceScale`.
    id_column, instrument, columns, decimal, invalid, source, row_numbers : as
        :func:`measure.responses.as_responses` (the input gate). Codes above a reference item's
        top category are invalid cells.
    min_category, reverse, missing_codes, value_labels : how the answers are coded. Left out
        (``None``), they are taken from the reference, which records the coding of its
        calibration: data are read exactly as the calibration's were. Given, ``min_category``
        and ``reverse`` must agree with the reference (else :class:`ReferenceScaleError` says
        what differs: a different lowest code would shift every measure); ``missing_codes``
        add to the reference's.
    recode, labels : recodes and label synonyms (see :func:`measure.responses.as_responses`).
        Left out (``None``), the reference's are applied (those of its calibration). Given,
        ``recode`` (ITEMS resolved on the reference's items) must be the reference's, else
        :class:`ReferenceScaleError` says what differs; ``labels`` add to the reference's but
        must not read one of its labels as another code.
    items : the reference items to score (default: every reference item found in the data).
    min_answered : fewer answered items than this gives status ``too_few_answers``. Default:
        the instrument's minimum, else 1.
    person_estimator : "wle" (default) or "mle" for the ``measure`` column.
    keep : data columns carried unchanged into ``persons`` (after ``person``).
    drift_tolerance : logits; an item drifts when ``|displacement|`` exceeds it and ``|z| > 1.96``.
    check_drift : compute displacements and the global fit (default True).
    drift_policy : ``"set_aside"`` (default) scores on the anchors that hold: the drifting item
        with the largest ``|displacement|`` is set aside, the displacements of the rest are
        computed again with it left out, and so on while an item drifts and at most
        ``max_set_aside`` items are set aside (the purification of the FAO FIES equating,
        Cafiero, Viviani & Nord 2018). A drifting anchor measures something else in the new data;
        keeping it would move every person who answered it by a share of its displacement. The
        measures then use the kept items only; ``persons`` gains ``answers_set_aside``, the
        summary names the items and how much the mean measure moved because of it (with its
        95 % interval). ``"keep"`` scores on every anchor and only reports the drift.
    max_set_aside : at most this many anchors are set aside (default: a third of the scored
        items, rounded down; FIES sets aside at most 3 of 8).
    progress : called with the name of each long step as it starts ("checking answers",
        "measuring persons", "fit statistics", "anchor drift", "setting drifting anchors aside",
        "global fit"); default silent.

    Returns
    -------
    Scoring

    Examples
    --------
    >>> import measure
    >>> from measure.results import reference_from_calibration
    >>> sim = measure.simulate_responses(n_persons=300, thresholds=[[-1.0], [0.0], [1.0]], rng=1)
    >>> ref = reference_from_calibration(measure.calibrate(sim.responses, model="rasch"))
    >>> one = score(sim.responses.iloc[:1], ref)
    >>> len(one.persons)
    1

    The persons table is the one :func:`measure.calibrate` gives with every threshold anchored
    at the reference (tested); each measure is the reference's score-to-measure value for the
    person's answered items.
    """
    if person_estimator not in ("wle", "mle"):
        raise ValueError(f"person_estimator={person_estimator!r} is not one of 'wle', 'mle'")
    if not drift_tolerance >= 0:
        raise ValueError(f"drift_tolerance must be >= 0, got {drift_tolerance}")
    if drift_policy not in ("set_aside", "keep"):
        raise ValueError(f"drift_policy={drift_policy!r} is not one of 'set_aside', 'keep'")
    if max_set_aside is not None and max_set_aside < 0:
        raise ValueError(f"max_set_aside must be >= 0, got {max_set_aside}")
    kept = kept_columns(data, keep, RESERVED_PERSON_COLUMNS)
    if instrument is None and reference.instrument_id is not None:
        # the reference names its instrument: its labels, missing codes and minimum of answers
        # apply, as they did in the calibration (the CLI and the library alike)
        if reference.instrument_id in instrument_ids():
            instrument = load_instrument(reference.instrument_id)
    coding = _coding(
        reference, min_category, reverse, missing_codes, instrument, source, recode, labels
    )
    if value_labels is None and coding.value_labels:
        mapping = dict(columns or {})
        value_labels = {mapping.get(it, it): labels for it, labels in coding.value_labels.items()}
    opts = _GateOptions(
        id_column=id_column,
        instrument=instrument,
        columns=columns,
        value_labels=value_labels,
        missing_codes=coding.missing_codes,
        min_category=coding.min_category,
        reverse=coding.reversed_items,
        decimal=decimal,
        invalid=invalid,
        source=source,
        row_numbers=row_numbers,
        recode=coding.recode,
        labels=coding.labels,
        warn_unused=recode is not None or labels is not None,  # not the reference's own
    )
    if progress is not None:
        progress("checking answers")
    rm = _gate(data, reference, items, opts)
    absent = _absent(data, reference, columns)
    max_cat = rm.max_category
    pos = {it: j for j, it in enumerate(reference.item_ids)}
    idx = np.array([pos[it] for it in rm.items], dtype=np.int64)
    thresholds = reference.threshold_matrix[idx][:, : int(max_cat.max())]
    anchors = {
        (j, k): float(thresholds[j, k - 1])
        for j, m in enumerate(max_cat)
        for k in range(1, int(m) + 1)
    }
    needed = _scaled_min_answered(min_answered, instrument, len(reference.item_ids), rm.n_items)
    fit = pipeline_fit(
        rm.values,
        max_cat,
        list(rm.items),
        reference.model,
        anchors=anchors,
        min_answered=needed,
        source=rm.source,
        anchored_loglik=False,  # computed by the global fit, only when asked for
        progress=progress,
    )
    cal = Calibration.build(
        fit,
        rm,
        person_estimator=person_estimator,
        keep=kept,
        min_answered=needed,
        reporting_unit=reference.reporting_unit,  # unit columns added in place, not by a copy
    )
    per = PERSONS.order(cal.persons, variable=[k for k, _ in kept])
    stats = fit.counted.stats
    if progress is not None and check_drift:
        progress("anchor drift")
    checks = (
        anchor_checks(stats, fit.item.delta, max_cat, list(rm.items), reference.model)
        if check_drift
        else None
    )
    drift = _drift_table(stats, checks, rm.items, reference, drift_tolerance)
    item_fit = cal.items[
        ["item", "n", "infit_msq", "infit_zstd", "outfit_msq", "outfit_zstd", "pt_measure_corr"]
    ]
    drift = drift.merge(item_fit, on="item", how="left")
    drift["used"] = True
    drift = drift[list(ANCHORS.names())]
    aside: tuple[str, ...] = ()
    shift: dict[str, Any] = {}
    if check_drift and drift_policy == "set_aside":
        limit = max(rm.n_items // 3, 0) if max_set_aside is None else max_set_aside
        aside, drift, purified = _purify(rm, reference, drift, drift_tolerance, limit)
    if aside:
        if progress is not None:
            progress("setting drifting anchors aside")
        used = [j for j, it in enumerate(rm.items) if it not in aside]
        sub = _columns(rm, used)
        needed = _scaled_min_answered(
            min_answered, instrument, len(reference.item_ids), sub.n_items
        )
        fit = pipeline_fit(
            sub.values,
            sub.max_category,
            list(sub.items),
            reference.model,
            anchors={
                (new, k): anchors[(old, k)]
                for new, old in enumerate(used)
                for k in range(1, int(max_cat[old]) + 1)
            },
            min_answered=needed,
            source=rm.source,
            anchored_loglik=False,
        )
        checks = purified  # the last round's checks: the same items and anchors
        all_anchors = cal
        cal = Calibration.build(
            fit, sub, person_estimator=person_estimator, keep=kept, min_answered=needed
        )
        shift = _mean_shift(all_anchors.persons, cal.persons)
        per = cal.persons
        aside_j = [j for j, it in enumerate(rm.items) if it in aside]
        per["answers_set_aside"] = (rm.values[:, aside_j] >= 0).sum(axis=1)
        if reference.reporting_unit is not None:
            add_unit_columns(per, reference.reporting_unit)
        per = PERSONS.order(per, variable=[k for k, _ in kept])
        stats = fit.counted.stats
        rm_used = sub
    else:
        rm_used = rm
    if progress is not None:
        progress("global fit")
    global_fit = _global_fit(rm_used, reference, checks, cal, stats)
    return Scoring(
        reference=reference,
        persons=per,
        anchor_drift=drift,
        global_fit=global_fit,
        responses=rm,
        calibration=cal,
        drift_tolerance=float(drift_tolerance),
        items_scored=tuple(rm_used.items),
        items_not_administered=tuple(
            i for i in reference.item_ids if i not in rm.items and (items is None or i in absent)
        ),
        person_estimator=person_estimator,
        items_left_out=tuple(i for i in reference.item_ids if i not in rm.items and i not in absent)
        if items is not None
        else (),
        items_set_aside=aside,
        drift_policy=drift_policy,
        set_aside_shift=shift,
        min_answered=needed,
    )


def score_table(reference: ReferenceScale, items: Sequence[str] | None = None) -> pd.DataFrame:
    """Raw score to measure (WLE and MLE with SEs) for any subset of a reference's items."""
    return reference.score_table(items)


# ----------------------------------------------------------------------------- drift


def _drift_table(
    stats: cml.SufficientStats,
    checks: AnchorChecks | None,
    items: Sequence[str],
    reference: ReferenceScale,
    tolerance: float,
) -> pd.DataFrame:
    n_items = len(items)
    informative = stats.category_counts.sum(axis=1)
    if checks is not None:
        disp, se, codes = checks.displacement, checks.se, checks.reason
    else:
        disp, se = np.full(n_items, np.nan), np.full(n_items, np.nan)
        codes = np.full(n_items, DISPLACEMENT_SKIPPED, dtype=np.int8)
    reasons = [_DISPLACEMENT_REASONS[int(c)] for c in codes]
    ref_items = reference.items.set_index("item")
    anchor_loc = ref_items.loc[list(items), "location"].to_numpy(dtype=float)
    se_ref = ref_items.loc[list(items), "se"].to_numpy(dtype=float)
    se_ref = np.where(np.isfinite(se_ref), se_ref, 0.0)
    se_tot = np.sqrt(se**2 + se_ref**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = disp / se_tot
    flag = (np.abs(disp) > tolerance) & (np.abs(z) > Z95)
    return pd.DataFrame(
        {
            "item": list(items),
            "displacement": disp,
            "se": se_tot,
            "z": z,
            "drift": flag,
            "se_new": se,
            "se_reference": se_ref,
            "n_informative": informative.astype(np.int64),
            "anchor_location": anchor_loc,
            "new_location": anchor_loc + disp,
            "reason": pd.Series(reasons, dtype=object),  # keeps the Notes
        }
    )


def _global_fit(
    rm: ResponseMatrix,
    reference: ReferenceScale,
    checks: AnchorChecks | None,
    cal: Calibration,
    stats: cml.SufficientStats,
) -> dict[str, Any]:
    items = cal.items
    out: dict[str, Any] = {
        "anchored_loglik": float("nan"),
        "mean_item_infit_msq": float(np.nanmean(items["infit_msq"]))
        if np.isfinite(items["infit_msq"]).any()
        else float("nan"),
        "mean_item_outfit_msq": float(np.nanmean(items["outfit_msq"]))
        if np.isfinite(items["outfit_msq"]).any()
        else float("nan"),
        "misfitting_items": misfitting(items),
        "misfit_rule": MISFIT_RULE,
        "test": SCORE_TEST,
        "chi2": float("nan"),
        "chi2_adjusted": float("nan"),
        "df": None,
        "p_value": float("nan"),
        "p_value_anchors_exact": float("nan"),
        "n_new": None,
        "n_reference": None,
        "note": "",
    }
    if checks is None:
        out["note"] = Note("score.not_computed")
        return out
    out["anchored_loglik"] = checks.test.loglik
    m = rm.max_category
    unused = [
        Note("score.item_category", item=rm.items[j], category=x)
        for j in range(m.size)
        for x in range(int(m[j]) + 1)
        if stats.category_counts[j, x] == 0
    ]
    if unused:
        out["note"] = Note(
            "score.test_unused", cells=[*unused[:5], *(["..."] if len(unused) > 5 else [])]
        )
        return out
    test = checks.test
    if test.singular:
        out["note"] = Note("score.test_singular")
        return out
    df = test.df
    chi2 = max(test.chi2, 0.0)
    n_new = int(stats.n_informative)
    counts = reference.sample.get("status_counts") or {}
    n_ref = counts.get("ok") if isinstance(counts, dict) else None
    known = isinstance(n_ref, int) and n_ref > 0
    adjusted = chi2 / (1.0 + n_new / n_ref) if known else chi2  # type: ignore[operator]
    exact_p = chi2_sf(chi2, df) if df > 0 else float("nan")
    out.update(
        chi2=float(chi2),
        chi2_adjusted=float(adjusted),
        df=df,
        p_value=chi2_sf(adjusted, df) if df > 0 else float("nan"),
        p_value_anchors_exact=exact_p,
        n_new=n_new,
        n_reference=int(n_ref) if known else None,  # type: ignore[arg-type]
    )
    if not known:
        out["note"] = Note("score.exact_anchors")
    return out
