"""Issue 15's done-when test: the analyst's route, from a plain install to a report.

A fresh virtual environment, ``pip install <project>`` without extras (not editable), then
``measure calibrate`` on an Excel export with a title row and a blank row above the column
names, with ``--report``. Slow (an install): run with ``pytest -m slow -k plain_install``.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from measure.report.i18n import TEXT

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "wellbeing_survey.csv"
TITLE = "Enkät om välbefinnande 2026"
#: what is not part of the project: left out of the copy that is installed
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "out",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
)
#: pip's words when it cannot reach a package index (the only reason to skip)
NO_INDEX = re.compile(
    r"Failed to establish a new connection|Network is unreachable|Temporary failure in name "
    r"resolution|Name or service not known|No route to host|ConnectTimeoutError|ReadTimeoutError"
    r"|Could not fetch URL|ProxyError|SSLError|connection broken",
    re.IGNORECASE,
)


def titled_workbook(path: Path) -> int:
    """The example as an Excel export: a title on row 1, row 2 blank, the header on row 3.
    Returns the number of data rows."""
    openpyxl = pytest.importorskip("openpyxl")
    frame = pd.read_csv(EXAMPLE, dtype=object, keep_default_na=False)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([TITLE])
    sheet.append([])
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([int(v) if v.isdigit() else (v or None) for v in row])
    workbook.save(path)
    return len(frame)


@pytest.mark.slow
def test_plain_install_calibrates_an_excel_export_with_a_title(tmp_path: Path) -> None:
    before = sorted(p.name for p in ROOT.iterdir())
    source = tmp_path / "source"  # a copy: the build leaves nothing in the repository
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-input", str(source)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if install.returncode != 0:
        output = install.stdout + install.stderr
        if NO_INDEX.search(output):
            pytest.skip(f"pip cannot reach a package index: {output.strip().splitlines()[-1]}")
        pytest.fail(f"pip install {source} failed:\n{output[-3000:]}")
    assert sorted(p.name for p in ROOT.iterdir()) == before  # no build/ or egg-info here

    data = tmp_path / "enkät.xlsx"
    n_rows = titled_workbook(data)
    out = tmp_path / "ut"
    result = subprocess.run(
        [
            str(venv / "bin" / "measure"),
            "calibrate",
            str(data),
            "--id-column",
            "id",
            "--instrument",
            "who5",
            "--report",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,  # not the repository: the installed package, not the source tree
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the column names are on row 3" in result.stderr  # the title row was reported

    persons = pd.read_csv(out / "persons.csv")
    assert len(persons) == n_rows
    want = pd.read_csv(EXAMPLE, dtype=object)
    assert persons["person"].tolist() == want["id"].tolist()  # every input row, in order
    assert persons["row"].tolist() == list(range(4, 4 + n_rows))  # the file's row numbers

    report = (out / "report.html").read_text(encoding="utf-8")
    found = re.search(r"<title>(.*?)</title>", report, re.DOTALL)
    assert found is not None
    assert html.unescape(found.group(1)) in TEXT["title"].values()
    assert f"<h1>{found.group(1)}</h1>" in report
