"""Simulate Rasch-family responses, for tests, documentation and users."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from measure.models import category_probabilities
from measure.summary import Summary, short_repr

__all__ = ["Simulation", "simulate_responses", "as_rng"]


def as_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    """A Generator from a Generator, a seed or None."""
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


@dataclass(frozen=True)
class Simulation:
    """Simulated data with the truth that generated it."""

    responses: pd.DataFrame  #: persons x items, NaN = missing
    theta: NDArray[np.float64]  #: true person locations
    thresholds: NDArray[np.float64]  #: (I, M) true thresholds, NaN-padded

    def summary(self) -> Summary:
        """Persons, items, categories, missing share and the true persons' mean and SD."""
        values = self.responses.to_numpy(dtype=float)
        theta = np.asarray(self.theta, dtype=float)
        return Summary(
            "simulation",
            {
                "n_persons": int(values.shape[0]),
                "n_items": int(values.shape[1]),
                "max_category": sorted({int(m) for m in np.sum(~np.isnan(self.thresholds), 1)}),
                "missing_share": float(np.mean(np.isnan(values))) if values.size else 0.0,
                "theta_mean": float(np.mean(theta)) if theta.size else float("nan"),
                "theta_sd": float(np.std(theta, ddof=1)) if theta.size > 1 else float("nan"),
            },
        )

    def __repr__(self) -> str:
        n, i = self.responses.shape
        return short_repr(self, n_persons=int(n), n_items=int(i))


def simulate_responses(
    *,
    thresholds: Sequence[Sequence[float]] | ArrayLike,
    n_persons: int | None = None,
    theta: ArrayLike | None = None,
    person_mean: float = 0.0,
    person_sd: float = 1.0,
    missing: float = 0.0,
    item_names: Sequence[str] | None = None,
    rng: np.random.Generator | int | None = None,
) -> Simulation:
    """Draw answers from the partial credit model (rasch and rsm are special cases).

    Parameters
    ----------
    thresholds : per item, its thresholds ``delta_i1..delta_im`` (lists may differ in length).
    n_persons : number of persons (theta ~ Normal(person_mean, person_sd)), or give ``theta``.
    missing : probability that a cell is missing (completely at random).
    rng : Generator, seed or None.

    Examples
    --------
    >>> sim = simulate_responses(thresholds=[[-1, 1], [0, 0.5]], n_persons=5, rng=0)
    >>> sim.responses.shape
    (5, 2)
    """
    gen = as_rng(rng)
    rows = [list(map(float, np.atleast_1d(np.asarray(t, dtype=float)))) for t in thresholds]  # type: ignore[union-attr]
    width = max(len(r) for r in rows)
    thr = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        thr[i, : len(r)] = r
    if theta is None:
        if n_persons is None:
            raise ValueError("give n_persons or theta")
        th = gen.normal(person_mean, person_sd, size=n_persons)
    else:
        th = np.asarray(theta, dtype=float)
    p = category_probabilities(th, thr)
    u = gen.random((th.size, thr.shape[0], 1))
    x = (np.cumsum(p, axis=2) < u).sum(axis=2).astype(float)
    x = np.minimum(x, np.sum(~np.isnan(thr), axis=1)[None, :])
    if missing > 0:
        x[gen.random(x.shape) < missing] = np.nan
    names = (
        list(item_names) if item_names is not None else [f"item{i + 1}" for i in range(len(rows))]
    )
    return Simulation(responses=pd.DataFrame(x, columns=names), theta=th, thresholds=thr)
