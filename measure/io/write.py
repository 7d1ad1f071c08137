"""Every file measure writes: one atomic writer, one JSON encoder, outputs as one set.

:class:`OutputSet` is the one place that creates, flushes and moves result files. Files are
written into a hidden staging directory (``.measure-staging-*``) inside each target
directory and moved into place only when every file of the set was written; on any failure
the staging directories are removed and the targets are left as they were. A command's
tables, ``summary.json``, ``report.html`` and saved reference scale therefore appear together
or not at all. The functions :func:`write_table_atomic`, :func:`write_workbook_atomic`,
:func:`write_json_atomic` and :func:`write_text_atomic` are sets of one file.

JSON is written by :func:`json_text` alone: :func:`measure.summary.json_ready` (non-finite
numbers as ``null``, numpy as Python), indented, UTF-8, strict (no NaN tokens).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Literal

import numpy as np
import pandas as pd

from measure.io._csvwriter import csv_cells, round_floats, write_joined_csv
from measure.io.read import Engine, _import_optional, check_engine
from measure.summary import json_ready

__all__ = [
    "FolderLock",
    "FolderLockedError",
    "OutputSet",
    "TableFormat",
    "WRITE_FORMATS",
    "check_digits",
    "json_text",
    "neutralise_formulas",
    "round_floats",
    "write_json_atomic",
    "write_table_atomic",
    "write_text_atomic",
    "write_workbook_atomic",
]

TableFormat = Literal["csv", "xlsx", "json", "parquet"]
WRITE_FORMATS: tuple[str, ...] = ("csv", "xlsx", "json", "parquet")
"""The values of ``fmt=`` in :func:`write_table_atomic`."""

_STAGING_PREFIX = ".measure-staging-"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def json_text(obj: Any) -> str:
    """The JSON text measure writes for ``obj``: :func:`measure.summary.json_ready` applied
    (NaN and infinities as ``null``, numpy scalars and arrays as Python), two-space indent,
    UTF-8 characters kept, a final line break.

    Raises
    ------
    TypeError
        ``obj`` holds something JSON cannot encode (a date, a path): convert it first.

    Examples
    --------
    >>> print(json_text({"se": float("nan"), "n": np.int64(3)}), end="")
    {
      "se": null,
      "n": 3
    }
    """
    return json.dumps(json_ready(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


class OutputSet:
    """Files that appear together or not at all.

    Use it as a context manager: every ``write_*`` call writes its file into a hidden staging
    directory inside the target's directory (created with mode 0o666 less the umask, flushed
    to disk); when the block ends without an exception, all files are moved into place with
    :func:`os.replace`, and when it raises, none is and the staging directories are removed.
    A file replaced by the set is restored if a later move fails.

    Parameters
    ----------
    replaces : iterable of paths, optional
        Files of an earlier set (``--force``: every file a command may write to ``--out``):
        those this set does not write again are removed when it is committed (and kept when
        it fails), so no stale file of an earlier run is left beside the new ones.
    overwrite : bool, default True
        Whether existing files may be replaced. ``False``: the set refuses (``FileExistsError``,
        nothing moved) when a target exists at the end; check before the work starts with
        :meth:`check_absent` to fail early.
    make_dirs : bool, default False
        Create missing target directories (those created are removed again on failure).

    Examples
    --------
    >>> with OutputSet(overwrite=False) as out:  # doctest: +SKIP
    ...     out.write_table(cal.items, "results/items.csv")
    ...     out.write_json(cal.summary(), "results/summary.json")
    """

    def __init__(
        self,
        *,
        overwrite: bool = True,
        make_dirs: bool = False,
        replaces: Iterable[str | os.PathLike[str]] = (),
    ) -> None:
        self.overwrite = overwrite
        self.make_dirs = make_dirs
        #: files of an earlier set: removed on commit unless this set writes them again
        self.replaces = tuple(Path(os.path.abspath(p)) for p in replaces)
        self._staging: dict[Path, Path] = {}  # target directory -> its staging directory
        self._files: dict[Path, Path] = {}  # target -> staged file, in the order written
        self._made: list[Path] = []  # directories created, parents first
        self._closed = False

    # -- the set ----------------------------------------------------------------------------

    @staticmethod
    def check_absent(paths: Mapping[str, Path] | list[Path] | tuple[Path, ...]) -> None:
        """Raise ``FileExistsError`` naming every path that exists (the ``--force`` check)."""
        listed = list(paths.values()) if isinstance(paths, Mapping) else list(paths)
        existing = [str(p) for p in listed if Path(p).exists()]
        if existing:
            raise FileExistsError(f"output exists: {', '.join(existing)}")

    @property
    def paths(self) -> tuple[Path, ...]:
        """The target paths written so far, in order."""
        return tuple(self._files)

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()

    def commit(self) -> tuple[Path, ...]:
        """Move every staged file into place (all or none) and remove the staging directories."""
        self._check_open()
        self._closed = True
        moved: list[tuple[Path, Path | None]] = []
        try:
            if not self.overwrite:
                self.check_absent(list(self._files))
            for stale in self.replaces:
                if stale in self._files or not os.path.lexists(stale):
                    continue
                removed = self._staging_dir(stale.parent) / (stale.name + ".removed")
                os.replace(stale, removed)  # put back below if a later step fails
                moved.append((stale, removed))
            # summary.json last: a folder without it never holds a set cut short mid-move
            order = sorted(self._files.items(), key=lambda kv: kv[0].name == "summary.json")
            for target, staged in order:
                backup: Path | None = None
                if os.path.lexists(target):
                    backup = staged.with_name(staged.name + ".replaced")
                    _keep_copy(target, backup)
                os.replace(staged, target)
                moved.append((target, backup))
        except BaseException:
            for target, backup in reversed(moved):
                with contextlib.suppress(OSError):
                    if backup is not None:
                        os.replace(backup, target)
                    else:
                        os.unlink(target)
            self._remove_staging(remove_made=True)
            raise
        self._remove_staging(remove_made=False)
        return self.paths

    def discard(self) -> None:
        """Remove every staged file and the staging directories; no target is touched."""
        if self._closed:
            return
        self._closed = True
        self._remove_staging(remove_made=True)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this output set is already committed or discarded")

    def _remove_staging(self, *, remove_made: bool) -> None:
        for staging in self._staging.values():
            shutil.rmtree(staging, ignore_errors=True)
        if remove_made:
            for directory in reversed(self._made):
                with contextlib.suppress(OSError):
                    directory.rmdir()  # only if empty

    def _staging_dir(self, directory: Path) -> Path:
        if directory not in self._staging:
            if not directory.is_dir():
                if not self.make_dirs or directory.exists():
                    raise FileNotFoundError(f"{directory}: no such directory")
                missing = [directory, *(p for p in directory.parents if not p.exists())]
                directory.mkdir(parents=True, exist_ok=True)
                self._made.extend(reversed(missing))
            self._staging[directory] = Path(
                tempfile.mkdtemp(prefix=f"{_STAGING_PREFIX}{os.getpid()}-", dir=directory)
            )
        return self._staging[directory]

    # -- writing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def open(self, path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
        """A binary file that becomes ``path`` when the set is committed."""
        self._check_open()
        target = Path(os.path.abspath(path))
        if target in self._files:
            raise ValueError(f"{target} is written twice in one output set")
        staged = self._staging_dir(target.parent) / target.name
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        descriptor = os.open(staged, flags, 0o666)  # the usual permissions: 0o666 less umask
        try:
            with os.fdopen(descriptor, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(staged)
            raise
        self._files[target] = staged

    def write_bytes(self, data: bytes, path: str | os.PathLike[str]) -> Path:
        """Write ``data`` to ``path`` (with the set)."""
        with self.open(path) as handle:
            handle.write(data)
        return Path(path)

    def write_text(self, text: str, path: str | os.PathLike[str]) -> Path:
        """Write ``text`` as UTF-8 to ``path`` (with the set)."""
        return self.write_bytes(text.encode("utf-8"), path)

    def write_json(self, obj: Any, path: str | os.PathLike[str]) -> Path:
        """Write ``obj`` as :func:`json_text` to ``path`` (with the set)."""
        return self.write_text(json_text(obj), path)

    def write_table(
        self,
        df: pd.DataFrame,
        path: str | os.PathLike[str],
        *,
        fmt: TableFormat = "csv",
        excel_friendly: bool = False,
        digits: int | None = None,
        engine: Engine = "auto",
    ) -> Path:
        """Write one table to ``path`` (with the set); see :func:`write_table_atomic`."""
        if fmt not in WRITE_FORMATS:
            raise ValueError(f"fmt must be one of {WRITE_FORMATS}, got {fmt!r}")
        check_engine(engine)
        check_digits(digits)
        if fmt == "xlsx":
            return self.write_workbook({"data": df}, path)
        index = _meaningful_index(df)
        table = df.reset_index() if index else df
        if fmt == "parquet":
            pq = _import_optional(
                "pyarrow.parquet", extra="parquet", purpose="writing .parquet files"
            )
            import pyarrow as pa

            arrow_table = pa.Table.from_pandas(table, preserve_index=False)
            with self.open(path) as handle:
                pq.write_table(arrow_table, handle)
            return Path(path)
        if fmt == "json":
            payload = table.to_json(
                orient="records", force_ascii=False, date_format="iso", double_precision=15
            )
            return self.write_text(payload, path)
        if excel_friendly:
            text = neutralise_formulas(round_floats(table, digits)).to_csv(
                sep=";", decimal=",", index=False, lineterminator="\r\n"
            )
            return self.write_bytes(text.encode("utf-8-sig"), path)
        cells = csv_cells(table, digits) if engine != "careful" else None
        if cells is not None:
            with self.open(path) as handle:
                write_joined_csv(cells, list(table.columns), handle)
            return Path(path)
        text = round_floats(df, digits).to_csv(index=index, lineterminator="\n")
        return self.write_text(text, path)

    def write_workbook(
        self,
        tables: Mapping[str, pd.DataFrame],
        path: str | os.PathLike[str],
        *,
        number_formats: Mapping[str, Mapping[str, str]] | None = None,
    ) -> Path:
        """Write tables as the worksheets of one workbook (with the set); see
        :func:`write_workbook_atomic`."""
        _check_sheet_names(tables)
        sheets = [(name, _sheet_table(table)) for name, table in tables.items()]
        _check_sheet_sizes(sheets)  # before any work: row limit, cell length
        xlsxwriter = _import_optional("xlsxwriter", extra="excel", purpose="writing .xlsx files")
        formats = number_formats or {}
        # the workbook is built in memory and written in one go: a full disk then fails one
        # plain write (and the set), not the zip archive's close (which left a traceback)
        buffer = io.BytesIO()
        with tempfile.TemporaryDirectory(prefix="measure-xlsx-") as scratch:
            book = xlsxwriter.Workbook(
                buffer,
                {
                    "constant_memory": True,  # rows streamed to a scratch file, not kept
                    "tmpdir": scratch,
                    "strings_to_formulas": False,  # text is text: no formula injection
                    "strings_to_urls": False,
                    "strings_to_numbers": False,
                },
            )
            try:
                header = book.add_format({"bold": True})
                styles: dict[str, Any] = {"0": book.add_format({"num_format": "0"})}
                for name, table in sheets:
                    wanted = formats.get(name, {})
                    cell_formats = {}
                    for column, spec in wanted.items():
                        if spec and spec not in styles:
                            styles[spec] = book.add_format({"num_format": spec})
                        if spec:
                            cell_formats[column] = styles[spec]
                    _write_sheet(
                        book.add_worksheet(name), table, cell_formats, wanted, header, styles["0"]
                    )
            except BaseException:
                with contextlib.suppress(Exception):  # its scratch files closed
                    book.close()
                raise
            book.close()
        return self.write_bytes(buffer.getvalue(), path)


class FolderLockedError(OSError):
    """Another process holds the lock of an output folder."""


_LOCK_NAME = ".measure-lock"


class FolderLock:
    """One writer per output folder: a lock file ``.measure-lock`` held while a command runs.

    The lock is an advisory ``flock`` on the file (released by the system when the process
    ends, even after ``kill -9``); where ``flock`` is not available the file's existence is
    the lock. A second command into the same folder fails with :class:`FolderLockedError`
    instead of mixing its files with the first one's. :meth:`release` removes the lock file,
    and the folder when the lock created it and it stayed empty.

    Examples
    --------
    >>> lock = FolderLock("results")  # doctest: +SKIP
    >>> try:
    ...     ...  # work and write the output set
    ... finally:
    ...     lock.release()
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.path = self.folder / _LOCK_NAME
        self._made: list[Path] = []
        if not self.folder.is_dir():
            if self.folder.exists():
                raise NotADirectoryError(f"{self.folder}: not a folder")
            missing = [self.folder, *(p for p in self.folder.parents if not p.exists())]
            self.folder.mkdir(parents=True, exist_ok=True)
            self._made = list(reversed(missing))
        try:
            self._fd: int | None = self._acquire()
        except BaseException:
            self._remove_made()
            raise

    def _acquire(self) -> int:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: the file's existence is the lock
            try:
                return os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                raise self._locked() from None
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise self._locked() from None
            try:  # the file may have been removed by the holder that just released it
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                _remove_abandoned_staging(self.folder)
                return fd
            os.close(fd)

    def _locked(self) -> FolderLockedError:
        return FolderLockedError(
            f"{self.folder}: another measure command is writing to this folder (lock file "
            f"{self.path.name}); wait for it to finish or choose another --out"
        )

    def release(self) -> None:
        """Remove the lock file and let go of the lock (a second call does nothing)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.close(self._fd)
        self._fd = None
        self._remove_made()

    def _remove_made(self) -> None:
        for directory in reversed(self._made):
            with contextlib.suppress(OSError):
                directory.rmdir()  # only if empty

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


#: what a spreadsheet may run as a formula when a cell starts with it (OWASP's list)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text_columns(df: pd.DataFrame) -> list[Any]:
    return [
        c for c in df.columns if df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype)
    ]


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell and column name that a spreadsheet would run as a formula
    (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return; a number such as
    ``-1.5`` excepted) prefixed with an apostrophe, which Excel shows as text.

    Used for ``--excel-friendly`` CSV, which Excel opens by double-click.

    Examples
    --------
    >>> neutralise_formulas(pd.DataFrame({"id": ["=1+1", "-2", "-x", "ok"]}))["id"].tolist()
    ["'=1+1", '-2', "'-x", 'ok']
    """

    def safe(value: Any) -> Any:
        if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
            try:
                float(value.replace(",", "."))
            except ValueError:
                return "'" + value
        return value

    out = df.copy()
    for column in _text_columns(out):
        text = out[column].dropna().astype(str)
        if text.str.startswith(_FORMULA_STARTS).any():
            out[column] = out[column].map(safe, na_action="ignore")
    out.columns = pd.Index([safe(c) for c in out.columns])
    return out


def _remove_abandoned_staging(folder: Path) -> None:
    """Remove staging folders left in ``folder`` by a process that no longer runs (a run killed
    with ``kill -9``); called while holding the folder's lock."""
    for staging in folder.glob(f"{_STAGING_PREFIX}*"):
        pid_text = staging.name[len(_STAGING_PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(staging, ignore_errors=True)
        except OSError:  # alive but not ours (PermissionError), or not knowable: keep it
            continue


def _keep_copy(target: Path, backup: Path) -> None:
    """A second name for ``target`` (a hard link; a copy where links are not possible)."""
    try:
        os.link(target, backup, follow_symlinks=False)
    except OSError:
        shutil.copy2(target, backup, follow_symlinks=False)


# --------------------------------------------------------------------------------------------
# sets of one file
# --------------------------------------------------------------------------------------------


def write_table_atomic(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    fmt: TableFormat = "csv",
    excel_friendly: bool = False,
    digits: int | None = None,
    engine: Engine = "auto",
) -> Path:
    """Write a table to ``path`` atomically: the file is either complete or untouched.

    The table is written through an :class:`OutputSet` of one file (a staging directory in
    the same directory, flushed to disk, moved over ``path`` with :func:`os.replace`); on any
    failure an existing ``path`` is left as it was. A named or non-default index (for example
    person ids) is written as leading column(s); a default ``RangeIndex`` is not written.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    path : str or os.PathLike
        Target file; its directory must exist.
    fmt : {"csv", "xlsx", "json", "parquet"}, default "csv"
        ``"csv"``: UTF-8, comma-separated, decimal point, missing cells empty.
        ``"xlsx"``: one worksheet named ``"data"`` (see :func:`write_workbook_atomic`).
        ``"json"``: a list of records, one object per row, missing values as ``null``.
        ``"parquet"``: a Parquet file (typed columns, compressed; the compact choice for
        millions of persons).
    excel_friendly : bool, default False
        CSV only: write with ``;`` as separator, ``,`` as decimal separator, a UTF-8
        byte-order mark and CRLF line ends, which is what Excel in a Swedish (or other
        decimal-comma) locale opens correctly by double-click (always pandas' writer).
        Ignored for xlsx and json, which Excel and other readers open without locale trouble.
    digits : int, optional
        CSV only: round float columns to this many significant digits (1..17) before writing;
        ``None`` (default) writes every float with the shortest text that reads back to the same
        double. The command line writes 7 significant digits (``--digits``): far finer than any
        standard error, and about half the size of a full-precision million-row persons.csv.
        xlsx, json and parquet always keep full precision.
    engine : {"auto", "fast", "careful"}, default "auto"
        CSV only. ``"careful"``: pandas' writer (the csv module). ``"fast"``: cells formatted
        and joined by pyarrow's string kernels on every core, for columns of numbers, text,
        booleans and categories; a table with other columns (dates, mixed objects) is written
        by the careful engine. ``"auto"``: the fast engine whenever it applies. Both write
        the same cells (quoted only where needed, missing as empty), except that the fast
        engine writes a whole float without ``.0`` (``2`` for 2.0; the same double).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        ``fmt``, ``engine`` or ``digits`` is not one of the allowed values.
    MissingDependencyError
        ``fmt="xlsx"`` and XlsxWriter is not installed.

    Examples
    --------
    >>> write_table_atomic(calibration.items, "items.csv", excel_friendly=True)  # doctest: +SKIP
    """
    with OutputSet() as out:
        out.write_table(
            df, path, fmt=fmt, excel_friendly=excel_friendly, digits=digits, engine=engine
        )
    return Path(path)


def write_workbook_atomic(
    tables: Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    number_formats: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """Write several tables to one ``.xlsx`` workbook atomically, one worksheet per table.

    Worksheets appear in the mapping's order and are named by its keys. A named or
    non-default index is written as leading column(s). The workbook is written through an
    :class:`OutputSet` of one file and moved over ``path`` only when complete.

    Every worksheet has a bold header row frozen in view (panes at A2), a filter over the data
    range, and column widths from the content (8 to 50 characters). Cells keep the full values
    (numbers as Excel stores them: 16 significant digits); ``number_formats`` only chooses
    how they are shown. Missing values are empty cells, infinite values the text ``inf``, and
    text is always stored as text (a cell starting with ``=`` is never a formula).

    Parameters
    ----------
    tables : Mapping of str to pandas.DataFrame
        Worksheet name to table. Names must be 1-31 characters, without ``[ ] : * ? / \\``,
        and unique ignoring case (Excel's rules).
    path : str or os.PathLike
        Target file, normally ending in ``.xlsx``; its directory must exist.
    number_formats : Mapping of str to Mapping of str to str, optional
        Worksheet name to {column: Excel number format} (``"0.00"``, ``"0.000"``,
        ``"0.0%"``, ``"0"``); columns not named are shown as Excel's General.

    Raises
    ------
    ValueError
        ``tables`` is empty, a worksheet name breaks Excel's rules, a table has more rows
        than a worksheet holds (1,048,575 below the header) or a text longer than a cell
        holds (32,767 characters); checked before anything is written.
    MissingDependencyError
        XlsxWriter is not installed.

    Examples
    --------
    >>> write_workbook_atomic(  # doctest: +SKIP
    ...     {"items": calibration.items, "persons": calibration.persons}, "results.xlsx"
    ... )
    """
    with OutputSet() as out:
        out.write_workbook(tables, path, number_formats=number_formats)
    return Path(path)


def write_json_atomic(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``obj`` as :func:`json_text` to ``path`` atomically; returns ``path``."""
    with OutputSet() as out:
        out.write_json(obj, path)
    return Path(path)


def write_text_atomic(text: str, path: str | os.PathLike[str], *, make_dirs: bool = False) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically (``make_dirs``: create missing
    directories); returns ``path``."""
    with OutputSet(make_dirs=make_dirs) as out:
        out.write_text(text, path)
    return Path(path)


# --------------------------------------------------------------------------------------------
# checks and helpers
# --------------------------------------------------------------------------------------------


def check_digits(digits: int | None) -> None:
    """Raise ``ValueError`` unless ``digits`` is None or an integer 1..17."""
    if digits is not None and (
        isinstance(digits, bool)
        or not isinstance(digits, (int, np.integer))
        or not 1 <= digits <= 17
    ):
        raise ValueError(
            f"digits must be an integer 1..17 or None (full precision), got {digits!r}"
        )


def _check_sheet_names(tables: Mapping[str, pd.DataFrame]) -> None:
    if not tables:
        raise ValueError("tables is empty: a workbook needs at least one worksheet")
    seen: dict[str, str] = {}
    for name in tables:
        if not isinstance(name, str) or not 1 <= len(name) <= 31:
            raise ValueError(f"worksheet name {name!r} must be text of 1 to 31 characters")
        if _SHEET_FORBIDDEN.search(name) or name.startswith("'") or name.endswith("'"):
            raise ValueError(
                f"worksheet name {name!r} may not contain [ ] : * ? / \\ "
                f"or begin or end with an apostrophe"
            )
        if name.lower() in seen:
            raise ValueError(
                f"worksheet names {seen[name.lower()]!r} and {name!r} are the same to Excel "
                f"(names are compared ignoring case)"
            )
        seen[name.lower()] = name


def _meaningful_index(df: pd.DataFrame) -> bool:
    """Whether the index carries data (ids) rather than being a default row position."""
    return not isinstance(df.index, pd.RangeIndex) or any(
        name is not None for name in df.index.names
    )


# --------------------------------------------------------------------------------------------
# worksheets
# --------------------------------------------------------------------------------------------

#: rows of an Excel worksheet (the header included) and characters of one cell
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_CELL_CHARS = 32_767
#: column widths in characters: from the content, within these bounds
WIDTH_MIN, WIDTH_MAX = 8, 50
_SAMPLE_ROWS = 20_000  # rows looked at for the widths of text columns


def _sheet_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table as written: a meaningful index as leading columns, names as text."""
    out = table.reset_index() if _meaningful_index(table) else table
    if out.columns.nlevels > 1:
        out = out.set_axis(["_".join(map(str, c)) for c in out.columns], axis=1)
    return out


def _check_sheet_sizes(sheets: list[tuple[str, pd.DataFrame]]) -> None:
    """Excel's limits, before anything is written: a clear error, never a cut table."""
    for name, table in sheets:
        if len(table) > EXCEL_MAX_ROWS - 1:
            raise ValueError(
                f"table {name!r} has {len(table):,} rows; an Excel worksheet holds at most "
                f"{EXCEL_MAX_ROWS - 1:,} below its header row: write --format csv or parquet"
            )
        for j, column in enumerate(table.columns):
            col = table[column]
            if col.dtype != object and not isinstance(col.dtype, pd.StringDtype):
                continue
            lengths = col.map(lambda v: len(v) if isinstance(v, str) else 0, na_action="ignore")
            if len(lengths) and lengths.max() > EXCEL_MAX_CELL_CHARS:
                i = int(np.argmax(lengths.to_numpy(dtype=float, na_value=0.0)))
                raise ValueError(
                    f"table {name!r}, row {i + 2}, column {column!r}: a text of "
                    f"{int(lengths.iloc[i]):,} characters; an Excel cell holds at most "
                    f"{EXCEL_MAX_CELL_CHARS:,}: write --format csv or parquet"
                )


def _column_values(col: pd.Series) -> tuple[list[Any], str]:
    """The column's cells as Python values (``None``: missing, an empty cell) and their kind:
    "number", "bool", "text" or "mixed" (decided per cell)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype(object)
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype):
        mask = col.isna().to_numpy(dtype=bool)
        values = col.to_numpy(dtype=object)
        return [None if m else bool(v) for v, m in zip(values, mask, strict=True)], "bool"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        x = col.to_numpy(dtype=np.float64, na_value=np.nan)
        if pd.api.types.is_integer_dtype(dtype) and not col.isna().any():
            return col.to_numpy().tolist(), "number"
        out: list[Any] = x.tolist()
        finite = np.isfinite(x)
        if not finite.all():
            for i in np.flatnonzero(~finite):  # missing: empty; infinite: the text inf
                out[i] = None if np.isnan(x[i]) else ("inf" if x[i] > 0 else "-inf")
            return out, "mixed"
        return out, "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        text = col.astype(str).where(col.notna(), None)
        return text.tolist(), "text"
    missing = col.isna().to_numpy(dtype=bool)
    values = col.to_numpy(dtype=object)
    cells = [None if m else v for v, m in zip(values, missing, strict=True)]
    if all(isinstance(v, str) for v in cells if v is not None):
        return cells, "text"
    return cells, "mixed"


def _write_mixed(sheet: Any, row: int, col: int, value: Any, style: Any, whole: Any) -> None:
    if isinstance(value, (bool, np.bool_)):
        sheet.write_boolean(row, col, bool(value), style)
    elif isinstance(value, (int, np.integer)):  # a count among other cells: shown whole
        sheet.write_number(row, col, float(value), whole)
    elif isinstance(value, (float, np.floating)):
        f = float(value)
        if np.isfinite(f):
            sheet.write_number(row, col, f, style)
        elif not np.isnan(f):
            sheet.write_string(row, col, "inf" if f > 0 else "-inf")
    else:
        sheet.write_string(row, col, str(value))


def _width(name: str, values: list[Any], kind: str, spec: str) -> float:
    """Characters wide: the header (plus the filter button) or the widest cell as shown."""
    widest = len(str(name)) + 3
    if kind == "number":
        numbers, texts = values, []
    else:
        sample = values[:_SAMPLE_ROWS]
        numbers = [
            v for v in sample if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
        ]
        texts = [v for v in sample if v is not None and not isinstance(v, (int, float, np.number))]
    x = np.asarray(numbers, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size:
        big = float(np.max(np.abs(x)))
        sign = int(bool(np.any(x < 0)))
        if spec.endswith("%"):
            decimals = len(spec.split(".")[1]) - 1 if "." in spec else 0
            widest = max(widest, len(f"{big * 100:.0f}") + sign + decimals + 2)
        elif spec.startswith("0"):
            decimals = len(spec.split(".")[1]) if "." in spec else 0
            widest = max(widest, len(f"{big:.0f}") + sign + decimals + 1)
        else:  # General shows up to 11 characters of a number
            widest = max(widest, min(len(f"{big:.0f}") + sign + 7, 11))
    if texts:
        widest = max(widest, max(len(str(v)) for v in texts) + 1)
    return float(min(max(widest, WIDTH_MIN), WIDTH_MAX))


def _write_sheet(
    sheet: Any,
    table: pd.DataFrame,
    styles: Mapping[str, Any],
    specs: Mapping[str, str],
    header: Any,
    whole: Any,
) -> None:
    """One table on one worksheet: a bold header row that stays in view when scrolling, a
    filter over the data, widths from the content and the number formats given by column
    (the cells keep the full values; missing values are empty cells)."""
    names = [str(c) for c in table.columns]
    n_rows, n_cols = table.shape
    columns = [_column_values(table[c]) for c in table.columns]
    sheet.freeze_panes(1, 0)
    if n_cols:
        sheet.autofilter(0, 0, n_rows, n_cols - 1)
    for j, (name, (values, kind)) in enumerate(zip(names, columns, strict=True)):
        spec = specs.get(name, "")
        sheet.set_column(j, j, _width(name, values, kind, spec), styles.get(name))
    for j, name in enumerate(names):
        sheet.write_string(0, j, name, header)
    writers = []
    for j, (values, kind) in enumerate(columns):
        if kind == "number":
            writers.append((j, values, sheet.write_number))
        elif kind == "text":
            writers.append((j, values, sheet.write_string))
        elif kind == "bool":
            writers.append((j, values, sheet.write_boolean))
        else:
            style = styles.get(names[j])
            writers.append(
                (j, values, lambda r, c, v, s=style: _write_mixed(sheet, r, c, v, s, whole))
            )
    # constant-memory mode: every row is written in order, then left behind
    for i in range(n_rows):
        r = i + 1
        for j, values, write in writers:
            v = values[i]
            if v is not None:
                write(r, j, v)
