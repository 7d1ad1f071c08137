"""Plots of a calibration: Wright map, category curves, expected scores, information, DIF.

Every function draws on ``ax`` (a new figure when ``ax=None``) and returns the axes, so plots
compose with the user's own figures. matplotlib is imported only when a plot is drawn
(installed with measure). Labels are in English (``lang="en"``) or Swedish
(``lang="sv"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from measure._types import LANGS, Z95
from measure.exceptions import MissingDependencyError
from measure.models import category_probabilities, item_moments
from measure.results import Calibration

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from measure.diagnostics.dif import DIFResult
    from measure.diagnostics.dimensionality import Dimensionality
    from measure.diagnostics.rules import Rules
    from measure.shortform import ShortForm

__all__ = [
    "wright_map",
    "category_curves",
    "expected_score_curve",
    "information_plot",
    "dif_plot",
    "loadings_plot",
    "short_form_plot",
]

FloatArray = NDArray[np.float64]

_LABELS: dict[str, dict[str, str]] = {
    "measure": {"en": "Measure (logits)", "sv": "Mätvärde (logits)"},
    "persons": {"en": "Persons", "sv": "Personer"},
    "items": {"en": "Items (thresholds)", "sv": "Frågor (trösklar)"},
    "items_loc": {"en": "Items", "sv": "Frågor"},
    "wright": {"en": "Wright map", "sv": "Wright-karta"},
    "probability": {"en": "Probability", "sv": "Sannolikhet"},
    "category": {"en": "category", "sv": "kategori"},
    "categories": {"en": "Category probabilities", "sv": "Kategorisannolikheter"},
    "expected": {"en": "Expected score", "sv": "Förväntad poäng"},
    "model": {"en": "model", "sv": "modell"},
    "observed": {"en": "observed class means", "sv": "observerade klassmedelvärden"},
    "information": {"en": "Test information", "sv": "Testinformation"},
    "sem": {"en": "Standard error (SEM)", "sv": "Standardfel (SEM)"},
    "info_title": {"en": "Information and standard error", "sv": "Information och standardfel"},
    "dif": {"en": "DIF contrast (logits)", "sv": "DIF-kontrast (logits)"},
    "dif_title": {"en": "DIF by", "sv": "DIF efter"},
    "harder": {"en": "harder for the group", "sv": "svårare för gruppen"},
    "loading": {"en": "Loading on first contrast", "sv": "Laddning på första kontrasten"},
    "location": {"en": "Item location (logits)", "sv": "Frågans läge (logits)"},
    "contrast_title": {"en": "Residual contrast", "sv": "Residualkontrast"},
    "precise": {"en": "precise region", "sv": "precist område"},
}


def _t(key: str, lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not one of {', '.join(map(repr, LANGS))}")
    return _LABELS[key][lang]


def _axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.2)) -> Axes:
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise MissingDependencyError(
            "plotting needs matplotlib, which measure installs: pip install matplotlib"
        ) from exc
    fig, new_ax = plt.subplots(figsize=figsize)
    return new_ax


def _item_index(cal: Calibration, item: str | int) -> int:
    ids = list(cal.item_ids)
    if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
        if not 0 <= int(item) < len(ids):
            raise ValueError(f"item index {item} out of range 0..{len(ids) - 1}")
        return int(item)
    if str(item) not in ids:
        raise ValueError(f"unknown item {item!r} (items: {', '.join(ids)})")
    return ids.index(str(item))


def wright_map(
    cal: Calibration,
    ax: Axes | None = None,
    *,
    show: str = "thresholds",
    bins: int = 30,
    max_labels: int = 80,
    lang: str = "en",
) -> Axes:
    """Persons and items on one logit axis.

    Left: a histogram of the person measures (the calibration's estimator; persons without a
    finite measure left out). Right: item thresholds (``show="thresholds"``, labelled
    ``item.k``) or item locations (``show="items"``), spread into columns so labels do not
    overlap. Dichotomous items are labelled by name.
    """
    if show not in ("thresholds", "items"):
        raise ValueError(f"show={show!r} is not one of 'thresholds', 'items'")
    ax = _axes(ax, (6.4, 6.0))
    m = cal.persons["measure"].to_numpy(dtype=float)
    m = m[np.isfinite(m)]
    labels: list[tuple[float, str]] = []
    if show == "items":
        for it, loc in zip(cal.items["item"], cal.items["location"], strict=True):
            labels.append((float(loc), str(it)))
    else:
        for j, it in enumerate(cal.item_ids):
            k_max = int(cal.max_category[j])
            for k in range(1, k_max + 1):
                name = str(it) if k_max == 1 else f"{it}.{k}"
                labels.append((float(cal.threshold_matrix[j, k - 1]), name))
    ys = [y for y, _ in labels]
    lo = min([*ys, *(m.tolist() or [0.0])]) - 0.5
    hi = max([*ys, *(m.tolist() or [0.0])]) + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    counts, _ = np.histogram(m, bins=edges)
    width = np.diff(edges)
    top = max(int(counts.max()) if counts.size else 1, 1)
    ax.barh(
        edges[:-1],
        -counts / top * 0.95,
        height=width,
        align="edge",
        color="#4c72b0",
        alpha=0.8,
        edgecolor="white",
        linewidth=0.5,
    )
    # item side: greedy columns so labels keep a minimum vertical gap
    order = sorted(range(len(labels)), key=lambda i: labels[i][0])
    gap = (hi - lo) / 45.0
    n_cols = 6
    last = [-np.inf] * n_cols
    col_of: dict[int, int] = {}
    for i in order:
        y = labels[i][0]
        c = next((c for c in range(n_cols) if y - last[c] >= gap), int(np.argmin(last)))
        col_of[i] = c
        last[c] = y
    xs = np.array([0.08 + 0.155 * col_of[i] for i in range(len(labels))])
    ax.scatter(xs, ys, marker="_", s=60, color="#c44e52", zorder=3)
    if len(labels) <= max_labels:
        for i, (y, name) in enumerate(labels):
            ax.text(xs[i] + 0.015, y, name, va="center", ha="left", fontsize=7)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlim(-1.0, 1.0)
    ax.set_ylim(lo, hi)
    ax.set_xticks([-0.5, 0.5])
    ax.set_xticklabels(
        [
            f"{_t('persons', lang)} (n={m.size})",
            _t("items" if show == "thresholds" else "items_loc", lang),
        ]
    )
    ax.set_ylabel(_t("measure", lang))
    ax.set_title(_t("wright", lang))
    return ax


def category_curves(
    cal: Calibration,
    item: str | int,
    ax: Axes | None = None,
    *,
    theta: Sequence[float] | FloatArray | None = None,
    lang: str = "en",
) -> Axes:
    """Category probability curves of one item, with its thresholds marked.

    Disordered thresholds show as a category whose curve is nowhere the highest.
    """
    j = _item_index(cal, item)
    ax = _axes(ax)
    m = int(cal.max_category[j])
    thr = cal.threshold_matrix[j : j + 1, :m]
    th = _grid(cal, theta)
    p = category_probabilities(th, thr)[:, 0, : m + 1]
    for c in range(m + 1):
        ax.plot(th, p[:, c], label=f"{_t('category', lang)} {c}", linewidth=1.6)
    for k in range(m):
        ax.axvline(float(thr[0, k]), color="grey", linestyle=":", linewidth=0.8)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(float(th.min()), float(th.max()))
    ax.set_xlabel(_t("measure", lang))
    ax.set_ylabel(_t("probability", lang))
    ax.set_title(f"{_t('categories', lang)}: {cal.item_ids[j]}")
    ax.legend(fontsize=7, loc="center right", frameon=False)
    return ax


def expected_score_curve(
    cal: Calibration,
    item: str | int,
    ax: Axes | None = None,
    *,
    n_classes: int = 6,
    theta: Sequence[float] | FloatArray | None = None,
    lang: str = "en",
) -> Axes:
    """Model expected score of one item with observed means in class intervals of persons.

    Persons who answered the item and have a finite measure are cut into ``n_classes`` groups of
    about equal size by measure; each class is drawn at its mean measure and mean observed
    score, with a 95% interval (mean +- 1.96 SD / sqrt(n)). Points far from the curve show
    misfit (as RUMM2030's item characteristic curve).
    """
    j = _item_index(cal, item)
    ax = _axes(ax)
    th = _grid(cal, theta)
    e, _, _, _ = item_moments(th, cal.threshold_matrix[j : j + 1])
    ax.plot(th, e[:, 0], color="#4c72b0", linewidth=1.8, label=_t("model", lang))
    meas = cal.persons["measure"].to_numpy(dtype=float)
    x = cal.values[:, j]
    ok = (x >= 0) & np.isfinite(meas)
    if ok.sum() >= n_classes:
        mm, xx = meas[ok], x[ok].astype(float)
        order = np.argsort(mm, kind="stable")
        groups = np.array_split(order, n_classes)
        cx = np.array([mm[g].mean() for g in groups])
        cy = np.array([xx[g].mean() for g in groups])
        ce = np.array(
            [Z95 * xx[g].std(ddof=1) / np.sqrt(len(g)) if len(g) > 1 else 0.0 for g in groups]
        )
        ax.errorbar(
            cx,
            cy,
            yerr=ce,
            fmt="o",
            color="#c44e52",
            capsize=3,
            markersize=5,
            label=_t("observed", lang),
        )
    ax.set_xlim(float(th.min()), float(th.max()))
    ax.set_ylim(-0.05, int(cal.max_category[j]) + 0.05)
    ax.set_xlabel(_t("measure", lang))
    ax.set_ylabel(_t("expected", lang))
    ax.set_title(f"{_t('expected', lang)}: {cal.item_ids[j]}")
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    return ax


def information_plot(
    cal: Calibration,
    ax: Axes | None = None,
    *,
    rules: Rules | None = None,
    lang: str = "en",
) -> Axes:
    """Test information (left axis) and the standard error of measurement (right axis).

    The band marks where the SEM is small enough for group comparisons
    (see :func:`measure.diagnostics.information_curve`). Returns the information axes; the SEM
    axes is its twin.
    """
    from measure.diagnostics.targeting import information_curve

    ax = _axes(ax)
    info = information_curve(cal, rules=rules)
    cur = info.curve
    ax.plot(
        cur["theta"],
        cur["information"],
        color="#4c72b0",
        linewidth=1.8,
        label=_t("information", lang),
    )
    ax.set_xlabel(_t("measure", lang))
    ax.set_ylabel(_t("information", lang), color="#4c72b0")
    if np.isfinite(info.precise_from):
        ax.axvspan(
            info.precise_from,
            info.precise_to,
            color="#55a868",
            alpha=0.12,
            label=_t("precise", lang),
        )
    twin = ax.twinx()
    sem = cur["sem"].to_numpy(dtype=float)
    twin.plot(
        cur["theta"], sem, color="#c44e52", linewidth=1.4, linestyle="--", label=_t("sem", lang)
    )
    twin.set_ylim(0, min(float(np.nanmax(sem)), 4 * float(np.nanmin(sem)) + 1.0))
    twin.set_ylabel(_t("sem", lang), color="#c44e52")
    ax.set_xlim(float(cur["theta"].min()), float(cur["theta"].max()))
    ax.set_ylim(0, float(cur["information"].max()) * 1.1)
    ax.set_title(_t("info_title", lang))
    lines = ax.get_legend_handles_labels()
    lines2 = twin.get_legend_handles_labels()
    ax.legend(
        lines[0] + lines2[0], lines[1] + lines2[1], fontsize=7, loc="upper right", frameon=False
    )
    return ax


def dif_plot(
    dif: DIFResult | pd.DataFrame,
    ax: Axes | None = None,
    *,
    rules: Rules | None = None,
    lang: str = "en",
) -> Axes:
    """DIF contrasts with 95% intervals per item (one marker per focal group).

    Dashed lines at +-``dif_b`` (ETS B) and dotted at +-``dif_c`` (ETS C) logits; class C
    items in red, B in orange.
    """
    from measure.diagnostics.rules import Rules

    rules = rules or Rules()
    table = dif.table if not isinstance(dif, pd.DataFrame) else dif
    name = getattr(dif, "name", "")
    ax = _axes(ax, (6.4, max(3.0, 0.28 * table["item"].nunique() + 1.5)))
    items = list(dict.fromkeys(table["item"].astype(str)))
    groups = list(dict.fromkeys(table["group"].astype(str)))
    colours = {"A": "#4c72b0", "B": "#dd8452", "C": "#c44e52"}
    offsets = np.linspace(-0.2, 0.2, len(groups)) if len(groups) > 1 else np.zeros(1)
    markers = ["o", "s", "^", "D", "v", "P", "X"]
    for gi, g in enumerate(groups):
        sub = table[table["group"].astype(str) == g]
        for r in sub.to_dict("records"):
            y = items.index(str(r["item"])) + offsets[gi]
            d, se = float(r["contrast"]), float(r["se"])
            if not np.isfinite(d):
                continue
            col = colours.get(str(r["ets_class"]), "grey")
            ax.errorbar(
                d,
                y,
                xerr=Z95 * se if np.isfinite(se) else None,
                fmt=markers[gi % 7],
                color=col,
                capsize=2,
                markersize=4,
            )
        ax.plot([], [], markers[gi % 7], color="black", label=f"{g}", markersize=4)
    for v, style in ((rules.dif_b, "--"), (rules.dif_c, ":")):
        ax.axvline(v, color="grey", linestyle=style, linewidth=0.8)
        ax.axvline(-v, color="grey", linestyle=style, linewidth=0.8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels(items, fontsize=7)
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.set_xlabel(f"{_t('dif', lang)}; + = {_t('harder', lang)}")
    ref = str(table["reference"].iloc[0]) if len(table) else ""
    ax.set_title(f"{_t('dif_title', lang)} {name} (ref. {ref})".strip())
    if len(groups) > 1:
        ax.legend(fontsize=7, frameon=False, loc="lower right")
    return ax


def loadings_plot(dim: Dimensionality, ax: Axes | None = None, *, lang: str = "en") -> Axes:
    """Item loadings on the first residual contrast against item location (Winsteps Table 23)."""
    ax = _axes(ax)
    tab = dim.loadings
    x = tab["location"].to_numpy(dtype=float)
    y = tab["loading"].to_numpy(dtype=float)
    ax.scatter(x, y, color="#4c72b0", s=18)
    if len(tab) <= 60:
        for name, xi, yi in zip(tab["item"].astype(str), x, y, strict=True):
            ax.annotate(
                name, (float(xi), float(yi)), fontsize=7, xytext=(3, 2), textcoords="offset points"
            )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel(_t("location", lang))
    ax.set_ylabel(_t("loading", lang))
    ax.set_title(
        f"{_t('contrast_title', lang)} (eigenvalue {dim.first_eigenvalue:.2f})"
        if lang == "en"
        else f"{_t('contrast_title', lang)} (egenvärde {dim.first_eigenvalue:.2f})".replace(
            ".", ","
        )
    )
    return ax


def _grid(cal: Calibration, theta: Any) -> FloatArray:
    if theta is not None:
        return np.asarray(theta, dtype=float)
    thr = cal.threshold_matrix[~np.isnan(cal.threshold_matrix)]
    return np.linspace(min(-4.0, float(thr.min()) - 2.0), max(4.0, float(thr.max()) + 2.0), 201)


def short_form_plot(form: ShortForm, ax: Axes | None = None, *, lang: str = "en") -> Axes:
    """Test information (left axis) and SE (right axis) of the full and the short form.

    The target range (or the threshold) is shaded (or marked). ``form`` is the result of
    :func:`measure.shorten`. Returns the information axes; the SE axes is its twin.
    """
    ax = _axes(ax)
    cur = form.curve
    k = len(form.items)
    n = len(form.reference.item_ids)
    full_lab = {"en": f"full form ({n} items)", "sv": f"hela formuläret ({n} frågor)"}[_lang(lang)]
    short_lab = {"en": f"short form ({k} items)", "sv": f"kortformen ({k} frågor)"}[_lang(lang)]
    ax.plot(cur["theta"], cur["information_full"], color="#4c72b0", linewidth=1.8, label=full_lab)
    ax.plot(cur["theta"], cur["information_short"], color="#dd8452", linewidth=1.8, label=short_lab)
    t = form.target
    if t.kind == "range":
        ax.axvspan(t.lo, t.hi, color="#55a868", alpha=0.12)
    else:
        ax.axvline(t.lo, color="#55a868", linewidth=1.2)
    ax.set_xlabel(_t("measure", lang))
    ax.set_ylabel(_t("information", lang))
    ax.set_ylim(0, float(cur["information_full"].max()) * 1.1)
    ax.set_xlim(float(cur["theta"].min()), float(cur["theta"].max()))
    twin = ax.twinx()
    twin.plot(cur["theta"], cur["se_full"], color="#4c72b0", linewidth=1.2, linestyle="--")
    twin.plot(cur["theta"], cur["se_short"], color="#dd8452", linewidth=1.2, linestyle="--")
    se_max = float(np.nanmin(cur["se_short"].to_numpy(dtype=float))) * 4 + 0.2
    twin.set_ylim(0, se_max)
    twin.set_ylabel(_t("sem", lang) + " (--)")
    ax.set_title(_t("info_title", lang))
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    return ax


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not one of {', '.join(map(repr, LANGS))}")
    return lang
