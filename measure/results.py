"""The frozen result of a calibration: tidy tables keyed by the user's own ids."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure._estimation.persons import (
    EXTREME_MAX,
    EXTREME_MIN,
    STATUS_NAMES,
)
from measure._types import Z95
from measure.exceptions import ReferenceScaleError
from measure.fit import MISFIT_RULE, misfitting
from measure.pipeline import Fit, ItemFit
from measure.reference import (
    ReferenceScale,
    UnitSpec,
    make_unit,
    reference_from_estimates,
    score_table,
)
from measure.reliability import cronbach_alpha, separation_reliability
from measure.responses import ResponseMatrix
from measure.schemas import ITEMS, PERSONS, THRESHOLDS
from measure.status import PersonStatus
from measure.summary import Summary, json_ready, short_repr
from measure.units import add_unit_columns

if TYPE_CHECKING:
    from measure.instrument import Instrument, ReportingUnit

__all__ = [
    "Calibration",
    "PersonStatus",
    "cronbach_alpha",
    "item_tables",
    "persons_table",
    "reference_from_calibration",
    "separation_reliability",
]

FloatArray = NDArray[np.float64]


def text_column(
    values: Sequence[str] | NDArray[np.object_], codes: NDArray[np.integer] | None = None
) -> Any:
    """A column of text for a DataFrame: ``values``, or ``values[codes]`` when codes are given.

    Built without a per-value conversion where pandas' default text type is Arrow-backed
    (pandas >= 3): the distinct texts are converted once and taken by code. Otherwise an object
    array.
    """
    try:
        import pyarrow as pa

        dtype = pd.StringDtype("pyarrow", na_value=np.nan)
        if pd.Series([""]).dtype == dtype:
            arrow = pa.array(values, pa.large_string())
            if codes is not None:
                arrow = arrow.take(pa.array(codes))
            return pd.array(arrow, dtype=dtype)
    except (ImportError, TypeError, ValueError):  # older pandas: no such dtype
        pass
    out = np.asarray(values, dtype=object)
    return out if codes is None else out[codes]


_REASONS = {
    PersonStatus.OK.value: "",
    PersonStatus.EXTREME_MIN.value: (
        "lowest possible score on the answered items: the WLE is finite but the MLE is not"
    ),
    PersonStatus.EXTREME_MAX.value: (
        "highest possible score on the answered items: the WLE is finite but the MLE is not"
    ),
    PersonStatus.TOO_FEW_ANSWERS.value: "answered fewer items than the minimum for a measure",
    PersonStatus.NO_ANSWERS.value: "no item answered",
}


#: the reason of a blank row of the file (every cell empty, no id)
BLANK_ROW_REASON = "blank row in the file: no answers"


def item_tables(
    item: ItemFit,
    items: Sequence[str],
    max_category: NDArray[np.int64],
    model: str,
    n_answers: NDArray[np.int64],
    fit_columns: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The items and thresholds tables of a calibration (also of :func:`calibrate_counts`).

    ``fit_columns`` (n_fit, infit_msq, ..., pt_measure_corr) go between ``se`` and
    ``max_category`` when the persons were measured.
    """
    n_items = len(items)
    j_col = np.repeat(np.arange(n_items), max_category)
    cat_col = np.concatenate([np.arange(1, int(m) + 1) for m in max_category]).astype(np.int64)
    se_t = np.sqrt(np.clip(np.diag(item.cov), 0, None))
    thr = pd.DataFrame(
        {
            "item": [items[int(j)] for j in j_col],
            "category": cat_col,
            "threshold": item.thresholds[j_col, cat_col - 1],
            "se": se_t,
            "anchored": item.anchored[j_col, cat_col - 1],
        }
    )
    if item.tau is not None and item.tau_se is not None:
        thr["tau"] = item.tau[cat_col - 1]
        thr["tau_se"] = item.tau_se[cat_col - 1]
    columns: dict[str, Any] = {"item": list(items), "n": np.asarray(n_answers, dtype=np.int64)}
    fit_columns = dict(fit_columns or {})
    if "n_fit" in fit_columns:
        columns["n_fit"] = fit_columns.pop("n_fit")
    columns.update(location=item.locations, se=item.location_se)
    columns.update(fit_columns)
    columns.update(max_category=max_category, anchored=item.anchored.any(axis=1))
    table = pd.DataFrame(columns)
    if "infit_msq" in columns:
        table = ITEMS.order(table)
    return table, THRESHOLDS.order(thr)


def persons_table(
    fit: Fit,
    responses: ResponseMatrix,
    person_estimator: str,
    keep: Sequence[tuple[str, Any]] = (),
) -> pd.DataFrame:
    """One row per input row, in input order: ids, status, counts, measures, fit, reason.

    The per-key measures are gathered straight into one float block (no per-person
    temporaries, no consolidation copy); the other columns are inserted around it. ``keep``:
    (name, values) of data columns carried after ``person``.
    """
    persons, tables = fit.persons, fit.fit
    if persons is None or tables is None:
        raise ValueError("persons_table needs a fit with persons measured")
    codes = persons.status_code
    reasons = np.array([_REASONS[name] for name in STATUS_NAMES], dtype=object)
    if person_estimator == "mle":
        reasons[EXTREME_MIN] = "lowest possible score: the maximum-likelihood measure is -infinity"
        reasons[EXTREME_MAX] = "highest possible score: the maximum-likelihood measure is +infinity"
    index = fit.counted.index
    if person_estimator == "wle":
        k_measure, k_se = persons.key_wle, persons.key_wle_se
    else:
        k_measure, k_se = persons.key_mle, persons.key_mle_se
    per_key = {
        "measure": k_measure,
        "se": k_se,
        "ci_lower": k_measure - Z95 * k_se,
        "ci_upper": k_measure + Z95 * k_se,
        "wle": persons.key_wle,
        "wle_se": persons.key_wle_se,
        "mle": persons.key_mle,
        "mle_se": persons.key_mle_se,
    }
    per_person = dict(
        zip(("infit_msq", "infit_zstd", "outfit_msq", "outfit_zstd"), tables.person, strict=True)
    )
    names = list(per_key) + list(per_person)
    block = np.empty((len(names), codes.shape[0]))
    for row, values_ in enumerate(per_key.values()):
        persons.per_person(values_, out=block[row])
    for row, values_ in enumerate(per_person.values(), start=len(per_key)):
        block[row] = values_
    per = pd.DataFrame(block.T, columns=names, copy=False)
    leading: list[tuple[str, Any]] = [("person", text_column(responses.persons))]
    leading += list(keep)
    leading += [
        ("row", responses.rows),
        ("status", text_column(STATUS_NAMES, codes)),
        ("n_answered", index.n_answered),
        ("raw_score", index.raw_score),
        ("max_score", index.max_score),
    ]
    for pos, (name, column) in enumerate(leading):
        per.insert(pos, name, column)
    blank = responses.blank_rows
    if blank is not None and blank.any():
        reason_codes = codes.astype(np.int64)
        reasons = np.append(reasons, BLANK_ROW_REASON)
        reason_codes[blank] = reasons.size - 1
        per["reason"] = text_column(reasons, reason_codes)
    else:
        per["reason"] = text_column(reasons, codes)
    return PERSONS.order(per, parts=(), variable=[name for name, _ in keep])


@dataclass(frozen=True, repr=False)
class Calibration:
    """Result of :func:`measure.calibrate`. Immutable; tables are keyed by the user's ids.

    Attributes
    ----------
    model : "rasch", "rsm" or "pcm".
    items : one row per item: item, n, location, se, infit_msq, infit_zstd, outfit_msq,
        outfit_zstd, pt_measure_corr, max_category, anchored.
    thresholds : one row per item and category 1..m: item, category, threshold, se, anchored;
        for rsm also tau and tau_se (the shared Andrich thresholds).
    persons : one row per input row in input order: person, any kept data columns, row,
        status, n_answered, raw_score, max_score, measure, se, ci_lower, ci_upper, wle, wle_se,
        mle, mle_se, infit_msq, infit_zstd, outfit_msq, outfit_zstd, reason.
    """

    model: str
    items: pd.DataFrame
    thresholds: pd.DataFrame
    persons: pd.DataFrame
    loglik: float
    iterations: int
    converged: bool
    gradient_norm: float
    threshold_matrix: FloatArray
    threshold_cov: FloatArray
    max_category: NDArray[np.int64]
    responses: ResponseMatrix
    values: NDArray[np.int16]
    person_estimator: str = "wle"
    category_map: dict[str, list[int]] = field(default_factory=dict)
    n_patterns: int = 1
    reliability: dict[str, float] = field(default_factory=dict)
    method: str = "cml"
    method_reason: str = ""
    min_answered: int = 1
    kept_columns: tuple[str, ...] = ()  #: data columns carried into ``persons``
    #: the reporting unit of ``persons`` and ``score_table()`` (``None``: logits only)
    reporting_unit: ReportingUnit | None = None
    unit_definition: str | None = None  #: how the unit was defined, in words

    @property
    def item_ids(self) -> tuple[str, ...]:
        return self.responses.items

    @property
    def method_detail(self) -> str:
        if self.method == "pairwise":
            return (
                "pairwise conditional maximum likelihood (consistent; sandwich standard errors; "
                "loglik is the composite pairwise log-likelihood)"
            )
        if self.method == "anchored":
            return "every threshold anchored (nothing estimated); conditional log-likelihood"
        return "conditional maximum likelihood (exact, elementary symmetric functions)"

    def __repr__(self) -> str:
        return short_repr(
            self,
            model=self.model,
            method=self.method,
            n_persons=len(self.persons),
            n_items=len(self.item_ids),
            loglik=round(float(self.loglik), 4),
        )

    # ------------------------------------------------------------------ building
    @classmethod
    def build(
        cls,
        fit: Fit,
        responses: ResponseMatrix,
        *,
        person_estimator: str = "wle",
        keep: Sequence[tuple[str, Any]] = (),
        min_answered: int = 1,
        reporting_unit: UnitSpec = None,
        item_columns: Mapping[str, Any] | None = None,
    ) -> Calibration:
        """The tables of one pipeline pass (``fit``, with persons) over ``responses``.

        ``reporting_unit`` (see :func:`reference_from_calibration`) adds ``measure_unit``,
        ``se_unit``, ``ci_lower_unit`` and ``ci_upper_unit`` to ``persons``. ``item_columns``:
        further declared item columns computed by the caller (the conditional item fit of
        :mod:`measure.diagnostics.conditional`, part ``conditional`` of ``schemas.ITEMS``).
        """
        if fit.fit is None or fit.pt_measure is None:
            raise ValueError("Calibration.build needs a fit with persons measured")
        i_infit, i_infit_z, i_outfit, i_outfit_z = fit.fit.item
        items, thresholds = item_tables(
            fit.item,
            list(fit.items),
            fit.max_category,
            fit.model,
            fit.counted.index.answer_counts.sum(axis=1),
            {
                "n_fit": fit.fit.item_n.astype(np.int64),
                "infit_msq": i_infit,
                "infit_zstd": i_infit_z,
                "outfit_msq": i_outfit,
                "outfit_zstd": i_outfit_z,
                "pt_measure_corr": fit.pt_measure,
                **dict(item_columns or {}),
            },
        )
        cal = cls(
            model=fit.model,
            items=items,
            thresholds=thresholds,
            persons=persons_table(fit, responses, person_estimator, keep),
            loglik=fit.item.loglik,
            iterations=fit.item.iterations,
            converged=fit.item.converged,
            gradient_norm=fit.item.gradient_norm,
            threshold_matrix=fit.item.thresholds,
            threshold_cov=fit.item.cov,
            max_category=fit.max_category,
            responses=responses,
            values=fit.values,
            person_estimator=person_estimator,
            category_map=fit.category_map,
            n_patterns=fit.n_patterns,
            reliability=dict(fit.reliability),
            method=fit.item.method,
            method_reason=fit.item.method_reason,
            min_answered=min_answered,
            kept_columns=tuple(name for name, _ in keep),
        )
        if reporting_unit is None:
            return cal
        # only "mean50_sd10" needs the sample's distribution (a pass over every person)
        sample = _sample_stats(cal) if reporting_unit == "mean50_sd10" else {}
        unit, definition = make_unit(reporting_unit, sample, cal.threshold_matrix, cal.max_category)
        if unit is None:
            return cal
        persons = cal.persons
        add_unit_columns(persons, unit)
        return dataclasses.replace(
            cal, persons=persons, reporting_unit=unit, unit_definition=definition
        )

    # ------------------------------------------------------------------ extractors
    def score_table(self, items: Sequence[str] | None = None) -> pd.DataFrame:
        """Raw score to measure for the complete item set (or a subset of items).

        Columns: raw_score, wle, wle_se, mle, mle_se (MLE is NaN at the extreme scores), and
        wle_unit, wle_se_unit, mle_unit, mle_se_unit when the calibration has a reporting unit.
        """
        return score_table(
            self.threshold_matrix, self.max_category, self.item_ids, items, self.reporting_unit
        )

    def to_reference(self, **kwargs: Any) -> ReferenceScale:
        """Freeze this calibration as a reference scale (anchors for later scoring).

        Keyword arguments go to :func:`reference_from_calibration` (``instrument_id``,
        ``instrument_version``, ``reporting_unit``, ``instrument``, ``created``).
        """
        return reference_from_calibration(self, **kwargs)

    def status_counts(self) -> dict[str, int]:
        counts = self.persons["status"].value_counts()
        return {s.value: int(counts.get(s.value, 0)) for s in PersonStatus}

    def summary(self) -> Summary:
        """Key figures (``to_dict()`` is what the CLI writes as summary.json)."""
        return Summary("calibration", self._figures())

    def _figures(self) -> dict[str, Any]:
        misfit = misfitting(self.items)
        return {
            "model": self.model,
            "method": {"cml": "CML", "pairwise": "pairwise CML"}.get(self.method, self.method),
            "method_detail": self.method_detail,
            "method_reason": self.method_reason,
            "person_estimator": self.person_estimator,
            "n_persons": int(len(self.persons)),
            "n_items": len(self.item_ids),
            "n_missing_patterns": int(self.n_patterns),
            "loglik": float(self.loglik),
            "iterations": int(self.iterations),
            "converged": bool(self.converged),
            "gradient_norm": float(self.gradient_norm),
            "status_counts": self.status_counts(),
            "reliability": dict(self.reliability),
            "misfitting_items": misfit,
            "misfit_rule": MISFIT_RULE,
            "collapsed_categories": self.category_map,
            "reporting_unit": None
            if self.reporting_unit is None
            else {
                "name": self.reporting_unit.name,
                "intercept": self.reporting_unit.intercept,
                "slope": self.reporting_unit.slope,
                "definition": self.unit_definition,
            },
            "invalid_cells_set_missing": len(self.responses.invalid),
            "coding": self.responses.coding.to_dict(every_key=True),
        }


# ----------------------------------------------------------------------------- reference


def reference_from_calibration(
    cal: Calibration,
    *,
    instrument_id: str | None = None,
    instrument_version: str | None = None,
    reporting_unit: UnitSpec = None,
    instrument: Instrument | None = None,
    created: str | None = None,
) -> ReferenceScale:
    """Freeze a calibration as a reference scale.

    Parameters
    ----------
    cal : a converged :class:`~measure.Calibration`.
    instrument_id, instrument_version : recorded in the reference (default: from ``instrument``).
    reporting_unit : a :class:`~measure.instrument.ReportingUnit` (``unit = intercept + slope *
        logit``), ``"mean50_sd10"`` (mean 50 and SD 10 of the calibration sample's WLE
        measures, persons with extreme scores included) or ``"0-100"`` (0 and 100 at the WLE of
        the lowest and highest possible raw score on all items). Default: the instrument's unit,
        else none.
    instrument : an :class:`~measure.instrument.Instrument` giving id, version and unit.
    created : creation time to record (ISO 8601); default now (UTC).

    Returns
    -------
    ReferenceScale

    Examples
    --------
    >>> import measure
    >>> sim = measure.simulate_responses(n_persons=300, thresholds=[[-1.0], [0.0], [1.0]], rng=1)
    >>> ref = measure.reference_from_calibration(measure.calibrate(sim.responses, model="rasch"),
    ...     reporting_unit="mean50_sd10")
    >>> round(float(ref.to_unit(ref.sample["mean"])), 6)
    50.0
    """
    if not cal.converged:
        raise ReferenceScaleError("the calibration did not converge; it cannot be a reference")
    own_unit = reporting_unit is None and cal.reporting_unit is not None
    if own_unit:
        reporting_unit = cal.reporting_unit
    calibration = {
        "method": "CML",
        "method_detail": cal.method,
        "loglik": float(cal.loglik),
        "iterations": int(cal.iterations),
        "converged": bool(cal.converged),
        "person_estimator": cal.person_estimator,
        "n_missing_patterns": int(cal.n_patterns),
        "anchored_items": [str(i) for i in cal.items.loc[cal.items["anchored"], "item"]],
    }
    ref = reference_from_estimates(
        model=cal.model,
        items=cal.items[["item", "max_category", "location", "se"]],
        thresholds=cal.thresholds[["item", "category", "threshold", "se"]],
        threshold_matrix=np.asarray(cal.threshold_matrix, dtype=float),
        max_category=cal.max_category,
        sample=_sample_stats(cal),
        calibration=calibration,
        category_map=cal.category_map,
        coding=cal.responses.coding,
        instrument_id=instrument_id,
        instrument_version=instrument_version,
        reporting_unit=reporting_unit,
        instrument=instrument,
        created=created,
    )
    if own_unit and cal.unit_definition:
        ref = dataclasses.replace(ref, unit_definition=cal.unit_definition)
    return ref


_MEASURED = (PersonStatus.OK.value, PersonStatus.EXTREME_MIN.value, PersonStatus.EXTREME_MAX.value)


def _sample_stats(cal: Calibration) -> dict[str, Any]:
    per = cal.persons
    status = per["status"].to_numpy(dtype=object)
    wle = per["wle"].to_numpy(dtype=float)
    wse = per["wle_se"].to_numpy(dtype=float)
    ok = np.isin(status, _MEASURED) & np.isfinite(wle) & np.isfinite(wse)
    m, s = wle[ok], wse[ok]
    out: dict[str, Any] = {
        "n_persons": int(len(per)),
        "status_counts": cal.status_counts(),
        "measure": "wle",
        "n_measured": int(ok.sum()),
    }
    if m.size:
        var = float(np.var(m, ddof=1)) if m.size > 1 else float("nan")
        out.update(
            mean=float(np.mean(m)),
            sd=math.sqrt(var) if m.size > 1 else float("nan"),
            sd_true=math.sqrt(max(var - float(np.mean(s**2)), 0.0)) if m.size > 1 else float("nan"),
            mean_se=float(np.mean(s)),
            min=float(np.min(m)),
            max=float(np.max(m)),
            percentiles={f"p{q:02d}": float(np.percentile(m, q)) for q in (5, 25, 50, 75, 95)},
        )
    out["reliability"] = dict(cal.reliability)
    cleaned: dict[str, Any] = json_ready(out)
    return cleaned
