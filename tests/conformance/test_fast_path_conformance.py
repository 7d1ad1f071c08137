"""The command line's fast paths (pyarrow reading in numeric mode, compact integer columns,
the presence-table gate, the key-table fit, the threaded CSV writer) give the estimates of the
careful path and of the peers: on every reference dataset (eRm, psychotools) and on simulated
data with and without missing answers.

Each file goes the command line's route twice (``read_table(numeric=True)``, the gate,
``calibrate``, the CSV writer at full precision, as ``measure calibrate --digits 17``): once with
``engine="fast"`` for reading and writing (the files are small; "auto" would choose the careful
engine) and once with ``engine="careful"``. The thresholds, their SEs and the person measures
must agree to 1e-9 with each other and, after centring, to 1e-5 with psychotools'
high-precision optimum. ``measure calibrate`` itself runs on each file too (engine "auto").
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import measure
from measure import io as mio
from measure.cli.main import cli

REF = Path(__file__).parents[1] / "reference" / "erm"
CASES = sorted(p.stem for p in (REF / "ref").glob("*.json"))
MODEL = {"RM": "rasch", "PCM": "pcm", "RSM": "rsm"}


def _run(data: Path, out: Path, model: str, engine: str) -> dict[str, pd.DataFrame]:
    """The route of ``measure calibrate`` with one engine for reading and writing."""
    raw = mio.read_table(data, numeric=True, engine=engine)  # type: ignore[arg-type]
    assert raw.engine == engine
    rm = measure.as_responses(raw.data, source=raw.source, row_numbers=raw.row_numbers)
    cal = measure.calibrate(rm, model=model)  # type: ignore[arg-type]
    out.mkdir()
    read = {"keep_default_na": False, "na_values": [""]}
    tables = {}
    for name, df in (("thresholds", cal.thresholds), ("persons", cal.persons)):
        mio.write_table_atomic(df, out / f"{name}.csv", digits=17, engine=engine)  # type: ignore[arg-type]
        tables[name] = pd.read_csv(out / f"{name}.csv", **read)
    return tables


def _cli(data: Path, out: Path, model: str) -> dict[str, pd.DataFrame]:
    result = CliRunner().invoke(
        cli,
        ["calibrate", str(data), "--out", str(out), "--model", model, "--digits", "17", "--quiet"],
    )
    assert result.exit_code == 0, result.output
    read = {"keep_default_na": False, "na_values": [""]}
    return {name: pd.read_csv(out / f"{name}.csv", **read) for name in ("thresholds", "persons")}


def _both_paths(
    data: Path, tmp_path: Path, model: str
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    fast = _run(data, tmp_path / "fast", model, "fast")
    careful = _run(data, tmp_path / "careful", model, "careful")
    _assert_same(_cli(data, tmp_path / "cli", model), careful)
    return fast, careful


def _assert_same(fast: dict[str, pd.DataFrame], careful: dict[str, pd.DataFrame]) -> None:
    for col in ("threshold", "se"):
        np.testing.assert_allclose(
            fast["thresholds"][col], careful["thresholds"][col], rtol=1e-9, atol=1e-12
        )
    assert fast["persons"]["status"].tolist() == careful["persons"]["status"].tolist()
    for col in ("measure", "se", "mle", "infit_msq", "outfit_msq"):
        np.testing.assert_allclose(
            fast["persons"][col], careful["persons"][col], rtol=1e-9, atol=1e-12, equal_nan=True
        )


@pytest.mark.parametrize("case", CASES)
def test_fast_path_equals_careful_path_and_the_peers(case: str, tmp_path: Path) -> None:
    dataset, model = case.split("__")
    ref = json.loads((REF / "ref" / f"{case}.json").read_text())
    if "error" in (ref.get("erm_fit_notes") or {}):
        pytest.skip("the peers refuse this model for this dataset (and so does measure)")
    fast, careful = _both_paths(REF / "data" / f"{dataset}.csv", tmp_path, MODEL[model])
    _assert_same(fast, careful)
    t = fast["thresholds"]["threshold"].to_numpy()
    key = "itempar_sum0" if model == "RM" else "threshpar_centred_global"
    polished = (ref.get("psychotools") or {}).get("polished") or {}
    if key in polished:  # the high-precision optimum
        np.testing.assert_allclose(t - t.mean(), polished[key]["est"], atol=1e-5, rtol=0)
    else:  # psychotools could not fit it: eRm's own estimates
        erm = ref["erm"]
        want = np.asarray(
            erm["difficulty"]["est"] if model == "RM" else erm["thresholds_centred_global"]["est"]
        )
        np.testing.assert_allclose(t - t.mean(), want - want.mean(), atol=2e-4, rtol=0)


@pytest.mark.parametrize("missing", [0.0, 0.25])
def test_fast_path_equals_careful_path_on_simulated_data(missing: float, tmp_path: Path) -> None:
    rng = np.random.default_rng(17)
    thr = np.sort(rng.normal(0, 1, size=(12, 3)), axis=1)
    sim = measure.simulate_responses(
        thresholds=thr.tolist(), n_persons=3000, missing=missing, rng=rng
    )
    path = tmp_path / "sim.csv"
    sim.responses.astype("Int8").to_csv(path, index=False)
    fast, careful = _both_paths(path, tmp_path, "pcm")
    _assert_same(fast, careful)
    # and the library on the same answers, without any file in between
    cal = measure.calibrate(sim.responses, model="pcm")
    np.testing.assert_allclose(
        fast["thresholds"]["threshold"], cal.thresholds["threshold"], rtol=1e-9, atol=1e-12
    )
