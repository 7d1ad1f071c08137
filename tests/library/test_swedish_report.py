"""--lang sv all the way: every section of the calibrate, score and compare reports, rendered in
Swedish on data that triggers every section and message, holds no English words."""

from __future__ import annotations

import html
import platform
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import measure  # noqa: E402
from measure.diagnostics import assess  # noqa: E402
from measure.instrument import Category, Instrument, Item  # noqa: E402
from measure.report import render_report  # noqa: E402
from measure.report.comparison import _W as COMPARISON_WORDS  # noqa: E402
from measure.report.comparison import render_comparison_report  # noqa: E402
from measure.report.i18n import TEXT  # noqa: E402
from measure.report.scoring import _W as SCORING_WORDS  # noqa: E402
from measure.report.scoring import render_scoring_report  # noqa: E402

ITEMS = [f"f{i}" for i in range(1, 8)]
_WORD = re.compile(r"[^\W\d_]+")

#: words written the same in Swedish (and proper nouns, technical terms)
ALLOWED = {
    "rasch", "infit", "outfit", "zstd", "mnsq", "logit", "logits", "mantel", "haenszel", "erm",
    "iarm", "winsteps", "wright", "linacre", "andrich", "andersen", "andersens", "smith",
    "smiths", "yen", "yens", "christensen", "kreiner", "wilson", "hilferty", "goodman",
    "kruskal", "benjamini", "hochberg", "ets", "cml", "wle", "mle", "ml", "pcm", "rsm", "se",
    "sd", "sem", "df", "lr", "mh", "dif", "bh", "data", "info", "ok", "problem", "version",
    "python", "numpy", "scipy", "pandas", "matplotlib", "click", "measure", "gamma", "alpha",
    "median", "total", "test", "rest", "information", "precision", "program", "status", "z",
    "p", "n", "q", "chi", "utc", "html",
    "csv", "json", "mapping", "recode", "diagnostics", "calibrate", "score", "compare",
    "report", "lang", "out", "pairwise", "auto",
}  # fmt: skip

#: English words that must not appear, beyond the English side of the reports' dictionaries
COMMON = {
    "the", "and", "not", "fewer", "than", "two", "can", "be", "estimated", "every", "group",
    "groups", "category", "categories", "used", "low", "high", "ci", "item", "items", "of",
    "with", "without", "answers", "answer", "persons", "person", "reason", "note", "setting",
    "value", "reference", "anchors", "anchor", "was", "were", "missing", "patterns", "most",
    "frequent", "tested", "only", "computed", "available", "none", "yes", "no", "threshold",
    "share", "change", "mean", "measure", "measures", "drift", "drifting", "displacement",
    "model", "method", "iterations", "converged", "collapsed", "source", "command", "language",
    "installed", "informative", "extreme", "score", "scores", "calibration", "failed", "this",
    "that", "there", "their", "which", "where", "when", "because", "set", "aside", "policy",
    "tolerance", "minimum", "answered", "estimator", "above", "below", "rows", "row", "read",
    "unit", "reporting", "sample", "singular", "free", "fixed", "exact", "taken",
    "caution", "skewed", "look", "tail", "shape", "check", "distribution", "rule", "rules",
    "applied", "topic", "package", "true", "false", "from", "to", "or", "for", "on", "by",
}  # fmt: skip

#: titles of cited journals and books, and the names of peer functions: quoted as published
CITED = (
    "Rasch Measurement Transactions",
    "Journal of Applied Measurement",
    "Applied Psychological Measurement",
    "Arthritis Care & Research",
    "Journal of Clinical Epidemiology",
    "Journal of Statistical Distributions and Applications",
    "Rasch Models in Health",
    "item_restscore",
    "out_infit",
    "partgam_DIF",
    "partgam_LD",
)
_URL = re.compile(r"\b[\w.-]+\.(?:org|com)(?:/[\w./-]*)?")

#: Swedish words spelt like English ones: never counted as English
SWEDISH_HOMOGRAPHS = {
    "man",
    "in",
    "is",
    "under",
    "till",
    "by",
    "data",
    "test",
    "rest",
    "den",
    "person",
}


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 1}


def _english_words() -> set[str]:
    en: set[str] = set(COMMON)
    sv: set[str] = set()
    for entry in TEXT.values():
        en |= _words(entry["en"])
        sv |= _words(entry["sv"])
    for words in (SCORING_WORDS, COMPARISON_WORDS):
        for en_text, sv_text in words.values():
            en |= _words(en_text)
            sv |= _words(sv_text)
    return en - sv - ALLOWED - SWEDISH_HOMOGRAPHS


ENGLISH = _english_words()


def visible_text(doc: str) -> str:
    """The text a reader sees: no tags, scripts, styles or embedded images."""
    doc = re.sub(r"<(style|script)\b.*?</\1>", " ", doc, flags=re.S | re.I)
    doc = re.sub(r"<[^>]+>", " ", doc)
    doc = html.unescape(doc).replace(platform.platform(), " ")
    for title in CITED:
        doc = doc.replace(title, " ")
    return _URL.sub(" ", doc)


def english_in(doc: str) -> list[str]:
    """The English words in the visible text, each with a little context."""
    text = visible_text(doc)
    found = []
    for m in _WORD.finditer(text):
        if len(m.group()) > 1 and m.group().lower() in ENGLISH:
            found.append(
                f"{m.group()!r}: " + text[max(0, m.start() - 40) : m.end() + 40].replace("\n", " ")
            )
    return found


def _instrument() -> Instrument:
    labels = [
        ("Aldrig", "Never"),
        ("Sällan", "Rarely"),
        ("Ofta", "Often"),
        ("Alltid", "Always"),
        ("Jämt", "Constantly"),
    ]
    items = []
    for i, item in enumerate(ITEMS):
        n_cat = 5 if item == "f6" else 4
        cats = tuple(
            Category(code=k, labels={"sv": sv, "en": en})
            for k, (sv, en) in enumerate(labels[:n_cat])
        )
        items.append(
            Item(
                id=item,
                text={"sv": f"Jag känner mig lugn ({i + 1})", "en": f"I feel calm ({i + 1})"},
                reverse=False,
                categories=cats,
            )
        )
    return Instrument(
        id="lugn",
        version="1",
        title={"sv": "Lugn", "en": "Calm"},
        construct={"sv": "Lugn", "en": "Calm"},
        source="testdata",
        licence="fri",
        items=tuple(items),
        default_model="pcm",
    )


def _data(seed: int = 5, n: int = 300) -> pd.DataFrame:
    """Seven items: f6 with disordered thresholds and an unused top category among low scorers,
    f7 a near copy of f5 (local dependence), DIF in f2 between kvinnor and män, a tiny group
    'övriga' where fewer than two items can be estimated, and scattered missing answers (more
    than 50 missing-data patterns)."""
    rng = np.random.default_rng(seed)
    thr = [[-1.5, 0.0, 1.5]] * 5 + [[-1.0, 0.8, -0.4, 3.5]] + [[-1.5, 0.0, 1.5]]
    theta = rng.normal(0, 1, 2 * n)
    base = measure.simulate_responses(thresholds=thr, theta=theta[:n], rng=rng).responses
    shifted = [list(t) for t in thr]
    shifted[1] = [t + 1.2 for t in shifted[1]]
    focal = measure.simulate_responses(thresholds=shifted, theta=theta[n:], rng=rng).responses
    data = pd.concat([base, focal], ignore_index=True)
    data.columns = ITEMS
    data["f7"] = np.where(rng.random(2 * n) < 0.85, data["f5"], data["f7"])
    values = data.to_numpy(dtype=float)
    values[rng.random(values.shape) < 0.15] = np.nan
    # the tiny group: three persons, all at the lowest category
    tiny = np.zeros((3, len(ITEMS)))
    frame = pd.DataFrame(np.vstack([values, tiny]), columns=ITEMS).astype("Int64")
    frame.insert(0, "id", [f"p{i:04d}" for i in range(len(frame))])
    frame["kön"] = ["kvinnor"] * n + ["män"] * n + ["övriga"] * 3
    return frame


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return _instrument()


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return _data()


@pytest.fixture(scope="module")
def calibration(data, instrument):
    return measure.calibrate(data, items=ITEMS, id_column="id", model="pcm", instrument=instrument)


@pytest.fixture(scope="module")
def assessment(calibration, data):
    return assess(calibration, groups=data["kön"].reset_index(drop=True))


def test_the_data_trigger_every_section_and_message(assessment):
    lr = assessment.lr_median
    assert "missing-data patterns" in lr.note  # tested on the most frequent patterns
    assert assessment.lr_groups is not None and len(assessment.lr_groups.dropped)
    assert any("not used" in str(r) for r in assessment.lr_groups.dropped["reason"])
    dif = assessment.dif
    assert dif is not None
    assert any("fewer than two items" in str(n) for n in dif.table["note"])
    assert assessment.local_dependence.pairs["flagged"].any()
    assert assessment.collapse.mapping  # disordered thresholds: merges suggested
    statuses = {v.topic: v.status for v in assessment.verdicts}
    assert statuses["local_dependence"] != "ok" and statuses["categories"] != "ok"


def test_calibrate_report_in_swedish_has_no_english(assessment, instrument):
    doc = render_report(
        assessment,
        lang="sv",
        max_curves=1,
        instrument=instrument,
        settings={"model": "pcm", "dif": "kön"},
        command="measure calibrate data.csv --out ut --lang sv --report",
    )
    found = english_in(doc)
    assert not found, f"{len(found)} English word(s), e.g.:\n" + "\n".join(found[:40])
    # the words are there in Swedish, with the instrument's labels
    text = visible_text(doc)
    for word in ("färre än två frågor", "kategori", "låg", "KI", "Aldrig", "Jag känner mig lugn"):
        assert word in text, word


def test_english_report_keeps_the_english_messages(assessment, instrument):
    doc = render_report(assessment, lang="en", max_curves=1, instrument=instrument)
    text = visible_text(doc)
    for phrase in ("fewer than two items can be estimated", "not used", "Never", "I feel calm"):
        assert phrase in text, phrase


def test_settings_show_each_setting_once_and_a_shell_command(assessment):
    doc = render_report(
        assessment,
        lang="sv",
        max_curves=1,
        settings={"model": "pcm", "method": "auto"},
        command_args=["measure", "calibrate", "min fil.csv", "--out", "ut", "--lang", "sv"],
    )
    settings = doc[doc.index('id="settings"') :]
    keys = re.findall(r'<tr class=""><td class="text">([^<]*)</td>', settings.split("<h3>")[0])
    assert len(keys) == len(set(keys)), keys
    assert "measure calibrate &#x27;min fil.csv&#x27; --out ut --lang sv" in settings


@pytest.fixture(scope="module")
def scoring(calibration, data, instrument):
    ref = measure.results.reference_from_calibration(calibration)
    new = data.copy()
    rng = np.random.default_rng(9)
    # f3 much harder in the new data: it drifts and is set aside
    f3 = new["f3"].astype("Float64")
    new["f3"] = (f3 - (rng.random(len(new)) < 0.7)).clip(lower=0).astype("Int64")
    new["f6"] = new["f6"].clip(upper=3)  # the top category unused: no score test
    return measure.score(new, ref, items=ITEMS, id_column="id", keep=["kön"])


def test_scoring_report_in_swedish_has_no_english(scoring, instrument):
    assert list(scoring.items_set_aside)
    doc = render_scoring_report(scoring, lang="sv", by=["kön"], instrument=instrument)
    found = english_in(doc)
    assert not found, f"{len(found)} English word(s), e.g.:\n" + "\n".join(found[:40])


def test_comparison_report_in_swedish_has_no_english(scoring):
    persons = scoring.persons
    pre = persons.copy()
    post = persons.copy()
    post["measure"] = post["measure"] + 0.3
    result = measure.compare({"våren": pre, "hösten": post}, by=["kön"], paired=True, threshold=0.5)
    doc = render_comparison_report(result, lang="sv", by=["kön"])
    found = english_in(doc)
    assert not found, f"{len(found)} English word(s), e.g.:\n" + "\n".join(found[:40])


def test_the_detector_finds_english():
    assert english_in("<p>fewer than two items can be estimated in every group</p>")
    assert english_in("<td>category 4 not used</td>")
    assert english_in("<p>95% CI 1,2</p>") and not english_in("<p>95 % KI 1,2</p>")
    assert not english_in("<style>p { color: red; }</style><p>Rasch: infit 1,02</p>")
