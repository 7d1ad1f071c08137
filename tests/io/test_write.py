"""One writer: outputs as one set (all files or none), one atomic write, one JSON encoder."""

from __future__ import annotations

import gc
import json
import os
import stat
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from measure.io import (
    FolderLock,
    FolderLockedError,
    OutputSet,
    json_text,
    write_json_atomic,
    write_text_atomic,
)


def _table(n: int = 5) -> pd.DataFrame:
    return pd.DataFrame({"item": [f"q{i}" for i in range(n)], "measure": np.linspace(-1, 1, n)})


def _unwritable() -> pd.DataFrame:
    return pd.DataFrame({"text": ["x" * 40_000]})  # longer than an Excel cell holds


def test_a_failure_while_writing_the_third_file_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(
        Exception,
        match=r"table 'data', row 2, column 'text': a text of 40,000 characters; an Excel cell "
        r"holds at most 32,767",
    ):
        with OutputSet(make_dirs=True) as files:
            files.write_table(_table(), out / "items.csv")
            files.write_json({"n": 5}, out / "summary.json")
            files.write_table(_unwritable(), out / "broken.xlsx", fmt="xlsx")
    assert not out.exists()  # no files, no staging directory, not even the directory made
    assert list(tmp_path.iterdir()) == []


def test_existing_files_are_untouched_when_the_set_fails(tmp_path: Path) -> None:
    (tmp_path / "items.csv").write_text("old items\n")
    (tmp_path / "notes.txt").write_text("mine\n")
    with pytest.raises(RuntimeError, match="stop"):
        with OutputSet() as files:
            files.write_table(_table(), tmp_path / "items.csv")
            files.write_text("<html></html>\n", tmp_path / "report.html")
            raise RuntimeError("stop")
    assert (tmp_path / "items.csv").read_text() == "old items\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["items.csv", "notes.txt"]


def test_a_failed_move_puts_the_replaced_files_back(tmp_path: Path) -> None:
    """If moving one file into place fails, the files already moved are taken back and the
    files they replaced restored."""
    (tmp_path / "items.csv").write_text("old items\n")
    (tmp_path / "persons.csv").mkdir()  # a directory where a file should go: the move fails
    with pytest.raises(OSError):
        with OutputSet() as files:
            files.write_table(_table(), tmp_path / "items.csv")
            files.write_json({"a": 1}, tmp_path / "summary.json")
            files.write_table(_table(), tmp_path / "persons.csv")
    assert (tmp_path / "items.csv").read_text() == "old items\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["items.csv", "persons.csv"]


def test_without_overwrite_an_existing_target_stops_the_whole_set(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text("{}\n")
    with pytest.raises(FileExistsError, match=r"output exists: .*summary\.json"):
        OutputSet.check_absent([tmp_path / "items.csv", tmp_path / "summary.json"])
    with pytest.raises(FileExistsError, match=r"summary\.json"):
        with OutputSet(overwrite=False) as files:
            files.write_table(_table(), tmp_path / "items.csv")
            files.write_json({"a": 1}, tmp_path / "summary.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]
    assert (tmp_path / "summary.json").read_text() == "{}\n"


def test_a_committed_set_has_every_file_with_the_usual_permissions(tmp_path: Path) -> None:
    (tmp_path / "items.csv").write_text("old\n")
    with OutputSet() as files:
        files.write_table(_table(), tmp_path / "items.csv")
        files.write_json({"se": float("nan")}, tmp_path / "sub" / ".." / "summary.json")
    assert files.paths == (tmp_path / "items.csv", tmp_path / "summary.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["items.csv", "summary.json"]
    assert (tmp_path / "items.csv").read_text().startswith("item,measure\nq0,-1\n")
    umask = os.umask(0)
    os.umask(umask)
    for name in ("items.csv", "summary.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask


def test_one_file_is_written_once_per_set(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"items\.csv is written twice"):
        with OutputSet() as files:
            files.write_text("a", tmp_path / "items.csv")
            files.write_text("b", tmp_path / "items.csv")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_directory_is_an_error_unless_asked_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no_such_dir: no such directory"):
        write_json_atomic({"a": 1}, tmp_path / "no_such_dir" / "a.json")
    assert list(tmp_path.iterdir()) == []
    write_text_atomic("x\n", tmp_path / "made" / "a.txt", make_dirs=True)
    assert (tmp_path / "made" / "a.txt").read_text() == "x\n"


def test_json_text_is_the_one_encoding() -> None:
    obj = {"se": np.float64("nan"), "n": np.int64(3), "ok": np.bool_(True), "v": np.arange(2)}
    text = json_text(obj)
    assert json.loads(text) == {"se": None, "n": 3, "ok": True, "v": [0, 1]}
    assert text.endswith("}\n") and "NaN" not in text
    assert json_text({"town": "Umeå"}) == '{\n  "town": "Umeå"\n}\n'
    with pytest.raises(TypeError):
        json_text({"when": object()})


# -- issue 12, cases 9 and 10: a set replaces the earlier set; one writer per folder ----------


def test_a_set_removes_the_earlier_sets_files_it_does_not_write_again(tmp_path: Path) -> None:
    for name in ("items.csv", "dif.csv", "report.html", "notes.txt"):
        (tmp_path / name).write_text("old\n")
    stale = [tmp_path / n for n in ("items.csv", "dif.csv", "report.html", "summary.json")]
    with OutputSet(replaces=stale) as files:
        files.write_table(_table(), tmp_path / "items.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["items.csv", "notes.txt"]
    assert (tmp_path / "items.csv").read_text() != "old\n"


def test_a_failed_set_keeps_the_earlier_sets_files(tmp_path: Path) -> None:
    for name in ("items.csv", "dif.csv"):
        (tmp_path / name).write_text("old\n")
    (tmp_path / "persons.csv").mkdir()  # the move of persons.csv fails
    with pytest.raises(OSError):
        with OutputSet(replaces=[tmp_path / "dif.csv"]) as files:
            files.write_table(_table(), tmp_path / "items.csv")
            files.write_table(_table(), tmp_path / "persons.csv")
    assert (tmp_path / "dif.csv").read_text() == (tmp_path / "items.csv").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dif.csv", "items.csv", "persons.csv"]


def test_a_second_lock_on_a_folder_is_refused_until_released(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = FolderLock(out)
    assert (out / ".measure-lock").exists()
    with pytest.raises(FolderLockedError, match=r"another measure command is writing"):
        FolderLock(out)
    first.release()
    assert not out.exists()  # made by the lock, left empty: removed again
    with FolderLock(out):
        (out / "items.csv").write_text("x\n")
    assert [p.name for p in out.iterdir()] == ["items.csv"]


# -- issue 12, case 11: formula injection ---------------------------------------------------


def _hostile() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person": ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1+2", "-x", "-1.5", "ok"],
            "=cmd": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )


def test_xlsx_writes_text_starting_with_equals_as_text(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "out.xlsx"
    with OutputSet() as files:
        files.write_table(_hostile(), path, fmt="xlsx")
    sheet = openpyxl.load_workbook(path)["data"]  # data_only=False: formulas would show
    cells = [(c.value, c.data_type) for c in sheet["A"]]
    assert cells[0] == ("person", "s")
    assert cells[1] == ('=HYPERLINK("http://x","y")', "s")
    assert (sheet["B1"].value, sheet["B1"].data_type) == ("=cmd", "s")
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_excel_friendly_csv_neutralises_formula_cells(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with OutputSet() as files:
        files.write_table(_hostile(), path, excel_friendly=True)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "person;'=cmd"
    firsts = [line.rsplit(";", 1)[0] for line in lines[1:]]
    assert firsts == [
        '"\'=HYPERLINK(""http://x"",""y"")"',
        "'@SUM(1)",
        "'+1+2",
        "'-x",
        "-1.5",
        "ok",
    ]


# -- issue 12, case 9: a full disk ----------------------------------------------------------


class _FullDisk:
    """A file that takes ``room`` bytes, then fails as a full disk does."""

    def __init__(self, real: Any, room: int) -> None:
        self.real, self.room = real, room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            raise OSError(28, "No space left on device")
        self.room -= len(data)
        return int(self.real.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.real.close()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "json"])
def test_a_full_disk_leaves_nothing_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    real_fdopen = os.fdopen
    written = {"n": 0}

    def fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        written["n"] += 1  # the second file of the set finds the disk full
        return _FullDisk(real_fdopen(fd, mode, *args, **kwargs), 10**9 if written["n"] < 2 else 100)

    monkeypatch.setattr(os, "fdopen", fdopen)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="No space left on device"):
        with OutputSet(make_dirs=True) as files:
            files.write_table(_table(), out / f"items.{fmt}", fmt=fmt)  # type: ignore[arg-type]
            files.write_table(_table(2000), out / f"persons.{fmt}", fmt=fmt)  # type: ignore[arg-type]
    assert not out.exists()
    gc.collect()  # an unclosed zip archive would complain here (an error under pytest)


def test_summary_json_is_moved_into_place_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The moves are the only moment a set is partly in place: summary.json comes last, so a
    folder with summary.json holds the whole set."""
    moved: list[str] = []
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        moved.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with OutputSet() as files:
        files.write_json({"n": 1}, tmp_path / "summary.json")
        files.write_table(_table(), tmp_path / "items.csv")
        files.write_text("<html></html>\n", tmp_path / "report.html")
    assert moved == ["items.csv", "report.html", "summary.json"]


def test_taking_a_folders_lock_removes_staging_left_by_a_killed_run(tmp_path: Path) -> None:
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    pid = int(dead.stdout)  # a process that has ended
    left = tmp_path / f".measure-staging-{pid}-abc"
    left.mkdir()
    (left / "persons.csv").write_text("half a table")
    alive = tmp_path / f".measure-staging-{os.getpid()}-xyz"  # this process: kept
    alive.mkdir()
    with FolderLock(tmp_path):
        assert not left.exists() and alive.exists()
