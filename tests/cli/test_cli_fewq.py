"""``measure shorten`` and ``measure cat-simulate``: files written as one set, the short form's
reference and instrument, real answers through the gate, and usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import measure
from measure.cli.main import cli
from measure.instrument import load_instrument
from measure.schemas import CAT_PERSONS, SELECTED, SHORTFORM


@pytest.fixture(scope="module")
def who5(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A who5 reference (a named instrument) and full-length answers coded 0..5."""
    tmp = tmp_path_factory.mktemp("who5")
    rng = np.random.default_rng(5)
    thr = [list(np.sort(rng.normal(loc, 0.8, 5))) for loc in (-0.8, -0.3, 0.0, 0.4, 0.9)]
    names = [f"who5_{j}" for j in range(1, 6)]
    sim = measure.simulate_responses(thresholds=thr, n_persons=500, item_names=names, rng=6)
    data = sim.responses.astype(int)
    data.insert(0, "id", [f"p{i}" for i in range(len(data))])
    path = tmp / "who5.csv"
    data.to_csv(path, index=False)
    inst = load_instrument("who5")
    cal = measure.calibrate(data, id_column="id", instrument=inst, model="pcm")
    ref = tmp / "ref.json"
    measure.save_reference(cal.to_reference(instrument=inst), ref)
    return ref, path


def test_shorten_writes_every_file_and_a_usable_short_reference(who5, tmp_path) -> None:
    ref, data = who5
    out = tmp_path / "out"
    args = ["shorten", "--reference", str(ref), "--out", str(out), "--length", "3"]
    result = CliRunner().invoke(cli, [*args, "--threshold", "0.2", "--persons", "300"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "reference_short.json",
        "report.html",
        "selected.csv",
        "shortform.csv",
        "shortform.png",
        "summary.json",
        "who5_short.toml",
    ]
    forms = pd.read_csv(out / "shortform.csv")
    SHORTFORM.check(forms.astype({"items": str}), values=False)
    assert forms["k"].tolist() == [1, 2, 3, 4, 5]
    selected = pd.read_csv(out / "selected.csv", keep_default_na=False)
    assert list(selected.columns) == list(SELECTED.names())
    short = measure.load_reference(out / "reference_short.json")
    assert short.item_ids == tuple(selected["item"])
    inst = load_instrument(out / "who5_short.toml")
    assert [it.id for it in inst.items] == list(short.item_ids)
    assert inst.reference_file() == out / "reference_short.json"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["length"] == 3 and summary["goal"] == "length 3"
    assert "Short form" in (out / "report.html").read_text()
    # the short form's reference scores the short form's answers with `measure score`
    scored = tmp_path / "scored"
    frame = pd.read_csv(data)[["id", *short.item_ids]]
    frame.to_csv(tmp_path / "short.csv", index=False)
    result = CliRunner().invoke(
        cli,
        ["score", str(tmp_path / "short.csv"), "--reference", str(out / "reference_short.json"),
         "--out", str(scored), "--id-column", "id", "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_shorten_with_real_answers(who5, tmp_path) -> None:
    ref, data = who5
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["shorten", "--reference", str(ref), "--out", str(out), "--min-reliability", "0.6",
         "--data", str(data), "--id-column", "id", "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["agreement_source"].startswith("data: 500 persons")


def test_shorten_usage_errors(who5, tmp_path) -> None:
    ref, _ = who5
    base = ["shorten", "--reference", str(ref), "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(cli, base)
    assert result.exit_code == 2 and "exactly one goal" in result.output
    result = CliRunner().invoke(cli, [*base, "--length", "2", "--threshold", "0", "--range", "0:1"])
    assert result.exit_code == 2 and "at most one target" in result.output
    result = CliRunner().invoke(cli, [*base, "--length", "2", "--range", "1"])
    assert result.exit_code == 2 and "is not LO:HI" in result.output
    result = CliRunner().invoke(cli, [*base, "--length", "2", "--must", "nope"])
    assert result.exit_code == 1 and "unknown item(s) 'nope'" in result.output
    result = CliRunner().invoke(cli, [*base, "--length", "2", "--domain-min", "a=1"])
    assert result.exit_code == 2 and "--domain-min needs --domains" in result.output


def test_shorten_with_domains(who5, tmp_path) -> None:
    ref, _ = who5
    domains = tmp_path / "domains.csv"
    pd.DataFrame({"item": ["who5_4", "who5_5"], "domain": ["late", "late"]}).to_csv(
        domains, index=False
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["shorten", "--reference", str(ref), "--out", str(out), "--length", "2", "--threshold",
         "-1", "--domains", str(domains), "--domain-min", "late=2", "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    selected = pd.read_csv(out / "selected.csv")
    assert sorted(selected["item"]) == ["who5_4", "who5_5"]


def test_cat_simulate_simulated_and_replayed(who5, tmp_path) -> None:
    ref, data = who5
    out = tmp_path / "sim"
    result = CliRunner().invoke(
        cli,
        ["cat-simulate", "--reference", str(ref), "--out", str(out), "--stop-se", "0.6",
         "--persons", "200", "--seed", "3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["cat_persons.csv", "cat_summary.json"]
    persons = pd.read_csv(out / "cat_persons.csv", dtype={"person": str})
    assert list(persons.columns) == list(CAT_PERSONS.names("simulated"))
    summary = json.loads((out / "cat_summary.json").read_text())
    for key in ("mean_items", "median_items", "mean_se", "share_reached_target", "rmse", "bias",
                "correlation", "max_exposure"):  # fmt: skip
        assert key in summary
    assert len(persons) == 200
    out2 = tmp_path / "real"
    result = CliRunner().invoke(
        cli,
        ["cat-simulate", "--reference", str(ref), "--out", str(out2), "--stop-se", "0.6",
         "--data", str(data), "--id-column", "id", "--max-items", "4", "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    persons = pd.read_csv(out2 / "cat_persons.csv")
    assert list(persons.columns) == list(CAT_PERSONS.names("real"))
    assert persons["person"].iloc[0] == "p0" and persons["n_items"].max() <= 4
    result = CliRunner().invoke(
        cli,
        ["cat-simulate", "--reference", str(ref), "--out", str(out2), "--stop-se", "0.6"],
    )
    assert result.exit_code == 2 and "--force" in result.output


def test_domains_declared_by_the_instrument(who5, tmp_path) -> None:
    import dataclasses

    from measure.instrument import instrument_to_toml

    ref, _ = who5
    inst = load_instrument("who5")
    items = tuple(
        dataclasses.replace(it, domain="late" if it.id in ("who5_4", "who5_5") else "early")
        for it in inst.items
    )
    path = tmp_path / "who5_domains.toml"
    path.write_text(instrument_to_toml(dataclasses.replace(inst, items=items)), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["shorten", "--reference", str(ref), "--out", str(out), "--length", "2", "--threshold",
         "-1", "--instrument", str(path), "--domain-min", "late=2", "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    selected = pd.read_csv(out / "selected.csv")
    assert sorted(selected["item"]) == ["who5_4", "who5_5"]
    assert set(selected["domain"]) == {"late"}
    short = load_instrument(out / "who5_short.toml")
    assert short.domains() == {"late": ("who5_4", "who5_5")}
