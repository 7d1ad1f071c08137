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
    """Person measures, held per (pattern, raw score) key and looked up per person on access.

    Every person with the same key has the same measure, SE and status, so the per-person
    columns are gathers from the per-key arrays (``key`` is -1 for a person with no answers,
    who looks up NaN and ``no_answers``).
    """

    key: IntArray  #: index into the (pattern, score) keys, -1 for no answers
    key_mask: NDArray[np.bool_]  #: (K, I)
    key_theta_mle: FloatArray  #: (K,) the MLE at each key (used by the fit; NaN at extremes)
    key_score: IntArray
    #: (K,) status code of every key (an index into ``STATUS_NAMES``; never NO_ANSWERS)
    key_status: NDArray[np.int8]
    #: (K,) the reported WLE, its SE, MLE and its SE (NaN where too few answers)
    key_wle: FloatArray
    key_wle_se: FloatArray
    key_mle: FloatArray
    key_mle_se: FloatArray
    #: (K,) the key's pattern (an index into ``PersonIndex.pattern_items``)
    key_pattern: IntArray

    def per_person(self, per_key: FloatArray, out: FloatArray | None = None) -> FloatArray:
        """``per_key`` looked up for every person (NaN for no answers), into ``out`` if given."""
        padded = np.append(per_key, np.nan)
        got: FloatArray = np.take(padded, self.key, out=out)
        return got

    @property
    def wle(self) -> FloatArray:
        return self.per_person(self.key_wle)

    @property
    def wle_se(self) -> FloatArray:
        return self.per_person(self.key_wle_se)

    @property
    def mle(self) -> FloatArray:
        return self.per_person(self.key_mle)

    @property
    def mle_se(self) -> FloatArray:
        return self.per_person(self.key_mle_se)

    @property
    def status_code(self) -> NDArray[np.int8]:
        """(N,) status code of every person (an index into ``STATUS_NAMES``)."""
        return np.append(self.key_status, np.int8(NO_ANSWERS))[self.key]

    @property
    def status(self) -> NDArray[np.object_]:
        """(N,) status name of every person."""
        return np.append(STATUS_NAMES[self.key_status], STATUS_NAMES[NO_ANSWERS])[self.key]

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
    reported = [wle.copy(), wle_se.copy(), mle.copy(), mle_se.copy()]
    for arr in reported:
        arr[too_few] = np.nan
    return PersonResults(
        key=key,
        key_mask=mask,
        key_theta_mle=mle,
        key_score=kscore,
        key_status=k_status,
        key_wle=reported[0],
        key_wle_se=reported[1],
        key_mle=reported[2],
        key_mle_se=reported[3],
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
