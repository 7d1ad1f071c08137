"""Linking a fresh calibration onto a reference through common items (``measure.linking``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import measure
from measure.exceptions import DataQualityWarning, ReferenceScaleError
from measure.linking import Link, link, sample_dif
from measure.results import reference_from_calibration

LOCATIONS = np.linspace(-2.0, 2.0, 10)
SHIFTED = ["item3", "item7"]


def _two_samples(seed: int, n: int = 1000) -> tuple[measure.Calibration, measure.Calibration]:
    """One scale; in the second sample items 3 and 7 are one logit harder, persons +0.5."""
    rng = np.random.default_rng(seed)
    first = measure.simulate_responses(thresholds=LOCATIONS[:, None], n_persons=n, rng=rng)
    shifted = LOCATIONS.copy()
    shifted[[2, 6]] += 1.0
    second = measure.simulate_responses(
        thresholds=shifted[:, None], n_persons=n, person_mean=0.5, rng=rng
    )
    return (
        measure.calibrate(first.responses, model="rasch"),
        measure.calibrate(second.responses, model="rasch"),
    )


def _table(items: list[str], loc: list[float], se: float | None = None) -> pd.DataFrame:
    out = pd.DataFrame({"item": items, "location": loc})
    if se is not None:
        out["se"] = se
    return out


# --------------------------------------------------------------------------------------------
# the simulation of the issue
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_shifted_items_are_set_aside_and_the_link_is_right(seed: int):
    ref_cal, new_cal = _two_samples(seed)
    ref = reference_from_calibration(ref_cal)
    lk = link(new_cal, ref)
    # each calibration is centred on its own items: the true constant is the mean shift, 0.2
    truth = 0.2
    assert abs(lk.constant - truth) < 1.96 * lk.link_se
    assert lk.slope == 1.0
    assert set(lk.dropped) == set(SHIFTED)
    assert lk.kept == tuple(i for i in ref.item_ids if i not in SHIFTED)
    assert 0.01 < lk.link_se < 0.1
    dif = sample_dif(new_cal, ref, link_result=lk)
    flagged = dif.loc[dif["ets_class"] == "C", "item"].tolist()
    assert flagged == SHIFTED
    assert not dif.loc[~dif["item"].isin(SHIFTED), "ets_class"].eq("C").any()
    assert dif.loc[dif["item"].isin(SHIFTED), "difference"].between(0.7, 1.3).all()


def test_without_purification_the_shift_leaks_into_the_constant():
    ref_cal, new_cal = _two_samples(1)
    plain = link(new_cal, ref_cal, purify=False)
    purified = link(new_cal, ref_cal)
    assert plain.dropped == () and plain.tolerance is None
    # both calibrations are centred on all ten items, so the plain constant is 0: the two
    # shifted items take 2/10 of a logit off the true constant (0.2, recovered after purifying)
    assert plain.constant == pytest.approx(0.0, abs=1e-12)
    assert purified.constant == pytest.approx(0.2, abs=0.08)
    assert plain.link_se > 2 * purified.link_se


# --------------------------------------------------------------------------------------------
# formulas on exact numbers
# --------------------------------------------------------------------------------------------


def test_mean_mean_constant_and_link_error():
    ref = _table(list("abcde"), [-1.0, -0.5, 0.0, 0.5, 1.0])
    diffs = np.array([0.05, -0.05, 0.1, -0.1, 0.0])
    new = _table(list("abcde"), list(np.array([-1.0, -0.5, 0.0, 0.5, 1.0]) - 0.3 + diffs))
    lk = link(new, ref)
    assert lk.constant == pytest.approx(0.3)
    assert lk.link_se == pytest.approx(np.std(diffs, ddof=1) / np.sqrt(5))
    np.testing.assert_allclose(lk.common_items["difference"], diffs)
    np.testing.assert_allclose(lk.transform([0.0, 1.0]), [0.3, 1.3])
    np.testing.assert_allclose(lk.inverse(lk.transform([-2.0, 0.7])), [-2.0, 0.7])


def test_mean_sigma_recovers_a_slope():
    ref_loc = np.array([-1.5, -0.5, 0.0, 0.8, 1.2])
    new = _table(list("abcde"), list((ref_loc - 0.4) / 1.25))
    lk = link(new, _table(list("abcde"), list(ref_loc)), method="mean-sigma")
    assert lk.slope == pytest.approx(1.25)
    np.testing.assert_allclose(lk.transform(new["location"]), ref_loc, atol=1e-12)
    assert lk.link_se == pytest.approx(0.0, abs=1e-12)


def test_shifting_the_new_scale_shifts_the_constant():
    ref_cal, new_cal = _two_samples(4, n=400)
    base = link(new_cal, ref_cal)
    moved = new_cal.items.assign(location=new_cal.items["location"] + 0.7)
    other = link(moved, ref_cal)
    assert other.constant == pytest.approx(base.constant - 0.7)
    assert other.link_se == pytest.approx(base.link_se)
    assert other.dropped == base.dropped


def test_purification_order_and_history():
    ref = _table(list("abcdef"), [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5])
    new = _table(list("abcdef"), [-1.0, -0.5, 0.0, 0.5, 2.5, 2.4])
    lk = link(new, ref, tolerance=0.35)
    assert lk.dropped == ("e", "f")
    assert lk.history["item"].tolist() == ["e", "f"]
    assert lk.common_items.set_index("item").loc[["e", "f"], "dropped_at"].tolist() == [1, 2]
    assert lk.constant == pytest.approx(0.0)
    assert lk.summary()["tolerance"] == 0.35


def test_purification_stops_at_min_common_with_a_warning():
    ref = _table(list("abcd"), [-1.0, 0.0, 1.0, 2.0])
    new = _table(list("abcd"), [-1.0, 1.0, 3.0, 0.0])
    with pytest.warns(DataQualityWarning, match=r"purification stopped.*still beyond 0\.5"):
        lk = link(new, ref)
    assert len(lk.kept) == 3
    with pytest.warns(DataQualityWarning, match="at most 0 set aside"):
        link(new, ref, max_dropped=0)


def test_fewer_than_three_common_items_are_refused():
    ref = _table(["a", "b", "c"], [-1.0, 0.0, 1.0])
    new = _table(["a", "b", "x"], [-1.0, 0.0, 1.0])
    with pytest.raises(ReferenceScaleError, match=r"at least 3 common items; found 2 \(a, b\)"):
        link(new, ref)
    with pytest.raises(ValueError, match="min_common must be at least 3"):
        link(new, ref, min_common=2)
    with pytest.raises(ReferenceScaleError, match=r"found 0\."):
        link(_table(["x", "y", "z"], [0.0, 1.0, 2.0]), ref)


def test_bad_arguments():
    ref = _table(["a", "b", "c"], [-1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="method='mean-median' is not one of"):
        link(ref, ref, method="mean-median")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs columns item and location"):
        link(pd.DataFrame({"item": ["a"]}), ref)
    with pytest.raises(TypeError, match="must be a Calibration, a ReferenceScale"):
        link([1, 2, 3], ref)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# carrying the link error
# --------------------------------------------------------------------------------------------


def test_apply_moves_persons_and_carries_the_link_error():
    ref_cal, new_cal = _two_samples(5, n=300)
    lk = link(new_cal, ref_cal)
    linked = lk.apply(new_cal.persons)
    np.testing.assert_allclose(linked["measure"], new_cal.persons["measure"] + lk.constant)
    np.testing.assert_allclose(linked["wle"], new_cal.persons["wle"] + lk.constant)
    np.testing.assert_allclose(linked["se"], new_cal.persons["se"])
    assert (linked["link_se"] == lk.link_se).all()
    half = (linked["ci_upper"] - linked["ci_lower"]) / 2
    ok = linked["se"].notna()
    np.testing.assert_allclose(half[ok], 1.959963984540054 * np.hypot(linked["se"][ok], lk.link_se))


def test_mean_sigma_apply_scales_the_se():
    lk = Link(
        method="mean-sigma",
        constant=1.0,
        slope=2.0,
        link_se=0.1,
        common_items=pd.DataFrame(),
        kept=(),
        dropped=(),
        tolerance=None,
        history=pd.DataFrame(),
    )
    persons = pd.DataFrame({"measure": [0.0, 1.0], "se": [0.5, 0.4]})
    out = lk.apply(persons)
    assert out["measure"].tolist() == [1.0, 3.0]
    assert out["se"].tolist() == [1.0, 0.8]


def test_dif_uses_both_standard_errors():
    ref = _table(list("abcd"), [-1.0, 0.0, 0.5, 1.0], se=0.1)
    new = _table(list("abcd"), [-1.0, 0.0, 0.5, 1.6], se=0.2)
    lk = link(new, ref, purify=False)
    dif = sample_dif(new, ref, link_result=lk)
    assert dif["se"].tolist() == pytest.approx([np.hypot(0.1, 0.2)] * 4)
    np.testing.assert_allclose(dif["z"], dif["difference"] / dif["se"])
    assert dif["ets_class"].tolist() == ["A", "A", "A", "B"]
