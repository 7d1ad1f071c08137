"""The progress line: it keeps ticking during a stage, only on a terminal, its ticker stops with
the run, and other stderr output is not mixed into it; and the one DIF line of calibrate --dif."""

from __future__ import annotations

import io
import re
import threading
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from measure.cli._common import TICKER_THREAD, Progress, collect_warnings
from measure.cli.calibrate import DIF_LINE_ITEMS, dif_line
from measure.cli.main import cli
from measure.diagnostics import DIFResult
from measure.exceptions import MeasureWarning

EXAMPLE = Path(__file__).parents[2] / "examples" / "wellbeing_survey.csv"
LINE = re.compile(r"measure: (.*?) \.\.\. (\d+\.\d) s \(total (\d+\.\d) s\)")


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _tickers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == TICKER_THREAD]


def _draws(text: str) -> list[tuple[str, float, float]]:
    return [(m[1], float(m[2]), float(m[3])) for m in LINE.finditer(text)]


def test_a_long_stage_keeps_ticking_with_increasing_times() -> None:
    stream = Terminal()
    with Progress(True, stream, interval=0.2) as progress:
        progress.stage("calibrating")
        time.sleep(1.5)
    draws = _draws(stream.getvalue())
    assert all(stage == "calibrating" for stage, _, _ in draws)
    assert len(draws) >= 3  # the first draw and at least two ticks (about seven expected)
    stage_times = [s for _, s, _ in draws]
    totals = [t for _, _, t in draws]
    assert stage_times == sorted(stage_times) and totals == sorted(totals)
    assert stage_times[-1] > stage_times[0]
    assert stream.getvalue().endswith("\r")  # the line was cleared
    assert not _tickers()


def test_stage_and_sub_stage_times() -> None:
    stream = Terminal()
    with Progress(True, stream, interval=10) as progress:
        progress.stage("report")
        time.sleep(0.25)
        progress.sub("report")("item fit")
    (first, _, total0), (second, stage1, total1) = _draws(stream.getvalue())
    assert (first, second) == ("report", "report: item fit")
    assert stage1 < total1 and total1 >= 0.2 > total0  # the sub-stage's clock starts anew


def test_nothing_written_and_no_thread_when_not_a_terminal() -> None:
    stream = io.StringIO()  # isatty() is False
    progress = Progress(enabled=False, stream=stream, interval=0.05)
    progress.stage("calibrating")
    assert not _tickers()
    time.sleep(0.2)
    progress.done()
    assert stream.getvalue() == ""


def test_for_terminal_is_disabled_when_quiet_or_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stderr", Terminal())
    assert Progress.for_terminal(quiet=False).enabled
    assert not Progress.for_terminal(quiet=True).enabled
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert not Progress.for_terminal(quiet=False).enabled


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_ticker_stops_on_an_exception(error: BaseException) -> None:
    stream = Terminal()
    with pytest.raises(type(error)), Progress(True, stream, interval=0.05) as progress:
        progress.stage("calibrating")
        assert len(_tickers()) == 1
        raise error
    assert not _tickers()
    assert stream.getvalue().endswith("\r")


def test_done_twice_and_a_new_stage_after_done() -> None:
    stream = Terminal()
    progress = Progress(True, stream, interval=0.05)
    progress.stage("reading")
    progress.done()
    progress.done()
    assert not _tickers()
    progress.stage("writing")
    assert len(_tickers()) == 1
    progress.done()
    assert not _tickers()


def test_echo_clears_the_line_before_the_message() -> None:
    stream = Terminal()
    with Progress(True, stream, interval=10) as progress:
        progress.stage("calibrating")
        progress.echo("warning: item q3 has no answers in category 4")
    text = stream.getvalue()
    width = len(_draws(text)[0][0]) + len("measure:  ... 0.0 s (total 0.0 s)")
    before, after = text.split("warning: item q3", 1)
    assert before.endswith("\r" + " " * width + "\r")  # the progress line blanked first
    assert after.startswith(" has no answers in category 4\n\rmeasure: calibrating")  # drawn anew


def test_warnings_are_printed_through_the_progress_line() -> None:
    stream = Terminal()
    sink: list[str] = []
    with Progress(True, stream, interval=10) as progress:
        progress.stage("calibrating")
        with collect_warnings(sink, echo=True, verbose=False, progress=progress):
            warnings.warn("two persons have no answers", MeasureWarning, stacklevel=1)
    assert sink == ["two persons have no answers"]
    text = stream.getvalue()
    assert "\rwarning: two persons have no answers\n" in text
    assert "swarning" not in text  # not glued to the progress line


def test_the_ticker_and_the_main_thread_never_interleave_a_line() -> None:
    stream = Terminal()
    with Progress(True, stream, interval=0.001) as progress:
        for k in range(200):
            progress.stage(f"stage {k}")
    # every write is one whole "\r"-led line: split on "\r" gives only whole lines or blanks
    for piece in stream.getvalue().split("\r"):
        assert not piece.strip() or LINE.fullmatch(piece.rstrip())


# ------------------------------------------------------------------------------ the DIF line


def _dif_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("DIF by", "DIF efter"))]


def _flagged(dif_csv: pd.DataFrame) -> dict[str, str]:
    worst: dict[str, str] = {}
    for item, cls in zip(dif_csv["item"].astype(str), dif_csv["ets_class"], strict=True):
        if cls in ("B", "C") and worst.get(item) != "C":
            worst[item] = cls
    return worst


def _calibrate(tmp_path: Path, *extra: str) -> tuple[str, Path]:
    out = tmp_path / "out"
    args = ["calibrate", str(EXAMPLE), "--id-column", "id", "--instrument", "who5"]
    res = CliRunner().invoke(cli, [*args, "--out", str(out), *extra])
    assert res.exit_code == 0, res.output
    return res.stdout, out


def test_calibrate_dif_prints_one_line_naming_the_flagged_items(tmp_path: Path) -> None:
    stdout, out = _calibrate(tmp_path, "--dif", "municipality")
    (line,) = _dif_lines(stdout)
    flagged = _flagged(pd.read_csv(out / "dif.csv"))
    assert flagged  # the example has DIF (who5_5, class B, in the shipped example)
    named = dict(re.findall(r"(\w+) \(([BC])\)", line))
    assert named == flagged
    n_items = pd.read_csv(out / "dif.csv")["item"].nunique()
    assert line.startswith(f"DIF by municipality: {len(flagged)} of {n_items} items")


def test_dif_line_in_swedish_with_lang_sv(tmp_path: Path) -> None:
    stdout, out = _calibrate(tmp_path, "--dif", "municipality", "--lang", "sv")
    (line,) = _dif_lines(stdout)
    assert line.startswith("DIF efter municipality: ")
    assert "frågor med måttlig till stor DIF" in line


def test_no_dif_line_without_dif_or_with_quiet(tmp_path: Path) -> None:
    stdout, _ = _calibrate(tmp_path)
    assert _dif_lines(stdout) == []
    stdout, _ = _calibrate(tmp_path / "q", "--dif", "municipality", "--quiet")
    assert stdout == ""


def _result(items: list[str], classes: list[str | None]) -> DIFResult:
    table = pd.DataFrame({"item": items, "ets_class": pd.Series(classes, dtype=object)})
    groups = pd.DataFrame({"group": ["A", "B"]})
    return DIFResult(table=table, name="kommun", reference="A", groups=groups, rule="")


def test_dif_line_worst_class_in_item_order_and_not_estimable_items() -> None:
    res = _result(["q2", "q1", "q2", "q3", "q4"], ["B", "A", "C", None, "B"])
    assert dif_line(res, ["q1", "q2", "q3", "q4"]) == (
        "DIF by kommun: 2 of 4 items with moderate-to-large DIF (ETS B/C): q2 (C), q4 (B); "
        "not estimable: q3."
    )
    quiet = _result(["q1", "q2"], ["A", "A"])
    assert dif_line(quiet, ["q1", "q2"]) == (
        "DIF by kommun: no item with notable DIF (ETS B/C) among 2 items."
    )
    assert dif_line(quiet, ["q1", "q2"], "sv") == (
        "DIF efter kommun: ingen fråga med påtaglig DIF (ETS B/C) bland 2 frågor."
    )


def test_dif_line_names_at_most_a_few_items() -> None:
    items = [f"q{k}" for k in range(DIF_LINE_ITEMS + 3)]
    line = dif_line(_result(items, ["B"] * len(items)), items)
    assert line.count("(B)") == DIF_LINE_ITEMS
    assert line.endswith("and 3 more (dif.csv).")
