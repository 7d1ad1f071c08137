"""Linear parameterisation of the thresholds: model constraints, anchors, identification.

``delta = D @ phi + d0``: ``D`` and ``d0`` encode the model (PCM: every threshold free; RSM:
``delta_ik = lambda_i + tau_k`` with ``sum_k tau_k = 0``), anchored (fixed) thresholds, and a
reference constraint that is undone afterwards by centring the mean item location at 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: anchors: a thresholds-shaped table (item, category, threshold), an items table
#: (item, location) for dichotomous items, or a mapping item -> threshold(s)
Anchors = pd.DataFrame | Mapping[str, float | Sequence[float]]


def offsets(max_cat: IntArray) -> IntArray:
    return np.concatenate([[0], np.cumsum(max_cat)[:-1]]).astype(np.int64)


def location_weights(max_cat: IntArray) -> FloatArray:
    w = np.concatenate([np.full(int(m), 1.0 / (m * max_cat.size)) for m in max_cat])
    return w


def pad(delta: FloatArray, max_cat: IntArray) -> FloatArray:
    out = np.full((max_cat.size, int(max_cat.max())), np.nan)
    for i, (o, m) in enumerate(zip(offsets(max_cat), max_cat, strict=True)):
        out[i, :m] = delta[o : o + m]
    return out


def parse_anchors(
    anchors: Anchors, items: list[str], max_cat: IntArray, model: str
) -> dict[tuple[int, int], float]:
    """Anchors as {(item index, category 1..m): threshold}."""
    pos = {it: j for j, it in enumerate(items)}
    out: dict[tuple[int, int], float] = {}

    def put(item: object, k: int, value: float) -> None:
        name = str(item)
        if name not in pos:
            raise ValueError(f"anchor for unknown item {name!r} (items: {', '.join(items)})")
        j = pos[name]
        if not 1 <= k <= max_cat[j]:
            raise ValueError(
                f"anchor for item {name!r}, category {k}: categories are 1..{int(max_cat[j])}"
            )
        if not np.isfinite(value):
            raise ValueError(f"anchor for item {name!r}, category {k} is not finite: {value}")
        out[(j, k)] = float(value)

    if isinstance(anchors, pd.DataFrame):
        cols = set(anchors.columns)
        if {"item", "category", "threshold"} <= cols:
            for it, k, v in zip(
                anchors["item"], anchors["category"], anchors["threshold"], strict=True
            ):
                put(it, int(k), float(v))
        elif {"item", "location"} <= cols:
            for it, v in zip(anchors["item"], anchors["location"], strict=True):
                j = pos.get(str(it))
                if j is not None and max_cat[j] != 1:
                    raise ValueError(
                        f"an items table anchors dichotomous items only; item {it!r} has "
                        f"{int(max_cat[j]) + 1} categories: pass the thresholds table instead"
                    )
                put(it, 1, float(v))
        else:
            raise ValueError(
                "anchors table needs columns (item, category, threshold) or (item, location); "
                f"got {sorted(map(str, cols))}"
            )
    else:
        for it, v in anchors.items():
            if isinstance(v, (int, float, np.floating)):
                put(it, 1, float(v))
            else:
                for k, vv in enumerate(v, start=1):
                    put(it, k, float(vv))
    return out


def anchored_mask(
    anchors: Mapping[tuple[int, int], float], items: list[str], max_cat: IntArray
) -> NDArray[np.bool_]:
    mask = np.zeros((len(items), int(max_cat.max())), dtype=bool)
    for j, k in anchors:
        mask[j, k - 1] = True
    return mask


def build_design(
    model: str,
    max_cat: IntArray,
    anchors: Mapping[tuple[int, int], float],
    items: list[str],
) -> tuple[FloatArray, FloatArray, bool]:
    """``delta = D @ phi + d0``; ``centre`` tells whether to centre the mean location after."""
    offs = offsets(max_cat)
    n_par = int(max_cat.sum())
    offset = np.zeros(n_par)
    if model in ("pcm", "rasch"):
        free = np.ones(n_par, dtype=bool)
        for (j, k), v in anchors.items():
            free[offs[j] + k - 1] = False
            offset[offs[j] + k - 1] = v
        design = np.eye(n_par)[:, free]
        centre = not anchors
        if centre:
            design = design[:, 1:]
        return design, offset, centre
    # rating scale: delta_ik = lambda_i + tau_k
    n_items = max_cat.size
    m = int(max_cat[0])
    lam_fixed: dict[int, float] = {}
    tau_fixed: FloatArray | None = None
    by_item: dict[int, dict[int, float]] = {}
    for (j, k), v in anchors.items():
        by_item.setdefault(j, {})[k] = v
    for j, ks in by_item.items():
        if len(ks) != m:
            raise ValueError(
                f"rating-scale anchors must give all {m} thresholds of an item; item "
                f"{items[j]!r} has {len(ks)}"
            )
        vals = np.array([ks[k] for k in range(1, m + 1)])
        lam_fixed[j] = float(vals.mean())
        tau = vals - vals.mean()
        if tau_fixed is None:
            tau_fixed = tau
        elif np.max(np.abs(tau - tau_fixed)) > 1e-6:
            raise ValueError(
                "rating-scale anchors must share the same tau (threshold minus location) for "
                f"every anchored item; item {items[j]!r} differs"
            )
    free_items = [j for j in range(n_items) if j not in lam_fixed]
    centre = not anchors
    if centre:
        free_items = free_items[1:]
    n_tau_free = 0 if tau_fixed is not None else m - 1
    design = np.zeros((n_par, len(free_items) + n_tau_free))
    col_of = {j: c for c, j in enumerate(free_items)}
    for j in range(n_items):
        for k in range(1, m + 1):
            r = offs[j] + k - 1
            if j in lam_fixed:
                offset[r] += lam_fixed[j]
            elif j in col_of:
                design[r, col_of[j]] = 1.0
            if tau_fixed is not None:
                offset[r] += tau_fixed[k - 1]
            elif k < m:
                design[r, len(free_items) + k - 1] = 1.0
            else:
                design[r, len(free_items) :] = -1.0
    return design, offset, centre
