"""Reading messy survey exports and writing result tables atomically (``measure.io``)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from measure.exceptions import MissingDependencyError, ResponseDataError
from measure.io import (
    SUPPORTED_EXTENSIONS,
    RawTable,
    read_table,
    to_numeric_cells,
    write_table_atomic,
    write_workbook_atomic,
)


def write_bytes(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def cells(raw: RawTable, column: str) -> list[object]:
    return raw.data[column].tolist()


# --------------------------------------------------------------------------------------------
# Delimited text
# --------------------------------------------------------------------------------------------


class TestSemicolonBomSwedish:
    """What Excel in a Swedish locale saves as "CSV UTF-8": BOM, ';', CRLF, decimal comma."""

    @pytest.fixture
    def raw(self, tmp_path: Path) -> RawTable:
        text = (
            "id;Kön;Ålder;q1;q2;vikt\r\n"
            "p01;kvinna;34;09;Stämmer helt;1,5\r\n"
            "p02;man;51;3;Stämmer inte alls;0,75\r\n"
            "p03;annat;;2;Varken eller;2\r\n"
        )
        return read_table(write_bytes(tmp_path / "enkät.csv", text, "utf-8-sig"))

    def test_format_detected(self, raw: RawTable) -> None:
        assert (raw.encoding, raw.delimiter, raw.decimal) == ("utf-8-sig", ";", ",")
        assert raw.source == "enkät.csv"
        assert raw.value_labels == {}

    def test_columns_and_labels_exact(self, raw: RawTable) -> None:
        assert list(raw.data.columns) == ["id", "Kön", "Ålder", "q1", "q2", "vikt"]
        assert cells(raw, "q2") == ["Stämmer helt", "Stämmer inte alls", "Varken eller"]

    def test_cells_kept_as_text(self, raw: RawTable) -> None:
        assert all(dtype.kind == "O" for dtype in raw.data.dtypes)
        assert cells(raw, "q1") == ["09", "3", "2"]  # the leading zero survives
        assert cells(raw, "vikt") == ["1,5", "0,75", "2"]
        assert cells(raw, "Ålder") == ["34", "51", None]

    def test_row_numbers(self, raw: RawTable) -> None:
        assert raw.row_numbers.tolist() == [2, 3, 4]
        assert raw.row_numbers.dtype == np.int64
        assert not raw.row_numbers.flags.writeable

    def test_decimal_comma_to_numbers(self, raw: RawTable) -> None:
        values, failed = to_numeric_cells(raw.data["vikt"], raw.decimal)
        np.testing.assert_array_equal(values, [1.5, 0.75, 2.0])
        assert not failed.any()


def test_cp1252_file_falls_back(tmp_path: Path) -> None:
    text = "id;fråga1;fråga2\n1;Stämmer inte alls;Ofta\n2;Håller med;Sällan\n"
    raw = read_table(write_bytes(tmp_path / "old_export.csv", text, "cp1252"))
    assert raw.encoding == "cp1252"
    assert list(raw.data.columns) == ["id", "fråga1", "fråga2"]
    assert cells(raw, "fråga1") == ["Stämmer inte alls", "Håller med"]


def test_utf8_without_bom(tmp_path: Path) -> None:
    raw = read_table(write_bytes(tmp_path / "x.csv", "id,svar\n1,Ja\n2,Nej\n", "utf-8"))
    assert (raw.encoding, raw.delimiter, raw.decimal) == ("utf-8", ",", ".")


def test_utf16_tab_unicode_text(tmp_path: Path) -> None:
    """Excel's "Unicode text" export: UTF-16 with BOM, tab-separated."""
    path = write_bytes(tmp_path / "unicode.txt", "id\tq1\r\nö1\t4\r\n", "utf-16")
    raw = read_table(path)
    assert (raw.encoding, raw.delimiter) == ("utf-16", "\t")
    assert cells(raw, "id") == ["ö1"]


@pytest.mark.parametrize("name", ["survey.tsv", "survey.txt", "survey.csv"])
def test_tab_delimited(tmp_path: Path, name: str) -> None:
    text = "id\titem 1\titem 2\n1\t0\t1\n2\t1\t1\n3\t1\t0\n"
    raw = read_table(write_bytes(tmp_path / name, text, "utf-8"))
    assert raw.delimiter == "\t"
    assert list(raw.data.columns) == ["id", "item 1", "item 2"]
    assert cells(raw, "item 2") == ["1", "1", "0"]


def test_commas_inside_text_do_not_fool_detection(tmp_path: Path) -> None:
    text = "id;namn;q1\n1;Svensson, Anna;3\n2;Berg, Olle;4\n3;Ek, Lisa;2\n"
    raw = read_table(write_bytes(tmp_path / "names.csv", text, "utf-8"))
    assert raw.delimiter == ";"
    assert cells(raw, "namn") == ["Svensson, Anna", "Berg, Olle", "Ek, Lisa"]


def test_quoted_comma_csv(tmp_path: Path) -> None:
    text = 'id,comment,q1\n1,"good, but long",3\n2,"said ""no""",1\n'
    raw = read_table(write_bytes(tmp_path / "quoted.csv", text, "utf-8"))
    assert raw.delimiter == ","
    assert cells(raw, "comment") == ["good, but long", 'said "no"']


def test_semicolon_with_dot_decimals(tmp_path: Path) -> None:
    text = "id;w\n1;2.5\n2;0.25\n3;1\n"
    raw = read_table(write_bytes(tmp_path / "dots.csv", text, "utf-8"))
    assert (raw.delimiter, raw.decimal) == (";", ".")


def test_tab_with_decimal_comma(tmp_path: Path) -> None:
    raw = read_table(write_bytes(tmp_path / "w.tsv", "id\tw\n1\t2,5\n2\t3\n", "utf-8"))
    assert raw.decimal == ","


def test_explicit_options_override_detection(tmp_path: Path) -> None:
    text = "a|b\n1,5|x\n"
    raw = read_table(
        write_bytes(tmp_path / "pipe.csv", text, "latin-1"),
        delimiter="|",
        encoding="latin-1",
        decimal=",",
    )
    assert (raw.encoding, raw.delimiter, raw.decimal) == ("latin-1", "|", ",")
    assert cells(raw, "a") == ["1,5"]


def test_explicit_wrong_encoding_names_line(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "bad.csv", "id;q\n1;ok\n2;Stämmer\n", "cp1252")
    with pytest.raises(ResponseDataError, match=r"bad\.csv: line 3 cannot be decoded as utf-8"):
        read_table(path, encoding="utf-8")


def test_whitespace_only_cells_are_missing_other_text_kept(tmp_path: Path) -> None:
    text = "id;q1;q2\n1;  ; 3 \n2;\t;x\n"
    raw = read_table(write_bytes(tmp_path / "ws.csv", text, "utf-8"))
    assert cells(raw, "q1") == [None, None]
    assert cells(raw, "q2") == [" 3 ", "x"]


class TestBlankRows:
    """Blank lines between data rows stay (all missing) so row numbers match the file."""

    @pytest.fixture
    def raw(self, tmp_path: Path) -> RawTable:
        text = (
            "\r\n"  # row 1: blank line above the header
            "id;q1;q2\r\n"  # row 2: header
            "p1;1;2\r\n"  # row 3
            "\r\n"  # row 4: blank line
            "p2;0;1\r\n"  # row 5
            ";;\r\n"  # row 6: delimiters only
            'p3;"two\r\nlines";1\r\n'  # row 7: one record over two lines, as in Excel
            "p4;1;1\r\n"  # row 8
            "\r\n;;\r\n\r\n"  # trailing blank rows: not data
        )
        return read_table(write_bytes(tmp_path / "gaps.csv", text, "utf-8-sig"))

    def test_blank_rows_kept_as_missing(self, raw: RawTable) -> None:
        assert cells(raw, "id") == ["p1", None, "p2", None, "p3", "p4"]
        assert raw.data.iloc[[1, 3]].isna().all(axis=None)

    def test_row_numbers_match_file(self, raw: RawTable) -> None:
        assert raw.row_numbers.tolist() == [3, 4, 5, 6, 7, 8]
        assert len(raw.row_numbers) == len(raw.data)

    def test_multiline_value_kept(self, raw: RawTable) -> None:
        assert cells(raw, "q1")[4] == "two\r\nlines"


def test_trailing_delimiter_column_dropped(tmp_path: Path) -> None:
    text = "id;q1;q2;\n1;2;3;\n2;3;4;\n"
    raw = read_table(write_bytes(tmp_path / "trail.csv", text, "utf-8"))
    assert list(raw.data.columns) == ["id", "q1", "q2"]


def test_short_rows_are_an_error_not_missing_answers(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "short.csv", "id;q1;q2\n1;2\n2;3;4\n", "utf-8")
    with pytest.raises(ResponseDataError, match=r"fewer fields than the header's 3: row 2 has 2"):
        read_table(path)


def test_header_only_gives_zero_rows(tmp_path: Path) -> None:
    raw = read_table(write_bytes(tmp_path / "head.csv", "id;q1;q2\n", "utf-8"))
    assert list(raw.data.columns) == ["id", "q1", "q2"]
    assert len(raw.data) == 0
    assert raw.row_numbers.tolist() == []


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


def test_duplicate_column_names(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "dup.csv", "id;q1;q2;q1;q2\n1;2;3;4;5\n", "utf-8")
    with pytest.raises(
        ResponseDataError,
        match=r"dup\.csv: duplicate column names: 'q1' \(columns 2, 4\), 'q2' \(columns 3, 5\)",
    ) as info:
        read_table(path)
    assert info.value.problems == [
        {"column": "q1", "positions": [2, 4]},
        {"column": "q2", "positions": [3, 5]},
    ]


@pytest.mark.parametrize("name", ["answers.sas7bdat", "answers.xls", "answers"])
def test_unknown_extension(tmp_path: Path, name: str) -> None:
    path = write_bytes(tmp_path / name, "id\n1\n", "utf-8")
    with pytest.raises(ResponseDataError, match=rf"{name}: cannot read files.*\.csv, .*\.xlsx"):
        read_table(path)


def test_xls_hint(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "old.xls", "x", "utf-8")
    with pytest.raises(ResponseDataError, match=r"save it as \.xlsx"):
        read_table(path)


def test_supported_extensions_listed() -> None:
    assert set(SUPPORTED_EXTENSIONS) == {
        ".csv",
        ".txt",
        ".tsv",
        ".xlsx",
        ".xlsm",
        ".sav",
        ".zsav",
        ".parquet",
        ".pq",
    }


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(ResponseDataError, match=r"empty\.csv: the file is empty"):
        read_table(path)


def test_only_delimiters_has_no_header(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "nohead.csv", ";;;\n;;;\n", "utf-8")
    with pytest.raises(ResponseDataError, match=r"nohead\.csv: the file is empty.*no header"):
        read_table(path)


def test_column_without_name_but_values(tmp_path: Path) -> None:
    # no row below names every column with text (row 2 holds answers): not a title above a
    # header, so the unnamed columns are the error (title rows: tests/io/test_header_row.py)
    text = "Enkät 2024;;\n1;2;3\n"
    path = write_bytes(tmp_path / "title.csv", text, "utf-8")
    with pytest.raises(
        ResponseDataError,
        match=r"title\.csv: 2 column\(s\) without a name in the header row \(row 1\): "
        r"column 2 \(B\) has no name but has values \(first '2' at row 2\).*"
        r"header_row= \(CLI: --header-row N\)",
    ):
        read_table(path)


def test_row_with_extra_fields(tmp_path: Path) -> None:
    text = "id,weight\n1,2\n2,2,5\n3,1\n"  # decimal comma in a comma-separated file
    path = write_bytes(tmp_path / "extra.csv", text, "utf-8")
    with pytest.raises(
        ResponseDataError,
        match=r"extra\.csv: 1 row\(s\) have more fields than the header's 2: "
        r"row 3 has 3 fields; is a value containing the delimiter ',' not quoted",
    ) as info:
        read_table(path)
    assert info.value.problems == [{"row": 3, "fields": 3, "expected": 2}]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nothere\.csv"):
        read_table(tmp_path / "nothere.csv")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sheet": "Blad1"}, r"sheet= applies only to \.xlsx, \.xlsm files, not to \.csv"),
        ({"apply_value_labels": True}, r"apply_value_labels= applies only to \.sav"),
        ({"decimal": ";"}, r"decimal must be one of \('\.', ','\), got ';'"),
        ({"delimiter": ";;"}, r"delimiter must be a single character"),
        ({"encoding": "no-such-codec"}, r"unknown encoding 'no-such-codec'"),
    ],
)
def test_invalid_options(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    path = write_bytes(tmp_path / "ok.csv", "id;q1\n1;2\n", "utf-8")
    with pytest.raises(ValueError, match=message):
        read_table(path, **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Text cells to numbers
# --------------------------------------------------------------------------------------------


def test_to_numeric_cells_text() -> None:
    series = pd.Series(["1", " 2 ", "2,5", "2.5", "", "  ", None, "vet ej", "1 000", "nan", "-3e1"])
    values, failed = to_numeric_cells(series, ",")
    np.testing.assert_array_equal(
        values, [1, 2, 2.5, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, -30]
    )
    assert failed.tolist() == [False, False, False, True] + [False] * 3 + [True] * 3 + [False]

    values, failed = to_numeric_cells(series, ".")
    assert values[3] == 2.5 and failed[2] and not failed[3]


def test_to_numeric_cells_mixed_objects() -> None:
    """Excel cells: numbers as numbers, text, booleans and dates."""
    series = pd.Series([3, 2.5, "4", True, pd.Timestamp("2024-01-01"), None, np.nan], dtype=object)
    values, failed = to_numeric_cells(series)
    np.testing.assert_array_equal(values, [3, 2.5, 4, np.nan, np.nan, np.nan, np.nan])
    assert failed.tolist() == [False, False, False, True, True, False, False]


def test_to_numeric_cells_numeric_dtype() -> None:
    values, failed = to_numeric_cells(pd.Series([1.0, np.nan, 3.0]))
    np.testing.assert_array_equal(values, [1.0, np.nan, 3.0])
    assert not failed.any()


def test_to_numeric_cells_rejects_unknown_decimal() -> None:
    with pytest.raises(ValueError, match=r"decimal must be one of \('\.', ','\), got ';'"):
        to_numeric_cells(pd.Series(["1"]), ";")


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_to_numeric_cells_decimal_comma_round_trip(number: float) -> None:
    text = repr(number).replace(".", ",")
    values, failed = to_numeric_cells(pd.Series([text]), ",")
    assert not failed[0]
    assert values[0] == number


# --------------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------------


def test_xlsx_round_trip_via_workbook(tmp_path: Path) -> None:
    items = pd.DataFrame({"item": ["q1", "q2"], "measure": [-0.5, 0.75], "se": [0.1, np.nan]})
    persons = pd.DataFrame({"person": ["Åsa", "Örjan", "Ärla"], "raw_score": [3, 5, 4]}).set_index(
        "person"
    )
    path = tmp_path / "results.xlsx"
    write_workbook_atomic({"items": items, "persons": persons}, path)

    raw = read_table(path)  # the first worksheet
    assert raw.sheet == "items"
    assert (raw.encoding, raw.delimiter) == (None, None)
    assert cells(raw, "item") == ["q1", "q2"]
    assert cells(raw, "measure") == [-0.5, 0.75]
    assert cells(raw, "se") == [0.1, None]
    assert raw.row_numbers.tolist() == [2, 3]

    by_name = read_table(path, sheet="persons")
    by_position = read_table(path, sheet=1)
    pd.testing.assert_frame_equal(by_name.data, by_position.data)
    assert list(by_name.data.columns) == ["person", "raw_score"]  # the named index is kept
    assert cells(by_name, "person") == ["Åsa", "Örjan", "Ärla"]
    assert cells(by_name, "raw_score") == [3, 5, 4]


def test_xlsx_blank_rows_and_offset_header(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Svar"
    sheet["A3"], sheet["B3"], sheet["C3"] = "id", "q1", 2024  # header on row 3
    sheet["A4"], sheet["B4"], sheet["C4"] = "p1", "09", 1
    sheet["B6"] = "   "  # row 5 empty, row 6 whitespace only
    sheet["A7"], sheet["B7"], sheet["C7"] = "p2", 2.5, "2,5"
    sheet["A10"] = " "  # trailing blank rows
    workbook.save(tmp_path / "svar.xlsx")

    raw = read_table(tmp_path / "svar.xlsx")
    assert raw.sheet == "Svar"
    assert list(raw.data.columns) == ["id", "q1", "2024"]
    assert cells(raw, "id") == ["p1", None, None, "p2"]
    assert cells(raw, "q1") == ["09", None, None, 2.5]
    assert raw.row_numbers.tolist() == [4, 5, 6, 7]
    assert raw.decimal == ","  # the only decimal written as text uses a comma


def test_xlsx_missing_sheet(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    write_workbook_atomic({"Blad1": pd.DataFrame({"id": [1]})}, path)
    with pytest.raises(
        ResponseDataError, match=r"book\.xlsx: no worksheet named 'Svar'; worksheets are 'Blad1'"
    ):
        read_table(path, sheet="Svar")
    with pytest.raises(ResponseDataError, match=r"no worksheet at position 3"):
        read_table(path, sheet=3)


def test_xlsx_duplicate_columns(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "q1", "q1"])
    workbook.active.append([1, 2, 3])
    workbook.save(tmp_path / "dup.xlsx")
    with pytest.raises(
        ResponseDataError, match=r"dup\.xlsx \[Sheet\]: duplicate column names: 'q1'"
    ):
        read_table(tmp_path / "dup.xlsx")


def test_xlsx_not_a_workbook(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "fake.xlsx", "id;q1\n1;2\n", "utf-8")
    with pytest.raises(ResponseDataError, match=r"fake\.xlsx: cannot be read as an Excel workbook"):
        read_table(path)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a" * 32, r"must be text of 1 to 31 characters"),
        ("items/fit", r"may not contain"),
    ],
)
def test_workbook_sheet_names_checked(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        write_workbook_atomic({name: pd.DataFrame({"x": [1]})}, tmp_path / "w.xlsx")


def test_workbook_sheet_names_unique_ignoring_case(tmp_path: Path) -> None:
    tables = {"Items": pd.DataFrame({"x": [1]}), "items": pd.DataFrame({"x": [2]})}
    with pytest.raises(ValueError, match=r"'Items' and 'items' are the same to Excel"):
        write_workbook_atomic(tables, tmp_path / "w.xlsx")


# --------------------------------------------------------------------------------------------
# SPSS and Parquet
# --------------------------------------------------------------------------------------------


@pytest.fixture
def sav_path(tmp_path: Path) -> Path:
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = pd.DataFrame(
        {
            "id": ["a1", "a2", "a3"],
            "q1": [1.0, 2.0, np.nan],
            "q2": [3.0, 1.0, 2.0],
            "kommentar": ["", "  ", "Bra enkät"],
        }
    )
    path = tmp_path / "who5.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={
            "q1": {1: "Aldrig", 2: "Ibland"},
            "q2": {1: "Nej", 2: "Kanske", 3: "Ja, alltid"},
        },
    )
    return path


def test_sav_codes_numeric_with_labels(sav_path: Path) -> None:
    raw = read_table(sav_path)
    assert raw.source == "who5.sav"
    assert raw.data["q1"].dtype == np.float64
    np.testing.assert_array_equal(raw.data["q1"].to_numpy(), [1.0, 2.0, np.nan])
    assert raw.value_labels == {
        "q1": {1: "Aldrig", 2: "Ibland"},
        "q2": {1: "Nej", 2: "Kanske", 3: "Ja, alltid"},
    }
    assert raw.data["kommentar"].isna().tolist() == [True, True, False]
    assert raw.row_numbers.tolist() == [2, 3, 4]
    assert raw.delimiter is None


def test_sav_apply_value_labels(sav_path: Path) -> None:
    raw = read_table(sav_path, apply_value_labels=True)
    assert cells(raw, "q2") == ["Ja, alltid", "Nej", "Kanske"]
    assert raw.value_labels["q2"][3] == "Ja, alltid"


def test_sav_corrupt(tmp_path: Path) -> None:
    pytest.importorskip("pyreadstat")
    path = write_bytes(tmp_path / "broken.sav", "not spss at all", "utf-8")
    with pytest.raises(ResponseDataError, match=r"broken\.sav: cannot be read as an SPSS file"):
        read_table(path)


@pytest.mark.parametrize("name", ["answers.parquet", "answers.pq"])
def test_parquet(tmp_path: Path, name: str) -> None:
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"person": ["p1", "p2"], "q1": [0, 1], "q2": [" ", "2"]})
    frame.set_index("person").to_parquet(tmp_path / name)
    raw = read_table(tmp_path / name)
    assert list(raw.data.columns) == ["person", "q1", "q2"]  # stored index becomes a column
    assert cells(raw, "q1") == [0, 1]
    assert raw.data["q2"].isna().tolist() == [True, False]
    assert raw.row_numbers.tolist() == [2, 3]
    assert (raw.encoding, raw.delimiter, raw.value_labels) == (None, None, {})


# --------------------------------------------------------------------------------------------
# Missing optional dependencies
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "name", "message"),
    [
        (
            "openpyxl",
            "a.xlsx",
            r'reading \.xlsx files needs openpyxl: pip install "measure\[excel\]"',
        ),
        (
            "pyreadstat",
            "a.sav",
            r'reading \.sav files needs pyreadstat: pip install "measure\[spss\]"',
        ),
        (
            "pyarrow",
            "a.parquet",
            r'reading \.parquet files needs pyarrow: pip install "measure\[parquet\]"',
        ),
    ],
)
def test_missing_reader_dependency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, name: str, message: str
) -> None:
    path = write_bytes(tmp_path / name, "irrelevant", "utf-8")
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(MissingDependencyError, match=message) as info:
        read_table(path)
    assert isinstance(info.value, ImportError)


def test_missing_writer_dependency(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xlsxwriter", None)
    with pytest.raises(
        MissingDependencyError,
        match=r'writing \.xlsx files needs xlsxwriter: pip install "measure\[excel\]"',
    ):
        write_table_atomic(pd.DataFrame({"x": [1]}), tmp_path / "out.xlsx", fmt="xlsx")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


@pytest.fixture
def items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": ["känsla", "sömn", "ork"],
            "measure": [-1.25, 0.5, np.nan],
            "n": [120, 118, 0],
        }
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "parquet"])
def test_atomic_write_leaves_no_temp_files(
    tmp_path: Path, items: pd.DataFrame, fmt: Literal["csv", "xlsx", "json", "parquet"]
) -> None:
    target = tmp_path / f"items.{fmt}"
    write_table_atomic(items, target, fmt=fmt)
    write_table_atomic(items, target, fmt=fmt)  # overwriting works too
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_failed_write_keeps_old_file_and_no_temp(tmp_path: Path, items: pd.DataFrame) -> None:
    target = tmp_path / "results.xlsx"
    write_workbook_atomic({"items": items}, target)
    before = target.read_bytes()
    broken = pd.DataFrame({"text": ["x" * 40_000]})  # longer than an Excel cell holds
    with pytest.raises(ValueError, match=r"table 'broken', row 2, column 'text'"):
        write_workbook_atomic({"items": items, "broken": broken}, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["results.xlsx"]


def test_csv_output(tmp_path: Path, items: pd.DataFrame) -> None:
    target = tmp_path / "items.csv"
    write_table_atomic(items, target)
    content = target.read_bytes()
    assert not content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8") == ("item,measure,n\nkänsla,-1.25,120\nsömn,0.5,118\nork,,0\n")


def test_excel_friendly_output(tmp_path: Path, items: pd.DataFrame) -> None:
    target = tmp_path / "items_excel.csv"
    write_table_atomic(items, target, excel_friendly=True)
    content = target.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig") == (
        "item;measure;n\r\nkänsla;-1,25;120\r\nsömn;0,5;118\r\nork;;0\r\n"
    )
    raw = read_table(target)  # and our own reader takes it back
    assert (raw.encoding, raw.delimiter, raw.decimal) == ("utf-8-sig", ";", ",")
    values, failed = to_numeric_cells(raw.data["measure"], raw.decimal)
    np.testing.assert_array_equal(values, [-1.25, 0.5, np.nan])
    assert not failed.any()


def test_json_output(tmp_path: Path, items: pd.DataFrame) -> None:
    target = tmp_path / "items.json"
    write_table_atomic(items, target, fmt="json")
    assert json.loads(target.read_text(encoding="utf-8")) == [
        {"item": "känsla", "measure": -1.25, "n": 120},
        {"item": "sömn", "measure": 0.5, "n": 118},
        {"item": "ork", "measure": None, "n": 0},
    ]


def test_named_index_is_written(tmp_path: Path, items: pd.DataFrame) -> None:
    target = tmp_path / "by_item.csv"
    write_table_atomic(items.set_index("item"), target)
    assert target.read_text(encoding="utf-8").splitlines()[0] == "item,measure,n"
    target = tmp_path / "by_item.json"
    write_table_atomic(items.set_index("item"), target, fmt="json")
    assert json.loads(target.read_text(encoding="utf-8"))[0]["item"] == "känsla"


def test_full_precision_json(tmp_path: Path) -> None:
    target = tmp_path / "p.json"
    write_table_atomic(pd.DataFrame({"x": [math.pi]}), target, fmt="json")
    assert json.loads(target.read_text(encoding="utf-8"))[0]["x"] == pytest.approx(
        math.pi, rel=1e-14
    )


def test_invalid_format(tmp_path: Path, items: pd.DataFrame) -> None:
    allowed = r"\('csv', 'xlsx', 'json', 'parquet'\)"
    with pytest.raises(ValueError, match=r"fmt must be one of " + allowed):
        write_table_atomic(items, tmp_path / "x.txt", fmt="txt")  # type: ignore[arg-type]


def test_empty_workbook_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"tables is empty"):
        write_workbook_atomic({}, tmp_path / "w.xlsx")


def test_parquet_output_round_trips(tmp_path: Path, items: pd.DataFrame) -> None:
    target = tmp_path / "items.parquet"
    write_table_atomic(items, target, fmt="parquet")
    back = pd.read_parquet(target)
    assert back["item"].tolist() == items["item"].tolist()
    np.testing.assert_array_equal(back["measure"], items["measure"])
    assert back["n"].tolist() == items["n"].tolist()
