"""``measure compare``: group means, change and decision risk from scored persons files.

Thin: reads the persons tables written by ``measure score`` (or ``measure calibrate``), turns the
measure and SE columns into numbers, and calls :func:`measure.comparison.compare`; the tables are
written atomically. Exit 0 on success, 1 on a data error, 2 on a usage error.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
import pandas as pd

from measure.comparison import compare
from measure.exceptions import ResponseDataError
from measure.io import to_numeric_cells

from . import options as opt
from ._common import (
    OutputOptions,
    handle_errors,
    output_set,
    read_data,
    write_outputs,
)

TABLES = ["groups", "group_change", "individual_change", "decision_persons", "decision_groups"]


def _labels(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    parts = [v.strip() for v in value.split(",")]
    if not all(parts):
        raise click.BadParameter("labels must not be empty")
    if len(set(parts)) != len(parts):
        raise click.BadParameter("labels must be different")
    return parts


@click.command("compare")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@opt.out
@click.option(
    "--labels",
    callback=_labels,
    default=None,
    metavar="A,B",
    help="Occasion labels, in time order: one per FILE (default: the file names), or with "
    "--occasion-column the values to compare, in this order.",
)
@click.option(
    "--occasion-column",
    default=None,
    metavar="COLUMN",
    help="One FILE holding all occasions: the column naming each row's occasion.",
)
@click.option(
    "--group",
    "groups",
    multiple=True,
    metavar="COLUMN",
    help="Grouping column (repeatable): results per group and occasion.",
)
@click.option(
    "--paired",
    is_flag=True,
    help="The occasions measured the same persons, matched on --id-column: individual change "
    "and paired group change. Ids numbered by row are not the same persons.",
)
@click.option(
    "--id-column",
    default="person",
    show_default=True,
    metavar="COLUMN",
    help="Person id column of the scored files.",
)
@click.option(
    "--threshold",
    type=float,
    default=None,
    metavar="T",
    help="Decision threshold on the reference scale (in logits, or in the reporting unit with "
    "--unit): probability of each person being above it and expected share per group.",
)
@click.option("--below", is_flag=True, help="Decision risk for being below the threshold.")
@click.option(
    "--unit",
    "use_unit",
    is_flag=True,
    help="Use the reporting-unit columns (measure_unit, se_unit, link_se_unit).",
)
@click.option(
    "--level",
    type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
    default=0.95,
    show_default=True,
    help="Confidence level of the intervals.",
)
@opt.output_options
def compare_cmd(
    files: tuple[str, ...],
    out_dir: str,
    labels: list[str] | None,
    occasion_column: str | None,
    groups: tuple[str, ...],
    paired: bool,
    id_column: str,
    threshold: float | None,
    below: bool,
    use_unit: bool,
    level: float,
    outputs: OutputOptions,
    quiet: bool,
    verbose: bool,
) -> None:
    """Compare scored FILES (persons tables from `measure score`): group means per occasion with
    95% intervals (measurement, sampling and link error), change between consecutive occasions,
    individual change (--paired) and decision risk (--threshold).

    Give one file per occasion in time order (pre.csv post.csv), or one file and
    --occasion-column.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    if occasion_column is not None and len(files) != 1:
        raise click.UsageError("--occasion-column needs exactly one FILE")
    if occasion_column is None and labels is not None and len(labels) != len(files):
        raise click.UsageError(f"--labels gives {len(labels)} labels for {len(files)} file(s)")
    outputs.check(out, TABLES)
    measure_col, se_col, link_col = (
        ("measure_unit", "se_unit", "link_se_unit") if use_unit else ("measure", "se", "link_se")
    )
    with handle_errors(verbose):
        tables_in: list[pd.DataFrame] = []
        sources: list[str] = []
        for path in files:
            raw = read_data(path, sheet=None, delimiter=None, encoding=None, decimal=None)
            frame = raw.data.copy()
            for col in (measure_col, se_col):
                if col not in frame.columns:
                    hint = (
                        " (the reference scale has no reporting unit?)"
                        if use_unit
                        else " (is this a persons file from `measure score`?)"
                    )
                    raise click.UsageError(f"{raw.source}: column {col!r} not found{hint}")
            for col in (measure_col, se_col, link_col):
                if col in frame.columns:
                    values, failed = to_numeric_cells(frame[col], raw.decimal)
                    if failed.any():  # a data error (exit 1), not a usage error
                        at = int(failed.argmax())
                        raise ResponseDataError(
                            f"{raw.source}: {int(failed.sum())} cell(s) of column {col!r} are "
                            f"not numbers: row {int(raw.row_numbers[at])}, value "
                            f"{frame[col].iloc[at]!r}"
                        )
                    frame[col] = values
            for col in [*groups, *([occasion_column] if occasion_column else [])]:
                if col not in frame.columns:
                    raise click.UsageError(f"{raw.source}: column {col!r} not found")
            if paired and id_column not in frame.columns:
                raise click.UsageError(f"{raw.source}: id column {id_column!r} not found")
            sources.append(raw.source)
            tables_in.append(frame)
        occasions = _occasions(tables_in, files, labels, occasion_column)
        result = compare(
            occasions,
            by=list(groups) or None,
            paired=paired,
            threshold=threshold,
            direction="below" if below else "above",
            id_column=id_column,
            measure=measure_col,
            se=se_col,
            link_se=link_col,
            level=level,
        )
        summary = result.summary().to_dict()
        summary.update(
            {
                "files": sources,
                "unit": use_unit,
                "elapsed_seconds": round(time.perf_counter() - t0, 3),
            }
        )
        with output_set(outputs, out) as outset:
            paths = write_outputs(result.tables(), summary, out, outputs, outset)
    if not quiet:
        click.echo(plain_summary(result.groups, result.group_change, summary, paths))


def _occasions(
    tables: list[pd.DataFrame],
    files: tuple[str, ...],
    labels: list[str] | None,
    occasion_column: str | None,
) -> dict[str, pd.DataFrame]:
    if occasion_column is None:
        names = labels or [Path(f).stem for f in files]
        if len(set(names)) != len(names):
            names = [f"{i}:{n}" for i, n in enumerate(names, start=1)]
        return dict(zip(names, tables, strict=True))
    frame = tables[0]
    col = frame[occasion_column].astype(object).where(frame[occasion_column].notna(), None)
    present = [v for v in dict.fromkeys(col.tolist()) if v is not None]
    values = labels or [str(v) for v in present]
    text = col.map(lambda v: None if v is None else str(v))
    unknown = [v for v in values if v not in set(text.dropna())]
    if unknown:
        raise click.UsageError(
            f"--labels value(s) {', '.join(map(repr, unknown))} not found in column "
            f"{occasion_column!r} (values: {', '.join(map(str, present))})"
        )
    return {v: frame[text == v].reset_index(drop=True) for v in values}


def plain_summary(
    groups: pd.DataFrame, change: pd.DataFrame, s: dict[str, Any], paths: dict[str, Path]
) -> str:
    """A short text for non-specialists."""
    by = s["by"]
    level = int(round(100 * s["level"]))
    lines = [f"measure: compared {len(s['occasions'])} occasion(s): {', '.join(s['occasions'])}."]
    for rec in groups.to_dict(orient="records"):
        who = ", ".join(f"{b}={rec[b]}" for b in by)
        lines.append(
            f"  {rec['occasion']}{' ' + who if who else ''}: mean {rec['mean']:.2f} "
            f"[{level}% {rec['ci_lower']:.2f} to {rec['ci_upper']:.2f}], n = {rec['n']}"
        )
    for rec in change.to_dict(orient="records"):
        who = ", ".join(f"{b}={rec[b]}" for b in by)
        lines.append(
            f"  change {rec['from_occasion']} -> {rec['to_occasion']}{' ' + who if who else ''}: "
            f"{rec['change']:+.2f} [{level}% {rec['ci_lower']:+.2f} to {rec['ci_upper']:+.2f}]"
        )
    lines.append(
        "Intervals include measurement and sampling error, and link error where the files "
        "carry link_se."
    )
    lines.append("Wrote: " + ", ".join(str(p) for p in paths.values()))
    return "\n".join(lines)
