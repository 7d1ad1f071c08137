"""``measure instruments``: list the shipped instrument definitions or show one.

Formatting only; loading and validation live in :mod:`measure.instrument`.
"""

from __future__ import annotations

import os
import shlex
import textwrap
from collections.abc import Sequence
from pathlib import Path

import click

from measure.exceptions import InstrumentError
from measure.instrument import (
    Instrument,
    Item,
    instrument_ids,
    list_instruments,
    load_instrument,
    localised,
)
from measure.instrument_template import TemplateLanguage, instrument_template, template_id
from measure.io.write import OutputSet

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


#: the words of `instruments show`, by language
_SHOW_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "version": "version",
        "construct": "Construct:",
        "model": "Model:",
        "min": "Min. answered:",
        "min_text": "{k} of {n} items (fewer: no measure is reported)",
        "missing": "Missing codes:",
        "missing_text": "{codes} (read as not answered)",
        "none": "(none)",
        "reverse": "Reverse-keyed:",
        "reverse_text": "{items} (scored highest category - category)",
        "codemap": "Code maps:",
        "unit": "Reporting unit:",
        "no_unit": "(none)",
        "reference": "Reference:",
        "notes": "Notes:",
        "source": "Source:",
        "licence": "Licence:",
        "not_given": "(not given)",
        "file": "File:",
        "texts": "Item texts:",
        "items": "Items ({n}):",
        "reversed_flag": "reverse-scored",
        "domain": "domain",
        "text": "Text:",
        "codes_line": "Codes in the data: {codes} (categories 0..{top}; other numbers are invalid)",
        "head": "data  category  score  label",
        "rasch": "rasch (dichotomous Rasch model)",
        "rsm": "rsm (rating scale model)",
        "pcm": "pcm (partial credit model)",
    },
    "sv": {
        "version": "version",
        "construct": "Mäter:",
        "model": "Modell:",
        "min": "Min. besvarade:",
        "min_text": "{k} av {n} frågor (färre: inget mått redovisas)",
        "missing": "Bortfallskoder:",
        "missing_text": "{codes} (läses som obesvarad)",
        "none": "(inga)",
        "reverse": "Omvända frågor:",
        "reverse_text": "{items} (räknas som högsta kategori - kategori)",
        "codemap": "Kodkartor:",
        "unit": "Rapportenhet:",
        "no_unit": "(ingen)",
        "reference": "Referens:",
        "notes": "Anteckningar:",
        "source": "Källa:",
        "licence": "Licens:",
        "not_given": "(inte angiven)",
        "file": "Fil:",
        "texts": "Frågetexter:",
        "items": "Frågor ({n}):",
        "reversed_flag": "omvänd",
        "domain": "delskala",
        "text": "Text:",
        "codes_line": "Koder i data: {codes} (kategori 0..{top}; andra tal är ogiltiga)",
        "head": "data  kategori  poäng  svar",
        "rasch": "rasch (dikotom Raschmodell)",
        "rsm": "rsm (rating scale-modell)",
        "pcm": "pcm (partial credit-modell)",
    },
}


def _format_instrument(inst: Instrument, lang: str) -> str:
    words = _SHOW_WORDS.get(lang, _SHOW_WORDS["en"])
    missing = ", ".join(
        f'"{code}"' if isinstance(code, str) else str(code) for code in inst.missing_codes
    )
    unit = inst.reporting_unit
    reverse = [item.id for item in inst.items if item.reverse]
    mapped = [item for item in inst.items if item.codes is not None]
    lines = [f"{localised(inst.title, lang)} ({inst.id}, {words['version']} {inst.version})", ""]
    lines += _wrapped(words["construct"], localised(inst.construct, lang))
    lines += _wrapped(words["model"], words[inst.default_model])
    lines += _wrapped(
        words["min"], words["min_text"].format(k=inst.min_answered, n=len(inst.items))
    )
    lines += _wrapped(
        words["missing"],
        words["missing_text"].format(codes=missing) if missing else words["none"],
    )
    lines += _wrapped(
        words["reverse"],
        words["reverse_text"].format(items=", ".join(reverse)) if reverse else words["none"],
    )
    lines += _wrapped(
        words["codemap"],
        "; ".join(f"{item.id} = {', '.join(map(str, item.codes or ()))}" for item in mapped)
        or words["none"],
    )
    lines += _wrapped(
        words["unit"],
        words["no_unit"]
        if unit is None
        else f"{unit.name} = {unit.intercept:g} + {unit.slope:g} * logit",
    )
    if inst.reference is not None:
        lines += _wrapped(words["reference"], inst.reference)
    if inst.notes:
        lines += _wrapped(words["notes"], localised(inst.notes, lang))
    lines += _wrapped(words["source"], inst.source or words["not_given"])
    lines += _wrapped(words["licence"], inst.licence or words["not_given"])
    if inst.path is not None:
        lines += _wrapped(words["file"], str(inst.path))
    sources = {item.text_source for item in inst.items}
    shared = sources.pop() if len(sources) == 1 else None
    if shared is not None:
        lines += _wrapped(words["texts"], shared)
    lines += ["", words["items"].format(n=len(inst.items))]
    for item in inst.items:
        flags = [words["reversed_flag"]] if item.reverse else []
        if item.domain is not None:
            flags.append(f"{words['domain']}: {item.domain}")
        lines += ["", f"  {item.id}" + (f" ({', '.join(flags)})" if flags else "")]
        if item.text:
            lines += textwrap.wrap(
                localised(item.text, lang),
                width=_WIDTH,
                initial_indent="    ",
                subsequent_indent="    ",
            )
        if item.text_source is not None and item.text_source != shared:
            lines += textwrap.wrap(
                f"{words['text']} {item.text_source}",
                width=_WIDTH,
                initial_indent="    ",
                subsequent_indent="          ",
            )
        if item.codes is not None:
            lines.append(
                "    "
                + words["codes_line"].format(
                    codes=", ".join(map(str, item.codes)), top=item.max_category
                )
            )
        lines += _category_table(item, words["head"], lang)
    return "\n".join(lines)


def _category_table(item: Item, head: str, lang: str) -> list[str]:
    """One line per category: its code in the data, category, score and label."""
    names = head.split(None, 3)
    rows = [tuple(names)]
    for code, category in zip(item.data_codes, item.categories, strict=True):
        score = item.max_category - category.code if item.reverse else category.code
        rows.append((str(code), str(category.code), str(score), localised(category.labels, lang)))
    return ["    " + line for line in _table(rows, right=(0, 1, 2))]


@click.group(name="instruments", invoke_without_command=True)
@lang_option
@click.pass_context
def instruments(ctx: click.Context, lang: str | None) -> None:
    """List the shipped instruments (id, version, items, model, title).

    Use `measure instruments show ID_OR_PATH` for everything that affects scoring in one, and
    `measure instruments new PATH` to start your own instrument file.
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


@instruments.command(name="new")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--items",
    "n_items",
    type=click.IntRange(1, 500),
    default=5,
    show_default=True,
    help="Number of questions (q1, q2, ...: the column names your data must have).",
)
@click.option(
    "--categories",
    type=click.IntRange(2, 30),
    default=None,
    help="Number of answers per question, coded 0, 1, 2, ... [default: 4]",
)
@click.option(
    "--labels",
    default=None,
    help='The answers, lowest first, separated by commas: "Never,Sometimes,Often".',
)
@click.option("--id", "inst_id", default=None, help="The instrument's id [default: from PATH].")
@click.option("--name", default=None, help="The instrument's title.")
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the comments and placeholder texts (default: en).",
)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@click.pass_context
def new(
    ctx: click.Context,
    path: Path,
    n_items: int,
    categories: int | None,
    labels: str | None,
    inst_id: str | None,
    name: str | None,
    lang: str | None,
    force: bool,
) -> None:
    """Write a complete, commented instrument file to start your own.

    Every key is in the file with a comment; it loads as it is. Fill in your questions and
    answers, then check it with `measure instruments show PATH` and use it with
    `measure calibrate DATA --instrument PATH`.
    """
    chosen: TemplateLanguage = "sv" if (lang or ctx.meta.get(_LANG_KEY)) == "sv" else "en"
    if categories is not None and labels is not None:
        raise click.UsageError("give --categories or --labels, not both")
    answers = None if labels is None else labels.split(",")
    if path.suffix.lower() != ".toml":
        raise click.BadParameter(
            f"{str(path)!r} does not end in .toml; instrument files are read by their .toml ending",
            param_hint="PATH",
        )
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists. Use --force to overwrite or choose another PATH.")
    try:
        text = instrument_template(
            items=n_items,
            categories=categories,
            labels=answers,
            id=inst_id if inst_id is not None else template_id(path.stem),
            name=name,
            lang=chosen,
            file=shlex.quote(str(path)),
        )
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    try:
        with OutputSet(overwrite=force) as out:
            out.write_text(text, path)
    except (OSError, FileExistsError) as err:
        raise click.ClickException(f"{path}: cannot write ({err})") from None
    click.echo(f"Wrote {path}. Check it with: measure instruments show {shlex.quote(str(path))}")
