"""``measure shorten``: design a short form of a reference scale for a target precision.

Thin: options are parsed here; :func:`measure.shortform.shorten` chooses the items (MILP) and
measures what each length loses; the tables, the short form's reference (and instrument), the
plot and the report section are written as one set. Exit 0 on success, 1 on a data or reference
error, 2 on a usage error.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from measure.instrument import instrument_to_toml
from measure.reference import save_reference
from measure.shortform import short_instrument, shorten

from . import options as opt
from ._common import (
    InputOptions,
    OutputOptions,
    Progress,
    collect_warnings,
    handle_errors,
    output_set,
    write_outputs,
)
from ._fewq import gated_answers, read_domains, reference_and_instrument

TABLES = ["shortform", "selected"]
REFERENCE_FILE = "reference_short.json"


@click.command("shorten")
@opt.reference_file
@opt.out
@click.option(
    "--length",
    type=click.IntRange(min=1),
    default=None,
    metavar="K",
    help="Goal: the best form of K items.",
)
@click.option(
    "--target-se",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="S",
    help="Goal: the fewest items with SE <= S over the whole target.",
)
@click.option(
    "--min-reliability",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    metavar="R",
    help="Goal: the fewest items whose reliability in the reference population reaches R.",
)
@click.option(
    "--range",
    "target_range",
    default=None,
    callback=opt._range,
    metavar="LO:HI",
    help="Target: measures LO..HI (logits, or the reporting unit with --in-unit). "
    "Default: the reference population's central 90 %.",
)
@click.option(
    "--threshold",
    type=float,
    default=None,
    metavar="T",
    help="Target: a decision threshold (logits, or the unit with --in-unit).",
)
@click.option(
    "--threshold-raw",
    type=float,
    default=None,
    metavar="R",
    help="Target: a decision threshold given as a raw score on the full form.",
)
@click.option(
    "--in-unit", is_flag=True, help="--range and --threshold are in the reference's reporting unit."
)
@click.option(
    "--must", multiple=True, metavar="ITEM", help="Item the form must include (repeatable)."
)
@click.option(
    "--exclude", multiple=True, metavar="ITEM", help="Item the form must not include (repeatable)."
)
@opt.domains_file
@opt.domain_min
@opt.fewq_data
@opt.input_options(with_max_code=False, with_carried=False)
@opt.n_persons
@opt.seed
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="Solver time for the chosen length (every length first gets 0.05 s).",
)
@opt.output_options
def shorten_cmd(
    reference_path: str,
    out_dir: str,
    length: int | None,
    target_se: float | None,
    min_reliability: float | None,
    target_range: tuple[float, float] | None,
    threshold: float | None,
    threshold_raw: float | None,
    in_unit: bool,
    must: tuple[str, ...],
    exclude: tuple[str, ...],
    domains_file: str | None,
    domain_min: dict[str, int],
    data: str | None,
    inputs: InputOptions,
    n_persons: int,
    seed: int,
    time_limit: float,
    outputs: OutputOptions,
    quiet: bool,
    verbose: bool,
) -> None:
    """Choose a short form of the reference REF.json for one goal (--length, --target-se or
    --min-reliability) over a target (--range, --threshold, --threshold-raw; default the
    reference population's central 90 %), and write shortform (every length), selected (the
    chosen items), reference_short.json (scores the short form on the same scale), an
    instrument file when the reference names one, shortform.png, report.html and summary.json
    to --out."""
    t0 = time.perf_counter()
    goals = [g is not None for g in (length, target_se, min_reliability)]
    if sum(goals) != 1:
        raise click.UsageError("give exactly one goal: --length, --target-se or --min-reliability")
    targets = [t is not None for t in (target_range, threshold, threshold_raw)]
    if sum(targets) > 1:
        raise click.UsageError("give at most one target: --range, --threshold or --threshold-raw")
    out = Path(out_dir)
    outputs.check(out, TABLES, {"reference": out / REFERENCE_FILE, "report": out / "report.html"})
    progress = Progress.for_terminal(quiet)
    with handle_errors(verbose):
        try:
            progress.stage("reading the reference scale")
            ref, inst = reference_and_instrument(reference_path, inputs)
            answers = None
            if data is not None:
                answers = gated_answers(data, inputs, ref, inst, progress)
            domains = read_domains(domains_file, domain_min, inst)
            progress.stage(f"choosing among {len(ref.item_ids)} items")
            warned: list[str] = []
            with collect_warnings(warned, echo=not quiet, verbose=verbose):
                form = shorten(
                    ref,
                    length=length,
                    target_se=target_se,
                    min_reliability=min_reliability,
                    target_range=target_range,
                    threshold=threshold,
                    threshold_raw=threshold_raw,
                    in_unit=in_unit,
                    must=must,
                    exclude=exclude,
                    domains=domains,
                    data=answers,
                    n_persons=n_persons,
                    time_limit=time_limit,
                    rng=seed,
                )
            summary = form.summary().to_dict()
            summary.update(
                {
                    "reference_file": Path(reference_path).name,
                    "short_reference_file": REFERENCE_FILE,
                    "warnings": warned,
                    "elapsed_seconds": round(time.perf_counter() - t0, 3),
                }
            )
            png = _png(form, summary)
            progress.stage("writing")
            with output_set(outputs, out) as files:
                paths = write_outputs(
                    {"shortform": form.forms, "selected": form.selected},
                    summary,
                    out,
                    outputs,
                    files,
                )
                paths["reference"] = save_reference(
                    form.short_reference, out / REFERENCE_FILE, into=files
                )
                if inst is not None:
                    short = short_instrument(inst, form.items, reference=REFERENCE_FILE)
                    paths["instrument"] = files.write_text(
                        instrument_to_toml(short), out / f"{short.id}.toml"
                    )
                from measure.report.shortform import render_short_form_report

                if png is not None:
                    paths["plot"] = files.write_bytes(png, out / "shortform.png")
                paths["report"] = files.write_text(
                    render_short_form_report(form, png=png), out / "report.html"
                )
        finally:
            progress.done()
    if not quiet:
        click.echo(plain_summary(summary, paths))


def _png(form: Any, summary: dict[str, Any]) -> bytes | None:
    try:
        from measure.report.shortform import short_form_png

        return short_form_png(form)
    except ImportError:  # pragma: no cover - matplotlib not installed
        summary["warnings"].append('no plot: matplotlib is missing (pip install "measure[plot]")')
        return None


def plain_summary(s: dict[str, Any], paths: dict[str, Path]) -> str:
    """A short text for non-specialists."""
    lines = [
        f"measure: short form of {s['n_items_full']} items for {s['goal']} "
        f"({'reached' if s['goal_met'] else 'NOT reached'}); target: "
        f"{s['target']['description']}.",
        f"Chosen: {s['length']} items ({', '.join(s['items'])})"
        + (", proven optimal." if s["optimal"] else ", the best found in the time limit."),
        f"Mean SE {s['mean_se']:.3f} (full form {s['mean_se_full']:.3f}), reliability "
        f"{s['reliability']:.3f} (full {s['reliability_full']:.3f}), correlation with the full "
        f"form {s['correlation_full']:.3f} ({s['agreement_source']}).",
    ]
    for w in s["warnings"]:
        lines.append(f"Note: {w}")
    lines.append("Wrote: " + ", ".join(str(p) for p in paths.values()))
    lines.append(
        f"Next: score short-form answers with `measure score DATA --reference "
        f"{s['short_reference_file']}`: the measures are on the full form's scale."
    )
    return "\n".join(lines)
