"""calibrate(): from answers to item thresholds, person measures, fit and reliability."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure._estimation.cml import SolverOptions
from measure._estimation.design import Anchors, parse_anchors
from measure._estimation.items import AUTO_PAIRWISE_PATTERNS, Method
from measure._types import MODELS, ModelName, NullPolicy, PersonEstimator
from measure.diagnostics.conditional import (
    conditional_fit_columns,
    conditional_fit_from_counts,
)
from measure.models import check_model
from measure.pipeline import Fit
from measure.pipeline import fit as pipeline_fit
from measure.reference import UnitSpec
from measure.responses import InvalidPolicy, Recodes, ResponseMatrix, as_responses
from measure.results import Calibration
from measure.schemas import RESERVED_PERSON_COLUMNS

if TYPE_CHECKING:
    from measure.instrument import Instrument

__all__ = [
    "AUTO_PAIRWISE_PATTERNS",
    "Anchors",
    "SolverOptions",
    "calibrate",
    "default_min_answered",
    "default_model",
    "kept_columns",
]


def default_model(
    model: ModelName | None, instrument: Instrument | None, max_category: NDArray[np.int64]
) -> ModelName:
    """``model``, else the instrument's model, else rasch for 0/1 items and pcm otherwise."""
    if model is not None:
        return model
    if instrument is not None:
        return instrument.default_model
    return "rasch" if bool(np.all(max_category == 1)) else "pcm"


def default_min_answered(min_answered: int | None, instrument: Instrument | None) -> int:
    """``min_answered``, else the instrument's minimum of answered items, else 1."""
    if min_answered is not None:
        return min_answered
    return instrument.min_answered if instrument is not None else 1


def kept_columns(
    data: object, keep: Sequence[str] | Mapping[str, Any], reserved: Iterable[str]
) -> list[tuple[str, Any]]:
    """Data columns carried unchanged into ``persons`` (checked: present, not a persons name).

    ``keep`` names columns of ``data`` (a DataFrame), or maps names to values (one per row).
    """
    if isinstance(keep, Mapping):
        pairs = [(str(c), v) for c, v in keep.items()]
    else:
        names = list(keep)
        if names and not isinstance(data, pd.DataFrame):
            raise ValueError("keep= with column names needs a DataFrame (or give name -> values)")
        missing = [c for c in names if isinstance(data, pd.DataFrame) and c not in data.columns]
        if missing:
            raise ValueError(f"keep column(s) not found: {', '.join(missing)}")
        # .array keeps the type read (e.g. nullable integers print back as in the file)
        pairs = [(c, data[c].array) for c in names] if names else []  # type: ignore[index]
    taken = set(reserved)
    clash = [c for c, _ in pairs if c in taken]
    if clash:
        raise ValueError(
            f"keep column(s) {', '.join(map(repr, clash))} have the name of a persons "
            "column; rename them in the data"
        )
    n = (
        data.n_persons
        if isinstance(data, ResponseMatrix)
        else len(data)
        if isinstance(data, (pd.DataFrame, np.ndarray))
        else None
    )
    short = [c for c, v in pairs if n is not None and len(v) != n]
    if short:
        raise ValueError(f"keep column(s) {', '.join(map(repr, short))} need one value per row")
    return pairs


def _conditional_columns(fit: Fit) -> dict[str, NDArray[np.float64]]:
    """The conditional item fit columns, from the pipeline's per-key answer counts when it has
    them (no second pass over the data), else from the data."""
    tables, persons = fit.fit, fit.persons
    if tables is not None and tables.key_cells is not None and persons is not None:
        return conditional_fit_from_counts(
            tables.key_cells,
            persons.key_pattern,
            persons.key_score,
            fit.counted.index.pattern_masks,
            fit.item.thresholds,
            fit.max_category,
        )
    return conditional_fit_columns(fit.values, fit.item.thresholds, fit.max_category)


def calibrate(
    data: pd.DataFrame | NDArray[Any] | ResponseMatrix,
    *,
    model: ModelName | None = None,
    items: Sequence[str] | None = None,
    id_column: str | None = None,
    instrument: Instrument | None = None,
    columns: Mapping[str, str] | None = None,
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
    reverse: Iterable[str] = (),
    decimal: str = ".",
    exclude: Iterable[str] = (),
    anchors: Anchors | None = None,
    person_estimator: PersonEstimator = "wle",
    method: Method = "auto",
    null_categories: NullPolicy = "error",
    missing_codes: Iterable[object] = (),
    min_category: int = 0,
    max_category: int | Mapping[str, int] | None = None,
    min_answered: int | None = None,
    invalid: InvalidPolicy = "error",
    solver: SolverOptions | None = None,
    source: str = "data",
    row_numbers: Sequence[int] | NDArray[np.int64] | None = None,
    keep: Sequence[str] | Mapping[str, Any] = (),
    reporting_unit: UnitSpec = None,
    recode: Recodes | None = None,
    labels: Mapping[str, int] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Calibration:
    """Calibrate items by conditional maximum likelihood and measure persons.

    Model (one parameterisation for all three models)::

        P(X_vi = x | theta_v) ∝ exp( sum_{k=1..x} (theta_v - delta_ik) ),  x = 0..m_i

    ``rasch``: dichotomous items; ``pcm``: Masters' partial credit, free thresholds;
    ``rsm``: Andrich's rating scale, ``delta_ik = delta_i + tau_k`` with ``sum_k tau_k = 0``.
    The item location is the mean of its thresholds. Identification: the mean item location is 0,
    unless anchors are given, in which case the free parameters are estimated on the anchors'
    scale.

    Item parameters are estimated by exact conditional ML (elementary symmetric functions per
    missing-data pattern; Newton's method with the analytic information matrix); item SEs come
    from the inverse information. Persons get Warm's WLE (default; finite at extreme scores) or
    the MLE, with SE = 1/sqrt(test information). Item and person infit/outfit use the persons'
    MLE (as eRm), excluding persons with extreme scores.

    Parameters
    ----------
    data : persons x items table (DataFrame or array), or a :class:`ResponseMatrix`.
    model : "rasch", "rsm" or "pcm". Default: the instrument's model, else ``rasch`` when
        every item is 0/1 and ``pcm`` otherwise (as ``measure calibrate``).
    items, id_column, instrument, columns, value_labels, reverse, decimal, exclude,
    missing_codes, min_category, max_category, invalid, source, row_numbers, recode, labels :
        passed to :func:`measure.responses.as_responses` (ignored when ``data`` is already a
        :class:`ResponseMatrix`).
    anchors : fixed thresholds (a thresholds table with columns item, category, threshold; an
        items table with item, location for dichotomous items; or a mapping item -> value(s)).
    person_estimator : "wle" (default) or "mle" for the ``measure`` column.
    method : "cml" (exact conditional ML), "pairwise" (pairwise conditional ML, consistent,
        sandwich SEs; for designs where nearly every person has a missing-data pattern of their
        own) or "auto" (default): exact CML unless there are more than
        ``AUTO_PAIRWISE_PATTERNS`` (1000) distinct missing-data patterns. The summary says which
        method was used and why.
    null_categories : "error" (default) raises :class:`NullCategoryError` naming the item and
        category when a category has no informative answers; "collapse" merges it with the
        category below (category 0 with the one above) and warns.
    min_answered : fewer answered items than this gives status ``too_few_answers``. Default:
        the instrument's minimum, else 1.
    reporting_unit : a :class:`~measure.instrument.ReportingUnit`, ``"mean50_sd10"`` or
        ``"0-100"`` (see :func:`measure.reference_from_calibration`): ``persons`` gets
        measure_unit, se_unit, ci_lower_unit, ci_upper_unit and ``score_table()`` the unit
        columns; a reference made from the calibration keeps the unit. Default: the instrument's
        unit, else none.
    keep : data columns carried unchanged into ``persons`` (after ``person``): names of columns
        of ``data``, or a mapping name -> values (one per row; for a :class:`ResponseMatrix`).
    solver : :class:`SolverOptions`.
    progress : called with the name of each long step as it starts ("checking answers",
        "estimating items", "measuring persons", "fit statistics", "tables"); default silent.

    Returns
    -------
    Calibration

    Examples
    --------
    >>> import measure
    >>> sim = measure.simulate_responses(n_persons=300, thresholds=[[-1.0], [0.0], [1.0]], rng=1)
    >>> cal = measure.calibrate(sim.responses, model="rasch")
    >>> cal.items["item"].tolist()
    ['item1', 'item2', 'item3']

    The same estimates come from eRm: ``RM(X)`` (difficulties = ``-betapar``, centred).
    """
    if model is not None and model not in MODELS:
        raise ValueError(f"model={model!r} is not one of {', '.join(map(repr, MODELS))}")
    if person_estimator not in ("wle", "mle"):
        raise ValueError(f"person_estimator={person_estimator!r} is not one of 'wle', 'mle'")
    if method not in ("auto", "cml", "pairwise"):
        raise ValueError(f"method={method!r} is not one of 'auto', 'cml', 'pairwise'")
    if null_categories not in ("error", "collapse"):
        raise ValueError(f"null_categories={null_categories!r} is not one of 'error', 'collapse'")
    kept = kept_columns(data, keep, RESERVED_PERSON_COLUMNS)
    if progress is not None and not isinstance(data, ResponseMatrix):
        progress("checking answers")
    rm = as_responses(
        data,
        items=items,
        id_column=id_column,
        instrument=instrument,
        columns=columns,
        value_labels=value_labels,
        reverse=reverse,
        decimal=decimal,
        exclude=[*exclude, *(name for name, _ in kept)],  # kept columns are not items
        missing_codes=missing_codes,
        max_category=max_category,
        min_category=min_category,
        invalid=invalid,
        source=source,
        row_numbers=row_numbers,
        recode=recode,
        labels=labels,
    )
    chosen = default_model(model, instrument, rm.max_category)
    needed = default_min_answered(min_answered, instrument)
    item_ids = list(rm.items)
    max_cat = rm.max_category.copy()
    check_model(chosen, item_ids, max_cat, rm.source)
    anchor_values = parse_anchors(anchors, item_ids, max_cat, chosen) if anchors is not None else {}
    fit = pipeline_fit(
        rm.values,
        max_cat,
        item_ids,
        chosen,
        anchors=anchor_values,
        method=method,
        solver=solver,
        min_answered=needed,
        null_categories=null_categories,
        source=rm.source,
        min_category=rm.min_category,
        reversed_items=frozenset(rm.reversed_items),
        progress=progress,
    )
    if progress is not None:
        progress("tables")
    if reporting_unit is None and instrument is not None:
        reporting_unit = instrument.reporting_unit
    return Calibration.build(
        fit,
        rm,
        person_estimator=person_estimator,
        keep=kept,
        min_answered=needed,
        reporting_unit=reporting_unit,
        item_columns=_conditional_columns(fit),
    )
