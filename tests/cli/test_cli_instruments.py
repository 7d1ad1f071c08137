"""``measure instruments``: listing, showing, languages, exit codes and messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from measure.cli.instruments import instruments
from measure.instrument import instrument_to_toml, list_instruments, load_instrument

DEMO = """\
id = "demo"
version = "2"
title = { sv = "Demo sv", en = "Demo en" }
construct = { en = "Something" }
source = "Nobody (2024)."
licence = "CC0"
default_model = "pcm"
min_answered = 1

[reporting_unit]
name = "T"
intercept = 50.0
slope = 10.0

[[items]]
id = "q1"
text = { sv = "Första frågan", en = "First question" }
reverse = true

[[items.categories]]
code = 0
label = { sv = "Nej", en = "No" }

[[items.categories]]
code = 1
label = { sv = "Ja", en = "Yes" }
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_list_shows_every_shipped_instrument(runner: CliRunner) -> None:
    result = runner.invoke(instruments, [])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "version", "items", "model", "title"]
    shipped = list_instruments()
    assert len(lines) == 1 + len(shipped)
    for line, inst in zip(lines[1:], shipped, strict=True):
        cells = line.split(maxsplit=4)
        assert cells == [
            inst.id,
            inst.version,
            str(len(inst.items)),
            inst.default_model,
            inst.title["en"],
        ]
    assert result.stderr == ""


def test_list_in_swedish(runner: CliRunner) -> None:
    result = runner.invoke(instruments, ["--lang", "sv"])
    assert result.exit_code == 0
    assert "WHO-5 välbefinnandeindex" in result.stdout


def test_show_shipped_instrument(runner: CliRunner) -> None:
    result = runner.invoke(instruments, ["show", "who5"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("WHO-5 Well-Being Index (who5, version 1.0)\n")
    inst = load_instrument("who5")
    for needle in (
        "Model:          rsm (rating scale model)",
        "Min. answered:  4 of 5 items (fewer: no measure is reported)",
        'Missing codes:  9, 99, "Vet ej", "Don\'t know" (read as not answered)',
        "Reverse-keyed:  (none)",
        "Code maps:      (none)",
        "Licence:",
        "Source:",
    ):
        assert needle in out, needle
    assert "Item texts:" in out and "who.int" in out
    assert "Items (5):" in out
    for item in inst.items:
        assert f"  {item.id}\n" in out
    assert "    data  category  score  label\n" in out
    assert "       0         0      0  At no time\n" in out
    assert "       5         5      5  All of the time\n" in out


@pytest.mark.parametrize(
    "args",
    [["--lang", "sv", "show", "who5"], ["show", "who5", "--lang", "sv"]],
    ids=["group-option", "command-option"],
)
def test_show_in_swedish(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(instruments, args)
    assert result.exit_code == 0
    assert result.stdout.startswith("WHO-5 välbefinnandeindex (who5")
    assert "    0  Inte någon gång\n" in result.stdout


def test_show_command_language_overrides_group(runner: CliRunner) -> None:
    result = runner.invoke(instruments, ["--lang", "sv", "show", "who5", "--lang", "en"])
    assert result.exit_code == 0
    assert "    0  At no time\n" in result.stdout


def test_show_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    path.write_text(DEMO, encoding="utf-8")
    result = runner.invoke(instruments, ["show", str(path), "--lang", "sv"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Demo sv (demo, version 2)\n")
    assert "Rapportenhet:   T = 50 + 10 * logit" in out
    assert f"Fil:            {path}" in out
    assert "Omvända frågor: q1 (räknas som högsta kategori - kategori)" in out
    # a reverse-keyed item: the data's 0 scores 1 and the data's 1 scores 0
    assert (
        "  q1 (omvänd)\n    Första frågan\n    data  kategori  poäng  svar\n"
        "       0         0      1  Nej\n       1         1      0  Ja"
    ) in out
    assert "Mäter:          Something" in out  # falls back to English


def test_show_round_tripped_shipped_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "k6.toml"
    path.write_text(instrument_to_toml(load_instrument("k6")), encoding="utf-8")
    from_file = runner.invoke(instruments, ["show", str(path)]).stdout
    shipped = runner.invoke(instruments, ["show", "k6"]).stdout
    strip = [line for line in shipped.splitlines() if not line.startswith("File:")]
    assert [line for line in from_file.splitlines() if not line.startswith("File:")] == strip


def test_unknown_id_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(instruments, ["show", "nope"])
    assert result.exit_code == 2
    assert "no shipped instrument 'nope' (shipped: audit, dudit" in result.stderr
    assert result.stdout == ""


def test_invalid_file_exits_1_with_located_message(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(DEMO.replace("code = 1\n", "code = 0\n"), encoding="utf-8")
    result = runner.invoke(instruments, ["show", str(path)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}: items[0].categories: duplicate code 0\n"
    assert "Traceback" not in result.output


def test_missing_file_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    result = runner.invoke(instruments, ["show", str(path)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}: no such file\n"


def test_invalid_language_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(instruments, ["--lang", "de"])
    assert result.exit_code == 2
    assert "Invalid value for '--lang'" in result.stderr


def test_help(runner: CliRunner) -> None:
    result = runner.invoke(instruments, ["--help"])
    assert result.exit_code == 0
    assert "show" in result.stdout and "--lang" in result.stdout


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_show_gives_an_items_code_map(lang: str) -> None:
    """AUDIT items 9-10 are coded 0, 2, 4 in the data: show says so beside the labels."""
    result = CliRunner().invoke(instruments, ["show", "audit", "--lang", lang])
    assert result.exit_code == 0, result.output
    out = result.output
    block = out.split("\n  audit_9")[1].split("\n  audit_10")[0]
    if lang == "en":
        assert "Code maps:      audit_9 = 0, 2, 4; audit_10 = 0, 2, 4" in out
        assert "Codes in the data: 0, 2, 4 (categories 0..2; other numbers are invalid)" in block
        assert "       4         2      2  Yes, during the last year" in block
        assert "Notes:          Items 9-10: the form's points 0, 2, 4" in out
        assert "fill them with 0 before" in out
    else:
        assert "Kodkartor:      audit_9 = 0, 2, 4; audit_10 = 0, 2, 4" in out
        assert "Koder i data: 0, 2, 4 (kategori 0..2; andra tal är ogiltiga)" in block
        assert "       4         2      2  Ja, under det senaste året" in block
        assert "Anteckningar:   Fråga 9-10" in out
    assert "       2         1      1  " in block
    assert "Codes in the data" not in out.split("\n  audit_9")[0]


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_show_reverse_keyed_instrument(lang: str) -> None:
    """SCS: every item reverse-keyed, so the score column runs 5 .. 0 against the data."""
    result = CliRunner().invoke(instruments, ["show", "scs", "--lang", lang])
    assert result.exit_code == 0, result.output
    inst = load_instrument("scs")
    flag = "reverse-scored" if lang == "en" else "omvänd"
    for item in inst.items:
        assert f"  {item.id} ({flag})\n" in result.output
    block = result.output.split("  scs_1 ")[1].split("  scs_2 ")[0]
    scores = [int(line.split()[2]) for line in block.splitlines() if line[:8].strip().isdigit()]
    assert scores == [5, 4, 3, 2, 1, 0]
    assert ", ".join(inst.item_ids) in result.output.replace("\n                ", " ")


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_show_missing_codes_and_minimum(runner: CliRunner, tmp_path: Path, lang: str) -> None:
    path = tmp_path / "demo.toml"
    path.write_text(
        DEMO.replace("min_answered = 1", 'min_answered = 1\nmissing_codes = [7, "Vet ej"]')
    )
    out = runner.invoke(instruments, ["show", str(path), "--lang", lang]).stdout
    if lang == "en":
        assert 'Missing codes:  7, "Vet ej" (read as not answered)' in out
        assert "Min. answered:  1 of 1 items" in out
        assert "Source:         Nobody (2024)." in out
    else:
        assert 'Bortfallskoder: 7, "Vet ej" (läses som obesvarad)' in out
        assert "Min. besvarade: 1 av 1 frågor" in out


def test_show_an_instrument_without_source_and_licence(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "own.toml"
    path.write_text(DEMO.replace('source = "Nobody (2024)."\nlicence = "CC0"\n', ""))
    result = runner.invoke(instruments, ["show", str(path)])
    assert result.exit_code == 0, result.output
    assert "Source:         (not given)\nLicence:        (not given)" in result.stdout


# --------------------------------------------------------------------------------------------
# instruments new
# --------------------------------------------------------------------------------------------


def test_new_writes_a_template_that_loads(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "Trygghet 2025.toml"
    result = runner.invoke(
        instruments,
        ["new", str(path), "--items", "3", "--labels", "Aldrig, Ibland ,Ofta", "--lang", "sv"],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"Wrote {path}. Check it with: measure instruments show '{path}'\n")
    inst = load_instrument(path)
    assert inst.id == "Trygghet_2025"
    assert inst.item_ids == ("q1", "q2", "q3")
    assert [c.labels for c in inst.items[2].categories] == [
        {"*": "Aldrig"},
        {"*": "Ibland"},
        {"*": "Ofta"},
    ]
    text = path.read_text(encoding="utf-8")
    assert "# KRÄVS." in text and "# REQUIRED." not in text
    shown = runner.invoke(instruments, ["show", str(path), "--lang", "sv"])
    assert shown.exit_code == 0 and "       2         2      2  Ofta" in shown.stdout


def test_new_refuses_to_overwrite_without_force(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("keep me", encoding="utf-8")
    result = runner.invoke(instruments, ["new", str(path)])
    assert result.exit_code == 2
    assert f"{path} exists. Use --force to overwrite" in result.stderr
    assert path.read_text(encoding="utf-8") == "keep me"
    forced = runner.invoke(instruments, ["new", str(path), "--force", "--categories", "3"])
    assert forced.exit_code == 0, forced.output
    inst = load_instrument(path)
    assert inst.id == "mine" and [len(it.categories) for it in inst.items] == [3] * 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--categories", "3", "--labels", "a,b"], "give --categories or --labels, not both"),
        (["--labels", "Never"], "labels: 1 answer(s) given; give 2 to 30"),
        (["--labels", "Never,never"], "labels: answer 2 'never' repeats answer 1"),
        (["--labels", "Never,,Often"], "labels: answer 2 is empty"),
        (["--id", "my scale"], "id: 'my scale' is not allowed"),
        (["--items", "0"], "Invalid value for '--items'"),
        (["--categories", "1"], "Invalid value for '--categories'"),
    ],
)
def test_new_bad_options_are_usage_errors(
    runner: CliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    path = tmp_path / "mine.toml"
    result = runner.invoke(instruments, ["new", str(path), *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not path.exists()


def test_new_needs_a_toml_path(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(instruments, ["new", str(tmp_path / "mine.txt")])
    assert result.exit_code == 2
    assert "does not end in .toml" in result.stderr
