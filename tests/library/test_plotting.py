"""Plots: each draws on the given axes and returns them; matplotlib is imported lazily."""

from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import measure  # noqa: E402
from measure import plotting  # noqa: E402
from measure.diagnostics import dif_analysis, residual_pca  # noqa: E402


@pytest.fixture(scope="module")
def pcm_cal() -> measure.Calibration:
    sim = measure.simulate_responses(
        thresholds=[[-1.0, 0.0, 1.0]] * 5 + [[-1.0, 0.8, -0.3]], n_persons=300, rng=5
    )
    return measure.calibrate(sim.responses, model="pcm")


@pytest.fixture(scope="module")
def rasch_cal() -> measure.Calibration:
    sim = measure.simulate_responses(
        thresholds=[[x] for x in np.linspace(-1.5, 1.5, 8)], n_persons=300, rng=6
    )
    return measure.calibrate(sim.responses, model="rasch")


@pytest.fixture()
def ax():
    fig, axes = plt.subplots()
    yield axes
    plt.close(fig)


def test_matplotlib_is_imported_only_when_a_plot_is_drawn():
    code = "import sys, measure.plotting, measure.diagnostics; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_wright_map_draws_persons_and_every_threshold(pcm_cal, ax):
    got = plotting.wright_map(pcm_cal, ax, bins=20)
    assert got is ax
    assert len(ax.patches) == 20  # one bar per bin
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(labels[:-1]) == sorted(pcm_cal.item_ids)  # one row per item
    assert labels[-1] == "Persons (n=300)"
    thr = pcm_cal.threshold_matrix[~np.isnan(pcm_cal.threshold_matrix)]
    xs = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections[:-1]])
    np.testing.assert_allclose(np.sort(xs), np.sort(thr))  # one marker per threshold
    lo, hi = ax.get_xlim()
    assert lo < thr.min() and hi > thr.max()
    assert ax.get_xlabel() == "Measure (logits)"
    # item6 has disordered thresholds: its label is marked
    red = [t.get_text() for t in ax.get_yticklabels() if t.get_color() != "black"]
    assert red == ["item6"]


def test_wright_map_items_and_swedish_labels(rasch_cal, ax):
    plotting.wright_map(rasch_cal, ax, show="items", lang="sv")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[:-1] == list(rasch_cal.item_ids)  # one label per item
    assert ax.get_xlabel() == "Mätvärde (logits)" and ax.get_title() == "Wright-karta"


def test_category_curves_one_line_per_category(pcm_cal, ax):
    got = plotting.category_curves(pcm_cal, "item6", ax)
    assert got is ax
    curves = [ln for ln in ax.lines if ln.get_label().startswith("category")]
    assert len(curves) == 4
    total = np.sum([ln.get_ydata() for ln in curves], axis=0)
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    assert ax.get_title() == "Category probabilities: item6"


def test_expected_score_curve_with_class_means(pcm_cal, ax):
    got = plotting.expected_score_curve(pcm_cal, 0, ax, n_classes=5)
    assert got is ax
    model = ax.lines[0].get_ydata()
    assert np.all(np.diff(model) > 0) and model.min() >= 0 and model.max() <= 3
    assert len(ax.containers) == 1  # the observed class means with error bars
    x, y = ax.containers[0][0].get_data()
    assert len(x) == 5 and np.all(np.diff(x) > 0)


def test_information_plot_has_a_sem_axis(pcm_cal, ax):
    got = plotting.information_plot(pcm_cal, ax)
    assert got is ax
    twins = [a for a in ax.figure.axes if a is not ax]
    assert len(twins) == 1 and twins[0].get_ylabel() == "Standard error (SEM)"
    info = ax.lines[0].get_ydata()
    sem = twins[0].lines[0].get_ydata()
    np.testing.assert_allclose(sem, 1 / np.sqrt(info), rtol=1e-12)


def test_dif_plot_lists_items_and_marks_the_limits(rasch_cal, ax):
    groups = np.tile(["f", "m"], 150)
    res = dif_analysis(rasch_cal, groups)
    got = plotting.dif_plot(res, ax)
    assert got is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == list(rasch_cal.item_ids)
    xs = sorted({ln.get_xdata()[0] for ln in ax.lines if len(ln.get_xdata()) == 2})
    assert xs == pytest.approx([-0.64, -0.43, 0.0, 0.43, 0.64])
    plotting.dif_plot(res.table, ax)  # a bare table works too


def test_loadings_plot(rasch_cal, ax):
    dim = residual_pca(rasch_cal)
    got = plotting.loadings_plot(dim, ax, lang="sv")
    assert got is ax and "egenvärde" in ax.get_title()
    labels = [t.get_text().split(" ")[0] for t in ax.get_yticklabels()]
    assert sorted(labels) == sorted(rasch_cal.item_ids)
    assert list(dim.loadings.sort_values("loading")["item"]) == labels


def test_new_axes_when_none_given(rasch_cal):
    got = plotting.category_curves(rasch_cal, "item1")
    try:
        curves = [ln for ln in got.lines if ln.get_label().startswith("category")]
        assert got.figure is not None and len(curves) == 2
    finally:
        plt.close(got.figure)


def test_plot_errors_name_the_problem(rasch_cal, ax):
    with pytest.raises(ValueError, match=r"unknown item 'q9' \(items: item1, item2"):
        plotting.category_curves(rasch_cal, "q9", ax)
    with pytest.raises(ValueError, match=r"item index 8 out of range 0..7"):
        plotting.expected_score_curve(rasch_cal, 8, ax)
    with pytest.raises(ValueError, match=r"lang='fi' is not one of 'en', 'sv'"):
        plotting.information_plot(rasch_cal, ax, lang="fi")
    with pytest.raises(ValueError, match=r"show='persons' is not one of"):
        plotting.wright_map(rasch_cal, ax, show="persons")
    with pytest.raises(ValueError, match=r"order='size' is not one of 'location', 'items'"):
        plotting.wright_map(rasch_cal, ax, order="size")
