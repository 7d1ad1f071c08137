"""``measure compare`` with a threshold: shares.csv, share_change.csv, raw-score thresholds,
survey weights, and every message of these options."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from measure.cli.compare import compare_cmd
from measure.comparison import compare, raw_score_threshold
from measure.reference import ReferenceScale, reference_from_thresholds, save_reference


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shares")
    rng = np.random.default_rng(40)
    n = 90
    ids = [f"p{i:02d}" for i in range(n)]
    kommun = np.where(np.arange(n) % 3 == 0, "A", "B")
    m1 = rng.normal(0, 1.1, n)
    m2 = m1 + rng.normal(0.5, 0.6, n)
    w = rng.uniform(0.5, 3.0, n).round(2)
    for name, m in (("pre", m1), ("post", m2)):
        pd.DataFrame({"person": ids, "kommun": kommun, "measure": m, "se": 0.45, "w": w}).to_csv(
            folder / f"{name}.csv", index=False
        )
    ref = reference_from_thresholds(
        {f"k{i}": [-1.0 + 0.2 * i, 0.0, 0.5, 1.5] for i in range(6)},
        model="pcm",
        reporting_unit="0-100",
    )
    save_reference(ref, folder / "ref.json")
    return folder


def _run(files: Path, out: str, *args: str) -> Result:
    return CliRunner().invoke(
        compare_cmd,
        [str(files / "pre.csv"), str(files / "post.csv"), "--out", str(files / out), *args],
    )


def _frames(files: Path) -> dict[str, pd.DataFrame]:
    return {k: pd.read_csv(files / f"{k}.csv") for k in ("pre", "post")}


def test_threshold_prints_and_writes_shares(files: Path):
    res = _run(files, "o1", "--group", "kommun", "--paired", "--threshold", "0.5")
    assert res.exit_code == 0, res.output
    assert "Threshold: 0.5 (logits). Share above it (estimator latent_normal):" in res.output
    expected = compare(_frames(files), by="kommun", paired=True, threshold=0.5)
    rec = expected.shares.iloc[0]
    line = (
        f"  pre kommun=A: {100 * rec['share']:.1f}% [95% {100 * rec['ci_lower']:.1f}% to "
        f"{100 * rec['ci_upper']:.1f}%], n = 30"
    )
    assert line in res.output
    ch = expected.share_change.iloc[1]
    assert (
        f"  share change pre -> post kommun=B: {100 * ch['change']:+.1f} points [95% "
        f"{100 * ch['ci_lower']:+.1f} to {100 * ch['ci_upper']:+.1f}] (paired)"
    ) in res.output
    shares = pd.read_csv(files / "o1" / "shares.csv")
    np.testing.assert_allclose(shares["share"], expected.shares["share"], rtol=1e-6)
    change = pd.read_csv(files / "o1" / "share_change.csv")
    np.testing.assert_allclose(change["se"], expected.share_change["se"], rtol=1e-6)
    assert not (files / "o1" / "decision_groups.csv").exists()
    summary = json.loads((files / "o1" / "summary.json").read_text(encoding="utf-8"))
    assert summary["share_estimator"] == "latent_normal"
    assert summary["threshold"] == 0.5 and summary["threshold_raw"] is None


def test_below_counts_the_other_side(files: Path):
    res = _run(files, "o2", "--threshold", "0.5", "--below")
    assert res.exit_code == 0, res.output
    assert "Share below it (estimator latent_normal):" in res.output
    below = pd.read_csv(files / "o2" / "shares.csv")
    above = compare(_frames(files), threshold=0.5).shares
    np.testing.assert_allclose(below["share"], 1 - above["share"], rtol=1e-6)
    assert (below["direction"] == "below").all()
    assert "(independent)" in res.output


def test_threshold_raw_through_the_reference(files: Path, tmp_path: Path):
    res = _run(files, "o3", "--threshold-raw", "13", "--reference", str(files / "ref.json"))
    assert res.exit_code == 0, res.output
    ref = _load(files)
    t = raw_score_threshold(ref, 13)
    assert (
        f"Threshold: {t:.4g} (logits) = raw score >= 13 on the 6 items of ref.json (where the "
        "expected raw score is 12.5). Share above it"
    ) in res.output
    shares = pd.read_csv(files / "o3" / "shares.csv")
    np.testing.assert_allclose(shares["threshold"], t, rtol=1e-6)
    summary = json.loads((files / "o3" / "summary.json").read_text(encoding="utf-8"))
    assert summary["threshold_raw"] == 13 and "raw score >= 13" in summary["threshold_raw_rule"]
    res = _run(
        files, "o4", "--threshold-raw", "12", "--below", "--reference", str(files / "ref.json")
    )
    assert res.exit_code == 0, res.output
    assert "raw score <= 12 on the 6 items of ref.json (where the expected raw score is 12.5)" in (
        res.output
    )
    assert pd.read_csv(files / "o4" / "shares.csv")["threshold"].iloc[0] == pytest.approx(
        t, rel=1e-6
    )


def test_threshold_raw_in_the_reporting_unit(files: Path, tmp_path: Path):
    ref = _load(files)
    for name in ("pre", "post"):
        df = pd.read_csv(files / f"{name}.csv")
        df.assign(measure_unit=ref.to_unit(df["measure"]), se_unit=ref.se_to_unit(df["se"])).to_csv(
            tmp_path / f"{name}.csv", index=False
        )
    res = CliRunner().invoke(
        compare_cmd,
        [
            str(tmp_path / "pre.csv"),
            str(tmp_path / "post.csv"),
            "--out",
            str(tmp_path / "o"),
            "--unit",
            "--threshold-raw",
            "13",
            "--reference",
            str(files / "ref.json"),
        ],
    )
    assert res.exit_code == 0, res.output
    t_unit = raw_score_threshold(ref, 13, unit=True)
    assert f"Threshold: {t_unit:.4g} (reporting unit) = raw score >= 13" in res.output
    in_unit = pd.read_csv(tmp_path / "o" / "shares.csv")
    in_logits = compare(_frames(files), threshold=raw_score_threshold(ref, 13)).shares
    np.testing.assert_allclose(in_unit["share"], in_logits["share"], rtol=1e-5)


def test_weights_print_the_design_effect(files: Path):
    res = _run(files, "o5", "--weight", "w", "--threshold", "0.5", "--paired")
    assert res.exit_code == 0, res.output
    expected = compare(_frames(files), threshold=0.5, paired=True, weight="w")
    g = expected.groups.iloc[0]
    assert (
        f"Weighted by 'w'; design effect (Kish): pre: {g['design_effect']:.2f} (n 90, "
        f"effective {g['n_effective']:.0f})"
    ) in res.output
    groups = pd.read_csv(files / "o5" / "groups.csv")
    assert {"n_effective", "design_effect"} <= set(groups.columns)
    shares = pd.read_csv(files / "o5" / "shares.csv")
    np.testing.assert_allclose(shares["share"], expected.shares["share"], rtol=1e-6)
    assert shares["design_effect"].iloc[0] > 1
    summary = json.loads((files / "o5" / "summary.json").read_text(encoding="utf-8"))
    assert summary["weight"] == "w"


def test_a_group_without_a_share_says_why(files: Path, tmp_path: Path):
    df = pd.read_csv(files / "pre.csv").iloc[:32]  # kommun A: 11, B: 21 -> cut to 2 of A
    df = pd.concat([df[df["kommun"] == "A"].iloc[:2], df[df["kommun"] == "B"]])
    df.to_csv(tmp_path / "few.csv", index=False)
    res = CliRunner().invoke(
        compare_cmd,
        [
            str(tmp_path / "few.csv"),
            "--out",
            str(tmp_path / "o"),
            "--group",
            "kommun",
            "--threshold",
            "0",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "  few kommun=A: no share (fewer than 3 persons), n = 2" in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--threshold", "0.5", "--threshold-raw", "13"],
            "give --threshold or --threshold-raw, not both",
        ),
        (["--threshold-raw", "13"], "--threshold-raw needs --reference REF.json"),
        (["--below"], "--below needs --threshold or --threshold-raw"),
        (
            ["--threshold", "0", "--reference", "pre.csv"],
            "--reference is only used with --threshold-raw (the files are already scored)",
        ),
        (["--weight", "vikt", "--threshold", "0"], "pre.csv: weight column 'vikt' not found"),
    ],
)
def test_usage_errors(files: Path, args: list[str], message: str):
    args = [str(files / a) if a == "pre.csv" else a for a in args]
    res = _run(files, "bad", *args)
    assert res.exit_code == 2
    assert message in res.stderr


def test_bad_weights_are_located(files: Path, tmp_path: Path):
    df = pd.read_csv(files / "pre.csv")
    df.astype({"w": object}).assign(w=["x", *df["w"].iloc[1:]]).to_csv(
        tmp_path / "text.csv", index=False
    )
    res = CliRunner().invoke(
        compare_cmd, [str(tmp_path / "text.csv"), "--out", str(tmp_path / "o"), "--weight", "w"]
    )
    assert res.exit_code == 1  # a data error
    assert "text.csv: row 2, column 'w': value 'x' is not a number" in res.stderr
    df.assign(w=[1.0, 1.0, -2.0, *df["w"].iloc[3:]]).to_csv(tmp_path / "neg.csv", index=False)
    res = CliRunner().invoke(
        compare_cmd, [str(tmp_path / "neg.csv"), "--out", str(tmp_path / "o"), "--weight", "w"]
    )
    assert res.exit_code == 1
    assert "neg.csv: row 4, column 'w': a survey weight must be positive" in res.stderr
    df.assign(w=[np.nan, *df["w"].iloc[1:]]).to_csv(tmp_path / "gap.csv", index=False)
    res = CliRunner().invoke(
        compare_cmd, [str(tmp_path / "gap.csv"), "--out", str(tmp_path / "o"), "--weight", "w"]
    )
    assert res.exit_code == 1
    assert (
        "error: persons: weight column 'w', row 1 of the table: missing is not a positive number"
    ) in res.stderr


def test_reference_errors(files: Path, tmp_path: Path):
    res = _run(files, "bad", "--threshold-raw", "30", "--reference", str(files / "ref.json"))
    assert res.exit_code == 1
    assert (
        "error: raw score rule '30 or more' is not a boundary inside 0..24 (the raw scores of "
        "the reference's 6 items): give 1..24"
    ) in res.stderr
    ref = _load(files)
    collapsed = ReferenceScale(
        model="pcm",
        items=ref.items,
        thresholds=ref.thresholds,
        sample={},
        category_map={"k0": (0, 1, 2, 3, 4, 4)},
    )
    save_reference(collapsed, tmp_path / "collapsed.json")
    res = _run(
        files, "bad", "--threshold-raw", "13", "--reference", str(tmp_path / "collapsed.json")
    )
    assert res.exit_code == 1
    assert "error: the reference collapsed categories of item(s) 'k0'" in res.stderr
    no_unit = reference_from_thresholds({"a": [0.0], "b": [0.0]}, model="rasch")
    save_reference(no_unit, tmp_path / "plain.json")
    both = pd.read_csv(files / "pre.csv").assign(measure_unit=1.0, se_unit=0.5)
    both.to_csv(tmp_path / "unit.csv", index=False)
    res = CliRunner().invoke(
        compare_cmd,
        [
            str(tmp_path / "unit.csv"),
            "--out",
            str(tmp_path / "o"),
            "--unit",
            "--threshold-raw",
            "1",
            "--reference",
            str(tmp_path / "plain.json"),
        ],
    )
    assert res.exit_code == 1 and "this reference scale has no reporting unit" in res.stderr


def _load(files: Path) -> ReferenceScale:
    from measure.reference import load_reference

    return load_reference(files / "ref.json")


def test_a_tail_share_of_skewed_values_is_printed_with_its_caution(tmp_path: Path):
    rng = np.random.default_rng(21)
    m = (rng.gamma(4, 1, 400) - 4) / 2 + rng.normal(0, 0.3, 400)
    pd.DataFrame({"measure": m, "se": 0.3}).to_csv(tmp_path / "skew.csv", index=False)
    res = CliRunner().invoke(
        compare_cmd,
        [str(tmp_path / "skew.csv"), "--out", str(tmp_path / "o"), "--threshold", "2.5"],
    )
    assert res.exit_code == 0, res.output
    assert "], n = 400 (caution: the true values look skewed (skewness " in res.output
    assert "check the distribution of the measures)" in res.output
