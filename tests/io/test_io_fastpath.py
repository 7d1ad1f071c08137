"""The fast engines give exactly what the careful ones give: the reader's cells, dtypes, row
numbers and errors, and the writer's cells. Engines are chosen by argument (``engine=``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from measure import io as mio
from measure.exceptions import ResponseDataError
from measure.io._csvwriter import CodedRun, csv_cells, csv_float, write_joined_csv


def write_big(path: Path, sep: str = ",", towns: tuple[str, str] = ("Malmö", "Umeå")) -> None:
    rng = np.random.default_rng(0)
    n = 6000
    df = pd.DataFrame(
        rng.integers(0, 5, size=(n, 12)).astype(object), columns=[f"q{i}" for i in range(12)]
    )
    df[rng.random(df.shape) < 0.1] = None
    df.insert(0, "id", [f"P{i:05d}" for i in range(n)])
    df.insert(1, "kommun", rng.choice(list(towns), size=n))
    df.to_csv(path, index=False, sep=sep)


@pytest.mark.parametrize("numeric", [False, True])
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_fast_path_equals_careful_reader(tmp_path: Path, sep: str, numeric: bool) -> None:
    path = tmp_path / "big.csv"
    write_big(path, sep)
    fast = mio.read_table(path, engine="fast", numeric=numeric)
    careful = mio.read_table(path, engine="careful", numeric=numeric)
    assert (fast.engine, careful.engine) == ("fast", "careful")
    assert mio.read_table(path).engine == "fast"  # auto: above FAST_MIN_CHARS
    assert fast.delimiter == careful.delimiter == sep
    np.testing.assert_array_equal(fast.row_numbers, careful.row_numbers)
    pd.testing.assert_frame_equal(fast.data, careful.data)


@pytest.mark.parametrize("numeric", [False, True])
@pytest.mark.parametrize("trailing", [0, 3, 1500])
def test_fast_path_on_ascii_bytes_with_trailing_delimiter_lines(
    tmp_path: Path, numeric: bool, trailing: int
) -> None:
    """Plain ASCII files are parsed from the file's own bytes; delimiter-only lines at the end
    (a spreadsheet's empty rows) are left out, as the careful reader leaves them out."""
    path = tmp_path / "ascii.csv"
    write_big(path, towns=("Malmo", "Umea"))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(",,,,,,,,,,,,,\n" * trailing)
    fast = mio.read_table(path, numeric=numeric, engine="fast")
    careful = mio.read_table(path, numeric=numeric, engine="careful")
    assert fast.engine == "fast"
    assert len(fast.data) == len(careful.data) == 6000
    np.testing.assert_array_equal(fast.row_numbers, careful.row_numbers)
    pd.testing.assert_frame_equal(fast.data, careful.data)
    if numeric:
        assert fast.data["q0"].dtype == "Int8" and fast.data["id"].dtype == object


@pytest.mark.parametrize("change", ["blank line", "quoted", "blank cell", "ragged"])
def test_fast_engine_hands_other_files_to_the_careful_one(tmp_path: Path, change: str) -> None:
    """Files that are not simple are read by the careful engine under engine="fast": the same
    cells and row numbers, or the same located error."""
    path = tmp_path / "big.csv"
    write_big(path)
    lines = path.read_text().splitlines()
    insert = {
        "blank line": "",
        "quoted": '"P9",Umeå,1,2,3,4,0,1,2,3,4,0,1,2',
        "blank cell": "P9x,Umeå, ,2,3,4,0,1,2,3,4,0,1,2",
        "ragged": "P9y,Umeå,1,2,3,4,0,1,2,3,4,0,1,2,3",
    }[change]
    path.write_text("\n".join(lines[:10] + [insert] + lines[10:]) + "\n")
    if change == "ragged":
        message = r"big\.csv: 1 row\(s\) have more fields than the header's 14: row 11 has 15"
        for engine in ("fast", "careful"):
            with pytest.raises(ResponseDataError, match=message):
                mio.read_table(path, engine=engine)  # type: ignore[arg-type]
        return
    fast = mio.read_table(path, engine="fast")
    careful = mio.read_table(path, engine="careful")
    assert fast.engine == "careful"
    np.testing.assert_array_equal(fast.row_numbers, careful.row_numbers)
    pd.testing.assert_frame_equal(fast.data, careful.data)


def test_invalid_engine_lists_the_allowed_ones(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,q\n1,2\n")
    with pytest.raises(ValueError, match=r"engine must be one of 'auto', 'fast', 'careful'"):
        mio.read_table(path, engine="pyarrow")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"engine must be one of 'auto', 'fast', 'careful'"):
        mio.write_table_atomic(pd.DataFrame({"a": [1]}), path, engine="c")  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ["fast", "careful"])
@pytest.mark.parametrize("odd", ["07", "+7", "-0", "7.0", "1e3", "0x1F", "nan", "inf", "7 "])
def test_numeric_mode_keeps_cells_that_do_not_print_back(
    tmp_path: Path, engine: str, odd: str
) -> None:
    """A column becomes numbers only when every number prints back as its cell: one "07" (or
    "+7", "7.0", ...) keeps the whole column as text, on both engines."""
    path = tmp_path / "odd.csv"
    rows = [f"{i:05d},{i},{i % 5}" for i in range(20_000)]
    rows[123] = f"00123,{odd},3"
    path.write_text("id,code,q\n" + "\n".join(rows) + "\n")
    raw = mio.read_table(path, numeric=True, engine=engine)  # type: ignore[arg-type]
    assert raw.engine == engine
    assert raw.data["id"].tolist()[:2] == ["00000", "00001"]  # ids as in the file
    assert raw.data["code"].dtype == object and raw.data["code"].iloc[123] == odd
    assert raw.data["q"].dtype == np.int8
    other = mio.read_table(path, numeric=True, engine="careful")
    pd.testing.assert_frame_equal(raw.data, other.data)


def test_numeric_mode_gives_plain_ids_as_numbers_and_the_same_persons(tmp_path: Path) -> None:
    import measure

    path = tmp_path / "ids.csv"
    rows = [f"{i},{i % 3},{(i // 3) % 3}" for i in range(1, 20_001)]
    path.write_text("id,q1,q2\n" + "\n".join(rows) + "\n")
    num = mio.read_table(path, numeric=True, engine="fast")
    text = mio.read_table(path, engine="fast")
    assert num.data["id"].dtype == np.int16 or num.data["id"].dtype == np.int32
    a = measure.as_responses(num.data, id_column="id")
    b = measure.as_responses(text.data, id_column="id")
    assert a.persons == b.persons
    np.testing.assert_array_equal(a.values, b.values)


def test_numeric_mode_keeps_codes_and_text_columns(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    write_big(path)
    text = mio.read_table(path)
    num = mio.read_table(path, numeric=True)
    assert num.data["q0"].dtype == "Int8" and num.data["id"].dtype == object
    assert num.data["id"].iloc[3] == text.data["id"].iloc[3]
    import measure

    items = [f"q{i}" for i in range(12)]
    a = measure.as_responses(text.data, items=items, id_column="id")
    b = measure.as_responses(num.data, items=items, id_column="id")
    np.testing.assert_array_equal(a.values, b.values)
    assert a.persons == b.persons


def test_fast_csv_writer_matches_pandas(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "person": [f"P{i}" for i in range(50)],
            "status": rng.choice(["ok", "extreme_min"], 50),
            "measure": rng.normal(size=50),
            "n": rng.integers(0, 9, 50),
            "anchored": rng.random(50) < 0.5,
            "reason": [None] * 25 + ["no item answered"] * 25,
        }
    )
    df.loc[3, "measure"] = np.nan
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    mio.write_table_atomic(df, fast, engine="fast")
    mio.write_table_atomic(df, slow, engine="careful")
    assert fast.read_text() == slow.read_text()
    df.loc[0, "reason"] = 'needs "quotes", really'
    mio.write_table_atomic(df, slow, engine="careful")
    mio.write_table_atomic(df, fast, engine="fast")
    pd.testing.assert_frame_equal(pd.read_csv(fast), pd.read_csv(slow))
    # the joined writer quotes as the csv module does: only the cell that needs it
    assert fast.read_text() == slow.read_text()


@pytest.mark.parametrize("n", [50, 250_000])
def test_joined_writer_equals_the_csv_module_in_slices(tmp_path: Path, n: int) -> None:
    """Runs of few-valued columns merged, slices on two threads, quoting, missing cells: the
    same text as pandas' writer (the csv module), for numbers that both print alike (not whole,
    between 1e-4 and 1e15; elsewhere pyarrow and Python choose other notations for the same
    double, e.g. 38 for 38.0)."""
    rng = np.random.default_rng(2)
    key = rng.integers(0, 30, n)
    text = np.array(["ok", 'a "quoted", text', "line\nbreak", ""], dtype=object)
    df = pd.DataFrame(
        {
            "person": [f"P{i}" for i in range(n)],
            "status": text[key % 4],
            "k1": (key * 0.25 + 0.125),
            "k2": np.where(key == 3, np.nan, key * 1.5 + 0.25),
            "flag": key % 2 == 0,
            "fit": rng.integers(1, 10**6, n) / 1024 + 0.5 / 1024,
            "count": key,
        }
    )
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    cells = csv_cells(df, None)
    assert cells is not None and (n < 1000 or isinstance(cells[1], CodedRun))
    with open(fast, "wb") as handle:
        write_joined_csv(cells, list(df.columns), handle, rows=7_777, threads=2)
    mio.write_table_atomic(df, slow, engine="careful")
    assert fast.read_bytes() == slow.read_bytes()


def test_dates_go_through_pandas_writer(tmp_path: Path) -> None:
    df = pd.DataFrame({"when": pd.to_datetime(["2024-01-02", "2024-03-04"]), "x": [1.5, 2.5]})
    assert csv_cells(df, None) is None
    path = tmp_path / "d.csv"
    mio.write_table_atomic(df, path, engine="fast")
    back = pd.read_csv(path, parse_dates=["when"])
    assert back["x"].tolist() == [1.5, 2.5] and back["when"].dt.day.tolist() == [2, 4]


def test_fast_csv_writer_in_slices_quotes_where_needed(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": np.arange(25, dtype=float) / 3, "s": ["x"] * 25})
    df.loc[17, "s"] = "has, comma"
    path = tmp_path / "sliced.csv"
    with open(path, "wb") as handle:
        cells = csv_cells(df, None)
        assert cells is not None
        write_joined_csv(cells, list(df.columns), handle, rows=4, threads=2)
    back = pd.read_csv(path)
    pd.testing.assert_frame_equal(back, df)
    assert path.read_text().splitlines()[0] == "a,s"


def _person_like_table(n: int) -> pd.DataFrame:
    """A persons-like table: floats with few distinct values (dictionary-encoded by the fast
    writer), floats with one value per row, NaN and infinities, booleans, text, integers."""
    rng = np.random.default_rng(7)
    key = rng.integers(0, 40, n)
    per_key = rng.normal(size=40) * 3
    per_key[5] = np.nan
    per_key[6] = np.inf
    per_key[7] = -0.0
    per_key[8] = 1e-7
    per_key[9] = 123456.0
    fit = rng.gamma(2.0, 0.5, n)
    fit[::97] = np.nan
    return pd.DataFrame(
        {
            "person": [f"P{i}" for i in range(n)],
            "row": np.arange(2, n + 2),
            "status": np.where(key == 5, "extreme_min", "ok"),
            "measure": per_key[key],
            "infit_msq": fit,
            "anchored": key % 2 == 0,
            "reason": np.where(key == 5, "no measure", None),
        }
    )


@pytest.mark.parametrize("digits", [None, 6, 2])
def test_fast_csv_writer_equals_pandas_on_large_tables(tmp_path: Path, digits: int | None) -> None:
    df = _person_like_table(5000)
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    mio.write_table_atomic(df, fast, digits=digits, engine="fast")
    mio.write_table_atomic(df, slow, digits=digits, engine="careful")
    # the same cells as pandas' own writer (pyarrow prints a whole float as "1", pandas as
    # "1.0": the same number); floats read back to the rounded doubles exactly
    read = {"keep_default_na": False, "na_values": [""]}
    back = pd.read_csv(fast, **read)
    pd.testing.assert_frame_equal(back, pd.read_csv(slow, **read))
    assert "-0.0" not in fast.read_text()
    want = df if digits is None else mio.round_floats(df, digits)
    for col in ("measure", "infit_msq"):
        np.testing.assert_array_equal(back[col].to_numpy(), want[col].to_numpy())


def test_digits_are_checked(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": [1.0]})
    with pytest.raises(ValueError, match=r"digits must be an integer 1\.\.17"):
        mio.write_table_atomic(df, tmp_path / "a.csv", digits=0)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_blank_line_right_after_the_header_keeps_row_numbers(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "gap.csv"
    body = newline.join(f"{i},{i % 3}" for i in range(20_000))
    path.write_bytes(("id,q" + newline + newline + body + newline).encode())
    fast = mio.read_table(path, numeric=True, engine="fast")
    careful = mio.read_table(path, numeric=True, engine="careful")
    assert len(fast.data) == len(careful.data) == 20_001
    np.testing.assert_array_equal(fast.row_numbers, careful.row_numbers)
    pd.testing.assert_frame_equal(fast.data, careful.data)
    assert fast.data.iloc[0].isna().all()


def test_explicit_utf8_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(
        b"\xef\xbb\xbfid,q\n" + b"".join(b"%d,%d\n" % (i, i % 3) for i in range(20_000))
    )
    auto = mio.read_table(path, numeric=True)
    explicit = mio.read_table(path, numeric=True, encoding="utf-8")
    assert explicit.data.shape == auto.data.shape == (20_000, 2)
    pd.testing.assert_frame_equal(explicit.data, auto.data)


def test_numeric_mode_keeps_hexadecimal_text(tmp_path: Path) -> None:
    """pyarrow would read 0x1F as 31; such a cell is text, and the gate reports it."""
    import measure

    path = tmp_path / "hex.csv"
    rows = [f"{i},{i % 3}" for i in range(20_000)]
    rows[7] = "7,0x1F"
    path.write_text("id,q\n" + "\n".join(rows) + "\n")
    raw = mio.read_table(path, numeric=True, engine="fast")
    assert raw.data["q"].iloc[7] == "0x1F"
    with pytest.raises(measure.ResponseDataError, match=r"row 9, .*column 'q': value '0x1F'"):
        measure.as_responses(raw.data, id_column="id", row_numbers=raw.row_numbers)


def test_few_valued_and_many_valued_float_columns_print_alike(tmp_path: Path) -> None:
    """A number has one text whichever way its column is written (dictionary or plain), and
    numbers stay unquoted when text values need quotes."""
    n = 5000
    few = np.tile([2.0, 1.23456789012e11, 0.5, np.nan], n // 4)
    many = np.arange(n, dtype=float) / 7
    many[:4] = [2.0, 1.23456789012e11, 0.5, np.nan]
    df = pd.DataFrame({"few": few, "many": many, "s": ["x"] * n})
    path = tmp_path / "t.csv"
    mio.write_table_atomic(df, path)
    lines = path.read_text().splitlines()
    for k in range(1, 5):
        a, b, _ = lines[k].split(",")
        assert a == b
    df.loc[3, "s"] = "needs, quotes"
    mio.write_table_atomic(df, path)
    lines = path.read_text().splitlines()
    assert lines[1].split(",")[0] == lines[5].split(",")[0] == "2"  # unquoted, as before
    back = pd.read_csv(path)
    np.testing.assert_array_equal(back["few"].to_numpy(), few)


def test_nullable_booleans_are_written(tmp_path: Path) -> None:
    df = pd.DataFrame({"f": pd.array([True, None, False] * 600, dtype="boolean")})
    path = tmp_path / "b.csv"
    mio.write_table_atomic(df, path)
    assert path.read_text().splitlines()[:4] == ["f", "True", "", "False"]


def test_significant_digits() -> None:
    x = np.array([1.23456789e-9, -0.0, -1e-12, 2.718281828, 123456789.0, 0.5, np.nan, np.inf])
    got = csv_float(x, 7)
    assert [repr(float(v)) for v in got[:6]] == [
        "1.234568e-09",
        "0.0",
        "-1e-12",
        "2.718282",
        "123456800.0",  # 7 significant digits above 1e7 too
        "0.5",
    ]
    assert np.isnan(got[6]) and got[7] == np.inf


@pytest.mark.parametrize("late", ["3", "40000", "2.5", "x", "", "07"])
def test_large_file_typed_from_its_first_lines(tmp_path: Path, late: str) -> None:
    """Files above 4 MB are parsed with 16-bit integers for the columns whose first lines are
    whole numbers; a later cell that does not fit (a large number, a decimal, text) makes the
    reader parse again with the types of the whole file. Either way: the careful engine's
    cells."""
    n = 400_000
    rng = np.random.default_rng(4)
    codes = rng.integers(0, 5, size=(n, 3))
    lines = [f"{i},{a},{b},{c}" for i, (a, b, c) in enumerate(codes.tolist())]
    lines[-10] = f"{n - 10},{late},1,1"
    path = tmp_path / "big.csv"
    path.write_text("id,q1,q2,q3\n" + "\n".join(lines) + "\n")
    assert path.stat().st_size > 1 << 22
    fast = mio.read_table(path, numeric=True, engine="fast")
    careful = mio.read_table(path, numeric=True, engine="careful")
    assert fast.engine == "fast"
    pd.testing.assert_frame_equal(fast.data, careful.data)
    want = {"3": np.int8, "40000": np.int32, "": "Int8"}.get(late, object)
    assert fast.data["q1"].dtype == want and fast.data["q2"].dtype == np.int8


@pytest.mark.parametrize("n", [50, 5000])
def test_joined_writer_nullable_integers_and_categories(tmp_path: Path, n: int) -> None:
    """Nullable integers (missing: an empty cell) and categorical text are written by the fast
    writer with the cells of pandas' writer."""
    rng = np.random.default_rng(8)
    counts = pd.array(rng.integers(0, 9, n), dtype="Int64")
    counts[::7] = pd.NA
    df = pd.DataFrame(
        {
            "n": counts,
            "big": pd.array(rng.integers(0, 10**9, n), dtype="Int64"),
            "group": pd.Categorical(rng.choice(["Norrby", "Söderås, väst"], n)),
        }
    )
    assert csv_cells(df, 7) is not None
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    mio.write_table_atomic(df, fast, engine="fast")
    mio.write_table_atomic(df, slow, engine="careful")
    assert fast.read_bytes() == slow.read_bytes()


def test_blank_cell_search_is_the_regular_expression_rule() -> None:
    """The fast reader's whitespace-only-cell check (anchored at delimiters and line breaks)
    equals the rule it implements: a run of spaces or tabs between a delimiter or a line start
    and a delimiter or a line end."""
    import random
    import re

    from measure.io._fastcsv import _has_blank_cell

    rng = random.Random(7)
    cells = ["a", " ", "  ", "\t", "b c", " x", "y ", "1", "", " \t"]
    for _ in range(5000):
        delim = rng.choice([",", ";", "\t"])
        rows = ["h1" + delim + "h2"] + [
            delim.join(rng.choice(cells) for _ in range(rng.randint(1, 3)))
            for _ in range(rng.randint(1, 4))
        ]
        text = rng.choice(["\n", "\r\n"]).join(rows) + rng.choice(["", "\n", "\r\n"])
        d = re.escape(delim)
        rule = re.compile(rf"(^|{d})[ \t]+({d}|\r?$)", flags=re.MULTILINE)
        start = text.find("\n") + 1
        has_space = text.find(" ", start) >= 0 or (delim != "\t" and text.find("\t", start) >= 0)
        want = has_space and bool(rule.search(text, start))
        assert _has_blank_cell(text, text.find("\n"), delim) == want, (text, delim)
