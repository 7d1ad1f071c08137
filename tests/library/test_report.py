"""The HTML report: self-contained, both languages, verdicts first; ``measure report`` CLI;
and a real browser (headless Chromium) renders it."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

import measure  # noqa: E402
from measure.cli.report import dif_csv_table, report_cmd, write_calibration_report  # noqa: E402
from measure.diagnostics import assess  # noqa: E402
from measure.report import render_report, write_report  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")


def _data(seed: int = 3, n: int = 300) -> pd.DataFrame:
    """Six 4-category items (item6 with disordered thresholds), a sex column with DIF in item2."""
    rng = np.random.default_rng(seed)
    thr = [[-1.5, 0.0, 1.5]] * 5 + [[-1.5, 0.6, -0.4, 1.5]]
    base = measure.simulate_responses(thresholds=thr, theta=rng.normal(0, 1, n), rng=rng)
    shifted = [list(t) for t in thr]
    shifted[1] = [t + 1.2 for t in shifted[1]]
    focal = measure.simulate_responses(thresholds=shifted, theta=rng.normal(0, 1, n), rng=rng)
    data = pd.concat([base.responses, focal.responses], ignore_index=True).astype("Int64")
    data.insert(0, "id", [f"p{i:04d}" for i in range(2 * n)])
    data["sex"] = np.repeat(["kvinna", "man"], n)
    return data


@pytest.fixture(scope="module")
def assessment():
    data = _data()
    cal = measure.calibrate(
        data, items=[f"item{i}" for i in range(1, 7)], id_column="id", model="pcm"
    )
    return assess(cal, groups=data["sex"])


@pytest.fixture(scope="module")
def html_en(assessment) -> str:
    return render_report(assessment, lang="en", max_curves=2)


@pytest.fixture(scope="module")
def html_sv(assessment) -> str:
    return render_report(assessment, lang="sv", max_curves=2, command="measure report x.csv")


def test_report_is_self_contained(html_en):
    assert html_en.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html_en)
    assert "<script" not in html_en and "<link" not in html_en and "@import" not in html_en
    assert not re.search(r"url\(\s*['\"]?https?:", html_en)
    images = re.findall(r'<img alt="" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html_en)
    # wright map, information, 2 category curves, 2 expected-score curves, loadings, DIF
    assert len(images) == 8
    assert all(len(im) > 2000 for im in images)


def test_verdicts_come_first_then_details_then_settings(html_en, assessment):
    pos = [
        html_en.index(f'id="{key}"')
        for key in ("summary", "details", "items", "wright", "categories", "dif", "settings")
    ]
    assert pos == sorted(pos)
    assert html_en.count('<div class="card ') == len(assessment.verdicts)
    summary = html_en[pos[0] : pos[1]]
    assert "Can the scale be used to compare groups?" in summary
    assert 'data-topic="categories"' in summary and "item6: merge" in summary
    assert 'data-topic="dif"' in summary and "item2 (C" in summary
    assert "Rule:" in summary and "Source: Linacre 2002" in summary


def test_settings_and_versions_make_the_report_reproducible(html_en):
    settings = html_en[html_en.index('id="settings"') :]
    for text in (
        "pcm",
        "numpy",
        "scipy",
        "pandas",
        "matplotlib",
        measure.__version__,
        "q3_star_cutoff",
        "0.64",
        "Christensen, Makransky &amp; Horton 2017",
        "sex (reference kvinna)",
    ):
        assert text in settings, text


def test_swedish_report(html_sv, assessment):
    assert '<html lang="sv">' in html_sv
    assert "Sammanfattning: går det att lita på siffrorna?" in html_sv
    assert "Kan skalan användas för att jämföra grupper?" in html_sv
    rel = assessment.calibration.reliability["person_reliability"]
    assert f"{rel:.2f}".replace(".", ",") in html_sv  # decimal comma
    assert "slå ihop" in html_sv and "Regel:" in html_sv
    assert "measure report x.csv" in html_sv
    assert "Can the scale" not in html_sv


def test_report_rejects_unknown_language(assessment):
    with pytest.raises(ValueError, match=r"lang='fi' is not one of 'en', 'sv'"):
        render_report(assessment, lang="fi")


def test_write_report_is_atomic_and_readable(assessment, tmp_path):
    path = write_report(assessment, tmp_path / "sub" / "r.html", max_curves=1)
    assert path.read_text(encoding="utf-8").endswith("</html>\n")
    mode = path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
    assert [p.name for p in path.parent.iterdir()] == ["r.html"]


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no browser: /usr/bin/chromium is not installed "
    "(Debian package 'chromium'; .ci/run installs it)",
)
def test_report_renders_in_headless_chromium(html_en, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(html_en, encoding="utf-8")
    shot = tmp_path / "shot.png"
    profile = tmp_path / "profile"
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--screenshot={shot}",
        "--window-size=1200,2000",
        page.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    img = matplotlib.image.imread(str(shot))[..., :3]  # floats in 0..1
    assert img.shape == (2000, 1200, 3)
    rgb = np.round(img * 255).astype(int)
    assert rgb.std() > 30  # not a blank page

    def near(colour: tuple[int, int, int], region: np.ndarray) -> int:
        return int((np.abs(region - np.array(colour)).sum(axis=2) < 30).sum())

    assert near((0x23, 0x39, 0x5D), rgb[:80]) > 50_000  # the dark header band
    assert near((0x2F, 0x9E, 0x44), rgb) > 500  # green "OK" badges and card borders
    assert near((0xE0, 0x31, 0x31), rgb) > 500  # red "Problem" (disordered categories, DIF)
    # text lines: many rows below the header mix dark ink and white paper
    body = rgb[120:].mean(axis=2)
    inked = ((body < 100).sum(axis=1) > 5).sum()
    assert inked > 300


# ------------------------------------------------------------------------------ CLI


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "survey.csv"
    _data(seed=5, n=150).to_csv(path, index=False)
    return path


def test_cli_report_with_dif(csv_file, tmp_path):
    out = tmp_path / "rapport.html"
    res = CliRunner().invoke(
        report_cmd,
        [str(csv_file), "--out", str(out), "--lang", "sv", "--id-column", "id", "--dif", "sex"],
    )
    assert res.exit_code == 0, res.output
    assert "Skrev" in res.output and "problem" in res.output  # the summary follows --lang
    html = out.read_text(encoding="utf-8")
    assert '<html lang="sv">' in html and 'id="dif"' in html and "survey.csv" in html
    assert "--dif sex" in html  # the command line, for reproducibility
    # default items: every column but the id and the DIF column; default model for 0..3: pcm
    assert "item1, item2, item3, item4, item5, item6</td>" in html
    assert '<td class="text">pcm</td>' in html


def test_cli_usage_errors_exit_2(csv_file, tmp_path):
    runner = CliRunner()
    out = tmp_path / "r.html"
    res = runner.invoke(report_cmd, [str(csv_file), "--out", str(out), "--lang", "de"])
    assert res.exit_code == 2 and "'de' is not one of 'en', 'sv'" in res.output
    res = runner.invoke(
        report_cmd, [str(csv_file), "--out", str(out), "--id-column", "id", "--dif", "gender"]
    )
    assert res.exit_code == 2 and "--dif column(s) not found in survey.csv: gender" in res.output
    out.write_text("old", encoding="utf-8")
    res = runner.invoke(report_cmd, [str(csv_file), "--out", str(out)])
    assert res.exit_code == 2 and "output exists" in res.output and "--force" in res.output
    assert out.read_text(encoding="utf-8") == "old"


def test_cli_data_error_exits_1_without_traceback(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("q1,q2,q3\n0,1,1\n1,x,0\n1,1,0\n0,0,1\n", encoding="utf-8")
    res = CliRunner().invoke(report_cmd, [str(path), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 1
    assert "error:" in res.output and "'x'" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "r.html").exists()


def test_helpers_for_calibrate_report_and_dif(assessment, tmp_path):
    data = _data()
    cal = assessment.calibration
    a = write_calibration_report(
        cal, tmp_path / "report.html", frame=data, dif_column="sex", max_curves=1
    )
    assert (tmp_path / "report.html").exists() and a.dif is not None
    tab = dif_csv_table(a)
    assert tab.columns.tolist() == [
        "item",
        "group",
        "reference",
        "contrast",
        "se",
        "z",
        "p",
        "ets_class",
        "anchor",
        "mh_logit",
        "mh_se",
        "mh_p",
        "mh_class",
        "partial_gamma",
        "partial_gamma_se",
        "partial_gamma_p",
    ]
    assert tab.set_index("item").loc["item2", "ets_class"] == "C"
    with pytest.raises(ValueError, match=r"no DIF analysis"):
        dif_csv_table(assess(cal))
    with pytest.raises(ValueError, match=r"needs the data frame"):
        write_calibration_report(cal, tmp_path / "x.html", dif_column="sex")
