"""Regenerate docs/api.md from the docstrings: python docs/make_api.py"""

from __future__ import annotations

import ast
import inspect
from functools import cache
from pathlib import Path

import measure

PACKAGE = Path(measure.__file__).parent


@cache
def constant_docs() -> dict[str, str]:
    """Module-level names documented in the source, by name: the ``#:`` comment lines just above
    the assignment, or the string just below it (an attribute docstring)."""
    docs: dict[str, str] = {}
    for file in sorted(PACKAGE.rglob("*.py")):
        text = file.read_text(encoding="utf-8")
        lines = text.splitlines()
        body = ast.parse(text).body
        for i, node in enumerate(body):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            elif isinstance(node, ast.AnnAssign):
                target = node.target
            else:
                continue
            if not isinstance(target, ast.Name) or target.id.startswith("_"):
                continue
            comment: list[str] = []
            row = node.lineno - 2
            while row >= 0 and lines[row].lstrip().startswith("#:"):
                comment.insert(0, lines[row].lstrip()[2:].strip())
                row -= 1
            after = body[i + 1] if i + 1 < len(body) else None
            if (
                not comment
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                comment = [inspect.cleandoc(after.value.value).split("\n\n")[0]]
            if comment:
                docs.setdefault(target.id, " ".join(comment).replace("\n", " "))
    return docs


def summary(obj: object, name: str = "") -> str:
    from measure.schemas import Schema

    if isinstance(obj, Schema):
        where = f"`{obj.file}.csv`; " if obj.file else ""
        return f"schema of the `{obj.name}` table ({where}one row per {obj.one_row_per})"
    documented = constant_docs().get(name, "")
    if getattr(obj, "__origin__", None) is not None:
        alias = "a type alias: `" + str(obj).replace("typing.", "") + "`"
        return f"{documented} ({alias})" if documented else alias
    if not (inspect.isroutine(obj) or inspect.isclass(obj) or inspect.ismodule(obj)):
        if not documented:
            raise SystemExit(f"{name}: a public constant without a #: comment or docstring")
        kind = type(obj).__name__
        if isinstance(obj, dict) and len(obj) <= 20:
            kind += "; keys: " + ", ".join(f"`{k}`" for k in obj)
        return f"{documented.rstrip('.')} ({kind})"
    doc = inspect.getdoc(obj) or ""
    return doc.split("\n\n")[0].replace("\n", " ")


def render() -> str:
    """The text of docs/api.md."""
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings by `docs/make_api.py`; the docstrings have the formulas,",
        "references and examples. Everything below is importable as `measure.<name>`.",
        "A walk through calibrate, reference scale, score and compare, from the command line and",
        "from Python: `docs/tutorial.md`. The layers and where things go: `docs/architecture.md`.",
        "Instrument files (`load_instrument`, `Instrument`), shipped and your own, every key:",
        "`docs/instruments.md`.",
        "",
    ]
    groups: dict[str, list[str]] = {}
    for name in sorted(measure.__all__, key=str.lower):
        if name.startswith("__"):
            continue
        obj = getattr(measure, name)
        module = getattr(obj, "__module__", "measure") or "measure"
        if inspect.isclass(obj) and issubclass(obj, (Exception, Warning)):
            kind = "Errors and warnings"
        elif inspect.isclass(obj):
            kind = "Result and data classes"
        else:
            kind = "Functions"
        entry = f"- `{name}`"
        if callable(obj) and not inspect.isclass(obj):
            try:
                entry = f"- `{name}{inspect.signature(obj)}`"
            except (TypeError, ValueError):
                pass
        entry += f" ({module}): {summary(obj, name)}"
        groups.setdefault(kind, []).append(entry)
    for kind in ("Functions", "Result and data classes", "Errors and warnings"):
        lines += [f"## {kind}", "", *groups.get(kind, []), ""]
    import importlib

    for modname in (
        "measure.diagnostics",
        "measure.plotting",
        "measure.report",
        "measure.io",
        "measure.schemas",
    ):
        mod = importlib.import_module(modname)
        names = getattr(mod, "__all__", None) or [
            n
            for n, o in vars(mod).items()
            if not n.startswith("_") and callable(o) and getattr(o, "__module__", "") == modname
        ]
        lines += [f"## `{modname}`", "", summary(mod), ""]
        for name in sorted(names, key=str.lower):
            obj = getattr(mod, name)
            entry = f"- `{name}`"
            if inspect.isroutine(obj):
                try:
                    entry = f"- `{name}{inspect.signature(obj)}`"
                except (TypeError, ValueError):
                    pass
            lines.append(entry + f": {summary(obj, name)}")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    out = Path(__file__).with_name("api.md")
    out.write_text(render(), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
