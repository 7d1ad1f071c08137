"""The command line under hostile input (issue 12): exit 1 with a located message for data
errors, never exit 0 with a quietly wrong or empty result, never a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from measure.cli.main import cli


def _persons(ids: list[str], seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"person": ids, "measure": rng.normal(size=len(ids)), "se": np.full(len(ids), 0.4)}
    )


# -- case 15: measure compare ------------------------------------------------------------------


def test_compare_a_non_numeric_measure_is_a_data_error(tmp_path: Path) -> None:
    pre = _persons([f"p{i}" for i in range(20)], 1).astype({"measure": object})
    pre.loc[4, "measure"] = "n/a"
    pre.to_csv(tmp_path / "pre.csv", index=False)
    _persons([f"p{i}" for i in range(20)], 2).to_csv(tmp_path / "post.csv", index=False)
    args = ["compare", str(tmp_path / "pre.csv"), str(tmp_path / "post.csv")]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "pre.csv: row 6, column 'measure': value 'n/a' is not a number" in (result.output)
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_compare_paired_without_matching_ids_is_an_error_not_an_empty_result(
    tmp_path: Path,
) -> None:
    _persons([f"a{i}" for i in range(20)], 1).to_csv(tmp_path / "pre.csv", index=False)
    _persons([f"b{i}" for i in range(20)], 2).to_csv(tmp_path / "post.csv", index=False)
    args = ["compare", str(tmp_path / "pre.csv"), str(tmp_path / "post.csv"), "--paired"]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "paired: no person id in column 'person' is on both occasions" in result.output
    assert not (tmp_path / "out").exists()


# -- case 5 on the command line ----------------------------------------------------------------


def test_map_to_the_id_column_or_another_item_fails_with_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("id,q1,q2,q3\np1,1,0,1\np2,0,1,1\np3,1,1,0\np4,0,0,1\n")
    for mapping, message in (
        ("q1=id", "the id column 'id' cannot also be an item column"),
        ("q1=q2", "item 'q1' <- column 'q2' (column 'q1' unused)"),
    ):
        out = tmp_path / mapping.replace("=", "_")
        args = ["calibrate", str(path), "--id-column", "id", "--map", mapping, "--out", str(out)]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert message in result.output
        assert not out.exists()


# -- case 8: a stray 99 with --collapse-null -----------------------------------------------------


def test_collapsing_names_the_codes_once(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.integers(0, 4, (200, 5)), columns=[f"q{i}" for i in range(1, 6)])
    frame.insert(0, "id", [f"p{i}" for i in range(200)])
    frame.loc[5, "q1"] = 99
    frame.to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "out"
    args = ["calibrate", str(tmp_path / "d.csv"), "--id-column", "id", "--collapse-null"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warned) == 1
    assert "95 categories without informative answers were merged" in warned[0]
    assert "code 99 is category 4" in warned[0] and "is code 99 a missing code" in warned[0]
    assert result.stdout.count("Note:") == 1
