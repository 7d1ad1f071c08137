"""Link a fresh calibration onto a reference scale through common items.

Method (mean-mean linking with FIES-style purification; Cafiero, Viviani & Nord 2018,
*Measurement* 116:146, R package RM.weights ``equating.fun``):

1. Take the item locations (mean threshold) of the common items on both scales.
2. Align: ``linked_i = A + B * new_i``. Mean-mean (the Rasch case): ``B = 1`` and
   ``A = mean(ref_i - new_i)``. Mean-sigma: ``B = SD(ref_i) / SD(new_i)`` and
   ``A = mean(ref_i) - B * mean(new_i)``.
3. Purify: take the kept common item with the largest ``|linked_i - ref_i|``; if it exceeds the
   tolerance, set it aside and re-align on the rest. Repeat until every kept item is within the
   tolerance or no more may be set aside (at least ``min_common`` kept, at most ``max_dropped``
   dropped).
4. Link error: ``SE_link = SD(linked_i - ref_i) / sqrt(n_kept)`` over the kept items (Wright &
   Bell 1984; the spread of the common items' differences). It is a *shared* error: it moves
   every linked measure together, so :meth:`Link.apply` carries it in a separate ``link_se``
   column that :mod:`measure.compare` adds where it matters (group means against the reference,
   thresholds, changes between separately linked occasions).

Default tolerance: 0.5 logits, the same as the drift flag of :func:`measure.scoring.score`.
The FAO FIES equating uses 0.35 logits (``tolerance=0.35``) for dichotomous items calibrated on
large national samples; with a few hundred respondents per sample the estimation noise of a
difference between two calibrations (SD about ``sqrt(se_ref^2 + se_new^2)``) is often 0.15-0.25
logits, and 0.35 then sets aside items that did not drift.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from measure.exceptions import DataQualityWarning, ReferenceScaleError
from measure.reference import ReferenceScale
from measure.summary import json_ready

if TYPE_CHECKING:
    from measure.results import Calibration

__all__ = ["Link", "LinkMethod", "link", "sample_dif", "DEFAULT_TOLERANCE"]

FloatArray = NDArray[np.float64]
LinkMethod = Literal["mean-mean", "mean-sigma"]
Z95 = 1.959963984540054
DEFAULT_TOLERANCE = 0.5


def _scipy_stats() -> Any:
    """scipy.stats, imported on first use (it costs half a second at start-up)."""
    from scipy import stats as scipy_stats

    return scipy_stats


def _locations(obj: Any, what: str) -> pd.DataFrame:
    """item, location, se from a Calibration, a ReferenceScale or an items table."""
    table = obj.items if hasattr(obj, "items") and isinstance(obj.items, pd.DataFrame) else obj
    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            f"{what} must be a Calibration, a ReferenceScale or a DataFrame with columns item, "
            f"location (and se); got {type(obj).__name__}"
        )
    if not {"item", "location"} <= set(table.columns):
        raise ValueError(f"{what}: items table needs columns item and location (and se)")
    se = table["se"].to_numpy(dtype=float) if "se" in table.columns else np.full(len(table), np.nan)
    out = pd.DataFrame(
        {
            "item": [str(i) for i in table["item"]],
            "location": table["location"].to_numpy(dtype=float),
            "se": se,
        }
    )
    if out["item"].duplicated().any():
        dup = sorted(set(out["item"][out["item"].duplicated()]))
        raise ValueError(f"{what}: duplicate items {dup}")
    return out


@dataclass(frozen=True, eq=False)
class Link:
    """A linear map from a new scale onto a reference scale: ``reference = A + B * new``.

    Attributes
    ----------
    method : "mean-mean" or "mean-sigma".
    constant : A (logits).
    slope : B (1 for mean-mean).
    link_se : SE of the link (SD of the kept items' differences / sqrt(n kept)).
    common_items : one row per common item: item, reference_location, reference_se,
        new_location, new_se, linked_location, difference (linked - reference), kept,
        dropped_at (purification step, 0 if kept).
    kept, dropped : items used for the final link, and items set aside (in order).
    tolerance : purification tolerance (None: no purification).
    history : one row per purification step: step, item, difference, constant, slope.
    """

    method: str
    constant: float
    slope: float
    link_se: float
    common_items: pd.DataFrame
    kept: tuple[str, ...]
    dropped: tuple[str, ...]
    tolerance: float | None
    history: pd.DataFrame

    @property
    def n_common(self) -> int:
        return int(len(self.common_items))

    def transform(self, values: ArrayLike) -> FloatArray:
        """New-scale values (logits) onto the reference scale: ``A + B * values``."""
        return self.constant + self.slope * np.asarray(values, dtype=float)

    def inverse(self, values: ArrayLike) -> FloatArray:
        """Reference-scale values (e.g. a threshold) onto the new scale (FIES step 6)."""
        return (np.asarray(values, dtype=float) - self.constant) / self.slope

    def apply(self, persons: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
        """A persons table (from ``calibrate``) moved onto the reference scale.

        ``measure``, ``wle``, ``mle`` (when present) are transformed, their SEs multiplied by
        ``B``; a ``link_se`` column is added; ``ci_lower``/``ci_upper`` use the total error
        ``sqrt(se^2 + link_se^2)`` (the interval for the person on the reference scale).
        """
        if "measure" not in persons.columns or "se" not in persons.columns:
            raise ValueError("persons table needs columns measure and se")
        z = float(_scipy_stats().norm.ppf(0.5 + level / 2))
        out = persons.copy()
        for col in ("measure", "wle", "mle"):
            if col in out.columns:
                out[col] = self.transform(out[col].to_numpy(dtype=float))
        for col in ("se", "wle_se", "mle_se"):
            if col in out.columns:
                out[col] = abs(self.slope) * out[col].to_numpy(dtype=float)
        total = np.sqrt(out["se"].to_numpy(dtype=float) ** 2 + self.link_se**2)
        m = out["measure"].to_numpy(dtype=float)
        out["ci_lower"] = m - z * total
        out["ci_upper"] = m + z * total
        out["link_se"] = self.link_se
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "constant": json_ready(self.constant),
            "slope": json_ready(self.slope),
            "link_se": json_ready(self.link_se),
            "n_common": self.n_common,
            "kept": list(self.kept),
            "dropped": list(self.dropped),
            "tolerance": self.tolerance,
            "rule": (
                f"set aside the common item with the largest |difference| while it exceeds "
                f"{self.tolerance:g} logits (FAO FIES equating, Cafiero et al. 2018)"
                if self.tolerance is not None
                else "no purification"
            ),
        }


def _align(ref: FloatArray, new: FloatArray, method: str) -> tuple[float, float]:
    if method == "mean-mean":
        return float(np.mean(ref - new)), 1.0
    sd_new = float(np.std(new, ddof=1))
    if not sd_new > 0:
        raise ReferenceScaleError("mean-sigma linking needs common items with different locations")
    b = float(np.std(ref, ddof=1)) / sd_new
    return float(np.mean(ref) - b * np.mean(new)), b


def link(
    new: Calibration | ReferenceScale | pd.DataFrame,
    reference: ReferenceScale | Calibration | pd.DataFrame,
    *,
    method: LinkMethod = "mean-mean",
    purify: bool = True,
    tolerance: float = DEFAULT_TOLERANCE,
    min_common: int = 3,
    max_dropped: int | None = None,
    items: Sequence[str] | None = None,
) -> Link:
    """Link a new calibration onto a reference through its common items.

    Parameters
    ----------
    new : the fresh calibration (or its items table: item, location, se).
    reference : the reference scale (or a calibration or items table).
    method : "mean-mean" (default; the Rasch case, slope 1) or "mean-sigma".
    purify : set aside drifting common items (FIES); default True.
    tolerance : logits (default 0.5; FIES uses 0.35, see the module notes).
    min_common : refuse to link on fewer common items (default 3, never fewer than 3), and
        purification never keeps fewer.
    max_dropped : at most this many items may be set aside (default: no limit beyond
        ``min_common``; FIES allows 3 of 8).
    items : restrict the common items to these (default: every item on both scales).

    Returns
    -------
    Link

    Raises
    ------
    ReferenceScaleError
        Fewer than ``min_common`` common items.

    Warns
    -----
    DataQualityWarning
        Items still beyond the tolerance when purification had to stop, or a link resting on
        fewer than half of the common items.

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"item": list("abcd"), "location": [-1.0, 0.0, 0.5, 1.0]})
    >>> new = pd.DataFrame({"item": list("abcd"), "location": [-1.3, -0.3, 0.2, 0.7]})
    >>> round(link(new, ref).constant, 6)
    0.3
    """
    if method not in ("mean-mean", "mean-sigma"):
        raise ValueError(f"method={method!r} is not one of 'mean-mean', 'mean-sigma'")
    if min_common < 3:
        raise ValueError(f"min_common must be at least 3, got {min_common}")
    if not tolerance > 0:
        raise ValueError(f"tolerance must be > 0, got {tolerance}")
    nt = _locations(new, "new")
    rt = _locations(reference, "reference")
    common = [i for i in rt["item"] if i in set(nt["item"])]
    if items is not None:
        wanted = [str(i) for i in items]
        unknown = [i for i in wanted if i not in common]
        if unknown:
            raise ReferenceScaleError(f"item(s) {unknown} are not common to both scales")
        common = [i for i in common if i in set(wanted)]
    if len(common) < min_common:
        raise ReferenceScaleError(
            f"linking needs at least {min_common} common items; found {len(common)}"
            + (f" ({', '.join(common)})" if common else "")
            + ". A link through fewer items cannot be checked for drift and its error cannot be "
            "estimated."
        )
    r = rt.set_index("item").loc[common]
    n = nt.set_index("item").loc[common]
    ref_loc = r["location"].to_numpy(dtype=float)
    new_loc = n["location"].to_numpy(dtype=float)
    kept = np.ones(len(common), dtype=bool)
    dropped_at = np.zeros(len(common), dtype=np.int64)
    hist: list[dict[str, Any]] = []
    limit = len(common) - min_common
    if max_dropped is not None:
        limit = min(limit, int(max_dropped))
    a, b = _align(ref_loc[kept], new_loc[kept], method)
    step = 0
    stopped_early: list[str] = []
    while purify:
        diff = a + b * new_loc - ref_loc
        cand = np.where(kept, np.abs(diff), -np.inf)
        worst = int(np.argmax(cand))
        if not cand[worst] > tolerance:
            break
        if step >= limit:
            stopped_early = [
                c for c, k, d in zip(common, kept, diff, strict=True) if k and abs(d) > tolerance
            ]
            break
        step += 1
        kept[worst] = False
        dropped_at[worst] = step
        hist.append(
            {
                "step": step,
                "item": common[worst],
                "difference": float(diff[worst]),
                "constant": a,
                "slope": b,
            }
        )
        a, b = _align(ref_loc[kept], new_loc[kept], method)
    linked = a + b * new_loc
    diff = linked - ref_loc
    nk = int(kept.sum())
    link_se = float(np.std(diff[kept], ddof=1) / math.sqrt(nk))
    if stopped_early:
        warnings.warn(
            f"linking: purification stopped (at least {min_common} common items kept"
            + (f", at most {max_dropped} set aside" if max_dropped is not None else "")
            + f") with item(s) still beyond {tolerance:g} logits: {', '.join(stopped_early)}",
            DataQualityWarning,
            stacklevel=2,
        )
    if nk * 2 < len(common):
        kept_names = ", ".join(c for c, k in zip(common, kept, strict=True) if k)
        warnings.warn(
            f"linking: the link rests on {nk} of {len(common)} common items "
            f"({kept_names}); check that these, and not the ones set aside, are the stable "
            "items",
            DataQualityWarning,
            stacklevel=2,
        )
    table = pd.DataFrame(
        {
            "item": common,
            "reference_location": ref_loc,
            "reference_se": r["se"].to_numpy(dtype=float),
            "new_location": new_loc,
            "new_se": n["se"].to_numpy(dtype=float),
            "linked_location": linked,
            "difference": diff,
            "kept": kept,
            "dropped_at": dropped_at,
        }
    )
    history = pd.DataFrame(hist, columns=["step", "item", "difference", "constant", "slope"])
    return Link(
        method=method,
        constant=a,
        slope=b,
        link_se=link_se,
        common_items=table,
        kept=tuple(c for c, k in zip(common, kept, strict=True) if k),
        dropped=tuple(h["item"] for h in hist),
        tolerance=float(tolerance) if purify else None,
        history=history,
    )


def sample_dif(
    new: Calibration | ReferenceScale | pd.DataFrame,
    reference: ReferenceScale | Calibration | pd.DataFrame,
    *,
    link_result: Link | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """DIF between the new sample and the reference sample, per common item.

    The new item locations are put on the reference scale with the link (by default
    :func:`link` with its defaults, purified), and each item's difference is tested:
    ``difference = linked_new - reference`` (positive: harder in the new sample),
    ``se = sqrt(B^2 se_new^2 + se_ref^2)``, ``z = difference / se``. The ETS class uses the
    logit sizes of MEASUREMENT.md: A below 0.43; C from 0.64 and significant; B otherwise when
    significant (A when not).

    Returns
    -------
    DataFrame: item, reference_location, reference_se, linked_location, new_se, difference,
    se, z, p_value, significant, ets_class, kept_in_link.
    """
    lk = link_result if link_result is not None else link(new, reference)
    t = lk.common_items
    se = np.sqrt(
        (lk.slope * t["new_se"].to_numpy(dtype=float)) ** 2
        + t["reference_se"].to_numpy(dtype=float) ** 2
    )
    d = t["difference"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = d / se
    p = 2 * _scipy_stats().norm.sf(np.abs(z))
    sig = p < alpha
    size = np.abs(d)
    ets = np.where(size < 0.43, "A", np.where((size >= 0.64) & sig, "C", np.where(sig, "B", "A")))
    return pd.DataFrame(
        {
            "item": t["item"],
            "reference_location": t["reference_location"],
            "reference_se": t["reference_se"],
            "linked_location": t["linked_location"],
            "new_se": lk.slope * t["new_se"].to_numpy(dtype=float),
            "difference": d,
            "se": se,
            "z": z,
            "p_value": p,
            "significant": sig,
            "ets_class": ets,
            "kept_in_link": t["kept"],
        }
    )
