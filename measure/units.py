"""Reporting units: a linear map of logits, ``unit = intercept + slope * logit``.

One implementation for the library and the CLI (Winsteps' UMEAN/USCALE): measures map linearly,
standard errors scale by ``|slope|``, and an interval maps to an interval (its ends swap for a
negative slope, so ``ci_lower_unit <= ci_upper_unit`` always).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

if TYPE_CHECKING:
    from measure.instrument import ReportingUnit

__all__ = ["add_unit_columns", "persons_in_unit", "score_table_in_unit"]


def _map(values: pd.Series, unit: ReportingUnit) -> NDArray[np.float64]:
    return unit.intercept + unit.slope * values.to_numpy(dtype=float)


def _scale(se: pd.Series, unit: ReportingUnit) -> NDArray[np.float64]:
    return abs(unit.slope) * se.to_numpy(dtype=float)


def persons_in_unit(persons: pd.DataFrame, unit: ReportingUnit) -> pd.DataFrame:
    """A copy with ``measure_unit``, ``se_unit``, ``ci_lower_unit``, ``ci_upper_unit`` (and
    ``link_se_unit`` when there is a ``link_se`` column) added at the end.

    Examples
    --------
    >>> from measure.instrument import ReportingUnit
    >>> p = pd.DataFrame({"measure": [1.0], "se": [0.5], "ci_lower": [0.02], "ci_upper": [1.98]})
    >>> persons_in_unit(p, ReportingUnit("T", 50.0, 10.0))[["measure_unit", "se_unit"]].values
    array([[60.,  5.]])
    """
    out = persons.copy()
    add_unit_columns(out, unit)
    return out


def add_unit_columns(persons: pd.DataFrame, unit: ReportingUnit) -> None:
    """:func:`persons_in_unit` in place: no copy of a table of millions of rows."""
    lo = _map(persons["ci_lower"], unit)
    hi = _map(persons["ci_upper"], unit)
    persons["measure_unit"] = _map(persons["measure"], unit)
    persons["se_unit"] = _scale(persons["se"], unit)
    persons["ci_lower_unit"] = np.fmin(lo, hi)
    persons["ci_upper_unit"] = np.fmax(lo, hi)
    if "link_se" in persons.columns:
        persons["link_se_unit"] = _scale(persons["link_se"], unit)


def score_table_in_unit(table: pd.DataFrame, unit: ReportingUnit) -> pd.DataFrame:
    """A copy of a score table with ``wle_unit``, ``wle_se_unit``, ``mle_unit``, ``mle_se_unit``."""
    return table.assign(
        wle_unit=_map(table["wle"], unit),
        wle_se_unit=_scale(table["wle_se"], unit),
        mle_unit=_map(table["mle"], unit),
        mle_se_unit=_scale(table["mle_se"], unit),
    )
