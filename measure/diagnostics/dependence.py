"""Local dependence: Yen's Q3 residual correlations and Q3* (Christensen et al. 2017).

``Q3_ij`` is the correlation over persons of the residuals ``d_vi = x_vi - E_vi`` of items i and
j (Yen 1984). Under local independence Q3 is slightly negative on average (about -1/(I - 1)),
so Christensen, Makransky & Horton (2017) judge each pair relative to the mean of all Q3:
``Q3*_ij = Q3_ij - mean(Q3)``, flagging pairs with ``Q3* > 0.2``. There is no universal
absolute cut-off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from measure.diagnostics._residuals import Residuals, pairwise_correlation, residuals
from measure.diagnostics.rules import SOURCES, Rules
from measure.results import Calibration

__all__ = ["LocalDependence", "q3"]


@dataclass(frozen=True)
class LocalDependence:
    """Q3 for all item pairs.

    Attributes
    ----------
    pairs : DataFrame item_1, item_2, q3, q3_star, n (persons in the pair), flagged; sorted by
        q3 descending.
    matrix : items x items DataFrame of Q3 (diagonal NaN).
    mean_q3 : mean of all off-diagonal Q3.
    cutoff : flag when Q3 > mean_q3 + this.
    """

    pairs: pd.DataFrame
    matrix: pd.DataFrame
    mean_q3: float
    cutoff: float
    rule: str
    source: str = SOURCES["local_dependence"]

    @property
    def flagged(self) -> pd.DataFrame:
        """The flagged pairs."""
        return self.pairs[self.pairs["flagged"]].reset_index(drop=True)


def q3(
    cal: Calibration, *, rules: Rules | None = None, resid: Residuals | None = None
) -> LocalDependence:
    """Yen's Q3 and Q3* for every item pair, flagging pairs above the mean + ``q3_star_cutoff``.

    The residuals are those of the item fit: persons with non-extreme scores, at their ML
    measure; a pair is correlated over the persons who answered both items.

    Examples
    --------
    >>> import measure
    >>> from measure.diagnostics import q3
    >>> sim = measure.simulate_responses(thresholds=[[t] for t in range(-2, 3)] * 2,
    ...                                  n_persons=400, rng=2)
    >>> ld = q3(measure.calibrate(sim.responses, model="rasch"))
    >>> len(ld.flagged)
    0

    The R package sirt computes the same statistic with ``Q3(dat, theta, b)`` given the
    persons' measures.
    """
    rules = rules or Rules()
    items = list(cal.item_ids)
    res = resid if resid is not None else residuals(cal)
    r, n = pairwise_correlation(res.raw)
    np.fill_diagonal(r, np.nan)
    iu = np.triu_indices(len(items), k=1)
    vals = r[iu]
    mean = float(np.nanmean(vals)) if np.isfinite(vals).any() else np.nan
    star = vals - mean
    pairs = pd.DataFrame(
        {
            "item_1": [items[i] for i in iu[0]],
            "item_2": [items[j] for j in iu[1]],
            "q3": vals,
            "q3_star": star,
            "n": n[iu].astype(int),
            "flagged": np.nan_to_num(star, nan=-np.inf) > rules.q3_star_cutoff,
        }
    )
    pairs = pairs.sort_values("q3", ascending=False, kind="stable").reset_index(drop=True)
    rule = f"Q3 above the mean of all Q3 ({mean:.3f}) + {rules.q3_star_cutoff:g}"
    return LocalDependence(
        pairs=pairs,
        matrix=pd.DataFrame(r, index=items, columns=items),
        mean_q3=mean,
        cutoff=rules.q3_star_cutoff,
        rule=rule,
    )
