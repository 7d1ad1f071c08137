"""The public surface of ``measure``: one list of names, no modules posing as functions."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import inspect
import subprocess
import sys
import types

import pytest

import measure


def _type_checking_names() -> dict[str, str]:
    """Names the ``TYPE_CHECKING`` block of ``measure/__init__.py`` imports, with their modules."""
    tree = ast.parse(inspect.getsource(measure))
    names: dict[str, str] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.If)
            and ast.unparse(node.test).endswith("TYPE_CHECKING")
            and not isinstance(node.test, ast.UnaryOp)
        ):
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.module is not None
                for alias in stmt.names:
                    assert alias.asname == alias.name, "re-export as `import x as x`"
                    names[alias.name] = stmt.module
    return names


def test_dir_is_the_public_api() -> None:
    assert dir(measure) == sorted([*measure.__all__, "__version__"])
    assert measure.__all__ == sorted(set(measure.__all__))
    for hidden in ("Any", "TYPE_CHECKING", "importlib", "annotations"):
        assert hidden not in dir(measure)


def test_type_checkers_see_the_same_names_as_the_table() -> None:
    assert _type_checking_names() == measure._PUBLIC


@pytest.mark.parametrize("name", measure.__all__)
def test_every_public_name_resolves_and_is_not_a_module(name: str) -> None:
    value = getattr(measure, name)
    assert not isinstance(value, types.ModuleType)
    defining = importlib.import_module(measure._PUBLIC[name])
    assert value is getattr(defining, name)


def test_modules_are_not_shadowed_by_their_functions() -> None:
    import measure.calibration
    import measure.comparison

    assert isinstance(measure.calibration, types.ModuleType)
    assert isinstance(measure.comparison, types.ModuleType)
    assert measure.calibrate is measure.calibration.calibrate
    assert measure.compare is measure.comparison.compare
    assert inspect.isfunction(measure.calibrate) and inspect.isfunction(measure.compare)


def test_summary_is_public() -> None:
    from measure.summary import Summary

    assert measure.Summary is Summary


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        measure.no_such_name  # noqa: B018
    with pytest.raises(AttributeError):
        measure._private  # noqa: B018


def test_version_is_the_installed_metadata_version() -> None:
    assert measure.__version__ == importlib.metadata.version("measure")


def test_import_measure_loads_no_numerics() -> None:
    code = "import sys, measure; print(sorted({'pandas', 'numpy', 'scipy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
