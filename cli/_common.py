"""Error handling, input helpers, progress and output writing shared by the commands.

Formatting and bookkeeping only: no statistics here.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple

import click
import pandas as pd

from measure.exceptions import MeasureError, MeasureWarning
from measure.instrument import (
    Instrument,
    ReportingUnit,
    instrument_ids,
    load_instrument,
)
from measure.io import FolderLock, FolderLockedError, OutputSet, RawTable, read_table
from measure.notes import Note
from measure.notes import say as say_in
from measure.responses import InvalidPolicy, ResponseMatrix, as_responses

EXIT_DATA_ERROR = 1  # data, instrument, convergence or file errors (usage errors exit 2 via click)
#: person statuses in words, for the plain summaries
STATUS_WORDS = {
    "ok": "measured",
    "extreme_min": "lowest possible score",
    "extreme_max": "highest possible score",
    "too_few_answers": "too few answers",
    "no_answers": "no answers",
}


# --------------------------------------------------------------------------------------------
# errors and warnings
# --------------------------------------------------------------------------------------------


@contextmanager
def handle_errors(verbose: bool) -> Iterator[None]:
    """Turn errors into a message on stderr and exit code 1 (traceback only with --verbose).

    Usage errors (click's) pass through and exit 2.
    """
    try:
        yield
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except (MeasureError, ValueError, OSError) as exc:
        if verbose:
            click.echo(traceback.format_exc(), err=True)
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_DATA_ERROR) from None
    except Exception as exc:  # a bug: say so, without a traceback unless asked
        if verbose:
            click.echo(traceback.format_exc(), err=True)
        click.echo(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in measure; run again with --verbose and report the output.",
            err=True,
        )
        raise SystemExit(EXIT_DATA_ERROR) from None


@contextmanager
def collect_warnings(
    sink: list[str], *, echo: bool, verbose: bool, progress: Progress | None = None
) -> Iterator[None]:
    """Record warnings raised in the block: measure's own as 'warning: ...' lines on stderr (unless
    quiet) and in ``sink``; others only with --verbose. With ``progress``, the lines are printed
    through it (the progress line is cleared first, not mixed with them)."""
    say = progress.echo if progress is not None else _echo_err
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    _pass_on(caught, sink, echo=echo, say=say, others="show" if verbose else "drop")


def _pass_on(
    caught: list[warnings.WarningMessage],
    sink: list[str] | None,
    *,
    echo: bool,
    say: Callable[[str], None],
    others: Literal["show", "drop", "warn"],
) -> None:
    """Caught warnings: measure's own into ``sink`` (as their Note when they carry one) and, with
    ``echo``, through ``say`` in the command's language; the others shown with their class,
    dropped, or warned again as they would have been."""
    for w in caught:
        if issubclass(w.category, MeasureWarning):
            text = warning_text(w.message)
            if sink is not None:
                sink.append(text)
            if echo:
                say(f"{_warning_word()}: {say_in(text, _command_lang())}")
        elif others == "show":
            say(f"warning ({w.category.__name__}): {w.message}")
        elif others == "warn":
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def warning_text(message: Warning | str) -> str:
    """A warning's text: its :class:`~measure.notes.Note` when it carries one (so that it can
    be shown in the command's language), else its English text."""
    args = getattr(message, "args", ())
    if args and isinstance(args[0], Note):
        return args[0]
    return str(message)


def _command_lang() -> str:
    """The running command's ``--lang`` (English when it has none or outside a command)."""
    ctx = click.get_current_context(silent=True)
    return str(ctx.params.get("lang") or "en") if ctx is not None else "en"


def _warning_word() -> str:
    return "varning" if _command_lang() == "sv" else "warning"


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


# --------------------------------------------------------------------------------------------
# progress
# --------------------------------------------------------------------------------------------


class Progress:
    """Stage messages on one rewritten stderr line, kept ticking while a stage runs.

    ``measure: calibrating 5 items, 600 rows ... 3.2 s (total 5.1 s)``: the stage (or sub-stage)
    and its elapsed time, then the whole run's. A daemon thread redraws the line every
    ``interval`` seconds, so a long stage visibly moves; it is started by the first stage and
    stopped by :meth:`done` (also use the instance as a context manager, or call ``done`` in a
    ``finally``, so that an error or Ctrl-C stops it). Every write to the stream holds one lock;
    other messages during the run go through :meth:`echo`, which clears the line first.

    Enabled only when asked and the stream is a terminal; disabled, nothing is written and no
    thread is started. The line is cleared when done.
    """

    def __init__(
        self,
        enabled: bool,
        stream: IO[str] | None = None,
        *,
        interval: float = 0.5,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if not interval > 0:
            raise ValueError(f"interval must be positive seconds, not {interval!r}")
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.interval = interval
        self._clock = clock
        self.start = clock()
        self._stage_start = self.start
        self._text = ""
        self._width = 0
        self._columns = _columns(self.stream)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    @classmethod
    def for_terminal(cls, quiet: bool) -> Progress:
        stream = sys.stderr
        return cls(enabled=not quiet and _isatty(stream), stream=stream)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.done()

    def stage(self, text: str) -> None:
        """Show ``text`` as the current stage (its clock starts now) and keep it ticking."""
        if not self.enabled:
            return
        with self._lock:
            self._text = text
            self._stage_start = self._clock()
            self._draw()
        if self._ticker is None:
            self._stop.clear()
            self._ticker = threading.Thread(target=self._tick, name=TICKER_THREAD, daemon=True)
            self._ticker.start()

    def sub(self, prefix: str) -> Callable[[str], None]:
        """A callback for a library function's ``progress=`` parameter: each sub-stage it
        reports is shown as ``prefix: sub-stage``."""
        return lambda text: self.stage(f"{prefix}: {text}")

    def echo(self, message: str) -> None:
        """Print ``message`` on stderr without mixing it into the progress line (the line is
        cleared first and drawn again below the message)."""
        if not self.enabled:
            click.echo(message, err=True)
            return
        with self._lock:  # the stream is stderr (a terminal): the message goes there too
            self._clear()
            self.stream.write(message + "\n")
            if self._ticker is not None:
                self._draw()

    def done(self) -> None:
        """Stop the ticker and clear the line (safe to call more than once)."""
        ticker = self._ticker
        if ticker is not None:
            self._stop.set()
            if ticker is not threading.current_thread():
                ticker.join()
            self._ticker = None
        if self.enabled:
            with self._lock:
                self._clear()

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                if self._stop.is_set():  # done() is clearing the line
                    return
                self._draw()

    def _draw(self) -> None:  # the lock is held
        now = self._clock()
        line = (
            f"measure: {self._text} ... {now - self._stage_start:.1f} s "
            f"(total {now - self.start:.1f} s)"
        )
        if len(line) > self._columns - 1:
            line = line[: max(self._columns - 4, 0)] + "..."
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)

    def _clear(self) -> None:  # the lock is held
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


#: the name of Progress's ticker thread
TICKER_THREAD = "measure-progress"


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _columns(stream: Any) -> int:
    """The terminal's width (80 when unknown), for a line that must not wrap."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        columns = 0
    if columns < 20:  # unknown (0), or too narrow to say anything: let it wrap
        columns = shutil.get_terminal_size().columns
    return max(columns, 20)


# --------------------------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------------------------


def read_data(
    path: str,
    *,
    sheet: str | None,
    delimiter: str | None,
    encoding: str | None,
    decimal: str | None,
    numeric: bool = False,
    header_row: int | None = None,
    notices: list[str] | None = None,
) -> RawTable:
    """:func:`measure.io.read_table`; an option that does not fit the file is a usage error.

    ``numeric``: delimited text in numeric mode (columns of plain whole numbers as numbers,
    1-8 bytes a cell; every other cell, ids such as 007 included, as in the file).
    The reader's warnings (the row taken as the header, the title rows skipped) are printed
    as 'warning: ...' lines on stderr (unless --quiet) and appended to ``notices``.
    """
    if delimiter is not None and delimiter.lower() in ("tab", "\\t"):
        delimiter = "\t"
    kwargs: dict[str, Any] = {}
    ext = Path(path).suffix.lower()
    for name, value, exts in (
        ("--sheet", sheet, (".xlsx", ".xlsm")),
        ("--delimiter", delimiter, (".csv", ".txt", ".tsv")),
        ("--encoding", encoding, (".csv", ".txt", ".tsv", ".sav", ".zsav")),
        ("--header-row", header_row, (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")),
    ):
        if value is not None:
            if ext not in exts:
                raise click.UsageError(f"{name} applies to {', '.join(exts)} files, not {ext}")
            kwargs[name.lstrip("-").replace("-", "_")] = value
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            raw = read_table(path, decimal=decimal, numeric=numeric, **kwargs)
    except MeasureError:
        raise
    except ValueError as exc:  # invalid option values (delimiter, encoding)
        raise click.UsageError(str(exc)) from None
    ctx = click.get_current_context(silent=True)
    quiet = bool(ctx is not None and ctx.params.get("quiet"))
    _pass_on(caught, notices, echo=not quiet, say=_echo_err, others="warn")
    return raw


def load_instrument_option(spec: str | None) -> Instrument | None:
    """--instrument: a shipped id or a path; an unknown id or missing file is a usage error."""
    if spec is None:
        return None
    looks_like_path = spec.lower().endswith(".toml") or any(
        sep in spec for sep in {"/", os.sep, os.altsep or "/"}
    )
    if looks_like_path:
        if not Path(spec).is_file():
            raise click.BadParameter(f"no such file: {spec}", param_hint="--instrument")
    elif spec not in instrument_ids():
        raise click.BadParameter(
            f"no shipped instrument {spec!r} (shipped: {', '.join(instrument_ids())}); give a "
            "file path ending in .toml to load your own",
            param_hint="--instrument",
        )
    return load_instrument(spec)


def column_mapping(pairs: Sequence[tuple[str, str]], map_file: str | None) -> dict[str, str]:
    """Item -> column from --map-file (columns 'item' and 'column') and --map (which wins)."""
    mapping: dict[str, str] = {}
    if map_file is not None:
        raw = read_data(map_file, sheet=None, delimiter=None, encoding=None, decimal=None)
        cols = {str(c).strip().casefold(): c for c in raw.data.columns}
        if "item" not in cols or "column" not in cols:
            raise click.BadParameter(
                f"{raw.source} needs the columns 'item' and 'column' "
                f"(found: {', '.join(map(str, raw.data.columns))})",
                param_hint="--map-file",
            )
        seen: dict[str, int] = {}
        for item, column, row in zip(
            raw.data[cols["item"]], raw.data[cols["column"]], raw.row_numbers, strict=True
        ):
            if _blank(item) and _blank(column):
                continue
            if _blank(item) or _blank(column):
                raise click.BadParameter(
                    f"{raw.source}: row {row} needs both an item and a column",
                    param_hint="--map-file",
                )
            key = _cell_text(item)
            if key in seen:
                raise click.BadParameter(
                    f"{raw.source}: item {key!r} is mapped twice (rows {seen[key]} and {row})",
                    param_hint="--map-file",
                )
            seen[key] = int(row)
            mapping[key] = _cell_text(column)
    given: dict[str, str] = {}
    for item, column in pairs:
        if item in given and given[item] != column:
            raise click.BadParameter(
                f"item {item!r} is mapped twice ({given[item]!r} and {column!r})",
                param_hint="--map",
            )
        given[item] = column
    mapping.update(given)
    return mapping


def _blank(value: object) -> bool:
    return (
        value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()
    )


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def reporting_unit(
    inst: Instrument | None, name: str | None, intercept: float | None, slope: float | None
) -> tuple[ReportingUnit | None, str | None]:
    """The unit from the options (over the instrument's) and where it came from."""
    base = inst.reporting_unit if inst is not None else None
    if intercept is None and slope is None:
        if base is None:
            if name is not None:
                raise click.UsageError(
                    "--unit-name needs --unit-intercept and --unit-slope (the instrument has "
                    "no reporting unit)"
                )
            return None, None
        if name is None:
            return base, "instrument"
        return ReportingUnit(name=name, intercept=base.intercept, slope=base.slope), "instrument"
    if base is None:
        if intercept is None or slope is None:
            raise click.UsageError("give both --unit-intercept and --unit-slope")
        a, b = intercept, slope
    else:  # what is not given comes from the instrument's unit
        a = intercept if intercept is not None else base.intercept
        b = slope if slope is not None else base.slope
    if not (math.isfinite(a) and math.isfinite(b)) or b == 0:
        raise click.BadParameter(
            "the reporting unit needs a finite intercept and a finite, non-zero slope",
            param_hint="--unit-intercept/--unit-slope",
        )
    default_name = base.name if base is not None else "unit"
    return ReportingUnit(name=name or default_name, intercept=a, slope=b), "options"


# --------------------------------------------------------------------------------------------
# the answers: from the options to the table read and the checked response matrix
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputOptions:
    """What ``options.input_options`` parsed: where the answers are and how they are coded."""

    id_column: str | None = None
    items: tuple[str, ...] | None = None
    column_map: tuple[tuple[str, str], ...] = ()
    map_file: str | None = None
    instrument: str | None = None
    missing_codes: tuple[str, ...] = ()
    min_category: int | None = None  #: None: not given (0, or the reference's when scoring)
    max_code: int | None = None
    reverse: tuple[str, ...] = ()
    recode: Mapping[str, Mapping[str, int | None]] = field(default_factory=dict)  #: --recode
    labels: Mapping[str, int] = field(default_factory=dict)  #: --label
    invalid: InvalidPolicy = "error"
    keep: tuple[str, ...] = ()
    group: str | None = None
    sheet: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    decimal: str | None = None
    header_row: int | None = None

    @property
    def lowest_code(self) -> int:
        """--min-category, 0 when not given."""
        return 0 if self.min_category is None else self.min_category

    @classmethod
    def take(cls, params: dict[str, Any]) -> InputOptions:
        """Remove this class's fields from click's keyword arguments and return them as one."""
        given = {f.name: params.pop(f.name) for f in fields(cls) if f.name in params}
        for name in ("items", "column_map"):
            if given.get(name) is not None:
                given[name] = tuple(given[name])
        return cls(**given)


class InputTable(NamedTuple):
    """The file as read, with the columns carried into persons and the item -> column map."""

    raw: RawTable
    frame: pd.DataFrame
    carried: list[str]
    mapping: dict[str, str]
    #: the reader's warnings (the header row found below a title, the rows skipped)
    notices: tuple[str, ...] = ()


def read_input(
    data: str,
    inputs: InputOptions,
    inst: Instrument | None,
    *,
    carry: Sequence[str] = (),
    reserved: Collection[str] = (),
    numeric: bool = True,
    progress: Progress | None = None,
) -> InputTable:
    """Check --max-code, build the column mapping, read DATA and check the carried columns.

    The carried columns are --group, then ``carry`` (e.g. the --dif column), then --keep; each
    must be in the file and must not have the name of a ``reserved`` output column. With
    ``numeric``, delimited text is read in numeric mode (see :func:`read_data`).
    """
    if inputs.max_code is not None:
        if inst is not None:
            raise click.UsageError(
                "--max-code is for data without an instrument; the instrument declares "
                "the categories"
            )
        if inputs.max_code <= inputs.lowest_code:
            raise click.BadParameter(
                f"must be above --min-category ({inputs.lowest_code})", param_hint="--max-code"
            )
    mapping = column_mapping(inputs.column_map, inputs.map_file)
    if progress is not None:
        progress.stage(f"reading {Path(data).name}")
    notices: list[str] = []
    raw = read_data(
        data,
        sheet=inputs.sheet,
        delimiter=inputs.delimiter,
        encoding=inputs.encoding,
        decimal=inputs.decimal,
        numeric=numeric,
        header_row=inputs.header_row,
        notices=notices,
    )
    frame = raw.data
    check_sheet_rows(len(frame), raw.source)
    named = [c for c in [inputs.group, *carry] if c]
    carried = list(dict.fromkeys(named + list(inputs.keep)))
    absent = [c for c in carried if c not in frame.columns]
    if absent:
        options = "/".join(
            o
            for o, names in (
                ("--group", [inputs.group]),
                ("--dif", list(carry)),
                ("--keep", list(inputs.keep)),
            )
            if any(c in absent for c in names if c)
        )
        raise click.UsageError(
            f"{options} column(s) not found in {raw.source}: {', '.join(absent)} "
            f"(columns: {', '.join(map(str, frame.columns))})"
        )
    check_carried_names(carried, reserved)
    return InputTable(raw, frame, carried, mapping, tuple(notices))


def check_sheet_rows(n_rows: int, source: str) -> None:
    """With --format xlsx, a persons table longer than a worksheet is refused right after the
    data are read, before any estimation (the writer checks every table again)."""
    from measure.io.write import EXCEL_MAX_ROWS

    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.params.get("fmt") == "xlsx" and n_rows > EXCEL_MAX_ROWS - 1:
        raise click.UsageError(
            f"{source} has {n_rows:,} rows; an Excel worksheet holds at most "
            f"{EXCEL_MAX_ROWS - 1:,} below its header row: use --format csv or parquet"
        )


def check_carried_names(carried: Sequence[str], taken: Collection[str]) -> None:
    """A carried column must not shadow an output column of persons."""
    clash = [c for c in carried if c in set(taken)]
    if clash:
        raise click.UsageError(
            f"--keep/--group column(s) {', '.join(map(repr, clash))} have the name of a "
            "persons.csv column; rename them in the data"
        )


def check_responses(
    table: InputTable,
    inputs: InputOptions,
    inst: Instrument | None,
    *,
    exclude: Sequence[str] | None = None,
) -> ResponseMatrix:
    """:func:`measure.as_responses` with the options (``exclude``: default the carried columns)."""
    raw = table.raw
    return as_responses(
        table.frame,
        items=inputs.items,
        id_column=inputs.id_column,
        instrument=inst,
        columns=table.mapping or None,
        value_labels=raw.value_labels,
        missing_codes=inputs.missing_codes,
        max_category=None if inputs.max_code is None else inputs.max_code - inputs.lowest_code,
        min_category=inputs.lowest_code,
        reverse=inputs.reverse,
        invalid=inputs.invalid,
        source=raw.source,
        row_numbers=raw.row_numbers,
        decimal=raw.decimal,
        exclude=table.carried if exclude is None else exclude,
        recode=inputs.recode,
        labels=inputs.labels,
    )


def coding_lines(coding: Mapping[str, Any], lang: str = "en") -> list[str]:
    """The recodes and label synonyms applied (summary.json's ``coding``), for the terminal, in
    English or Swedish (``lang``); the recodes read as the option is written (``missing``)."""
    sv = lang == "sv"
    lines = []
    by_rule: dict[str, list[str]] = {}
    for item, pairs in coding.get("recode", {}).items():
        rule = ", ".join(f"{k}={'missing' if t is None else t}" for k, t in pairs.items())
        by_rule.setdefault(rule, []).append(item)
    for rule, items in by_rule.items():
        head = "Omkodat" if sv else "Recoded"
        lines.append(f"{head} ({', '.join(items)}): {rule}.")
    labels = coding.get("labels", {})
    if labels:
        shown = ", ".join(f"{k!r}={c}" for k, c in labels.items())
        head = "Synonymer för svarsetiketter (alla frågor)" if sv else "Label synonyms (every item)"
        lines.append(f"{head}: {shown}.")
    return lines


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------


def check_row_count(persons: pd.DataFrame, summary: Mapping[str, Any], n_rows: int) -> None:
    """One person row, and one status, for every row read (else a bug: RuntimeError)."""
    if len(persons) != n_rows or sum(summary["status_counts"].values()) != n_rows:
        raise RuntimeError(
            f"{len(persons)} person rows and status counts "
            f"{summary['status_counts']} for {n_rows} rows read"
        )


def check_format(fmt: str, excel_friendly: bool) -> None:
    if excel_friendly and fmt != "csv":
        raise click.UsageError("--excel-friendly applies to --format csv only")


def output_paths(out_dir: Path, names: list[str], fmt: str) -> dict[str, Path]:
    if fmt == "xlsx":
        return {"workbook": out_dir / "measure.xlsx", "summary": out_dir / "summary.json"}
    ext = fmt if fmt in ("json", "parquet") else "csv"
    paths = {n: out_dir / f"{n}.{ext}" for n in names}
    paths["summary"] = out_dir / "summary.json"
    return paths


def check_overwrite(paths: Mapping[str, Path], force: bool) -> None:
    """Without --force, existing output is a usage error (checked before any work)."""
    if force:
        return
    try:
        OutputSet.check_absent(paths)
    except FileExistsError as exc:
        raise click.UsageError(
            f"{exc}. Use --force to overwrite or choose another --out."
        ) from None


@dataclass(frozen=True)
class OutputOptions:
    """What ``options.output_options`` parsed: the format of the tables and how they are
    written (``digits``: significant digits of numbers in CSV tables, ``None``: full)."""

    fmt: str = "csv"
    excel_friendly: bool = False
    digits: int | None = 7
    force: bool = False

    @classmethod
    def take(cls, params: dict[str, Any]) -> OutputOptions:
        """Remove this class's fields from click's keyword arguments and return them as one."""
        return cls(**{f.name: params.pop(f.name) for f in fields(cls) if f.name in params})

    def check(
        self, out_dir: Path, names: list[str], extra: Mapping[str, Path] | None = None
    ) -> None:
        """Before any work: refuse a bad combination of options, existing output without
        --force (the tables ``names`` and any ``extra`` files), an ``extra`` file in a folder
        that does not exist, and a folder another command is writing to. Takes the folder's
        lock (:class:`measure.io.FolderLock`) until the command ends."""
        check_format(self.fmt, self.excel_friendly)
        check_overwrite({**output_paths(out_dir, names, self.fmt), **(extra or {})}, self.force)
        for name, path in (extra or {}).items():
            check_output_file(
                path, out_dir, option="--save-reference" if name == "reference" else "--out"
            )
        lock_output_folder(out_dir)


def write_outputs(
    tables: Mapping[str, pd.DataFrame],
    summary: Mapping[str, Any],
    out_dir: Path,
    options: OutputOptions,
    files: OutputSet,
    *,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Write every table (one file each, or one workbook) and summary.json into ``files``, the
    command's one output set (they appear with its other files when the set is committed)."""
    fmt = options.fmt
    paths = output_paths(out_dir, list(tables), fmt)
    if fmt == "xlsx":
        if progress:
            progress("workbook")
        from measure.report.workbook import SUMMARY_SHEET, summary_sheet, workbook_formats

        ctx = click.get_current_context(silent=True)  # the command's name and its --lang
        command = ctx.info_name if ctx is not None and ctx.info_name else "measure"
        lang = str(ctx.params.get("lang") or "en") if ctx is not None else "en"
        first = {
            SUMMARY_SHEET.get(lang, "Summary"): summary_sheet(summary, command=command, lang=lang)
        }
        sheets = {**first, **tables}
        files.write_workbook(sheets, paths["workbook"], number_formats=workbook_formats(sheets))
    else:
        for name, df in tables.items():
            if progress:
                progress(name)
            files.write_table(
                df,
                paths[name],
                fmt=fmt,  # type: ignore[arg-type]
                excel_friendly=options.excel_friendly,
                digits=options.digits,
            )
    files.write_json(summary, paths["summary"])
    return paths


#: every table any command writes to --out (with --force, those not written again are removed)
ALL_TABLES = (
    "items",
    "thresholds",
    "persons",
    "score_table",
    "dif",
    "anchors",
    "groups",
    "group_change",
    "individual_change",
    "decision_persons",
    "decision_groups",
)


def previous_outputs(out_dir: Path) -> list[Path]:
    """Every file a measure command may have written to ``out_dir`` (any table format)."""
    files = [out_dir / f"{name}.{ext}" for name in ALL_TABLES for ext in ("csv", "json", "parquet")]
    return files + [out_dir / n for n in ("measure.xlsx", "summary.json", "report.html")]


def output_set(options: OutputOptions, out_dir: Path | None = None) -> OutputSet:
    """The command's one set of output files (``--force``: existing files may be replaced, and
    an earlier run's files in ``out_dir`` that this run does not write are removed with the
    commit, so the folder holds one run's set; missing output directories are created, and
    removed again if the command fails)."""
    stale = previous_outputs(out_dir) if options.force and out_dir is not None else []
    return OutputSet(overwrite=options.force, make_dirs=True, replaces=stale)


def check_output_file(path: Path, out_dir: Path | None = None, *, option: str = "--out") -> None:
    """An output file outside --out must go into an existing folder (checked before work)."""
    folder = path.parent
    if out_dir is not None and folder.resolve() == out_dir.resolve():
        return
    if not folder.is_dir():
        raise click.BadParameter(
            f"{path}: the folder {folder} does not exist; create it first", param_hint=option
        )


def lock_output_folder(out_dir: Path) -> None:
    """Take ``out_dir``'s lock for the rest of the command (released when click's context
    closes), or stop with exit 1 when another command holds it."""
    try:
        lock = FolderLock(out_dir)
    except FolderLockedError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"--out {out_dir}: {exc}") from None
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(lock.release)
    else:  # pragma: no cover - outside click the process end releases it
        import atexit

        atexit.register(lock.release)
