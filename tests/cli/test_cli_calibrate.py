"""Golden tests of ``measure calibrate`` on realistic messy survey exports made here.

The export is what a Swedish survey tool gives: UTF-8 with a byte-order mark, ';' and CRLF,
Swedish (and some English) labels in any case and spacing, numeric codes mixed in, a
reverse-keyed item, missing codes 9 and "Vet ej", a blank row and duplicated rows. Expected
tables come from calling the library on the codes the test itself generated.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

import measure
from measure.cli import calibrate as calibrate_module
from measure.cli._common import Progress
from measure.cli.main import cli

LABELS = [
    ("Instämmer inte alls", "Strongly disagree"),
    ("Instämmer delvis", "Partly agree"),
    ("Instämmer till stor del", "Mostly agree"),
    ("Instämmer helt", "Strongly agree"),
]
ALLOWED = (
    "0 = Instämmer inte alls / Strongly disagree; 1 = Instämmer delvis / Partly agree; "
    "2 = Instämmer till stor del / Mostly agree; 3 = Instämmer helt / Strongly agree; "
    "missing: 9, Vet ej; or an empty cell"
)
ITEMS = ["t1", "t2", "t3", "t4"]
REVERSED = "t3"
N = 80
#: CSV tables carry 7 significant digits (--digits 7): values agree with the library to half a
#: unit in the last digit
CSV_RTOL = 1e-6
BLANK_AFTER = 10  # a blank line after the 10th data row
FIX = "Fix the cells, declare the values as missing codes, or treat invalid cells as missing "
FIX += "(invalid='missing', CLI: --invalid missing)."


def instrument_toml() -> str:
    items = []
    for item in ITEMS:
        cats = "".join(
            f'\n[[items.categories]]\ncode = {k}\nlabel = {{ sv = "{sv}", en = "{en}" }}\n'
            for k, (sv, en) in enumerate(LABELS)
        )
        reverse = "true" if item == REVERSED else "false"
        items.append(f'\n[[items]]\nid = "{item}"\nreverse = {reverse}\n{cats}')
    return (
        'id = "trivsel"\nversion = "1"\ntitle = { sv = "Trivsel", en = "Well-being at school" }\n'
        'construct = { en = "Well-being" }\nsource = "Made for the tests"\nlicence = "CC0"\n'
        'default_model = "pcm"\nmin_answered = 2\nmissing_codes = [9, "Vet ej"]\n\n'
        '[reporting_unit]\nname = "T-skala"\nintercept = 50.0\nslope = 10.0\n' + "".join(items)
    )


class Export:
    """A messy export and the codes it stands for."""

    def __init__(self, tmp: Path, *, seed: int = 7) -> None:
        sim = measure.simulate_responses(
            thresholds=[[-1.2, 0.0, 1.1], [-0.6, 0.3, 1.4], [-1.5, -0.4, 0.8], [-0.2, 0.6, 1.9]],
            n_persons=N,
            rng=seed,
        )
        codes = sim.responses.to_numpy().astype(float)  # scored codes, 0..3
        shown: list[list[str]] = []
        for i in range(N):
            row = []
            for j, item in enumerate(ITEMS):
                stored = int(codes[i, j])
                if item == REVERSED:
                    stored = 3 - stored
                sv, en = LABELS[stored]
                style = (i + j) % 4
                row.append(
                    [str(stored), sv.upper(), f"  {sv.lower()}   ", en][style]
                    if style != 1 or j != 0
                    else sv.replace(" ", "  ")
                )
            if i % 11 == 3:
                row[1], codes[i, 1] = "Vet ej", np.nan
            if i % 13 == 5:
                row[2], codes[i, 2] = "9", np.nan
            if i % 17 == 0:
                row[0], codes[i, 0] = "", np.nan
            shown.append(row)
        self.codes = codes
        self.cells = shown
        self.ids = [f"p{i + 1:03d}" for i in range(N)]
        self.kommun = [["Umeå", "Malmö", "Kiruna"][i % 3] for i in range(N)]
        self.kon = [["kvinna", "man"][i % 2] for i in range(N)]
        self.instrument = tmp / "trivsel.toml"
        self.instrument.write_text(instrument_toml(), encoding="utf-8")
        self.path = tmp / "enkät.csv"
        self.tmp = tmp

    def lines(self) -> list[str]:
        out = ["id;Kommun;Kön;" + ";".join(ITEMS)]
        for i in range(N):
            out.append(";".join([self.ids[i], self.kommun[i], self.kon[i], *self.cells[i]]))
            if i + 1 == BLANK_AFTER:
                out.append(";;;;;;")
        return out

    def write(self, lines: list[str] | None = None, name: str = "enkät.csv") -> Path:
        path = self.tmp / name
        path.write_bytes(("\r\n".join(lines or self.lines()) + "\r\n").encode("utf-8-sig"))
        return path

    def file_row(self, i: int) -> int:
        """Spreadsheet row of data row i (0-based): header is row 1, one blank line inside."""
        return i + 2 + (1 if i >= BLANK_AFTER else 0)

    def expected(self) -> measure.Calibration:
        x = np.insert(self.codes, BLANK_AFTER, np.nan, axis=0)
        return measure.calibrate(pd.DataFrame(x, columns=ITEMS), model="pcm", min_answered=2)


@pytest.fixture
def export(tmp_path: Path) -> Export:
    return Export(tmp_path)


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["calibrate", *map(str, args)])


def base_args(export: Export, out: Path) -> list[str | Path]:
    return [export.write(), "--out", out, "--instrument", export.instrument, "--id-column", "id"]


# ----------------------------------------------------------------------------- success


def test_messy_swedish_export_golden(export: Export, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(*base_args(export, out), "--group", "Kommun", "--keep", "Kön")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # not a terminal: no progress; no warnings
    assert sorted(p.name for p in out.iterdir()) == [
        "items.csv",
        "persons.csv",
        "score_table.csv",
        "summary.json",
        "thresholds.csv",
    ]
    persons = pd.read_csv(out / "persons.csv", keep_default_na=False, na_values=[""])
    want = export.expected()
    # one row per input row (80 answers + the blank row), in file order
    assert len(persons) == N + 1
    assert persons["row"].tolist() == list(range(2, N + 3))
    ids = export.ids[:BLANK_AFTER] + [""] + export.ids[BLANK_AFTER:]
    assert persons["person"].fillna("").tolist() == ids
    assert persons["status"].tolist() == want.persons["status"].tolist()
    for col in ("measure", "se", "ci_lower", "ci_upper", "raw_score", "n_answered"):
        np.testing.assert_allclose(persons[col], want.persons[col], rtol=CSV_RTOL, equal_nan=True)
    blank = persons.iloc[BLANK_AFTER]
    assert (blank["status"], blank["reason"]) == ("no_answers", "blank row in the file: no answers")
    # carried covariates, unchanged, right after the id
    assert persons.columns[:3].tolist() == ["person", "Kommun", "Kön"]
    kommun = export.kommun[:BLANK_AFTER] + [""] + export.kommun[BLANK_AFTER:]
    assert persons["Kommun"].fillna("").tolist() == kommun
    # the instrument's reporting unit: 50 + 10 * logit, SE * 10 (each column rounded on its own)
    unit_tol = {"rtol": CSV_RTOL}
    np.testing.assert_allclose(persons["measure_unit"], 50 + 10 * persons["measure"], **unit_tol)
    np.testing.assert_allclose(persons["se_unit"], 10 * persons["se"], **unit_tol)
    np.testing.assert_allclose(persons["ci_lower_unit"], 50 + 10 * persons["ci_lower"], **unit_tol)
    np.testing.assert_allclose(persons["ci_upper_unit"], 50 + 10 * persons["ci_upper"], **unit_tol)
    items = pd.read_csv(out / "items.csv")
    assert items["item"].tolist() == ITEMS
    np.testing.assert_allclose(items["location"], want.items["location"], rtol=CSV_RTOL)
    np.testing.assert_allclose(items["se"], want.items["se"], rtol=CSV_RTOL)
    thresholds = pd.read_csv(out / "thresholds.csv")
    np.testing.assert_allclose(thresholds["threshold"], want.thresholds["threshold"], rtol=CSV_RTOL)
    score = pd.read_csv(out / "score_table.csv")
    assert score.columns.tolist()[:5] == ["raw_score", "wle", "wle_se", "mle", "mle_se"]
    np.testing.assert_allclose(score["wle_unit"], 50 + 10 * score["wle"])

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows_read"] == N + 1
    assert summary["blank_rows"] == 1
    assert sum(summary["status_counts"].values()) == summary["rows_read"]
    assert summary["status_counts"] == want.status_counts()
    assert summary["input"] == {
        "file": "enkät.csv",
        "encoding": "utf-8-sig",
        "delimiter": ";",
        "decimal": ".",
        "sheet": None,
        "header_row": 1,
        "skipped_rows": [],
    }
    assert summary["reporting_unit"] == {
        "name": "T-skala",
        "intercept": 50.0,
        "slope": 10.0,
        "from": "instrument",
        "definition": "linear: unit = 50 + 10 * logit (SE in the unit = |slope| * SE in logits)",
    }
    assert summary["instrument"] == {"id": "trivsel", "version": "1"}
    assert summary["invalid_cells_set_missing"] == 0 and summary["invalid_cells"] == []
    counts = want.status_counts()
    assert f"total {N + 1} = rows read; 1 of them blank rows." in result.stdout
    assert f"{counts['ok']} measured (ok)" in result.stdout
    assert "Reporting unit 'T-skala' = 50 + 10 * logit" in result.stdout


def test_reverse_keyed_item_is_recoded(export: Export, tmp_path: Path) -> None:
    """Without the reverse key the item correlates negatively with the rest: check the sign."""
    out = tmp_path / "out"
    assert run(*base_args(export, out)).exit_code == 0
    items = pd.read_csv(out / "items.csv").set_index("item")
    assert items.loc[REVERSED, "pt_measure_corr"] > 0.3


def test_duplicated_rows_without_ids_are_kept_one_row_each(export: Export, tmp_path: Path) -> None:
    lines = export.lines()
    lines.insert(5, lines[4])  # the 4th data row exported twice
    lines.insert(30, lines[29])
    path = export.write(lines)
    out = tmp_path / "out"
    result = run(path, "--out", out, "--instrument", export.instrument, "--keep", "id")
    assert result.exit_code == 0, result.output
    persons = pd.read_csv(out / "persons.csv", keep_default_na=False, na_values=[""])
    assert len(persons) == N + 3
    assert persons["row"].tolist() == list(range(2, N + 5))
    assert persons["person"].tolist() == list(range(1, N + 4))  # numbered by row
    assert persons["id"].iloc[3] == persons["id"].iloc[4] == "p004"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows_read"] == sum(summary["status_counts"].values()) == N + 3


def test_json_format(export: Export, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(*base_args(export, out), "--format", "json").exit_code == 0
    persons = json.loads((out / "persons.json").read_text(encoding="utf-8"))
    assert len(persons) == N + 1 and persons[0]["person"] == "p001"
    assert {"measure", "se", "ci_lower", "ci_upper", "measure_unit", "status"} <= set(persons[0])


def test_xlsx_format_one_sheet_per_table(export: Export, tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    out = tmp_path / "out"
    assert run(*base_args(export, out), "--format", "xlsx").exit_code == 0
    sheets = pd.read_excel(out / "measure.xlsx", sheet_name=None)
    assert list(sheets) == ["Summary", "items", "thresholds", "persons", "score_table"]
    assert len(sheets["persons"]) == N + 1
    assert (out / "summary.json").exists()


def test_excel_friendly_csv(export: Export, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(*base_args(export, out), "--excel-friendly").exit_code == 0
    raw = (out / "items.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfitem;n;")
    first = raw.decode("utf-8-sig").splitlines()[1].split(";")
    assert first[0] == "t1" and "," in first[3] and "." not in first[3]
    back = pd.read_csv(out / "items.csv", sep=";", decimal=",", encoding="utf-8-sig")
    np.testing.assert_allclose(back["location"], export.expected().items["location"], rtol=CSV_RTOL)


def test_unit_from_options_with_negative_slope(export: Export, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [*base_args(export, out), "--unit-intercept", "100", "--unit-slope", "-5"]
    result = run(*args, "--unit-name", "poäng")
    assert result.exit_code == 0, result.output
    p = pd.read_csv(out / "persons.csv")
    # each column is rounded to 7 significant digits on its own
    np.testing.assert_allclose(p["measure_unit"], 100 - 5 * p["measure"], rtol=CSV_RTOL)
    np.testing.assert_allclose(p["se_unit"], 5 * p["se"], rtol=CSV_RTOL)
    measured = p.dropna(subset=["measure"])
    assert len(measured) == N and (measured["ci_lower_unit"] < measured["ci_upper_unit"]).all()
    np.testing.assert_allclose(p["ci_lower_unit"], 100 - 5 * p["ci_upper"], rtol=CSV_RTOL)
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["reporting_unit"] == {
        "name": "poäng",
        "intercept": 100.0,
        "slope": -5.0,
        "from": "options",
        "definition": "linear: unit = 100 + -5 * logit (SE in the unit = |slope| * SE in logits)",
    }


def test_no_unit_columns_without_a_unit(tmp_path: Path) -> None:
    df = pd.DataFrame(np.random.default_rng(1).integers(0, 3, (40, 3)), columns=["a", "b", "c"])
    df.to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "out"
    assert run(tmp_path / "d.csv", "--out", out).exit_code == 0
    assert "measure_unit" not in pd.read_csv(out / "persons.csv").columns
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["reporting_unit"] is None and s["model"] == "pcm"


def test_dichotomous_data_default_to_rasch(tmp_path: Path) -> None:
    sim = measure.simulate_responses(thresholds=[[-1.0], [0.0], [1.0], [0.5]], n_persons=60, rng=3)
    sim.responses.astype(int).to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "out"
    assert run(tmp_path / "d.csv", "--out", out, "--quiet").exit_code == 0
    assert json.loads((out / "summary.json").read_text())["model"] == "rasch"


def test_column_mapping_by_option_and_file(export: Export, tmp_path: Path) -> None:
    lines = export.lines()
    lines[0] = "id;Kommun;Kön;Fråga 1;Fråga 2;t3;T4"
    path = export.write(lines)
    mapfile = tmp_path / "karta.csv"
    mapfile.write_text("item;column\nt1;Fråga 1\nt2;fel kolumn\n", encoding="utf-8")
    out = tmp_path / "out"
    args = [path, "--out", out, "--instrument", export.instrument, "--id-column", "id"]
    result = run(*args, "--map-file", mapfile, "--map", "t2=Fråga 2")
    assert result.exit_code == 0, result.output
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["item_columns"] == {"t1": "Fråga 1", "t2": "Fråga 2", "t3": "t3", "t4": "T4"}
    np.testing.assert_allclose(
        pd.read_csv(out / "persons.csv")["measure"],
        export.expected().persons["measure"],
        rtol=CSV_RTOL,
    )


def test_spss_value_labels_read_as_labels(tmp_path: Path) -> None:
    pyreadstat = pytest.importorskip("pyreadstat")
    from measure.instrument import load_instrument

    who5 = load_instrument("who5")
    sim = measure.simulate_responses(
        thresholds=[[-1.5, -0.8, 0, 0.7, 1.4]] * 5, n_persons=90, rng=4
    )
    codes = sim.responses.to_numpy()
    data = pd.DataFrame({"lopnr": np.arange(1, 91, dtype=float)})
    labels = {float(k + 1): c.labels["sv"] for k, c in enumerate(who5.items[0].categories)}
    labels[8.0] = "Vet ej"
    for j in range(5):
        col = codes[:, j] + 1.0  # SPSS codes 1..6
        col[j::23] = 8.0
        data[f"who5_{j + 1}"] = col
    path = tmp_path / "enkat.sav"
    pyreadstat.write_sav(
        data, str(path), variable_value_labels={f"who5_{j}": labels for j in range(1, 6)}
    )
    out = tmp_path / "out"
    result = run(path, "--out", out, "--instrument", "who5", "--id-column", "lopnr")
    assert result.exit_code == 0, result.output
    expected_codes = np.where(data.iloc[:, 1:].to_numpy() == 8.0, np.nan, codes)
    want = measure.calibrate(
        pd.DataFrame(expected_codes, columns=who5.item_ids), model="rsm", min_answered=4
    )
    persons = pd.read_csv(out / "persons.csv")
    assert persons["person"].tolist() == list(range(1, 91))
    np.testing.assert_allclose(persons["measure"], want.persons["measure"], rtol=CSV_RTOL)


def test_excel_input_with_labels_and_codes(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    sim = measure.simulate_responses(
        thresholds=[[-1.5, -0.8, 0, 0.7, 1.4]] * 5, n_persons=50, rng=8
    )
    from measure.instrument import load_instrument

    en = [c.labels["en"] for c in load_instrument("who5").items[0].categories]
    df = pd.DataFrame(
        {
            f"who5_{j + 1}": [en[int(v)] if j % 2 else int(v) for v in sim.responses.iloc[:, j]]
            for j in range(5)
        }
    )
    df.to_excel(tmp_path / "svar.xlsx", index=False, sheet_name="Svar")
    out = tmp_path / "out"
    result = run(tmp_path / "svar.xlsx", "--out", out, "--instrument", "who5", "--sheet", "Svar")
    assert result.exit_code == 0, result.output
    want = measure.calibrate(sim.responses, model="rsm", min_answered=4)
    got = pd.read_csv(out / "persons.csv")
    np.testing.assert_allclose(got["measure"], want.persons["measure"], rtol=CSV_RTOL)
    assert got["row"].tolist() == list(range(2, 52))


def test_decimal_comma_export(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, (40, 3))
    lines = ["vikt;a;b;c"] + [f"{rng.integers(1, 9)},5;" + ";".join(f"{v},0" for v in r) for r in x]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run(tmp_path / "d.csv", "--out", out, "--items", "a,b,c", "--keep", "vikt")
    assert result.exit_code == 0, result.output
    want = measure.calibrate(pd.DataFrame(x, columns=list("abc")))
    got = pd.read_csv(out / "persons.csv")
    np.testing.assert_allclose(got["measure"], want.persons["measure"], rtol=CSV_RTOL)
    assert got["vikt"].iloc[0].endswith(",5")
    assert json.loads((out / "summary.json").read_text())["input"]["decimal"] == ","


def test_codes_from_one_with_reverse_option(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    x = rng.integers(0, 4, (60, 3))
    stored = x + 1
    stored[:, 2] = 5 - stored[:, 2]  # c is reverse-keyed, codes 1..4
    pd.DataFrame(stored, columns=list("abc")).to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "out"
    args = [tmp_path / "d.csv", "--out", out, "--min-category", "1", "--reverse", "c"]
    result = run(*args)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: d.csv: item 'c' is reverse-keyed, so its highest category must be declared"
    )
    assert run(*args, "--max-code", "4").exit_code == 0
    want = measure.calibrate(pd.DataFrame(x, columns=list("abc")))
    np.testing.assert_allclose(
        pd.read_csv(out / "persons.csv")["measure"], want.persons["measure"], rtol=CSV_RTOL
    )


def test_collapse_null_warning_is_reported(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"a": [0, 1, 3, 1, 0, 3, 1], "b": [1, 0, 2, 2, 1, 0, 2], "c": [0, 1, 2, 3, 2, 1, 1]}
    )
    df.to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "out"
    result = run(tmp_path / "d.csv", "--out", out, "--collapse-null")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: item 'a': category 2 had no informative answers and was merged with category 1\n"
    )
    s = json.loads((out / "summary.json").read_text())
    assert s["warnings"] == [result.stderr[len("warning: ") : -1]]
    assert s["collapsed_categories"] == {"a": [0, 1, 1, 2]}


def test_quiet_prints_nothing(export: Export, tmp_path: Path) -> None:
    result = run(*base_args(export, tmp_path / "out"), "--quiet")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_force_overwrites(export: Export, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(*base_args(export, out)).exit_code == 0
    again = run(*base_args(export, out))
    assert again.exit_code == 2
    assert "output exists: " in again.stderr and "Use --force to overwrite" in again.stderr
    assert run(*base_args(export, out), "--force").exit_code == 0


# ----------------------------------------------------------------------------- data errors


def _no_output(out: Path) -> bool:
    return not out.exists() or not any(out.iterdir())


def test_invalid_cell_stops_with_exit_1_and_writes_nothing(export: Export, tmp_path: Path) -> None:
    export.cells[4][1] = "Instämmer nästan helt"
    out = tmp_path / "out"
    result = run(*base_args(export, out))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: enkät.csv: 1 invalid cell:\n"
        "  row 6, person 'p005', column 't2': value 'Instämmer nästan helt' is not allowed "
        f"(allowed: {ALLOWED})\n{FIX}\n"
    )
    assert "Traceback" not in result.stderr
    assert _no_output(out)


def test_many_invalid_cells_count_and_first_ten(export: Export, tmp_path: Path) -> None:
    for i in range(12):
        export.cells[i * 6][3] = "ja"
    result = run(*base_args(export, tmp_path / "out"))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "error: enkät.csv: 12 invalid cells (the first 10 are listed):"
    assert len([x for x in lines if x.startswith("  row ")]) == 10
    assert lines[1].startswith("  row 2, person 'p001', column 't4': value 'ja' is not allowed")
    assert lines[-1] == FIX


def test_invalid_missing_lists_cells_in_summary(export: Export, tmp_path: Path) -> None:
    for i in range(12):
        export.cells[i * 6][3] = "ja"
    out = tmp_path / "out"
    result = run(*base_args(export, out), "--invalid", "missing")
    assert result.exit_code == 0, result.output
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["invalid_policy"] == "missing"
    assert s["invalid_cells_set_missing"] == 12
    assert len(s["invalid_cells"]) == 10
    assert s["invalid_cells"][0] == {
        "row": 2,
        "person": "p001",
        "column": "t4",
        "value": "ja",
        "allowed": ALLOWED,
        "item": "t4",
        "label": None,
    }
    assert [c["row"] for c in s["invalid_cells"]] == [export.file_row(i * 6) for i in range(10)]
    assert "12 invalid cells treated as missing (the first 10 are listed" in result.stdout
    persons = pd.read_csv(out / "persons.csv")
    assert len(persons) == N + 1 == s["rows_read"]
    assert persons.loc[6, "n_answered"] == 3  # "ja" in t4 of data row 7 set missing


def test_duplicate_person_ids(export: Export, tmp_path: Path) -> None:
    lines = export.lines()
    lines.insert(5, lines[4])  # p004 exported twice
    lines[40] = "p002" + lines[40][4:]  # another person typed as p002
    result = run(
        export.write(lines),
        "--out",
        tmp_path / "out",
        "--instrument",
        export.instrument,
        "--id-column",
        "id",
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "error: enkät.csv: 2 person id(s) appear more than once in column 'id': 'p002' (rows 3 "
        "and 41); 'p004' (rows 5 and 6, identical rows: exported twice?). Each person must "
        "appear once: remove the duplicated rows or fix the ids.\n"
    )


def test_blank_person_ids(export: Export, tmp_path: Path) -> None:
    lines = export.lines()
    lines[3] = lines[3][4:]  # row 4 has answers but no id
    result = run(
        export.write(lines),
        "--out",
        tmp_path / "out",
        "--instrument",
        export.instrument,
        "--id-column",
        "id",
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "error: enkät.csv: id column 'id' is blank in 1 row(s) with data: row 4. Every "
        "person needs an id; fill them in, or leave out the id column (id_column=None, CLI: no "
        "--id-column) to number persons by row.\n"
    )


def test_entirely_empty_item_column(export: Export, tmp_path: Path) -> None:
    for row in export.cells:
        row[2] = ""
    result = run(*base_args(export, tmp_path / "out"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: enkät.csv: 1 item column has no answers: 't3' is entirely empty ({N + 1} rows)."
        " Remove such items, or check the column mapping and the missing codes.\n"
    )


def test_item_with_one_category_used(export: Export, tmp_path: Path) -> None:
    for row in export.cells:
        row[3] = "Instämmer helt" if row[3] else row[3]
    result = run(*base_args(export, tmp_path / "out"))
    assert result.exit_code == 1
    assert result.stderr == (
        "error: enkät.csv: item 't4': every answer is in category 3; an item that does not vary "
        "cannot be located on the scale. Leave the item out.\n"
    )


def test_item_column_not_found(export: Export, tmp_path: Path) -> None:
    lines = export.lines()
    lines[0] = lines[0].replace("t2", "Fråga 2")
    result = run(export.write(lines), "--out", tmp_path / "out", "--instrument", export.instrument)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: enkät.csv: no column found for 1 item(s) of instrument 'trivsel': 't2' (columns: "
        "'id', 'Kommun', 'Kön', 't1', 'Fråga 2', 't3', 't4'). Name the columns after the items, "
        "map them (columns={'t2': 'COLUMN'}, CLI: --map t2=COLUMN), or choose the items present "
        "(items=..., CLI: --items).\n"
    )


def test_verbose_shows_the_traceback(export: Export, tmp_path: Path) -> None:
    export.cells[4][1] = "?"
    result = run(*base_args(export, tmp_path / "out"), "--verbose")
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "ResponseDataError" in result.stderr


def test_unexpected_error_is_reported_without_traceback(
    export: Export, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(calibrate_module, "calibrate", boom)
    result = run(*base_args(export, tmp_path / "out"))
    assert result.exit_code == 1
    assert result.stderr == (
        "internal error: ZeroDivisionError: oops\n"
        "This is a bug in measure; run again with --verbose and report the output.\n"
    )


# ----------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--format", "xlsx", "--excel-friendly"], "--excel-friendly applies to --format csv only"),
        (["--map", "t1"], "'t1' is not ITEM=COLUMN"),
        (["--unit-slope", "0", "--unit-intercept", "1"], "finite, non-zero slope"),
        (["--keep", "Skola"], "--keep column(s) not found in enkät.csv: Skola (columns:"),
        (["--max-code", "4"], "--max-code is for data without an instrument"),
        (["--min-answered", "5"], "--min-answered is more than the 4 item(s) used"),
        (["--sheet", "x"], "--sheet applies to .xlsx, .xlsm files, not .csv"),
    ],
)
def test_usage_errors_exit_2(
    export: Export, tmp_path: Path, extra: list[str], message: str
) -> None:
    out = tmp_path / "out"
    result = run(*base_args(export, out), *extra)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert _no_output(out)


def test_kept_column_with_an_output_name(export: Export, tmp_path: Path) -> None:
    lines = export.lines()
    lines[0] = lines[0].replace("Kön", "status")
    out = tmp_path / "out"
    args = ["--out", out, "--instrument", export.instrument, "--keep", "status"]
    result = run(export.write(lines), *args)
    assert result.exit_code == 2
    assert (
        "--keep/--group column(s) 'status' have the name of a persons.csv column; rename them in "
        "the data" in result.stderr
    )
    assert _no_output(out)


def test_unknown_instrument_is_a_usage_error(export: Export, tmp_path: Path) -> None:
    result = run(export.write(), "--out", tmp_path / "o", "--instrument", "who6")
    assert result.exit_code == 2
    assert "no shipped instrument 'who6' (shipped: audit" in result.stderr


def test_unit_name_alone_without_a_unit(tmp_path: Path) -> None:
    pd.DataFrame({"a": [0, 1, 1, 0], "b": [1, 0, 1, 0]}).to_csv(tmp_path / "d.csv", index=False)
    result = run(tmp_path / "d.csv", "--out", tmp_path / "o", "--unit-name", "x")
    assert result.exit_code == 2
    assert "--unit-name needs --unit-intercept and --unit-slope" in result.stderr


# ----------------------------------------------------------------------------- progress


def test_progress_on_a_terminal_line_is_cleared() -> None:
    stream = io.StringIO()
    progress = Progress(enabled=True, stream=stream)
    progress.stage("reading enkät.csv")
    progress.stage("calibrating")
    progress.done()
    text = stream.getvalue()
    assert text.startswith("\rmeasure: reading enkät.csv ... 0.0 s (total ")
    assert "\rmeasure: calibrating ... 0.0 s (total " in text
    assert text.endswith("\r")


def test_progress_is_quiet_when_asked_or_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(enabled=False, stream=stream)
    progress.stage("x")
    progress.done()
    assert stream.getvalue() == ""
    assert not Progress.for_terminal(quiet=True).enabled


def test_reference_unit_reaches_the_calibrations_own_persons(tmp_path: Path) -> None:
    """--reference-unit 0-100: persons.csv and score_table.csv carry the unit, the saved
    reference has the same unit, and compare --unit works on the calibration's own persons."""
    sim = measure.simulate_responses(
        n_persons=300, thresholds=[[-1.0, 0.0, 1.0], [-0.5, 0.5, 1.5], [-1.5, -0.5, 0.5]], rng=9
    )
    data = tmp_path / "wave.csv"
    sim.responses.to_csv(data, index_label="id")
    out, ref = tmp_path / "out", tmp_path / "ref.json"
    args = ["calibrate", str(data), "--id-column", "id", "--out", str(out)]
    result = CliRunner().invoke(
        cli, [*args, "--reference-unit", "0-100", "--save-reference", str(ref)]
    )
    assert result.exit_code == 0, result.output
    persons = pd.read_csv(out / "persons.csv")
    table = pd.read_csv(out / "score_table.csv")
    reference = measure.load_reference(ref)
    unit = reference.reporting_unit
    assert unit is not None and unit.name == "0-100"
    np.testing.assert_allclose(
        persons["measure_unit"], unit.intercept + unit.slope * persons["measure"], atol=1e-4
    )
    assert table["wle_unit"].iloc[0] == pytest.approx(0.0, abs=1e-4)
    assert table["wle_unit"].iloc[-1] == pytest.approx(100.0, abs=1e-4)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["reporting_unit"]["name"] == "0-100"
    assert summary["reporting_unit"]["from"] == "--reference-unit"
    compared = CliRunner().invoke(
        cli, ["compare", str(out / "persons.csv"), "--unit", "--out", str(tmp_path / "cmp")]
    )
    assert compared.exit_code == 0, compared.output
