"""Options shared by several commands (one place, as rasterio's ``rio/options.py``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import click

from measure._types import INVALID_POLICIES, MODELS, PERSON_ESTIMATORS
from measure.responses import recode_key

from ._common import InputOptions, OutputOptions

F = TypeVar("F", bound=Callable[..., Any])


def _split_commas(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> list[str] | None:
    if value is None:
        return None
    parts = [v.strip() for v in value.split(",") if v.strip()]
    if not parts:
        raise click.BadParameter("give at least one item name")
    return parts


def _pairs(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> list[tuple[str, str]]:
    """``ITEM=COLUMN`` -> (item, column); the column may itself contain '='."""
    out = []
    for text in value:
        item, sep, column = text.partition("=")
        if not sep or not item.strip() or not column.strip():
            raise click.BadParameter(f"{text!r} is not ITEM=COLUMN (e.g. --map who5_1='Fråga 1')")
        out.append((item.strip(), column.strip()))
    return out


_RECODE_FORM = (
    "expected ITEMS:FROM=TO[,FROM=TO...] with ITEMS '*', an item or a comma list of items and "
    "ranges FIRST..LAST, and TO a code or 'missing' (e.g. --recode '*:1=0,2=1,3=2,4=3,5=4' or "
    "--recode 'q1..q5,q9:9=missing')"
)


def _recodes(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> dict[str, dict[str, int | None]]:
    """``ITEMS:FROM=TO,...`` (repeatable) -> {ITEMS: {FROM: TO or None}}.

    ITEMS is everything before the first ':' (items are resolved by the gate); each pair splits
    at its last '='. The same ITEMS given twice add up; one value recoded twice otherwise is an
    error.
    """
    out: dict[str, dict[str, int | None]] = {}
    for text in value:
        items, sep, rest = text.partition(":")
        if not sep or not items.strip() or not rest.strip():
            raise click.BadParameter(f"{text!r}: {_RECODE_FORM}")
        pairs = out.setdefault(items.strip(), {})
        for part in rest.split(","):
            source, eq, target = part.rpartition("=")
            if not eq or not source.strip():
                raise click.BadParameter(
                    f"{text!r}: {part.strip()!r} is not FROM=TO; {_RECODE_FORM}"
                )
            to = target.strip()
            code: int | None
            if to.casefold() in ("", "missing"):
                code = None
            else:
                try:
                    code = int(to)
                except ValueError:
                    raise click.BadParameter(
                        f"{text!r}: {to!r} (in {part.strip()!r}) is neither a code (a whole "
                        f"number) nor 'missing'; {_RECODE_FORM}"
                    ) from None
            try:
                key = recode_key(source)
            except ValueError as exc:
                raise click.BadParameter(f"{text!r}: {exc}; {_RECODE_FORM}") from None
            if pairs.get(key, code) != code:
                raise click.BadParameter(
                    f"{text!r}: {source.strip()!r} of {items.strip()!r} is recoded twice, to "
                    f"{'missing' if pairs[key] is None else pairs[key]} and to "
                    f"{'missing' if code is None else code}"
                )
            pairs[key] = code
    return out


def _labels(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> dict[str, int]:
    """``TEXT=CODE`` (repeatable; the text may hold '=', the last one separates) -> {TEXT: CODE}."""
    out: dict[str, int] = {}
    form = "expected TEXT=CODE with CODE a whole number (e.g. --label 'Ingen gång=0')"
    for text in value:
        label, eq, code_text = text.rpartition("=")
        if not eq or not label.strip():
            raise click.BadParameter(f"{text!r}: {form}")
        try:
            code = int(code_text.strip())
        except ValueError:
            raise click.BadParameter(
                f"{text!r}: {code_text.strip()!r} is not a code (a whole number); {form}"
            ) from None
        try:
            key = recode_key(label)
        except ValueError as exc:
            raise click.BadParameter(f"{text!r}: {exc}; {form}") from None
        if key.lstrip("+-").isdigit():
            raise click.BadParameter(
                f"{text!r}: {label.strip()!r} is a number, not a label; recode numbers with "
                "--recode ITEMS:FROM=TO"
            )
        if out.get(key, code) != code:
            raise click.BadParameter(f"{text!r}: {label.strip()!r} is given two codes")
        out[key] = code
    return out


# --- input -------------------------------------------------------------------------------------

id_column = click.option(
    "--id-column",
    default=None,
    metavar="COLUMN",
    help="Column with person ids. Without it, persons are numbered by row.",
)
items = click.option(
    "--items",
    default=None,
    callback=_split_commas,
    metavar="A,B,C",
    help="Items to use, comma-separated. Default: the instrument's items, else every column but "
    "the id and --keep/--group columns.",
)
column_map = click.option(
    "--map",
    "column_map",
    multiple=True,
    callback=_pairs,
    metavar="ITEM=COLUMN",
    help="Read ITEM from data column COLUMN (repeatable). Items not mapped are found by name, "
    "ignoring case and spaces.",
)
map_file = click.option(
    "--map-file",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="CSV or Excel file with columns 'item' and 'column' mapping items to data columns; "
    "--map entries take precedence.",
)
sheet = click.option(
    "--sheet",
    default=None,
    metavar="NAME",
    help="Excel worksheet to read (default: the first).",
)
delimiter = click.option(
    "--delimiter",
    default=None,
    metavar="CHAR",
    help="CSV field delimiter (default: detected among , ; and tab). Use 'tab' for a tab.",
)
encoding = click.option(
    "--encoding",
    default=None,
    metavar="NAME",
    help="Text encoding of a CSV or SPSS file (default: detected; UTF-8 or cp1252 for CSV).",
)
decimal = click.option(
    "--decimal",
    type=click.Choice([".", ","]),
    default=None,
    help="Decimal separator of numbers written as text (default: detected).",
)
header_row = click.option(
    "--header-row",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Row of a CSV file or Excel sheet that holds the column names, numbered as in Excel "
    "(blank rows count). The rows above it are skipped. Default: the first non-blank row; a "
    "title above the column names is detected and reported.",
)
instrument = click.option(
    "--instrument",
    default=None,
    metavar="ID|PATH",
    help="Instrument definition: a shipped id (see `measure instruments`) or a TOML file.",
)
missing_code = click.option(
    "--missing-code",
    "missing_codes",
    multiple=True,
    metavar="VALUE",
    help="A value meaning missing (repeatable), e.g. --missing-code 9 --missing-code 'Vet ej'. "
    "Added to the instrument's missing codes.",
)
min_category = click.option(
    "--min-category",
    type=int,
    default=None,
    help="Code of the lowest category in the data (1 for answers coded 1..5; default 0). Labels "
    "are not affected. `measure score` takes it from the reference scale, which records how its "
    "calibration's answers were coded, and refuses a different value.",
)
max_code = click.option(
    "--max-code",
    type=int,
    default=None,
    metavar="N",
    help="Highest response code in the data (e.g. 5 for 1..5), for data without an instrument; "
    "higher codes are invalid. Needed with --reverse.",
)
reverse = click.option(
    "--reverse",
    multiple=True,
    metavar="ITEM",
    help="A reverse-keyed item, scored max - code (repeatable; in addition to the instrument's).",
)
recode = click.option(
    "--recode",
    multiple=True,
    callback=_recodes,
    metavar="ITEMS:FROM=TO,...",
    help="Read the value FROM of the ITEMS as TO, a code or 'missing' (repeatable), before "
    "anything else: --recode '*:1=0,2=1,3=2,4=3,5=4' reads 1..5 as 0..4 in every item, "
    "--recode 'q1..q5,q9:9=missing' makes 9 missing in q1 to q5 and q9. ITEMS: '*', an item, "
    "or a comma list of items and ranges FIRST..LAST (or FIRST-LAST). FROM: a whole number or "
    "a text. Recorded in summary.json and in a saved reference.",
)
label = click.option(
    "--label",
    "labels",
    multiple=True,
    callback=_labels,
    metavar="TEXT=CODE",
    help="Read the answer TEXT as CODE in every item (repeatable), e.g. a local translation "
    "--label 'Ingen gång=0'. Case and spaces are ignored; a text the instrument already gives "
    "another category is refused. Recorded in summary.json and in a saved reference.",
)
invalid = click.option(
    "--invalid",
    type=click.Choice(INVALID_POLICIES),
    default="error",
    show_default=True,
    help="Invalid cells: stop with a list (error) or treat them as missing and list them in the "
    "summary (missing).",
)
keep = click.option(
    "--keep",
    multiple=True,
    metavar="COLUMN",
    help="Carry this person column unchanged into persons.csv (repeatable).",
)
group = click.option(
    "--group",
    default=None,
    metavar="COLUMN",
    help="Grouping column carried into persons.csv.",
)

# --- model ---------------------------------------------------------------------------------------

model = click.option(
    "--model",
    type=click.Choice(MODELS),
    default=None,
    help="Rasch model. Default: the instrument's model, else rasch for 0/1 items and pcm "
    "otherwise.",
)

collapse_null = click.option(
    "--collapse-null",
    is_flag=True,
    help="Merge categories nobody used into the neighbouring category instead of stopping.",
)
estimator = click.option(
    "--estimator",
    type=click.Choice(PERSON_ESTIMATORS),
    default="wle",
    show_default=True,
    help="Person measure: Warm's WLE (finite at extreme scores) or ML.",
)
min_answered = click.option(
    "--min-answered",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Fewer answered items than N gives status too_few_answers (default: the instrument's "
    "minimum, else 1).",
)

# --- reporting unit ----------------------------------------------------------------------------

unit_name = click.option(
    "--unit-name",
    default=None,
    metavar="TEXT",
    help="Name of the reporting unit (default: the instrument's, else 'unit').",
)
unit_intercept = click.option(
    "--unit-intercept",
    type=float,
    default=None,
    metavar="A",
    help="Reporting unit = A + B * logit: the value at 0 logits.",
)
unit_slope = click.option(
    "--unit-slope",
    type=float,
    default=None,
    metavar="B",
    help="Reporting unit = A + B * logit: units per logit (not 0). SEs are multiplied by |B|.",
)

# --- output ----------------------------------------------------------------------------------

out = click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Folder for the output tables (created if missing).",
)
force = click.option("--force", is_flag=True, help="Overwrite existing output files.")
quiet = click.option("--quiet", is_flag=True, help="Print nothing but errors.")
verbose = click.option("--verbose", is_flag=True, help="Show the full traceback on errors.")
fmt = click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "json", "parquet"]),
    default="csv",
    show_default=True,
    help="Output format: csv files, one xlsx workbook (a Summary sheet, then a sheet per "
    "table with a frozen header, filters and number formats), json files, or "
    "parquet files (compact and fast for very large data).",
)
excel_friendly = click.option(
    "--excel-friendly",
    is_flag=True,
    help="CSV with ';' and decimal comma (and a BOM), for Excel with Swedish settings.",
)

digits = click.option(
    "--digits",
    type=click.IntRange(1, 17),
    default=7,
    show_default=True,
    help="Significant digits of the numbers in CSV tables (17: full double precision). xlsx, "
    "json and parquet keep full precision.",
)


def compose(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(f: F) -> F:
        for d in reversed(decorators):
            f = d(f)
        return f

    return apply


#: reading a survey export
read_options = compose(sheet, delimiter, encoding, decimal, header_row)


def input_options(*, with_max_code: bool = True, with_carried: bool = True) -> Callable[[F], F]:
    """Finding and coding the answers, then reading the file: the command gets them as one
    :class:`~measure.cli._common.InputOptions` argument, ``inputs``.

    ``with_max_code=False`` leaves out --max-code; ``with_carried=False`` --keep and --group.
    """
    decorators = [id_column, items, column_map, map_file, instrument, missing_code, min_category]
    decorators += [max_code] if with_max_code else []
    decorators += [reverse, recode, label, invalid]
    decorators += [keep, group] if with_carried else []

    def apply(f: F) -> F:
        @functools.wraps(f)
        def command(*args: Any, **kwargs: Any) -> Any:
            return f(*args, inputs=InputOptions.take(kwargs), **kwargs)

        return compose(*decorators, read_options)(cast(F, command))

    return apply


#: a linear reporting unit
unit_options = compose(unit_name, unit_intercept, unit_slope)


def output_options(f: F) -> F:
    """Writing the tables: the command gets --format, --excel-friendly, --digits and --force as
    one :class:`~measure.cli._common.OutputOptions` argument, ``outputs``, and --quiet and
    --verbose as they are."""

    @functools.wraps(f)
    def command(*args: Any, **kwargs: Any) -> Any:
        return f(*args, outputs=OutputOptions.take(kwargs), **kwargs)

    return compose(fmt, excel_friendly, digits, force, quiet, verbose)(cast(F, command))


# --- few questions: short forms and adaptive tests ---------------------------------------------


def _range(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[float, float] | None:
    if value is None:
        return None
    lo, sep, hi = value.partition(":")
    try:
        if not sep:
            raise ValueError
        out = (float(lo), float(hi))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not LO:HI (e.g. --range -1.5:2)") from None
    if out[0] > out[1]:
        raise click.BadParameter(f"{value!r}: LO must not be above HI")
    return out


def _minimums(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> dict[str, int]:
    out: dict[str, int] = {}
    for text in value:
        name, sep, k = text.rpartition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            out[name.strip()] = int(k)
        except ValueError:
            raise click.BadParameter(
                f"{text!r} is not DOMAIN=K (e.g. --domain-min mood=2)"
            ) from None
    return out


reference_file = click.option(
    "--reference",
    "reference_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    metavar="REF.json",
    help="Reference scale (verified on loading); its items are the bank.",
)
fewq_data = click.option(
    "--data",
    "data",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    metavar="DATA",
    help="Real full-length answers (read with the input options, coded as the reference's).",
)
domains_file = click.option(
    "--domains",
    "domains_file",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="CSV or Excel file with columns 'item' and 'domain' (items may be left out).",
)
domain_min = click.option(
    "--domain-min",
    multiple=True,
    callback=_minimums,
    metavar="DOMAIN=K",
    help="At least K items of DOMAIN (repeatable; domains from --domains, else those the "
    "instrument's items declare).",
)
stop_se = click.option(
    "--stop-se",
    type=click.FloatRange(min=0, min_open=True),
    required=True,
    metavar="S",
    help="Stop when the SE of the measure is at most S (logits).",
)
max_items = click.option(
    "--max-items",
    type=click.IntRange(min=1),
    default=None,
    metavar="K",
    help="Stop after K items (default: every item of the reference).",
)
min_items = click.option(
    "--min-items",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    metavar="K",
    help="Never stop before K items.",
)
n_persons = click.option(
    "--persons",
    "n_persons",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    metavar="N",
    help="Persons simulated from the reference population (without --data).",
)
seed = click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the simulation (the same seed gives the same persons and answers).",
)
