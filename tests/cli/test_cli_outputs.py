"""A command's output files appear together or not at all (tables, summary.json, report.html,
the saved reference), and existing files are left alone without --force."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import measure
from measure.cli.main import cli


@pytest.fixture
def data(tmp_path: Path) -> Path:
    sim = measure.simulate_responses(
        thresholds=[[-1.0, 0.5], [-0.5, 1.0], [0.0, 0.8], [-0.8, 0.2]], n_persons=120, rng=3
    )
    path = tmp_path / "answers.csv"
    sim.responses.to_csv(path, index=False)
    return path


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_calibrate_writes_tables_summary_and_reference_as_one_set(
    data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    ref = tmp_path / "refs" / "scale.json"
    ref.parent.mkdir()
    args = ["calibrate", str(data), "--out", str(out), "--quiet", "--save-reference", str(ref)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert _files(out) == [
        "items.csv",
        "persons.csv",
        "score_table.csv",
        "summary.json",
        "thresholds.csv",
    ]
    assert _files(ref.parent) == ["scale.json"]
    measure.load_reference(ref)


def test_a_failing_last_file_leaves_no_output_and_no_staging(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reference cannot be written (the disk is full): the tables and summary.json,
    written before it, do not appear either."""
    import measure.reference

    def full_disk(*args: object, **kwargs: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(measure.reference, "save_reference", full_disk)
    out = tmp_path / "out"
    args = ["calibrate", str(data), "--out", str(out), "--quiet"]
    result = CliRunner().invoke(cli, [*args, "--save-reference", str(tmp_path / "ref.json")])
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert _files(out) == []  # no tables, no summary.json, no .measure-staging-* folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.csv"]
    assert _files(out) == []  # no tables, no summary.json, no .measure-staging-* folder


def test_save_reference_into_a_missing_folder_is_refused_before_any_work(
    data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["calibrate", str(data), "--out", str(out), "--quiet"]
    missing = tmp_path / "nowhere" / "ref.json"
    result = CliRunner().invoke(cli, [*args, "--save-reference", str(missing)])
    assert result.exit_code == 2
    assert "--save-reference" in result.output and "nowhere does not exist" in result.output
    assert _files(tmp_path) == ["answers.csv"]  # no --out folder, no reference folder


def test_force_replaces_the_whole_earlier_set(data: Path, tmp_path: Path) -> None:
    """An earlier run's report.html and dif.csv do not stay beside a new run's tables."""
    out = tmp_path / "out"
    out.mkdir()
    for name in ("report.html", "dif.csv", "anchors.csv", "notes.txt"):
        (out / name).write_text("earlier run\n")
    result = CliRunner().invoke(cli, ["calibrate", str(data), "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert _files(out) == [
        "items.csv",
        "notes.txt",  # not a measure output: left alone
        "persons.csv",
        "score_table.csv",
        "summary.json",
        "thresholds.csv",
    ]


def test_a_second_run_into_a_folder_being_written_fails_clearly(data: Path, tmp_path: Path) -> None:
    from measure.io import FolderLock

    out = tmp_path / "out"
    with FolderLock(out):  # a first run, still writing
        result = CliRunner().invoke(cli, ["calibrate", str(data), "--out", str(out), "--force"])
        assert result.exit_code == 1
        assert "another measure command is writing to this folder" in result.output
        assert _files(out) == [".measure-lock"]
    result = CliRunner().invoke(cli, ["calibrate", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert ".measure-lock" not in _files(out)


def test_existing_files_are_untouched_on_failure_with_force(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import measure.reference

    out = tmp_path / "out"
    args = ["calibrate", str(data), "--out", str(out), "--quiet", "--report"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    before = {name: (out / name).read_bytes() for name in _files(out)}

    def full_disk(*args: object, **kwargs: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(measure.reference, "save_reference", full_disk)
    failing = [*args[:-1], "--force", "--digits", "3", "--save-reference", str(out / "r.json")]
    result = CliRunner().invoke(cli, failing)
    assert result.exit_code == 1
    assert {name: (out / name).read_bytes() for name in _files(out)} == before


def test_existing_output_without_force_stops_before_any_work(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("{}\n")
    (out / "mine.txt").write_text("keep\n")
    result = CliRunner().invoke(cli, ["calibrate", str(data), "--out", str(out), "--quiet"])
    assert result.exit_code == 2
    assert "output exists" in result.output and "summary.json" in result.output
    assert _files(out) == ["mine.txt", "summary.json"]
    assert (out / "summary.json").read_text() == "{}\n"


def test_report_and_dif_join_the_set(data: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(data)
    frame.insert(0, "group", np.where(np.arange(len(frame)) % 2 == 0, "a", "b"))
    path = tmp_path / "grouped.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "out"
    args = ["calibrate", str(path), "--out", str(out), "--quiet", "--report", "--dif", "group"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "report.html" in _files(out) and "dif.csv" in _files(out)
    assert not [name for name in _files(out) if name.startswith(".")]


@pytest.mark.parametrize("excel", [False, True])
def test_carried_columns_are_written_as_in_the_file(tmp_path: Path, excel: bool) -> None:
    """Numbers read in numeric mode print back as the file's cells: ids with leading zeros,
    whole numbers with empty cells (nullable integers), in plain and Excel-friendly CSV."""
    rng = np.random.default_rng(5)
    lines = ["id,age,q1,q2,q3"]
    for i in range(1, 201):
        age = "" if i % 10 == 0 else str(20 + i % 50)
        answers = ",".join(str(v) for v in rng.integers(0, 4, 3))
        lines.append(f"{i:03d},{age},{answers}")
    path = tmp_path / "kept.csv"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    args = ["calibrate", str(path), "--id-column", "id", "--keep", "age", "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--quiet", *(["--excel-friendly"] if excel else [])])
    assert result.exit_code == 0, result.output
    sep = ";" if excel else ","
    rows = (out / "persons.csv").read_text(encoding="utf-8-sig").splitlines()
    cells = [row.split(sep)[:2] for row in rows[1:]]
    assert cells == [line.split(",")[:2] for line in lines[1:]]


def test_a_third_file_that_cannot_be_placed_undoes_the_first_two(
    data: Path, tmp_path: Path
) -> None:
    """persons.csv (the third table) cannot replace what is there (a folder): items.csv and
    thresholds.csv, already moved into place, are put back as they were."""
    out = tmp_path / "out"
    args = ["calibrate", str(data), "--out", str(out), "--quiet"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    before = {name: (out / name).read_bytes() for name in _files(out)}
    (out / "persons.csv").unlink()
    (out / "persons.csv").mkdir()
    (out / "notes.txt").write_text("mine\n")
    result = CliRunner().invoke(cli, [*args, "--force", "--digits", "3"])
    assert result.exit_code == 1
    assert _files(out) == sorted([*before, "notes.txt"])  # and no .measure-staging-*
    for name, content in before.items():
        if name != "persons.csv":
            assert (out / name).read_bytes() == content
    assert (out / "persons.csv").is_dir() and (out / "notes.txt").read_text() == "mine\n"


def test_other_files_are_untouched_on_failure_without_force(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file\n")
    args = ["calibrate", str(data), "--out", str(out), "--quiet", "--report"]
    result = CliRunner().invoke(cli, [*args, "--save-reference", str(blocker / "ref.json")])
    assert result.exit_code == 2  # refused before any work
    assert _files(out) == ["notes.txt"] and (out / "notes.txt").read_text() == "mine\n"
