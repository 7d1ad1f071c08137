"""The report of a scoring on a reference scale (``measure score --report``): verdicts first.

Formatting only: every figure comes from the :class:`~measure.scoring.Scoring` (and, for groups,
from :func:`measure.group_means`). Questions answered, in English or Swedish:

1. Do the anchors still hold, and what was set aside (with how much it moved the mean)?
2. Does the anchored model fit the new data?
3. Who got a measure?
4. How precise are the measures?
5. The mean measure per group, with its 95 % interval (measurement and sampling error).

Plots of the person distribution use at most ``max_plot_persons`` persons, sampled with a fixed
seed, and say so.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from measure._types import LANGS
from measure.comparison import group_means
from measure.diagnostics.messages import num
from measure.diagnostics.rules import reliability_use
from measure.notes import say
from measure.report.html import (
    _CSS,
    Column,
    _e,
    _fig_block,
    _figure,
    _int,
    _n,
    _say,
    _table,
    _txt,
    _versions,
    _yn,
    command_block,
    instrument_texts,
    pick,
    settings_rows,
    shell_command,
    verdict_card,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from measure.instrument import Instrument
    from measure.scoring import Scoring

__all__ = ["render_scoring_report"]

#: the words of this report, (English, Swedish)
_W: dict[str, tuple[str, str]] = {
    "title": ("Scored on the reference scale", "Mätt på referensskalan"),
    "summary": (
        "Summary: can these measures be compared?",
        "Sammanfattning: går måtten att jämföra?",
    ),
    "anchors_q": ("Do the anchors still hold?", "Håller ankarfrågorna fortfarande?"),
    "fit_q": (
        "Does the anchored model fit the new data?",
        "Passar den förankrade modellen nya data?",
    ),
    "status_q": ("Who got a measure?", "Vilka fick ett mått?"),
    "precision_q": ("How precise are the measures?", "Hur precisa är måtten?"),
    "groups_q": ("Mean measure per group", "Medelmått per grupp"),
    "ok": ("OK", "OK"),
    "warning": ("Check", "Kontrollera"),
    "problem": ("Problem", "Problem"),
    "info": ("Info", "Info"),
    "details": ("Details for the specialist", "Detaljer för specialisten"),
    "anchors_h": ("Anchors: displacement in the new data", "Ankare: förskjutning i nya data"),
    "dist_h": ("Person measures", "Personmått"),
    "settings_h": ("Settings and software", "Inställningar och programvara"),
    "reference": ("Reference", "Referens"),
    "data": ("Data", "Data"),
    "persons": ("persons", "personer"),
    "items": ("items", "frågor"),
    "generated": ("Generated", "Skapad"),
    "rule": ("Rule", "Regel"),
}

_STATUS_WORDS = {
    "ok": ("measured", "mätta"),
    "extreme_min": ("lowest possible score", "lägsta möjliga poäng"),
    "extreme_max": ("highest possible score", "högsta möjliga poäng"),
    "too_few_answers": ("too few answers", "för få svar"),
    "no_answers": ("no answers", "inga svar"),
}


def _w(key: str, lang: str) -> str:
    return pick(_W, key, lang)


def _card(status: str, question: str, answer: str, rule: str, lang: str) -> str:
    rule_line = f"{_w('rule', lang)}: {rule}" if rule else ""
    return verdict_card(status, _w(status, lang), question, [answer], rule_line)


def _anchors_card(s: Scoring, lang: str) -> str:
    sv = lang == "sv"
    aside = list(s.items_set_aside)
    table = s.anchor_drift
    still = [str(i) for i in table.loc[table["drift"] & table["used"], "item"]]
    tol = num(s.drift_tolerance, lang, 2)
    rule = (
        f"en fråga driver när |förskjutning| > {tol} logit och |z| > 1,96; drivande ankare "
        "läggs åt sidan en i taget (FIES-metoden, Cafiero m.fl. 2018)"
        if sv
        else f"an item drifts when |displacement| > {tol} logits and |z| > 1.96; drifting "
        "anchors are set aside one at a time (the FIES method, Cafiero et al. 2018)"
    )
    if not s.anchor_drift["displacement"].notna().any():
        text = "Förskjutningarna beräknades inte." if sv else "The displacements were not computed."
        return _card("info", _w("anchors_q", lang), text, "", lang)
    if aside:
        shift = s.set_aside_shift
        moved = ""
        if shift.get("ci_lower") is not None and np.isfinite(shift.get("difference", np.nan)):
            d, lo, hi = (num(shift[k], lang, 2) for k in ("difference", "ci_lower", "ci_upper"))
            moved = (
                f" Med dem kvar hade medelmåttet flyttats {d} logit (95 % KI {lo} till {hi})."
                if sv
                else f" Keeping them would have moved the mean measure by {d} logits (95% CI "
                f"{lo} to {hi})."
            )
        text = (
            f"Nej för {', '.join(aside)}: de mäter annorlunda i nya data och lades åt sidan; "
            f"måtten bygger på de övriga {len(s.items_scored)} frågorna.{moved}"
            if sv
            else f"Not for {', '.join(aside)}: they measure differently in the new data and were "
            f"set aside; the measures use the other {len(s.items_scored)} items.{moved}"
        )
        return _card("problem" if still else "warning", _w("anchors_q", lang), text, rule, lang)
    if still:
        text = (
            f"Nej: {', '.join(still)} driver men användes ändå (--keep-drifting)."
            if sv
            else f"No: {', '.join(still)} drift but were used (--keep-drifting)."
        )
        return _card("problem", _w("anchors_q", lang), text, rule, lang)
    text = (
        "Ja: ingen ankarfråga har flyttat sig mer än toleransen."
        if sv
        else "Yes: no anchored item moved beyond the tolerance."
    )
    return _card("ok", _w("anchors_q", lang), text, rule, lang)


def _fit_card(s: Scoring, lang: str) -> str:
    sv = lang == "sv"
    fit = s.global_fit
    p = fit.get("p_value")
    if p is None or not np.isfinite(p):
        note = say(fit.get("note"), lang) or ("not computed" if not sv else "inte beräknat")
        return _card("info", _w("fit_q", lang), note, "", lang)
    chi2 = fit.get("lr_chi2_adjusted", fit.get("lr_chi2"))
    text = f"Chi2 = {num(chi2, lang, 1)}, df = {fit.get('df')}, p = {num(p, lang, 3)}" + (
        " (förankrade mot fritt skattade frågor)." if sv else " (anchored vs free items)."
    )
    status = "ok" if p >= 0.01 else "warning"
    rule = (
        "p < 0,01: frågornas inbördes lägen skiljer sig från referensens; se ankartabellen"
        if sv
        else "p < 0.01: the items' relative locations differ from the reference's; see the "
        "anchors table"
    )
    return _card(status, _w("fit_q", lang), text, rule, lang)


def _status_card(s: Scoring, lang: str) -> str:
    counts = s.status_counts()
    total = sum(counts.values())
    idx = 1 if lang == "sv" else 0
    parts = [f"{v} {_STATUS_WORDS[k][idx]}" for k, v in counts.items() if v]
    text = f"{', '.join(parts)} ({total} {_w('persons', lang)})."
    rule = (
        f"ett mått kräver minst {s.min_answered} besvarade frågor"
        if lang == "sv"
        else f"a measure needs at least {s.min_answered} answered items"
    )
    measured = counts.get("ok", 0) + counts.get("extreme_min", 0) + counts.get("extreme_max", 0)
    status = "ok" if measured >= 0.9 * total else "warning"
    return _card(status, _w("status_q", lang), text, rule, lang)


def _precision_card(s: Scoring, lang: str) -> str:
    rel = s.calibration.reliability.get("person_reliability")
    text = reliability_use(rel, lang=lang)
    ok = rel is not None and np.isfinite(rel) and rel >= 0.7
    return _card("ok" if ok else "warning", _w("precision_q", lang), text, "", lang)


def _groups_section(s: Scoring, by: Sequence[str], lang: str) -> str:
    if not by:
        return ""
    means = group_means(s.persons, by=list(by), link_se=None)
    cols: list[Column] = [(c, (c, c), _txt) for c in by]
    cols += [
        ("n", ("n", "n"), _int),
        ("mean", ("Mean (logits)", "Medel (logit)"), _n(lang, 2)),
        ("ci_lower", ("95% CI from", "95 % KI från"), _n(lang, 2)),
        ("ci_upper", ("to", "till"), _n(lang, 2)),
        ("se", ("SE", "SE"), _n(lang, 3)),
    ]
    note = (
        "Intervallet rymmer både mätfel och urvalsfel."
        if lang == "sv"
        else "The interval includes both measurement and sampling error."
    )
    return (
        f'<h2 id="groups">{_e(_w("groups_q", lang))}</h2><p class="note">{_e(note)}</p>'
        + _table(means, cols, lang)
    )


def _anchors_table(s: Scoring, lang: str, instrument: Instrument | None = None) -> str:
    table = s.anchor_drift
    texts = instrument_texts(instrument, [str(i) for i in table["item"]], lang)
    cols: list[Column] = [("item", ("Item", "Fråga"), _txt)]
    if texts:
        table = table.assign(item_text=[texts.get(str(i), "") for i in table["item"]])
        cols.append(("item_text", ("Text", "Text"), _txt))
    cols += [
        ("displacement", ("Displacement", "Förskjutning"), _n(lang, 2)),
        ("se", ("SE", "SE"), _n(lang, 3)),
        ("z", ("z", "z"), _n(lang, 2)),
        ("drift", ("Drifts", "Driver"), _yn(lang)),
        ("used", ("Used", "Används"), _yn(lang)),
        ("infit_msq", ("Infit", "Infit"), _n(lang, 2)),
        ("outfit_msq", ("Outfit", "Outfit"), _n(lang, 2)),
        ("reason", ("Note", "Anmärkning"), _say(lang)),
    ]
    return f'<h3 id="anchors">{_e(_w("anchors_h", lang))}</h3>' + _table(
        table,
        cols,
        lang,
        row_class=lambda r: "bad" if not r["used"] else ("flag" if r["drift"] else ""),
    )


def _distribution(s: Scoring, lang: str, max_plot_persons: int) -> str:
    per = s.persons
    ok = per["status"].isin(["ok", "extreme_min", "extreme_max"]).to_numpy()
    m = per["measure"].to_numpy(dtype=float)[ok]
    m = m[np.isfinite(m)]
    if m.size == 0:
        return ""
    note = ""
    if m.size > max_plot_persons:
        m = np.random.default_rng(0).choice(m, size=max_plot_persons, replace=False)
        note = (
            f"Diagrammet visar ett slumpurval av {max_plot_persons} personer."
            if lang == "sv"
            else f"The plot shows a random sample of {max_plot_persons} persons."
        )
    loc = s.reference.items.set_index("item").loc[list(s.items_scored), "location"]

    def draw(ax: Axes) -> object:
        from measure.plotting import PALETTE, format_axes

        ax.hist(m, bins=30, color=PALETTE[5], alpha=0.9)
        for x in loc:
            ax.axvline(float(x), color=PALETTE[3], lw=0.8, alpha=0.8)
        ax.set_xlabel("logit")
        ax.set_ylabel(_w("persons", lang))
        return format_axes(ax, lang)

    caption = (
        "Personmått (staplar) och frågornas lägen på referensskalan (linjer). "
        if lang == "sv"
        else "Person measures (bars) and the items' locations on the reference (lines). "
    ) + note
    return f'<h3 id="persons">{_e(_w("dist_h", lang))}</h3>' + _fig_block(
        _figure(draw, (8.0, 3.2)), caption
    )


def render_scoring_report(
    scoring: Scoring,
    *,
    lang: str = "en",
    by: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
    command: str | None = None,
    command_args: Sequence[str] | None = None,
    instrument: Instrument | None = None,
    max_plot_persons: int = 20_000,
    generated: _dt.datetime | None = None,
) -> str:
    """The report of a scoring as one self-contained HTML document (verdicts first).

    ``by``: columns of ``scoring.persons`` (kept data columns) to give group means for.
    ``settings``: more settings to list (each setting once); ``command`` or ``command_args``
    (quoted for a shell): the command line shown; ``instrument``: item texts in ``lang``.
    """
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not one of {', '.join(map(repr, LANGS))}")
    s = scoring
    ref = s.reference
    when = (generated or _dt.datetime.now(_dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    inst = (
        f"{ref.instrument_id} {ref.instrument_version or ''}".strip() if ref.instrument_id else ""
    )
    meta = (
        f"{_w('reference', lang)}: {inst + ' · ' if inst else ''}{ref.model} · "
        f"{ref.content_hash[:19]} · {_w('data', lang)}: {s.responses.source} · "
        f"{len(s.persons)} {_w('persons', lang)} · {len(s.items_scored)} {_w('items', lang)}"
    )
    cards = [
        _anchors_card(s, lang),
        _fit_card(s, lang),
        _status_card(s, lang),
        _precision_card(s, lang),
    ]
    rows = settings_rows(
        [
            ("drift policy", s.drift_policy),
            ("drift tolerance", num(s.drift_tolerance, lang, 2)),
            ("person estimator", s.person_estimator),
            ("minimum answered", s.min_answered),
        ],
        settings or {},
        lang,
    )
    rows += _versions(lang)
    set_df = pd.DataFrame({"k": [k for k, _ in rows], "v": [v for _, v in rows]})
    shown = shell_command(command_args) if command_args is not None else command
    set_tab = _table(
        set_df, [("k", ("Setting", "Inställning"), _txt), ("v", ("Value", "Värde"), _txt)], lang
    )
    body = [
        f'<header class="top"><h1>{_e(_w("title", lang))}</h1><p>{_e(meta)}</p>'
        f"<p>{_e(_w('generated', lang))}: {_e(when)}</p></header><main>",
        f'<section class="verdicts" id="summary"><h2>{_e(_w("summary", lang))}</h2>'
        + "".join(cards)
        + "</section>",
        _groups_section(s, by, lang),
        f'<h2 id="details">{_e(_w("details", lang))}</h2>',
        _anchors_table(s, lang, instrument),
        _distribution(s, lang, max_plot_persons),
        f'<h2 id="settings">{_e(_w("settings_h", lang))}</h2>{set_tab}'
        + command_block(shown, lang),
        "</main>",
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(_w('title', lang))}</title><style>{_CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )
