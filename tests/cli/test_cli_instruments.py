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
    for needle in ("Default model:  rsm", "Min. answered:  4 of 5 items", "Licence:", "Source:"):
        assert needle in out
    assert "Item texts:" in out and "who.int" in out
    assert "Items (5):" in out
    for item in inst.items:
        assert f"  {item.id}\n" in out
    assert "    0  At no time\n" in out and "    5  All of the time\n" in out


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
    assert "Reporting unit: T = 50 + 10 * logit" in out
    assert f"File:           {path}" in out
    assert "  q1 (reverse-scored)\n    Första frågan\n    0  Nej\n    1  Ja" in out
    assert "Construct:      Something" in out  # falls back to English


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


def test_show_gives_an_items_code_map() -> None:
    """AUDIT items 9-10 are coded 0, 2, 4 in the data: show says so beside the labels."""
    result = CliRunner().invoke(instruments, ["show", "audit", "--lang", "en"])
    assert result.exit_code == 0, result.output
    block = result.output.split("audit_9")[1].split("audit_10")[0]
    assert "Codes in the data: 0, 2, 4 (categories 0..2; other numbers are invalid)" in block
    assert "    4  Yes, during the last year" in block
    assert "Codes in the data" not in result.output.split("audit_9")[0]
