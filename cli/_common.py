"""Error handling and output writing shared by the commands."""

from __future__ import annotations

import json
import os
import tempfile
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pandas as pd

from measure.exceptions import MeasureError
from measure.io import write_table_atomic, write_workbook_atomic


@contextmanager
def handle_errors(verbose: bool) -> Iterator[None]:
    """Turn library errors into a message on stderr and exit code 1 (traceback with --verbose)."""
    try:
        yield
    except (MeasureError, ValueError, OSError) as exc:
        if verbose:
            click.echo(traceback.format_exc(), err=True)
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None


def output_paths(out_dir: Path, names: list[str], fmt: str) -> dict[str, Path]:
    if fmt == "xlsx":
        return {"workbook": out_dir / "measure.xlsx", "summary": out_dir / "summary.json"}
    ext = "json" if fmt == "json" else "csv"
    paths = {n: out_dir / f"{n}.{ext}" for n in names}
    paths["summary"] = out_dir / "summary.json"
    return paths


def check_overwrite(paths: Mapping[str, Path], force: bool) -> None:
    existing = [str(p) for p in paths.values() if p.exists()]
    if existing and not force:
        raise click.UsageError(
            f"output exists: {', '.join(existing)}. Use --force to overwrite or choose another --out."
        )


def write_json_atomic(obj: Any, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, indent=2, ensure_ascii=False, default=_json_default)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    return str(obj)


def write_outputs(
    tables: Mapping[str, pd.DataFrame],
    summary: Mapping[str, Any],
    out_dir: Path,
    *,
    fmt: str,
    excel_friendly: bool,
    force: bool,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Write every table (atomically, one file each, or one workbook) and summary.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = output_paths(out_dir, list(tables), fmt)
    check_overwrite(paths, force)
    if fmt == "xlsx":
        write_workbook_atomic(tables, paths["workbook"])
    else:
        for name, df in tables.items():
            if progress:
                progress(name)
            write_table_atomic(df, paths[name], fmt=fmt, excel_friendly=excel_friendly)  # type: ignore[arg-type]
    write_json_atomic(dict(summary), paths["summary"])
    return paths
