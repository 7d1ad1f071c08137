"""One self-contained HTML report of an :class:`~measure.diagnostics.Assessment`.

Formatting only: every figure comes from the assessment. Plots are embedded as base64 PNG and
the style sheet is inline, so the file opens without a network connection.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import importlib.metadata
import io
import os
import platform
import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from measure.diagnostics.assess import reliability_coverage
from measure.diagnostics.messages import LANGS, QUESTIONS, num, pct
from measure.diagnostics.rules import source_text
from measure.io.write import OutputSet, write_text_atomic
from measure.notes import say
from measure.report.i18n import rule_word, setting_word, topic_word, tr, value_word

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from measure.diagnostics.assess import Assessment
    from measure.instrument import Instrument

__all__ = ["render_report", "write_report"]

_CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; margin: 0;
  color: #1d2330; background: #ffffff; line-height: 1.45; }
main { max-width: 1060px; margin: 0 auto; padding: 24px 32px 48px; }
header.top { background: #23395d; color: #ffffff; padding: 22px 32px; }
header.top h1 { margin: 0 0 6px; font-size: 26px; }
header.top p { margin: 2px 0; color: #dfe6f3; font-size: 14px; }
h2 { border-bottom: 2px solid #23395d; padding-bottom: 4px; margin-top: 36px; }
h3 { margin-top: 28px; color: #23395d; }
p.note { color: #4a5568; font-size: 13px; }
section.verdicts { page-break-after: always; }
div.card { border: 1px solid #d6dbe4; border-left: 8px solid #999; border-radius: 6px;
  padding: 10px 16px; margin: 12px 0; background: #fbfcfe; }
div.card.ok { border-left-color: #2f9e44; }
div.card.warning { border-left-color: #f08c00; }
div.card.problem { border-left-color: #e03131; }
div.card.info { border-left-color: #1c7ed6; }
div.card h3 { margin: 2px 0 6px; font-size: 17px; color: #1d2330; }
span.badge { display: inline-block; min-width: 86px; text-align: center; font-size: 13px;
  font-weight: bold; color: #ffffff; border-radius: 12px; padding: 2px 10px; margin-right: 10px; }
span.badge.ok { background: #2f9e44; } span.badge.warning { background: #f08c00; }
span.badge.problem { background: #e03131; } span.badge.info { background: #1c7ed6; }
p.answer { margin: 4px 0 6px; font-size: 15px; }
p.rule { margin: 0; color: #5c6677; font-size: 12px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #d6dbe4; padding: 3px 8px; text-align: right; }
th { background: #eef2f8; }
td.text, th.text { text-align: left; }
tr.flag td { background: #fff1e6; }
tr.bad td { background: #ffe3e3; }
figure { margin: 10px 0 22px; }
figure img { max-width: 100%; border: 1px solid #e3e7ee; }
figcaption { font-size: 12px; color: #5c6677; }
div.grid { display: flex; flex-wrap: wrap; gap: 12px; }
div.grid figure { flex: 1 1 460px; margin: 4px 0; }
code { background: #f1f3f5; padding: 1px 4px; border-radius: 3px; }
"""


# ------------------------------------------------------------------------------ helpers


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def _figure(draw: Callable[[Axes], object], size: tuple[float, float]) -> str:
    """Draw into a fresh Agg figure (no pyplot state) and return an <img> with a data URI."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # a constrained layout makes room for the labels and the legends outside the axes (one
    # layout pass, not the second drawing of a "tight" bounding box)
    fig: Figure = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    draw(ax)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="" src="data:image/png;base64,{data}">'


def _fig_block(img: str, caption: str = "") -> str:
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    return f"<figure>{img}{cap}</figure>"


Column = tuple[str, tuple[str, str], Callable[[Any], str]]


def _table(
    df: pd.DataFrame,
    columns: Sequence[Column],
    lang: str,
    *,
    row_class: Callable[[pd.Series], str] | None = None,
) -> str:
    idx = 0 if lang == "en" else 1
    text = [fmt is _txt or bool(getattr(fmt, "is_text", False)) for _, _, fmt in columns]
    head = "".join(
        f'<th class="{"text" if t else ""}">{_e(h[idx])}</th>'
        for (_, h, _), t in zip(columns, text, strict=True)
    )
    # cells column by column: a row Series of text columns would turn Notes into plain strings
    values = [df[c].tolist() for c, _, _ in columns]
    classes = [row_class(r) for _, r in df.iterrows()] if row_class else [""] * len(df)
    rows = []
    for i, cls in enumerate(classes):
        cells = "".join(
            f'<td class="{"text" if t else ""}">{fmt(v[i])}</td>'
            for (_, _, fmt), t, v in zip(columns, text, values, strict=True)
        )
        rows.append(f'<tr class="{cls}">{cells}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def pick(words: Mapping[str, tuple[str, str]], key: str, lang: str) -> str:
    """``words[key]`` in ``lang``: entries are (English, Swedish)."""
    en, sv = words[key]
    return sv if lang == "sv" else en


def verdict_card(
    status: str, badge: str, question: str, paragraphs: Sequence[str], rule: str = ""
) -> str:
    """One verdict card of a report: coloured by ``status`` (ok, warning, problem, info), the
    ``badge`` word, the question, the answer's paragraphs and an optional rule line."""
    body = "".join(f'<p class="answer">{_e(t)}</p>' for t in paragraphs)
    rule_line = f'<p class="rule">{_e(rule)}</p>' if rule else ""
    return (
        f'<div class="card {status}"><h3><span class="badge {status}">{_e(badge)}</span>'
        f"{_e(question)}</h3>{body}{rule_line}</div>"
    )


def _txt(x: object) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    return _e(x)


def _say(lang: str) -> Callable[[Any], str]:
    """A text cell in ``lang``: a :class:`~measure.notes.Note` in that language, else as it is."""

    def cell(x: object) -> str:
        return _e(say(x, lang))

    cell.is_text = True  # type: ignore[attr-defined]
    return cell


def _n(lang: str, digits: int = 2) -> Callable[[Any], str]:
    return lambda x: _e(num(x, lang, digits))


def _int(x: object) -> str:
    try:
        return _e(int(x))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""


def _yn(lang: str) -> Callable[[Any], str]:
    return lambda x: _e(tr("yes", lang)) if bool(x) else ""


def _versions(lang: str = "en") -> list[tuple[str, str]]:
    out = [
        ("python", sys.version.split()[0]),
        (setting_word("platform", lang), platform.platform()),
    ]
    for pkg in ("measure", "numpy", "scipy", "pandas", "matplotlib", "click"):
        try:
            out.append((pkg, importlib.metadata.version(pkg)))
        except importlib.metadata.PackageNotFoundError:
            out.append((pkg, tr("not_installed", lang)))
    return out


def shell_command(args: Sequence[str]) -> str:
    """A command line that can be pasted back into a shell: every argument quoted as needed."""
    return " ".join(shlex.quote(str(a)) for a in args)


def settings_rows(
    rows: Sequence[tuple[str, object]], extra: Mapping[str, Any], lang: str
) -> list[tuple[str, str]]:
    """The settings table's rows, each setting once (the first value given wins), its name and
    value in ``lang`` (:data:`measure.report.i18n.SETTING_WORDS`)."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for key, value in [*rows, *((str(k), v) for k, v in extra.items())]:
        norm = key.strip().lower().replace("_", " ").replace("-", " ")
        if norm in seen:
            continue
        seen.add(norm)
        out.append((setting_word(key, lang), value_word(value, lang)))
    return out


def instrument_texts(
    instrument: Instrument | None, items: Sequence[str], lang: str
) -> dict[str, str]:
    """Item id -> the item's text in ``lang`` from the instrument (items without a text left
    out)."""
    if instrument is None:
        return {}
    from measure.instrument import localised

    known = set(instrument.item_ids)
    out = {}
    for item in items:
        if item in known:
            text = localised(instrument.item(item).text, lang)
            if text:
                out[item] = text
    return out


# ------------------------------------------------------------------------------ sections


def _verdict_section(a: Assessment, lang: str) -> str:
    cards = []
    for v in a.verdicts:
        q = QUESTIONS.get(v.topic, {}).get(lang, v.topic)
        cards.append(
            f'<div class="card {v.status}" data-topic="{_e(v.topic)}">'
            f'<h3><span class="badge {v.status}">{_e(tr("status_" + v.status, lang))}</span>'
            f"{_e(q)}</h3>"
            f'<p class="answer">{_e(v.text(lang))}</p>'
            f'<p class="rule">{_e(tr("rule", lang))}: {_e(v.rule_text(lang))}. '
            f"{_e(tr('source', lang))}: {_e(source_text(v.source, lang))}.</p></div>"
        )
    return (
        f'<section class="verdicts" id="summary"><h2>{_e(tr("summary", lang))}</h2>'
        f'<p class="note">{_e(tr("summary_intro", lang))}</p>{"".join(cards)}</section>'
    )


def _items_section(a: Assessment, lang: str, instrument: Instrument | None = None) -> str:
    n2 = _n(lang)
    fit_table = a.item_fit
    texts = instrument_texts(instrument, [str(i) for i in fit_table["item"]], lang)
    cols: list[Column] = [("item", ("Item", "Fråga"), _txt)]
    if texts:
        fit_table = fit_table.assign(item_text=[texts.get(str(i), "") for i in fit_table["item"]])
        cols.append(("item_text", (tr("item_text", "en"), tr("item_text", "sv")), _txt))
    cols += [
        ("n", ("n", "n"), _int),
        ("location", ("Location", "Läge"), n2),
        ("se", ("SE", "SE"), n2),
        ("infit_msq", ("Infit MNSQ", "Infit MNSQ"), n2),
        ("infit_zstd", ("Infit ZSTD", "Infit ZSTD"), _n(lang, 1)),
        ("outfit_msq", ("Outfit MNSQ", "Outfit MNSQ"), n2),
        ("outfit_zstd", ("Outfit ZSTD", "Outfit ZSTD"), _n(lang, 1)),
        ("pt_measure_corr", ("Pt-measure r", "Punkt-mått r"), n2),
        ("misfit", ("Misfit", "Passar ej"), _yn(lang)),
    ]
    conditional = "cond_outfit_msq" in a.item_fit
    if conditional:
        cols += [
            ("cond_infit_msq", ("Cond. infit", "Betingad infit"), n2),
            ("cond_infit_p", ("p", "p"), _n(lang, 3)),
            ("cond_outfit_msq", ("Cond. outfit", "Betingad outfit"), n2),
            ("cond_outfit_p", ("p", "p"), _n(lang, 3)),
        ]
    restscore = "restscore_gamma_observed" in a.item_fit
    if restscore:
        cols += [
            ("restscore_gamma_observed", ("Restscore γ obs.", "Restpoäng γ obs."), n2),
            ("restscore_gamma_expected", ("exp.", "förv."), n2),
            ("restscore_p_adjusted", ("p (BH)", "p (BH)"), _n(lang, 3)),
        ]
    tab = _table(
        fit_table,
        cols,
        lang,
        row_class=lambda r: "bad" if r["degrading"] else ("flag" if r["misfit"] else ""),
    )
    rel = a.calibration.reliability
    cover = reliability_coverage(a.calibration)
    rel_df = pd.DataFrame(
        {
            "what": [
                f"person reliability (WLE), the {cover['n_non_extreme']} persons with a "
                "non-extreme score",
                f"person reliability (WLE), all {cover['n_measured']} measured persons "
                "(extreme scores included)",
                "person separation G",
                "person strata H",
                "Cronbach's alpha",
                "item reliability",
                "item separation",
            ]
            if lang == "en"
            else [
                f"personreliabilitet (WLE), de {cover['n_non_extreme']} personerna utan "
                "extrem poäng",
                f"personreliabilitet (WLE), alla {cover['n_measured']} mätta personer "
                "(extrema poäng medräknade)",
                "personseparation G",
                "personstrata H",
                "Cronbachs alfa",
                "frågereliabilitet",
                "frågeseparation",
            ],
            "value": [
                rel.get("person_reliability"),
                cover["person_reliability_all_measured"],
                rel.get("person_separation"),
                rel.get("person_strata"),
                rel.get("cronbach_alpha"),
                rel.get("item_reliability"),
                rel.get("item_separation"),
            ],
        }
    )
    rel_tab = _table(rel_df, [("what", ("", ""), _txt), ("value", ("Value", "Värde"), n2)], lang)
    rules = a.rules
    fit_rules = (
        f'<p class="rule">{_e(tr("rule", lang))}: '
        + _e(tr("unconditional_rule", lang).format(low=rules.msq_low, high=rules.msq_high))
        + f". {_e(tr('source', lang))}: {_e(source_text('item_fit', lang))}.</p>"
    )
    if conditional:
        fit_rules += (
            f'<p class="note">{_e(tr("cond_fit_note", lang))}</p>'
            f'<p class="rule">{_e(tr("rule", lang))}: {_e(tr("conditional_rule", lang))}. '
            f"{_e(tr('source', lang))}: {_e(source_text('conditional_fit', lang))}.</p>"
        )
    if restscore:
        fit_rules += (
            f'<p class="rule">{_e(tr("rule", lang))}: {_e(tr("restscore_rule", lang))}. '
            f"{_e(tr('source', lang))}: {_e(source_text('restscore', lang))}.</p>"
        )
    return (
        f'<h3 id="items">{_e(tr("items_h", lang))}</h3><p class="note">'
        f"{_e(tr('items_note', lang))}</p>{tab}{fit_rules}"
        f"<h3>{_e(tr('reliability_h', lang))}</h3>{rel_tab}"
    )


def _plots_main(a: Assessment, lang: str) -> str:
    from measure import plotting

    cal = a.calibration
    wm = _figure(lambda ax: plotting.wright_map(cal, ax, lang=lang), plotting.wright_map_size(cal))
    info = _figure(
        lambda ax: plotting.information_plot(cal, ax, rules=a.rules, lang=lang), (6.4, 3.8)
    )
    t = a.targeting
    tgt_df = pd.DataFrame(
        {
            "what": [
                "person mean",
                "person SD",
                "item mean",
                "item SD",
                "threshold range",
                "at the floor",
                "at the ceiling",
            ]
            if lang == "en"
            else [
                "personernas medelvärde",
                "personernas SD",
                "frågornas medelvärde",
                "frågornas SD",
                "trösklarnas spann",
                "på golvet",
                "i taket",
            ],
            "value": [
                num(t.person_mean, lang),
                num(t.person_sd, lang),
                num(t.item_mean, lang),
                num(t.item_sd, lang),
                f"{num(t.threshold_min, lang)} … {num(t.threshold_max, lang)}",
                pct(t.floor, lang, 1),
                pct(t.ceiling, lang, 1),
            ],
        }
    )
    tgt_tab = _table(tgt_df, [("what", ("", ""), _txt), ("value", ("Value", "Värde"), _txt)], lang)
    return (
        f'<h3 id="wright">{_e(tr("wright_h", lang))}</h3><p class="note">'
        f"{_e(tr('wright_note', lang))}</p>{_fig_block(wm)}"
        f'<h3 id="targeting">{_e(tr("targeting_h", lang))}</h3>{tgt_tab}{_fig_block(info)}'
    )


def _category_table(a: Assessment, lang: str, instrument: Instrument | None) -> pd.DataFrame:
    """The categories table with each category's label from the instrument, as the curves show
    it (reverse keys followed, merged categories joined)."""
    if instrument is None:
        return a.categories
    from measure import plotting

    cal = a.calibration
    labels: dict[tuple[str, int], str] = {}
    for item in cal.item_ids:
        names = plotting.category_labels(cal, item, instrument, lang=lang)
        for k, name in enumerate(names or []):
            if name:
                labels[(str(item), k)] = name
    if not labels:
        return a.categories
    keys = zip(a.categories["item"].astype(str), a.categories["category"], strict=True)
    return a.categories.assign(label=[labels.get((i, int(c)), "") for i, c in keys])


def _categories_section(
    a: Assessment, lang: str, max_curves: int, instrument: Instrument | None = None
) -> str:
    from measure import plotting

    cal = a.calibration
    n2 = _n(lang)
    parts = [f'<h3 id="categories">{_e(tr("categories_h", lang))}</h3>']
    table = _category_table(a, lang, instrument)
    label_col: list[Column] = (
        [("label", (tr("label", "en"), tr("label", "sv")), _txt)] if "label" in table else []
    )
    if bool(np.any(cal.max_category > 1)):
        cols: list[Column] = [
            ("item", ("Item", "Fråga"), _txt),
            ("category", ("Category", "Kategori"), _int),
            *label_col,
            ("count", ("Count", "Antal"), _int),
            ("percent", ("%", "%"), _n(lang, 1)),
            ("avg_measure", ("Average measure", "Medelmätvärde"), n2),
            ("threshold", ("Threshold", "Tröskel"), n2),
            ("threshold_se", ("SE", "SE"), n2),
            ("outfit_msq", ("Outfit MNSQ", "Outfit MNSQ"), n2),
            ("threshold_disordered", ("Disordered", "Oordnad"), _yn(lang)),
            ("low_count", ("Few answers", "Få svar"), _yn(lang)),
        ]
        parts.append(f'<p class="note">{_e(tr("categories_note", lang))}</p>')
        parts.append(
            _table(
                table,
                cols,
                lang,
                row_class=lambda r: (
                    "bad" if r["threshold_disordered"] else ("flag" if r["low_count"] else "")
                ),
            )
        )
    else:
        parts.append(
            _table(
                table,
                [
                    ("item", ("Item", "Fråga"), _txt),
                    ("category", ("Category", "Kategori"), _int),
                    *label_col,
                    ("count", ("Count", "Antal"), _int),
                    ("percent", ("%", "%"), _n(lang, 1)),
                ],
                lang,
            )
        )
    col = a.collapse
    if col.mapping:
        parts.append(f"<h3>{_e(tr('collapse_h', lang))}</h3><ul>")
        for item, mapping in col.data_mapping.items():
            parts.append(f"<li><code>{_e(item)}: {_e(list(mapping))}</code></li>")
        parts.append(f'</ul><p class="note">{_e(tr("collapse_note", lang))}</p>')
    # curves: disordered items first, then the others, up to max_curves
    poly = [it for j, it in enumerate(cal.item_ids) if cal.max_category[j] > 1]
    chosen = list(col.items) + [it for it in poly if it not in col.items]
    chosen = chosen[:max_curves]
    if chosen:
        imgs = "".join(
            _fig_block(
                _figure(
                    _curve_drawer(
                        plotting.category_curves,
                        cal,
                        it,
                        lang,
                        category_labels=plotting.category_labels(cal, it, instrument, lang=lang),
                    ),
                    (5.2, 3.2),
                )
            )
            for it in chosen
        )
        parts.append(f'<h3>{_e(tr("curves_h", lang))}</h3><div class="grid">{imgs}</div>')
    return "".join(parts)


def _curve_drawer(
    fn: Callable[..., Axes], cal: Any, item: str, lang: str, **options: Any
) -> Callable[[Axes], object]:
    def draw(ax: Axes) -> object:
        return fn(cal, item, ax, lang=lang, **options)

    return draw


def _ecc_section(a: Assessment, lang: str, max_curves: int) -> str:
    from measure import plotting

    cal = a.calibration
    fit = a.item_fit.copy()
    fit["worst"] = np.maximum(
        np.abs(np.log(fit["infit_msq"].astype(float))),
        np.abs(np.log(fit["outfit_msq"].astype(float))),
    )
    chosen = fit.sort_values("worst", ascending=False, kind="stable")["item"].astype(str)
    chosen_list = chosen.tolist()[:max_curves]
    imgs = "".join(
        _fig_block(_figure(_curve_drawer(plotting.expected_score_curve, cal, it, lang), (5.2, 3.2)))
        for it in chosen_list
    )
    return f'<h3 id="ecc">{_e(tr("ecc_h", lang))}</h3><div class="grid">{imgs}</div>'


def _dim_section(a: Assessment, lang: str) -> str:
    from measure import plotting

    d = a.dimensionality
    n2 = _n(lang)
    eig = _table(
        d.eigenvalues.head(5),
        [
            ("component", ("Contrast", "Kontrast"), _int),
            ("eigenvalue", ("Eigenvalue", "Egenvärde"), n2),
            ("percent", ("% of residual variance", "% av residualvariansen"), _n(lang, 1)),
        ],
        lang,
    )
    load = _table(
        d.loadings[["item", "location", "loading"]],
        [
            ("item", ("Item", "Fråga"), _txt),
            ("location", ("Location", "Läge"), n2),
            ("loading", ("Loading", "Laddning"), n2),
        ],
        lang,
    )
    smith = (
        f"<p>{_e(tr('smith', lang))}: {_e(pct(d.smith_share, lang, 1))} "
        f"({_e(tr('ci95', lang))} {_e(pct(d.smith_lower, lang, 1))}–"
        f"{_e(pct(d.smith_upper, lang, 1))}, "
        f"n = {d.smith_n}).</p>"
    )
    img = _figure(
        lambda ax: plotting.loadings_plot(d, ax, lang=lang),
        (6.0, plotting.figure_height(len(d.loadings))),
    )
    return (
        f'<h3 id="dimensionality">{_e(tr("dim_h", lang))}</h3>{eig}{smith}'
        f'<div class="grid"><div>{load}</div>{_fig_block(img)}</div>'
    )


def _ld_section(a: Assessment, lang: str) -> str:
    ld = a.local_dependence
    n2 = _n(lang)
    tab = _table(
        ld.pairs.head(10),
        [
            ("item_1", ("Item", "Fråga"), _txt),
            ("item_2", ("Item", "Fråga"), _txt),
            ("q3", ("Q3", "Q3"), n2),
            ("q3_star", ("Q3*", "Q3*"), n2),
            ("partial_gamma_12", ("Partial γ (1|R-2)", "Partiell γ (1|R-2)"), n2),
            ("partial_gamma_21", ("Partial γ (2|R-1)", "Partiell γ (2|R-1)"), n2),
            ("n", ("n", "n"), _int),
            ("flagged", ("Flagged", "Flaggad"), _yn(lang)),
        ],
        lang,
        row_class=lambda r: "flag" if r["flagged"] else "",
    )
    mean = f"{tr('mean_q3', lang)} = {num(ld.mean_q3, lang, 3)}"
    return (
        f'<h3 id="local-dependence">{_e(tr("ld_h", lang))}</h3><p class="note">'
        f"{_e(tr('ld_note', lang))} {_e(mean)}.</p>{tab}"
        f'<p class="note">{_e(tr("ld_gamma_note", lang))}</p>'
        f'<p class="rule">{_e(tr("source", lang))}: {_e(source_text("local_dependence", lang))}; '
        f"{_e(source_text('partial_gamma', lang))}.</p>"
    )


def _lr_section(a: Assessment, lang: str) -> str:
    n2 = _n(lang)
    parts = [f'<h3 id="lr">{_e(tr("lr_h", lang))}</h3>']
    tests = [(tr("split_median", lang), a.lr_median)]
    if a.lr_groups is not None:
        tests.append((f"{tr('split_group', lang)} {a.lr_groups.split}", a.lr_groups))
    for label, lr in tests:
        head = (
            f"<p><b>{_e(label)}</b>: LR = {_e(num(lr.statistic, lang))}, df = {lr.df}, "
            f"p = {_e(num(lr.p_value, lang, 4))}"
        )
        if lr.note and not np.isfinite(lr.statistic):
            head += f" ({_e(tr('not_computed', lang))}: {_e(say(lr.note, lang))})"
        elif lr.note:  # computed on part of the persons: say which
            head += f" ({_e(say(lr.note, lang))})"
        head += "</p>"
        parts.append(head)
        groups = lr.groups.copy()
        dropped = lr.dropped.copy()
        if lr.split in ("median", "mean"):
            names = {"low": tr("low", lang), "high": tr("high", lang)}
            groups["group"] = [names.get(str(g), g) for g in groups["group"]]
            dropped["group"] = [names.get(str(g), g) for g in dropped["group"]]
        parts.append(
            _table(
                groups,
                [
                    ("group", ("Group", "Grupp"), _txt),
                    ("n_persons", ("Persons", "Personer"), _int),
                    ("n_informative", ("Non-extreme", "Icke-extrema"), _int),
                    ("loglik", ("Cond. log-likelihood", "Betingad log-likelihood"), n2),
                    ("npar", ("Parameters", "Parametrar"), _int),
                ],
                lang,
            )
        )
        if len(dropped):
            parts.append(f"<p>{_e(tr('dropped', lang))}:</p>")
            parts.append(
                _table(
                    dropped,
                    [
                        ("item", ("Item", "Fråga"), _txt),
                        ("group", ("Group", "Grupp"), _txt),
                        ("reason", ("Reason", "Orsak"), _say(lang)),
                    ],
                    lang,
                )
            )
    return "".join(parts)


def _dif_section(a: Assessment, lang: str) -> str:
    from measure import plotting

    if a.dif is None:
        return ""
    n2 = _n(lang)
    dif = a.dif
    tab = _table(
        dif.table,
        [
            ("item", ("Item", "Fråga"), _txt),
            ("group", ("Group", "Grupp"), _txt),
            ("reference", ("Reference", "Referens"), _txt),
            ("n_group", ("n group", "n grupp"), _int),
            ("n_reference", ("n ref.", "n ref."), _int),
            ("contrast", ("Contrast", "Kontrast"), n2),
            ("se", ("SE", "SE"), n2),
            ("z", ("z", "z"), n2),
            ("p", ("p", "p"), _n(lang, 4)),
            ("ets_class", ("ETS", "ETS"), _txt),
            ("anchor", ("Anchor", "Ankare"), _yn(lang)),
            ("mh_logit", ("MH log OR", "MH log-oddskvot"), n2),
            ("mh_p", ("MH p", "MH p"), _n(lang, 4)),
            ("mh_class", ("MH ETS", "MH ETS"), _txt),
            ("partial_gamma", ("Partial γ", "Partiell γ"), n2),
            ("partial_gamma_p", ("γ p", "γ p"), _n(lang, 4)),
            ("note", ("Note", "Anmärkning"), _say(lang)),
        ],
        lang,
        row_class=lambda r: {"C": "bad", "B": "flag"}.get(str(r["ets_class"]), ""),
    )
    img = _figure(
        lambda ax: plotting.dif_plot(dif, ax, rules=a.rules, lang=lang),
        (6.4, plotting.figure_height(len(a.calibration.item_ids))),
    )
    return (
        f'<h3 id="dif">{_e(tr("dif_h", lang))}: {_e(dif.name)}</h3><p class="note">'
        f"{_e(tr('dif_note', lang))}</p>{tab}"
        f'<p class="note">{_e(tr("dif_gamma_note", lang))}</p>'
        f'<p class="rule">{_e(tr("source", lang))}: {_e(source_text("dif", lang))}; '
        f"{_e(source_text('mantel_haenszel', lang))}; "
        f"{_e(source_text('partial_gamma', lang))}.</p>"
        f"{_fig_block(img)}"
    )


def _settings_section(
    a: Assessment, lang: str, settings: Mapping[str, Any], command: str | None
) -> str:
    from measure.diagnostics.rules import SOURCES

    cal = a.calibration
    s = cal.summary()
    base: list[tuple[str, object]] = [
        ("model", cal.model),
        ("method", s.get("method_detail", s.get("method", ""))),
        ("person estimator", cal.person_estimator),
        ("persons", s["n_persons"]),
        ("items", ", ".join(cal.item_ids)),
        ("missing-data patterns", s.get("n_missing_patterns", "")),
        ("log-likelihood", num(cal.loglik, lang, 4)),
        ("iterations", cal.iterations),
        ("converged", cal.converged),
        ("collapsed categories", cal.category_map or "none"),
        ("source", cal.responses.source),
    ]
    if a.dif is not None:
        ref_word = "referens" if lang == "sv" else "reference"
        base.append(("DIF grouping", f"{a.dif.name} ({ref_word} {a.dif.reference})"))
    rows = settings_rows(base, settings, lang)
    set_df = pd.DataFrame({"k": [k for k, _ in rows], "v": [v for _, v in rows]})
    set_tab = _table(
        set_df, [("k", ("Setting", "Inställning"), _txt), ("v", ("Value", "Värde"), _txt)], lang
    )
    rules = a.rules.as_dict()
    rule_df = pd.DataFrame(
        {"k": [rule_word(k, lang) for k in rules], "v": [num_g(v, lang) for v in rules.values()]}
    )
    rule_tab = _table(
        rule_df, [("k", ("Rule", "Regel"), _txt), ("v", ("Value", "Värde"), _txt)], lang
    )
    src_df = pd.DataFrame(
        {"k": [topic_word(k, lang) for k in SOURCES], "v": [source_text(k, lang) for k in SOURCES]}
    )
    src_tab = _table(
        src_df, [("k", ("Topic", "Ämne"), _txt), ("v", ("Source", "Källa"), _txt)], lang
    )
    ver = _versions(lang)
    ver_df = pd.DataFrame({"k": [k for k, _ in ver], "v": [v for _, v in ver]})
    ver_tab = _table(
        ver_df, [("k", ("Package", "Paket"), _txt), ("v", ("Version", "Version"), _txt)], lang
    )
    return (
        f'<h2 id="settings">{_e(tr("settings_h", lang))}</h2><p class="note">'
        f"{_e(tr('settings_note', lang))}</p>{set_tab}{command_block(command, lang)}"
        f"<h3>{_e(tr('rules_h', lang))}</h3>"
        f"{rule_tab}{src_tab}<h3>{_e(tr('software_h', lang))}</h3>{ver_tab}"
    )


def num_g(x: float, lang: str) -> str:
    """A rule's value as ``:g`` formats it, with a decimal comma in Swedish."""
    text = f"{x:g}"
    return text.replace(".", ",") if lang == "sv" else text


def command_block(command: str | None, lang: str) -> str:
    """The command line that made the report, under its heading (nothing without one)."""
    if not command:
        return ""
    return f'<p class="note">{_e(tr("command", lang))}:</p><pre><code>{_e(command)}</code></pre>'


# ------------------------------------------------------------------------------ public


def render_report(
    assessment: Assessment,
    *,
    lang: str = "en",
    title: str | None = None,
    settings: Mapping[str, Any] | None = None,
    command: str | None = None,
    command_args: Sequence[str] | None = None,
    instrument: Instrument | None = None,
    max_curves: int = 6,
    generated: _dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> str:
    """The report as one self-contained HTML document.

    Parameters
    ----------
    assessment : from :func:`measure.diagnostics.assess`.
    lang : "en" or "sv".
    title : heading (default: "Is this a measure? ..." in the chosen language).
    settings : extra settings to list for reproducibility (e.g. the CLI options); a setting
        already listed is not repeated.
    command : the command line that produced the report, as text.
    command_args : the same as arguments (``["measure", "calibrate", ...]``): shown quoted so that
        it can be pasted back into a shell. Library callers give neither: no command is shown.
    instrument : the instrument of the items: item texts and category labels in ``lang`` beside
        the item and category tables.
    max_curves : most category-curve and expected-score plots drawn (disordered and worst-fitting
        items first).
    generated : time stamp shown (default: now, UTC).
    progress : called with the name of each slow part as it starts ("plots: Wright map",
        "plots: category curves", "plots: expected scores", "plots: dimensionality and DIF");
        default silent.

    Order: a page of plain-language verdicts, the tables and plots for the specialist, then
    settings, rules, sources and software versions.
    """
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not one of {', '.join(map(repr, LANGS))}")
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the installation
        from measure.exceptions import MissingDependencyError

        raise MissingDependencyError(
            "the report embeds plots and needs matplotlib, which measure installs: "
            "pip install matplotlib"
        ) from exc
    cal = assessment.calibration
    when = (generated or _dt.datetime.now(_dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    heading = title or tr("title", lang)
    meta = (
        f"{tr('data', lang)}: {cal.responses.source} · {tr('model', lang)}: {cal.model} · "
        f"{len(cal.persons)} {tr('persons', lang)} · {len(cal.item_ids)} "
        f"{tr('items_word', lang)}"
    )
    body = [
        f'<header class="top"><h1>{_e(heading)}</h1><p>{_e(meta)}</p>'
        f"<p>{_e(tr('generated', lang))}: {_e(when)}</p></header><main>",
        _verdict_section(assessment, lang),
        f'<h2 id="details">{_e(tr("details", lang))}</h2>',
        _items_section(assessment, lang, instrument),
    ]
    say = progress if progress is not None else _silent
    say("plots: Wright map")
    body.append(_plots_main(assessment, lang))
    say("plots: category curves")
    body.append(_categories_section(assessment, lang, max_curves, instrument))
    say("plots: expected scores")
    body.append(_ecc_section(assessment, lang, max_curves))
    say("plots: dimensionality and DIF")
    body += [
        _dim_section(assessment, lang),
        _ld_section(assessment, lang),
        _lr_section(assessment, lang),
        _dif_section(assessment, lang),
        _settings_section(
            assessment,
            lang,
            settings or {},
            shell_command(command_args) if command_args is not None else command,
        ),
        "</main>",
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{tr("lang_attr", lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(heading)}</title><style>{_CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def _silent(stage: str) -> None:
    """The default progress callback: says nothing."""


def write_report(
    assessment: Assessment,
    path: str | os.PathLike[str],
    *,
    into: OutputSet | None = None,
    **kwargs: Any,
) -> Path:
    """Render the report (see :func:`render_report` for ``kwargs``) and write it atomically
    (missing directories are created); ``into``: write it as part of that output set instead.
    Returns the path."""
    text = render_report(assessment, **kwargs)
    if into is not None:
        return into.write_text(text, path)
    return write_text_atomic(text, path, make_dirs=True)
