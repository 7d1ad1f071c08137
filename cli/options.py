"""Options shared by several commands (one place, as rasterio's ``rio/options.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _split_commas(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    parts = [v.strip() for v in value.split(",") if v.strip()]
    if not parts:
        raise click.BadParameter("give at least one item name")
    return parts


id_column = click.option(
    "--id-column", default=None, metavar="COLUMN",
    help="Column with person ids. Without it, persons are numbered by row.",
)
items = click.option(
    "--items", default=None, callback=_split_commas, metavar="A,B,C",
    help="Item columns, comma-separated. Default: every column but the id (and --keep/--group).",
)
model = click.option(
    "--model", type=click.Choice(["rasch", "rsm", "pcm"]), default=None,
    help="Rasch model. Default: the instrument's model, else rasch for 0/1 items and pcm otherwise.",
)
out = click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False), metavar="DIR",
    help="Folder for the output tables (created if missing).",
)
force = click.option("--force", is_flag=True, help="Overwrite existing output files.")
quiet = click.option("--quiet", is_flag=True, help="Print nothing but errors.")
verbose = click.option("--verbose", is_flag=True, help="Show the full traceback on errors.")
fmt = click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), default="csv",
    help="Output format: csv files, one xlsx workbook (a sheet per table) or json files.",
)
excel_friendly = click.option(
    "--excel-friendly", is_flag=True,
    help="CSV with ';' and decimal comma, for Excel with Swedish settings.",
)
instrument = click.option(
    "--instrument", default=None, metavar="ID|PATH",
    help="Instrument definition (shipped id such as who5, or a TOML file).",
)
missing_code = click.option(
    "--missing-code", "missing_codes", multiple=True, metavar="VALUE",
    help="A value meaning missing (repeatable), e.g. --missing-code 9 --missing-code 'Vet ej'.",
)
invalid = click.option(
    "--invalid", type=click.Choice(["error", "missing"]), default="error",
    help="Invalid cells: stop with a list (default) or treat them as missing and list them.",
)
keep = click.option(
    "--keep", multiple=True, metavar="COLUMN",
    help="Carry this person column unchanged into persons.csv (repeatable).",
)
group = click.option(
    "--group", default=None, metavar="COLUMN", help="Grouping column carried into persons.csv.",
)


def compose(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(f: F) -> F:
        for d in reversed(decorators):
            f = d(f)
        return f

    return apply
