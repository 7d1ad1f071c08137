"""Readable plots: at 6, 20 and 40 items no two texts overlap, none leaves the figure, legends
sit outside the data, and Swedish plots use a decimal comma.

Every plot is drawn with Agg into the figure measure makes for it (``ax=None``) and, for the
report, into the report's own figures; the texts checked are the ones the renderer actually
drew (tick labels, titles, axis labels, legends, annotations).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import RendererAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import measure  # noqa: E402
from measure import plotting  # noqa: E402
from measure.diagnostics import dif_analysis, residual_pca  # noqa: E402

SIZES = (6, 20, 40)


def _pcm_calibration(n_items: int, seed: int) -> measure.Calibration:
    """A partial credit calibration: ``n_items`` items with 4 ordered thresholds each."""
    rng = np.random.default_rng(seed)
    locations = rng.normal(0.0, 0.8, n_items)
    steps = np.array([-1.5, -0.5, 0.5, 1.5])
    thresholds = [np.sort(loc + steps + rng.normal(0.0, 0.2, 4)) for loc in locations]
    sim = measure.simulate_responses(thresholds=thresholds, n_persons=600, person_sd=1.5, rng=seed)
    return measure.calibrate(sim.responses, model="pcm")


@pytest.fixture(scope="module")
def cals() -> dict[int, measure.Calibration]:
    return {n: _pcm_calibration(n, seed=n) for n in SIZES}


@pytest.fixture()
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[Text]:
    """The Text artists the Agg renderer draws (recorded by a spy on ``draw_text``)."""
    seen: list[Text] = []
    original = RendererAgg.draw_text

    def spy(self: RendererAgg, gc: Any, x: float, y: float, s: str, prop: Any, angle: float,
            ismath: Any = False, mtext: Text | None = None) -> None:  # fmt: skip
        if mtext is not None and s.strip() and all(mtext is not t for t in seen):
            seen.append(mtext)
        original(self, gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    monkeypatch.setattr(RendererAgg, "draw_text", spy)
    return seen


def _overlap(a: Any, b: Any) -> tuple[float, float]:
    return (min(a.x1, b.x1) - max(a.x0, b.x0), min(a.y1, b.y1) - max(a.y0, b.y0))


def _check_readable(fig: Figure, texts: list[Text], what: str) -> None:
    """No two drawn texts overlap by 1 px or more; each lies inside the figure; every legend
    lies outside the plotting area of every axes of the figure."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    assert texts, f"{what}: nothing drawn"
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    page = fig.bbox
    for text, box in boxes:
        assert (
            box.x0 >= page.x0 - 1
            and box.y0 >= page.y0 - 1
            and box.x1 <= page.x1 + 1
            and box.y1 <= page.y1 + 1
        ), f"{what}: {text!r} at {box.bounds} falls outside the figure {page.bounds}"
    clashes = []
    for i in range(len(boxes)):
        for j in range(i):
            dx, dy = _overlap(boxes[i][1], boxes[j][1])
            if dx >= 1 and dy >= 1:
                clashes.append((boxes[j][0], boxes[i][0]))
    assert not clashes, f"{what}: {len(clashes)} overlapping text pairs, e.g. {clashes[:5]}"
    for ax in fig.axes:
        if ax.get_legend() is None:
            continue
        leg = ax.get_legend().get_window_extent(renderer)
        for other in fig.axes:
            dx, dy = _overlap(leg, other.bbox)
            assert dx < 1 or dy < 1, f"{what}: the legend covers the plotting area"


def _standalone(draw: Callable[[], Any]) -> Iterator[Figure]:
    ax = draw()
    fig = ax.figure
    try:
        fig.canvas.draw()
        yield fig
    finally:
        plt.close(fig)


def _plots(cal: measure.Calibration, lang: str) -> dict[str, Callable[[], Any]]:
    groups = np.resize(np.array(["a", "b", "c"]), len(cal.persons))
    dif = dif_analysis(cal, groups, name="area")
    dim = residual_pca(cal)
    item = cal.item_ids[-1]
    return {
        "wright_map": lambda: plotting.wright_map(cal, lang=lang),
        "wright_map items": lambda: plotting.wright_map(cal, show="items", lang=lang),
        "category_curves": lambda: plotting.category_curves(cal, item, lang=lang),
        "expected_score_curve": lambda: plotting.expected_score_curve(cal, item, lang=lang),
        "information_plot": lambda: plotting.information_plot(cal, lang=lang),
        "dif_plot": lambda: plotting.dif_plot(dif, lang=lang),
        "loadings_plot": lambda: plotting.loadings_plot(dim, lang=lang),
    }


@pytest.mark.parametrize("n_items", SIZES)
@pytest.mark.parametrize("lang", ["en", "sv"])
def test_every_plot_is_readable(cals, drawn, n_items, lang):
    for name, draw in _plots(cals[n_items], lang).items():
        drawn.clear()
        for fig in _standalone(draw):
            _check_readable(fig, list(drawn), f"{name} at {n_items} items ({lang})")


@pytest.mark.parametrize("n_items", SIZES)
def test_wright_map_labels_every_item_once(cals, drawn, n_items):
    cal = cals[n_items]
    for fig in _standalone(lambda: plotting.wright_map(cal)):
        shown = [t.get_text() for t in drawn]
        assert sorted(t for t in shown if t in cal.item_ids) == sorted(cal.item_ids)
        ax = fig.axes[0]
        markers = sum(len(c.get_offsets()) for c in ax.collections)
        # every threshold (4 per item) and every item location has a marker
        assert markers == 4 * n_items + n_items
        assert fig.get_size_inches()[1] == pytest.approx(plotting.wright_map_size(cal)[1])


def test_the_report_figures_are_readable(cals, drawn):
    """The report draws into its own figures (fixed size); the same checks hold there."""
    from measure.report import html

    cal = cals[40]
    captured: list[Any] = []

    def keep(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def draw(ax: Any) -> Any:
            captured.append(ax)
            return fn(ax)

        return draw

    for name, fn, size in [
        ("wright_map", lambda ax: plotting.wright_map(cal, ax, lang="sv"), None),
        ("curves", lambda ax: plotting.category_curves(cal, 0, ax, lang="sv"), (5.2, 3.2)),
        ("ecc", lambda ax: plotting.expected_score_curve(cal, 0, ax, lang="sv"), (5.2, 3.2)),
        ("information", lambda ax: plotting.information_plot(cal, ax, lang="sv"), (6.4, 3.8)),
    ]:
        drawn.clear()
        captured.clear()
        html._figure(keep(fn), size or plotting.wright_map_size(cal))
        _check_readable(captured[0].figure, list(drawn), f"report {name}")


def test_dif_groups_differ_by_colour_and_marker_in_the_okabe_ito_palette(cals):
    cal = cals[6]
    groups = np.resize(np.array(["a", "b", "c"]), len(cal.persons))
    ax = plotting.dif_plot(dif_analysis(cal, groups, name="area"))
    try:
        handles = ax.get_legend().legend_handles
        by_group = {
            h.get_label(): (h.get_color(), h.get_marker())
            for h in handles
            if h.get_label() in {"b", "c"}
        }
        colours = {c for c, _ in by_group.values()}
        markers = {m for _, m in by_group.values()}
        assert len(by_group) == 2 and len(colours) == 2 and len(markers) == 2
        assert {c.upper() for c in colours} <= set(plotting.PALETTE)
    finally:
        plt.close(ax.figure)


_DECIMAL_POINT = re.compile(r"\d\.\d")
_DECIMAL_COMMA = re.compile(r"\d,\d")


@pytest.mark.parametrize(
    "name",
    [
        "wright_map",
        "category_curves",
        "expected_score_curve",
        "information_plot",
        "dif_plot",
        "loadings_plot",
    ],
)
def test_swedish_plots_write_a_decimal_comma(cals, drawn, name):
    cal = cals[6]
    found = {}
    for lang in ("en", "sv"):
        drawn.clear()
        for _fig in _standalone(_plots(cal, lang)[name]):
            found[lang] = [t.get_text() for t in drawn]
    assert not [t for t in found["sv"] if _DECIMAL_POINT.search(t)], found["sv"]
    english = [t for t in found["en"] if _DECIMAL_POINT.search(t)]
    swedish = [t for t in found["sv"] if _DECIMAL_COMMA.search(t)]
    assert len(swedish) == len(english), (english, swedish)
    if name in ("category_curves", "information_plot", "loadings_plot"):  # decimal ticks
        assert english, found["en"]


def test_category_curves_take_category_labels(cals):
    cal = cals[6]
    labels = ["Aldrig", "Sällan", "Ibland", "Ofta", "Alltid"]
    ax = plotting.category_curves(cal, 0, category_labels=labels, lang="sv")
    try:
        assert [t.get_text() for t in ax.get_legend().get_texts()] == labels
    finally:
        plt.close(ax.figure)
    with pytest.raises(ValueError, match=r"gives 2 label\(s\) for item 'item1', which has 5"):
        plotting.category_curves(cal, 0, category_labels=["a", "b"])


def test_the_swedish_report_labels_the_curves_with_the_instruments_options(drawn):
    from measure.diagnostics import assess
    from measure.instrument import load_instrument
    from measure.report import render_report

    who5 = load_instrument("who5")
    sim = measure.simulate_responses(
        thresholds=[[-2.0, -1.0, 0.0, 1.0, 2.0]] * 5,
        n_persons=500,
        person_sd=1.5,
        item_names=list(who5.item_ids),
        rng=15,
    )
    cal = measure.calibrate(sim.responses, instrument=who5)
    assessment = assess(cal)
    render_report(assessment, lang="sv", instrument=who5, max_curves=1)
    shown = {t.get_text() for t in drawn}
    swedish = [c.labels["sv"] for c in who5.item(cal.item_ids[0]).categories]
    assert set(swedish) <= shown, sorted(shown)
    assert not any(t.startswith("kategori ") for t in shown)
    drawn.clear()
    render_report(assessment, lang="sv", max_curves=1)  # no instrument: numbered categories
    assert {f"kategori {k}" for k in range(6)} <= {t.get_text() for t in drawn}


def test_category_labels_follow_reverse_keying_and_collapsed_categories():
    from measure.instrument import load_instrument

    who5 = load_instrument("who5")
    ids = list(who5.item_ids)
    sim = measure.simulate_responses(
        thresholds=[[-2.0, -1.0, 0.0, 1.0, 2.0]] * 5, n_persons=400, item_names=ids, rng=3
    )
    data = sim.responses.copy()
    data.loc[data[ids[1]] == 2, ids[1]] = 3  # category 2 of the second item never used
    with pytest.warns(measure.NullCategoryWarning):
        cal = measure.calibrate(
            data, instrument=who5, model="pcm", reverse=[ids[0]], null_categories="collapse"
        )
    sv = [c.labels["sv"] for c in who5.item(ids[0]).categories]
    assert plotting.category_labels(cal, ids[0], who5, lang="sv") == sv[::-1]
    got = plotting.category_labels(cal, ids[1], who5, lang="sv")
    assert got is not None and len(got) == 5
    assert sum(" / " in g for g in got) == 1 and " / ".join(sv[1:3]) in got
    assert plotting.category_labels(cal, ids[2], None) is None
