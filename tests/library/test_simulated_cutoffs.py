"""Cut-offs simulated from the fitted model (diagnostics.simulate_cutoffs, item_analysis)."""

from __future__ import annotations

import numpy as np
import pytest

import measure
from measure.diagnostics import item_analysis, simulate_cutoffs
from measure.diagnostics.bootstrap import simulate_statistics

B = np.linspace(-2.0, 2.0, 10)


def _cal(seed: int, n: int = 400, missing: float = 0.0) -> measure.Calibration:
    sim = measure.simulate_responses(
        thresholds=[[x] for x in B], n_persons=n, rng=seed, missing=missing
    )
    return measure.calibrate(sim.responses, model="rasch")


def test_same_seed_same_cutoffs_and_another_seed_differs() -> None:
    cal = _cal(1)
    a = simulate_cutoffs(cal, n_replicates=15, rng=5)
    b = simulate_cutoffs(cal, n_replicates=15, rng=5)
    c = simulate_cutoffs(cal, n_replicates=15, rng=6)
    np.testing.assert_array_equal(a.cond_outfit, b.cond_outfit)
    np.testing.assert_array_equal(a.first_contrast, b.first_contrast)
    assert not np.array_equal(a.cond_infit, c.cond_infit)
    assert a.seed == 5 and a.n_replicates == 15


def test_replicates_keep_the_missing_pattern() -> None:
    cal = _cal(2, missing=0.2)
    theta = cal.persons["wle"].to_numpy(dtype=float)
    cut = simulate_statistics(
        cal.values, cal.threshold_matrix, cal.max_category, theta, n_replicates=5, rng=1
    )
    assert np.isfinite(cut.cond_outfit).all() and np.isfinite(cut.q3_star_max).all()
    lo, hi = cut.outfit_interval()
    assert np.all(lo < hi)


def test_item_analysis_intervals_and_verdicts() -> None:
    ia = item_analysis(_cal(3), bootstrap=30, rng=2)
    items = ia.items
    assert {"cond_outfit_lower", "cond_infit_upper", "cond_fit_verdict"} <= set(items)
    assert np.all(items["cond_outfit_lower"] < items["cond_outfit_upper"])
    assert set(items["cond_fit_verdict"]) <= {"ok", "underfit", "overfit"}
    assert ia.dimensionality["cutoff"].iloc[0] == pytest.approx(ia.cutoffs.contrast_cutoff)  # type: ignore[union-attr]
    assert len(ia.local_dependence) == len(B) * (len(B) - 1)


def test_invalid_settings_are_refused() -> None:
    cal = _cal(4, n=100)
    with pytest.raises(ValueError, match="n_replicates"):
        simulate_cutoffs(cal, n_replicates=0)
    with pytest.raises(ValueError, match="level"):
        simulate_cutoffs(cal, n_replicates=2, level=1.5)


@pytest.mark.slow
def test_coverage_on_data_from_the_model() -> None:
    """About 5 % of items flagged per statistic at 2,000 x 10 (20 data sets, B = 200): the
    observed rate must lie within 1-9 % (binomial SD of the rate about 1.5 points)."""
    out, inf = [], []
    for rep in range(20):
        cal = _cal(100 + rep, n=2000)
        cut = simulate_cutoffs(cal, n_replicates=200, rng=rep)
        lo, hi = cut.outfit_interval()
        o = cal.items["cond_outfit_msq"].to_numpy(dtype=float)
        out.append((o < lo) | (o > hi))
        lo, hi = cut.infit_interval()
        i = cal.items["cond_infit_msq"].to_numpy(dtype=float)
        inf.append((i < lo) | (i > hi))
    assert 0.01 <= float(np.mean(out)) <= 0.09
    assert 0.01 <= float(np.mean(inf)) <= 0.09
    assert float(np.max(np.mean(out, axis=0))) <= 0.3


def test_refit_reestimates_the_items_in_every_replicate() -> None:
    cal = _cal(6, n=300)
    fixed = simulate_cutoffs(cal, n_replicates=8, rng=3)
    refit = simulate_cutoffs(cal, n_replicates=8, rng=3, refit=True)
    assert refit.refit and not fixed.refit
    assert np.isfinite(refit.cond_outfit).all()
    # the same draws, scored with re-estimated items: close but not identical
    assert not np.array_equal(refit.cond_outfit, fixed.cond_outfit)
    assert float(np.median(np.abs(refit.cond_outfit - fixed.cond_outfit))) < 0.1
