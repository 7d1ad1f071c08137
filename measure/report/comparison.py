"""The report of a comparison (``measure compare --report``): the contract answer first.

Formatting only: every figure comes from the :class:`~measure.comparison.Comparison`. In English
or Swedish, for a municipal evaluator:

1. the share beyond the contract threshold on each occasion and group, with its 95 % interval,
   and its change between occasions (the figure an outcomes contract pays on);
2. the mean measure per occasion and group, and its change, with their intervals;
3. how many persons changed reliably (with paired occasions).

Every interval includes measurement, sampling and (when the measures were linked) link error.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from measure._types import LANGS
from measure.diagnostics.messages import num
from measure.notes import say
from measure.report.html import (
    _CSS,
    Column,
    _e,
    _int,
    _n,
    _table,
    _txt,
    _versions,
    command_block,
    pick,
    settings_rows,
    shell_command,
    verdict_card,
)

if TYPE_CHECKING:
    from measure.comparison import Comparison

__all__ = ["render_comparison_report"]

_W: dict[str, tuple[str, str]] = {
    "title": ("Comparison of groups and occasions", "Jämförelse av grupper och tillfällen"),
    "summary": ("Summary: what changed?", "Sammanfattning: vad har förändrats?"),
    "share_q": ("How many are beyond the threshold?", "Hur många ligger bortom gränsen?"),
    "share_change_q": ("Did that share change?", "Har andelen förändrats?"),
    "mean_q": ("Did the mean measure change?", "Har medelmåttet förändrats?"),
    "individual_q": ("How many changed reliably?", "Hur många förändrades säkert?"),
    "details": ("Tables", "Tabeller"),
    "groups_h": ("Mean measure per occasion", "Medelmått per tillfälle"),
    "change_h": ("Change of the mean", "Förändring av medelvärdet"),
    "shares_h": ("Share beyond the threshold", "Andel bortom gränsen"),
    "share_change_h": ("Change of the share", "Förändring av andelen"),
    "settings_h": ("Settings and software", "Inställningar och programvara"),
    "generated": ("Generated", "Skapad"),
    "interval_note": (
        "Every interval is a 95 % interval that includes measurement, sampling and link error.",
        "Varje intervall är ett 95 %-intervall som rymmer mätfel, urvalsfel och länkfel.",
    ),
    "info": ("Info", "Info"),
    "ok": ("Clear", "Tydligt"),
    "warning": ("Unclear", "Oklart"),
}


#: the rules of :attr:`measure.comparison.Comparison.settings` in Swedish (English: as given)
_RULES_SV: dict[str, str] = {
    "group_mean": "medelvärde ± t(n-1) * sqrt(var(m)/n + se_länk^2): urvalsfel och mätfel "
    "(var(m) rymmer båda) samt länkfel",
    "change": "parade: medelvärdet av skillnaderna, SE = SD(d)/sqrt(n); oberoende: "
    "SE = sqrt(SE1^2 + SE2^2), Welchs frihetsgrader; plus länkfel",
    "reliable_change": "|förändring| > 1,96 * sqrt(se1^2 + se2^2) (95 %)",
    "decision_risk": "P(över) = 1 - Phi((t - m)/sqrt(se^2 + se_länk^2)) "
    "(Pendrill 2014, Metrologia 51 S206): beslutet för varje person",
    "share": "latent normalfördelning: Phi((mu - t)/sigma), mu = medel(m), sigma^2 = var(m) - "
    "medel(se^2) (sanna värden normalfördelade, mätfelet borttaget); linjäriserat SE med "
    "länkfel; intervall Phi(z -+ t(n-1) SE_z)",
    "share_change": "andel_efter - andel_före; SE från båda linjäriseringarna (parade: minus "
    "två gånger deras kovarians över personer mätta båda gångerna) och båda länkfelen; "
    "normalintervall",
    "weights": "Hajeks kvotskattningar, linjäriserade SE; designeffekt = "
    "n sum(w^2) / sum(w)^2 (Kish)",
}

_RULE_NAMES: dict[str, tuple[str, str]] = {
    "group_mean": ("group mean", "gruppmedelvärde"),
    "change": ("change", "förändring"),
    "reliable_change": ("reliable change", "säker förändring"),
    "decision_risk": ("decision risk", "beslutsrisk"),
    "share": ("share", "andel"),
    "share_change": ("share change", "förändring av andelen"),
    "weights": ("weights", "vikter"),
}


def _rules_table(rules: Mapping[str, str], lang: str) -> str:
    keys = list(rules)
    df = pd.DataFrame(
        {
            "k": [pick(_RULE_NAMES, k, lang) if k in _RULE_NAMES else k for k in keys],
            "v": [_RULES_SV.get(k, rules[k]) if lang == "sv" else rules[k] for k in keys],
        }
    )
    head = ("Rule", "Regel")
    return _table(df, [("k", head, _txt), ("v", ("Definition", "Definition"), _txt)], lang)


def _w(key: str, lang: str) -> str:
    return pick(_W, key, lang)


def _pct(x: float, lang: str) -> str:
    return num(100 * x, lang, 1) + (" %" if lang == "sv" else "%")


def _label(row: pd.Series, by: Sequence[str]) -> str:
    return ", ".join(str(row[c]) for c in by if c in row.index)


def _card(status: str, question: str, lines: list[str], lang: str) -> str:
    return verdict_card(status, _w(status, lang), question, lines)


def _share_cards(c: Comparison, by: Sequence[str], lang: str) -> list[str]:
    sv = lang == "sv"
    cards = []
    if len(c.shares.columns) and len(c.shares):
        direction = str(c.shares["direction"].iloc[0])
        t = num(float(c.shares["threshold"].iloc[0]), lang, 2)
        beyond = (
            ("över" if direction == "above" else "under")
            if sv
            else ("above" if direction == "above" else "below")
        )
        lines = []
        for _, r in c.shares.iterrows():
            who = _label(r, by)
            lines.append(
                f"{r['occasion']}{' · ' + who if who else ''}: {_pct(r['share'], lang)} "
                + (
                    f"{beyond} {t} (95 % KI {_pct(r['ci_lower'], lang)} till "
                    f"{_pct(r['ci_upper'], lang)}; n = {int(r['n'])})."
                    if sv
                    else f"{beyond} {t} (95% CI {_pct(r['ci_lower'], lang)} to "
                    f"{_pct(r['ci_upper'], lang)}; n = {int(r['n'])})."
                )
                + (
                    f" {say(r['note'], lang)}."
                    if isinstance(r.get("note"), str) and r["note"]
                    else ""
                )
            )
        cards.append(_card("info", _w("share_q", lang), lines, lang))
    if len(c.share_change.columns) and len(c.share_change):
        lines, clear = [], True
        for _, r in c.share_change.iterrows():
            who = _label(r, by)
            lo, hi = float(r["ci_lower"]), float(r["ci_upper"])
            clear &= bool(lo > 0 or hi < 0)
            pts = "procentenheter" if sv else "percentage points"
            lines.append(
                f"{r['from_occasion']} → {r['to_occasion']}{' · ' + who if who else ''}: "
                f"{num(100 * r['change'], lang, 1)} {pts} "
                + (
                    f"(95 % KI {num(100 * lo, lang, 1)} till {num(100 * hi, lang, 1)})."
                    if sv
                    else f"(95% CI {num(100 * lo, lang, 1)} to {num(100 * hi, lang, 1)})."
                )
            )
        cards.append(_card("ok" if clear else "warning", _w("share_change_q", lang), lines, lang))
    return cards


def _mean_card(c: Comparison, by: Sequence[str], lang: str) -> str:
    sv = lang == "sv"
    if not len(c.group_change.columns) or not len(c.group_change):
        lines = []
        for _, r in c.groups.iterrows():
            who = _label(r, by)
            lines.append(
                f"{r['occasion']}{' · ' + who if who else ''}: {num(r['mean'], lang, 2)} "
                + (
                    f"(95 % KI {num(r['ci_lower'], lang, 2)} till {num(r['ci_upper'], lang, 2)})."
                    if sv
                    else f"(95% CI {num(r['ci_lower'], lang, 2)} to {num(r['ci_upper'], lang, 2)})."
                )
            )
        return _card("info", _w("mean_q", lang), lines, lang)
    lines, clear = [], True
    for _, r in c.group_change.iterrows():
        who = _label(r, by)
        lo, hi = float(r["ci_lower"]), float(r["ci_upper"])
        clear &= bool(lo > 0 or hi < 0)
        lines.append(
            f"{r['from_occasion']} → {r['to_occasion']}{' · ' + who if who else ''}: "
            f"{num(r['change'], lang, 2)} logit "
            + (
                f"(95 % KI {num(lo, lang, 2)} till {num(hi, lang, 2)})."
                if sv
                else f"(95% CI {num(lo, lang, 2)} to {num(hi, lang, 2)})."
            )
        )
    return _card("ok" if clear else "warning", _w("mean_q", lang), lines, lang)


def _individual_card(c: Comparison, lang: str) -> str:
    ind = c.individual_change
    if not len(ind.columns) or not len(ind) or "reliable_change" not in ind.columns:
        return ""
    sv = lang == "sv"
    total = int(ind["reliable_change"].notna().sum())
    up = int((ind["reliable_change"] & (ind["change"] > 0)).sum())
    down = int((ind["reliable_change"] & (ind["change"] < 0)).sum())
    text = (
        f"{up} av {total} personer förbättrades och {down} försämrades mer än mätfelet kan "
        "förklara (|förändring| > 1,96 SE)."
        if sv
        else f"{up} of {total} persons went up and {down} went down by more than measurement "
        "error explains (|change| > 1.96 SE)."
    )
    return _card("info", _w("individual_q", lang), [text], lang)


def render_comparison_report(
    comparison: Comparison,
    *,
    lang: str = "en",
    by: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
    command: str | None = None,
    command_args: Sequence[str] | None = None,
    generated: _dt.datetime | None = None,
) -> str:
    """The report of a comparison as one self-contained HTML document (the answer first).

    ``by``: the grouping columns of the comparison (shown beside each figure).
    ``settings``: more settings to list (each setting once); ``command`` or ``command_args``
    (quoted for a shell): the command line shown.
    """
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not one of {', '.join(map(repr, LANGS))}")
    c = comparison
    when = (generated or _dt.datetime.now(_dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    cards = [
        *_share_cards(c, by, lang),
        _mean_card(c, by, lang),
        _individual_card(c, lang),
    ]
    group_cols: list[Column] = [("occasion", ("Occasion", "Tillfälle"), _txt)]
    group_cols += [(b, (b, b), _txt) for b in by]
    group_cols += [
        ("n", ("n", "n"), _int),
        ("mean", ("Mean", "Medel"), _n(lang, 2)),
        ("ci_lower", ("95% CI from", "95 % KI från"), _n(lang, 2)),
        ("ci_upper", ("to", "till"), _n(lang, 2)),
    ]
    tables = [f"<h3>{_e(_w('groups_h', lang))}</h3>" + _table(c.groups, group_cols, lang)]
    if len(c.group_change.columns) and len(c.group_change):
        cols: list[Column] = [
            ("from_occasion", ("From", "Från"), _txt),
            ("to_occasion", ("To", "Till"), _txt),
            *((b, (b, b), _txt) for b in by),
            ("change", ("Change", "Förändring"), _n(lang, 2)),
            ("ci_lower", ("95% CI from", "95 % KI från"), _n(lang, 2)),
            ("ci_upper", ("to", "till"), _n(lang, 2)),
            ("p_value", ("p", "p"), _n(lang, 3)),
        ]
        tables.append(f"<h3>{_e(_w('change_h', lang))}</h3>" + _table(c.group_change, cols, lang))
    if len(c.shares.columns) and len(c.shares):
        share_cols: list[Column] = [
            ("occasion", ("Occasion", "Tillfälle"), _txt),
            *((b, (b, b), _txt) for b in by),
            ("n", ("n", "n"), _int),
            ("share", ("Share", "Andel"), _n(lang, 3)),
            ("ci_lower", ("95% CI from", "95 % KI från"), _n(lang, 3)),
            ("ci_upper", ("to", "till"), _n(lang, 3)),
            ("estimator", ("Estimator", "Skattning"), _txt),
        ]
        tables.append(f"<h3>{_e(_w('shares_h', lang))}</h3>" + _table(c.shares, share_cols, lang))
    given = {k: v for k, v in c.settings.items() if k != "rules" and v is not None}
    rows = settings_rows(
        [(k, num(v, lang, 2) if isinstance(v, float) else v) for k, v in given.items()],
        settings or {},
        lang,
    )
    rows += _versions(lang)
    set_df = pd.DataFrame({"k": [k for k, _ in rows], "v": [v for _, v in rows]})
    rules = c.settings.get("rules")
    rules_tab = _rules_table(rules, lang) if isinstance(rules, Mapping) else ""
    shown = shell_command(command_args) if command_args is not None else command
    set_tab = _table(
        set_df, [("k", ("Setting", "Inställning"), _txt), ("v", ("Value", "Värde"), _txt)], lang
    )
    body = [
        f'<header class="top"><h1>{_e(_w("title", lang))}</h1>'
        f"<p>{_e(_w('generated', lang))}: {_e(when)}</p></header><main>",
        f'<section class="verdicts" id="summary"><h2>{_e(_w("summary", lang))}</h2>'
        f'<p class="note">{_e(_w("interval_note", lang))}</p>' + "".join(cards) + "</section>",
        f'<h2 id="details">{_e(_w("details", lang))}</h2>',
        *tables,
        f'<h2 id="settings">{_e(_w("settings_h", lang))}</h2>{set_tab}'
        + command_block(shown, lang)
        + rules_tab,
        "</main>",
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(_w('title', lang))}</title><style>{_CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )
