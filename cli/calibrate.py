"""``measure calibrate``: calibrate a survey export and write the score tables.

Thin: options are parsed here, the answers are checked by :func:`measure.as_responses`, estimated
by :func:`measure.calibrate`, and the tables written atomically. Exit 0 on success, 1 on a data,
instrument or convergence error, 2 on a usage error; messages go to stderr without a traceback
(``--verbose`` shows it).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Literal

import click

from measure._types import LANGS, METHODS, Method, ModelName, PersonEstimator
from measure.calibration import calibrate, default_min_answered
from measure.diagnostics.assess import reliability_coverage
from measure.diagnostics.conditional import conditional_fit_scope
from measure.diagnostics.rules import reliability_use
from measure.responses import MAX_LISTED
from measure.schemas import RESERVED_PERSON_COLUMNS

from . import options as opt
from ._common import (
    STATUS_WORDS,
    InputOptions,
    OutputOptions,
    Progress,
    check_responses,
    check_row_count,
    collect_warnings,
    handle_errors,
    load_instrument_option,
    output_set,
    read_input,
    reporting_unit,
    write_outputs,
)

TABLES = ["items", "thresholds", "persons", "score_table"]
DIAGNOSTIC_TABLES = ["restscore", "local_dependence", "categories", "dimensionality"]
_METHOD_WORDS = {"CML": "conditional ML"}


@click.command("calibrate")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@opt.out
@opt.input_options()
@opt.model
@opt.collapse_null
@opt.estimator
@opt.min_answered
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="auto",
    show_default=True,
    help="Item estimation: exact conditional ML, pairwise conditional ML (for very sparse "
    "designs), or auto (exact unless there are more than 1000 missing-data patterns).",
)
@click.option(
    "--save-reference",
    "save_reference_path",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="REF.json",
    help="Also freeze this calibration as a reference scale (anchors for measure score).",
)
@click.option(
    "--reference-unit",
    type=click.Choice(["mean50_sd10", "0-100"]),
    default=None,
    help="Reporting unit stored in the reference when no other unit is given.",
)
@click.option(
    "--dif",
    "dif_column",
    default=None,
    metavar="COLUMN",
    help="Test items for DIF between the groups in COLUMN (writes dif.csv; the column is "
    "carried into persons).",
)
@click.option(
    "--diagnostics",
    is_flag=True,
    help="Also write the item analysis: restscore.csv, local_dependence.csv, categories.csv, "
    "dimensionality.csv (conditional statistics need no person measures; see the docs).",
)
@click.option(
    "--bootstrap",
    "bootstrap",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="B",
    help="With --diagnostics: cut-offs for conditional fit, Q3* and the first residual "
    "contrast simulated from the fitted model in B data sets (0: fixed rules of thumb).",
)
@click.option(
    "--bootstrap-refit",
    is_flag=True,
    help="With --bootstrap: re-estimate the items in every simulated data set (as iarm's "
    "boot_fit; one CML fit per data set, slower).",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Seed of the --bootstrap simulation (the same seed gives the same cut-offs).",
)
@click.option(
    "--report", is_flag=True, help="Also write report.html, readable by a non-specialist."
)
@click.option(
    "--lang",
    type=click.Choice(LANGS),
    default="en",
    show_default=True,
    help="Language of the report.",
)
@opt.unit_options
@opt.output_options
def calibrate_cmd(
    data: str,
    out_dir: str,
    inputs: InputOptions,
    model: ModelName | None,
    collapse_null: bool,
    estimator: PersonEstimator,
    min_answered: int | None,
    method: Method,
    save_reference_path: str | None,
    reference_unit: Literal["mean50_sd10", "0-100"] | None,
    dif_column: str | None,
    diagnostics: bool,
    bootstrap: int,
    bootstrap_refit: bool,
    seed: int,
    report: bool,
    lang: str,
    unit_name: str | None,
    unit_intercept: float | None,
    unit_slope: float | None,
    outputs: OutputOptions,
    quiet: bool,
    verbose: bool,
) -> None:
    """Calibrate DATA (CSV, Excel, SPSS or Parquet) and write items, thresholds, persons,
    score_table and summary.json to --out.

    persons has one row per data row of the file, in file order, with the person's status
    (ok, extreme_min, extreme_max, too_few_answers, no_answers), measure, SE and 95% interval.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    extra = {"report": out / "report.html"} if report else {}
    if save_reference_path is not None:
        extra["reference"] = Path(save_reference_path)
    if bootstrap and not diagnostics:
        raise click.UsageError("--bootstrap needs --diagnostics")
    if bootstrap_refit and not bootstrap:
        raise click.UsageError("--bootstrap-refit needs --bootstrap B")
    outputs.check(
        out,
        TABLES + (["dif"] if dif_column else []) + (DIAGNOSTIC_TABLES if diagnostics else []),
        extra,
    )
    progress = Progress.for_terminal(quiet)
    with handle_errors(verbose):
        try:
            inst = load_instrument_option(inputs.instrument)
            unit, unit_origin = reporting_unit(inst, unit_name, unit_intercept, unit_slope)
            table = read_input(
                data,
                inputs,
                inst,
                carry=[dif_column] if dif_column else [],
                reserved=RESERVED_PERSON_COLUMNS,
                progress=progress,
            )
            raw, frame, carried = table.raw, table.frame, table.carried

            progress.stage("checking answers")
            rm = check_responses(table, inputs, inst)
            needed = default_min_answered(min_answered, inst)
            if needed > rm.n_items:
                origin = (
                    "--min-answered"
                    if min_answered is not None
                    else (f"the instrument's minimum of answered items ({needed})")
                )
                raise click.UsageError(
                    f"{origin} is more than the {rm.n_items} item(s) used; give a smaller "
                    "--min-answered"
                )

            progress.stage(f"calibrating {rm.n_items} items, {rm.n_persons} rows")
            warned: list[str] = []
            with collect_warnings(warned, echo=not quiet, verbose=verbose):
                cal = calibrate(
                    rm,
                    model=model,
                    instrument=inst,
                    null_categories="collapse" if collapse_null else "error",
                    person_estimator=estimator,
                    min_answered=needed,
                    method=method,
                    keep={col: frame[col].array for col in carried},  # keeps the type read
                    reporting_unit=unit if unit is not None else reference_unit,
                )

            persons = cal.persons
            tables = {
                "items": cal.items,
                "thresholds": cal.thresholds,
                "persons": persons,
                "score_table": cal.score_table(),
            }

            summary = cal.summary().to_dict()
            summary["reliability_coverage"] = reliability_coverage(cal)
            summary["conditional_fit"] = conditional_fit_scope(cal.values)
            n_rows = len(frame)
            check_row_count(persons, summary, n_rows)
            summary.update(
                {
                    "source": raw.source,
                    "input": {
                        "file": raw.source,
                        "encoding": raw.encoding,
                        "delimiter": raw.delimiter,
                        "decimal": raw.decimal,
                        "sheet": raw.sheet,
                    },
                    "rows_read": n_rows,
                    "blank_rows": rm.n_blank_rows,
                    "instrument": None
                    if inst is None
                    else {"id": inst.id, "version": inst.version},
                    "item_columns": dict(zip(rm.items, rm.columns, strict=True)),
                    "min_answered": needed,
                    "invalid_policy": inputs.invalid,
                    "invalid_cells_set_missing": rm.n_invalid,
                    "invalid_cells": [c.to_dict() for c in rm.invalid[:MAX_LISTED]],
                    "reporting_unit": None
                    if summary["reporting_unit"] is None
                    else {
                        **summary["reporting_unit"],
                        "from": unit_origin if unit is not None else "--reference-unit",
                    },
                    "warnings": warned,
                    "elapsed_seconds": round(time.perf_counter() - t0, 3),
                }
            )
            assessment = None
            with output_set(outputs, out) as files:  # every output file, or none
                if report:
                    progress.stage("assessing and writing the report")
                    from .report import write_calibration_report

                    assessment = write_calibration_report(
                        cal,
                        out / "report.html",
                        frame=frame,
                        dif_column=dif_column,
                        lang=lang,
                        settings={"model": cal.model, "method": cal.method, "source": raw.source},
                        command="measure calibrate " + " ".join(sys.argv[2:]),
                        into=files,
                        instrument=inst,
                    )
                if dif_column:
                    progress.stage(f"DIF by {dif_column}")
                    from measure.diagnostics import dif_analysis

                    from .report import dif_csv_table

                    dif_source = (
                        assessment
                        if assessment is not None and assessment.dif is not None
                        else dif_analysis(
                            cal, frame[dif_column].reset_index(drop=True), name=dif_column
                        )
                    )
                    tables["dif"] = dif_csv_table(dif_source)
                if diagnostics:
                    progress.stage(
                        "item analysis"
                        + (f" ({bootstrap} simulated data sets)" if bootstrap else "")
                    )
                    from measure.diagnostics import item_analysis

                    analysis = item_analysis(
                        cal, bootstrap=bootstrap, rng=seed, refit=bootstrap_refit
                    )
                    tables.update(analysis.tables())
                    summary["item_analysis"] = analysis.summary().to_dict()
                progress.stage("writing")
                paths = write_outputs(tables, summary, out, outputs, files)
                if save_reference_path is not None:
                    from measure.reference import save_reference
                    from measure.results import reference_from_calibration

                    ref = reference_from_calibration(cal, instrument=inst)
                    paths["reference"] = save_reference(ref, save_reference_path, into=files)
                if report:
                    paths["report"] = out / "report.html"
        finally:
            progress.done()
    if not quiet:
        click.echo(plain_summary(summary, rm.invalid, paths))


def plain_summary(s: dict[str, Any], invalid: Any, paths: dict[str, Path]) -> str:
    """A short text for non-specialists."""
    counts: dict[str, int] = s["status_counts"]
    lines = [
        f"measure: {s['model']} model, {s['n_items']} items, {s['rows_read']} rows read from "
        f"{s['source']} ({_METHOD_WORDS.get(s['method'], s['method'])}, {s['iterations']} "
        "iterations, converged).",
    ]
    parts = [f"{v} {STATUS_WORDS.get(k, k)} ({k})" for k, v in counts.items() if v]
    blank = f"; {s['blank_rows']} of them blank rows" if s["blank_rows"] else ""
    lines.append(f"Persons: {', '.join(parts)}; total {sum(counts.values())} = rows read{blank}.")
    lines.append(reliability_use(s["reliability"]["person_reliability"]))
    cover = s.get("reliability_coverage")
    if cover:
        lines.append(
            f"  (person reliability (WLE) over the {cover['n_non_extreme']} persons with a "
            "non-extreme score; over all "
            f"{cover['n_measured']} measured persons, extreme scores included: "
            f"{cover['person_reliability_all_measured']:.2f})"
        )
    mis = s["misfitting_items"]
    lines.append(
        f"Items misfitting ({s['misfit_rule']}): {', '.join(mis)}"
        if mis
        else "No item misfits (infit and outfit MNSQ within 0.6-1.4)."
    )
    ia = s.get("item_analysis")
    if ia:
        rest = ia["restscore_significant"]
        parts_ia = [
            "item-restscore differs from the model for " + (", ".join(rest) if rest else "no item"),
            f"{ia['local_dependence_flagged_pairs']} locally dependent item pair(s)",
            "first residual contrast " + ("flagged" if ia["first_contrast_flagged"] else "ok"),
        ]
        outside = ia.get("conditional_fit_outside_simulated")
        if outside is not None:
            parts_ia.insert(
                0,
                "conditional fit outside its simulated interval: "
                + (", ".join(outside) if outside else "no item"),
            )
        lines.append("Item analysis (--diagnostics): " + "; ".join(parts_ia) + ".")
    n_bad = s["invalid_cells_set_missing"]
    if n_bad:
        shown = min(n_bad, MAX_LISTED)
        lines.append(
            f"{n_bad} invalid cell{'s' if n_bad != 1 else ''} treated as missing"
            + (
                f" (the first {shown} are listed; all counts in summary.json)"
                if n_bad > shown
                else ""
            )
            + ":"
        )
        lines += [f"  {c.describe()}" for c in invalid[:shown]]
    unit = s["reporting_unit"]
    if unit is not None:
        lines.append(
            f"Reporting unit {unit['name']!r} = {unit['intercept']:g} + {unit['slope']:g} * logit: "
            "columns measure_unit, se_unit, ci_lower_unit, ci_upper_unit in persons."
        )
    for w in s["warnings"]:
        lines.append(f"Note: {w}")
    lines.append("Wrote: " + ", ".join(str(p) for p in paths.values()))
    nxt = ["persons (measure, se, ci_lower, ci_upper; status and reason where no measure)"]
    if mis:
        nxt.insert(0, "the misfitting items in items (infit_msq, outfit_msq)")
    if n_bad:
        nxt.append("the invalid cells listed in summary.json")
    lines.append("Next: look at " + "; ".join(nxt) + ".")
    return "\n".join(lines)
