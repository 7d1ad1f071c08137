"""A reference scale seen as an item bank: what short forms and adaptive tests share.

Because Rasch measures from any subset of calibrated items lie on the same scale, the items of a
:class:`~measure.reference.ReferenceScale` form a bank from which shorter forms
(:mod:`measure.shortform`) and adaptive tests (:mod:`measure.adaptive`) draw. This module holds
the pieces both use, on top of the library's numerics:

* item information ``I_i(theta)`` = the variance of the item score at theta
  (:func:`measure.models.item_moments`); test information is the sum over the items given and
  ``SE = 1 / sqrt(information)``;
* the reference population: a normal distribution with the calibration sample's mean WLE and
  its true-score SD (``sd_true = sqrt(var - mean SE^2)``);
* the exact distribution of the raw score of a set of items at given locations (the items'
  category probabilities convolved), and from it the expected precision of a form in the
  population: mean SE and reliability ``(var(WLE) - E[SE^2]) / var(WLE)`` over the marginal
  distribution of the raw score (the separation reliability the calibration reports, computed
  exactly instead of from one sample);
* person measures (WLE) for many persons on any set of items, grouped by (answered items, raw
  score) before calling :func:`measure._estimation.person.solve`;
* :class:`Domain`: a named group of items with a minimum to include.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure._estimation.person import solve as solve_persons
from measure.exceptions import ReferenceScaleError
from measure.models import category_probabilities, item_moments
from measure.reference import ReferenceScale
from measure.responses import ResponseMatrix

__all__ = [
    "Domain",
    "Population",
    "population",
    "information",
    "score_distribution",
    "form_precision",
    "measures_on",
    "check_domains",
    "codes_from",
    "domains_from_mapping",
    "item_positions",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Gauss-Hermite (probabilists') nodes for integrals over the normal population
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(61)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


@dataclass(frozen=True)
class Domain:
    """A named group of items of which a form (or an adaptive test) must include ``minimum``."""

    name: str
    items: tuple[str, ...]
    minimum: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(str(i) for i in self.items))
        if not self.items:
            raise ValueError(f"domain {self.name!r} has no items")
        if not isinstance(self.minimum, int) or self.minimum < 0:
            raise ValueError(f"domain {self.name!r}: minimum must be an integer >= 0")
        if self.minimum > len(self.items):
            raise ValueError(
                f"domain {self.name!r}: minimum {self.minimum} is more than its "
                f"{len(self.items)} item(s)"
            )


@dataclass(frozen=True)
class Population:
    """A normal person distribution on the reference scale (logits) and where it comes from."""

    mean: float
    sd: float
    source: str

    def nodes(self) -> tuple[FloatArray, FloatArray]:
        """Quadrature locations and weights (61-point Gauss-Hermite) of the distribution."""
        return self.mean + self.sd * _NODES, _WEIGHTS.copy()

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "sd": self.sd, "source": self.source}


def population(ref: ReferenceScale) -> Population:
    """The reference population: Normal(mean WLE, true-score SD) of the calibration sample.

    A reference without a sample (published parameters) gives Normal(mean item location, 1),
    said so in ``source``.
    """
    s = ref.sample
    mean, sd = s.get("mean"), s.get("sd_true")
    if sd is None or not (isinstance(sd, (int, float)) and math.isfinite(sd) and sd > 0):
        sd = s.get("sd")
    if (
        isinstance(mean, (int, float))
        and math.isfinite(mean)
        and isinstance(sd, (int, float))
        and math.isfinite(sd)
        and sd > 0
    ):
        n = s.get("n_measured")
        return Population(
            float(mean),
            float(sd),
            f"reference sample (n = {n}): mean WLE {float(mean):.3f}, true-score SD "
            f"{float(sd):.3f} logits",
        )
    loc = float(np.mean(ref.items["location"].to_numpy(dtype=float)))
    return Population(
        loc, 1.0, "no calibration sample in the reference: Normal(mean item location, SD 1)"
    )


def item_positions(ref: ReferenceScale, items: Sequence[str]) -> IntArray:
    """Positions of ``items`` in the reference, with an error naming unknown items."""
    ids = list(ref.item_ids)
    pos = {it: j for j, it in enumerate(ids)}
    unknown = [str(i) for i in items if str(i) not in pos]
    if unknown:
        raise ReferenceScaleError(
            f"unknown item(s) {', '.join(map(repr, unknown))}; the reference scale has items: "
            f"{', '.join(ids)}"
        )
    return np.array([pos[str(i)] for i in items], dtype=np.int64)


def information(thresholds: FloatArray, theta: FloatArray) -> FloatArray:
    """(T, I) item information (variance of the item score) at every ``theta``."""
    _, var, _, _ = item_moments(np.asarray(theta, dtype=float), thresholds)
    return var


def score_distribution(thresholds: FloatArray, theta: FloatArray) -> FloatArray:
    """(T, R + 1) probabilities of the raw score 0..R of the items in ``thresholds`` at ``theta``.

    The items' category probabilities convolved one item at a time (independence given theta).
    """
    p = category_probabilities(np.asarray(theta, dtype=float), thresholds)  # (T, I, M+1)
    tops = np.sum(~np.isnan(thresholds), axis=1)
    dist = np.ones((p.shape[0], 1))
    for i in range(p.shape[1]):
        m = int(tops[i])
        new = np.zeros((p.shape[0], dist.shape[1] + m))
        for x in range(m + 1):
            new[:, x : x + dist.shape[1]] += dist * p[:, i, x : x + 1]
        dist = new
    return dist


def form_precision(
    ref: ReferenceScale, items: Sequence[str], pop: Population
) -> tuple[float, float]:
    """Mean SE and reliability of the WLE on ``items`` in the population ``pop``.

    Exact over the marginal distribution of the raw score (no sampling): with ``p_r`` the
    probability of raw score r in the population and ``w_r``, ``s_r`` the WLE and its SE from
    :meth:`ReferenceScale.score_table`, mean SE = sum p_r s_r and reliability =
    (var_p(w) - sum p_r s_r^2) / var_p(w).
    """
    idx = item_positions(ref, items)
    table = ref.score_table(list(items))
    nodes, weights = pop.nodes()
    dist = score_distribution(ref.threshold_matrix[idx], nodes)
    p = weights @ dist
    w = table["wle"].to_numpy(dtype=float)
    s = table["wle_se"].to_numpy(dtype=float)
    mean_w = float(p @ w)
    var_w = float(p @ (w - mean_w) ** 2)
    mean_se = float(p @ s)
    rel = (var_w - float(p @ s**2)) / var_w if var_w > 0 else float("nan")
    return mean_se, rel


def measures_on(
    codes: NDArray[np.integer[Any]], thresholds: FloatArray, columns: IntArray
) -> tuple[FloatArray, FloatArray]:
    """WLE and SE of every person on the items ``columns`` of ``codes`` (-1 = not answered).

    Persons are grouped by (answered items, raw score), so the solver runs once per group;
    persons who answered none of the items get NaN.
    """
    sub = np.asarray(codes)[:, columns]
    mask = sub >= 0
    scores = np.where(mask, sub, 0).sum(axis=1).astype(np.float64)
    packed = np.packbits(mask, axis=1)
    key = np.ascontiguousarray(
        np.concatenate([packed, scores.astype("<i4")[:, None].view(np.uint8)], axis=1)
    )
    void = key.view(np.dtype((np.void, key.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(void, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    umask = mask[first]
    uscore = scores[first]
    theta, se, _ = solve_persons(uscore, thresholds[columns], umask, kind="wle")
    none = ~umask.any(axis=1)
    theta = np.where(none, np.nan, theta)
    se = np.where(none, np.nan, se)
    return theta[inverse], se[inverse]


def check_domains(ref: ReferenceScale, domains: Sequence[Domain]) -> list[Domain]:
    """The domains, checked against the reference's items (unknown items, repeated names)."""
    out = list(domains)
    names = [d.name for d in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"domain(s) named more than once: {', '.join(dup)}")
    for d in out:
        try:
            item_positions(ref, d.items)
        except ReferenceScaleError as exc:
            raise ReferenceScaleError(f"domain {d.name!r}: {exc}") from None
    return out


def domains_from_mapping(
    item_domain: Mapping[str, str], minimums: Mapping[str, int]
) -> list[Domain]:
    """Domains from item -> domain name and domain name -> minimum (missing minimum: 0)."""
    by: dict[str, list[str]] = {}
    for item, name in item_domain.items():
        by.setdefault(str(name), []).append(str(item))
    unknown = sorted(set(minimums) - set(by))
    if unknown:
        raise ValueError(
            f"minimum given for unknown domain(s) {', '.join(unknown)} (domains: "
            f"{', '.join(sorted(by))})"
        )
    return [Domain(n, tuple(its), int(minimums.get(n, 0))) for n, its in by.items()]


def codes_from(data: ResponseMatrix | pd.DataFrame, ref: ReferenceScale) -> NDArray[np.int64]:
    """(N, I_ref) category codes on the reference's categories, -1 where not answered."""
    ids = list(ref.item_ids)
    if isinstance(data, ResponseMatrix):
        items, values = list(data.items), data.values.astype(np.int64)
    elif isinstance(data, pd.DataFrame):
        items = [str(c) for c in data.columns]
        values = np.where(data.isna().to_numpy(), -1, data.fillna(-1).to_numpy()).astype(np.int64)
    else:
        raise TypeError(f"data must be a ResponseMatrix or a DataFrame, got {type(data)!r}")
    pos = item_positions(ref, items)
    out = np.full((values.shape[0], len(ids)), -1, dtype=np.int64)
    out[:, pos] = values
    tops = ref.max_category
    bad = (out > tops[None, :]) | (out < -1)
    if bad.any():
        r, j = (int(v[0]) for v in np.nonzero(bad))
        raise ReferenceScaleError(
            f"data row {r + 1}, item {ids[j]!r}: code {int(out[r, j])} is not a category "
            f"0..{int(tops[j])} of the reference scale"
        )
    return out
