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

from measure.cli import options as opt
from measure.cli._common import (
    Progress,
    check_overwrite,
    collect_warnings,
    column_mapping,
    handle_errors,
    load_instrument_option,
    output_paths,
    read_data,
    write_outputs,
)
from measure.reference import load_reference
from measure.scoring import PERSON_COLUMNS, score

TABLES = ["persons", "anchors", "score_table"]
BLANK_ROW_REASON = "blank row in the file: no answers"

_STATUS_WORDS = {
    "ok": "measured",
    "extreme_min": "lowest possible score",
    "extreme_max": "highest possible score",
    "too_few_answers": "too few answers",
    "no_answers": "no answers",
}


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
@opt.id_column
@opt.items
@opt.column_map
@opt.map_file
@opt.instrument
@opt.missing_code
@opt.min_category
@opt.reverse
@opt.invalid
@opt.keep
@opt.group
@opt.read_options
@click.option(
    "--estimator",
    type=click.Choice(["wle", "mle"]),
    default="wle",
    show_default=True,
    help="Person measure: Warm's WLE (finite at extreme scores) or ML.",
)
@click.option(
    "--min-answered",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Fewer answered items than N gives status too_few_answers (default: the instrument's "
    "minimum, else 1).",
)
@click.option(
    "--drift-tolerance",
    type=click.FloatRange(min=0),
    default=0.5,
    show_default=True,
    metavar="LOGITS",
    help="An anchored item drifts when its displacement exceeds this and is significant (|z| > "
    "1.96).",
)
@opt.output_options
def score_cmd(
    data: str,
    reference_path: str | None,
    out_dir: str,
    id_column: str | None,
    items: list[str] | None,
    column_map: list[tuple[str, str]],
    map_file: str | None,
    instrument: str | None,
    missing_codes: tuple[str, ...],
    min_category: int,
    reverse: tuple[str, ...],
    invalid: str,
    keep: tuple[str, ...],
    group: str | None,
    sheet: str | None,
    delimiter: str | None,
    encoding: str | None,
    decimal: str | None,
    estimator: str,
    min_answered: int | None,
    drift_tolerance: float,
    fmt: str,
    excel_friendly: bool,
    force: bool,
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
    if excel_friendly and fmt != "csv":
        raise click.UsageError("--excel-friendly applies to --format csv only")
    check_overwrite(output_paths(out, TABLES, fmt), force)
    progress = Progress.for_terminal(quiet)
    with handle_errors(verbose):
        try:
            progress.stage("reading the reference scale")
            inst = load_instrument_option(instrument)
            if reference_path is None:
                attached = inst.reference_file() if inst is not None else None
                if attached is None:
                    raise click.UsageError(
                        "give --reference REF.json (or an --instrument with an attached "
                        "reference)"
                    )
                reference_path = str(attached)
            ref = load_reference(reference_path)
            if inst is None and ref.instrument_id:
                # the reference names its instrument: use it for labels and missing codes
                from measure.instrument import instrument_ids

                if ref.instrument_id in instrument_ids():
                    inst = load_instrument_option(ref.instrument_id)
            mapping = column_mapping(column_map, map_file)

            progress.stage(f"reading {Path(data).name}")
            raw = read_data(
                data,
                sheet=sheet,
                delimiter=delimiter,
                encoding=encoding,
                decimal=decimal,
                text_columns=[c for c in [id_column, group, *keep] if c],
            )
            frame = raw.data
            carried = list(dict.fromkeys(([group] if group else []) + list(keep)))
            absent = [c for c in carried if c not in frame.columns]
            if absent:
                raise click.UsageError(
                    f"--keep/--group column(s) not found in {raw.source}: {', '.join(absent)}"
                )
            clash = [c for c in carried if c in PERSON_COLUMNS]
            if clash:
                raise click.UsageError(
                    f"--keep/--group column(s) {', '.join(map(repr, clash))} have the name of a "
                    "persons.csv column; rename them in the data"
                )
            needed = (
                min_answered
                if min_answered is not None
                else (inst.min_answered if inst is not None else 1)
            )

            progress.stage(f"scoring {len(frame)} rows")
            warned: list[str] = []
            with collect_warnings(warned, echo=not quiet, verbose=verbose):
                result = score(
                    frame,
                    ref,
                    id_column=id_column,
                    items=items,
                    instrument=inst,
                    columns=mapping or None,
                    value_labels=raw.value_labels or None,
                    missing_codes=missing_codes,
                    min_category=min_category,
                    reverse=reverse,
                    decimal=raw.decimal,
                    min_answered=needed,
                    person_estimator=estimator,  # type: ignore[arg-type]
                    invalid=invalid,  # type: ignore[arg-type]
                    keep=carried,
                    drift_tolerance=drift_tolerance,
                    source=raw.source,
                    row_numbers=raw.row_numbers,
                )
            persons = result.persons
            blank = getattr(result.responses, "blank_rows", None)
            if blank is not None and blank.any():
                persons = persons.copy()
                persons.loc[blank, "reason"] = BLANK_ROW_REASON
            tables = {
                "persons": persons,
                "anchors": result.anchor_drift,
                "score_table": result.score_table(),
            }
            summary = result.summary()
            n_rows = len(frame)
            if len(persons) != n_rows or sum(summary["status_counts"].values()) != n_rows:
                raise RuntimeError(
                    f"{len(persons)} person rows and status counts "
                    f"{summary['status_counts']} for {n_rows} rows read"
                )
            summary.update(
                {
                    "source": raw.source,
                    "reference_file": Path(reference_path).name,
                    "rows_read": n_rows,
                    "min_answered": needed,
                    "invalid_policy": invalid,
                    "warnings": warned,
                    "elapsed_seconds": round(time.perf_counter() - t0, 3),
                }
            )
            progress.stage("writing")
            paths = write_outputs(
                tables, summary, out, fmt=fmt, excel_friendly=excel_friendly, force=force
            )
        finally:
            progress.done()
    if not quiet:
        click.echo(plain_summary(summary, paths))


def plain_summary(s: dict[str, Any], paths: dict[str, Path]) -> str:
    """A short text for non-specialists."""
    ref = s["reference"]
    inst = f"instrument {ref['instrument_id']} " if ref["instrument_id"] else ""
    lines = [
        f"measure: scored {s['rows_read']} rows from {s['source']} on the reference scale "
        f"{s['reference_file']} ({inst}{ref['model']} model, anchored: nothing re-estimated).",
    ]
    counts: dict[str, int] = s["status_counts"]
    parts = [f"{v} {_STATUS_WORDS.get(k, k)} ({k})" for k, v in counts.items() if v]
    lines.append(f"Persons: {', '.join(parts)}; total {sum(counts.values())} = rows read.")
    if s["items_not_administered"]:
        lines.append(
            "Reference items not in the data (treated as skipped): "
            + ", ".join(s["items_not_administered"])
        )
    drift = s["drifting_items"]
    lines.append(
        f"Anchors drifting ({s['drift_rule']}): {', '.join(drift)}."
        if drift
        else "No anchored item drifts (displacement within the tolerance or not significant)."
    )
    fit = s["global_fit"]
    if fit.get("p_value") is not None:
        lines.append(
            f"Global fit of the anchored model: conditional LR chi2 = {fit['lr_chi2']:.1f}, "
            f"df = {fit['df']}, p = {fit['p_value']:.3g} (anchored vs freely estimated items)."
        )
    elif fit.get("note"):
        lines.append(f"Global fit: {fit['note']}")
    unit = s["reporting_unit"]
    if unit is not None:
        lines.append(
            f"Reporting unit {unit['name']!r}: columns measure_unit, se_unit, ci_lower_unit, "
            "ci_upper_unit in persons."
        )
    for w in s["warnings"]:
        lines.append(f"Note: {w}")
    lines.append("Wrote: " + ", ".join(str(p) for p in paths.values()))
    lines.append(
        "Next: look at anchors (displacement, drift) before trusting the measures in persons."
    )
    return "\n".join(lines)
