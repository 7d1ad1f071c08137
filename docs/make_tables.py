"""Regenerate the column tables in the docs from measure/schemas.py: python docs/make_tables.py

Every block between ``<!-- schema:KEY -->`` and ``<!-- /schema:KEY -->`` is replaced (KEY: a
schema name, or ``files:COMMAND`` for the overview of a command's files). With ``--check`` the
files are not written; the exit code is 1 when one is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from measure.schemas import fill_docs

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "docs" / "input-and-output.md", ROOT / "README.md"]


def main(argv: list[str]) -> int:
    stale = []
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        new = fill_docs(text)
        if new != text:
            stale.append(path)
            if "--check" not in argv:
                path.write_text(new, encoding="utf-8")
    for path in stale:
        print(("out of date: " if "--check" in argv else "regenerated: ") + str(path))
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
