"""The layers of docs/architecture.md: every import inside measure/ and cli/ (at module level and
inside functions; not those only for type checkers) goes to the same layer or below."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

#: layer of each module (a package entry covers its submodules), from the top
LAYERS: dict[str, int] = {
    "measure.cli": 8,
    "measure.report": 7,
    "measure.report.workbook": 7,  # the summary sheet and number formats of --format xlsx
    "measure.plotting": 7,
    "measure.calibration": 6,
    "measure.scoring": 6,
    "measure.counts": 6,
    "measure.comparison": 6,
    "measure.linking": 6,
    "measure.diagnostics": 6,
    "measure.itembank": 6,
    "measure.shortform": 6,
    "measure.adaptive": 6,
    "measure.results": 5,
    "measure.schemas": 5,
    "measure.pipeline": 4,
    "measure.fit": 4,
    "measure.reliability": 4,
    "measure.io": 3,
    "measure.responses": 3,
    "measure.instrument": 3,
    "measure.instrument_template": 3,
    "measure.reference": 3,
    "measure.units": 3,
    "measure.models": 2,
    "measure._estimation": 2,
    "measure.simulate": 2,
    "measure.exceptions": 1,
    "measure.status": 1,
    "measure._types": 1,
    "measure._version": 1,
    "measure.summary": 1,
    "measure.notes": 1,
}


def _modules() -> dict[str, Path]:
    out = {}
    for base, package in ((ROOT / "measure", "measure"), (ROOT / "cli", "measure.cli")):
        for path in base.rglob("*.py"):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([package, *parts])] = path
    return out


def _layer(module: str) -> int | None:
    while module:
        if module in LAYERS:
            return LAYERS[module]
        module = module.rpartition(".")[0]
    return None


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for sub in node.body for n in ast.walk(sub))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
    return found


MODULES = _modules()


def test_every_module_has_a_layer() -> None:
    unplaced = [m for m in MODULES if m != "measure" and _layer(m) is None]
    assert not unplaced, f"add these modules to LAYERS (and docs/architecture.md): {unplaced}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "measure"))
def test_imports_never_climb(module: str) -> None:
    own = _layer(module)
    assert own is not None
    climbing = []
    for line, target in _imports(MODULES[module], module):
        if not target.startswith("measure"):
            continue
        name = target
        while name and name not in MODULES:  # `from measure.x import y`: y may be a name
            name = name.rpartition(".")[0]
        if name in ("", "measure"):
            if target.rpartition(".")[2] == "__version__" or target == "measure":
                climbing.append(f"line {line}: imports the package root ({target})")
            continue
        layer = _layer(name)
        if layer is not None and layer > own:
            climbing.append(f"line {line}: {name} (layer {layer}) from layer {own}")
    assert not climbing, f"{module}: " + "; ".join(climbing)
