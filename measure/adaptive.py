"""Adaptive administration on a reference scale: one respondent at a time, or simulated by the
thousand.

Because Rasch measures from any subset of calibrated items lie on the same scale, each
respondent can be asked only the items that are informative for them. :class:`AdaptiveTest`
runs one adaptive questionnaire for a survey back end (``next_item`` / ``record`` /
``estimate``, serialisable between requests with ``to_json`` / ``from_json``);
:func:`simulate_adaptive` runs the same rules for many persons at once (vectorised across
persons), on persons simulated from the reference population or on real full-length answers
replayed.

The rules (stated in ``settings`` and in every summary):

* **Selection**: the unused item with the largest information (variance of the item score) at
  the current selection point (maximum-information selection; Lord 1980, ch. 10). Ties go to the
  item that comes first in the reference. With ``exposure_top = k > 1`` the item is drawn at
  random among the k most informative (the "randomesque" exposure control of Kingsbury & Zara
  1989), seeded, so that the same answers and seed give the same items.
* **Start**: ``start`` (logits) or the reference population's mean, which is the EAP estimate
  before any answer.
* **Estimate** (``estimator="wle"``, the default): Warm's weighted likelihood estimate on the
  items given (:func:`measure._estimation.person.solve`), SE = 1 / sqrt(test information) at the
  estimate. It is what ``measure score`` reports for the same answers on the full reference with
  the other items skipped, so adaptive measures are comparable with scored ones, need no prior
  and are finite at every score. While every answer so far is in the lowest (or every one in the
  highest) category the WLE exists but says little about where to go next, so the selection
  point is then the EAP under the reference population's normal prior (Normal(mean WLE,
  true-score SD) of the calibration sample: :func:`measure.itembank.population`). With
  ``estimator="eap"`` the EAP (posterior mean) and posterior SD under that prior are both the
  selection point and the reported estimate: shorter tests, but shrunk towards the population
  mean.
* **Stop**: when ``n >= min_items`` and SE <= ``stop_se``, or ``max_items`` were given, or no
  item is left; never before every domain minimum is met (when the items allow it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure._estimation.person import solve as solve_persons
from measure.exceptions import ReferenceScaleError
from measure.itembank import (
    Domain,
    Population,
    check_domains,
    codes_from,
    item_positions,
    measures_on,
    population,
)
from measure.models import category_probabilities, item_moments
from measure.reference import ReferenceScale
from measure.responses import ResponseMatrix
from measure.schemas import CAT_PERSONS
from measure.simulate import as_rng, simulate_responses
from measure.summary import Summary, json_ready, short_repr

__all__ = [
    "AdaptiveTest",
    "AdaptiveEstimate",
    "AdaptiveSimulation",
    "Estimator",
    "simulate_adaptive",
    "oracle_lengths",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

ArrayLikeFloat = Sequence[float] | FloatArray

Estimator = Literal["wle", "eap"]
ESTIMATORS: tuple[str, ...] = ("wle", "eap")

FORMAT = "measure-adaptive-test"
FORMAT_VERSION = 1


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class _Settings:
    stop_se: float
    max_items: int
    min_items: int
    start: float
    estimator: str
    exposure_top: int
    seed: int
    domains: tuple[Domain, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stop_se": self.stop_se,
            "max_items": self.max_items,
            "min_items": self.min_items,
            "start": self.start,
            "estimator": self.estimator,
            "exposure_top": self.exposure_top,
            "seed": self.seed,
            "domains": [
                {"name": d.name, "items": list(d.items), "minimum": d.minimum} for d in self.domains
            ],
        }


def _settings(
    ref: ReferenceScale,
    pop: Population,
    *,
    stop_se: float,
    max_items: int | None,
    min_items: int,
    start: float | None,
    estimator: str,
    exposure_top: int,
    seed: int,
    domains: Sequence[Domain],
) -> _Settings:
    n = len(ref.item_ids)
    if not (isinstance(stop_se, (int, float)) and stop_se > 0):
        raise ValueError(f"stop_se must be > 0, got {stop_se!r}")
    top = n if max_items is None else int(max_items)
    if not 1 <= top <= n:
        raise ValueError(f"max_items must be 1..{n} (the reference's items), got {max_items}")
    if not 0 <= int(min_items) <= top:
        raise ValueError(f"min_items must be 0..max_items ({top}), got {min_items}")
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator={estimator!r} is not one of {', '.join(ESTIMATORS)}")
    if int(exposure_top) < 1:
        raise ValueError(f"exposure_top must be >= 1, got {exposure_top}")
    first = pop.mean if start is None else float(start)
    if not math.isfinite(first):
        raise ValueError(f"start must be finite, got {start}")
    doms = tuple(check_domains(ref, domains))
    return _Settings(
        float(stop_se),
        top,
        int(min_items),
        first,
        estimator,
        int(exposure_top),
        int(seed),
        doms,
    )


# ----------------------------------------------------------------------------- the engine


class _Bank:
    """The reference's items with what every step needs, precomputed once."""

    def __init__(self, ref: ReferenceScale, pop: Population, settings: _Settings) -> None:
        self.ref = ref
        self.pop = pop
        self.settings = settings
        self.ids = list(ref.item_ids)
        self.thr = ref.threshold_matrix
        self.tops = ref.max_category.astype(np.int64)
        # EAP on a fine grid of +-6 prior SDs (posterior SDs down to ~0.1 logit are resolved)
        self.nodes = np.linspace(pop.mean - 6 * pop.sd, pop.mean + 6 * pop.sd, 241)
        self.log_prior = -0.5 * ((self.nodes - pop.mean) / pop.sd) ** 2
        with np.errstate(divide="ignore"):
            self.logp = np.log(category_probabilities(self.nodes, self.thr))  # (Q, I, M+1)
        d = len(settings.domains)
        self.dom = np.zeros((d, len(self.ids)), dtype=bool)
        self.dom_min = np.array([dm.minimum for dm in settings.domains], dtype=np.int64)
        for r, dm in enumerate(settings.domains):
            self.dom[r, item_positions(ref, dm.items)] = True

    # -- selection
    def select(
        self,
        point: FloatArray,
        administered: BoolArray,
        available: BoolArray,
        u: FloatArray | None,
    ) -> IntArray:
        """Next item of every row (-1 when none is left)."""
        _, info, _, _ = item_moments(point, self.thr)
        ok = available & ~administered
        if self.dom.shape[0]:
            need = np.maximum(self.dom_min[None, :] - administered.astype(np.int64) @ self.dom.T, 0)
            left = self.settings.max_items - administered.sum(axis=1)
            # the remaining places are needed for the domains' minimums: take from those domains
            needed_items = (need > 0).astype(np.int64) @ self.dom.astype(np.int64) > 0
            squeeze = (need.sum(axis=1) >= left) & (ok & needed_items).any(axis=1)
            ok = np.where(squeeze[:, None], ok & needed_items, ok)
        score = np.where(ok, info, -np.inf)
        best = np.argmax(score, axis=1).astype(np.int64)
        top = self.settings.exposure_top
        if top > 1 and u is not None:
            n_ok = ok.sum(axis=1)
            order = np.argsort(-score, axis=1, kind="stable")
            width = np.minimum(top, np.maximum(n_ok, 1))
            pick = np.minimum((u * width).astype(np.int64), width - 1)
            best = order[np.arange(order.shape[0]), pick]
        return np.where(ok.any(axis=1), best, -1)

    # -- estimation
    def estimate(
        self,
        score: FloatArray,
        administered: BoolArray,
        loglik: FloatArray,
        start: FloatArray | None = None,
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(measure, se, selection point) of every row."""
        n = administered.sum(axis=1)
        lp = loglik + self.log_prior[None, :]
        w = np.exp(lp - lp.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        eap = w @ self.nodes
        psd = np.sqrt(np.maximum(w @ self.nodes**2 - eap**2, 0.0))
        if self.settings.estimator == "eap":
            return eap, psd, eap
        wle = np.full(score.shape, np.nan)
        se = np.full(score.shape, np.nan)
        has = n > 0
        if has.any():
            st = None if start is None else start[has]
            t, s, _ = solve_persons(score[has], self.thr, administered[has], kind="wle", start=st)
            wle[has], se[has] = t, s
        top = (administered * self.tops[None, :]).sum(axis=1)
        extreme = ~has | (score <= 0) | (score >= top)
        point = np.where(extreme, eap, wle)
        if not has.all():  # no answer yet: the start
            point = np.where(has, point, self.settings.start)
        return wle, se, point

    def done(
        self, n: IntArray, se: FloatArray, administered: BoolArray, available: BoolArray
    ) -> BoolArray:
        s = self.settings
        precise = (n >= s.min_items) & (se <= s.stop_se)
        left = (available & ~administered).any(axis=1)
        if self.dom.shape[0]:
            need = np.maximum(self.dom_min[None, :] - administered.astype(np.int64) @ self.dom.T, 0)
            can = (available & ~administered).astype(np.int64) @ self.dom.T.astype(np.int64) > 0
            precise &= ~((need > 0) & can).any(axis=1)
        return precise | (n >= s.max_items) | ~left


# ----------------------------------------------------------------------------- one respondent


@dataclass(frozen=True)
class AdaptiveEstimate:
    """The current estimate of an adaptive test.

    ``measure`` and ``se`` in logits (``measure_unit``, ``se_unit`` in the reference's
    reporting unit when it has one); ``estimator`` is ``"wle"``, ``"eap"`` or ``"start"``
    (no answer yet: the start and the prior SD); ``selection_point`` is where the next item is
    most informative.
    """

    measure: float
    se: float
    estimator: str
    n_items: int
    selection_point: float
    measure_unit: float | None = None
    se_unit: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = json_ready(dict(self.__dict__))
        return out


class AdaptiveTest:
    """One adaptive questionnaire on a reference scale, for a survey back end.

    Parameters
    ----------
    reference : the reference scale (its items are the bank).
    stop_se : stop when the SE of the estimate is at most this (logits).
    max_items : stop after this many items (default all).
    min_items : never stop before this many items.
    start : where the first item is chosen (logits); default the reference population's mean.
    estimator : ``"wle"`` (default) or ``"eap"`` (see the module notes for why).
    exposure_top : choose at random among this many most informative items (1: no exposure
        control; the choice is seeded by ``seed`` and the number of answers, so it repeats).
    seed : seed of the exposure control.
    domains : :class:`~measure.itembank.Domain` minimums to meet before stopping.

    Answers are category codes 0..max_category of the reference (after any reverse keying and
    collapsing: what ``measure score`` works on). Same answers give the same items.

    Examples
    --------
    >>> from measure.reference import reference_from_thresholds
    >>> ref = reference_from_thresholds({"a": -1.0, "b": 0.0, "c": 1.0}, model="rasch")
    >>> test = AdaptiveTest(ref, stop_se=0.5)
    >>> test.next_item()
    'b'
    >>> test.record("b", 1)
    >>> test.next_item()
    'c'
    """

    def __init__(
        self,
        reference: ReferenceScale,
        *,
        stop_se: float = 0.5,
        max_items: int | None = None,
        min_items: int = 1,
        start: float | None = None,
        estimator: Estimator = "wle",
        exposure_top: int = 1,
        seed: int = 0,
        domains: Sequence[Domain] = (),
    ) -> None:
        pop = population(reference)
        self._settings = _settings(
            reference,
            pop,
            stop_se=stop_se,
            max_items=max_items,
            min_items=min_items,
            start=start,
            estimator=estimator,
            exposure_top=exposure_top,
            seed=seed,
            domains=domains,
        )
        self._bank = _Bank(reference, pop, self._settings)
        self.reference = reference
        self._items: list[str] = []
        self._answers: list[int] = []
        n = len(self._bank.ids)
        self._mask = np.zeros((1, n), dtype=bool)
        self._loglik = np.zeros((1, self._bank.nodes.size))
        self._score = np.zeros(1)
        self._cache: tuple[FloatArray, FloatArray, FloatArray] | None = None

    # -- state
    @property
    def items(self) -> tuple[str, ...]:
        """Items recorded so far, in order."""
        return tuple(self._items)

    @property
    def answers(self) -> tuple[int, ...]:
        """Answers recorded so far, in order."""
        return tuple(self._answers)

    @property
    def settings(self) -> dict[str, Any]:
        """The rules in force (stop, limits, start, estimator, exposure, domains) and the prior
        (the reference population) used by the EAP."""
        return {**self._settings.to_dict(), "prior": self._bank.pop.to_dict()}

    def _state(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        if self._cache is None:
            self._cache = self._bank.estimate(self._score, self._mask, self._loglik)
        return self._cache

    @property
    def done(self) -> bool:
        """True when the stopping rule is met (or no item is left)."""
        _, se, _ = self._state()
        n = np.array([len(self._items)])
        se0 = np.where(n > 0, se, np.inf)
        avail = np.ones_like(self._mask)
        return bool(self._bank.done(n, se0, self._mask, avail)[0])

    def next_item(self) -> str | None:
        """The item to ask next, or None when the test is done."""
        if self.done:
            return None
        _, _, point = self._state()
        u = None
        if self._settings.exposure_top > 1:
            u = np.random.default_rng([self._settings.seed, len(self._items)]).random(1)
        j = int(self._bank.select(point, self._mask, np.ones_like(self._mask), u)[0])
        return None if j < 0 else self._bank.ids[j]

    def record(self, item: str, answer: int) -> None:
        """Record the answer (category code 0..max_category) to ``item``."""
        j = int(item_positions(self.reference, [item])[0])
        if self._mask[0, j]:
            raise ValueError(f"item {item!r} was already answered")
        if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
            raise ValueError(f"answer to {item!r} must be an integer category code, got {answer!r}")
        top = int(self._bank.tops[j])
        if not 0 <= int(answer) <= top:
            raise ValueError(f"answer {answer} to {item!r} is not a category 0..{top}")
        x = int(answer)
        self._mask[0, j] = True
        self._score[0] += x
        self._loglik[0] += self._bank.logp[:, j, x]
        self._items.append(str(item))
        self._answers.append(x)
        self._cache = None

    def estimate(self) -> AdaptiveEstimate:
        """The current measure and SE (with the estimator that gave them)."""
        m, se, point = self._state()
        n = len(self._items)
        if n == 0:
            mu, sd, how = self._settings.start, self._bank.pop.sd, "start"
        else:
            mu, sd, how = float(m[0]), float(se[0]), self._settings.estimator
        unit = self.reference.reporting_unit
        return AdaptiveEstimate(
            measure=mu,
            se=sd,
            estimator=how,
            n_items=n,
            selection_point=float(point[0]),
            measure_unit=None if unit is None else float(self.reference.to_unit(mu)),
            se_unit=None if unit is None else float(self.reference.se_to_unit(sd)),
        )

    # -- serialisation
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "reference_hash": self.reference.content_hash,
            "settings": self.settings,
            "items": list(self._items),
            "answers": list(self._answers),
        }

    def to_json(self) -> str:
        """The state as JSON text (settings, items and answers; the reference by its hash)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | Mapping[str, Any], reference: ReferenceScale) -> AdaptiveTest:
        """Restore a test from :meth:`to_json`; ``reference`` must be the same scale (hash)."""
        doc = json.loads(text) if isinstance(text, str) else dict(text)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f'not an adaptive test state (expected "format": "{FORMAT}")')
        if doc.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unknown adaptive test format version {doc.get('format_version')}")
        if doc.get("reference_hash") != reference.content_hash:
            raise ReferenceScaleError(
                f"the adaptive test was started on reference {doc.get('reference_hash')}, not "
                f"on this one ({reference.content_hash})"
            )
        s = doc["settings"]
        test = cls(
            reference,
            stop_se=float(s["stop_se"]),
            max_items=int(s["max_items"]),
            min_items=int(s["min_items"]),
            start=float(s["start"]),
            estimator=s["estimator"],
            exposure_top=int(s["exposure_top"]),
            seed=int(s["seed"]),
            domains=[Domain(d["name"], tuple(d["items"]), int(d["minimum"])) for d in s["domains"]],
        )
        items, answers = doc["items"], doc["answers"]
        if len(items) != len(answers):
            raise ValueError("adaptive test state: items and answers differ in length")
        for it, x in zip(items, answers, strict=True):
            test.record(str(it), int(x))
        return test

    def __repr__(self) -> str:
        return short_repr(self, n_items=len(self._items), done=self.done)


# ----------------------------------------------------------------------------- simulation


@dataclass(frozen=True, eq=False)
class AdaptiveSimulation:
    """Adaptive tests run for many persons.

    ``persons`` (schema ``CAT_PERSONS``): one row per person with the truth (``theta``) or the
    full-length measure (``full_measure``, ``full_se``), the items used and the final estimate.
    ``exposure``: item -> share of persons who were given it.
    """

    persons: pd.DataFrame = field(repr=False)
    exposure: pd.Series = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict)
    population: dict[str, Any] = field(default_factory=dict)
    source: str = "simulated"
    reference_hash: str = ""

    def summary(self) -> Summary:
        """mean and median items, mean SE, share reaching the target SE, RMSE, bias and
        correlation against the truth (or the full-length measure), largest exposure."""
        p = self.persons
        est = p["measure"].to_numpy(dtype=float)
        truth = (p["theta"] if "theta" in p.columns else p["full_measure"]).to_numpy(dtype=float)
        ok = np.isfinite(est) & np.isfinite(truth)
        err = est[ok] - truth[ok]
        n_items = p["n_items"].to_numpy(dtype=float)
        return Summary(
            "adaptive test simulation",
            {
                "n_persons": int(len(p)),
                "compared_with": "true theta" if "theta" in p.columns else "full-length WLE",
                "mean_items": float(np.mean(n_items)) if len(p) else float("nan"),
                "median_items": float(np.median(n_items)) if len(p) else float("nan"),
                "mean_se": float(np.nanmean(p["se"].to_numpy(dtype=float))),
                "share_reached_target": float(np.mean(p["reached_target"].to_numpy(dtype=bool))),
                "rmse": float(np.sqrt(np.mean(err**2))) if err.size else float("nan"),
                "bias": float(np.mean(err)) if err.size else float("nan"),
                "correlation": float(np.corrcoef(est[ok], truth[ok])[0, 1])
                if ok.sum() > 2
                else float("nan"),
                "max_exposure": float(self.exposure.max()) if len(self.exposure) else 0.0,
                "most_exposed_item": str(self.exposure.idxmax()) if len(self.exposure) else "",
                "settings": self.settings,
                "population": self.population,
                "source": self.source,
                "reference_hash": self.reference_hash,
            },
        )

    def __repr__(self) -> str:
        return short_repr(self, n_persons=len(self.persons))


def _states(mask: BoolArray, score: FloatArray) -> tuple[IntArray, IntArray]:
    """First row of every distinct (mask, score) and each row's state."""
    packed = np.packbits(mask, axis=1)
    key = np.ascontiguousarray(
        np.concatenate([packed, score.astype("<i4")[:, None].view(np.uint8)], axis=1)
    )
    void = key.view(np.dtype((np.void, key.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(void, return_index=True, return_inverse=True)
    return first.astype(np.int64), inverse.reshape(-1).astype(np.int64)


def _run(
    bank: _Bank, answers: NDArray[np.int64], rng: np.random.Generator
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Run every row's adaptive test on ``answers`` (N, I; -1 = not available).

    Returns the items given in order (N, max_items; -1 padded), the number given, the final
    measure and SE.
    """
    s = bank.settings
    n_p, n_i = answers.shape
    available = answers >= 0
    administered = np.zeros((n_p, n_i), dtype=bool)
    order = np.full((n_p, s.max_items), -1, dtype=np.int64)
    count = np.zeros(n_p, dtype=np.int64)
    score = np.zeros(n_p)
    loglik = np.zeros((n_p, bank.nodes.size))
    measure = np.full(n_p, np.nan)
    se = np.full(n_p, np.inf)
    point = np.full(n_p, s.start)
    active = ~bank.done(count, se, administered, available)
    rows = np.arange(n_p)
    for step in range(s.max_items):
        idx = rows[active]
        if idx.size == 0:
            break
        u = rng.random(idx.size) if s.exposure_top > 1 else None
        j = bank.select(point[idx], administered[idx], available[idx], u)
        gone = j < 0
        if gone.any():
            active[idx[gone]] = False
            idx, j = idx[~gone], j[~gone]
            if idx.size == 0:
                break
        x = answers[idx, j]
        administered[idx, j] = True
        order[idx, step] = j
        count[idx] += 1
        score[idx] += x
        loglik[idx] += bank.logp[:, j, x].T
        # persons with the same items and raw score share the estimate (the raw score is
        # sufficient, also for the EAP): estimate each (items, score) state once
        first, inverse = _states(administered[idx], score[idx])
        pick = idx[first]
        m, e, p = bank.estimate(score[pick], administered[pick], loglik[pick], start=measure[pick])
        measure[idx], se[idx], point[idx] = m[inverse], e[inverse], p[inverse]
        active[idx] = ~bank.done(count[idx], se[idx], administered[idx], available[idx])
    return order, count, measure, se


def simulate_adaptive(
    reference: ReferenceScale,
    *,
    stop_se: float = 0.5,
    max_items: int | None = None,
    min_items: int = 1,
    start: float | None = None,
    estimator: Estimator = "wle",
    exposure_top: int = 1,
    domains: Sequence[Domain] = (),
    n_persons: int | None = None,
    theta: ArrayLikeFloat | None = None,
    data: ResponseMatrix | pd.DataFrame | None = None,
    rng: np.random.Generator | int | None = 0,
) -> AdaptiveSimulation:
    """Run adaptive tests for many persons at once, with the rules of :class:`AdaptiveTest`.

    Persons are simulated from the reference population (``n_persons``) or at given locations
    (``theta``): their answers to every item are drawn first (:func:`measure.simulate_responses`)
    and revealed as the items are chosen. Or real full-length answers are replayed (``data``:
    a ``ResponseMatrix`` on the reference's categories, e.g. ``measure.score(...).responses``,
    or a DataFrame of codes with item columns); an item a person did not answer is never chosen
    for them.

    All persons advance one item per step: selection, answer and WLE are computed for every
    active person together, so thousands of tests take about as long as the longest test's
    number of steps times one vectorised update.
    """
    pop = population(reference)
    settings = _settings(
        reference,
        pop,
        stop_se=stop_se,
        max_items=max_items,
        min_items=min_items,
        start=start,
        estimator=estimator,
        exposure_top=exposure_top,
        seed=0,
        domains=domains,
    )
    bank = _Bank(reference, pop, settings)
    gen = as_rng(rng)
    given = [x is not None for x in (n_persons, theta, data)]
    if sum(given) != 1:
        raise ValueError("give exactly one of n_persons, theta and data")
    thr = bank.thr
    if data is not None:
        codes = codes_from(data, reference)
        persons = (
            list(data.persons)
            if isinstance(data, ResponseMatrix)
            else [str(i + 1) for i in range(codes.shape[0])]
        )
        source = f"real answers replayed: {codes.shape[0]} persons"
        truth_cols: dict[str, Any] = {}
        full, full_se = measures_on(codes, thr, np.arange(len(bank.ids), dtype=np.int64))
        truth_cols = {"full_measure": full, "full_se": full_se}
    else:
        th = (
            gen.normal(pop.mean, pop.sd, size=int(n_persons or 0))
            if theta is None
            else np.asarray(theta, dtype=float).reshape(-1)
        )
        sim = simulate_responses(
            thresholds=[thr[j, : int(m)] for j, m in enumerate(bank.tops)], theta=th, rng=gen
        )
        codes = sim.responses.to_numpy(dtype=np.int64)
        persons = [str(i + 1) for i in range(codes.shape[0])]
        source = (
            f"simulated: {codes.shape[0]} persons from Normal({pop.mean:.3f}, {pop.sd:.3f})"
            if theta is None
            else f"simulated: {codes.shape[0]} persons at given locations"
        )
        truth_cols = {"theta": th}
    order, count, measure, se = _run(bank, codes, gen)
    ids = np.array(bank.ids, dtype=object)
    used = [";".join(ids[row[row >= 0]].tolist()) for row in order]
    table = pd.DataFrame(
        {
            "person": persons,
            **truth_cols,
            "n_items": count,
            "measure": measure,
            "se": se,
            "reached_target": np.isfinite(se) & (se <= settings.stop_se),
            "items_used": used,
        }
    )
    counts = np.bincount(order[order >= 0], minlength=len(ids))
    exposure = pd.Series(counts / max(len(table), 1), index=list(bank.ids), name="exposure")
    return AdaptiveSimulation(
        persons=CAT_PERSONS.order(table),
        exposure=exposure,
        settings=settings.to_dict(),
        population=pop.to_dict(),
        source=source,
        reference_hash=reference.content_hash,
    )


def oracle_lengths(
    reference: ReferenceScale,
    theta: Sequence[float] | FloatArray,
    *,
    stop_se: float,
    max_items: int | None = None,
    min_items: int = 1,
) -> IntArray:
    """Items an oracle needs: knowing each person's measure, it takes the most informative
    items there until SE <= ``stop_se`` (the lower bound of an adaptive test's length).
    Persons the bank cannot measure that precisely get ``max_items``."""
    th = np.asarray(theta, dtype=float).reshape(-1)
    _, info, _, _ = item_moments(th, reference.threshold_matrix)
    top = info.shape[1] if max_items is None else int(max_items)
    cum = np.cumsum(-np.sort(-info, axis=1), axis=1)[:, :top]
    reach = cum >= stop_se**-2
    first = np.where(reach.any(axis=1), np.argmax(reach, axis=1) + 1, top)
    return np.maximum(first, min_items).astype(np.int64)
