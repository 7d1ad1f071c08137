"""``measure report``: calibrate a survey export and write one self-contained HTML report.

Also the helpers ``measure calibrate --report`` and ``--dif COLUMN`` use
(:func:`write_calibration_report`, :func:`dif_csv_table`). No statistics here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click
import pandas as pd

from measure._types import LANGS, ModelName, PersonEstimator
from measure.calibration import calibrate
from measure.diagnostics import DIF_CSV_COLUMNS, Assessment, DIFResult, Rules, assess
from measure.io import OutputSet
from measure.report.html import shell_command
from measure.results import Calibration

from . import options as opt
from ._command import command_args
from ._common import (
    InputOptions,
    Progress,
    check_responses,
    coding_lines,
    collect_warnings,
    handle_errors,
    load_instrument_option,
    read_input,
)
from ._words import t

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
    into: OutputSet | None = None,
    progress: Callable[[str], None] | None = None,
    **report_options: Any,
) -> Assessment:
    """Assess ``cal`` (DIF and LR test by ``frame[dif_column]`` when given) and write the report.

    ``frame`` is the table ``cal`` was calibrated from (one row per person, same order).
    ``into``: the command's output set (the report appears with its other files), else the
    report is written on its own. ``progress``: called with each diagnostic and part of the
    report as it starts (see :func:`measure.diagnostics.assess` and
    :func:`measure.report.render_report`).
    ``report_options`` go to :func:`measure.report.render_report` (e.g. ``max_curves``).
    Returns the assessment, so the caller can also write ``dif_csv_table(assessment)``.
    """
    groups = _groups(cal, frame, dif_column)
    a = assess(cal, groups=groups, group_name=dif_column, rules=rules, progress=progress)
    from measure.report import write_report

    write_report(
        a,
        path,
        lang=lang,
        settings=dict(settings or {}),
        command=command,
        into=into,
        progress=progress,
        **report_options,
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
    type=click.Choice(LANGS),
    default="en",
    show_default=True,
    help="Language of the report: English or Swedish.",
)
@opt.input_options(with_carried=False)
@opt.model
@click.option(
    "--dif",
    "dif_column",
    default=None,
    metavar="COLUMN",
    help="Person column for DIF and Andersen's LR test by group (e.g. gender); not an item.",
)
@opt.collapse_null
@opt.estimator
@opt.force
@opt.quiet
@opt.verbose
def report_cmd(
    data: str,
    out_file: str,
    lang: str,
    inputs: InputOptions,
    model: ModelName | None,
    dif_column: str | None,
    collapse_null: bool,
    estimator: PersonEstimator,
    force: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Calibrate DATA and write one self-contained HTML report (--out FILE.html): plain-language
    verdicts first, then tables and plots, then the settings and versions used."""
    out = Path(out_file)
    if out.exists() and not force:
        raise click.UsageError(f"output exists: {out}. Use --force to overwrite.")
    progress = Progress.for_terminal(quiet)
    with handle_errors(verbose), progress:  # the progress line is cleared before any error
        inst = load_instrument_option(inputs.instrument)
        table = read_input(
            data, inputs, inst, carry=[dif_column] if dif_column else [], progress=progress
        )
        raw, frame = table.raw, table.frame
        progress.stage("checking answers")
        warned: list[str] = []
        with collect_warnings(warned, echo=not quiet, verbose=verbose, progress=progress):
            rm = check_responses(table, inputs, inst, exclude=[dif_column] if dif_column else [])
        settings = {
            "data": raw.source,
            "id column": inputs.id_column or "(row number)",
            "model option": model or "(default)",
            "instrument": inputs.instrument or "(none)",
            "missing codes": ", ".join(inputs.missing_codes) or "(none)",
            "min category": inputs.lowest_code,
            "reverse-keyed": ", ".join(inputs.reverse) or "(none)",
            "recoded": "; ".join(coding_lines({"recode": rm.recode})) or "(none)",
            "label synonyms": ", ".join(f"{k}={c}" for k, c in rm.labels.items()) or "(none)",
            "collapse null categories": collapse_null,
            "invalid cells": inputs.invalid,
            "language": lang,
        }
        command = shell_command(
            command_args()
            or _command_line(
                data, out_file, lang, inputs, model, dif_column, collapse_null, estimator
            )
        )
        stage = f"calibrating {rm.n_items} items, {rm.n_persons} rows"
        progress.stage(stage)
        with collect_warnings(warned, echo=not quiet, verbose=verbose, progress=progress):
            cal = calibrate(
                rm,
                model=model,
                instrument=inst,
                null_categories="collapse" if collapse_null else "error",
                person_estimator=estimator,
                progress=progress.sub(stage),
            )
            progress.stage("report")
            with OutputSet(overwrite=force, make_dirs=True) as files:
                a = write_calibration_report(
                    cal,
                    out,
                    frame=frame,
                    dif_column=dif_column,
                    lang=lang,
                    settings=settings,
                    command=command,
                    into=files,
                    progress=progress.sub("report"),
                    instrument=inst,
                )
    if not quiet:
        problems = [v for v in a.verdicts if v.status == "problem"]
        cal = a.calibration
        topics = f" ({', '.join(v.topic for v in problems)})" if problems else ""
        click.echo(
            t(
                lang,
                f"measure report: {cal.model} model, {len(cal.item_ids)} items, "
                f"{len(cal.persons)} persons; {len(problems)} problem(s){topics}. Wrote {out}",
                f"measure report: modellen {cal.model}, {len(cal.item_ids)} frågor, "
                f"{len(cal.persons)} personer; {len(problems)} problem{topics}. Skrev {out}",
            )
        )


def _command_line(
    data: str,
    out: str,
    lang: str,
    inputs: InputOptions,
    model: ModelName | None,
    dif: str | None,
    collapse_null: bool,
    estimator: PersonEstimator,
) -> list[str]:
    """The command line rebuilt from the options (when the command was not run through the
    ``measure`` group)."""
    parts = ["measure", "report", data, "--out", out, "--lang", lang]
    if inputs.id_column:
        parts += ["--id-column", inputs.id_column]
    if inputs.items:
        parts += ["--items", ",".join(inputs.items)]
    if model:
        parts += ["--model", model]
    if dif:
        parts += ["--dif", dif]
    if inputs.instrument:
        parts += ["--instrument", inputs.instrument]
    for m in inputs.missing_codes:
        parts += ["--missing-code", m]
    if inputs.min_category:
        parts += ["--min-category", str(inputs.min_category)]
    for spec, pairs in inputs.recode.items():
        rule = ",".join(f"{k}={'missing' if t is None else t}" for k, t in pairs.items())
        parts += ["--recode", repr(f"{spec}:{rule}")]
    for text, code in inputs.labels.items():
        parts += ["--label", repr(f"{text}={code}")]
    if collapse_null:
        parts.append("--collapse-null")
    if estimator != "wle":
        parts += ["--estimator", estimator]
    if inputs.invalid != "error":
        parts += ["--invalid", inputs.invalid]
    return parts
