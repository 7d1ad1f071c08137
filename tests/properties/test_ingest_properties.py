"""Property tests of the way in: any table of random cells and labels gives a correct result or a
documented error (a MeasureError), never an unhandled exception; rows out always equal rows in.

The coding is checked against a deliberately naive cell-by-cell oracle written from the rules
in the documentation (docs/input-and-output.md), not from the implementation.
"""

from __future__ import annotations

import math
import re
import tempfile
import unicodedata
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import measure
from measure.cli.main import cli
from measure.exceptions import MeasureError, ResponseDataError
from measure.instrument import Category, Instrument, Item, instrument_to_toml
from measure.io import read_table
from measure.responses import MAX_CODE, as_responses

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,  # seeded: the same examples on every run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CATS = (
    Category(0, {"sv": "Instämmer inte alls", "en": "Strongly disagree"}),
    Category(1, {"sv": "Instämmer delvis", "en": "Partly agree"}),
    Category(2, {"sv": "Instämmer helt", "en": "Strongly agree"}),
)
INSTRUMENT = Instrument(
    id="prop",
    version="1",
    title={"en": "Property"},
    construct={"en": "x"},
    source="tests",
    licence="CC0",
    items=(
        Item("q1", {}, False, CATS),
        Item("q2", {}, True, CATS),
        Item("q3", {}, False, CATS),
    ),
    missing_codes=(9, "Vet ej"),
    default_model="pcm",
    min_answered=1,
)
LABELS = {
    " ".join(unicodedata.normalize("NFC", lab).split()).casefold(): c.code
    for c in CATS
    for lab in c.labels.values()
}


def spellings(code: int) -> st.SearchStrategy[Any]:
    """Ways a survey export writes category ``code``: numbers, text, labels in any case."""
    labels = list(CATS[code].labels.values())
    return st.sampled_from(
        [code, float(code), str(code), f" {code} ", f"{code},0", f"{code}.0"]
        + [
            f(lab)
            for lab in labels
            for f in (
                str,
                str.upper,
                str.lower,
                lambda t: f"  {t} ",
                lambda t: t.replace(" ", "   "),
                lambda t: unicodedata.normalize("NFD", t),
            )
        ]
    )


answer = st.integers(0, 2).flatmap(spellings)
junk = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            "  ",
            "3",
            "4",
            "2.5",
            "9",
            "Vet ej",
            "vet  EJ",
            "x",
            "ja",
            "-1",
            "1e3",
            "inf",
            "nan",
            "99",
            "100",
            "07",
        ]
    ),
    st.integers(-2, 12),
    st.sampled_from([1.5, float("nan"), 9.0]),
    st.booleans(),
)


@st.composite
def tables(draw: st.DrawFn) -> tuple[pd.DataFrame, bool]:
    """Mostly plausible answers with a drawn rate of junk, blanks and id problems."""
    n = draw(st.integers(1, 30))
    junk_percent = draw(st.sampled_from([0, 0, 3, 10, 40, 100]))
    use_ids = draw(st.booleans())
    data: dict[str, list[Any]] = {}
    if use_ids:
        ids: list[Any] = [f"p{i}" for i in range(n)]
        for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
            i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
            ids[i] = draw(st.sampled_from([ids[j], ids[j], None, " ", int(j)]))
        data["id"] = ids
    for item in ("q1", "q2", "q3"):
        column = []
        for _ in range(n):
            bad = draw(st.integers(0, 99)) < junk_percent
            column.append(draw(junk if bad else answer))
        data[item] = column
    for _ in range(draw(st.integers(0, 2))):  # blank rows
        r = draw(st.integers(0, n - 1))
        for key in data:
            data[key][r] = draw(st.sampled_from([None, "", "  "]))
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()})
    return frame, use_ids


# ----------------------------------------------------------------------------- the oracle

VALID, EMPTY, MISSING, BAD = "valid", "empty", "missing", "bad"


def oracle_cell(value: Any, *, instrument: bool, decimal: str) -> tuple[str, float]:
    """(state, number or code) for one cell, straight from the documented rules."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return EMPTY, math.nan
    if isinstance(value, bool):
        return BAD, math.nan
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = value.strip()
        if not text:
            return EMPTY, math.nan
        norm = " ".join(unicodedata.normalize("NFC", text).split()).casefold()
        pattern = r"[+-]?\d{1,9}(\.0*)?" if decimal == "." else r"[+-]?\d{1,9}(,0*|\.0)?"
        if re.fullmatch(pattern, text):
            number = float(text.replace(",", "."))
        elif norm == "vet ej" and instrument:
            return MISSING, math.nan
        elif instrument and norm in LABELS:
            return VALID, float(LABELS[norm])
        else:
            return BAD, math.nan
    if instrument and number == 9:
        return MISSING, math.nan
    if number.is_integer() and 0 <= number <= (2 if instrument else MAX_CODE):
        return VALID, number
    return BAD, math.nan


def oracle(frame: pd.DataFrame, *, instrument: bool, decimal: str) -> tuple[np.ndarray, int]:
    n = len(frame)
    out = np.full((n, 3), -1)
    n_bad = 0
    for j, item in enumerate(("q1", "q2", "q3")):
        states = [oracle_cell(v, instrument=instrument, decimal=decimal) for v in frame[item]]
        codes = [c for s, c in states if s == VALID]
        top = 2 if instrument else int(max(codes, default=0))
        for i, (s, c) in enumerate(states):
            if s == VALID:
                out[i, j] = (top - c) if (instrument and item == "q2") else c
            n_bad += s == BAD
    return out, n_bad


# ----------------------------------------------------------------------------- properties


@SETTINGS
@given(
    table=tables(),
    instrument=st.booleans(),
    policy=st.sampled_from(["error", "missing"]),
    decimal=st.sampled_from([".", ","]),
)
def test_gate_gives_the_oracle_codes_or_a_documented_error(
    table: tuple[pd.DataFrame, bool], instrument: bool, policy: str, decimal: str
) -> None:
    frame, use_ids = table
    expected, n_bad = oracle(frame, instrument=instrument, decimal=decimal)
    try:
        rm = as_responses(
            frame,
            id_column="id" if use_ids else None,
            instrument=INSTRUMENT if instrument else None,
            invalid=policy,  # type: ignore[arg-type]
            decimal=decimal,
        )
    except ResponseDataError as err:
        # a documented error, and only when there is a reason for one
        reasons = []
        if n_bad and policy == "error":
            reasons.append("invalid cell")
        if (expected < 0).all(axis=0).any():
            reasons.append("no answers")
        if use_ids:
            reasons += ["person id", "id column"]
        assert any(r in str(err) for r in reasons), str(err)
        return
    assert rm.n_persons == len(frame)
    assert rm.rows.tolist() == list(range(2, len(frame) + 2))  # the header is row 1
    np.testing.assert_array_equal(rm.values, expected)
    assert rm.n_invalid == (n_bad if policy == "missing" else 0)
    if use_ids:
        assert len(set(p for p, b in zip(rm.persons, rm.blank_rows, strict=True) if not b)) == (
            int((~rm.blank_rows).sum())  # type: ignore[operator]
        )


@SETTINGS
@given(table=tables(), instrument=st.booleans(), policy=st.sampled_from(["error", "missing"]))
def test_calibrate_returns_one_row_per_input_row_or_a_measure_error(
    table: tuple[pd.DataFrame, bool], instrument: bool, policy: str
) -> None:
    frame, use_ids = table
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("error")  # a numerical warning would be a bug as well
        warnings.filterwarnings("always", category=measure.MeasureWarning)  # documented ones
        try:
            cal = measure.calibrate(
                frame,
                id_column="id" if use_ids else None,
                instrument=INSTRUMENT if instrument else None,
                invalid=policy,  # type: ignore[arg-type]
                null_categories="collapse" if instrument else "error",
            )
        except MeasureError:
            return
    assert len(cal.persons) == len(frame)
    assert sum(cal.status_counts().values()) == len(frame)
    assert cal.persons["row"].tolist() == list(range(2, len(frame) + 2))  # header: row 1


def _csv_text(frame: pd.DataFrame) -> str:
    def show(v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        return str(v)

    lines = [";".join(frame.columns)]
    lines += [";".join(show(v) for v in row) for row in frame.itertuples(index=False)]
    return "\r\n".join(lines) + "\r\n"


@settings(SETTINGS, max_examples=40)
@given(
    table=tables(),
    policy=st.sampled_from(["error", "missing"]),
    instrument=st.sampled_from([True, True, False]),
)
def test_cli_exits_0_or_1_with_a_message_and_rows_out_equal_rows_in(
    table: tuple[pd.DataFrame, bool], policy: str, instrument: bool
) -> None:
    frame, use_ids = table
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_bytes(_csv_text(frame).encode("utf-8-sig"))
        try:
            rows_read = len(read_table(path).data)
        except MeasureError:
            return  # e.g. nothing but blanks: the reader's own documented error
        args = ["calibrate", str(path), "--out", str(Path(tmp) / "out"), "--invalid", policy]
        if use_ids:
            args += ["--id-column", "id"]
        if instrument:
            toml = Path(tmp) / "prop.toml"
            toml.write_text(instrument_to_toml(INSTRUMENT), encoding="utf-8")
            args += ["--instrument", str(toml), "--collapse-null"]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code in (0, 1), result.output
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
        if result.exit_code == 1:
            assert result.stderr.startswith("error: ") and result.stdout == ""
            assert not (Path(tmp) / "out").exists()
            return
        persons = pd.read_csv(Path(tmp) / "out" / "persons.csv", keep_default_na=False)
        assert len(persons) == rows_read
        assert persons["row"].tolist() == list(range(2, rows_read + 2))
