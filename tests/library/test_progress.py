"""Progress callbacks (``progress=``): the library reports its long steps in order, and says
nothing by default."""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd
import pytest

import measure
from measure.diagnostics import assess
from measure.report import render_report

EXAMPLE = Path(__file__).parents[2] / "examples" / "wellbeing_survey.csv"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE)


@pytest.fixture(scope="module")
def calibration(data: pd.DataFrame) -> measure.Calibration:
    return measure.calibrate(
        data, id_column="id", instrument=measure.load_instrument("who5"), keep=["municipality"]
    )


def test_calibrate_reports_its_steps(data: pd.DataFrame) -> None:
    seen: list[str] = []
    inst = measure.load_instrument("who5")
    cal = measure.calibrate(data, id_column="id", instrument=inst, progress=seen.append)
    assert seen == [
        "checking answers",
        "estimating items",
        "measuring persons",
        "fit statistics",
        "tables",
    ]
    silent = measure.calibrate(data, id_column="id", instrument=inst)
    pd.testing.assert_frame_equal(cal.persons, silent.persons)  # the callback changes nothing


def test_score_reports_its_steps(data: pd.DataFrame, calibration: measure.Calibration) -> None:
    seen: list[str] = []
    ref = calibration.to_reference(instrument=measure.load_instrument("who5"))
    measure.score(data, ref, id_column="id", progress=seen.append)
    assert seen[:3] == ["checking answers", "measuring persons", "fit statistics"]
    assert seen[3] == "anchor drift" and seen[-1] == "global fit"
    assert set(seen[4:-1]) <= {"setting drifting anchors aside", "measuring persons"}


def test_assess_and_render_report_report_their_sub_stages(
    calibration: measure.Calibration,
) -> None:
    seen: list[str] = []
    a = assess(
        calibration,
        groups=calibration.persons["municipality"],
        group_name="municipality",
        progress=seen.append,
    )
    assert seen == [
        "item fit",
        "categories",
        "targeting",
        "dimensionality",
        "local dependence",
        "LR test (median split)",
        "LR test by municipality",
        "DIF by municipality",
    ]
    seen.clear()
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    html = render_report(a, generated=when, progress=seen.append)
    assert seen == [
        "plots: Wright map",
        "plots: category curves",
        "plots: expected scores",
        "plots: dimensionality and DIF",
    ]
    assert html == render_report(a, generated=when)  # the same document without a callback


def test_assess_without_groups_skips_the_group_steps(calibration: measure.Calibration) -> None:
    seen: list[str] = []
    assess(calibration, progress=seen.append)
    assert seen[-1] == "LR test (median split)"
    assert not any("DIF" in s or " by " in s for s in seen)
