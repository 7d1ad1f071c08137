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
