"""``measure instruments``: list the shipped instrument definitions or show one.

Formatting only; loading and validation live in :mod:`measure.instrument`.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence

import click

from measure.exceptions import InstrumentError
from measure.instrument import (
    Instrument,
    instrument_ids,
    list_instruments,
    load_instrument,
    localised,
)

__all__ = ["instruments"]

LANGUAGES = ("sv", "en")
_LANG_KEY = "measure.instruments.lang"
_WIDTH = 100


lang_option = click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of titles, item texts and labels (default: en; falls back to en).",
)


def _table(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(widths[k]) if k in right else cell.ljust(widths[k])
            for k, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _wrapped(label: str, text: str) -> list[str]:
    head = f"{label:<16}"
    return textwrap.wrap(
        text, width=_WIDTH, initial_indent=head, subsequent_indent=" " * len(head)
    ) or [head.rstrip()]


def _format_list(items: Sequence[Instrument], lang: str) -> str:
    rows = [("id", "version", "items", "model", "title")]
    rows += [
        (
            inst.id,
            inst.version,
            str(len(inst.items)),
            inst.default_model,
            localised(inst.title, lang),
        )
        for inst in items
    ]
    return "\n".join(_table(rows, right=(2,)))


def _format_instrument(inst: Instrument, lang: str) -> str:
    missing = ", ".join(
        f'"{code}"' if isinstance(code, str) else str(code) for code in inst.missing_codes
    )
    unit = inst.reporting_unit
    lines = [f"{localised(inst.title, lang)} ({inst.id}, version {inst.version})", ""]
    lines += _wrapped("Construct:", localised(inst.construct, lang))
    lines += _wrapped("Default model:", inst.default_model)
    lines += _wrapped("Min. answered:", f"{inst.min_answered} of {len(inst.items)} items")
    lines += _wrapped("Missing codes:", missing or "(none)")
    lines += _wrapped(
        "Reporting unit:",
        "(none)" if unit is None else f"{unit.name} = {unit.intercept:g} + {unit.slope:g} * logit",
    )
    lines += _wrapped("Source:", inst.source)
    lines += _wrapped("Licence:", inst.licence)
    if inst.path is not None:
        lines += _wrapped("File:", str(inst.path))
    sources = {item.text_source for item in inst.items}
    shared = sources.pop() if len(sources) == 1 else None
    if shared is not None:
        lines += _wrapped("Item texts:", shared)
    lines += ["", f"Items ({len(inst.items)}):"]
    for item in inst.items:
        flags = " (reverse-scored)" if item.reverse else ""
        lines += ["", f"  {item.id}{flags}"]
        if item.text:
            lines += textwrap.wrap(
                localised(item.text, lang),
                width=_WIDTH,
                initial_indent="    ",
                subsequent_indent="    ",
            )
        if item.text_source is not None and item.text_source != shared:
            lines += textwrap.wrap(
                f"Text: {item.text_source}",
                width=_WIDTH,
                initial_indent="    ",
                subsequent_indent="          ",
            )
        if item.codes is not None:
            lines.append(
                f"    Codes in the data: {', '.join(map(str, item.codes))} "
                f"(categories 0..{item.max_category}; other numbers are invalid)"
            )
        for code, category in zip(item.data_codes, item.categories, strict=True):
            lines.append(f"    {code}  {localised(category.labels, lang)}")
    return "\n".join(lines)


@click.group(name="instruments", invoke_without_command=True)
@lang_option
@click.pass_context
def instruments(ctx: click.Context, lang: str | None) -> None:
    """List the shipped instruments (id, version, items, model, title).

    Use `measure instruments show ID_OR_PATH` for the items, categories and labels of one.
    """
    ctx.meta[_LANG_KEY] = lang
    if ctx.invoked_subcommand is None:
        try:
            shipped = list_instruments()
        except InstrumentError as err:
            raise click.ClickException(str(err)) from err
        click.echo(_format_list(shipped, lang or "en"))


@instruments.command(name="show")
@click.argument("id_or_path")
@lang_option
@click.pass_context
def show(ctx: click.Context, id_or_path: str, lang: str | None) -> None:
    """Show one instrument: a shipped ID (see `measure instruments`) or a TOML file path."""
    chosen = lang or ctx.meta.get(_LANG_KEY) or "en"
    looks_like_path = id_or_path.lower().endswith(".toml") or any(
        sep in id_or_path for sep in {"/", os.sep, os.altsep or "/"}
    )
    if not looks_like_path and id_or_path not in instrument_ids():
        raise click.BadParameter(
            f"no shipped instrument {id_or_path!r} (shipped: {', '.join(instrument_ids())}); "
            "give a file path ending in .toml to load your own",
            param_hint="ID_OR_PATH",
        )
    try:
        inst = load_instrument(id_or_path)
    except InstrumentError as err:
        raise click.ClickException(str(err)) from err
    click.echo(_format_instrument(inst, chosen))
