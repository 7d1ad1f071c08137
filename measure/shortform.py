"""Short forms on a reference scale: the fewest items for a target precision, chosen by MILP.

Because Rasch measures from any subset of calibrated items lie on the same scale, a short form
is a subset of the reference's items scored with the same anchors: its measures are comparable
with the full form's, only less precise. :func:`shorten` designs one.

**The target** is where precision matters: a range of measures (default the reference
population's central 90 %: the 5th to 95th percentile of the calibration sample's WLE measures)
or a decision threshold (a contract's cut-off, in logits, in the reporting unit or as a raw score
on the full form).

**Selection** is automated test assembly as a mixed-integer program (van der Linden 2005,
*Linear Models for Optimal Test Design*, ch. 5; solved by HiGHS through
:func:`scipy.optimize.milp`). With binary ``x_i`` (item i in the form) and the item information
``I_i(theta_g)`` on a grid ``theta_1..theta_G`` over the target range::

    maximise t  subject to  sum_i x_i I_i(theta_g) >= t  (g = 1..G),   sum_i x_i = k,
                            x_i = 1 (must), x_i = 0 (exclude),
                            sum_{i in d} x_i >= min_d  (every domain d)

i.e. the form of k items with the largest minimum test information over the target (for a
threshold, G = 1: the largest information at the threshold). It is solved for every length
k = 1..I; ``optimal`` says whether the solver proved optimality within its time limit.

**The goal** picks the length: ``length=K``; ``target_se=S`` (the fewest items with SE <= S
over the whole target, i.e. minimum information >= 1 / S^2); or ``min_reliability=R`` (the
fewest items whose reliability in the reference population reaches R, computed exactly from the
raw-score distribution, see :func:`measure.itembank.form_precision`).

**What is lost** is reported for every length: the mean SE and reliability in the reference
population, the SE at the threshold, the correlation of the short form's measures with the full
form's and the share of persons put on the same side of the threshold by both, from real
full-length answers (``data=``) re-scored on each form, or from persons simulated from the
reference population.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure.exceptions import MeasureWarning, ReferenceScaleError
from measure.itembank import (
    Domain,
    Population,
    check_domains,
    codes_from,
    form_precision,
    information,
    item_positions,
    measures_on,
    population,
)
from measure.reference import ReferenceScale
from measure.responses import Coding, ResponseMatrix
from measure.schemas import SELECTED, SHORTFORM
from measure.simulate import as_rng, simulate_responses
from measure.summary import Summary, short_repr

if TYPE_CHECKING:
    from measure.instrument import Instrument

__all__ = [
    "ShortForm",
    "Target",
    "shorten",
    "short_reference",
    "short_instrument",
    "select_items",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class ShortFormWarning(MeasureWarning):
    """The goal of a short form cannot be met (it is then the longest feasible form)."""


@dataclass(frozen=True)
class Target:
    """Where precision matters, in logits.

    ``kind`` is ``"range"`` (``lo``..``hi``) or ``"threshold"`` (``threshold``; ``lo = hi``).
    ``description`` says where it came from (given, or the reference population's central 90 %).
    """

    kind: Literal["range", "threshold"]
    lo: float
    hi: float
    threshold: float | None
    description: str

    def grid(self, n: int = 15) -> FloatArray:
        """The locations where information is required: ``n`` points over the range, or the
        threshold alone."""
        if self.kind == "threshold":
            return np.array([float(self.lo)])
        return np.linspace(self.lo, self.hi, n)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "lo": self.lo,
            "hi": self.hi,
            "threshold": self.threshold,
            "description": self.description,
        }


def resolve_target(
    ref: ReferenceScale,
    *,
    target_range: tuple[float, float] | None = None,
    threshold: float | None = None,
    threshold_raw: float | None = None,
    in_unit: bool = False,
) -> Target:
    """The target in logits from what was given (at most one of range, threshold, raw score).

    ``in_unit``: ``target_range`` and ``threshold`` are in the reference's reporting unit.
    ``threshold_raw``: a raw score on the full form; the threshold is its WLE on all items
    (``ref.score_table()``).
    """
    given = [x is not None for x in (target_range, threshold, threshold_raw)]
    if sum(given) > 1:
        raise ValueError("give at most one of target_range, threshold and threshold_raw")
    unit = " (reporting unit)" if in_unit else " logits"
    if target_range is not None:
        lo, hi = (float(v) for v in target_range)
        if in_unit:
            lo, hi = sorted(float(v) for v in ref.from_unit([lo, hi]))
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise ValueError(f"target range {target_range} must be LO <= HI, both finite")
        return Target(
            "range", lo, hi, None, f"range {target_range[0]:g}..{target_range[1]:g}{unit}"
        )
    if threshold is not None:
        t = float(ref.from_unit(threshold)) if in_unit else float(threshold)
        return Target("threshold", t, t, t, f"decision threshold {threshold:g}{unit}")
    if threshold_raw is not None:
        table = ref.score_table()
        rs = table["raw_score"].to_numpy(dtype=float)
        r = float(threshold_raw)
        if not rs.min() <= r <= rs.max():
            raise ValueError(
                f"threshold_raw {threshold_raw:g} is outside the full form's raw scores "
                f"{rs.min():g}..{rs.max():g}"
            )
        t = float(np.interp(r, rs, table["wle"].to_numpy(dtype=float)))
        return Target(
            "threshold",
            t,
            t,
            t,
            f"decision threshold at raw score {r:g} on the full form (WLE {t:.3f} logits)",
        )
    pct = ref.sample.get("percentiles") or {}
    p05, p95 = pct.get("p05"), pct.get("p95")
    if p05 is not None and p95 is not None:
        lo, hi = float(p05), float(p95)
        return Target(
            "range",
            lo,
            hi,
            None,
            "the reference population's central 90 % (5th to 95th percentile of the "
            f"calibration sample's WLE: {float(lo):.3f} to {float(hi):.3f} logits)",
        )
    pop = population(ref)
    lo, hi = pop.mean - 1.645 * pop.sd, pop.mean + 1.645 * pop.sd
    return Target(
        "range",
        lo,
        hi,
        None,
        f"central 90 % of Normal({pop.mean:.3f}, {pop.sd:.3f}) ({pop.source})",
    )


# ----------------------------------------------------------------------------- the MILP


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence the C library's own prints to file descriptor 1 (HiGHS prints some debug lines
    even with ``disp=False``); Python's ``sys.stdout`` is untouched."""
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no file descriptor 1
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            sys.stdout.flush()
            os.dup2(null.fileno(), 1)
            try:
                yield
            finally:
                os.dup2(saved, 1)
    finally:
        os.close(saved)


def select_items(
    info: FloatArray,
    k: int,
    *,
    must: Sequence[int] = (),
    exclude: Sequence[int] = (),
    domains: Sequence[tuple[Sequence[int], int]] = (),
    time_limit: float = 10.0,
    mip_rel_gap: float = 1e-6,
) -> tuple[IntArray | None, float, bool]:
    """The k items maximising the minimum of ``info @ x`` over the rows of ``info`` (G, I).

    Returns ``(chosen positions or None when infeasible, the objective, proved optimal)``.
    A greedy and swap heuristic gives a feasible start; :func:`scipy.optimize.milp` (HiGHS
    branch and bound) then searches the forms at least as good as it, and proves optimality
    (relative gap ``mip_rel_gap``) when it finishes within ``time_limit``.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    g, n = info.shape
    lp, bound = _lp_rounded(info, k, must, exclude, domains)
    start = _heuristic(info, k, must, exclude, domains, lp)
    start_value = _value(info, start) if start is not None else 0.0
    if start is not None and start_value >= bound * (1 - mip_rel_gap):
        return start, start_value, True  # as good as the LP relaxation: optimal
    c = np.zeros(n + 1)
    c[-1] = -1.0
    rows = [np.concatenate([info, -np.ones((g, 1))], axis=1)]
    lb = [np.zeros(g)]
    ub = [np.full(g, np.inf)]
    rows.append(np.concatenate([np.ones((1, n)), np.zeros((1, 1))], axis=1))
    lb.append(np.array([float(k)]))
    ub.append(np.array([float(k)]))
    for members, minimum in domains:
        if minimum <= 0:
            continue
        row = np.zeros((1, n + 1))
        row[0, list(members)] = 1.0
        rows.append(row)
        lb.append(np.array([float(minimum)]))
        ub.append(np.array([np.inf]))
    lower = np.zeros(n + 1)
    upper = np.ones(n + 1)
    lower[list(must)] = 1.0
    upper[list(exclude)] = 0.0
    upper[-1] = np.inf
    # the solver only has to look at forms at least as good as the heuristic start
    lower[-1] = start_value * (1 - 1e-9)
    integrality = np.ones(n + 1)
    integrality[-1] = 0
    with _quiet_stdout():
        res = milp(
            c,
            constraints=LinearConstraint(
                np.concatenate(rows), np.concatenate(lb), np.concatenate(ub)
            ),
            integrality=integrality,
            bounds=Bounds(lower, upper),
            options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "disp": False},
        )
    proven = bool(res.status == 0)
    chosen = None
    if res.x is not None:
        chosen = np.flatnonzero(np.round(res.x[:n]) > 0.5).astype(np.int64)
        if chosen.size != k:  # pragma: no cover - a solver tolerance problem
            chosen = None
    if chosen is None or (start is not None and _value(info, chosen) < start_value):
        if start is None:
            return None, float("nan"), False
        return start, start_value, proven
    return chosen, _value(info, chosen), proven


def _lp_rounded(
    info: FloatArray,
    k: int,
    must: Sequence[int],
    exclude: Sequence[int],
    domains: Sequence[tuple[Sequence[int], int]],
) -> tuple[IntArray | None, float]:
    """The k items with the largest share in the LP relaxation (a start for the swaps), and
    the relaxation's optimum (an upper bound of every form's value; inf when unsolved)."""
    from scipy.optimize import linprog

    g, n = info.shape
    c = np.zeros(n + 1)
    c[-1] = -1.0
    a_ub = [np.concatenate([-info, np.ones((g, 1))], axis=1)]
    b_ub = [np.zeros(g)]
    for members, minimum in domains:
        row = np.zeros((1, n + 1))
        row[0, list(members)] = -1.0
        a_ub.append(row)
        b_ub.append(np.array([-float(minimum)]))
    bounds = [(0.0, 1.0)] * n + [(0.0, None)]
    for j in must:
        bounds[j] = (1.0, 1.0)
    for j in exclude:
        bounds[j] = (0.0, 0.0)
    res = linprog(
        c,
        A_ub=np.concatenate(a_ub),
        b_ub=np.concatenate(b_ub),
        A_eq=np.concatenate([np.ones((1, n)), np.zeros((1, 1))], axis=1),
        b_eq=[float(k)],
        bounds=bounds,
        method="highs",
    )
    if res.x is None:
        return None, float("inf")
    share = res.x[:n] + 1e-9 * info.mean(axis=0)  # ties: the more informative item
    return np.sort(np.argsort(-share, kind="stable")[:k]).astype(np.int64), float(-res.fun)


def _value(info: FloatArray, chosen: IntArray) -> float:
    return float(np.min(info[:, chosen].sum(axis=1)))


def _heuristic(
    info: FloatArray,
    k: int,
    must: Sequence[int],
    exclude: Sequence[int],
    domains: Sequence[tuple[Sequence[int], int]],
    lp_start: IntArray | None = None,
) -> IntArray | None:
    """A good feasible form to start from: greedy (must items, then domain minimums, then the
    item raising the minimum information most), improved by swapping one item in and one out
    while the sorted information profile improves lexicographically (leximin), keeping every
    constraint. None when no start was found (the solver then decides feasibility)."""
    g, n = info.shape
    allowed = np.ones(n, dtype=bool)
    allowed[list(exclude)] = False
    fixed = np.zeros(n, dtype=bool)
    fixed[list(must)] = True
    member = np.zeros((len(domains), n), dtype=bool)
    mins = np.zeros(len(domains), dtype=np.int64)
    for r, (items, minimum) in enumerate(domains):
        member[r, list(items)] = True
        mins[r] = minimum
    if (fixed & ~allowed).any() or fixed.sum() > k:
        return None
    best: IntArray | None = None
    for start in (_greedy_start(info, k, fixed, allowed, member, mins), lp_start):
        if start is None:
            continue
        x = np.zeros(n, dtype=bool)
        x[start] = True
        if x.sum() != k or (fixed & ~x).any() or (x & ~allowed).any():
            continue
        if len(domains) and ((member & x).sum(axis=1) < mins).any():
            continue
        found = _swaps(info, x, fixed, allowed, member, mins)
        if best is None or _value(info, found) > _value(info, best):
            best = found
    return best


def _greedy_start(
    info: FloatArray,
    k: int,
    fixed: NDArray[np.bool_],
    allowed: NDArray[np.bool_],
    member: NDArray[np.bool_],
    mins: IntArray,
) -> IntArray | None:
    n = info.shape[1]
    x = fixed.copy()

    def add(candidates: NDArray[np.bool_]) -> bool:
        pool = np.flatnonzero(candidates & allowed & ~x)
        if pool.size == 0:
            return False
        total = info[:, x].sum(axis=1)
        cand = total[:, None] + info[:, pool]
        score = cand.min(axis=0) + 1e-9 * cand.sum(axis=0)
        x[pool[int(np.argmax(score))]] = True
        return True

    for r in range(member.shape[0]):
        while (x & member[r]).sum() < mins[r]:
            if x.sum() >= k or not add(member[r]):
                return None
    while x.sum() < k:
        if not add(np.ones(n, dtype=bool)):
            return None
    return np.flatnonzero(x).astype(np.int64)


def _swaps(
    info: FloatArray,
    x: NDArray[np.bool_],
    fixed: NDArray[np.bool_],
    allowed: NDArray[np.bool_],
    member: NDArray[np.bool_],
    mins: IntArray,
) -> IntArray:
    g, n = info.shape
    for _ in range(4 * n):
        outs = np.flatnonzero(x & ~fixed)
        ins = np.flatnonzero(allowed & ~x)
        if outs.size == 0 or ins.size == 0:
            break
        total = info[:, x].sum(axis=1)
        new = total[None, None, :] - info[:, outs].T[:, None, :] + info[:, ins].T[None, :, :]
        ok = np.ones((outs.size, ins.size), dtype=bool)
        if member.shape[0]:
            counts = (member & x).sum(axis=1)
            after = counts[None, None, :] - member[:, outs].T[:, None, :] + member[:, ins].T[None]
            ok = (after >= mins[None, None, :]).all(axis=2)
        cand = np.sort(new.reshape(-1, g), axis=1)
        flat_ok = ok.reshape(-1)
        if not flat_ok.any():
            break
        cand = np.where(flat_ok[:, None], cand, -np.inf)
        best = int(np.lexsort(cand.T[::-1])[-1])
        current = np.sort(total)
        diff = cand[best] - current
        tol = 1e-12 * max(1.0, float(current.max()))
        first = np.flatnonzero(np.abs(diff) > tol)
        if first.size == 0 or diff[first[0]] < 0:
            break
        o, i = divmod(best, ins.size)
        x[outs[o]] = False
        x[ins[i]] = True
    return np.flatnonzero(x).astype(np.int64)


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class ShortForm:
    """A designed short form and the precision of every length.

    Attributes
    ----------
    reference : the full reference scale.
    target : where precision matters (:class:`Target`, logits).
    goal : the goal in words (``"length 8"``, ``"SE <= 0.5 over the target"``, ...).
    goal_met : False when no feasible form reaches the goal (the longest feasible one is chosen).
    length : the chosen length k.
    items : the chosen items, in the reference's order.
    forms : one row per length k = 1..I (schema ``SHORTFORM``).
    selected : the chosen items (schema ``SELECTED``).
    short_reference : the reference restricted to the chosen items (:func:`short_reference`).
    population : the reference population used for reliability and simulation.
    curve : theta, information and SE of the full and the short form (for the plot).
    agreement_source : "data" (real answers re-scored) or "simulated" (persons drawn from the
        population), and how many.
    settings : grid size, must, exclude, domains, solver time limit, seed.
    elapsed_seconds : time taken.
    """

    reference: ReferenceScale
    target: Target
    goal: str
    goal_met: bool
    length: int
    items: tuple[str, ...]
    forms: pd.DataFrame = field(repr=False)
    selected: pd.DataFrame = field(repr=False)
    short_reference: ReferenceScale = field(repr=False)
    population: Population = field(repr=False)
    curve: pd.DataFrame = field(repr=False)
    agreement_source: str = "simulated"
    settings: dict[str, Any] = field(default_factory=dict, repr=False)
    elapsed_seconds: float = 0.0

    def summary(self) -> Summary:
        """The goal, the target, the chosen form and its precision against the full form."""
        row = self.forms.loc[self.forms["k"] == self.length].iloc[0]
        full = self.forms.iloc[-1] if len(self.forms) else row
        return Summary(
            "short form",
            {
                "goal": self.goal,
                "goal_met": self.goal_met,
                "target": self.target.to_dict(),
                "length": self.length,
                "n_items_full": len(self.reference.item_ids),
                "items": list(self.items),
                "min_information": float(row["min_information"]),
                "min_information_full": float(full["min_information"]),
                "mean_se": float(row["mean_se"]),
                "mean_se_full": float(full["mean_se"]),
                "reliability": float(row["reliability"]),
                "reliability_full": float(full["reliability"]),
                "se_at_threshold": float(row["se_at_threshold"]),
                "correlation_full": float(row["correlation_full"]),
                "agreement_at_threshold": float(row["agreement_at_threshold"]),
                "optimal": bool(row["optimal"]),
                "all_lengths_optimal": bool(self.forms["optimal"].all()),
                "agreement_source": self.agreement_source,
                "population": self.population.to_dict(),
                "reference_hash": self.reference.content_hash,
                "short_reference_hash": self.short_reference.content_hash,
                "method": "maximin test information over the target by mixed-integer "
                "programming (scipy.optimize.milp, HiGHS); van der Linden (2005)",
                "settings": self.settings,
                "elapsed_seconds": self.elapsed_seconds,
            },
        )

    def __repr__(self) -> str:
        return short_repr(self, length=self.length, n_items_full=len(self.reference.item_ids))


# ----------------------------------------------------------------------------- building


def short_reference(ref: ReferenceScale, items: Sequence[str], *, note: str = "") -> ReferenceScale:
    """The reference restricted to ``items``: the same anchors, coding and reporting unit.

    Scoring data on it gives exactly the measures of scoring the same answers on the full
    reference with the other items not administered. ``calibration`` records the full
    reference's hash and the items kept (so the short form's file has its own hash).
    """
    idx = item_positions(ref, items)
    keep = [ref.item_ids[j] for j in sorted(idx.tolist())]
    if not keep:
        raise ReferenceScaleError("a short form needs at least one item")
    kept = set(keep)
    coding = ref.coding
    if coding is not None:
        coding = Coding(
            min_category=coding.min_category,
            missing_codes=coding.missing_codes,
            reversed_items=tuple(i for i in coding.reversed_items if i in kept),
            value_labels={k: v for k, v in coding.value_labels.items() if k in kept},
            recode={k: v for k, v in coding.recode.items() if k in kept},
            labels=coding.labels,
        )
    calibration = dict(ref.calibration)
    calibration["short_form"] = {
        "of_reference": ref.content_hash,
        "items": keep,
        "n_items_full": len(ref.item_ids),
        "note": note,
    }
    definition = ref.unit_definition
    if definition is not None:
        definition = f"{definition} (the full form's unit, kept by the short form)"
    return dataclasses.replace(
        ref,
        items=ref.items[ref.items["item"].isin(kept)].reset_index(drop=True),
        thresholds=ref.thresholds[ref.thresholds["item"].isin(kept)].reset_index(drop=True),
        category_map={k: v for k, v in ref.category_map.items() if k in kept},
        coding=coding,
        calibration=calibration,
        unit_definition=definition,
    )


def short_instrument(
    inst: Instrument, items: Sequence[str], *, reference: str | None
) -> Instrument:
    """The instrument restricted to ``items`` (id ``<id>_short``), attached to ``reference``."""
    kept = set(items)
    chosen = tuple(it for it in inst.items if it.id in kept)
    missing = sorted(kept - {it.id for it in chosen})
    if missing:
        raise ReferenceScaleError(
            f"instrument {inst.id!r} has no item(s) {', '.join(missing)}: the reference and the "
            "instrument disagree"
        )
    return dataclasses.replace(
        inst,
        id=f"{inst.id}_short",
        version=f"{inst.version}-short{len(chosen)}",
        items=chosen,
        min_answered=min(inst.min_answered, len(chosen)),
        reference=reference,
        path=None,
    )


def shorten(
    reference: ReferenceScale,
    *,
    length: int | None = None,
    target_se: float | None = None,
    min_reliability: float | None = None,
    target_range: tuple[float, float] | None = None,
    threshold: float | None = None,
    threshold_raw: float | None = None,
    in_unit: bool = False,
    must: Sequence[str] = (),
    exclude: Sequence[str] = (),
    domains: Sequence[Domain] = (),
    data: ResponseMatrix | pd.DataFrame | None = None,
    n_persons: int = 2000,
    grid_points: int = 15,
    time_limit: float = 10.0,
    quick_limit: float = 0.05,
    rng: np.random.Generator | int | None = 0,
) -> ShortForm:
    """Design a short form of a reference scale for a target precision.

    Parameters
    ----------
    reference : the full reference scale.
    length, target_se, min_reliability : the goal (exactly one): a number of items; the fewest
        items with SE <= ``target_se`` over the whole target; or the fewest items whose
        reliability in the reference population reaches ``min_reliability``.
    target_range, threshold, threshold_raw : the target (at most one; default the reference
        population's central 90 %): a range LO..HI, a decision threshold, or a decision
        threshold given as a raw score on the full form. ``in_unit``: range and threshold are
        in the reference's reporting unit.
    must, exclude : items that must be in the form, items that must not.
    domains : :class:`~measure.itembank.Domain` groups with the minimum of items to include.
    data : real full-length answers on the reference's categories (a ``ResponseMatrix``, e.g.
        ``measure.score(...).responses``, or a DataFrame of codes with item columns, NaN =
        missing) for ``correlation_full`` and ``agreement_at_threshold``; default ``n_persons``
        persons simulated from the reference population (seeded by ``rng``).
    grid_points : points of the target range where information is required.
    time_limit, quick_limit : seconds for the solver. Every length is first solved with
        ``quick_limit``; the chosen length (and, for ``target_se``, the shorter lengths that
        decide it) are solved again with ``time_limit`` when optimality was not proven.
        ``optimal`` in ``forms`` says which lengths were proven optimal.

    Returns
    -------
    ShortForm

    Examples
    --------
    >>> from measure.reference import reference_from_thresholds
    >>> ref = reference_from_thresholds({f"q{i}": b for i, b in enumerate([-2, -1, 0, 1, 2])},
    ...                                 model="rasch")
    >>> shorten(ref, length=2, threshold=0.0).items
    ('q1', 'q2')
    """
    t0 = time.perf_counter()
    goals = [g is not None for g in (length, target_se, min_reliability)]
    if sum(goals) != 1:
        raise ValueError("give exactly one goal: length, target_se or min_reliability")
    ids = list(reference.item_ids)
    n = len(ids)
    if length is not None and not 1 <= int(length) <= n:
        raise ValueError(f"length must be 1..{n} (the reference has {n} items), got {length}")
    if target_se is not None and not target_se > 0:
        raise ValueError(f"target_se must be > 0, got {target_se}")
    if min_reliability is not None and not 0 < min_reliability < 1:
        raise ValueError(f"min_reliability must be between 0 and 1, got {min_reliability}")
    both = sorted(set(map(str, must)) & set(map(str, exclude)))
    if both:
        raise ValueError(f"item(s) both required and excluded: {', '.join(both)}")
    must_pos = item_positions(reference, list(must))
    excl_pos = item_positions(reference, list(exclude))
    doms = check_domains(reference, domains)
    dom_rows = [(item_positions(reference, d.items).tolist(), d.minimum) for d in doms]
    target = resolve_target(
        reference,
        target_range=target_range,
        threshold=threshold,
        threshold_raw=threshold_raw,
        in_unit=in_unit,
    )
    pop = population(reference)
    thr = reference.threshold_matrix
    grid = target.grid(grid_points)
    info = information(thr, grid)  # (G, I)

    # persons for correlation and agreement: real answers, or simulated from the population
    if data is not None:
        codes = codes_from(data, reference)
        source = f"data: {codes.shape[0]} persons' answers re-scored on each form"
    else:
        gen = as_rng(rng)
        sim = simulate_responses(
            thresholds=[thr[j, : int(m)] for j, m in enumerate(reference.max_category)],
            n_persons=n_persons,
            person_mean=pop.mean,
            person_sd=pop.sd,
            rng=gen,
        )
        codes = sim.responses.to_numpy(dtype=np.int64)
        source = f"simulated: {n_persons} persons from the reference population"
    full_theta, _ = measures_on(codes, thr, np.arange(n, dtype=np.int64))

    must_l, excl_l = must_pos.tolist(), excl_pos.tolist()

    def solve(k: int, limit: float) -> dict[str, Any]:
        chosen, value, optimal = select_items(
            info, k, must=must_l, exclude=excl_l, domains=dom_rows, time_limit=limit
        )
        if chosen is None:
            return {"k": k, "items": "", "min_information": np.nan, "mean_se": np.nan,
                    "reliability": np.nan, "se_at_threshold": np.nan,
                    "correlation_full": np.nan, "agreement_at_threshold": np.nan,
                    "optimal": False, "feasible": False, "_chosen": None}  # fmt: skip
        return {"k": k, "min_information": value, "optimal": optimal, "feasible": True,
                "_chosen": chosen}  # fmt: skip

    # a quick pass over every length, then the lengths that decide the goal solved to the end
    found = {k: solve(k, min(quick_limit, time_limit)) for k in range(1, n + 1)}

    def settle(k: int) -> dict[str, Any]:
        row = found[k]
        if not row["optimal"] and (row["feasible"] or quick_limit < time_limit):
            better = solve(k, time_limit)
            if better["feasible"] and (
                not row["feasible"] or better["min_information"] >= row["min_information"]
            ):
                row = better
            elif row["feasible"]:
                row["optimal"] = better["optimal"] and np.isclose(
                    better["min_information"], row["min_information"], rtol=1e-4
                )
            found[k] = row
        return row

    ks = np.arange(1, n + 1)
    if length is not None:
        goal = f"length {int(length)}"
        settle(int(length))

        def reaches(row: dict[str, Any]) -> bool:
            return bool(row["feasible"] and row["k"] == int(length))
    elif target_se is not None:
        where = "at the threshold" if target.kind == "threshold" else "over the target"
        goal = f"SE <= {target_se:g} {where}"

        def reaches(row: dict[str, Any]) -> bool:
            return bool(row["feasible"] and row["min_information"] >= target_se**-2)
    else:
        goal = f"reliability >= {min_reliability:g} in the reference population"

        def reaches(row: dict[str, Any]) -> bool:
            if not row["feasible"]:
                return False
            if "reliability" not in row or not np.isfinite(row.get("reliability", np.nan)):
                names = [ids[j] for j in row["_chosen"]]
                row["mean_se"], row["reliability"] = form_precision(reference, names, pop)
            return bool(row["reliability"] >= float(min_reliability or 0))

    hits = [k for k in ks.tolist() if reaches(found[k])]
    if target_se is not None and hits:
        # a shorter length that was not proven optimal might reach the goal: settle it
        k = hits[0] - 1
        while k >= 1:
            if reaches(settle(k)):
                hits.insert(0, k)
                k -= 1
            else:
                break
    goal_met = bool(hits)
    feasible_ks = [k for k in ks.tolist() if found[k]["feasible"]]
    if not feasible_ks:
        raise ValueError(
            "no form satisfies the constraints (must, exclude and domain minimums contradict)"
        )
    if goal_met:
        k_sel = hits[0]
    else:
        k_sel = feasible_ks[-1]
        warnings.warn(
            f"no feasible form reaches the goal ({goal}); the longest feasible form "
            f"({k_sel} items) is chosen. See shortform.csv for what each length reaches.",
            ShortFormWarning,
            stacklevel=2,
        )
    settle(k_sel)

    rows: list[dict[str, Any]] = []
    chosen_by_k: dict[int, IntArray] = {}
    for k in ks.tolist():
        row = found[k]
        if not row["feasible"]:
            rows.append(row)
            continue
        chosen = row["_chosen"]
        chosen_by_k[k] = chosen
        names = [ids[j] for j in sorted(chosen.tolist())]
        mean_se, rel = form_precision(reference, names, pop)
        theta_k, _ = measures_on(codes, thr, chosen)
        ok = np.isfinite(theta_k) & np.isfinite(full_theta)
        corr = (
            float(np.corrcoef(theta_k[ok], full_theta[ok])[0, 1])
            if ok.sum() > 2 and np.std(theta_k[ok]) > 0
            else float("nan")
        )
        se_t = agree = float("nan")
        if target.threshold is not None:
            t = target.threshold
            i_t = float(information(thr[chosen], np.array([t])).sum())
            se_t = 1.0 / math.sqrt(i_t) if i_t > 0 else float("inf")
            agree = float(np.mean((theta_k[ok] >= t) == (full_theta[ok] >= t)))
        rows.append(
            {"k": k, "items": ";".join(names), "min_information": row["min_information"],
             "mean_se": mean_se, "reliability": rel, "se_at_threshold": se_t,
             "correlation_full": corr, "agreement_at_threshold": agree,
             "optimal": bool(row["optimal"]), "feasible": True}
        )  # fmt: skip
    table = pd.DataFrame(rows).drop(columns="_chosen", errors="ignore")
    table = table.drop(columns="feasible")
    chosen = chosen_by_k[k_sel]
    final = tuple(ids[j] for j in sorted(chosen.tolist()))
    order = np.array(sorted(chosen.tolist()), dtype=np.int64)
    item_domain = {it: d.name for d in doms for it in d.items}
    selected = pd.DataFrame(
        {
            "item": list(final),
            "location": reference.items["location"].to_numpy(dtype=float)[order],
            "max_category": reference.max_category[order],
            "information": info[:, order].mean(axis=0),
            "min_information": info[:, order].min(axis=0),
            "domain": [item_domain.get(it, "") for it in final],
        }
    )
    short = short_reference(reference, final, note=f"{goal}; target: {target.description}")
    lo = min(target.lo, pop.mean - 3 * pop.sd) - 0.5
    hi = max(target.hi, pop.mean + 3 * pop.sd) + 0.5
    theta = np.linspace(lo, hi, 121)
    full_info = information(thr, theta).sum(axis=1)
    short_info = information(thr[order], theta).sum(axis=1)
    curve = pd.DataFrame(
        {
            "theta": theta,
            "information_full": full_info,
            "se_full": 1 / np.sqrt(full_info),
            "information_short": short_info,
            "se_short": 1 / np.sqrt(short_info),
        }
    )
    return ShortForm(
        reference=reference,
        target=target,
        goal=goal,
        goal_met=goal_met,
        length=k_sel,
        items=final,
        forms=SHORTFORM.order(table),
        selected=SELECTED.order(selected),
        short_reference=short,
        population=pop,
        curve=curve,
        agreement_source=source,
        settings={
            "grid_points": int(grid.size),
            "must": [str(m) for m in must],
            "exclude": [str(e) for e in exclude],
            "domains": [
                {"name": d.name, "items": list(d.items), "minimum": d.minimum} for d in doms
            ],
            "time_limit": time_limit,
            "quick_limit": quick_limit,
            "n_persons": None if data is not None else n_persons,
        },
        elapsed_seconds=round(time.perf_counter() - t0, 3),
    )
