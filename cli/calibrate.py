"""``measure calibrate``: calibrate a survey export and write the score tables."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click
import numpy as np

from measure.calibrate import calibrate
from measure.cli import options as opt
from measure.cli._common import handle_errors, output_paths, check_overwrite, write_outputs
from measure.io import read_table
from measure.results import Calibration


def _load_instrument(spec: str | None) -> Any:
    if spec is None:
        return None
    from measure.instrument import load_instrument

    return load_instrument(spec)


@click.command("calibrate")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@opt.out
@opt.id_column
@opt.items
@opt.model
@opt.instrument
@opt.missing_code
@click.option("--min-category", type=int, default=0, show_default=True,
              help="Code of the lowest category (1 for data coded 1..5).")
@click.option("--collapse-null", is_flag=True,
              help="Merge categories nobody used into the neighbouring category instead of stopping.")
@click.option("--estimator", type=click.Choice(["wle", "mle"]), default="wle", show_default=True,
              help="Person measure: Warm's WLE (finite at extreme scores) or ML.")
@click.option("--min-answered", type=int, default=None,
              help="Fewer answered items than this gives status too_few_answers (default: the "
                   "instrument's minimum, else 1).")
@opt.invalid
@opt.keep
@opt.group
@opt.fmt
@opt.excel_friendly
@opt.force
@opt.quiet
@opt.verbose
def calibrate_cmd(
    data: str,
    out_dir: str,
    id_column: str | None,
    items: list[str] | None,
    model: str | None,
    instrument: str | None,
    missing_codes: tuple[str, ...],
    min_category: int,
    collapse_null: bool,
    estimator: str,
    min_answered: int | None,
    invalid: str,
    keep: tuple[str, ...],
    group: str | None,
    fmt: str,
    excel_friendly: bool,
    force: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Calibrate DATA (CSV, Excel, SPSS or Parquet) and write items, thresholds, persons,
    score_table and summary.json to --out."""
    t0 = time.perf_counter()
    out = Path(out_dir)
    check_overwrite(
        output_paths(out, ["items", "thresholds", "persons", "score_table"], fmt), force
    )
    with handle_errors(verbose):
        raw = read_table(data)
        frame = raw.data
        inst = _load_instrument(instrument)
        carried = [c for c in ([group] if group else []) + list(keep) if c]
        missing_cols = [c for c in carried if c not in frame.columns]
        if missing_cols:
            raise click.UsageError(f"--keep/--group column(s) not found: {', '.join(missing_cols)}")
        item_cols = items
        if item_cols is None and inst is None:
            item_cols = [c for c in map(str, frame.columns) if c != id_column and c not in carried]
        chosen_model = model
        if chosen_model is None:
            chosen_model = inst.default_model if inst is not None else "pcm"
        cal = calibrate(
            frame,
            model=chosen_model,  # type: ignore[arg-type]
            items=item_cols,
            id_column=id_column,
            instrument=inst,
            missing_codes=missing_codes,
            min_category=min_category,
            null_categories="collapse" if collapse_null else "error",
            person_estimator=estimator,  # type: ignore[arg-type]
            min_answered=min_answered if min_answered is not None else (
                inst.min_answered if inst is not None else 1),
            invalid=invalid,  # type: ignore[arg-type]
            source=raw.source,
            row_numbers=raw.row_numbers,
        )
        if model is None and inst is None and bool(np.all(cal.max_category == 1)):
            object.__setattr__(cal, "model", "rasch")
        persons = cal.persons
        if carried:
            persons = persons.copy()
            for pos, col in enumerate(carried, start=1):
                persons.insert(pos, col, frame[col].to_numpy())
        tables = {
            "items": cal.items,
            "thresholds": cal.thresholds,
            "persons": persons,
            "score_table": cal.score_table(),
        }
        summary = cal.summary()
        summary["source"] = raw.source
        summary["elapsed_seconds"] = round(time.perf_counter() - t0, 3)
        paths = write_outputs(tables, summary, out, fmt=fmt, excel_friendly=excel_friendly,
                              force=force)
    if not quiet:
        click.echo(plain_summary(cal, paths))


def plain_summary(cal: Calibration, paths: dict[str, Path]) -> str:
    """A short text for non-specialists."""
    s = cal.summary()
    counts = s["status_counts"]
    n = s["n_persons"]
    rel = s["reliability"]["person_reliability"]
    lines = [
        f"measure: {s['model']} model, {s['n_items']} items, {n} persons "
        f"(conditional ML, {s['iterations']} iterations, converged).",
        "Persons: " + ", ".join(f"{v} {k}" for k, v in counts.items() if v) + f" (total {n}).",
    ]
    if rel is None:
        lines.append("Person reliability: not available (too few persons with non-extreme scores).")
    else:
        verdict = (
            "good enough for decisions about individuals (>= 0.85)" if rel >= 0.85
            else "good enough for comparing groups (>= 0.70), not for individual decisions"
            if rel >= 0.70 else "too low for group comparisons (< 0.70): add or improve items"
        )
        lines.append(f"Person reliability {rel:.2f}: {verdict} [rule: Tennant & Conaghan 2007].")
    mis = s["misfitting_items"]
    lines.append(
        f"Items misfitting ({s['misfit_rule']}): {', '.join(mis)}" if mis
        else "No item misfits (infit and outfit MNSQ within 0.6-1.4)."
    )
    if s["invalid_cells_set_missing"]:
        lines.append(f"{s['invalid_cells_set_missing']} invalid cells were treated as missing.")
    lines.append("Wrote: " + ", ".join(str(p) for p in paths.values()))
    lines.append("Next: look at items.csv (fit) and persons.csv (measure, se, ci_lower, ci_upper).")
    return "\n".join(lines)
