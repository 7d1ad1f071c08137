"""``measure cat-simulate``: adaptive testing on a reference scale, simulated or replayed.

Thin: options are parsed here; :func:`measure.adaptive.simulate_adaptive` runs the adaptive
tests (vectorised across persons) on persons simulated from the reference population or on real
full-length answers; cat_persons and cat_summary.json are written as one set. Exit 0 on
success, 1 on a data or reference error, 2 on a usage error.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from measure.adaptive import simulate_adaptive

from . import options as opt
from ._common import (
    InputOptions,
    OutputOptions,
    Progress,
    collect_warnings,
    handle_errors,
    output_set,
)
from ._fewq import gated_answers, read_domains, reference_and_instrument

SUMMARY_FILE = "cat_summary.json"


@click.command("cat-simulate")
@opt.reference_file
@opt.out
@opt.stop_se
@opt.max_items
@opt.min_items
@click.option(
    "--estimator",
    type=click.Choice(["wle", "eap"]),
    default="wle",
    show_default=True,
    help="wle: Warm's estimate (as `measure score`; EAP under the population prior chooses "
    "items while all answers are extreme); eap: posterior mean under the reference "
    "population's normal prior.",
)
@click.option(
    "--start",
    type=float,
    default=None,
    metavar="LOGITS",
    help="Where the first item is chosen (default: the reference population's mean).",
)
@click.option(
    "--exposure-top",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    metavar="K",
    help="Exposure control: choose at random among the K most informative items.",
)
@opt.domains_file
@opt.domain_min
@opt.fewq_data
@opt.input_options(with_max_code=False, with_carried=False)
@opt.n_persons
@opt.seed
@opt.output_options
def cat_simulate_cmd(
    reference_path: str,
    out_dir: str,
    stop_se: float,
    max_items: int | None,
    min_items: int,
    estimator: str,
    start: float | None,
    exposure_top: int,
    domains_file: str | None,
    domain_min: dict[str, int],
    data: str | None,
    inputs: InputOptions,
    n_persons: int,
    seed: int,
    outputs: OutputOptions,
    quiet: bool,
    verbose: bool,
) -> None:
    """Run adaptive tests on the reference REF.json until SE <= --stop-se (or --max-items) for
    --persons simulated from the reference population, or for the persons of --data (their real
    answers replayed), and write cat_persons and cat_summary.json to --out."""
    t0 = time.perf_counter()
    out = Path(out_dir)
    if outputs.fmt == "xlsx":
        raise click.UsageError("cat-simulate writes csv, json or parquet (one table)")
    table_path = out / f"cat_persons.{outputs.fmt}"
    outputs.check(out, [], {"cat_persons": table_path, "cat_summary": out / SUMMARY_FILE})
    progress = Progress.for_terminal(quiet)
    with handle_errors(verbose):
        try:
            progress.stage("reading the reference scale")
            ref, inst = reference_and_instrument(reference_path, inputs)
            if max_items is not None and max_items > len(ref.item_ids):
                raise click.BadParameter(
                    f"the reference has {len(ref.item_ids)} items", param_hint="--max-items"
                )
            answers = None
            if data is not None:
                answers = gated_answers(data, inputs, ref, inst, progress)
            domains = read_domains(domains_file, domain_min, inst)
            progress.stage("running the adaptive tests")
            warned: list[str] = []
            with collect_warnings(warned, echo=not quiet, verbose=verbose):
                sim = simulate_adaptive(
                    ref,
                    stop_se=stop_se,
                    max_items=max_items,
                    min_items=min_items,
                    start=start,
                    estimator="eap" if estimator == "eap" else "wle",
                    exposure_top=exposure_top,
                    domains=domains,
                    n_persons=None if answers is not None else n_persons,
                    data=answers,
                    rng=seed,
                )
            summary = sim.summary().to_dict()
            summary.update(
                {
                    "reference_file": Path(reference_path).name,
                    "seed": seed,
                    "warnings": warned,
                    "elapsed_seconds": round(time.perf_counter() - t0, 3),
                }
            )
            progress.stage("writing")
            with output_set(outputs, out) as files:
                paths = {
                    "cat_persons": files.write_table(
                        sim.persons,
                        table_path,
                        fmt=outputs.fmt,  # type: ignore[arg-type]
                        excel_friendly=outputs.excel_friendly,
                        digits=outputs.digits,
                    ),
                    "cat_summary": files.write_json(summary, out / SUMMARY_FILE),
                }
        finally:
            progress.done()
    if not quiet:
        click.echo(plain_summary(summary, paths))


def plain_summary(s: dict[str, Any], paths: dict[str, Path]) -> str:
    """A short text for non-specialists."""
    lines = [
        f"measure: adaptive tests for {s['n_persons']} persons ({s['source']}), stopping at SE "
        f"<= {s['settings']['stop_se']:g} or {s['settings']['max_items']} items.",
        f"Items: mean {s['mean_items']:.2f}, median {s['median_items']:g}; mean SE "
        f"{s['mean_se']:.3f}; {100 * s['share_reached_target']:.1f} % reached the target SE.",
        f"Against the {s['compared_with']}: correlation {s['correlation']:.3f}, RMSE "
        f"{s['rmse']:.3f}, bias {s['bias']:+.3f}; most used item {s['most_exposed_item']} "
        f"({100 * s['max_exposure']:.0f} % of persons).",
    ]
    for w in s["warnings"]:
        lines.append(f"Note: {w}")
    lines.append("Wrote: " + ", ".join(str(p) for p in paths.values()))
    return "\n".join(lines)
