"""Person measures for every row: WLE and MLE solved once per (missing-data pattern, raw score)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from measure._estimation import cml
from measure._estimation.person import solve as solve_persons
from measure.status import PersonStatus

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class PersonResults:
    status: NDArray[np.object_]
    wle: FloatArray
    wle_se: FloatArray
    mle: FloatArray
    mle_se: FloatArray
    key: IntArray  #: index into the (pattern, score) keys, -1 for no answers
    key_mask: NDArray[np.bool_]  #: (K, I)
    key_theta_mle: FloatArray
    key_score: IntArray

    def __getitem__(self, name: str) -> FloatArray:
        value: FloatArray = getattr(self, name)
        return value


def measure_persons(
    values: NDArray[np.int16],
    index: cml.PersonIndex,
    thresholds: FloatArray,
    max_cat: IntArray,
    min_answered: int,
) -> PersonResults:
    n = values.shape[0]
    pattern = index.pattern
    raw = index.raw_score
    has = pattern >= 0
    rtot = int(max_cat.sum())
    code = np.where(has, pattern * (rtot + 1) + raw, -1)
    keys, inverse = np.unique(code[has], return_inverse=True)
    key = np.full(n, -1, dtype=np.int64)
    key[has] = inverse
    kpat = keys // (rtot + 1)
    kscore = keys % (rtot + 1)
    mask = index.pattern_masks[kpat]
    sc = kscore.astype(float)
    wle, wle_se, _ = solve_persons(sc, thresholds, mask, kind="wle")
    mle, mle_se, _ = solve_persons(sc, thresholds, mask, kind="mle", start=wle)
    status = np.full(n, PersonStatus.OK.value, dtype=object)
    status[raw == 0] = PersonStatus.EXTREME_MIN.value
    status[(raw == index.max_score) & has] = PersonStatus.EXTREME_MAX.value
    status[(index.n_answered < min_answered) & has] = PersonStatus.TOO_FEW_ANSWERS.value
    status[~has] = PersonStatus.NO_ANSWERS.value
    take = np.where(has, key, 0)

    def per_person(arr: FloatArray) -> FloatArray:
        out = np.where(has, arr[take], np.nan) if keys.size else np.full(n, np.nan)
        return out

    p_wle, p_wle_se = per_person(wle), per_person(wle_se)
    p_mle, p_mle_se = per_person(mle), per_person(mle_se)
    too_few = status == PersonStatus.TOO_FEW_ANSWERS.value
    for arr in (p_wle, p_wle_se, p_mle, p_mle_se):
        arr[too_few] = np.nan
    return PersonResults(
        status=status,
        wle=p_wle,
        wle_se=p_wle_se,
        mle=p_mle,
        mle_se=p_mle_se,
        key=key,
        key_mask=mask,
        key_theta_mle=mle,
        key_score=kscore,
    )


def raw_score_table(
    thresholds: FloatArray, max_cat: IntArray, chosen: NDArray[np.bool_]
) -> dict[str, NDArray[np.float64] | IntArray]:
    """Raw score -> WLE, its SE, MLE, its SE for the items flagged in ``chosen``.

    Returns the columns ``raw_score, wle, wle_se, mle, mle_se`` (MLE NaN at the extremes).
    """
    rmax = int(max_cat[chosen].sum())
    scores = np.arange(rmax + 1, dtype=float)
    mask = np.broadcast_to(chosen, (scores.size, chosen.size))
    wle, wle_se, _ = solve_persons(scores, thresholds, mask, kind="wle")
    mle, mle_se, _ = solve_persons(scores, thresholds, mask, kind="mle", start=wle)
    return {
        "raw_score": scores.astype(np.int64),
        "wle": wle,
        "wle_se": wle_se,
        "mle": mle,
        "mle_se": mle_se,
    }
