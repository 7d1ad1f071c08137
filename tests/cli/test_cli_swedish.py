"""--lang sv: the summary that calibrate, score and compare print follows the language.

Each command runs twice, in English and in Swedish, on the same data; a word of the English
summary found again in the Swedish one is English left in it, unless it is a name (files,
columns, options, items, models) that is the same in both."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import measure
from measure.cli.main import cli

ITEMS = ",".join(f"item{i}" for i in range(1, 7))
_TOKEN = re.compile(r"\w+")
_PATH = re.compile(r"\S*(/|\.csv|\.json|\.html)\S*")

#: names that are the same in both languages: tables and files, columns, models, technical words
SAME = {
    "measure", "persons", "items", "thresholds", "score_table", "anchors", "summary", "json",
    "csv", "html", "report", "pcm", "rsm", "rasch", "wle", "ok", "extreme_min", "extreme_max",
    "too_few_answers", "no_answers", "infit", "outfit", "mnsq", "logit", "df", "chi",
    "p", "n", "z", "se", "diagnostics", "keep", "drifting", "set", "aside", "max", "kommun",
    "norrby", "väst", "pre", "post", "latent_normal", "ref", "status", "reason",
    "reliabilitet", "kish", "out", "ml", "tennant", "conaghan", "displacement", "drift",
    "score", "test", "groups", "shares", "group_change", "share_change",
}  # fmt: skip


def _words(text: str, tmp_path: Path) -> set[str]:
    text = _PATH.sub(" ", text)  # file names and paths
    return {
        w.lower()
        for w in _TOKEN.findall(text)
        if len(w) > 1 and "_" not in w and not any(c.isdigit() for c in w)
    }


def _leaks(run: list[str], tmp_path: Path, out_en: Path, out_sv: Path) -> tuple[str, set[str]]:
    runner = CliRunner()
    en = runner.invoke(cli, [*run, "--out", str(out_en), "--lang", "en"])
    assert en.exit_code == 0, en.output
    sv = runner.invoke(cli, [*run, "--out", str(out_sv), "--lang", "sv"])
    assert sv.exit_code == 0, sv.output
    english = _words(en.output, tmp_path) - SAME
    return sv.output, english & _words(sv.output, tmp_path)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("sv")
    rng = np.random.default_rng(4)
    sim = measure.simulate_responses(thresholds=[[-1.0, 0.0, 1.0]] * 6, n_persons=300, rng=rng)
    data = sim.responses.copy()
    data.insert(0, "id", [f"p{i:03d}" for i in range(len(data))])
    data["kommun"] = np.where(np.arange(len(data)) % 2, "Norrby", "Väst")
    path = tmp / "enkat.csv"
    data.to_csv(path, index=False)
    new = data.copy()
    new["item2"] = (new["item2"] - (rng.random(len(new)) < 0.8)).clip(lower=0)
    new_path = tmp / "ny.csv"
    new.to_csv(new_path, index=False)
    return {"dir": tmp, "data": path, "new": new_path}


def test_calibrate_summary_follows_lang(files, tmp_path):
    run = ["calibrate", str(files["data"]), "--id-column", "id", "--model", "pcm", "--items", ITEMS]
    run += ["--save-reference", str(files["dir"] / "ref.json"), "--force"]
    out, leaks = _leaks(run, tmp_path, tmp_path / "en", tmp_path / "sv")
    assert not leaks, f"English in the Swedish summary: {sorted(leaks)}\n{out}"
    assert "Personer:" in out and "Skrev:" in out and "frågor" in out


def test_score_summary_follows_lang(files, tmp_path):
    ref = files["dir"] / "ref.json"
    if not ref.exists():
        CliRunner().invoke(
            cli,
            ["calibrate", str(files["data"]), "--id-column", "id", "--model", "pcm"]
            + ["--items", ITEMS, "--out", str(tmp_path / "cal"), "--save-reference", str(ref)],
        )
    run = ["score", str(files["new"]), "--reference", str(ref), "--id-column", "id"]
    run += ["--items", ITEMS, "--report"]
    out, leaks = _leaks(run, tmp_path, tmp_path / "en", tmp_path / "sv")
    assert not leaks, f"English in the Swedish summary: {sorted(leaks)}\n{out}"
    assert "Ankare" in out and "Skrev:" in out
    html = (tmp_path / "sv" / "report.html").read_text(encoding="utf-8")
    # the command line as given, quoted for a shell
    assert "measure score " in html and "--lang sv" in html


def test_compare_summary_follows_lang(tmp_path):
    rng = np.random.default_rng(2)
    for name, mean in (("pre", 0.0), ("post", 0.6)):
        pd.DataFrame(
            {
                "person": [f"p{i:03d}" for i in range(200)],
                "kommun": np.where(np.arange(200) % 2, "Norrby", "Väst"),
                "measure": rng.normal(mean, 1.0, 200),
                "se": 0.4,
            }
        ).to_csv(tmp_path / f"{name}.csv", index=False)
    run = ["compare", str(tmp_path / "pre.csv"), str(tmp_path / "post.csv"), "--paired"]
    run += ["--group", "kommun", "--threshold", "0.5"]
    out, leaks = _leaks(run, tmp_path, tmp_path / "en", tmp_path / "sv")
    assert not leaks, f"English in the Swedish summary: {sorted(leaks)}\n{out}"
    assert "förändring" in out and "Gräns" in out


def test_reader_notice_and_recoding_follow_lang(files, tmp_path):
    """The reader's notice (a title row skipped) and the recoding line are in the command's
    language, on stderr and in the summary's notes."""
    titled = tmp_path / "titled.csv"
    body = files["data"].read_text(encoding="utf-8")
    titled.write_text("Enkät om trygghet 2026\n\n" + body, encoding="utf-8")
    run = ["calibrate", str(titled), "--id-column", "id", "--model", "pcm", "--items", ITEMS]
    run += ["--recode", "item1:3=2"]
    out, leaks = _leaks(run, tmp_path, tmp_path / "en", tmp_path / "sv")
    # the option names, the option's own value, the file's own title and "data" (Swedish too)
    leaks -= {"header", "row", "cli", "missing", "enkät", "om", "trygghet", "data"}
    assert not leaks, f"English in the Swedish summary: {sorted(leaks)}\n{out}"
    assert "varning:" in out and "kolumnnamnen står på rad 3" in out and "Omkodat" in out
    assert "Obs: " in out and "the column names" not in out
    # the summary file keeps the English text (a data file, not a report)
    summary = (tmp_path / "sv" / "summary.json").read_text(encoding="utf-8")
    assert "the column names are on row 3" in summary
