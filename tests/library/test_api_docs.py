"""docs/api.md is generated from the docstrings and kept current; every public constant is
described (not by its type's builtin docstring)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _make_api() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_api", ROOT / "docs" / "make_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_is_current() -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert _make_api().render() == text, "docs/api.md is out of date: run python docs/make_api.py"


def test_constants_are_described_by_their_own_comment() -> None:
    make_api = _make_api()
    text = make_api.render()
    assert "Built-in mutable sequence" not in text and "dict() -> new empty" not in text
    sources = next(line for line in text.splitlines() if line.startswith("- `SOURCES`"))
    assert "Where each rule comes from" in sources and "`item_fit`" in sources


def test_an_undocumented_constant_is_refused() -> None:
    with pytest.raises(SystemExit, match="NOT_DOCUMENTED_ANYWHERE"):
        _make_api().summary(("a", "b"), "NOT_DOCUMENTED_ANYWHERE")
