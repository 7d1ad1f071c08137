"""``measure compare``: group means, change, shares beyond a threshold and their change.

Thin: reads the persons tables written by ``measure score`` (or ``measure calibrate``), turns the
measure, SE, link SE and weight columns into numbers, converts a raw-score threshold with
:func:`measure.comparison.raw_score_threshold` (on the reference read by
:func:`measure.reference.load_reference`), and calls :func:`measure.comparison.compare`; the
tables are written atomically. Exit 0 on success, 1 on a data or reference error, 2 on a usage
error.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from measure._types import LANGS, Lang
from measure.comparison import SHARE_ESTIMATOR, Direction, compare, raw_score_threshold
from measure.exceptions import ResponseDataError
from measure.io import to_numeric_cells
from measure.notes import say
from measure.reference import load_reference

from . import options as opt
from ._command import command_args
from ._common import (
    OutputOptions,
    Progress,
    collect_warnings,
    handle_errors,
    output_set,
    read_data,
    write_outputs,
)
from ._words import num, t

TABLES = [
    "groups",
    "group_change",
    "individual_change",
    "decision_persons",
    "shares",
    "share_change",
]


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
    help="Threshold on the reference scale (in logits, or in the reporting unit with --unit): "
    "the share of each group above it (shares.csv), its change between occasions "
    "(share_change.csv) and each person's probability (decision_persons.csv).",
)
@click.option(
    "--threshold-raw",
    type=int,
    default=None,
    metavar="R",
    help="Threshold as a raw-score rule on the full instrument: 'R or more' (with --below: "
    "'R or less'), e.g. 13 for K6 >= 13. Needs --reference: the threshold is where the "
    "expected raw score is R - 1/2 (R + 1/2 with --below).",
)
@click.option(
    "--reference",
    "reference_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    metavar="REF.json",
    help="The reference scale the files were scored on (for --threshold-raw).",
)
@click.option("--below", is_flag=True, help="Shares below the threshold instead of above.")
@click.option(
    "--weight",
    default=None,
    metavar="COLUMN",
    help="Column of survey weights: weighted means, changes and shares (Hajek), linearisation "
    "SEs; the design effect (Kish) is reported.",
)
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
@click.option(
    "--report",
    is_flag=True,
    help="Also write report.html: the share beyond the threshold and its change, the group means "
    "and their change, with intervals, in words for a non-specialist.",
)
@click.option(
    "--lang",
    type=click.Choice(LANGS),
    default="en",
    show_default=True,
    help="Language of the report and of the summary printed at the end.",
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
    threshold_raw: int | None,
    reference_path: str | None,
    below: bool,
    weight: str | None,
    use_unit: bool,
    level: float,
    report: bool,
    lang: Lang,
    outputs: OutputOptions,
    quiet: bool,
    verbose: bool,
) -> None:
    """Compare scored FILES (persons tables from `measure score`): group means per occasion with
    95% intervals (measurement, sampling and link error), change between consecutive occasions,
    individual change (--paired), and with --threshold or --threshold-raw the share beyond the
    threshold per occasion and group and its change (the contract figures).

    Give one file per occasion in time order (pre.csv post.csv), or one file and
    --occasion-column.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    if occasion_column is not None and len(files) != 1:
        raise click.UsageError("--occasion-column needs exactly one FILE")
    if occasion_column is None and labels is not None and len(labels) != len(files):
        raise click.UsageError(f"--labels gives {len(labels)} labels for {len(files)} file(s)")
    if threshold is not None and threshold_raw is not None:
        raise click.UsageError("give --threshold or --threshold-raw, not both")
    if threshold_raw is not None and reference_path is None:
        raise click.UsageError(
            "--threshold-raw needs --reference REF.json: the raw score is converted through "
            "the reference's expected-score curve"
        )
    if reference_path is not None and threshold_raw is None:
        raise click.UsageError(
            "--reference is only used with --threshold-raw (the files are already scored)"
        )
    if below and threshold is None and threshold_raw is None:
        raise click.UsageError("--below needs --threshold or --threshold-raw")
    outputs.check(out, TABLES, {"report": out / "report.html"} if report else None)
    measure_col, se_col, link_col = (
        ("measure_unit", "se_unit", "link_se_unit") if use_unit else ("measure", "se", "link_se")
    )
    progress = Progress.for_terminal(quiet)
    with handle_errors(verbose), progress:  # the progress line is cleared before any error
        tables_in: list[pd.DataFrame] = []
        sources: list[str] = []
        for k, path in enumerate(files, start=1):
            progress.stage(f"reading {Path(path).name} ({k} of {len(files)})")
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
            if weight is not None and weight not in frame.columns:
                raise click.UsageError(f"{raw.source}: weight column {weight!r} not found")
            for col in (measure_col, se_col, link_col, *([weight] if weight else [])):
                if col in frame.columns:
                    values, failed = to_numeric_cells(frame[col], raw.decimal)
                    if failed.any():  # a data error (exit 1), not a usage error
                        at = int(failed.argmax())
                        raise ResponseDataError(
                            f"{raw.source}: row {int(raw.row_numbers[at])}, column {col!r}: "
                            f"value {frame[col].iloc[at]!r} is not a number "
                            f"({int(failed.sum())} such cell(s) in the column)"
                        )
                    if col == weight:
                        bad = np.isfinite(values) & ~(values > 0)
                        if bad.any():
                            row = int(raw.row_numbers[bad.argmax()])
                            raise ResponseDataError(
                                f"{raw.source}: row {row}, column {col!r}: a survey weight "
                                "must be positive"
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
        direction: Direction = "below" if below else "above"
        threshold_note = None
        if threshold_raw is not None and reference_path is not None:
            ref = load_reference(reference_path)
            threshold = raw_score_threshold(ref, threshold_raw, direction=direction, unit=use_unit)
            rule = ">=" if direction == "above" else "<="
            boundary = threshold_raw - 0.5 if direction == "above" else threshold_raw + 0.5
            threshold_note = (
                f"raw score {rule} {threshold_raw} on the {len(ref.item_ids)} items of "
                f"{Path(reference_path).name} (where the expected raw score is {boundary:g})"
            )
        progress.stage("comparing")
        warned: list[str] = []
        with collect_warnings(warned, echo=not quiet, verbose=verbose, progress=progress):
            result = compare(
                occasions,
                by=list(groups) or None,
                paired=paired,
                threshold=threshold,
                weight=weight,
                direction=direction,
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
                "threshold_raw": threshold_raw,
                "threshold_raw_rule": threshold_note,
                "reference": reference_path,
                "warnings": warned,
                "elapsed_seconds": round(time.perf_counter() - t0, 3),
            }
        )
        text = None
        if report:  # rendered before writing, so that its warnings reach summary.json
            progress.stage("writing the report")
            from measure.report.comparison import render_comparison_report

            with collect_warnings(warned, echo=not quiet, verbose=verbose, progress=progress):
                text = render_comparison_report(
                    result,
                    lang=lang,
                    by=list(groups),
                    command_args=command_args(),
                )
        progress.stage("writing")
        with output_set(outputs, out) as outset:
            paths = write_outputs(
                result.tables(), summary, out, outputs, outset, progress=progress.sub("writing")
            )
            if text is not None:
                paths["report"] = outset.write_text(text, out / "report.html")
    if not quiet:
        click.echo(
            plain_summary(
                result.groups,
                result.group_change,
                summary,
                paths,
                shares=result.shares,
                share_change=result.share_change,
                lang=lang,
            )
        )


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
    groups: pd.DataFrame,
    change: pd.DataFrame,
    s: dict[str, Any],
    paths: dict[str, Path],
    *,
    shares: pd.DataFrame | None = None,
    share_change: pd.DataFrame | None = None,
    lang: str = "en",
) -> str:
    """A short text for non-specialists, in English or Swedish (``lang``)."""
    by = s["by"]
    level = int(round(100 * s["level"]))
    lvl = f"{level}%" if lang != "sv" else f"{level} %"
    to = t(lang, "to", "till")
    occ = ", ".join(s["occasions"])
    lines = [
        t(
            lang,
            f"measure: compared {len(s['occasions'])} occasion(s): {occ}.",
            f"measure: jämförde {len(s['occasions'])} tillfälle(n): {occ}.",
        )
    ]
    if s.get("weight"):
        deff = ", ".join(
            f"{rec['occasion']}{_who(rec, by)}: {num(rec['design_effect'], '.2f', lang)} "
            + t(
                lang,
                f"(n {rec['n']}, effective {rec['n_effective']:.0f})",
                f"(n {rec['n']}, effektivt {rec['n_effective']:.0f})",
            )
            for rec in groups.to_dict(orient="records")
        )
        lines.append(
            t(
                lang,
                f"Weighted by {s['weight']!r}; design effect (Kish): {deff}.",
                f"Viktat med {s['weight']!r}; designeffekt (Kish): {deff}.",
            )
        )
    for rec in groups.to_dict(orient="records"):
        lo, hi = num(rec["ci_lower"], ".2f", lang), num(rec["ci_upper"], ".2f", lang)
        lines.append(
            f"  {rec['occasion']}{_who(rec, by)}: {t(lang, 'mean', 'medel')} "
            f"{num(rec['mean'], '.2f', lang)} [{lvl} {lo} {to} {hi}], n = {rec['n']}"
        )
    for rec in change.to_dict(orient="records"):
        lo, hi = num(rec["ci_lower"], "+.2f", lang), num(rec["ci_upper"], "+.2f", lang)
        lines.append(
            f"  {t(lang, 'change', 'förändring')} {rec['from_occasion']} -> "
            f"{rec['to_occasion']}{_who(rec, by)}: {num(rec['change'], '+.2f', lang)} "
            f"[{lvl} {lo} {to} {hi}]"
        )
    if shares is not None and len(shares.columns):
        side = s["direction"]
        rule = s.get("threshold_raw_rule")
        unit = (
            t(lang, "reporting unit", "rapportenhet")
            if s.get("unit")
            else t(lang, "logits", "logit")
        )
        side_sv = "över" if side == "above" else "under"
        lines.append(
            t(
                lang,
                f"Threshold: {s['threshold']:.4g} ({unit})"
                + (f" = {rule}" if rule else "")
                + f". Share {side} it (estimator {SHARE_ESTIMATOR}):",
                f"Gräns: {num(s['threshold'], '.4g', lang)} ({unit})"
                + (f" = {rule}" if rule else "")
                + f". Andel {side_sv} den (skattning {SHARE_ESTIMATOR}):",
            )
        )
        for rec in shares.to_dict(orient="records"):
            note = say(rec["note"], lang)
            if np.isfinite(rec["share"]):
                text = (
                    f"{_pct(rec['share'], lang)} [{lvl} {_pct(rec['ci_lower'], lang)} {to} "
                    f"{_pct(rec['ci_upper'], lang)}], n = {rec['n']}"
                    + (f" ({note})" if note else "")
                )
            else:
                text = t(lang, "no share", "ingen andel") + f" ({note}), n = {rec['n']}"
            lines.append(f"  {rec['occasion']}{_who(rec, by)}: {text}")
        for rec in (share_change if share_change is not None else pd.DataFrame()).to_dict(
            orient="records"
        ):
            lines.append(
                f"  {t(lang, 'share change', 'förändring av andelen')} {rec['from_occasion']} -> "
                f"{rec['to_occasion']}{_who(rec, by)}: {_points(rec['change'], lang)} "
                f"{t(lang, 'points', 'procentenheter')} [{lvl} "
                f"{_points(rec['ci_lower'], lang)} {to} {_points(rec['ci_upper'], lang)}] "
                f"({_design(rec['design'], lang)})"
            )
    lines.append(
        t(
            lang,
            "Intervals include measurement and sampling error, and link error where the files "
            "carry link_se.",
            "Intervallen rymmer mätfel och urvalsfel, och länkfel där filerna har link_se.",
        )
    )
    lines.append(t(lang, "Wrote: ", "Skrev: ") + ", ".join(str(p) for p in paths.values()))
    return "\n".join(lines)


def _who(rec: Mapping[Hashable, Any], by: list[str]) -> str:
    who = ", ".join(f"{b}={rec[b]}" for b in by)
    return " " + who if who else ""


def _pct(x: float, lang: str = "en") -> str:
    if not np.isfinite(x):
        return t(lang, "n/a", "–")
    return num(100 * x, ".1f", lang) + t(lang, "%", " %")


def _points(x: float, lang: str = "en") -> str:
    return t(lang, "n/a", "–") if not np.isfinite(x) else num(100 * x, "+.1f", lang)


def _design(design: object, lang: str) -> str:
    words = {"paired": "parade", "independent": "oberoende"}
    return words.get(str(design), str(design)) if lang == "sv" else str(design)
