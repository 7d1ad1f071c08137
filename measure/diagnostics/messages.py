"""Plain-language wording of verdicts and rules, in English and Swedish.

Formatting only: every figure comes from the verdict (a
:class:`~measure.diagnostics.rules.Verdict`) or from the caller. This module sits below
:mod:`measure.diagnostics.rules`: it reads a verdict through the :class:`VerdictLike` protocol and
never imports the rules module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from measure._types import LANGS
from measure.notes import say

__all__ = [
    "LANGS",
    "QUESTIONS",
    "VerdictLike",
    "num",
    "pct",
    "reliability_use_text",
    "rule_text",
    "verdict_text",
]


class VerdictLike(Protocol):
    """What the wording reads from a verdict (:class:`measure.diagnostics.rules.Verdict`)."""

    @property
    def topic(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def values(self) -> Mapping[str, Any]: ...

    @property
    def rule(self) -> str: ...


#: the question each verdict answers
QUESTIONS: dict[str, dict[str, str]] = {
    "reliability_group": {
        "en": "Can the scale be used to compare groups?",
        "sv": "Kan skalan användas för att jämföra grupper?",
    },
    "reliability_individual": {
        "en": "Can it be used for decisions about individuals?",
        "sv": "Kan den användas för beslut om enskilda personer?",
    },
    "item_fit": {"en": "Do the items fit the model?", "sv": "Passar frågorna modellen?"},
    "categories": {"en": "Do the response categories work?", "sv": "Fungerar svarskategorierna?"},
    "dimensionality": {
        "en": "Does the scale measure one thing?",
        "sv": "Mäter skalan en enda sak?",
    },
    "local_dependence": {
        "en": "Are the items independent of each other?",
        "sv": "Är frågorna oberoende av varandra?",
    },
    "lr_median": {
        "en": "Do the items work the same for low and high scorers?",
        "sv": "Fungerar frågorna likadant för personer med låga och höga poäng?",
    },
    "lr_groups": {
        "en": "Do the item parameters hold in every group?",
        "sv": "Håller frågornas parametrar i alla grupper?",
    },
    "dif": {
        "en": "Do the items work the same across groups (DIF)?",
        "sv": "Fungerar frågorna likadant i olika grupper (DIF)?",
    },
    "targeting": {
        "en": "Does the scale suit the persons measured?",
        "sv": "Passar skalan de personer som mätts?",
    },
    "precision": {
        "en": "Where on the scale are measures precise?",
        "sv": "Var på skalan är mätningen precis?",
    },
    "sample_size": {"en": "Is the sample large enough?", "sv": "Är urvalet tillräckligt stort?"},
}


def num(x: Any, lang: str = "en", digits: int = 2) -> str:
    """A number for reading: NaN as an en dash, a decimal comma in Swedish."""
    if x is None:
        return "–"
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(xf):
        return "–"
    if math.isinf(xf):
        return "∞" if xf > 0 else "-∞"
    text = f"{xf:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace(".", ",") if lang == "sv" else text


def pct(x: Any, lang: str = "en", digits: int = 0) -> str:
    """A share as a percentage."""
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return "–"
    if math.isnan(xf):
        return "–"
    sep = "\u00a0%" if lang == "sv" else "%"
    return num(100 * xf, lang, digits) + sep


def _and(items: Sequence[str], lang: str) -> str:
    items = [str(i) for i in items]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    word = " och " if lang == "sv" else " and "
    return ", ".join(items[:-1]) + word + items[-1]


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not one of {', '.join(map(repr, LANGS))}")
    return lang


# ------------------------------------------------------------------------------ verdicts


def _reliability_group(v: VerdictLike, lang: str) -> str:
    r = num(v.values.get("reliability"), lang)
    cut = num(v.values.get("group_cut"), lang)
    if v.status == "info":
        return (
            "Person reliability could not be computed (too few persons with non-extreme scores)."
            if lang == "en"
            else "Reliabiliteten kunde inte beräknas (för få personer utan extrema poäng)."
        )
    if v.status == "ok":
        return (
            f"Yes. Person reliability is {r} (at least {cut} is needed to compare groups)."
            if lang == "en"
            else f"Ja. Reliabiliteten är {r} (minst {cut} behövs för att jämföra grupper)."
        )
    return (
        f"No. Person reliability is {r}, below the {cut} needed to compare groups. Add or "
        "improve items, or target them better."
        if lang == "en"
        else f"Nej. Reliabiliteten är {r}, lägre än de {cut} som behövs för att jämföra grupper. "
        "Lägg till eller förbättra frågor, eller rikta dem bättre mot gruppen."
    )


def _reliability_individual(v: VerdictLike, lang: str) -> str:
    r = num(v.values.get("reliability"), lang)
    cut = num(v.values.get("individual_cut"), lang)
    if v.status == "ok":
        return (
            f"Yes. Person reliability {r} reaches the {cut} needed for individual decisions."
            if lang == "en"
            else f"Ja. Reliabiliteten {r} når de {cut} som behövs för beslut om individer."
        )
    return (
        f"Not on its own. Person reliability {r} is below {cut}: an individual's measure is "
        "too uncertain for decisions about that person; report it with its interval."
        if lang == "en"
        else f"Inte ensam. Reliabiliteten {r} är lägre än {cut}: mätvärdet för en enskild "
        "person är för osäkert för beslut om personen; redovisa det med sitt intervall."
    )


def _item_fit(v: VerdictLike, lang: str) -> str:
    items: list[Mapping[str, Any]] = list(v.values.get("items", []))
    if not items:
        return (
            "Yes. Every item's infit and outfit mean square lies within "
            f"{num(v.values['low'], lang, 1)}–{num(v.values['high'], lang, 1)}."
            if lang == "en"
            else "Ja. Alla frågors infit och outfit ligger inom "
            f"{num(v.values['low'], lang, 1)}–{num(v.values['high'], lang, 1)}."
        )
    listed = _and(
        [
            f"{d['item']} (infit {num(d['infit'], lang)}, outfit {num(d['outfit'], lang)})"
            for d in items
        ],
        lang,
    )
    degrading = list(v.values.get("degrading_items", []))
    if lang == "en":
        text = f"{len(items)} item(s) misfit: {listed}."
        if degrading:
            text += (
                f" {_and(degrading, lang)} degrade(s) measurement (mean square above "
                f"{num(v.values['degrading'], lang, 1)}): revise or remove."
            )
        else:
            text += " Review their wording and scoring before relying on them."
        return text
    text = f"{len(items)} fråga/frågor passar inte: {listed}."
    if degrading:
        text += (
            f" {_and(degrading, lang)} försämrar mätningen (medelkvadrat över "
            f"{num(v.values['degrading'], lang, 1)}): revidera eller ta bort."
        )
    else:
        text += " Granska formulering och poängsättning innan de används."
    return text


def _categories(v: VerdictLike, lang: str) -> str:
    dis = list(v.values.get("disordered", []))
    merges = list(v.values.get("merges", []))
    low: list[Mapping[str, Any]] = list(v.values.get("low_count", []))
    noisy: list[Mapping[str, Any]] = list(v.values.get("high_outfit", []))
    parts = []
    if not dis and not low and not noisy:
        if not v.values.get("polytomous", True):
            return (
                "Yes. The items have two categories each; both are used enough."
                if lang == "en"
                else "Ja. Frågorna har två svarskategorier var; båda används tillräckligt."
            )
        return (
            "Yes. The thresholds between categories advance in order for every item."
            if lang == "en"
            else "Ja. Trösklarna mellan svarskategorierna kommer i rätt ordning för alla frågor."
        )
    if dis:
        after = v.values.get("ordered_after")
        if lang == "en":
            parts.append(
                f"Disordered thresholds in {_and(dis, lang)}: some categories are "
                "never the most likely answer. Suggested merges: " + "; ".join(merges) + "."
            )
            if after is True:
                parts.append("Re-running with these merges gives ordered thresholds.")
            elif after is False:
                parts.append("Re-running with these merges still leaves disordered thresholds.")
        else:
            merges_sv = [m.replace("merge", "slå ihop") for m in merges]
            parts.append(
                f"Oordnade trösklar i {_and(dis, lang)}: vissa kategorier är aldrig det "
                "mest sannolika svaret. Förslag: " + "; ".join(merges_sv) + "."
            )
            if after is True:
                parts.append("En ny kalibrering med sammanslagningarna ger ordnade trösklar.")
            elif after is False:
                parts.append(
                    "En ny kalibrering med sammanslagningarna ger fortfarande oordnade trösklar."
                )
    if low:
        shown = [f"{d['item']} {d['category']} (n={d['count']})" for d in low[:8]]
        more = len(low) - len(shown)
        if lang == "en":
            parts.append(
                f"{len(low)} categor{'y has' if len(low) == 1 else 'ies have'} fewer "
                f"than {v.values['min_count']} answers: {', '.join(shown)}"
                + (f" and {more} more" if more > 0 else "")
                + "."
            )
        else:
            parts.append(
                f"{len(low)} kategori(er) har färre än {v.values['min_count']} svar: "
                f"{', '.join(shown)}" + (f" och {more} till" if more > 0 else "") + "."
            )
    if noisy:
        shown = [
            f"{d['item']} {d['category']} (outfit {num(d['outfit'], lang)})" for d in noisy[:8]
        ]
        more = len(noisy) - len(shown)
        cut = num(v.values.get("outfit_max", 2.0), lang, 1)
        if lang == "en":
            parts.append(
                f"{len(noisy)} categor{'y has' if len(noisy) == 1 else 'ies have'} outfit MNSQ "
                f"above {cut} (unexpected answers: persons far from where the category is "
                f"likely chose it): {', '.join(shown)}"
                + (f" and {more} more" if more > 0 else "")
                + "."
            )
        else:
            parts.append(
                f"{len(noisy)} kategori(er) har outfit (medelkvadrat) över {cut} (oväntade svar): "
                f"{', '.join(shown)}" + (f" och {more} till" if more > 0 else "") + "."
            )
    return " ".join(parts)


def _dimensionality(v: VerdictLike, lang: str) -> str:
    e = num(v.values.get("eigenvalue"), lang)
    cut = num(v.values.get("cut"), lang, 1)
    share = pct(v.values.get("share"), lang, 1)
    if v.status == "ok":
        return (
            f"Yes, as far as the residuals show. The first contrast has eigenvalue {e} "
            f"(below {cut}); {share} of persons measure differently on the two item subsets."
            if lang == "en"
            else f"Ja, så långt residualerna visar. Första kontrasten har egenvärde {e} "
            f"(under {cut}); {share} av personerna mäts olika på de två frågegrupperna."
        )
    pos = _and(list(v.values.get("positive", [])), lang)
    neg = _and(list(v.values.get("negative", [])), lang)
    return (
        f"Possibly not. The first contrast has eigenvalue {e} (above {cut} suggests a second "
        f"dimension) and {share} of persons measure significantly differently on items "
        f"{pos} than on {neg}. Look at what these item groups have in common."
        if lang == "en"
        else f"Kanske inte. Första kontrasten har egenvärde {e} (över {cut} tyder på en andra "
        f"dimension) och {share} av personerna mäts signifikant olika på frågorna {pos} och "
        f"{neg}. Se efter vad frågegrupperna har gemensamt."
    )


def _local_dependence(v: VerdictLike, lang: str) -> str:
    pairs: list[Mapping[str, Any]] = list(v.values.get("pairs", []))
    cut = num(v.values.get("cut"), lang)
    if not pairs:
        return (
            f"Yes. No item pair's residual correlation (Q3) is more than {cut} above the average."
            if lang == "en"
            else f"Ja. Inget frågepar har en residualkorrelation (Q3) mer än {cut} över "
            "genomsnittet."
        )
    listed = _and(
        [f"{p['item_1']}–{p['item_2']} (Q3* {num(p['q3_star'], lang)})" for p in pairs[:10]], lang
    )
    more = len(pairs) - min(len(pairs), 10)
    return (
        f"Not entirely. {len(pairs)} item pair(s) depend on each other beyond the trait: "
        f"{listed}" + (f" and {more} more" if more else "") + ". They may ask the same "
        "thing twice; consider combining them into one item or removing one."
        if lang == "en"
        else f"Inte helt. {len(pairs)} frågepar hänger ihop mer än egenskapen förklarar: {listed}"
        + (f" och {more} till" if more else "")
        + ". De kan fråga om samma sak två gånger; "
        "överväg att slå ihop dem till en fråga eller ta bort en."
    )


def _lr(v: VerdictLike, lang: str) -> str:
    vals = v.values
    name = vals.get("name")
    if v.status == "info":
        note = say(vals.get("note", ""), lang)
        return (
            f"The likelihood-ratio test could not be computed: {note}."
            if lang == "en"
            else f"Likelihood-kvottestet kunde inte beräknas: {note}."
        )
    p = float(vals["p"])
    p_txt = ("p < " + num(0.001, lang, 3)) if p < 0.001 else f"p = {num(p, lang, 3)}"
    stat = f"LR = {num(vals['lr'], lang)}, df = {vals['df']}, {p_txt}"
    dropped = list(vals.get("dropped", []))
    drop_txt = ""
    if dropped:
        drop_txt = (
            f" Items left out because they lack variation in a group: {_and(dropped, lang)}."
            if lang == "en"
            else f" Frågor som utelämnats för att de saknar variation i en grupp: "
            f"{_and(dropped, lang)}."
        )
    who = (
        ("persons with low and high scores" if lang == "en" else "personer med låga och höga poäng")
        if name is None
        else (f"the groups of {name}" if lang == "en" else f"grupperna i {name}")
    )
    used = list(vals.get("items_used", []))
    n_items = int(vals.get("n_items", len(used)))
    scope = ""
    if used and len(used) < n_items:
        scope = (
            f" Only {len(used)} of the {n_items} items were tested ({_and(used, lang)}): the "
            "verdict says nothing about the others."
            if lang == "en"
            else f" Bara {len(used)} av {n_items} frågor testades ({_and(used, lang)}): "
            "omdömet säger inget om de andra."
        )
    effect = vals.get("effect")
    size = ""
    if effect is not None and math.isfinite(float(effect)):
        e = num(effect, lang)
        size = (
            f" Size: the largest difference in an item's location is {e} logits "
            f"({vals.get('effect_item', '')}; {num(vals['effect_cut'], lang)} is ETS B)."
            if lang == "en"
            else f" Storlek: den största skillnaden i en frågas läge är {e} logits "
            f"({vals.get('effect_item', '')}; {num(vals['effect_cut'], lang)} är ETS B)."
        )
    significant = p < float(vals.get("alpha", 0.05))
    if not significant:
        head = (
            f"The item parameters do not differ significantly between {who} ({stat})."
            if lang == "en"
            else f"Frågornas parametrar skiljer sig inte signifikant mellan {who} ({stat})."
        )
        if v.status == "ok":
            head = ("Yes. " if lang == "en" else "Ja. ") + head
        return head + size + scope + drop_txt
    if v.status == "warning":
        return (
            (
                f"Statistically yes, in size no: the item parameters differ significantly between "
                f"{who} ({stat}), but the differences are small."
                if lang == "en"
                else f"Statistiskt ja, i storlek nej: frågornas parametrar skiljer sig signifikant "
                f"mellan {who} ({stat}), men skillnaderna är små."
            )
            + size
            + scope
            + drop_txt
        )
    return (
        (
            f"No. The item parameters differ significantly between {who} ({stat})."
            if lang == "en"
            else f"Nej. Frågornas parametrar skiljer sig signifikant mellan {who} ({stat})."
        )
        + size
        + scope
        + drop_txt
    )


def _dif(v: VerdictLike, lang: str) -> str:
    vals = v.values
    name = vals.get("name")
    details: list[Mapping[str, Any]] = list(vals.get("details", []))
    not_est = list(vals.get("not_estimable", []))
    tail = ""
    if not_est:
        tail = (
            f" Not estimable in every group: {_and(not_est, lang)}."
            if lang == "en"
            else f" Kunde inte skattas i alla grupper: {_and(not_est, lang)}."
        )
    if v.status == "ok":
        return (
            f"Yes. No item shows DIF of {num(vals['b'], lang)} logits or more by {name} "
            f"(reference group {vals['reference']})."
            if lang == "en"
            else f"Ja. Ingen fråga visar DIF på {num(vals['b'], lang)} logits eller mer efter "
            f"{name} (referensgrupp {vals['reference']})."
        ) + tail
    listed = _and(
        [
            f"{d['item']} ({d['class']}, {num(d['contrast'], lang)} logits, group {d['group']})"
            if lang == "en"
            else f"{d['item']} ({d['class']}, {num(d['contrast'], lang)} logits, grupp "
            f"{d['group']})"
            for d in details
        ],
        lang,
    )
    if lang == "en":
        return (
            f"Not for every item. DIF by {name} (reference {vals['reference']}; positive = "
            f"harder for the group): {listed}. Class C items should not be compared across "
            "these groups without splitting or removing them." + tail
        )
    return (
        f"Inte för alla frågor. DIF efter {name} (referens {vals['reference']}; positivt = "
        f"svårare för gruppen): {listed}. Frågor i klass C bör inte jämföras mellan "
        "grupperna utan att delas upp eller tas bort." + tail
    )


def _targeting(v: VerdictLike, lang: str) -> str:
    vals = v.values
    off = num(vals["offset"], lang)
    floor, ceil = pct(vals["floor"], lang), pct(vals["ceiling"], lang)
    base = (
        f"Person mean {num(vals['person_mean'], lang)} against item mean "
        f"{num(vals['item_mean'], lang)} logits (difference {off}); {floor} at the lowest and "
        f"{ceil} at the highest possible score."
        if lang == "en"
        else f"Personernas medelvärde {num(vals['person_mean'], lang)} mot frågornas "
        f"{num(vals['item_mean'], lang)} logits (skillnad {off}); {floor} har lägsta och "
        f"{ceil} högsta möjliga poäng."
    )
    if v.status == "ok":
        return ("Yes. " if lang == "en" else "Ja. ") + base
    probs = list(vals.get("problems", []))
    advice = []
    if "offset" in probs:
        advice.append(
            "the items sit too far from the persons: add items nearer to them"
            if lang == "en"
            else "frågorna ligger för långt från personerna: lägg till frågor närmare dem"
        )
    if "floor" in probs:
        advice.append(
            "many score at the bottom: add easier items"
            if lang == "en"
            else "många har lägsta poäng: lägg till lättare frågor"
        )
    if "ceiling" in probs:
        advice.append(
            "many score at the top: add harder items"
            if lang == "en"
            else "många har högsta poäng: lägg till svårare frågor"
        )
    return (
        ("Only partly. " if lang == "en" else "Bara delvis. ")
        + base
        + " "
        + ("; ".join(advice).capitalize() + ".")
    )


def _precision(v: VerdictLike, lang: str) -> str:
    vals = v.values
    lo, hi = vals.get("from"), vals.get("to")
    if lo is None or (isinstance(lo, float) and math.isnan(lo)):
        return (
            "Nowhere on the scale is the standard error small enough for group comparisons."
            if lang == "en"
            else "Ingenstans på skalan är standardfelet tillräckligt litet för gruppjämförelser."
        )
    return (
        f"Between {num(lo, lang, 1)} and {num(hi, lang, 1)} logits the standard error is at "
        f"most {num(vals['sem_cut'], lang)}; {pct(vals['share'], lang)} of the persons lie "
        "there."
        if lang == "en"
        else f"Mellan {num(lo, lang, 1)} och {num(hi, lang, 1)} logits är standardfelet högst "
        f"{num(vals['sem_cut'], lang)}; {pct(vals['share'], lang)} av personerna finns där."
    )


def _sample_size(v: VerdictLike, lang: str) -> str:
    n, mn = v.values["n"], v.values["min"]
    if v.status == "ok":
        return (
            f"Yes. {n} persons have non-extreme scores (at least {mn} recommended)."
            if lang == "en"
            else f"Ja. {n} personer har icke-extrema poäng (minst {mn} rekommenderas)."
        )
    return (
        f"Small. Only {n} persons have non-extreme scores (at least {mn} recommended): item "
        "estimates are uncertain by about a logit."
        if lang == "en"
        else f"Litet. Bara {n} personer har icke-extrema poäng (minst {mn} rekommenderas): "
        "frågornas skattningar är osäkra med ungefär en logit."
    )


_VERDICTS: dict[str, Callable[[VerdictLike, str], str]] = {
    "reliability_group": _reliability_group,
    "reliability_individual": _reliability_individual,
    "item_fit": _item_fit,
    "categories": _categories,
    "dimensionality": _dimensionality,
    "local_dependence": _local_dependence,
    "lr_median": _lr,
    "lr_groups": _lr,
    "dif": _dif,
    "targeting": _targeting,
    "precision": _precision,
    "sample_size": _sample_size,
}


def verdict_text(v: VerdictLike, lang: str = "en") -> str:
    """The verdict in plain words (English or Swedish)."""
    lang = _lang(lang)
    fn = _VERDICTS.get(v.topic)
    if fn is None:
        return f"{v.topic}: {v.status}"
    return fn(v, lang)


# ------------------------------------------------------------------------------ reliability


def reliability_use_text(
    reliability: float | None,
    lang: str = "en",
    *,
    group_cut: float,
    individual_cut: float,
    source: str,
) -> str:
    """One sentence on what a person reliability allows: individual decisions, groups, neither.

    The cut-offs come from the caller (:func:`measure.diagnostics.rules.reliability_use`).
    """
    lang = _lang(lang)
    if reliability is None or not math.isfinite(float(reliability)):
        return (
            "Person reliability: not available (too few persons with non-extreme scores)."
            if lang == "en"
            else "Reliabilitet: kan inte beräknas (för få personer utan extrema poäng)."
        )
    r = num(reliability, lang)
    g = num(group_cut, lang)
    i = num(individual_cut, lang)
    if reliability >= individual_cut:
        use = (
            f"good enough for decisions about individuals (>= {i})"
            if lang == "en"
            else f"tillräcklig för beslut om enskilda personer (>= {i})"
        )
    elif reliability >= group_cut:
        use = (
            f"good enough for comparing groups (>= {g}), not for individual decisions"
            if lang == "en"
            else f"tillräcklig för att jämföra grupper (>= {g}), inte för beslut om individer"
        )
    else:
        use = (
            f"too low for group comparisons (< {g}): add or improve items"
            if lang == "en"
            else f"för låg för gruppjämförelser (< {g}): lägg till eller förbättra frågor"
        )
    head = "Person reliability" if lang == "en" else "Reliabilitet"
    rule = "rule" if lang == "en" else "regel"
    return f"{head} {r}: {use} [{rule}: {source}]."


# ------------------------------------------------------------------------------ rules


def rule_text(v: VerdictLike, lang: str = "en") -> str:
    """The rule behind a verdict in words (English or Swedish)."""
    lang = _lang(lang)
    if lang == "en":
        return v.rule
    vals = v.values
    t = v.topic
    if t == "reliability_group":
        return f"reliabilitet minst {num(vals['group_cut'], lang)} för gruppjämförelser"
    if t == "reliability_individual":
        return f"reliabilitet minst {num(vals['individual_cut'], lang)} för individbeslut"
    if t == "item_fit":
        return (
            f"infit och outfit (medelkvadrat) inom {num(vals['low'], lang, 1)}–"
            f"{num(vals['high'], lang, 1)}; över {num(vals['degrading'], lang, 1)} försämrar "
            "mätningen"
        )
    if t == "categories":
        return (
            f"Andrich-trösklarna ska komma i ordning; minst {vals['min_count']} svar per kategori; "
            f"kategorins outfit under {num(vals.get('outfit_max', 2.0), lang, 1)}"
        )
    if t == "dimensionality":
        return (
            f"första kontrastens egenvärde över {num(vals['cut'], lang, 1)}, eller fler än "
            f"{pct(vals['smith_cut'], lang)} av personerna (nedre 95 %-gräns) med signifikant "
            "olika mätvärden på de positivt och negativt laddande frågorna"
        )
    if t == "local_dependence":
        return f"Q3 högst {num(vals['cut'], lang)} över medelvärdet av alla Q3"
    if t in ("lr_median", "lr_groups"):
        return f"Andersens likelihood-kvottest signifikant vid p < {num(vals['alpha'], lang)}"
    if t == "dif":
        return (
            f"ETS-klass C: |DIF| ≥ {num(vals['c'], lang)} logits och signifikant över "
            f"{num(vals['b'], lang)}; B: |DIF| ≥ {num(vals['b'], lang)} logits och signifikant "
            f"(p < {num(vals['alpha'], lang)}); annars A"
        )
    if t == "targeting":
        return (
            f"personernas medelvärde inom {num(vals['cut'], lang, 1)} logit från frågornas; "
            f"högst {pct(vals['share_cut'], lang)} av personerna på lägsta eller högsta "
            "möjliga poäng"
        )
    if t == "precision":
        return (
            f"precis där 1 − SEM²/SD(personer)² ≥ {num(vals['reliability'], lang)}, dvs. "
            f"SEM ≤ {num(vals['sem_cut'], lang)} logits"
        )
    if t == "sample_size":
        return (
            f"minst {vals['min']} personer med icke-extrema poäng för frågeskattningar "
            "stabila till ungefär ±0,5 logit"
        )
    return v.rule
