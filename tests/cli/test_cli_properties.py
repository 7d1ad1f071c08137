"""CLI property test (issue 12, "Done when"): on random survey exports, ``measure calibrate``
exits 0 or 1 (never a usage error for valid options, never a traceback or an internal error);
on 0, persons.csv has one row per data row of the file; on 1, the output folder holds nothing
new."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from measure.cli.main import cli

ANSWERS = st.one_of(
    st.sampled_from(["0", "1", "2", "3"]),
    st.sampled_from(["", " ", "9", "99", "4", "-1", "2.0", "1e0", "x", "Vet ej", '"2"', "02"]),
)


@st.composite
def exports(draw: st.DrawFn) -> str:
    n_items = draw(st.integers(2, 5))
    n = draw(st.integers(1, 60))
    header = ["id", *[f"q{j}" for j in range(1, n_items + 1)], "town"]
    lines = [",".join(header)]
    common = st.sampled_from(["0", "1", "2", "3"])
    hostile = draw(st.booleans())  # else: odd cells and blank rows only
    kinds = ["ok"] * 8 + ["odd", "blank"] + (["short", "dup"] if hostile else [])
    for i in range(n):
        kind = draw(st.sampled_from(kinds))
        if kind == "blank":
            lines.append("")
            continue
        pid = f"p{i}" if kind != "dup" else "p0"
        cells = [draw(ANSWERS if kind == "odd" else common) for _ in range(n_items)]
        row = [pid, *cells, draw(st.sampled_from(["Norrby", "Söderås", '"A, B"']))]
        if kind == "short":
            row = row[: draw(st.integers(1, len(row) - 1))]
        lines.append(",".join(row))
    if hostile and draw(st.booleans()):
        lines.insert(draw(st.integers(1, len(lines))), '"' + lines[-1])  # an open quote
    return "\n".join(lines) + draw(st.sampled_from(["\n", ""]))


def data_rows(text: str) -> int:
    """Rows a spreadsheet shows below the header, trailing blank lines left out."""
    records = list(csv.reader(io.StringIO(text, newline="")))
    while records and not any(v.strip() for v in records[-1]):
        records.pop()
    return len(records) - 1


@settings(max_examples=40)
@given(exports(), st.sampled_from([[], ["--invalid", "missing"], ["--collapse-null"]]))
def test_calibrate_keeps_every_row_or_fails_cleanly(
    tmp_path_factory: pytest.TempPathFactory, text: str, extra: list[str]
) -> None:
    folder = tmp_path_factory.mktemp("cli")
    data = folder / "export.csv"
    data.write_text(text, encoding="utf-8")
    out = folder / "out"
    out.mkdir()
    (out / "mine.txt").write_text("the user's own file\n")
    args = ["calibrate", str(data), "--id-column", "id", "--keep", "town", "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--force", "--quiet", *extra])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    if result.exit_code == 1:
        assert result.stderr.startswith("error: ")
        assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
        return
    import pandas as pd

    persons = pd.read_csv(out / "persons.csv", dtype=str, keep_default_na=False)
    assert len(persons) == data_rows(text)
    assert sorted(p.name for p in out.iterdir()) == [
        "items.csv",
        "mine.txt",
        "persons.csv",
        "score_table.csv",
        "summary.json",
        "thresholds.csv",
    ]
