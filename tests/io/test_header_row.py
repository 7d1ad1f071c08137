"""The header row: title rows above it (survey-tool exports), ``header_row=`` and its errors.

A file whose header is its first non-blank row is read as before; a title and a blank row
above the header are detected (with a warning naming the header row and the rows skipped) or
skipped with ``header_row=``; row numbers stay the file's.
"""

from __future__ import annotations

import csv
import itertools
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from measure.exceptions import DataQualityWarning, ResponseDataError
from measure.io import RawTable, read_table

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "wellbeing_survey.csv"
TITLE = "Enkät om välbefinnande 2026"
_files = itertools.count()


def example_rows() -> list[list[str]]:
    with open(EXAMPLE, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_text(path: Path, rows: list[list[str]], sep: str, *, above: str = "") -> Path:
    body = "".join(sep.join(row) + "\r\n" for row in rows)
    path.write_bytes((above + body).encode("utf-8-sig"))
    return path


def write_xlsx(path: Path, rows: list[list[object]], *, above: list[list[object]]) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in above + rows:
        sheet.append(row)
    workbook.save(path)
    return path


def typed(rows: list[list[str]]) -> list[list[object]]:
    """Cells as Excel stores them: numbers as numbers, empty cells as None."""
    return [[int(v) if v.isdigit() else (v or None) for v in row] for row in rows]


def read_quietly(path: Path, **kwargs: object) -> tuple[RawTable, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        raw = read_table(path, **kwargs)  # type: ignore[arg-type]
    assert all(issubclass(w.category, DataQualityWarning) for w in caught)
    return raw, [str(w.message) for w in caught]


def assert_same_table(shifted: RawTable, plain: RawTable, offset: int) -> None:
    pd.testing.assert_frame_equal(shifted.data, plain.data)
    np.testing.assert_array_equal(shifted.row_numbers, plain.row_numbers + offset)
    assert shifted.header_row == plain.header_row + offset  # type: ignore[operator]


# --------------------------------------------------------------------------------------------
# the usual survey-tool export: a title row, a blank row, the header on row 3
# --------------------------------------------------------------------------------------------

NOTICE = (
    r"the column names are on row 3 \(found below a title\); rows 1-2 above them skipped, "
    r"not read as persons \(row 1: 'Enkät om välbefinnande 2026'\)\. The data start on row 4"
)


def test_xlsx_title_and_blank_row_detected(tmp_path: Path) -> None:
    rows = example_rows()
    plain = read_table(write_xlsx(tmp_path / "plain.xlsx", typed(rows), above=[]))
    path = write_xlsx(tmp_path / "export.xlsx", typed(rows), above=[[TITLE], []])
    with pytest.warns(DataQualityWarning, match=r"export\.xlsx \[Sheet\]: " + NOTICE):
        raw = read_table(path)
    assert raw.header_row == 3
    assert raw.skipped_rows == (1,)
    assert list(raw.data.columns) == rows[0]
    assert len(raw.data) == len(rows) - 1  # every person, and no title row among them
    assert raw.row_numbers[0] == 4
    assert_same_table(raw, plain, 2)
    # the same with the row given
    with pytest.warns(DataQualityWarning, match=r"row 3 \(header_row=3, CLI: --header-row 3\)"):
        given_row = read_table(path, header_row=3)
    assert_same_table(given_row, plain, 2)


@pytest.mark.parametrize("engine", ["careful", "fast"])
def test_csv_title_and_blank_row_detected(tmp_path: Path, engine: str) -> None:
    rows = example_rows()
    plain = read_table(write_text(tmp_path / "plain.csv", rows, ","), engine=engine)  # type: ignore[arg-type]
    path = write_text(tmp_path / "export.csv", rows, ",", above=f"{TITLE}\r\n\r\n")
    with pytest.warns(DataQualityWarning, match=r"export\.csv: " + NOTICE):
        raw = read_table(path, engine=engine)  # type: ignore[arg-type]
    assert (raw.header_row, raw.skipped_rows, raw.delimiter) == (3, (1,), ",")
    assert_same_table(raw, plain, 2)


@pytest.mark.parametrize("title_line", [f"{TITLE}\r\n", f"{TITLE};;;;\r\n", f'"{TITLE}"\r\n'])
def test_swedish_semicolon_decimal_comma_export_with_title(tmp_path: Path, title_line: str) -> None:
    """';' with decimal commas, a BOM and CRLF: the title line (with or without the trailing
    delimiters some tools write) does not hide the delimiter or the decimal comma."""
    rows = [["id", "kommun", "vikt", "q1", "q2"]]
    rows += [[f"P{i:03d}", "Malmö", f"{i % 3},5", str(i % 4), ""] for i in range(1, 30)]
    plain = read_table(write_text(tmp_path / "plain.csv", rows, ";"))
    path = write_text(tmp_path / "enkät.csv", rows, ";", above=title_line + ";;;;\r\n")
    with pytest.warns(DataQualityWarning, match=r"enkät\.csv: the column names are on row 3"):
        raw = read_table(path)
    assert (raw.delimiter, raw.decimal, raw.encoding) == (";", ",", "utf-8-sig")
    assert raw.data.loc[0, "vikt"] == "1,5"
    assert_same_table(raw, plain, 2)


def test_title_without_blank_row_and_several_title_rows(tmp_path: Path) -> None:
    rows = example_rows()
    plain = read_table(write_xlsx(tmp_path / "plain.xlsx", typed(rows), above=[]))
    above: list[list[object]] = [[TITLE], ["Exporterad 2026-03-01 10:22"], [None, "Kommun"], []]
    path = write_xlsx(tmp_path / "export.xlsx", typed(rows), above=above)
    with pytest.warns(DataQualityWarning) as caught:
        raw = read_table(path)
    (message,) = [str(w.message) for w in caught]
    assert "rows 1-4 above them skipped" in message
    assert "row 1: 'Enkät om välbefinnande 2026'; row 2: 'Exporterad" in message
    assert "row 3: 'Kommun'" in message
    assert raw.skipped_rows == (1, 2, 3)
    assert_same_table(raw, plain, 4)


# --------------------------------------------------------------------------------------------
# a normal file is read as before
# --------------------------------------------------------------------------------------------


def test_header_on_row_one_with_sparse_first_rows_unchanged(tmp_path: Path) -> None:
    """Sparse first data rows (one answer, or none) do not make row 2 look like a header."""
    text = "id,q1,q2,q3\nR1,,,\n,,,\nR3,2,,\nR4,1,2,3\n"
    path = tmp_path / "sparse.csv"
    path.write_text(text, encoding="utf-8")
    raw = read_table(path)  # any warning would fail the test (warnings are errors)
    assert (raw.header_row, raw.skipped_rows) == (1, ())
    assert raw.row_numbers.tolist() == [2, 3, 4, 5]
    assert raw.data["id"].tolist() == ["R1", None, "R3", "R4"]


def test_blank_lines_before_the_header_are_not_a_title(tmp_path: Path) -> None:
    path = tmp_path / "blank_first.csv"
    path.write_text("\n\nid,q1\nR1,2\n", encoding="utf-8")
    raw = read_table(path)  # no warning: nothing but blank rows skipped
    assert (raw.header_row, raw.skipped_rows, raw.row_numbers.tolist()) == (3, (), [4])


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[list[str]], str]:
    """A header of distinct names on row 1 and sparse rows of codes and ids (some empty)."""
    n_cols = draw(st.integers(2, 6))
    names = draw(
        st.lists(
            st.text("abcdefghijklmnopqrstuvwxyzåäö_", min_size=1, max_size=8),
            min_size=n_cols,
            max_size=n_cols,
            unique=True,
        )
    )
    cell = st.sampled_from(["", "", "0", "1", "2", "3", "4", "9", "R01", "Vet ej"])
    body = draw(st.lists(st.lists(cell, min_size=n_cols, max_size=n_cols), max_size=25))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    return [names, *body], sep


@given(
    table=tables(),
    above=st.lists(st.sampled_from(["", TITLE, "Exporterad 2026-03-01"]), max_size=5),
    padded=st.booleans(),
    engine=st.sampled_from(["careful", "fast"]),
)
def test_prepending_title_rows_shifts_row_numbers_only(
    tmp_path_factory: pytest.TempPathFactory,
    table: tuple[list[list[str]], str],
    above: list[str],
    padded: bool,
    engine: str,
) -> None:
    """Property: the file with its header on row 1 is read with header_row 1 and no warning;
    with k rows (titles, blank) prepended, header_row=k+1, and detection where a title is
    there, give the identical table with the row numbers shifted by k."""
    rows, sep = table
    folder = tmp_path_factory.mktemp("hdr")
    plain_path = write_text(folder / f"plain{next(_files)}.csv", rows, sep)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = read_table(plain_path, engine=engine)  # type: ignore[arg-type]
    assert (plain.header_row, plain.skipped_rows) == (1, ())

    k = len(above)
    pad = sep * (len(rows[0]) - 1) if padded else ""
    lines = "".join(f"{line}{pad}\r\n" for line in above)
    path = write_text(folder / f"titled{next(_files)}.csv", rows, sep, above=lines)
    titles = tuple(i + 1 for i, line in enumerate(above) if line)

    given_row, notes = read_quietly(path, header_row=k + 1, engine=engine, delimiter=sep)
    assert_same_table(given_row, plain, k)
    assert given_row.skipped_rows == titles
    assert len(notes) == (1 if titles else 0)

    detected, notes = read_quietly(path, engine=engine)
    assert detected.delimiter == sep
    assert_same_table(detected, plain, k)
    assert detected.skipped_rows == titles
    assert len(notes) == (1 if titles else 0)


@pytest.mark.parametrize("k", [1, 2, 5])
def test_prepending_rows_to_a_workbook_shifts_row_numbers_only(tmp_path: Path, k: int) -> None:
    rows = example_rows()[:40]
    rows[1][2:] = [""] * 5  # a sparse first data row
    plain = read_table(write_xlsx(tmp_path / "plain.xlsx", typed(rows), above=[]))
    above: list[list[object]] = [[TITLE]] + [[]] * (k - 1)
    path = write_xlsx(tmp_path / "titled.xlsx", typed(rows), above=above)
    raw, notes = read_quietly(path, header_row=k + 1)
    assert_same_table(raw, plain, k)
    assert len(notes) == 1 and f"The data start on row {k + 2}" in notes[0]


def test_fast_engine_reads_below_a_given_header_row(tmp_path: Path) -> None:
    """header_row= on a large simple file: the fast engine reads from the header line and
    gives the careful engine's cells and row numbers."""
    rows = [["id"] + [f"q{j}" for j in range(8)]]
    rows += [[f"P{i:05d}"] + [str((i * j) % 5) for j in range(8)] for i in range(20_000)]
    path = write_text(tmp_path / "big.csv", rows, ";", above="Enkät 2026\r\nExport\r\n\r\n")
    fast, notes = read_quietly(path, header_row=4, engine="fast", numeric=True)
    careful, _ = read_quietly(path, header_row=4, engine="careful", numeric=True)
    assert (fast.engine, careful.engine) == ("fast", "careful")
    assert fast.delimiter == ";"
    np.testing.assert_array_equal(fast.row_numbers, careful.row_numbers)
    assert fast.row_numbers[0] == 5
    pd.testing.assert_frame_equal(fast.data, careful.data)
    assert fast.skipped_rows == careful.skipped_rows == (1, 2)
    assert "rows 1-3 above them skipped" in notes[0]


# --------------------------------------------------------------------------------------------
# what is not detected, and errors
# --------------------------------------------------------------------------------------------


def test_ambiguous_top_rows_name_the_header_candidate(tmp_path: Path) -> None:
    """Row 1 fills two cells (more than a title) and leaves column C unnamed; row 3 names
    every column: the error names row 3 and asks for header_row."""
    path = tmp_path / "oklar.csv"
    path.write_text("Enkät 2026;Norrby;\n\nid;q1;q2\nR1;2;3\n", encoding="utf-8")
    with pytest.raises(
        ResponseDataError,
        match=r"oklar\.csv: which row holds the column names\? Row 1 cannot: column 3 \(C\) "
        r"has values \(first 'q2' at row 3\) but no name there\. Row 3 looks like the header "
        r"\(it names every column: 'id', 'q1', 'q2'\), but row 1 above it fills 2 cells.*"
        r"pass header_row=3 \(CLI: --header-row 3\)",
    ) as info:
        read_table(path)
    assert info.value.problems == [{"row": 1, "column": 3, "value": "q2", "looks_like": 3}]
    with pytest.warns(DataQualityWarning, match=r"row 1: 'Enkät 2026 \| Norrby'"):
        raw = read_table(path, header_row=3)
    assert raw.data.to_dict("list") == {"id": ["R1"], "q1": ["2"], "q2": ["3"]}


@pytest.mark.parametrize(
    "text",
    [
        "id;;\nR1;2;3\nR2;1;0\n",  # the first full row holds numbers: answers
        "id;;\nR1;Ofta;Ofta\nR2;Ofta;Sällan\n",  # a name twice: answers
        "id;;\nR1;Ofta;Sällan\nR2;Ofta;Aldrig\n",  # 'Ofta' again in its column: answers
    ],
)
def test_answers_are_not_taken_for_a_header(tmp_path: Path, text: str) -> None:
    path = tmp_path / "svar.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        ResponseDataError,
        match=r"svar\.csv: 2 column\(s\) without a name in the header row \(row 1\).*"
        r"give its number with header_row= \(CLI: --header-row N\)",
    ):
        read_table(path)


def test_unnamed_column_message_counts_every_column(tmp_path: Path) -> None:
    """The "6 column(s)" message listed five columns and said nothing of the sixth (issue 15);
    every unnamed column is now accounted for."""
    rows = example_rows()
    path = write_xlsx(tmp_path / "export.xlsx", typed(rows), above=[[TITLE], []])
    with pytest.raises(ResponseDataError) as info:
        read_table(path, header_row=1)
    message = str(info.value)
    count = int(re.search(r"(\d+) column\(s\) without a name", message).group(1))  # type: ignore[union-attr]
    listed = re.findall(r"column \d+ \(([A-Z]+)\) has no name", message)
    more = re.search(r"and (\d+) more columns? \(([A-Z, ]+)\)", message)
    assert more is not None, message
    assert listed == ["B", "C", "D", "E", "F"]
    assert more.groups() == ("1", "G")
    assert count == 6 == len(listed) + int(more.group(1)) == len(info.value.problems)


def test_header_row_beyond_the_file(tmp_path: Path) -> None:
    path = tmp_path / "kort.csv"
    path.write_text("Titel\n\nid,q1\nR1,2\nR2,3\n", encoding="utf-8")
    with pytest.raises(
        ResponseDataError,
        match=r"kort\.csv: header_row=9 \(CLI: --header-row 9\) is beyond the end: the file "
        r"has 5 rows \(the last with values is row 5\)",
    ):
        read_table(path, header_row=9)
    book = write_xlsx(tmp_path / "kort.xlsx", [["id", "q1"], ["R1", 2]], above=[[TITLE]])
    with pytest.raises(
        ResponseDataError,
        match=r"kort\.xlsx \[Sheet\]: header_row=4 .* worksheet 'Sheet' has 3 rows",
    ):
        read_table(book, header_row=4)


def test_header_row_on_a_blank_row(tmp_path: Path) -> None:
    path = tmp_path / "tom.csv"
    path.write_text("Titel\n\nid,q1\nR1,2\n", encoding="utf-8")
    with pytest.raises(
        ResponseDataError,
        match=r"tom\.csv: row 2 \(header_row=2, CLI: --header-row 2\) is blank, but the header "
        r"row holds the column names; the first non-blank row is row 1",
    ):
        read_table(path, header_row=2)


@pytest.mark.parametrize("name", ["svar.sav", "svar.parquet", "svar.zsav", "svar.pq"])
def test_header_row_refused_for_formats_without_title_rows(tmp_path: Path, name: str) -> None:
    with pytest.raises(
        ValueError,
        match=r"header_row= applies only to \.csv, \.txt, \.tsv, \.xlsx, \.xlsm files, not to "
        rf"\.{name.split('.')[1]} files",
    ):
        read_table(tmp_path / name, header_row=3)


@pytest.mark.parametrize("value", [0, -2, True, 2.0, "3"])
def test_header_row_must_be_a_row_number(tmp_path: Path, value: object) -> None:
    path = tmp_path / "ok.csv"
    path.write_text("id,q1\nR1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"header_row must be a row number of 1 or more"):
        read_table(path, header_row=value)  # type: ignore[arg-type]


def test_title_above_answers_without_column_names(tmp_path: Path) -> None:
    """No row names the columns (the answers start below the title): nothing is detected, and
    the error about the one-field header asks whether the names are on a later row."""
    path = tmp_path / "utan.csv"
    path.write_text("Titel\n\nR1,2,3\nR2,1,0\n", encoding="utf-8")
    with pytest.raises(
        ResponseDataError,
        match=r"utan\.csv: 2 row\(s\) have more fields than the header's 1: row 3 has 3 fields.*"
        r"or are the column names on a later row \(header_row= option, CLI: --header-row N\)\?",
    ):
        read_table(path)
