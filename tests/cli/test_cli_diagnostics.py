"""``measure calibrate --diagnostics [--bootstrap B --seed S]``: the item-analysis tables."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

import measure
from measure.cli.main import cli


def _data(path: Path) -> None:
    sim = measure.simulate_responses(thresholds=[[-1.0, 0.0, 1.0]] * 5, n_persons=300, rng=3)
    df = sim.responses.astype("Int64")
    df.insert(0, "sex", ["f" if i % 2 else "m" for i in range(300)])
    df.to_csv(path, index=False)


def test_diagnostics_writes_the_tables_reproducibly(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    _data(data)
    runner = CliRunner()
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        args = ["calibrate", str(data), "--dif", "sex", "--out", str(out)]
        res = runner.invoke(cli, [*args, "--diagnostics", "--bootstrap", "20", "--seed", "9"])
        assert res.exit_code == 0, res.output
        outs.append(out)
    for table in ("restscore", "local_dependence", "categories", "dimensionality", "items"):
        a = pd.read_csv(outs[0] / f"{table}.csv")
        b = pd.read_csv(outs[1] / f"{table}.csv")
        pd.testing.assert_frame_equal(a, b)
    items = pd.read_csv(outs[0] / "items.csv")
    assert {"cond_outfit_msq", "cond_outfit_lower", "cond_fit_verdict"} <= set(items.columns)
    ld = pd.read_csv(outs[0] / "local_dependence.csv")
    assert len(ld) == 5 * 4
    dif = pd.read_csv(outs[0] / "dif.csv")
    assert {"partial_gamma", "anchor", "mh_logit"} <= set(dif.columns)
    summary = json.loads((outs[0] / "summary.json").read_text(encoding="utf-8"))
    assert summary["item_analysis"]["bootstrap"]["seed"] == 9
    assert summary["conditional_fit"].startswith("conditional fit: given the raw score")
    assert "rule" in summary["item_analysis"]["rules"]["restscore"]
    assert "Item analysis (--diagnostics): conditional fit outside" in res.output


def test_bootstrap_needs_diagnostics(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    _data(data)
    res = CliRunner().invoke(
        cli,
        [
            "calibrate",
            str(data),
            "--items",
            "item1,item2,item3",
            "--out",
            str(tmp_path / "o"),
            "--bootstrap",
            "5",
        ],
    )
    assert res.exit_code == 2
    assert "--bootstrap needs --diagnostics" in res.output
