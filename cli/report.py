"""``measure report``: calibrate a survey export and write one self-contained HTML report.

Also the helpers ``measure calibrate --report`` and ``--dif COLUMN`` use
(:func:`write_calibration_report`, :func:`dif_csv_table`). No statistics here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from measure.calibrate import calibrate
from measure.cli import options as opt
from measure.cli._common import (
    collect_warnings,
    column_mapping,
    handle_errors,
    load_instrument_option,
    read_data,
)
from measure.diagnostics import DIF_CSV_COLUMNS, Assessment, DIFResult, Rules, assess
from measure.responses import as_responses
from measure.results import Calibration

__all__ = ["report_cmd", "write_calibration_report", "dif_csv_table"]


def write_calibration_report(
    cal: Calibration,
    path: str | Path,
    *,
    frame: pd.DataFrame | None = None,
    dif_column: str | None = None,
    lang: str = "en",
    settings: Mapping[str, Any] | None = None,
    command: str | None = None,
    rules: Rules | None = None,
    **report_options: Any,
) -> Assessment:
    """Assess ``cal`` (DIF and LR test by ``frame[dif_column]`` when given) and write the report.

    ``frame`` is the table ``cal`` was calibrated from (one row per person, same order).
    ``report_options`` go to :func:`measure.report.render_report` (e.g. ``max_curves``).
    Returns the assessment, so the caller can also write ``dif_csv_table(assessment)``.
    """
    groups = _groups(cal, frame, dif_column)
    a = assess(cal, groups=groups, group_name=dif_column, rules=rules)
    from measure.report import write_report

    write_report(
        a, path, lang=lang, settings=dict(settings or {}), command=command, **report_options
    )
    return a


def dif_csv_table(dif: Assessment | DIFResult) -> pd.DataFrame:
    """The ``dif.csv`` table: item, group, reference, contrast, se, z, p, ets_class.

    ``group`` is the focal group and ``contrast`` its item location minus the reference
    group's, in logits (positive: harder for the group).
    """
    result = dif.dif if isinstance(dif, Assessment) else dif
    if result is None:
        raise ValueError("the assessment has no DIF analysis (no grouping column was given)")
    return result.table.loc[:, list(DIF_CSV_COLUMNS)].copy()


def _groups(cal: Calibration, frame: pd.DataFrame | None, column: str | None) -> pd.Series | None:
    if column is None:
        return None
    if frame is None:
        raise ValueError("a DIF column needs the data frame the calibration was made from")
    if column not in frame.columns:
        raise click.UsageError(f"--dif column {column!r} not found in the data")
    col = frame[column].reset_index(drop=True)
    if len(col) != len(cal.persons):
        raise ValueError(
            f"--dif column {column!r} has {len(col)} rows but the calibration has "
            f"{len(cal.persons)} persons"
        )
    return col.rename(column)


@click.command("report")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="FILE.html",
    help="The HTML report to write.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "sv"]),
    default="en",
    show_default=True,
    help="Language of the report: English or Swedish.",
)
@opt.id_column
@opt.items
@opt.column_map
@opt.map_file
@opt.instrument
@opt.missing_code
@opt.min_category
@opt.max_code
@opt.reverse
@opt.invalid
@opt.read_options
@opt.model
@click.option(
    "--dif",
    "dif_column",
    default=None,
    metavar="COLUMN",
    help="Person column for DIF and Andersen's LR test by group (e.g. gender); not an item.",
)
@click.option(
    "--collapse-null",
    is_flag=True,
    help="Merge categories nobody used into the neighbouring category instead of stopping.",
)
@click.option(
    "--estimator",
    type=click.Choice(["wle", "mle"]),
    default="wle",
    show_default=True,
    help="Person measure: Warm's WLE (finite at extreme scores) or ML.",
)
@opt.force
@opt.quiet
@opt.verbose
def report_cmd(
    data: str,
    out_file: str,
    lang: str,
    id_column: str | None,
    items: list[str] | None,
    column_map: list[tuple[str, str]],
    map_file: str | None,
    instrument: str | None,
    missing_codes: tuple[str, ...],
    min_category: int,
    max_code: int | None,
    reverse: tuple[str, ...],
    invalid: str,
    sheet: str | None,
    delimiter: str | None,
    encoding: str | None,
    decimal: str | None,
    model: str | None,
    dif_column: str | None,
    collapse_null: bool,
    estimator: str,
    force: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Calibrate DATA and write one self-contained HTML report (--out FILE.html): plain-language
    verdicts first, then tables and plots, then the settings and versions used."""
    out = Path(out_file)
    if out.exists() and not force:
        raise click.UsageError(f"output exists: {out}. Use --force to overwrite.")
    with handle_errors(verbose):
        inst = load_instrument_option(instrument)
        if max_code is not None and inst is not None:
            raise click.UsageError(
                "--max-code is for data without an instrument; the instrument "
                "declares the categories"
            )
        if max_code is not None and max_code <= min_category:
            raise click.BadParameter(
                f"must be above --min-category ({min_category})", param_hint="--max-code"
            )
        mapping = column_mapping(column_map, map_file)
        raw = read_data(data, sheet=sheet, delimiter=delimiter, encoding=encoding, decimal=decimal)
        frame = raw.data
        if dif_column is not None and dif_column not in frame.columns:
            raise click.UsageError(
                f"--dif column {dif_column!r} not found in {raw.source} (columns: "
                f"{', '.join(map(str, frame.columns))})"
            )
        rm = as_responses(
            frame,
            items=items,
            id_column=id_column,
            instrument=inst,
            columns=mapping or None,
            value_labels=raw.value_labels,
            missing_codes=missing_codes,
            max_category=None if max_code is None else max_code - min_category,
            min_category=min_category,
            reverse=reverse,
            invalid=invalid,  # type: ignore[arg-type]
            source=raw.source,
            row_numbers=raw.row_numbers,
            decimal=raw.decimal,
            exclude=[dif_column] if dif_column else [],
        )
        chosen = model or (
            inst.default_model
            if inst is not None
            else "rasch"
            if bool(np.all(rm.max_category == 1))
            else "pcm"
        )
        settings = {
            "data": raw.source,
            "id column": id_column or "(row number)",
            "model option": model or "(default)",
            "instrument": instrument or "(none)",
            "missing codes": ", ".join(missing_codes) or "(none)",
            "min category": min_category,
            "reverse-keyed": ", ".join(reverse) or "(none)",
            "collapse null categories": collapse_null,
            "invalid cells": invalid,
            "language": lang,
        }
        command = _command_line(
            data,
            out_file,
            lang,
            id_column,
            items,
            model,
            dif_column,
            instrument,
            missing_codes,
            min_category,
            collapse_null,
            estimator,
            invalid,
        )
        warned: list[str] = []
        with collect_warnings(warned, echo=not quiet, verbose=verbose):
            cal = calibrate(
                rm,
                model=chosen,  # type: ignore[arg-type]
                null_categories="collapse" if collapse_null else "error",
                person_estimator=estimator,  # type: ignore[arg-type]
                min_answered=inst.min_answered if inst is not None else 1,
            )
            a = write_calibration_report(
                cal,
                out,
                frame=frame,
                dif_column=dif_column,
                lang=lang,
                settings=settings,
                command=command,
            )
    if not quiet:
        problems = [v for v in a.verdicts if v.status == "problem"]
        click.echo(
            f"measure report: {a.calibration.model} model, {len(a.calibration.item_ids)} items, "
            f"{len(a.calibration.persons)} persons; {len(problems)} problem(s)"
            + (f" ({', '.join(v.topic for v in problems)})" if problems else "")
            + f". Wrote {out}"
        )


def _command_line(
    data: str,
    out: str,
    lang: str,
    id_column: str | None,
    items: list[str] | None,
    model: str | None,
    dif: str | None,
    instrument: str | None,
    missing: tuple[str, ...],
    min_category: int,
    collapse_null: bool,
    estimator: str,
    invalid: str,
) -> str:
    parts = ["measure", "report", Path(data).name, "--out", Path(out).name, "--lang", lang]
    if id_column:
        parts += ["--id-column", id_column]
    if items:
        parts += ["--items", ",".join(items)]
    if model:
        parts += ["--model", model]
    if dif:
        parts += ["--dif", dif]
    if instrument:
        parts += ["--instrument", instrument]
    for m in missing:
        parts += ["--missing-code", m]
    if min_category:
        parts += ["--min-category", str(min_category)]
    if collapse_null:
        parts.append("--collapse-null")
    if estimator != "wle":
        parts += ["--estimator", estimator]
    if invalid != "error":
        parts += ["--invalid", invalid]
    return " ".join(parts)
