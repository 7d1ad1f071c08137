"""Plots of a calibration: Wright map, category curves, expected scores, information, DIF.

Every function draws on ``ax`` (a new figure with a constrained layout when ``ax=None``) and
returns the axes, so plots compose with the user's own figures. matplotlib is imported only
when a plot is drawn (installed with measure). Labels are in English (``lang="en"``) or Swedish
(``lang="sv"``, with decimal commas). Colours are the Okabe-Ito palette (:data:`PALETTE`);
legends sit outside the axes.
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
    from measure.instrument import Instrument
    from measure.shortform import ShortForm

__all__ = [
    "wright_map",
    "category_curves",
    "expected_score_curve",
    "information_plot",
    "dif_plot",
    "loadings_plot",
    "short_form_plot",
    "format_axes",
    "category_labels",
    "figure_height",
    "wright_map_size",
    "PALETTE",
    "MARKERS",
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
    "threshold": {"en": "threshold", "sv": "tröskel"},
    "item_location": {"en": "item location", "sv": "frågans läge"},
    "flagged": {"en": "filled: ETS class B or C", "sv": "fylld: ETS-klass B eller C"},
}


def _t(key: str, lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not one of {', '.join(map(repr, LANGS))}")
    return _LABELS[key][lang]


#: The Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008), used by every plot; yellow last
#: because it is faint on white.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
#: Markers paired with :data:`PALETTE`, so groups differ by colour and by shape.
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")

_ROW_INCHES = 0.22  # height of one item row in the row-per-item plots


def figure_height(n_rows: float, *, extra: float = 1.6, minimum: float = 3.0) -> float:
    """Height in inches that gives each of ``n_rows`` item rows room for its label.

    ``extra`` is the room for the title, the axis label and the tick labels. Used for the
    Wright map, the DIF plot and the loadings plot, whose height grows with the items.
    """
    return max(minimum, _ROW_INCHES * n_rows + extra)


def format_axes(ax: Axes, lang: str = "en") -> Axes:
    """Give the numeric axes of ``ax`` the number format of ``lang`` (decimal comma in Swedish).

    Independent of the operating system's locale. Axes with text tick labels (items) are left
    as they are. Returns ``ax``.
    """
    from matplotlib.ticker import ScalarFormatter

    if _lang(lang) != "sv":
        return ax
    for axis in (ax.xaxis, ax.yaxis):
        if isinstance(axis.get_major_formatter(), ScalarFormatter):
            axis.set_major_formatter(_comma_formatter())
    return ax


def _comma_formatter() -> Any:
    from matplotlib.ticker import ScalarFormatter

    class CommaFormatter(ScalarFormatter):
        """matplotlib's default number format with a decimal comma."""

        def __call__(self, x: float, pos: int | None = None) -> str:
            return str(super().__call__(x, pos)).replace(".", ",")

        def get_offset(self) -> str:
            return str(super().get_offset()).replace(".", ",")

    return CommaFormatter()


def _num(x: float, lang: str, digits: int = 2) -> str:
    text = f"{x:.{digits}f}"
    return text.replace(".", ",") if lang == "sv" else text


def _legend_right(
    ax: Axes, handles: list[Any] | None = None, labels: list[str] | None = None
) -> Any:
    """A legend outside the axes, to their right (figures from measure use a constrained
    layout, which makes room for it)."""
    kw: dict[str, Any] = {
        "loc": "upper left",
        "bbox_to_anchor": (1.02, 1.0),
        "borderaxespad": 0.0,
        "fontsize": 7,
        "frameon": False,
    }
    if handles is not None and labels is not None:
        return ax.legend(handles, labels, **kw)
    return ax.legend(**kw)


def _legend_below(ax: Axes, handles: list[Any], labels: list[str]) -> Any:
    """A legend outside the axes, below the x-axis label (for plots with a twin y-axis)."""
    from matplotlib.transforms import ScaledTranslation

    shift = ScaledTranslation(0.0, -0.5, ax.figure.dpi_scale_trans)
    return ax.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=ax.transAxes + shift,
        ncol=min(3, max(1, len(labels))),
        fontsize=7,
        frameon=False,
    )


def _axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.2)) -> Axes:
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise MissingDependencyError(
            "plotting needs matplotlib, which measure installs: pip install matplotlib"
        ) from exc
    fig, new_ax = plt.subplots(figsize=figsize, layout="constrained")
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


def wright_map_size(cal: Calibration, *, width: float = 7.0) -> tuple[float, float]:
    """The figure size (inches) at which :func:`wright_map` labels every item without overlap."""
    n = len(cal.item_ids)
    return (width, figure_height(n + _band_rows(n), extra=1.5, minimum=4.0))


def _band_rows(n_items: int) -> float:
    return max(4.0, 0.3 * n_items)


def wright_map(
    cal: Calibration,
    ax: Axes | None = None,
    *,
    show: str = "thresholds",
    bins: int = 30,
    order: str = "location",
    lang: str = "en",
) -> Axes:
    """Persons and items on one logit axis (the measure runs left to right).

    Top band: a histogram of the person measures (the calibration's estimator; persons without
    a finite measure left out; their number is in the band's label). Below: one row per item,
    labelled with the item id, with its thresholds (``show="thresholds"``; threshold ``k`` has
    its own colour and marker, explained in the legend) and its location (black bar), or only
    its location (``show="items"``). Rows are ordered by location, the hardest at the top
    (``order="location"``), or in the data's order (``order="items"``, first at the top).
    Items with disordered thresholds have their label in vermillion.

    Every item is labelled; the figure height should grow with the items
    (:func:`wright_map_size`; a new figure gets it).
    """
    if show not in ("thresholds", "items"):
        raise ValueError(f"show={show!r} is not one of 'thresholds', 'items'")
    if order not in ("location", "items"):
        raise ValueError(f"order={order!r} is not one of 'location', 'items'")
    _lang(lang)
    if ax is None:
        ax = _axes(None, wright_map_size(cal))
    ids = [str(i) for i in cal.item_ids]
    n = len(ids)
    thr = np.asarray(cal.threshold_matrix, dtype=float)
    loc = np.asarray(cal.items["location"].to_numpy(dtype=float))
    rows = (
        np.argsort(np.argsort(loc, kind="stable"), kind="stable")
        if order == "location"
        else np.arange(n)[::-1]
    ).astype(float)
    m = cal.persons["measure"].to_numpy(dtype=float)
    n_all = m.size
    m = m[np.isfinite(m)]
    finite = thr[np.isfinite(thr)]
    pts = np.concatenate([finite, loc[np.isfinite(loc)], m]) if n_all else finite
    lo = float(pts.min()) - 0.5 if pts.size else -3.0
    hi = float(pts.max()) + 0.5 if pts.size else 3.0
    # person band above the item rows
    band = _band_rows(n)
    base = n - 0.5 + 0.6
    edges = np.linspace(lo, hi, bins + 1)
    counts, _ = np.histogram(m, bins=edges)
    top = max(int(counts.max()) if counts.size else 1, 1)
    ax.bar(
        edges[:-1],
        counts / top * (band - 0.4),
        width=np.diff(edges),
        bottom=base,
        align="edge",
        color=PALETTE[5],
        edgecolor="white",
        linewidth=0.5,
    )
    ax.axhline(n - 0.5 + 0.3, color="grey", linewidth=0.6)
    handles: list[Any] = []
    labels: list[str] = []
    if show == "thresholds":
        n_thr = thr.shape[1] if thr.ndim == 2 else 0
        for j in range(n):
            ok = np.isfinite(thr[j])
            if ok.sum() > 1:
                ax.plot(
                    [thr[j][ok].min(), thr[j][ok].max()],
                    [rows[j], rows[j]],
                    color="grey",
                    linewidth=0.8,
                    zorder=1,
                )
        for k in range(n_thr):
            col = thr[:, k]
            ok = np.isfinite(col)
            if not ok.any() or int(np.max(cal.max_category)) == 1:
                continue
            h = ax.scatter(
                col[ok],
                rows[ok],
                marker=MARKERS[k % len(MARKERS)],
                color=PALETTE[k % len(PALETTE)],
                s=22,
                zorder=3,
                edgecolors="white",
                linewidths=0.4,
            )
            handles.append(h)
            labels.append(f"{_t('threshold', lang)} {k + 1}")
    h_loc = ax.scatter(loc, rows, marker="|", color="black", s=70, zorder=4, linewidths=1.4)
    handles.append(h_loc)
    labels.append(_t("item_location", lang))
    disordered = [bool(np.any(np.diff(thr[j][np.isfinite(thr[j])]) < 0)) for j in range(n)]
    person_label = f"{_t('persons', lang)} (n={m.size})"
    ticks = [*rows.tolist(), base + band / 2]
    ax.set_yticks(ticks)
    ax.set_yticklabels([*ids, person_label], fontsize=7)
    for lab, bad in zip(ax.get_yticklabels(), [*disordered, False], strict=True):
        if bad:
            lab.set_color(PALETTE[3])
    ax.set_ylim(-0.7, base + band)
    ax.set_xlim(lo, hi)
    ax.set_xlabel(_t("measure", lang))
    ax.set_title(_t("wright", lang))
    ax.tick_params(axis="y", length=0)
    _legend_right(ax, handles, labels)
    format_axes(ax, lang)
    return ax


def category_curves(
    cal: Calibration,
    item: str | int,
    ax: Axes | None = None,
    *,
    theta: Sequence[float] | FloatArray | None = None,
    category_labels: Sequence[str] | None = None,
    lang: str = "en",
) -> Axes:
    """Category probability curves of one item, with its thresholds marked.

    Disordered thresholds show as a category whose curve is nowhere the highest.
    ``category_labels``: one label per category of the item, lowest first (e.g. the
    instrument's response options in the report's language); default ``"category 0"``, ...
    The legend sits to the right of the axes.
    """
    j = _item_index(cal, item)
    _lang(lang)
    ax = _axes(ax, (6.4, 3.6))
    m = int(cal.max_category[j])
    names = _category_names(category_labels, m, cal.item_ids[j], lang)
    thr = cal.threshold_matrix[j : j + 1, :m]
    th = _grid(cal, theta)
    p = category_probabilities(th, thr)[:, 0, : m + 1]
    styles = ("-", "--", "-.", ":")
    for c in range(m + 1):
        ax.plot(
            th,
            p[:, c],
            label=names[c],
            linewidth=1.6,
            color=PALETTE[c % len(PALETTE)],
            linestyle=styles[(c // len(PALETTE)) % len(styles)],
        )
    for k in range(m):
        ax.axvline(float(thr[0, k]), color="grey", linestyle=":", linewidth=0.8)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(float(th.min()), float(th.max()))
    ax.set_xlabel(_t("measure", lang))
    ax.set_ylabel(_t("probability", lang))
    ax.set_title(f"{_t('categories', lang)}: {cal.item_ids[j]}")
    _legend_right(ax)
    format_axes(ax, lang)
    return ax


def category_labels(
    cal: Calibration, item: str | int, instrument: Instrument | None, *, lang: str = "en"
) -> list[str] | None:
    """The labels of one item's categories in the calibration, from the instrument, in ``lang``.

    Follows what the gate and the pipeline did to the categories: a reverse-keyed item's labels
    run in reverse (category ``k`` is the instrument's ``top - k``), and categories merged by
    ``null_categories="collapse"`` share one label, joined by " / ". ``None`` when there is no
    instrument, the item is not in it, or the instrument's categories do not match the item's.
    """
    j = _item_index(cal, item)
    _lang(lang)
    item_id = str(cal.item_ids[j])
    if instrument is None or item_id not in instrument.item_ids:
        return None
    from measure.instrument import localised

    names = [localised(c.labels, lang) for c in instrument.item(item_id).categories]
    if item_id in cal.responses.reversed_items:
        names = names[::-1]
    mapping = cal.category_map.get(item_id)
    if mapping is not None:
        if len(mapping) != len(names):
            return None
        merged: list[list[str]] = [[] for _ in range(max(mapping) + 1)]
        for name, k in zip(names, mapping, strict=True):
            merged[k].append(name)
        names = [" / ".join(group) for group in merged]
    if len(names) != int(cal.max_category[j]) + 1:
        return None
    return names


def _category_names(labels: Sequence[str] | None, m: int, item: str, lang: str) -> list[str]:
    if labels is None:
        return [f"{_t('category', lang)} {c}" for c in range(m + 1)]
    names = [str(x) for x in labels]
    if len(names) != m + 1:
        raise ValueError(
            f"category_labels gives {len(names)} label(s) for item {item!r}, which has "
            f"{m + 1} categories (0..{m}); give one label per category, lowest first"
        )
    return names


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
    misfit (as RUMM2030's item characteristic curve). The legend sits to the right of the axes.
    """
    j = _item_index(cal, item)
    _lang(lang)
    ax = _axes(ax, (6.4, 3.6))
    th = _grid(cal, theta)
    e, _, _, _ = item_moments(th, cal.threshold_matrix[j : j + 1])
    ax.plot(th, e[:, 0], color=PALETTE[0], linewidth=1.8, label=_t("model", lang))
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
            fmt=MARKERS[1],
            color=PALETTE[3],
            capsize=3,
            markersize=5,
            label=_t("observed", lang),
        )
    ax.set_xlim(float(th.min()), float(th.max()))
    ax.set_ylim(-0.05, int(cal.max_category[j]) + 0.05)
    ax.set_xlabel(_t("measure", lang))
    ax.set_ylabel(_t("expected", lang))
    ax.set_title(f"{_t('expected', lang)}: {cal.item_ids[j]}")
    _legend_right(ax)
    format_axes(ax, lang)
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
    axes is its twin. The legend sits below the axes.
    """
    from measure.diagnostics.targeting import information_curve

    _lang(lang)
    ax = _axes(ax, (6.4, 4.0))
    info = information_curve(cal, rules=rules)
    cur = info.curve
    ax.plot(
        cur["theta"],
        cur["information"],
        color=PALETTE[0],
        linewidth=1.8,
        label=_t("information", lang),
    )
    ax.set_xlabel(_t("measure", lang))
    ax.set_ylabel(_t("information", lang), color=PALETTE[0])
    if np.isfinite(info.precise_from):
        ax.axvspan(
            info.precise_from,
            info.precise_to,
            color=PALETTE[2],
            alpha=0.15,
            label=_t("precise", lang),
        )
    twin = ax.twinx()
    sem = cur["sem"].to_numpy(dtype=float)
    twin.plot(
        cur["theta"], sem, color=PALETTE[3], linewidth=1.4, linestyle="--", label=_t("sem", lang)
    )
    twin.set_ylim(0, min(float(np.nanmax(sem)), 4 * float(np.nanmin(sem)) + 1.0))
    twin.set_ylabel(_t("sem", lang), color=PALETTE[3])
    ax.set_xlim(float(cur["theta"].min()), float(cur["theta"].max()))
    ax.set_ylim(0, float(cur["information"].max()) * 1.1)
    ax.set_title(_t("info_title", lang))
    lines = ax.get_legend_handles_labels()
    lines2 = twin.get_legend_handles_labels()
    _legend_below(ax, lines[0] + lines2[0], lines[1] + lines2[1])
    format_axes(ax, lang)
    format_axes(twin, lang)
    return ax


def dif_plot(
    dif: DIFResult | pd.DataFrame,
    ax: Axes | None = None,
    *,
    rules: Rules | None = None,
    lang: str = "en",
) -> Axes:
    """DIF contrasts with 95% intervals per item, one row per item.

    Each focal group has its own colour and marker (Okabe-Ito palette); a contrast of ETS class
    B or C has a filled marker, class A an open one. Dashed lines at +-``dif_b`` (ETS B) and
    dotted at +-``dif_c`` (ETS C) logits. The legend sits to the right of the axes.
    """
    from matplotlib.lines import Line2D

    from measure.diagnostics.rules import Rules

    _lang(lang)
    rules = rules or Rules()
    table = dif.table if not isinstance(dif, pd.DataFrame) else dif
    name = getattr(dif, "name", "")
    items = list(dict.fromkeys(table["item"].astype(str)))
    groups = list(dict.fromkeys(table["group"].astype(str)))
    ax = _axes(ax, (6.4, figure_height(len(items))))
    offsets = np.linspace(-0.2, 0.2, len(groups)) if len(groups) > 1 else np.zeros(1)
    row = {it: i for i, it in enumerate(items)}
    handles: list[Any] = []
    for gi, g in enumerate(groups):
        sub = table[table["group"].astype(str) == g]
        colour = PALETTE[gi % len(PALETTE)]
        marker = MARKERS[gi % len(MARKERS)]
        d = sub["contrast"].to_numpy(dtype=float)
        se = sub["se"].to_numpy(dtype=float)
        y = np.array([row[str(i)] for i in sub["item"]], dtype=float) + offsets[gi]
        flagged = sub["ets_class"].astype(str).isin(["B", "C"]).to_numpy()
        ok = np.isfinite(d)
        err = np.where(np.isfinite(se), Z95 * se, 0.0)
        for fill, sel in ((True, ok & flagged), (False, ok & ~flagged)):
            if not sel.any():
                continue
            ax.errorbar(
                d[sel],
                y[sel],
                xerr=err[sel],
                fmt=marker,
                color=colour,
                markerfacecolor=colour if fill else "white",
                capsize=2,
                markersize=5,
                linewidth=1.0,
            )
        handles.append(
            Line2D([], [], marker=marker, color=colour, linestyle="none", markersize=5, label=g)
        )
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
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            color="grey",
            markerfacecolor="grey",
            linestyle="none",
            markersize=5,
            label=_t("flagged", lang),
        )
    )
    _legend_right(ax, handles, [str(h.get_label()) for h in handles])
    format_axes(ax, lang)
    return ax


def loadings_plot(dim: Dimensionality, ax: Axes | None = None, *, lang: str = "en") -> Axes:
    """Item loadings on the first residual contrast, one row per item sorted by loading.

    The items at the two ends form the contrast (Winsteps Table 23); the row label gives the
    item and its location in logits, so a contrast between easy and hard items shows as
    locations that run with the loadings.
    """
    _lang(lang)
    tab = dim.loadings
    ax = _axes(ax, (6.4, figure_height(len(tab))))
    order = np.argsort(tab["loading"].to_numpy(dtype=float), kind="stable")
    names = tab["item"].astype(str).to_numpy()[order]
    x = tab["loading"].to_numpy(dtype=float)[order]
    locs = tab["location"].to_numpy(dtype=float)[order]
    y = np.arange(len(x), dtype=float)
    colours = [PALETTE[0] if v >= 0 else PALETTE[3] for v in x]
    ax.hlines(y, 0.0, x, colors=colours, linewidth=1.2)
    ax.scatter(x, y, color=colours, s=22, zorder=3)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(
        [f"{nm} ({_num(float(v), lang, 1)})" for nm, v in zip(names, locs, strict=True)],
        fontsize=7,
    )
    ax.set_ylim(-0.7, len(x) - 0.3)
    ax.set_xlabel(_t("loading", lang))
    ax.set_ylabel(f"{_t('items_loc', lang)} ({_t('location', lang).lower()})")
    word = "eigenvalue" if lang == "en" else "egenvärde"
    ax.set_title(f"{_t('contrast_title', lang)} ({word} {_num(dim.first_eigenvalue, lang)})")
    format_axes(ax, lang)
    return ax


def _grid(cal: Calibration, theta: Any) -> FloatArray:
    if theta is not None:
        return np.asarray(theta, dtype=float)
    thr = cal.threshold_matrix[~np.isnan(cal.threshold_matrix)]
    return np.linspace(min(-4.0, float(thr.min()) - 2.0), max(4.0, float(thr.max()) + 2.0), 201)


def short_form_plot(form: ShortForm, ax: Axes | None = None, *, lang: str = "en") -> Axes:
    """Test information (left axis) and SE (right axis) of the full and the short form.

    The target range (or the threshold) is shaded (or marked). ``form`` is the result of
    :func:`measure.shorten`. Returns the information axes; the SE axes is its twin. The legend
    sits below the axes.
    """
    ax = _axes(ax, (7.0, 4.4))
    cur = form.curve
    k = len(form.items)
    n = len(form.reference.item_ids)
    full_lab = {"en": f"full form ({n} items)", "sv": f"hela formuläret ({n} frågor)"}[_lang(lang)]
    short_lab = {"en": f"short form ({k} items)", "sv": f"kortformen ({k} frågor)"}[_lang(lang)]
    ax.plot(cur["theta"], cur["information_full"], color=PALETTE[0], linewidth=1.8, label=full_lab)
    ax.plot(
        cur["theta"], cur["information_short"], color=PALETTE[1], linewidth=1.8, label=short_lab
    )
    t = form.target
    if t.kind == "range":
        ax.axvspan(t.lo, t.hi, color=PALETTE[2], alpha=0.15)
    else:
        ax.axvline(t.lo, color=PALETTE[2], linewidth=1.2)
    ax.set_xlabel(_t("measure", lang))
    ax.set_ylabel(_t("information", lang))
    ax.set_ylim(0, float(cur["information_full"].max()) * 1.1)
    ax.set_xlim(float(cur["theta"].min()), float(cur["theta"].max()))
    twin = ax.twinx()
    twin.plot(cur["theta"], cur["se_full"], color=PALETTE[0], linewidth=1.2, linestyle="--")
    twin.plot(cur["theta"], cur["se_short"], color=PALETTE[1], linewidth=1.2, linestyle="--")
    se_max = float(np.nanmin(cur["se_short"].to_numpy(dtype=float))) * 4 + 0.2
    twin.set_ylim(0, se_max)
    twin.set_ylabel(_t("sem", lang) + " (--)")
    ax.set_title(_t("info_title", lang))
    handles, labels = ax.get_legend_handles_labels()
    _legend_below(ax, handles, labels)
    format_axes(ax, lang)
    format_axes(twin, lang)
    return ax


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not one of {', '.join(map(repr, LANGS))}")
    return lang
