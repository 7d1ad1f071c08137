"""The Excel workbook (issue 15, point 7): a summary sheet first, then every table with a frozen
header row, a filter over its data, widths from the content and number formats from the
schemas, while the cells keep the values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl.utils import get_column_letter

import measure
from measure.cli.main import cli
from measure.io import OutputSet, write_workbook_atomic
from measure.io.write import EXCEL_MAX_ROWS, WIDTH_MAX, WIDTH_MIN
from measure.report.workbook import column_format, summary_sheet, table_formats
from measure.schemas import COMPARE_SHARES, DIF_CSV, ITEMS, PERSONS

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sim = measure.simulate_responses(
        thresholds=[[-1.0, 0.5], [-0.5, 1.0], [0.0, 0.8], [-0.8, 0.2], [0.3, 1.1]],
        n_persons=150,
        rng=11,
    )
    data = sim.responses.copy()
    data.insert(
        0,
        "id",
        ['=HYPERLINK("http://x","y")', "@SUM(1)"] + [f"p{i:03d}" for i in range(2, len(data))],
    )
    path = tmp_path_factory.mktemp("data") / "answers.csv"
    data.to_csv(path, index=False)
    return path


def _calibrate(answers: Path, out: Path, *extra: str) -> None:
    args = ["calibrate", str(answers), "--out", str(out), "--id-column", "id", "--quiet"]
    result = CliRunner().invoke(cli, [*args, *extra])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def workbook(answers: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    out = tmp_path_factory.mktemp("xlsx")
    _calibrate(answers, out, "--format", "xlsx")
    csv = tmp_path_factory.mktemp("csv")
    _calibrate(answers, csv, "--digits", "17")
    return openpyxl.load_workbook(out / "measure.xlsx"), csv


def test_the_summary_sheet_comes_first_then_the_tables(workbook: tuple[Any, Path]) -> None:
    book, _ = workbook
    assert book.sheetnames == ["Summary", "items", "thresholds", "persons", "score_table"]


def test_every_sheet_has_a_frozen_header_and_a_filter_over_its_data(
    workbook: tuple[Any, Path],
) -> None:
    book, csv = workbook
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet["A1"].font.b, sheet.title  # the header row is bold
        if sheet.title == "Summary":
            continue
        table = pd.read_csv(csv / f"{sheet.title}.csv")
        last = get_column_letter(table.shape[1])
        assert sheet.auto_filter.ref == f"A1:{last}{len(table) + 1}", sheet.title
        assert [c.value for c in sheet[1]] == list(table.columns)


def test_number_formats_follow_the_schema(workbook: tuple[Any, Path]) -> None:
    book, _ = workbook
    persons = book["persons"]
    header = {c.value: c.column_letter for c in persons[1]}
    for column, wanted in [
        ("measure", "0.00"),
        ("se", "0.00"),
        ("ci_lower", "0.00"),
        ("row", "0"),
        ("raw_score", "0"),
        ("infit_msq", "0.00"),
    ]:
        cells = [persons[f"{header[column]}{r}"] for r in range(2, 40)]
        assert {c.number_format for c in cells if c.value is not None} == {wanted}, column
    items = book["items"]
    header = {c.value: c.column_letter for c in items[1]}
    assert items[f"{header['location']}2"].number_format == "0.00"
    assert items[f"{header['n']}2"].number_format == "0"
    assert items[f"{header['cond_infit_p']}2"].number_format == "0.000"


def test_cells_keep_the_full_values_of_the_csv(workbook: tuple[Any, Path]) -> None:
    book, csv = workbook
    for name in ("items", "thresholds", "persons", "score_table"):
        table = pd.read_csv(csv / f"{name}.csv", keep_default_na=False, na_values=[""])
        rows = list(book[name].iter_rows(min_row=2, values_only=True))
        assert len(rows) == len(table)
        for j, column in enumerate(table.columns):
            got = [r[j] for r in rows]
            want = table[column]
            if pd.api.types.is_float_dtype(want):
                x = np.array([np.nan if v is None else v for v in got], dtype=float)
                np.testing.assert_allclose(x, want.to_numpy(), rtol=1e-12, atol=1e-12)
                assert np.array_equal(np.isnan(x), want.isna().to_numpy()), (name, column)
                assert np.any(x != np.round(x, 2)), (name, column)  # not the rounded text


def test_missing_values_are_empty_cells(workbook: tuple[Any, Path]) -> None:
    book, csv = workbook
    table = pd.read_csv(csv / "persons.csv")
    assert table["mle"].isna().any()  # extreme scores have no MLE
    persons = book["persons"]
    col = [c.value for c in persons[1]].index("mle") + 1
    cells = [persons.cell(row=i + 2, column=col) for i in np.flatnonzero(table["mle"].isna())]
    assert all(c.value is None for c in cells)


def test_column_widths_come_from_the_content_within_bounds(workbook: tuple[Any, Path]) -> None:
    book, _ = workbook
    persons = book["persons"]
    widths = {c.value: persons.column_dimensions[c.column_letter].width for c in persons[1]}
    assert all(WIDTH_MIN <= w <= WIDTH_MAX + 1 for w in widths.values()), widths
    # the formula-looking id is the longest person id: its column is wider than the default
    assert widths["person"] >= len('=HYPERLINK("http://x","y")')
    assert widths["reason"] > widths["row"]


def test_text_that_looks_like_a_formula_stays_text(workbook: tuple[Any, Path]) -> None:
    book, _ = workbook
    persons = book["persons"]
    assert (persons["A2"].value, persons["A2"].data_type) == ('=HYPERLINK("http://x","y")', "s")
    assert (persons["A3"].value, persons["A3"].data_type) == ("@SUM(1)", "s")
    assert all(c.data_type != "f" for s in book.worksheets for r in s.iter_rows() for c in r)


def test_the_summary_sheet_holds_verdicts_and_key_figures(workbook: tuple[Any, Path]) -> None:
    book, csv = workbook
    rows = {r[0]: r[1:] for r in book["Summary"].iter_rows(min_row=2, values_only=True)}
    import json

    summary = json.loads((csv / "summary.json").read_text(encoding="utf-8"))
    value, note = rows["person reliability (WLE)"]
    assert value == pytest.approx(summary["reliability"]["person_reliability"], abs=1e-12)
    assert "Tennant & Conaghan 2007" in note
    assert rows["persons"][0] == 150
    assert rows["items"][0] == 5
    assert rows["model"][0] == summary["model"]
    assert rows["input file"][0] == "answers.csv"
    assert rows["measure version"][0] == measure.__version__
    assert "misfitting items" in rows and "VERDICTS" in rows


def test_swedish_summary_sheet_with_lang_sv(answers: Path, tmp_path: Path) -> None:
    _calibrate(answers, tmp_path, "--format", "xlsx", "--lang", "sv")
    book = openpyxl.load_workbook(tmp_path / "measure.xlsx")
    assert book.sheetnames[0] == "Sammanfattning"
    labels = [r[0] for r in book["Sammanfattning"].iter_rows(values_only=True)]
    assert labels[:2] == ["rubrik", "BEDÖMNINGAR"] and "reliabilitet (WLE)" in labels


def test_score_workbook_has_its_summary_first(answers: Path, tmp_path: Path) -> None:
    ref = tmp_path / "ref.json"
    _calibrate(answers, tmp_path / "cal", "--save-reference", str(ref))
    args = ["score", str(answers), "--reference", str(ref), "--out", str(tmp_path / "s")]
    result = CliRunner().invoke(cli, [*args, "--id-column", "id", "--format", "xlsx", "--quiet"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "s" / "measure.xlsx")
    assert book.sheetnames == ["Summary", "persons", "anchors", "score_table"]
    labels = [r[0] for r in book["Summary"].iter_rows(values_only=True)]
    assert "drifting anchors" in labels and "reference scale" in labels


def test_a_table_with_no_rows_is_a_header_with_its_filter(tmp_path: Path) -> None:
    empty = pd.DataFrame(
        {"item": pd.Series([], dtype=object), "contrast": pd.Series([], dtype=float)}
    )
    path = write_workbook_atomic(
        {"dif": empty}, tmp_path / "x.xlsx", number_formats={"dif": {"contrast": "0.00"}}
    )
    sheet = openpyxl.load_workbook(path)["dif"]
    assert [[c.value for c in r] for r in sheet.iter_rows()] == [["item", "contrast"]]
    assert sheet.auto_filter.ref == "A1:B1" and sheet.freeze_panes == "A2"


def test_too_many_rows_for_a_sheet_is_refused_before_writing(tmp_path: Path) -> None:
    big = pd.DataFrame({"row": np.arange(EXCEL_MAX_ROWS, dtype=np.int32)})
    with pytest.raises(
        ValueError,
        match=r"table 'persons' has 1,048,576 rows; an Excel "
        r"worksheet holds at most 1,048,575 below its header row: write "
        r"--format csv or parquet",
    ):
        with OutputSet() as files:
            files.write_workbook({"persons": big}, tmp_path / "x.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_infinite_values_are_written_as_text_not_dropped(tmp_path: Path) -> None:
    table = pd.DataFrame({"z": [1.5, np.inf, -np.inf, np.nan]})
    sheet = openpyxl.load_workbook(write_workbook_atomic({"t": table}, tmp_path / "x.xlsx"))["t"]
    assert [sheet.cell(row=r, column=1).value for r in range(1, 6)] == [
        "z",
        1.5,
        "inf",
        "-inf",
        None,  # missing: an empty cell, inside the filter's range
    ]
    assert sheet.auto_filter.ref == "A1:A5"


def test_column_formats_by_unit_and_type() -> None:
    assert column_format(PERSONS.column("measure")) == "0.00"  # logits
    assert column_format(PERSONS.column("n_answered")) == "0"  # int
    assert column_format(PERSONS.column("status")) == ""  # text
    assert column_format(ITEMS.column("anchored")) == ""  # bool
    assert column_format(DIF_CSV.column("p")) == "0.000"  # p-values
    assert column_format(DIF_CSV.column("mh_p")) == "0.000"
    assert column_format(COMPARE_SHARES.column("share")) == "0.0%"  # a share as percent
    assert column_format(COMPARE_SHARES.column("n_effective")) == "0.0"
    # kept data columns (not in the schema) are left to Excel
    assert table_formats("persons", ["person", "municipality", "se"]) == {"se": "0.00"}
    assert table_formats("not_a_table", ["se"]) == {}


def test_summary_sheet_leaves_out_what_is_not_there() -> None:
    sheet = summary_sheet({"n_persons": 10, "warnings": ["w1"]}, command="shorten")
    labels = sheet["label"].tolist()
    assert "persons" in labels and "person reliability (WLE)" not in labels
    assert sheet["value"].tolist()[-1] == "w1"


def test_calibrate_refuses_more_rows_than_a_sheet_right_after_reading(
    answers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The persons table has a row per data row: too many for a sheet is known once the data
    are read, and is refused then, before any estimation (the limit made small here)."""
    import measure.io.write

    monkeypatch.setattr(measure.io.write, "EXCEL_MAX_ROWS", 101)
    out = tmp_path / "out"
    args = ["calibrate", str(answers), "--out", str(out), "--id-column", "id", "--quiet"]
    result = CliRunner().invoke(cli, [*args, "--format", "xlsx"])
    assert result.exit_code == 2
    assert "answers.csv has 150 rows; an Excel worksheet holds at most 100 below its header" in (
        result.output
    )
    assert not (out / "measure.xlsx").exists() and not (out / "summary.json").exists()


def test_compare_workbook_summary_lists_the_changes_with_intervals(
    workbook: tuple[Any, Path], tmp_path: Path
) -> None:
    _, csv = workbook
    waves = []
    for name in ("wave1", "wave2"):
        waves.append(tmp_path / f"{name}.csv")
        waves[-1].write_bytes((csv / "persons.csv").read_bytes())
    args = ["compare", *map(str, waves), "--out", str(tmp_path / "c"), "--threshold", "0.5"]
    result = CliRunner().invoke(cli, [*args, "--format", "xlsx", "--quiet"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "c" / "measure.xlsx")
    assert book.sheetnames[:3] == ["Summary", "groups", "group_change"]
    rows = {r[0]: r[1:] for r in book["Summary"].iter_rows(min_row=2, values_only=True)}
    value, note = rows["change of the mean wave1 -> wave2"]
    assert value == 0 and note.startswith("CI -") and note.endswith("p = 1.000")
    shares = book["shares"]
    header = [c.value for c in shares[1]]
    assert shares.cell(row=2, column=header.index("share") + 1).number_format == "0.0%"


def test_a_failure_inside_a_sheet_leaves_no_file_and_no_open_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    import measure.io.write

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("stopped while writing a sheet")

    monkeypatch.setattr(measure.io.write, "_write_sheet", fail)
    with pytest.raises(RuntimeError, match="stopped while writing a sheet"):
        write_workbook_atomic({"t": pd.DataFrame({"a": [1]})}, tmp_path / "x.xlsx")
    gc.collect()  # an unclosed scratch file of the workbook would warn here (an error)
    assert list(tmp_path.iterdir()) == []
