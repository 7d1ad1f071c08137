"""Regenerate docs/api.md from the docstrings: python docs/make_api.py"""

from __future__ import annotations

import inspect
from pathlib import Path

import measure


def summary(obj: object) -> str:
    from measure.schemas import Schema

    if isinstance(obj, Schema):
        where = f"`{obj.file}.csv`; " if obj.file else ""
        return f"schema of the `{obj.name}` table ({where}one row per {obj.one_row_per})"
    if getattr(obj, "__origin__", None) is not None:
        return "a type alias: " + str(obj).replace("typing.", "")
    if not (inspect.isroutine(obj) or inspect.isclass(obj) or inspect.ismodule(obj)):
        return f"a {type(obj).__name__} constant"
    doc = inspect.getdoc(obj) or ""
    return doc.split("\n\n")[0].replace("\n", " ")


def main() -> None:
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
        entry += f" ({module}): {summary(obj)}"
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
            lines.append(entry + f": {summary(obj)}")
        lines.append("")
    out = Path(__file__).with_name("api.md")
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
