"""The frozen result of a calibration: tidy tables keyed by the user's own ids."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure._estimation.persons import (
    EXTREME_MAX,
    EXTREME_MIN,
    OK,
    STATUS_NAMES,
    raw_score_table,
)
from measure.responses import ResponseMatrix
from measure.status import PersonStatus

if TYPE_CHECKING:
    from measure._estimation.persons import PersonResults
    from measure.fit import FitTables
    from measure.reference import ReferenceScale

__all__ = ["Calibration", "PersonStatus", "separation_reliability", "cronbach_alpha"]

FloatArray = NDArray[np.float64]
Z95 = 1.959963984540054


def separation_reliability(measures: FloatArray, se: FloatArray) -> dict[str, float]:
    """Separation reliability, separation index G and strata H.

    ``R = (var(m) - mean(se^2)) / var(m)`` (variance with n - 1, as eRm ``SepRel``);
    ``G = sqrt(R / (1 - R))`` (0 when R <= 0); ``H = (4G + 1) / 3`` (Wright 2002,
    rasch.org/rmt/rmt163f.htm).
    """
    ok = np.isfinite(measures) & np.isfinite(se)
    m, s = measures[ok], se[ok]
    if m.size < 2:
        return {"reliability": float("nan"), "separation": float("nan"), "strata": float("nan")}
    var = float(np.var(m, ddof=1))
    mse = float(np.mean(s**2))
    rel = (var - mse) / var if var > 0 else float("nan")
    g = float(np.sqrt(rel / (1 - rel))) if 0 < rel < 1 else 0.0
    return {"reliability": rel, "separation": g, "strata": (4 * g + 1) / 3}


def cronbach_alpha(values: NDArray[np.integer]) -> float:
    """Cronbach's alpha over persons who answered every item.

    ``alpha = k / (k - 1) * (1 - sum_i var(x_i) / var(sum_i x_i))`` (variances with n - 1).
    Computed item by item, without a float copy of the whole matrix.

    Examples
    --------
    >>> import numpy as np
    >>> round(cronbach_alpha(np.array([[0, 0], [1, 1], [1, 0], [2, 2]])), 3)
    0.914
    """
    k = values.shape[1]
    complete = np.flatnonzero((values >= 0).all(axis=1))
    if complete.size < 2 or k < 2:
        return float("nan")
    total = np.zeros(complete.size)
    item_var = 0.0
    for j in range(k):
        col = values[complete, j].astype(np.float64)
        item_var += float(col.var(ddof=1))
        total += col
    total_var = float(total.var(ddof=1))
    if total_var <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - item_var / total_var))


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


@dataclass(frozen=True)
class Calibration:
    """Result of :func:`measure.calibrate`. Immutable; tables are keyed by the user's ids.

    Attributes
    ----------
    model : "rasch", "rsm" or "pcm".
    items : one row per item: item, n, location, se, infit_msq, infit_zstd, outfit_msq,
        outfit_zstd, pt_measure_corr, max_category, anchored.
    thresholds : one row per item and category 1..m: item, category, threshold, se, anchored;
        for rsm also tau and tau_se (the shared Andrich thresholds).
    persons : one row per input row in input order: person, row, status, n_answered,
        raw_score, max_score, measure, se, ci_lower, ci_upper, wle, wle_se, mle, mle_se,
        infit_msq, infit_zstd, outfit_msq, outfit_zstd, reason.
    """

    model: str
    items: pd.DataFrame
    thresholds: pd.DataFrame
    persons: pd.DataFrame
    loglik: float
    iterations: int
    converged: bool
    gradient_norm: float
    threshold_matrix: FloatArray = field(repr=False)
    threshold_cov: FloatArray = field(repr=False)
    max_category: NDArray[np.int64] = field(repr=False)
    responses: ResponseMatrix = field(repr=False)
    values: NDArray[np.int16] = field(repr=False)
    person_estimator: str = "wle"
    category_map: dict[str, list[int]] = field(default_factory=dict)
    n_patterns: int = 1
    reliability: dict[str, float] = field(default_factory=dict)
    method: str = "cml"
    method_reason: str = ""

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
        return "conditional maximum likelihood (exact, elementary symmetric functions)"

    # ------------------------------------------------------------------ building
    @classmethod
    def build(
        cls,
        *,
        model: str,
        responses: ResponseMatrix,
        values: NDArray[np.int16],
        max_category: NDArray[np.int64],
        thresholds: FloatArray,
        threshold_cov: FloatArray,
        anchored: NDArray[np.bool_],
        loglik: float,
        iterations: int,
        converged: bool,
        gradient_norm: float,
        persons: PersonResults,
        fit: FitTables,
        person_estimator: str,
        category_map: dict[str, list[int]],
        n_patterns: int,
        pt_measure: FloatArray,
        method: str = "cml",
        method_reason: str = "",
        alpha: float | None = None,
        person_counts: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]] | None = None,
    ) -> Calibration:
        items = list(responses.items)
        n_items = len(items)
        offs = np.concatenate([[0], np.cumsum(max_category)[:-1]]).astype(int)
        se_t = np.sqrt(np.clip(np.diag(threshold_cov), 0, None))
        # thresholds table
        rows_item, rows_cat, rows_val, rows_se, rows_anch = [], [], [], [], []
        for j, it in enumerate(items):
            for k in range(1, int(max_category[j]) + 1):
                rows_item.append(it)
                rows_cat.append(k)
                rows_val.append(thresholds[j, k - 1])
                rows_se.append(se_t[offs[j] + k - 1])
                rows_anch.append(bool(anchored[j, k - 1]))
        thr = pd.DataFrame(
            {
                "item": rows_item,
                "category": rows_cat,
                "threshold": rows_val,
                "se": rows_se,
                "anchored": rows_anch,
            }
        )
        # locations and their SEs
        a = np.zeros((n_items, threshold_cov.shape[0]))
        for j in range(n_items):
            a[j, offs[j] : offs[j] + max_category[j]] = 1.0 / max_category[j]
        loc = np.nanmean(thresholds, axis=1)
        loc_cov = a @ threshold_cov @ a.T
        loc_se = np.sqrt(np.clip(np.diag(loc_cov), 0, None))
        if model == "rsm":
            m = int(max_category[0])
            tau = thresholds - loc[:, None]
            # tau_k = delta_1k - location_1: linear in delta
            b = np.zeros((m, threshold_cov.shape[0]))
            for k in range(m):
                b[k, k] = 1.0
                b[k, :m] -= 1.0 / m
            tau_se = np.sqrt(np.clip(np.diag(b @ threshold_cov @ b.T), 0, None))
            thr["tau"] = [tau[0, k - 1] for k in rows_cat]
            thr["tau_se"] = [tau_se[k - 1] for k in rows_cat]
        i_infit, i_infit_z, i_outfit, i_outfit_z = fit.item
        answers = (values >= 0).sum(axis=0)
        item_tab = pd.DataFrame(
            {
                "item": items,
                "n": answers,
                "n_fit": fit.item_n.astype(int),
                "location": loc,
                "se": loc_se,
                "infit_msq": i_infit,
                "infit_zstd": i_infit_z,
                "outfit_msq": i_outfit,
                "outfit_zstd": i_outfit_z,
                "pt_measure_corr": pt_measure,
                "max_category": max_category,
                "anchored": anchored.any(axis=1),
            }
        )
        # persons table: the per-key measures gathered straight into one float block (no
        # per-person temporaries, no consolidation copy), the other columns inserted around it
        codes = persons.status_code
        reasons = np.array([_REASONS[name] for name in STATUS_NAMES], dtype=object)
        if person_estimator == "mle":
            reasons[EXTREME_MIN] = (
                "lowest possible score: the maximum-likelihood measure is -infinity"
            )
            reasons[EXTREME_MAX] = (
                "highest possible score: the maximum-likelihood measure is +infinity"
            )
        if person_counts is not None:
            answered, raw, maxs = person_counts
        else:
            answered = (values >= 0).sum(axis=1)
            raw = np.where(values >= 0, values, 0).sum(axis=1)
            maxs = (values >= 0).astype(np.int64) @ max_category
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
            zip(("infit_msq", "infit_zstd", "outfit_msq", "outfit_zstd"), fit.person, strict=True)
        )
        names = list(per_key) + list(per_person)
        block = np.empty((len(names), codes.shape[0]))
        for row, values_ in enumerate(per_key.values()):
            persons.per_person(values_, out=block[row])
        for row, values_ in enumerate(per_person.values(), start=len(per_key)):
            block[row] = values_
        per = pd.DataFrame(block.T, columns=names, copy=False)
        for pos, (name, column) in enumerate(
            [
                ("person", text_column(responses.persons)),
                ("row", responses.rows),
                ("status", text_column(STATUS_NAMES, codes)),
                ("n_answered", answered),
                ("raw_score", raw),
                ("max_score", maxs),
            ]
        ):
            per.insert(pos, name, column)
        per["reason"] = text_column(reasons, codes)
        ok = codes == OK
        at = {name: row for row, name in enumerate(names)}
        rel = separation_reliability(block[at["wle"]][ok], block[at["wle_se"]][ok])
        rel_mle = separation_reliability(block[at["mle"]][ok], block[at["mle_se"]][ok])
        item_rel = separation_reliability(loc, loc_se)
        reliability = {
            "person_reliability": rel["reliability"],
            "person_separation": rel["separation"],
            "person_strata": rel["strata"],
            "person_reliability_mle": rel_mle["reliability"],
            "item_reliability": item_rel["reliability"],
            "item_separation": item_rel["separation"],
            "cronbach_alpha": cronbach_alpha(values) if alpha is None else alpha,
        }
        return cls(
            model=model,
            items=item_tab,
            thresholds=thr,
            persons=per,
            loglik=loglik,
            iterations=iterations,
            converged=converged,
            gradient_norm=gradient_norm,
            threshold_matrix=thresholds,
            threshold_cov=threshold_cov,
            max_category=max_category,
            responses=responses,
            values=values,
            person_estimator=person_estimator,
            category_map=category_map,
            n_patterns=n_patterns,
            reliability=reliability,
            method=method,
            method_reason=method_reason,
        )

    # ------------------------------------------------------------------ extractors
    def score_table(self, items: Sequence[str] | None = None) -> pd.DataFrame:
        """Raw score to measure for the complete item set (or a subset of items).

        Columns: raw_score, wle, wle_se, mle, mle_se (MLE is NaN at the extreme scores).
        """
        ids = list(self.item_ids)
        chosen = ids if items is None else [str(i) for i in items]
        unknown = [i for i in chosen if i not in ids]
        if unknown:
            raise ValueError(f"unknown items {unknown} (items: {', '.join(ids)})")
        table = raw_score_table(
            self.threshold_matrix, self.max_category, np.isin(ids, chosen).astype(bool)
        )
        return pd.DataFrame(table)

    def to_reference(self, **kwargs: Any) -> ReferenceScale:
        """Freeze this calibration as a reference scale (anchors for later scoring).

        Keyword arguments go to :func:`measure.reference.reference_from_calibration`
        (``instrument_id``, ``instrument_version``, ``reporting_unit``, ``instrument``).
        """
        from measure.reference import reference_from_calibration

        return reference_from_calibration(self, **kwargs)

    def status_counts(self) -> dict[str, int]:
        counts = self.persons["status"].value_counts()
        return {s.value: int(counts.get(s.value, 0)) for s in PersonStatus}

    def summary(self) -> dict[str, Any]:
        """Key figures as a JSON-serialisable dict (written as summary.json by the CLI)."""
        from measure.fit import MISFIT_RULE, misfitting

        misfit = misfitting(self.items)

        def clean(v: float) -> float | None:
            return None if not np.isfinite(v) else float(v)

        return {
            "model": self.model,
            "method": "CML" if self.method == "cml" else "pairwise CML",
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
            "reliability": {k: clean(v) for k, v in self.reliability.items()},
            "misfitting_items": misfit,
            "misfit_rule": MISFIT_RULE,
            "collapsed_categories": self.category_map,
            "invalid_cells_set_missing": len(self.responses.invalid),
        }
