"""The fast paths of the counting pass, the person table and the fit equal the careful ones.

Speed never changes results: every shortcut taken for large data (one bincount for the category
counts, a presence table instead of a sort for the person keys, the (key, item, category) table
for item fit, point-measure correlations and alpha) is checked here against the direct
computation, on data with and without missing cells, with extreme and too-few-answer persons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import measure
from measure import fit as mfit
from measure._estimation import cml
from measure._estimation.persons import measure_persons
from measure.results import cronbach_alpha


def _data(missing: float, seed: int, n: int = 1500) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    thr = np.sort(rng.normal(0, 1, size=(8, 3)), axis=1)
    sim = measure.simulate_responses(thresholds=thr.tolist(), n_persons=n, missing=missing, rng=rng)
    x = sim.responses.to_numpy(dtype=float)
    values = np.where(np.isnan(x), -1, x).astype(np.int16)
    values[:5] = -1  # persons with no answers
    values[5:10, 1:] = -1  # one answer only: too few for min_answered=2
    values[10:20] = 0  # extreme minimum
    return values, np.full(8, 3, dtype=np.int64)


CASES = [(0.0, 1), (0.2, 2), (0.5, 3)]


@pytest.mark.parametrize(("missing", "seed"), CASES)
def test_counting_pass_equals_direct_counts(missing: float, seed: int) -> None:
    values, max_cat = _data(missing, seed)
    stats, index = cml.count(values, max_cat)
    answered = values >= 0
    raw = np.where(answered, values, 0).sum(axis=1)
    top = (answered * max_cat).sum(axis=1)
    np.testing.assert_array_equal(index.raw_score, raw)
    np.testing.assert_array_equal(index.n_answered, answered.sum(axis=1))
    np.testing.assert_array_equal(index.max_score, top)
    informative = (raw > 0) & (raw < top) & answered.any(axis=1)
    for j in range(values.shape[1]):
        col = values[:, j]
        for c in range(4):
            assert index.answer_counts[j, c] == np.sum(col == c)
            assert stats.category_counts[j, c] == np.sum((col == c) & informative)
    assert stats.n_informative == int(informative.sum())


@pytest.mark.parametrize("upper_factor", [1, 100])
def test_dense_unique_equals_numpy_unique(upper_factor: int) -> None:
    rng = np.random.default_rng(5)
    code = rng.integers(0, 50 * upper_factor, 2000)
    keys, inverse = cml.dense_unique(code, 50 * upper_factor)
    want_keys, want_inverse = np.unique(code, return_inverse=True)
    np.testing.assert_array_equal(keys, want_keys)
    np.testing.assert_array_equal(inverse, want_inverse)


def _persons(values: np.ndarray, max_cat: np.ndarray):  # type: ignore[no-untyped-def]
    _, index = cml.count(values, max_cat)
    cal = measure.calibrate(np.where(values >= 0, values, np.nan), model="pcm", min_answered=2)
    thresholds = cal.threshold_matrix
    persons = measure_persons(values, index, thresholds, max_cat, 2)
    return index, thresholds, persons


@pytest.mark.parametrize(("missing", "seed"), CASES)
def test_key_table_fit_equals_per_cell_fit(
    missing: float, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    values, max_cat = _data(missing, seed)
    index, thresholds, persons = _persons(values, max_cat)
    monkeypatch.setattr(mfit, "KEY_TABLE_CELLS_PER_ROW", 10**9)
    with_table = mfit.fit_tables(values, index, thresholds, persons)
    assert with_table.key_cells is not None
    monkeypatch.setattr(mfit, "KEY_TABLE_CELLS_PER_ROW", 0)
    per_cell = mfit.fit_tables(values, index, thresholds, persons)
    assert per_cell.key_cells is None
    # and without the per-category residual lookups (as for nearly one key per person)
    direct = mfit.fit_tables(values, index, thresholds, persons, lookup=False)
    for other in (per_cell, direct):
        want = with_table.item + with_table.person
        for a, b in zip(want, other.item + other.person, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, equal_nan=True)
        np.testing.assert_array_equal(with_table.item_n, other.item_n)


@pytest.mark.parametrize(("missing", "seed"), CASES)
def test_person_fit_equals_its_definition(missing: float, seed: int) -> None:
    """Infit and outfit of each person from the residuals at the person's MLE, cell by cell."""
    values, max_cat = _data(missing, seed)
    index, thresholds, persons = _persons(values, max_cat)
    fit = mfit.fit_tables(values, index, thresholds, persons)
    infit, _, outfit, _ = fit.person
    theta = persons.mle
    ok = (persons.status == "ok") & np.isfinite(theta)
    rows = np.flatnonzero(ok)[:200]
    e, v, _, _ = measure.models.item_moments(theta[rows], thresholds)
    x = values[rows].astype(float)
    ans = x >= 0
    r2 = np.where(ans, (x - e) ** 2, 0.0)
    np.testing.assert_allclose(infit[rows], r2.sum(1) / np.where(ans, v, 0).sum(1), rtol=1e-10)
    z2 = np.where(ans, r2 / v, 0.0)
    np.testing.assert_allclose(outfit[rows], z2.sum(1) / ans.sum(1), rtol=1e-10)
    assert np.all(np.isnan(infit[~ok]))


@pytest.mark.parametrize(("missing", "seed"), CASES)
def test_point_measure_and_alpha_from_the_key_table(
    missing: float, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    values, max_cat = _data(missing, seed)
    index, thresholds, persons = _persons(values, max_cat)
    monkeypatch.setattr(mfit, "KEY_TABLE_CELLS_PER_ROW", 10**9)
    fit = mfit.fit_tables(values, index, thresholds, persons)
    assert fit.key_cells is not None
    np.testing.assert_allclose(
        mfit.point_measure_from_cells(fit.key_cells, persons.key_wle),
        mfit.point_measure_correlation(values, persons.wle),
        rtol=1e-10,
    )
    want = cronbach_alpha(values)
    got = mfit.cronbach_alpha_from_cells(fit.key_cells, persons.key_mask, persons.key_score)
    if np.isnan(want):
        assert np.isnan(got)
    else:
        assert got == pytest.approx(want, rel=1e-10)


def test_person_statuses_and_measures_are_looked_up_per_key() -> None:
    values, max_cat = _data(0.2, 4)
    index, thresholds, persons = _persons(values, max_cat)
    assert persons.status[:5].tolist() == ["no_answers"] * 5
    assert persons.status[5:10].tolist() == ["too_few_answers"] * 5
    assert persons.status[10:20].tolist() == ["extreme_min"] * 10
    assert np.all(np.isnan(persons.wle[:10])) and np.all(np.isfinite(persons.wle[10:]))
    # the same (pattern, score) gives the same measure; statuses agree with the codes
    frame = pd.DataFrame(
        {"p": index.pattern, "r": index.raw_score, "w": persons.wle, "s": persons.status}
    )
    assert frame.groupby(["p", "r"])["w"].nunique(dropna=False).max() == 1
    assert frame.groupby(["p", "r"])["s"].nunique().max() == 1
    names = np.array(["ok", "extreme_min", "extreme_max", "too_few_answers", "no_answers"])
    np.testing.assert_array_equal(names[persons.status_code], persons.status)


@pytest.mark.parametrize("as_float", [False, True])
@pytest.mark.parametrize("dtype", ["int8", "int64"])
def test_gate_small_integer_path_equals_factorize(
    as_float: bool, dtype: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Numeric survey codes are coded through a presence table; the result (codes, the invalid
    cells and how they are described) equals the general factorize path."""
    from measure import responses as mresp

    rng = np.random.default_rng(11)
    x = rng.integers(0, 5, size=(20_000, 4)).astype(float)
    x[rng.random(x.shape) < 0.1] = np.nan
    x[17, 0], x[99, 1], x[1234, 2] = 7.0, -3.0, 9.0  # invalid codes
    if as_float:
        x[5, 3] = 2.5  # a decimal: this column takes the general path
        df = pd.DataFrame(x, columns=list("abcd"))
    else:
        df = pd.DataFrame(np.where(np.isnan(x), 0, x).astype(dtype), columns=list("abcd"))
        df.loc[17, "a"], df.loc[99, "b"], df.loc[1234, "c"] = 7, -3, 9
        df.loc[5, "d"] = -128 if dtype == "int8" else -(2**40)  # the far end of the type
    opts = {"max_category": 4, "missing_codes": [9], "invalid": "missing"}
    fast = mresp.as_responses(df, **opts)
    monkeypatch.setattr(mresp, "_small_integer_codes", lambda series: None)
    slow = mresp.as_responses(df, **opts)
    np.testing.assert_array_equal(fast.values, slow.values)
    assert fast.invalid == slow.invalid and len(fast.invalid) == 3
    assert fast.max_category.tolist() == slow.max_category.tolist()


def test_item_moments_equal_the_moments_of_the_category_probabilities() -> None:
    """The per-category-slab moments equal the moments of category_probabilities, including
    items with fewer categories (NaN-padded thresholds) and locations far outside the items."""
    from measure.models import category_probabilities, item_moments

    rng = np.random.default_rng(3)
    thr = np.sort(rng.normal(0, 1.5, size=(7, 4)), axis=1)
    thr[2, 2:] = np.nan
    thr[5, 1:] = np.nan
    theta = np.concatenate([rng.normal(0, 3, 500), [-39.0, 39.0, 0.0]])
    p = category_probabilities(theta, thr)
    x = np.arange(p.shape[2], dtype=float)
    mean = p @ x
    dev = x[None, None, :] - mean[:, :, None]
    want = (mean, (p * dev**2).sum(2), (p * dev**3).sum(2), (p * dev**4).sum(2))
    got = item_moments(theta, thr, block=64)  # several blocks
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


def test_huge_whole_numbers_are_reported_not_crashed() -> None:
    from measure import responses as mresp

    df = pd.DataFrame({"a": np.full(20_000, 1e19), "b": np.tile([0.0, 1.0], 10_000)})
    rm = mresp.as_responses(df, invalid="missing", allow_empty_items=True)
    assert len(rm.invalid) == 20_000 and rm.invalid[0].value == "1e+19"
