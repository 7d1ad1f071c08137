"""``measure score``: measure persons on a saved reference scale and check its anchors.

Thin: options are parsed here; :func:`measure.reference.load_reference` reads and verifies the
reference, :func:`measure.scoring.score` measures the persons with the anchored thresholds (no
re-estimation) and computes the displacement of every anchored item; the tables are written
atomically. Exit 0 on success, 1 on a data or reference error, 2 on a usage error.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from measure._types import LANGS, Lang, PersonEstimator
from measure.notes import say
from measure.notes import say as say_in
from measure.reference import load_reference
from measure.schemas import RESERVED_PERSON_COLUMNS
from measure.scoring import score

from . import options as opt
from ._command import command_args
from ._common import (
    STATUS_WORDS,
    InputOptions,
    OutputOptions,
    Progress,
    check_row_count,
    coding_lines,
    collect_warnings,
    handle_errors,
    load_instrument_option,
    output_set,
    read_input,
    write_outputs,
)
from ._words import num, status_word, t

TABLES = ["persons", "anchors", "score_table"]


@click.command("score")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--reference",
    "reference_path",
    required=False,
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    metavar="REF.json",
    help="Reference scale written by `measure calibrate --save-reference` (verified on loading)."
    " Default: the reference attached to --instrument, if it has one.",
)
@opt.out
@opt.input_options(with_max_code=False)
@opt.estimator
@opt.min_answered
@click.option(
    "--drift-tolerance",
    type=click.FloatRange(min=0),
    default=0.5,
    show_default=True,
    metavar="LOGITS",
    help="An anchored item drifts when its displacement exceeds this and is significant (|z| > "
    "1.96).",
)
@click.option(
    "--keep-drifting",
    is_flag=True,
    help="Score on every anchor, drifting or not (default: drifting anchors are set aside one "
    "at a time, largest displacement first, and the measures use the anchors that hold).",
)
@click.option(
    "--max-set-aside",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Set aside at most N drifting anchors (default: a third of the items scored).",
)
@click.option(
    "--report",
    is_flag=True,
    help="Also write report.html: do the anchors hold, what was set aside, who got a measure, "
    "and the group means (--group) with their intervals, for a non-specialist.",
)
@click.option(
    "--lang",
    type=click.Choice(LANGS),
    default="en",
    show_default=True,
    help="Language of the report and of the summary printed at the end.",
)
@opt.output_options
def score_cmd(
    data: str,
    reference_path: str | None,
    out_dir: str,
    inputs: InputOptions,
    estimator: PersonEstimator,
    min_answered: int | None,
    drift_tolerance: float,
    keep_drifting: bool,
    max_set_aside: int | None,
    report: bool,
    lang: Lang,
    outputs: OutputOptions,
    quiet: bool,
    verbose: bool,
) -> None:
    """Score DATA on the reference scale REF.json (no re-estimation) and write persons,
    anchors (item, displacement, se, z, drift), score_table and summary.json to --out.

    persons has one row per data row of the file, in file order, with status, measure, SE and
    95% interval in logits and, when the reference has a reporting unit, in that unit.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    outputs.check(out, TABLES, {"report": out / "report.html"} if report else None)
    progress = Progress.for_terminal(quiet)
    with handle_errors(verbose):
        try:
            progress.stage("reading the reference scale")
            inst = load_instrument_option(inputs.instrument)
            if reference_path is None:
                attached = inst.reference_file() if inst is not None else None
                if attached is None:
                    raise click.UsageError(
                        "give --reference REF.json (or an --instrument with an attached reference)"
                    )
                reference_path = str(attached)
            ref = load_reference(reference_path)
            if inst is None and ref.instrument_id:
                # the reference names its instrument: use it for labels and missing codes
                from measure.instrument import instrument_ids

                if ref.instrument_id in instrument_ids():
                    inst = load_instrument_option(ref.instrument_id)
            table = read_input(
                data, inputs, inst, reserved=RESERVED_PERSON_COLUMNS, progress=progress
            )
            raw, frame = table.raw, table.frame

            stage = f"scoring {len(frame)} rows"
            progress.stage(stage)
            warned: list[str] = list(table.notices)  # the reader's (a title row skipped)
            with collect_warnings(warned, echo=not quiet, verbose=verbose, progress=progress):
                result = score(
                    frame,
                    ref,
                    id_column=inputs.id_column,
                    items=inputs.items,
                    instrument=inst,
                    columns=table.mapping or None,
                    value_labels=raw.value_labels or None,
                    missing_codes=inputs.missing_codes or None,  # None: the reference's
                    min_category=inputs.min_category,
                    reverse=inputs.reverse or None,
                    recode=inputs.recode or None,  # None: the reference's
                    labels=inputs.labels or None,
                    decimal=raw.decimal,
                    min_answered=min_answered,  # None: the instrument's, scaled to the items
                    person_estimator=estimator,
                    invalid=inputs.invalid,
                    keep=table.carried,
                    drift_tolerance=drift_tolerance,
                    drift_policy="keep" if keep_drifting else "set_aside",
                    max_set_aside=max_set_aside,
                    source=raw.source,
                    row_numbers=raw.row_numbers,
                    progress=progress.sub(stage),
                )
            persons = result.persons
            tables = {
                "persons": persons,
                "anchors": result.anchor_drift,
                "score_table": result.score_table(),
            }
            summary = result.summary().to_dict()
            n_rows = len(frame)
            check_row_count(persons, summary, n_rows)
            summary.update(
                {
                    "source": raw.source,
                    "reference_file": Path(reference_path).name,
                    "rows_read": n_rows,
                    "invalid_policy": inputs.invalid,
                    "warnings": warned,
                    "elapsed_seconds": round(time.perf_counter() - t0, 3),
                }
            )
            text = None
            if report:  # rendered before writing, so that its warnings reach summary.json
                progress.stage("writing the report")
                from measure.report.scoring import render_scoring_report

                with collect_warnings(warned, echo=not quiet, verbose=verbose, progress=progress):
                    text = render_scoring_report(
                        result,
                        lang=lang,
                        by=[inputs.group] if inputs.group else [],
                        command_args=command_args(),
                        instrument=inst,
                    )
            progress.stage("writing")
            with output_set(outputs, out) as files:
                paths = write_outputs(
                    tables, summary, out, outputs, files, progress=progress.sub("writing")
                )
                if text is not None:
                    paths["report"] = files.write_text(text, out / "report.html")
        finally:
            progress.done()
    if not quiet:
        click.echo(plain_summary(summary, paths, lang, tolerance=drift_tolerance))


def plain_summary(
    s: dict[str, Any], paths: dict[str, Path], lang: str = "en", *, tolerance: float = 0.5
) -> str:
    """A short text for non-specialists, in English or Swedish (``lang``); ``tolerance``: the
    drift tolerance in logits (for the Swedish rule)."""
    ref = s["reference"]
    inst = (
        t(lang, f"instrument {ref['instrument_id']} ", f"instrumentet {ref['instrument_id']}, ")
        if ref["instrument_id"]
        else ""
    )
    lines = [
        t(
            lang,
            f"measure: scored {s['rows_read']} rows from {s['source']} on the reference scale "
            f"{s['reference_file']} ({inst}{ref['model']} model, anchored: nothing "
            "re-estimated).",
            f"measure: mätte {s['rows_read']} rader från {s['source']} på referensskalan "
            f"{s['reference_file']} ({inst}modellen {ref['model']}, förankrad: inget skattat "
            "om).",
        ),
    ]
    counts: dict[str, int] = s["status_counts"]
    parts = [f"{v} {status_word(k, lang, STATUS_WORDS)} ({k})" for k, v in counts.items() if v]
    total = sum(counts.values())
    lines.append(
        t(
            lang,
            f"Persons: {', '.join(parts)}; total {total} = rows read.",
            f"Personer: {', '.join(parts)}; totalt {total} = lästa rader.",
        )
    )
    if s["items_not_administered"]:
        lines.append(
            t(
                lang,
                "Reference items not in the data (treated as skipped): ",
                "Referensens frågor som saknas i data (behandlas som obesvarade): ",
            )
            + ", ".join(s["items_not_administered"])
        )
    if s["items_left_out"]:
        lines.append(
            t(
                lang,
                "Reference items left out (--items): ",
                "Referensens frågor som utelämnats (--items): ",
            )
            + ", ".join(s["items_left_out"])
        )
    aside = s["items_set_aside"]
    drift = [i for i in s["drifting_items"] if i not in aside]
    rule = s["drift_rule"]
    if lang == "sv":
        tol = num(tolerance, "g", lang)
        rule = f"|förskjutning| > {tol} logit och |z| > 1,96"
    if aside:
        shift = s["set_aside_shift"] or {}
        lines.append(
            t(
                lang,
                f"Anchors set aside because they drifted ({rule}): {', '.join(aside)}. "
                "The measures use the other anchors (--keep-drifting to keep them).",
                f"Ankare som lagts åt sidan för att de driver ({rule}): {', '.join(aside)}. "
                "Måtten bygger på de övriga ankarna (--keep-drifting behåller dem).",
            )
        )
        if shift.get("difference") is not None and shift.get("ci_lower") is not None:
            d, lo, hi = (
                num(shift[k], "+.3f", lang) for k in ("difference", "ci_lower", "ci_upper")
            )
            lines.append(
                t(
                    lang,
                    f"Keeping them would have moved the mean measure by {d} logits (95% CI {lo} "
                    f"to {hi}; {shift['n']} persons measured both ways); "
                    "persons.answers_set_aside counts each person's answers not used.",
                    f"Med dem kvar hade medelmåttet flyttats {d} logit (95 % KI {lo} till {hi}; "
                    f"{shift['n']} personer mätta på båda sätten); persons.answers_set_aside "
                    "räknar varje persons svar som inte användes.",
                )
            )
    if drift:
        kept = s["drift_policy"] == "keep"
        lines.append(
            t(
                lang,
                f"Anchors drifting ({rule}): {', '.join(drift)}"
                + (
                    " (scored on them: --keep-drifting)."
                    if kept
                    else " (not set aside: the limit --max-set-aside was reached)."
                ),
                f"Ankare som driver ({rule}): {', '.join(drift)}"
                + (
                    " (måtten använder dem: --keep-drifting)."
                    if kept
                    else " (inte åt sidan: gränsen --max-set-aside nåddes)."
                ),
            )
        )
    elif not aside:
        lines.append(
            t(
                lang,
                "No anchored item drifts (displacement within the tolerance or not significant).",
                "Ingen ankarfråga driver (förskjutningen inom toleransen eller inte signifikant).",
            )
        )
    lines += coding_lines(s["coding"], lang)
    lines.append(
        t(
            lang,
            f"Minimum of answered items for a measure: {s['min_answered']}.",
            f"Minsta antal besvarade frågor för ett mått: {s['min_answered']}.",
        )
    )
    fit = s["global_fit"]
    if fit.get("df") is not None and fit.get("p_value") is not None:
        chi2, adj = num(fit["chi2"], ".1f", lang), num(fit["chi2_adjusted"], ".1f", lang)
        p = num(fit["p_value"], ".3g", lang)
        lines.append(
            t(
                lang,
                f"Global fit of the anchored model: Rao score test chi2 = {chi2} (adjusted for "
                f"the reference's sampling error: {adj}), df = {fit['df']}, p = {p} (anchored "
                "vs freely estimated items).",
                f"Den förankrade modellens passning: Raos score-test chi2 = {chi2} (justerat för "
                f"referensens urvalsfel: {adj}), df = {fit['df']}, p = {p} (förankrade mot fritt "
                "skattade frågor).",
            )
        )
    elif fit.get("note"):
        lines.append(t(lang, "Global fit: ", "Passning: ") + say(fit["note"], lang))
    unit = s["reporting_unit"]
    if unit is not None:
        lines.append(
            t(
                lang,
                f"Reporting unit {unit['name']!r}: columns measure_unit, se_unit, ci_lower_unit, "
                "ci_upper_unit in persons.",
                f"Rapportenhet {unit['name']!r}: kolumnerna measure_unit, se_unit, "
                "ci_lower_unit, ci_upper_unit i persons.",
            )
        )
    for w in s["warnings"]:
        lines.append(t(lang, "Note: ", "Obs: ") + say_in(w, lang))
    lines.append(t(lang, "Wrote: ", "Skrev: ") + ", ".join(str(p) for p in paths.values()))
    lines.append(
        t(
            lang,
            "Next: look at anchors (displacement, drift) before trusting the measures in persons.",
            "Nästa steg: titta på anchors (displacement, drift) innan du litar på måtten i "
            "persons.",
        )
    )
    return "\n".join(lines)
