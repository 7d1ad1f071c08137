"""End-to-end CLI: calibrate with --dif/--report/--save-reference, then score on the reference."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

import measure
from measure.cli.main import cli


def export(path: Path, seed: int, shift: float = 0.0) -> pd.DataFrame:
    thr = [[-1.5, -0.5, 0.5, 1.5]] * 6
    sim = measure.simulate_responses(thresholds=thr, n_persons=400, person_mean=shift, rng=seed)
    df = sim.responses.astype("Int64")
    df.insert(0, "kommun", np.where(np.arange(400) % 2 == 0, "Norrby", "Söderås"))
    df.insert(0, "id", [f"P{i:03d}" for i in range(400)])
    df.to_csv(path, index=False)
    return df


def test_calibrate_with_dif_report_and_reference_then_score(tmp_path: Path) -> None:
    data = tmp_path / "survey.csv"
    export(data, seed=1)
    runner = CliRunner()
    out = tmp_path / "out"
    ref = tmp_path / "ref.json"
    args = ["calibrate", str(data), "--id-column", "id", "--model", "rsm", "--out", str(out)]
    res = runner.invoke(cli, [*args, "--dif", "kommun", "--report", "--save-reference", str(ref)])
    assert res.exit_code == 0, res.output
    dif = pd.read_csv(out / "dif.csv")
    assert list(dif.columns) == [
        "item",
        "group",
        "reference",
        "contrast",
        "se",
        "z",
        "p",
        "ets_class",
        "anchor",
        "mh_logit",
        "mh_se",
        "mh_p",
        "mh_class",
        "partial_gamma",
        "partial_gamma_se",
        "partial_gamma_p",
    ]
    assert set(dif["item"]) == {f"item{i}" for i in range(1, 7)}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<html" in html and "data:image/png;base64," in html
    persons = pd.read_csv(out / "persons.csv")
    assert "kommun" in persons.columns and len(persons) == 400
    assert "kommun" not in pd.read_csv(out / "items.csv")["item"].tolist()
    # the reference scores the same data identically (no re-estimation)
    scored = tmp_path / "scored"
    res = runner.invoke(
        cli,
        [
            "score",
            str(data),
            "--reference",
            str(ref),
            "--id-column",
            "id",
            "--keep",
            "kommun",
            "--out",
            str(scored),
        ],
    )
    assert res.exit_code == 0, res.output
    again = pd.read_csv(scored / "persons.csv")
    np.testing.assert_allclose(again["measure"], persons["measure"], atol=1e-9)
    anchors = pd.read_csv(scored / "anchors.csv")
    assert not anchors["drift"].any()
    # a second run refuses to overwrite without --force, naming the files
    res = runner.invoke(cli, [*args, "--dif", "kommun", "--report"])
    assert res.exit_code == 2 and "--force" in res.output


def test_method_option_reported_in_summary(tmp_path: Path) -> None:
    data = tmp_path / "survey.csv"
    export(data, seed=2)
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli,
        [
            "calibrate",
            str(data),
            "--id-column",
            "id",
            "--keep",
            "kommun",
            "--method",
            "pairwise",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["method"] == "pairwise CML"
    assert "requested" in summary["method_reason"]


def test_score_uses_the_reference_attached_to_the_instrument(tmp_path: Path) -> None:
    from measure.instrument import instrument_to_toml, load_instrument

    thr = [[-2.0, -1.0, -0.2, 0.8, 2.4]] * 5
    sim = measure.simulate_responses(
        thresholds=thr, n_persons=300, rng=3, item_names=[f"who5_{i}" for i in range(1, 6)]
    )
    data = tmp_path / "who5.csv"
    sim.responses.astype("Int64").to_csv(data, index=False)
    runner = CliRunner()
    ref = tmp_path / "ref.json"
    res = runner.invoke(
        cli,
        [
            "calibrate",
            str(data),
            "--instrument",
            "who5",
            "--out",
            str(tmp_path / "cal"),
            "--save-reference",
            str(ref),
        ],
    )
    assert res.exit_code == 0, res.output
    toml = instrument_to_toml(load_instrument("who5")).replace(
        "missing_codes = [", 'reference = "ref.json"\nmissing_codes = [', 1
    )
    (tmp_path / "who5_local.toml").write_text(toml, encoding="utf-8")
    res = runner.invoke(
        cli,
        [
            "score",
            str(data),
            "--instrument",
            str(tmp_path / "who5_local.toml"),
            "--out",
            str(tmp_path / "scored"),
        ],
    )
    assert res.exit_code == 0, res.output
    a = pd.read_csv(tmp_path / "cal" / "persons.csv")
    b = pd.read_csv(tmp_path / "scored" / "persons.csv")
    np.testing.assert_allclose(a["measure"], b["measure"], atol=1e-9)
    res = runner.invoke(cli, ["score", str(data), "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "--reference" in res.output
