"""``measure calibrate``: calibrate a survey export and write the score tables.

Thin: options are parsed here, the answers are checked by :func:`measure.as_responses`, estimated
by :func:`measure.calibrate`, and the tables written atomically. Exit 0 on success, 1 on a data,
instrument or convergence error, 2 on a usage error; messages go to stderr without a traceback
(``--verbose`` shows it).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import click

from measure._types import LANGS, METHODS, Method, ModelName, PersonEstimator
from measure.calibration import calibrate, default_min_answered
from measure.diagnostics.assess import reliability_coverage
from measure.diagnostics.conditional import conditional_fit_scope
from measure.diagnostics.dif import DIFResult
from measure.diagnostics.rules import reliability_use
from measure.fit import MSQ_HIGH, MSQ_LOW
from measure.notes import say as say_in
from measure.responses import MAX_LISTED
from measure.schemas import RESERVED_PERSON_COLUMNS

from . import options as opt
from ._command import command_args
from ._common import (
    STATUS_WORDS,
    InputOptions,
    OutputOptions,
    Progress,
    check_responses,
    check_row_count,
    coding_lines,
    collect_warnings,
    handle_errors,
    load_instrument_option,
    output_set,
    read_input,
    reporting_unit,
    write_outputs,
)
from ._words import num, status_word, t

TABLES = ["items", "thresholds", "persons", "score_table"]
DIAGNOSTIC_TABLES = ["restscore", "local_dependence", "categories", "dimensionality"]
_METHOD_WORDS = {"CML": "conditional ML"}
_METHOD_WORDS_SV = {"CML": "betingad ML", "cml": "betingad ML", "pairwise": "parvis betingad ML"}


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
    help="Language of the report and of the summary printed at the end.",
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
            warned: list[str] = list(table.notices)  # the reader's (a title row skipped)
            with collect_warnings(warned, echo=not quiet, verbose=verbose, progress=progress):
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

            stage = f"calibrating {rm.n_items} items, {rm.n_persons} rows"
            progress.stage(stage)
            with collect_warnings(warned, echo=not quiet, verbose=verbose, progress=progress):
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
                    progress=progress.sub(stage),
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
                        "header_row": raw.header_row,
                        "skipped_rows": list(raw.skipped_rows),
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
            dif_result = None
            # every output file, or none; the diagnostics' warnings as the calibration's
            with (
                output_set(outputs, out) as files,
                collect_warnings(warned, echo=not quiet, verbose=verbose, progress=progress),
            ):
                if report:
                    progress.stage("report")
                    from .report import write_calibration_report

                    assessment = write_calibration_report(
                        cal,
                        out / "report.html",
                        frame=frame,
                        dif_column=dif_column,
                        lang=lang,
                        settings={"model": cal.model, "method": cal.method, "source": raw.source},
                        command_args=command_args(),
                        instrument=inst,
                        into=files,
                        progress=progress.sub("report"),
                    )
                if dif_column:
                    progress.stage(f"DIF by {dif_column}")
                    from measure.diagnostics import dif_analysis

                    from .report import dif_csv_table

                    dif_result = (
                        assessment.dif
                        if assessment is not None and assessment.dif is not None
                        else dif_analysis(
                            cal, frame[dif_column].reset_index(drop=True), name=dif_column
                        )
                    )
                    tables["dif"] = dif_csv_table(dif_result)
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
                paths = write_outputs(
                    tables, summary, out, outputs, files, progress=progress.sub("writing")
                )
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
        dif_text = None if dif_result is None else dif_line(dif_result, cal.item_ids, lang)
        click.echo(plain_summary(summary, rm.invalid, paths, lang, dif=dif_text))


#: the DIF line's words (English and Swedish)
_DIF_WORDS = {
    "en": {
        "by": "DIF by {name}",
        "flagged": "{n} of {total} items with moderate-to-large DIF (ETS B/C)",
        "none": "no item with notable DIF (ETS B/C) among {total} items",
        "more": "and {n} more (dif.csv)",
        "not_estimable": "not estimable: {items}",
    },
    "sv": {
        "by": "DIF efter {name}",
        "flagged": "{n} av {total} frågor med måttlig till stor DIF (ETS B/C)",
        "none": "ingen fråga med påtaglig DIF (ETS B/C) bland {total} frågor",
        "more": "och {n} till (dif.csv)",
        "not_estimable": "kunde inte skattas: {items}",
    },
}

#: at most this many flagged items are named in the DIF line
DIF_LINE_ITEMS = 10


def dif_line(dif: DIFResult, item_order: Sequence[str], lang: str = "en") -> str:
    """One line on the DIF analysis of ``calibrate --dif``: the items in ETS class B or C (an
    item's worst class over the focal groups), in the calibration's item order.

    For example "DIF by municipality: 2 of 5 items with moderate-to-large DIF (ETS B/C): q3 (C),
    q5 (B)." or "DIF by municipality: no item with notable DIF (ETS B/C) among 5 items."
    """
    words = _DIF_WORDS.get(lang, _DIF_WORDS["en"])
    tab = dif.table
    classes = tab["ets_class"].astype(object)
    worst: dict[str, str] = {}
    for item, cls in zip(tab["item"].astype(str), classes, strict=True):
        if cls in ("B", "C") and worst.get(item) != "C":
            worst[item] = str(cls)
    rank = {str(it): k for k, it in enumerate(item_order)}
    flagged = sorted(worst, key=lambda it: rank.get(it, len(rank)))
    estimated = set(tab.loc[classes.notna(), "item"].astype(str))
    lost = sorted(set(tab["item"].astype(str)) - estimated, key=lambda it: rank.get(it, len(rank)))
    total = int(tab["item"].nunique())
    head = words["by"].format(name=dif.name)
    if flagged:
        named = [f"{it} ({worst[it]})" for it in flagged[:DIF_LINE_ITEMS]]
        if len(flagged) > DIF_LINE_ITEMS:
            named.append(words["more"].format(n=len(flagged) - DIF_LINE_ITEMS))
        text = f"{words['flagged'].format(n=len(flagged), total=total)}: {', '.join(named)}"
    else:
        text = words["none"].format(total=total)
    if lost:
        text += f"; {words['not_estimable'].format(items=', '.join(lost))}"
    return f"{head}: {text}."


def plain_summary(
    s: dict[str, Any],
    invalid: Any,
    paths: dict[str, Path],
    lang: str = "en",
    *,
    dif: str | None = None,
) -> str:
    """A short text for non-specialists, in English or Swedish (``lang``; ``dif``: the line of
    :func:`dif_line`)."""
    counts: dict[str, int] = s["status_counts"]
    method = (_METHOD_WORDS_SV if lang == "sv" else _METHOD_WORDS).get(s["method"], s["method"])
    band = f"{num(MSQ_LOW, 'g', lang)}-{num(MSQ_HIGH, 'g', lang)}"
    lines = [
        t(
            lang,
            f"measure: {s['model']} model, {s['n_items']} items, {s['rows_read']} rows read from "
            f"{s['source']} ({method}, {s['iterations']} iterations, converged).",
            f"measure: modellen {s['model']}, {s['n_items']} frågor, {s['rows_read']} rader "
            f"lästa från {s['source']} ({method}, {s['iterations']} iterationer, konvergerade).",
        ),
    ]
    parts = [f"{v} {status_word(k, lang, STATUS_WORDS)} ({k})" for k, v in counts.items() if v]
    n = s["blank_rows"]
    blank = t(lang, f"; {n} of them blank rows", f"; {n} av dem tomma rader") if n else ""
    lines.append(
        t(
            lang,
            f"Persons: {', '.join(parts)}; total {sum(counts.values())} = rows read{blank}.",
            f"Personer: {', '.join(parts)}; totalt {sum(counts.values())} = lästa rader{blank}.",
        )
    )
    lines.append(reliability_use(s["reliability"]["person_reliability"], lang=lang))
    cover = s.get("reliability_coverage")
    if cover:
        rel_all = num(cover["person_reliability_all_measured"], ".2f", lang)
        lines.append(
            t(
                lang,
                f"  (person reliability (WLE) over the {cover['n_non_extreme']} persons with a "
                f"non-extreme score; over all {cover['n_measured']} measured persons, extreme "
                f"scores included: {rel_all})",
                f"  (reliabilitet (WLE) för de {cover['n_non_extreme']} personerna utan extrem "
                f"poäng; för alla {cover['n_measured']} mätta personer, extrema poäng "
                f"medräknade: {rel_all})",
            )
        )
    mis = s["misfitting_items"]
    if mis:
        lines.append(
            t(
                lang,
                f"Items misfitting ({s['misfit_rule']}): {', '.join(mis)}",
                f"Frågor som inte passar (infit eller outfit utanför {band}): {', '.join(mis)}",
            )
        )
    else:
        lines.append(
            t(
                lang,
                "No item misfits (infit and outfit MNSQ within 0.6-1.4).",
                f"Alla frågor passar (infit och outfit MNSQ inom {band}).",
            )
        )
    if dif is not None:
        lines.append(dif)
    ia = s.get("item_analysis")
    if ia:
        rest = ia["restscore_significant"]
        none = t(lang, "no item", "ingen fråga")
        n_ld = ia["local_dependence_flagged_pairs"]
        flagged = ia["first_contrast_flagged"]
        parts_ia = [
            t(
                lang,
                "item-restscore differs from the model for " + (", ".join(rest) or none),
                "fråga-restpoäng avviker från modellen för " + (", ".join(rest) or none),
            ),
            t(lang, f"{n_ld} locally dependent item pair(s)", f"{n_ld} lokalt beroende frågepar"),
            t(
                lang,
                "first residual contrast " + ("flagged" if flagged else "ok"),
                "första residualkontrasten " + ("flaggad" if flagged else "ok"),
            ),
        ]
        outside = ia.get("conditional_fit_outside_simulated")
        if outside is not None:
            parts_ia.insert(
                0,
                t(
                    lang,
                    "conditional fit outside its simulated interval: ",
                    "betingad passning utanför sitt simulerade intervall: ",
                )
                + (", ".join(outside) or none),
            )
        lines.append(
            t(lang, "Item analysis (--diagnostics): ", "Frågeanalys (--diagnostics): ")
            + "; ".join(parts_ia)
            + "."
        )
    n_bad = s["invalid_cells_set_missing"]
    if n_bad:
        shown = min(n_bad, MAX_LISTED)
        more = n_bad > shown
        lines.append(
            t(
                lang,
                f"{n_bad} invalid cell{'s' if n_bad != 1 else ''} treated as missing"
                + (f" (the first {shown} are listed; all counts in summary.json)" if more else "")
                + ":",
                f"{n_bad} ogiltig{'a' if n_bad != 1 else ''} cell{'er' if n_bad != 1 else ''} "
                "behandlade som saknade"
                + (f" (de första {shown} listas; alla antal i summary.json)" if more else "")
                + ":",
            )
        )
        lines += [f"  {c.describe()}" for c in invalid[:shown]]
    lines += coding_lines(s["coding"], lang)
    unit = s["reporting_unit"]
    if unit is not None:
        formula = f"{unit['intercept']:g} + {unit['slope']:g} * logit"
        lines.append(
            t(
                lang,
                f"Reporting unit {unit['name']!r} = {formula}: columns measure_unit, se_unit, "
                "ci_lower_unit, ci_upper_unit in persons.",
                f"Rapportenhet {unit['name']!r} = {formula}: kolumnerna measure_unit, se_unit, "
                "ci_lower_unit, ci_upper_unit i persons.",
            )
        )
    for w in s["warnings"]:
        lines.append(t(lang, "Note: ", "Obs: ") + say_in(w, lang))
    lines.append(t(lang, "Wrote: ", "Skrev: ") + ", ".join(str(p) for p in paths.values()))
    nxt = [
        t(
            lang,
            "persons (measure, se, ci_lower, ci_upper; status and reason where no measure)",
            "persons (measure, se, ci_lower, ci_upper; status och reason där mått saknas)",
        )
    ]
    if mis:
        nxt.insert(
            0,
            t(
                lang,
                "the misfitting items in items (infit_msq, outfit_msq)",
                "frågorna som inte passar i items (infit_msq, outfit_msq)",
            ),
        )
    if n_bad:
        nxt.append(
            t(
                lang,
                "the invalid cells listed in summary.json",
                "de ogiltiga cellerna i summary.json",
            )
        )
    lines.append(t(lang, "Next: look at ", "Nästa steg: titta på ") + "; ".join(nxt) + ".")
    return "\n".join(lines)
