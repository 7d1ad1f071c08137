"""Every shipped instrument loads, round-trips and calibrates on simulated answers written the way
a survey tool exports them (labels in Swedish or English, codes, missing codes, reverse keys)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import measure
from measure.cli.main import cli
from measure.instrument import (
    Instrument,
    instrument_ids,
    instrument_to_toml,
    load_instrument,
    parse_instrument,
)

N = 400
SHIPPED = instrument_ids()


def test_the_outcome_areas_are_covered() -> None:
    assert {"who5", "k6", "k10", "audit", "dudit", "family_apgar", "gas"} <= set(SHIPPED)


def simulate(inst: Instrument, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """(export as text cells, scored codes with NaN for missing, true person locations)."""
    rng = np.random.default_rng(seed)
    tops = [item.max_category for item in inst.items]
    locations = np.linspace(-0.8, 0.8, len(tops))
    thresholds = [loc + np.linspace(-1.6, 1.6, m) for loc, m in zip(locations, tops, strict=True)]
    sim = measure.simulate_responses(
        thresholds=thresholds, n_persons=N, item_names=list(inst.item_ids), rng=rng
    )
    scored = sim.responses.to_numpy().copy()
    cells = np.empty(scored.shape, dtype=object)
    missing = list(inst.missing_codes)
    for j, item in enumerate(inst.items):
        for i in range(N):
            code = int(scored[i, j])
            stored = item.max_category - code if item.reverse else code
            if missing and rng.random() < 0.04:
                cells[i, j] = str(missing[rng.integers(len(missing))])
                scored[i, j] = np.nan
                continue
            labels = item.categories[stored].labels
            style = rng.integers(4)
            cells[i, j] = (
                str(item.data_codes[stored])
                if style == 0
                else labels.get("sv", labels["en"]).upper()
                if style == 1
                else f" {labels['en']} "
                if style == 2
                else labels.get("sv", labels["en"])
            )
    export = pd.DataFrame(cells, columns=list(inst.item_ids))
    export.insert(0, "id", [f"id{i:04d}" for i in range(N)])
    return export, pd.DataFrame(scored, columns=list(inst.item_ids)), sim.theta


@pytest.mark.parametrize("inst_id", SHIPPED)
def test_loads_and_round_trips(inst_id: str) -> None:
    inst = load_instrument(inst_id)
    assert parse_instrument(instrument_to_toml(inst)) == inst
    assert inst.default_model in ("rasch", "rsm", "pcm")
    assert 1 <= inst.min_answered <= len(inst.items)


@pytest.mark.parametrize("inst_id", SHIPPED)
def test_calibrates_labelled_export_like_the_codes(inst_id: str) -> None:
    inst = load_instrument(inst_id)
    export, scored, theta = simulate(inst, seed=SHIPPED.index(inst_id) + 11)
    cal = measure.calibrate(
        export,
        id_column="id",
        instrument=inst,
        model=inst.default_model,
        min_answered=inst.min_answered,
    )
    want = measure.calibrate(scored, model=inst.default_model, min_answered=inst.min_answered)
    assert cal.items["item"].tolist() == list(inst.item_ids)
    np.testing.assert_allclose(cal.items["location"], want.items["location"], atol=1e-10)
    np.testing.assert_allclose(
        cal.persons["measure"], want.persons["measure"], atol=1e-10, equal_nan=True
    )
    assert len(cal.persons) == N and sum(cal.status_counts().values()) == N
    ok = cal.persons["status"] == "ok"
    # higher measure = more of the construct: the reverse keys were applied
    assert np.corrcoef(theta[ok], cal.persons.loc[ok, "measure"])[0, 1] > 0.6


@pytest.mark.parametrize("inst_id", SHIPPED)
def test_cli_on_a_semicolon_bom_export(inst_id: str, tmp_path: Path) -> None:
    inst = load_instrument(inst_id)
    export, scored, _ = simulate(inst, seed=SHIPPED.index(inst_id) + 11)
    path = tmp_path / "export.csv"
    path.write_bytes(export.to_csv(sep=";", index=False, lineterminator="\r\n").encode("utf-8-sig"))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["calibrate", str(path), "--out", str(out), "--instrument", inst_id, "--id-column", "id"],
    )
    assert result.exit_code == 0, result.output
    persons = pd.read_csv(out / "persons.csv")
    want = measure.calibrate(scored, model=inst.default_model, min_answered=inst.min_answered)
    # CSV tables carry 7 significant digits
    np.testing.assert_allclose(persons["measure"], want.persons["measure"], rtol=1e-6)
    assert persons["person"].tolist() == export["id"].tolist()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["model"] == inst.default_model
    assert summary["rows_read"] == N == sum(summary["status_counts"].values())
    if inst.reporting_unit is not None:
        assert {"measure_unit", "se_unit", "ci_lower_unit", "ci_upper_unit"} <= set(persons)


@pytest.mark.parametrize("inst_id", SHIPPED)
def test_api_and_cli_give_the_same_tables(inst_id: str, tmp_path: Path) -> None:
    """The library applies the instrument's model and minimum of answers, numbers the rows as
    the file does and carries kept columns: the CLI only parses, calls and writes."""
    inst = load_instrument(inst_id)
    export, _, _ = simulate(inst, seed=SHIPPED.index(inst_id) + 31)
    export.insert(1, "kommun", np.where(np.arange(N) % 3 == 0, "Norrby", "Söderås"))
    path = tmp_path / "export.csv"
    export.to_csv(path, index=False)
    out = tmp_path / "out"
    args = ["calibrate", str(path), "--out", str(out), "--instrument", inst_id]
    result = CliRunner().invoke(cli, [*args, "--id-column", "id", "--keep", "kommun"])
    assert result.exit_code == 0, result.output
    api = measure.calibrate(export, id_column="id", instrument=inst, keep=["kommun"])
    assert api.model == inst.default_model
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["model"] == api.model and summary["min_answered"] == inst.min_answered
    for name in ("persons", "items", "thresholds"):
        written = pd.read_csv(out / f"{name}.csv", keep_default_na=False, na_values=[""])
        table = getattr(api, name)
        common = [c for c in written.columns if c in table.columns]
        assert common == list(table.columns), name  # the CLI adds only unit columns
        for col in common:
            got, want = written[col], table[col]
            if pd.api.types.is_float_dtype(want):
                np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-12, equal_nan=True)
            else:
                assert got.fillna("").astype(str).tolist() == want.astype(str).tolist(), (name, col)
    assert api.persons["row"].tolist() == list(range(2, N + 2))
