"""Person statuses: why a person has (or has not) a usable measure."""

from __future__ import annotations

import enum

__all__ = ["PersonStatus"]


class PersonStatus(str, enum.Enum):
    """Why a person has (or has not) a usable measure."""

    OK = "ok"
    EXTREME_MIN = "extreme_min"
    EXTREME_MAX = "extreme_max"
    TOO_FEW_ANSWERS = "too_few_answers"
    NO_ANSWERS = "no_answers"
