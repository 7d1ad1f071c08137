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


#: status names in code order (``PersonResults.status_code``)
STATUS_NAMES = np.array(
    [
        PersonStatus.OK.value,
        PersonStatus.EXTREME_MIN.value,
        PersonStatus.EXTREME_MAX.value,
        PersonStatus.TOO_FEW_ANSWERS.value,
        PersonStatus.NO_ANSWERS.value,
    ],
    dtype=object,
)
OK, EXTREME_MIN, EXTREME_MAX, TOO_FEW, NO_ANSWERS = range(5)


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
    #: (K,) status code of every key (an index into ``STATUS_NAMES``; never NO_ANSWERS)
    key_status: NDArray[np.int8] | None = None
    #: (K,) the key's WLE (NaN for too few answers), as ``wle`` per person
    key_wle: FloatArray | None = None
    #: (K,) the key's pattern (an index into ``PersonIndex.pattern_items``)
    key_pattern: IntArray | None = None

    def __getitem__(self, name: str) -> FloatArray:
        value: FloatArray = getattr(self, name)
        return value

    @property
    def status_code(self) -> NDArray[np.int8]:
        """(N,) status code of every person (an index into ``STATUS_NAMES``)."""
        if self.key_status is None:  # pragma: no cover - measure_persons always sets it
            lookup = {name: code for code, name in enumerate(STATUS_NAMES)}
            return np.array([lookup[s] for s in self.status], dtype=np.int8)
        return np.append(self.key_status, np.int8(NO_ANSWERS))[self.key]


def measure_persons(
    values: NDArray[np.int16],
    index: cml.PersonIndex,
    thresholds: FloatArray,
    max_cat: IntArray,
    min_answered: int,
) -> PersonResults:
    """WLE and MLE of every row, solved once per (pattern, raw score) key and looked up.

    The status (ok, extreme, too few answers, no answers) is a function of the key too: the
    pattern fixes the number of answered items and the top score.
    """
    pattern = index.pattern
    raw = index.raw_score
    has = pattern >= 0
    rtot = int(max_cat.sum())
    code = pattern[has] * (rtot + 1) + raw[has]
    keys, inverse = cml.dense_unique(code, len(index.pattern_items) * (rtot + 1))
    key = np.full(pattern.shape[0], -1, dtype=np.int64)
    key[has] = inverse
    kpat = keys // (rtot + 1)
    kscore = keys % (rtot + 1)
    mask = index.pattern_masks[kpat]
    sc = kscore.astype(float)
    wle, wle_se, _ = solve_persons(sc, thresholds, mask, kind="wle")
    mle, mle_se, _ = solve_persons(sc, thresholds, mask, kind="mle", start=wle)
    k_answered = mask.sum(axis=1)
    k_top = mask.astype(np.int64) @ np.asarray(max_cat, dtype=np.int64)
    k_status = np.full(keys.size, OK, dtype=np.int8)
    k_status[kscore == 0] = EXTREME_MIN
    k_status[kscore == k_top] = EXTREME_MAX
    k_status[k_answered < min_answered] = TOO_FEW
    too_few = k_status == TOO_FEW
    per_key = [wle.copy(), wle_se.copy(), mle.copy(), mle_se.copy()]
    for arr in per_key:
        arr[too_few] = np.nan
    # key -1 (no answers) looks up the appended last entry
    status = np.append(STATUS_NAMES[k_status], STATUS_NAMES[NO_ANSWERS])[key]
    p_wle, p_wle_se, p_mle, p_mle_se = (np.append(arr, np.nan)[key] for arr in per_key)
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
        key_status=k_status,
        key_wle=per_key[0],
        key_pattern=kpat,
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
