"""``--header-row`` and title rows above the header on the command line (issue 15, point 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from measure.cli.main import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "wellbeing_survey.csv"
TITLE = "Enkät om välbefinnande 2026"
N_ROWS = 600  # data rows of the example
NOTICE = (
    "the column names are on row 3 (found below a title); rows 1-2 above them skipped, not "
    "read as persons (row 1: 'Enkät om välbefinnande 2026'). The data start on row 4"
)


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, list(map(str, args)))


def titled_csv(path: Path) -> Path:
    path.write_text(f"{TITLE}\n\n" + EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def titled_xlsx(path: Path) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    frame = pd.read_csv(EXAMPLE, dtype=object, keep_default_na=False)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([TITLE])
    sheet.append([])
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([int(v) if v.isdigit() else (v or None) for v in row])
    workbook.save(path)
    return path


def calibrate_args(data: Path, out: Path) -> list[str | Path]:
    return ["calibrate", data, "--id-column", "id", "--instrument", "who5", "--out", out]


def test_calibrate_detects_the_title_of_an_excel_export(tmp_path: Path) -> None:
    out = tmp_path / "ut"
    result = run(*calibrate_args(titled_xlsx(tmp_path / "enkät.xlsx"), out))
    assert result.exit_code == 0, result.output
    assert f"warning: enkät.xlsx [Sheet]: {NOTICE}" in result.stderr
    persons = pd.read_csv(out / "persons.csv")
    assert len(persons) == N_ROWS
    assert persons["row"].tolist() == list(range(4, 4 + N_ROWS))
    assert persons["person"].iloc[0] == "R0001"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows_read"] == N_ROWS
    assert (summary["input"]["header_row"], summary["input"]["skipped_rows"]) == (3, [1])
    assert any(NOTICE in w for w in summary["warnings"])


def test_header_row_gives_the_plain_files_persons_shifted(tmp_path: Path) -> None:
    plain = run(*calibrate_args(EXAMPLE, tmp_path / "plain"))
    assert plain.exit_code == 0, plain.output
    titled = titled_csv(tmp_path / "enkät.csv")
    result = run(*calibrate_args(titled, tmp_path / "ut"), "--header-row", "3", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # --quiet: the notice goes to summary.json only
    want = pd.read_csv(tmp_path / "plain" / "persons.csv")
    got = pd.read_csv(tmp_path / "ut" / "persons.csv")
    assert got["row"].tolist() == (want["row"] + 2).tolist()
    pd.testing.assert_frame_equal(got.drop(columns="row"), want.drop(columns="row"))
    summary = json.loads((tmp_path / "ut" / "summary.json").read_text(encoding="utf-8"))
    assert summary["input"]["header_row"] == 3
    assert any("header_row=3, CLI: --header-row 3" in w for w in summary["warnings"])


def test_score_reads_below_the_header_row(tmp_path: Path) -> None:
    ref = tmp_path / "ref.json"
    cal = run(*calibrate_args(EXAMPLE, tmp_path / "cal"), "--save-reference", ref)
    assert cal.exit_code == 0, cal.output
    titled = titled_csv(tmp_path / "våg2.csv")
    args = ["score", titled, "--reference", ref, "--id-column", "id", "--out", tmp_path / "ut"]
    result = run(*args, "--header-row", "3")
    assert result.exit_code == 0, result.output
    assert "warning: våg2.csv: the column names are on row 3 (header_row=3" in result.stderr
    scored = pd.read_csv(tmp_path / "ut" / "persons.csv")
    calibrated = pd.read_csv(tmp_path / "cal" / "persons.csv")
    assert scored["row"].tolist() == (calibrated["row"] + 2).tolist()
    pd.testing.assert_series_equal(scored["measure"], calibrated["measure"], rtol=1e-6)


@pytest.mark.parametrize("command", ["calibrate", "score", "report", "shorten", "cat-simulate"])
def test_every_command_reading_survey_data_has_header_row(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "--header-row N" in result.output


def test_header_row_beyond_the_file_is_a_data_error(tmp_path: Path) -> None:
    result = run(
        *calibrate_args(titled_csv(tmp_path / "e.csv"), tmp_path / "ut"), "--header-row", "900"
    )
    assert result.exit_code == 1
    assert (
        "error: e.csv: header_row=900 (CLI: --header-row 900) is beyond the end: the file has "
        "603 rows" in result.stderr
    )
    assert not (tmp_path / "ut" / "persons.csv").exists()


def test_header_row_on_parquet_is_a_usage_error(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    data = tmp_path / "svar.parquet"
    pd.read_csv(EXAMPLE).to_parquet(data)
    result = run(*calibrate_args(data, tmp_path / "ut"), "--header-row", "2")
    assert result.exit_code == 2
    assert "--header-row applies to .csv, .txt, .tsv, .xlsx, .xlsm files, not .parquet" in (
        result.output
    )


def test_ambiguous_top_rows_ask_for_header_row(tmp_path: Path) -> None:
    data = tmp_path / "oklar.csv"
    text = EXAMPLE.read_text(encoding="utf-8")
    data.write_text("Enkät 2026,Norrby,Söderås,2026-03-01\n\n" + text, encoding="utf-8")
    result = run(*calibrate_args(data, tmp_path / "ut"))
    assert result.exit_code == 1
    assert "Row 3 looks like the header" in result.stderr
    assert "pass header_row=3 (CLI: --header-row 3)" in result.stderr
