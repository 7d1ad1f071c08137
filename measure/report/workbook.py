"""The Excel workbook of a command (``--format xlsx``): a summary sheet first, in words, and
the number formats of every table's columns, chosen from :mod:`measure.schemas`.

Formatting only: the verdicts are those of :mod:`measure.diagnostics.rules` and the figures
those of ``summary.json``; :class:`measure.io.OutputSet` writes the workbook.

Examples
--------
>>> table_formats("persons", ["person", "row", "measure", "se", "status"])
{'row': '0', 'measure': '0.00', 'se': '0.00'}
>>> table_formats("share_change", ["share_pre", "p_value", "municipality"])
{'share_pre': '0.0%', 'p_value': '0.000'}
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from measure._version import __version__
from measure.diagnostics.rules import reliability_use
from measure.schemas import (
    ANSWERS,
    PERSONS_N,
    POINTS,
    PROB,
    SCHEMAS,
    Column,
)

__all__ = ["SUMMARY_SHEET", "column_format", "summary_sheet", "table_formats", "workbook_formats"]

#: the name of the first sheet, by language
SUMMARY_SHEET = {"en": "Summary", "sv": "Sammanfattning"}

#: Excel number formats (the cell keeps the full value; this is only how it is shown)
_LOGIT_FORMAT = "0.00"
_P_FORMAT = "0.000"
_SHARE_FORMAT = "0.0%"
_COUNT_FORMAT = "0"

_BY_FILE: dict[str, Any] = {s.file: s for s in SCHEMAS.values() if s.file}


def column_format(column: Column) -> str:
    """The Excel number format of a declared column ("" for text and booleans).

    Whole numbers ``0``; p-values ``0.000``; other probabilities and shares as percent
    ``0.0%``; counts held as floats (effective sample sizes) and percents ``0.0``; logits,
    reporting units, mean squares, standardised fit and everything else ``0.00``.

    Examples
    --------
    >>> from measure.schemas import PERSONS
    >>> column_format(PERSONS.column("measure")), column_format(PERSONS.column("row"))
    ('0.00', '0')
    """
    if column.dtype == "int":
        return _COUNT_FORMAT
    if column.dtype != "float":
        return ""
    name = column.name
    if column.unit == PROB:
        is_p = name in ("p", "p_value", "p_adjusted") or name.endswith("_p")
        return _P_FORMAT if is_p else _SHARE_FORMAT
    if column.unit in (PERSONS_N, ANSWERS, POINTS) or name in ("percent", "df"):
        return "0.0"
    return _LOGIT_FORMAT  # logits, reporting units, fit statistics, correlations


def table_formats(name: str, columns: Iterable[Any]) -> dict[str, str]:
    """{column: number format} for the declared columns of the table written as ``name``
    (its file name: ``persons``, ``items``, ...); user columns are left to Excel (General)."""
    schema = _BY_FILE.get(name)
    if schema is None:
        return {}
    declared = {c.name: c for c in schema.columns}
    out: dict[str, str] = {}
    for c in columns:
        if str(c) in declared:
            spec = column_format(declared[str(c)])
            if spec:
                out[str(c)] = spec
    return out


def workbook_formats(tables: Mapping[str, pd.DataFrame]) -> dict[str, dict[str, str]]:
    """:func:`table_formats` of every table of a workbook; the summary sheet's values with
    two decimals (whole numbers whole)."""
    out = {name: table_formats(name, table.columns) for name, table in tables.items()}
    for lang, sheet in SUMMARY_SHEET.items():
        if sheet in tables:
            out[sheet] = {_w("value", lang): _LOGIT_FORMAT}
    return out


# ------------------------------------------------------------------------------ summary sheet

_WORDS: dict[str, tuple[str, str]] = {
    "label": ("label", "rubrik"),
    "value": ("value", "värde"),
    "note": ("note", "kommentar"),
    "verdicts": ("Verdicts", "Bedömningar"),
    "figures": ("Key figures", "Nyckeltal"),
    "settings": ("Settings", "Inställningar"),
    "warnings": ("Warnings", "Varningar"),
    "command": ("command", "kommando"),
    "version": ("measure version", "measure-version"),
    "date": ("written", "skriven"),
    "input": ("input file", "indatafil"),
    "files": ("input files", "indatafiler"),
    "reference_file": ("reference scale", "referensskala"),
    "instrument": ("instrument", "instrument"),
    "model": ("model", "modell"),
    "method": ("method", "metod"),
    "person_estimator": ("person estimator", "personskattning"),
    "rows_read": ("rows read", "lästa rader"),
    "n_persons": ("persons", "personer"),
    "n_items": ("items", "frågor"),
    "items_scored": ("items scored", "poängsatta frågor"),
    "min_answered": ("minimum of answered items", "minsta antal besvarade frågor"),
    "person_reliability": ("person reliability (WLE)", "reliabilitet (WLE)"),
    "person_separation": ("person separation", "personseparation"),
    "person_strata": ("person strata", "personskikt"),
    "cronbach_alpha": ("Cronbach's alpha", "Cronbachs alfa"),
    "item_reliability": ("item reliability", "frågereliabilitet"),
    "misfit": ("misfitting items", "frågor med dålig passning"),
    "drift": ("drifting anchors", "ankare som glidit"),
    "set_aside": ("anchors set aside", "ankare som lagts åt sidan"),
    "global_fit": ("global fit of the anchors (p)", "ankarnas globala passning (p)"),
    "invalid": ("invalid cells set missing", "ogiltiga celler satta som saknade"),
    "reporting_unit": ("reporting unit", "rapportenhet"),
    "goal": ("goal", "mål"),
    "goal_met": ("goal reached", "målet nått"),
    "length": ("items in the short form", "frågor i kortformen"),
    "n_items_full": ("items in the full form", "frågor i hela formen"),
    "form_items": ("the short form's items", "kortformens frågor"),
    "reliability": ("reliability of the short form", "kortformens reliabilitet"),
    "reliability_full": ("reliability of the full form", "hela formens reliabilitet"),
    "correlation_full": ("correlation with the full form", "korrelation med hela formen"),
    "threshold": ("threshold", "gräns"),
    "unit": ("unit", "enhet"),
    "paired": ("paired", "parad"),
    "n_occasions": ("occasions", "tillfällen"),
    "none": ("none", "inga"),
    "yes": ("yes", "ja"),
    "no": ("no", "nej"),
    "status": ("persons: ", "personer: "),
    "rule": ("rule", "regel"),
    "language": ("language", "språk"),
}


def _w(key: str, lang: str) -> str:
    en, sv = _WORDS[key]
    return sv if lang == "sv" else en


def _listed(items: Sequence[Any] | None, lang: str) -> str:
    return ", ".join(map(str, items)) if items else _w("none", lang)


def summary_sheet(
    summary: Mapping[str, Any],
    *,
    command: str,
    lang: str = "en",
    written: _dt.datetime | None = None,
) -> pd.DataFrame:
    """The first sheet of a command's workbook: rows of (label, value, note), in English or
    Swedish (``lang="sv"``): the verdicts first (what the reliability allows, misfitting
    items, drifting anchors, a short form's goal), then key figures (persons, items, model,
    reliability, separation), settings (version, input file, date) and warnings.

    Values are numbers where they are numbers (the cell keeps them in full); everything in
    ``summary.json`` that is not shown here is still in ``summary.json``.

    Examples
    --------
    >>> sheet = summary_sheet({"n_persons": 600, "n_items": 5}, command="calibrate")
    >>> sheet[sheet["label"] == "persons"]["value"].tolist()
    [600]
    """
    lang = "sv" if lang == "sv" else "en"
    rows: list[tuple[str, Any, str]] = []
    s = summary

    def section(key: str) -> None:
        rows.append((_w(key, lang).upper(), None, ""))

    def add(key: str, value: Any, note: str = "") -> None:
        if value is not None:
            rows.append((_w(key, lang), value, note))

    # -- verdicts: what the terminal and the report say first
    section("verdicts")
    rel = s.get("reliability")
    if isinstance(rel, Mapping) and "person_reliability" in rel:
        add(
            "person_reliability",
            _num(rel["person_reliability"]),
            reliability_use(rel["person_reliability"], lang=lang),
        )
    if "misfitting_items" in s:
        add("misfit", _listed(s["misfitting_items"], lang), str(s.get("misfit_rule", "")))
    if "drifting_items" in s:
        add("drift", _listed(s["drifting_items"], lang), str(s.get("drift_rule", "")))
    if s.get("items_set_aside"):
        add("set_aside", _listed(s["items_set_aside"], lang))
    fit = s.get("global_fit")
    if isinstance(fit, Mapping) and fit.get("p_value") is not None:
        add("global_fit", _num(fit["p_value"]), str(fit.get("note") or ""))
    if "goal_met" in s:
        add("goal", str(s.get("goal", "")))
        add("goal_met", _w("yes" if s["goal_met"] else "no", lang))
    if s.get("invalid_cells_set_missing"):
        add("invalid", int(s["invalid_cells_set_missing"]))
    for key, figure in (
        ("group_change", "change"),
        ("share_change", "change"),
        ("groups", "mean"),
        ("shares", "share"),
    ):
        for record in (s.get(key) or [])[:_MAX_RECORDS]:
            rows.append(_comparison_row(key, figure, record, lang))
    counts = s.get("status_counts")
    if isinstance(counts, Mapping):
        text = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
        rows.append((_w("status", lang).rstrip(": "), int(sum(counts.values())), text))

    # -- key figures
    section("figures")
    for key in ("rows_read", "n_persons", "n_items", "length", "n_items_full", "n_occasions"):
        if isinstance(s.get(key), (int, float)) and not isinstance(s.get(key), bool):
            add(key, s[key])
    if isinstance(s.get("items_scored"), list):
        add("items_scored", len(s["items_scored"]), _listed(s["items_scored"], lang))
    if isinstance(rel, Mapping):
        for key in ("person_separation", "person_strata", "cronbach_alpha", "item_reliability"):
            if key in rel:
                add(key, _num(rel[key]))
    if "goal_met" in s and isinstance(s.get("items"), list):
        add("form_items", _listed(s["items"], lang))
    for key in ("reliability", "reliability_full", "correlation_full"):
        if isinstance(s.get(key), float):
            add(key, _num(s[key]))
    if s.get("threshold") is not None and not isinstance(s.get("threshold"), Mapping):
        add("threshold", s["threshold"], str(s.get("threshold_raw_rule") or ""))

    # -- settings
    section("settings")
    add("command", f"measure {command}")
    add("version", __version__)
    stamp = written or _dt.datetime.now(_dt.timezone.utc)
    add("date", stamp.strftime("%Y-%m-%d %H:%M UTC"))
    add("language", lang)
    if isinstance(s.get("source"), str):
        add("input", s["source"])
    if isinstance(s.get("files"), list):
        add("files", _listed(s["files"], lang))
    if isinstance(s.get("reference_file"), str):
        add("reference_file", s["reference_file"])
    inst = s.get("instrument")
    ref = s.get("reference")
    if isinstance(inst, Mapping):
        add("instrument", f"{inst.get('id')} {inst.get('version')}")
    elif isinstance(ref, Mapping) and ref.get("instrument_id"):
        add("instrument", f"{ref['instrument_id']} {ref.get('instrument_version', '')}".strip())
    model = s.get("model") or (ref.get("model") if isinstance(ref, Mapping) else None)
    if isinstance(model, str):
        add("model", model)
    for key in ("method", "person_estimator", "min_answered", "unit", "paired"):
        value = s.get(key)
        if key == "unit" and not isinstance(value, str):
            continue
        if isinstance(value, (str, int, float)):
            add(key, _w("yes" if value else "no", lang) if isinstance(value, bool) else value)
    unit = s.get("reporting_unit")
    if isinstance(unit, Mapping):
        add(
            "reporting_unit",
            str(unit.get("name")),
            f"{unit.get('intercept')} + {unit.get('slope')} * logit",
        )

    warned = s.get("warnings")
    if warned:
        section("warnings")
        rows += [("", str(w), "") for w in warned]
    headings = {_w(k, lang).upper() for k in ("verdicts", "figures", "settings", "warnings")}
    rows = [  # a heading with nothing under it is left out
        r
        for i, r in enumerate(rows)
        if r[0] not in headings or (i + 1 < len(rows) and rows[i + 1][0] not in headings)
    ]
    return pd.DataFrame(
        {
            _w("label", lang): [r[0] for r in rows],
            _w("value", lang): pd.Series([r[1] for r in rows], dtype=object),
            _w("note", lang): [r[2] for r in rows],
        }
    )


_MAX_RECORDS = 30  # rows of group means or changes on the summary sheet (all in their sheets)
_COMPARISON_WORDS = {
    "group_change": ("change of the mean", "förändring av medelvärdet"),
    "share_change": ("change of the share", "förändring av andelen"),
    "groups": ("mean", "medelvärde"),
    "shares": ("share", "andel"),
}
_RECORD_KEYS = frozenset(
    {"occasion", "from_occasion", "to_occasion", "n", "n_excluded", "n_pre", "n_post"}
)


def _comparison_row(key: str, figure: str, record: Mapping[str, Any], lang: str) -> Any:
    """One group mean, share or change of ``compare``: the figure, its interval and p-value."""
    en, sv = _COMPARISON_WORDS[key]
    when = (
        f"{record.get('from_occasion')} -> {record.get('to_occasion')}"
        if "from_occasion" in record
        else str(record.get("occasion", ""))
    )
    declared = set(SCHEMAS[key].all_names()) if key in SCHEMAS else set()
    group = [str(v) for k, v in record.items() if k not in declared and k not in _RECORD_KEYS]
    label = " ".join([sv if lang == "sv" else en, when, *group]).strip()
    lo, hi = record.get("ci_lower"), record.get("ci_upper")
    note = ""
    if lo is not None and hi is not None:
        note = (
            f"{'KI' if lang == 'sv' else 'CI'} {lo:.3f} {'till' if lang == 'sv' else 'to'} {hi:.3f}"
        )
    if record.get("p_value") is not None:
        note += f"; p = {record['p_value']:.3f}"
    return (label, _num(record.get(figure)), note)


def _num(value: Any) -> Any:
    """A number as a number; a missing one (``None`` in summary.json) as an empty cell."""
    return None if value is None else float(value)
