"""Words of the HTML report, in English and Swedish (formatting only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "RULE_WORDS",
    "SETTING_WORDS",
    "TEXT",
    "TOPIC_WORDS",
    "rule_word",
    "setting_word",
    "topic_word",
    "tr",
    "value_word",
]

TEXT: dict[str, dict[str, str]] = {
    "title": {
        "en": "Is this a measure? Measurement quality report",
        "sv": "Är detta ett mått? Rapport om mätkvalitet",
    },
    "lang_attr": {"en": "en", "sv": "sv"},
    "data": {"en": "Data", "sv": "Data"},
    "model": {"en": "Model", "sv": "Modell"},
    "persons": {"en": "persons", "sv": "personer"},
    "items_word": {"en": "items", "sv": "frågor"},
    "generated": {"en": "Generated", "sv": "Skapad"},
    "summary": {
        "en": "Summary: can these numbers be trusted?",
        "sv": "Sammanfattning: går det att lita på siffrorna?",
    },
    "summary_intro": {
        "en": "Each answer below applies a published rule of thumb; the rule and its source are "
        "given under the answer. Green: fine; amber: check; red: a problem to fix before "
        "relying on the measures; blue: information.",
        "sv": "Varje svar nedan bygger på en publicerad tumregel; regeln och dess källa står "
        "under svaret. Grönt: bra; gult: kontrollera; rött: ett problem att åtgärda innan "
        "måtten används; blått: information.",
    },
    "status_ok": {"en": "OK", "sv": "OK"},
    "status_warning": {"en": "Check", "sv": "Kontrollera"},
    "status_problem": {"en": "Problem", "sv": "Problem"},
    "status_info": {"en": "Info", "sv": "Info"},
    "rule": {"en": "Rule", "sv": "Regel"},
    "source": {"en": "Source", "sv": "Källa"},
    "details": {"en": "Details for the specialist", "sv": "Detaljer för specialisten"},
    "items_h": {"en": "Items: locations and fit", "sv": "Frågor: lägen och passning"},
    "items_note": {
        "en": "Location: item difficulty in logits (mean of its thresholds; mean of all items "
        "= 0). Infit and outfit: mean squares at the persons' ML measures, persons with "
        "extreme scores left out (as eRm and Winsteps); expected 1. ZSTD as eRm (Wilson-Hilferty, "
        "not capped as Winsteps does): read the mean square as the size.",
        "sv": "Läge: frågans svårighet i logits (medelvärdet av dess trösklar; alla frågors "
        "medelvärde = 0). Infit och outfit: medelkvadrater vid personernas ML-mätvärden, "
        "personer med extrema poäng utelämnade (som eRm och Winsteps); förväntat 1. ZSTD som "
        "eRm (Wilson-Hilferty, utan Winsteps tak): läs medelkvadraten som storleken.",
    },
    "cond_fit_note": {
        "en": "Conditional infit and outfit (columns 'cond.'): mean squares from the expectation "
        "and variance of each answer given the person's raw score (within their missing-data "
        "pattern), so no person measure enters (Christensen & Kreiner; as the R package iarm); "
        "expected 1, with a standard error and a p-value.",
        "sv": "Betingad infit och outfit (kolumner 'betingad'): medelkvadrater från väntevärde "
        "och varians för varje svar givet personens råpoäng (inom personens mönster av "
        "saknade svar), så inget personmått ingår (Christensen & Kreiner; som R-paketet iarm); "
        "förväntat 1, med standardfel och p-värde.",
    },
    "unconditional_rule": {
        "en": "Infit/outfit MNSQ: misfit outside {low}-{high}",
        "sv": "Infit/outfit MNSQ: passar ej utanför {low}-{high}",
    },
    "conditional_rule": {
        "en": "Conditional infit/outfit: misfit when the two-sided p < 0.05 (|z| > 1.96); the "
        "size is the mean square itself",
        "sv": "Betingad infit/outfit: passar ej när det tvåsidiga p < 0,05 (|z| > 1,96); "
        "storleken är medelkvadraten själv",
    },
    "restscore_rule": {
        "en": "Item-restscore: Goodman-Kruskal gamma of the item and the rest score, observed "
        "against the value expected under the model; a difference with Benjamini-Hochberg "
        "adjusted p < 0.05 flags the item (observed below expected: it discriminates less than "
        "the model expects)",
        "sv": "Fråga-restpoäng: Goodman-Kruskals gamma mellan frågan och restpoängen, observerat "
        "mot det som modellen förväntar; en skillnad med Benjamini-Hochberg-justerat p < 0,05 "
        "flaggar frågan (observerat under förväntat: den skiljer sämre än modellen förväntar)",
    },
    "dif_gamma_note": {
        "en": "Anchor: the item was among the items the groups' scales were aligned on after "
        "purification. The contrast and its ETS class come from separate calibrations aligned on "
        "the anchors; Mantel-Haenszel (dichotomous items) and the partial gamma condition on the "
        "total score instead, so the classes can differ: read them side by side. Partial gamma: "
        "positive = the focal group scores higher on the item than reference persons with the "
        "same total score.",
        "sv": "Ankare: frågan var bland dem som gruppernas skalor länkades på efter rensning. "
        "Kontrasten och dess ETS-klass kommer från separata kalibreringar länkade på ankarna; "
        "Mantel-Haenszel (tvåvärda frågor) och den partiella gamman betingar i stället på "
        "totalpoängen, så klasserna kan skilja sig: läs dem sida vid sida. Partiell gamma: "
        "positiv = fokalgruppen får högre poäng på frågan än referenspersoner med samma "
        "totalpoäng.",
    },
    "ld_gamma_note": {
        "en": "Partial gamma (1|R-2): the two items' association among persons with the same "
        "total score minus the second item (and the reverse); |gamma| < 0.21 is negligible, "
        "0.21-0.31 slight to moderate, above 0.31 moderate to large. All ordered pairs with "
        "their p-values: local_dependence.csv (measure calibrate --diagnostics).",
        "sv": "Partiell gamma (1|R-2): sambandet mellan frågorna bland personer med samma "
        "totalpoäng minus den andra frågan (och omvänt); |gamma| < 0,21 försumbart, 0,21-0,31 "
        "litet till måttligt, över 0,31 måttligt till stort. Alla ordnade par med p-värden: "
        "local_dependence.csv (measure calibrate --diagnostics).",
    },
    "reliability_h": {"en": "Reliability", "sv": "Reliabilitet"},
    "wright_h": {"en": "Wright map", "sv": "Wright-karta"},
    "wright_note": {
        "en": "Persons (left) and item thresholds (right) on the same logit scale. Items should "
        "cover the range where the persons are.",
        "sv": "Personer (vänster) och frågornas trösklar (höger) på samma logitskala. Frågorna "
        "bör täcka det område där personerna finns.",
    },
    "targeting_h": {"en": "Targeting and precision", "sv": "Målinriktning och precision"},
    "categories_h": {"en": "Response categories", "sv": "Svarskategorier"},
    "categories_note": {
        "en": "Count and share of answers per category, the average measure of the persons who "
        "chose it (should increase), the Andrich threshold into the category with its SE "
        "(should increase), and the category's outfit mean square.",
        "sv": "Antal och andel svar per kategori, medelmätvärdet för de personer som valde den "
        "(ska öka), Andrich-tröskeln in i kategorin med standardfel (ska öka) och "
        "kategorins outfit.",
    },
    "collapse_h": {"en": "Suggested merges", "sv": "Föreslagna sammanslagningar"},
    "collapse_note": {
        "en": "Apply with measure.diagnostics.recode(data, mapping) (codes counted from the "
        "lowest category as 0) and calibrate again.",
        "sv": "Tillämpa med measure.diagnostics.recode(data, mapping) (koder räknade från lägsta "
        "kategorin som 0) och kalibrera igen.",
    },
    "curves_h": {"en": "Category probability curves", "sv": "Kategorikurvor"},
    "ecc_h": {
        "en": "Expected scores and observed class means",
        "sv": "Förväntade poäng och observerade klassmedelvärden",
    },
    "dim_h": {
        "en": "Dimensionality (residual principal components)",
        "sv": "Dimensionalitet (principalkomponenter av residualer)",
    },
    "ld_h": {"en": "Local dependence (Yen's Q3)", "sv": "Lokalt beroende (Yens Q3)"},
    "ld_note": {
        "en": "The ten item pairs with the highest residual correlation.",
        "sv": "De tio frågepar som har högst residualkorrelation.",
    },
    "lr_h": {"en": "Andersen's likelihood-ratio test", "sv": "Andersens likelihood-kvottest"},
    "dif_h": {
        "en": "Differential item functioning (DIF)",
        "sv": "Differentiell frågefunktion (DIF)",
    },
    "dif_note": {
        "en": "Contrast = the item's location in the group minus in the reference group, after "
        "aligning the separately calibrated (CML) scales on the anchor items; positive "
        "means harder for the group. MH: Mantel-Haenszel log odds ratio (dichotomous "
        "items).",
        "sv": "Kontrast = frågans läge i gruppen minus i referensgruppen, efter att de separat "
        "kalibrerade (CML) skalorna linjerats på ankarfrågorna; positivt betyder svårare "
        "för gruppen. MH: Mantel-Haenszels log-oddskvot (dikotoma frågor).",
    },
    "settings_h": {"en": "Settings and versions", "sv": "Inställningar och versioner"},
    "settings_note": {
        "en": "Everything needed to reproduce this report.",
        "sv": "Allt som behövs för att återskapa rapporten.",
    },
    "rules_h": {"en": "Rules applied", "sv": "Tillämpade regler"},
    "software_h": {"en": "Software", "sv": "Programvara"},
    "none": {"en": "None.", "sv": "Inga."},
    "not_computed": {"en": "Not computed", "sv": "Inte beräknat"},
    "dropped": {"en": "Items left out", "sv": "Utelämnade frågor"},
    "statistic": {"en": "Statistic", "sv": "Statistika"},
    "split_median": {"en": "median raw-score split", "sv": "delning vid medianpoängen"},
    "split_group": {"en": "by", "sv": "efter"},
    "yes": {"en": "yes", "sv": "ja"},
    "no": {"en": "no", "sv": "nej"},
    "setting": {"en": "Setting", "sv": "Inställning"},
    "value": {"en": "Value", "sv": "Värde"},
    "not_installed": {"en": "not installed", "sv": "inte installerat"},
    "command": {
        "en": "Command line (can be pasted into a shell)",
        "sv": "Kommandorad (kan klistras in i ett skal)",
    },
    "label": {"en": "Label", "sv": "Etikett"},
    "item_text": {"en": "Text", "sv": "Text"},
    "ci95": {"en": "95% CI", "sv": "95 % KI"},
    "low": {"en": "low", "sv": "låg"},
    "high": {"en": "high", "sv": "hög"},
    "mean_q3": {"en": "mean Q3", "sv": "medelvärde Q3"},
    "smith": {
        "en": "Smith's t-tests: persons with significantly different measures on the "
        "positive and negative item subsets",
        "sv": "Smiths t-test: personer med signifikant olika mätvärden på de positiva och "
        "negativa frågegrupperna",
    },
}


def tr(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang``."""
    return TEXT[key][lang]


#: names of settings shown in the reports' settings tables: key -> (English, Swedish)
SETTING_WORDS: dict[str, tuple[str, str]] = {
    "model": ("model", "modell"),
    "method": ("method", "metod"),
    "person estimator": ("person estimator", "personskattning"),
    "persons": ("persons", "personer"),
    "items": ("items", "frågor"),
    "missing-data patterns": ("missing-data patterns", "mönster av saknade svar"),
    "log-likelihood": ("log-likelihood", "log-likelihood"),
    "iterations": ("iterations", "iterationer"),
    "converged": ("converged", "konvergerade"),
    "collapsed categories": ("collapsed categories", "sammanslagna kategorier"),
    "source": ("source", "källa"),
    "data": ("data", "data"),
    "DIF grouping": ("DIF grouping", "DIF-gruppering"),
    "dif": ("DIF grouping", "DIF-gruppering"),
    "command": ("command", "kommando"),
    "id column": ("id column", "id-kolumn"),
    "model option": ("model option", "modellval"),
    "instrument": ("instrument", "instrument"),
    "missing codes": ("missing codes", "koder för saknade svar"),
    "min category": ("min category", "lägsta kategori"),
    "reverse-keyed": ("reverse-keyed", "omvänt kodade"),
    "collapse null categories": ("collapse null categories", "slå ihop tomma kategorier"),
    "invalid cells": ("invalid cells", "ogiltiga celler"),
    "language": ("language", "språk"),
    "drift policy": ("drift policy", "hantering av drivande ankare"),
    "drift tolerance": ("drift tolerance", "drifttolerans"),
    "minimum answered": ("minimum answered", "minsta antal besvarade"),
    "platform": ("platform", "plattform"),
    "by": ("grouped by", "grupperat efter"),
    "paired": ("paired", "parade"),
    "threshold": ("threshold", "gräns"),
    "direction": ("direction", "riktning"),
    "level": ("level", "nivå"),
    "occasions": ("occasions", "tillfällen"),
    "weight": ("weight", "vikt"),
    "estimator": ("estimator", "skattning"),
    "share_estimator": ("share estimator", "skattning av andelen"),
    "measure": ("measure column", "kolumn för mått"),
    "se": ("SE column", "kolumn för SE"),
    "link_se": ("link SE column", "kolumn för länkfel"),
    "id_column": ("id column", "id-kolumn"),
}

#: values shown in words: (English, Swedish)
_VALUE_WORDS: dict[str, tuple[str, str]] = {
    "none": ("none", "inga"),
    "(none)": ("(none)", "(inga)"),
    "(default)": ("(default)", "(standard)"),
    "(row number)": ("(row number)", "(radnummer)"),
    "above": ("above", "över"),
    "below": ("below", "under"),
    "set_aside": ("set aside", "läggs åt sidan"),
    "keep": ("keep", "behålls"),
    "latent_normal": ("latent normal", "latent normalfördelning"),
    "error": ("error", "fel"),
    "missing": ("missing", "saknas"),
    "cml": ("cml", "cml"),
    "conditional maximum likelihood (exact, elementary symmetric functions)": (
        "conditional maximum likelihood (exact, elementary symmetric functions)",
        "betingad maximum likelihood (exakt, elementära symmetriska funktioner)",
    ),
    "pairwise conditional maximum likelihood (consistent; sandwich standard errors; loglik is "
    "the composite pairwise log-likelihood)": (
        "pairwise conditional maximum likelihood (consistent; sandwich standard errors; loglik "
        "is the composite pairwise log-likelihood)",
        "parvis betingad maximum likelihood (konsistent; sandwich-standardfel; log-likelihood "
        "är den sammansatta parvisa)",
    ),
    "every threshold anchored (nothing estimated); conditional log-likelihood": (
        "every threshold anchored (nothing estimated); conditional log-likelihood",
        "alla trösklar förankrade (inget skattat); betingad log-likelihood",
    ),
}

#: the rules' names (fields of measure.diagnostics.Rules) in Swedish; English shows the field
RULE_WORDS: dict[str, str] = {
    "msq_low": "lägsta godtagbara medelkvadrat (infit/outfit)",
    "msq_high": "högsta godtagbara medelkvadrat (infit/outfit)",
    "msq_degrading": "medelkvadrat som försämrar mätningen",
    "reliability_group": "reliabilitet för gruppjämförelser",
    "reliability_individual": "reliabilitet för individbeslut",
    "min_category_count": "minsta antal svar per kategori",
    "threshold_min_advance": "minsta steg mellan trösklar (logit)",
    "threshold_max_advance": "största steg mellan trösklar (logit)",
    "category_outfit_max": "högsta outfit för en kategori",
    "q3_star_cutoff": "gräns för Q3* (lokalt beroende)",
    "contrast_eigenvalue": "gräns för första kontrastens egenvärde",
    "contrast_loading": "laddning som delar frågorna i två grupper",
    "smith_share": "största andel personer i Smiths t-test",
    "dif_b": "DIF-gräns för ETS-klass B (logit)",
    "dif_c": "DIF-gräns för ETS-klass C (logit)",
    "alpha": "signifikansnivå",
    "floor_ceiling_share": "största andel på golv eller tak",
    "targeting_offset": "största avstånd mellan personernas och frågornas medelvärden (logit)",
    "min_persons": "minsta antal personer utan extrem poäng",
}

#: the topics of the rules' sources in Swedish; English shows the key
TOPIC_WORDS: dict[str, str] = {
    "item_fit": "frågornas passning",
    "reliability": "reliabilitet",
    "categories": "svarskategorier",
    "local_dependence": "lokalt beroende",
    "dimensionality": "dimensionalitet",
    "dif": "DIF",
    "mantel_haenszel": "Mantel-Haenszel",
    "andersen_lr": "Andersens likelihood-kvottest",
    "targeting": "målinriktning",
    "sample_size": "urvalets storlek",
    "conditional_fit": "betingad passning",
    "restscore": "fråga-restpoäng",
    "partial_gamma": "partiell gamma",
    "simulated_cutoffs": "simulerade gränser",
    "precision": "precision",
}


def setting_word(key: str, lang: str) -> str:
    """A setting's name in ``lang`` (as given when it has no translation)."""
    words = SETTING_WORDS.get(key)
    if words is None:
        return key
    return words[1] if lang == "sv" else words[0]


def value_word(value: Any, lang: str) -> str:
    """A setting's value for reading: yes/no, lists joined, known words in ``lang``."""
    if isinstance(value, bool):
        return tr("yes" if value else "no", lang)
    if isinstance(value, Mapping):
        if not value:
            return value_word("none", lang)
        return "; ".join(f"{k}: {value_word(v, lang)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(value_word(v, lang) for v in value)
    if value is None:
        return "–"
    text = str(value)
    words = _VALUE_WORDS.get(text)
    if words is None:
        return text
    return words[1] if lang == "sv" else words[0]


def rule_word(key: str, lang: str) -> str:
    """A rule's name (a field of :class:`measure.diagnostics.Rules`) in ``lang``."""
    return RULE_WORDS.get(key, key) if lang == "sv" else key


def topic_word(key: str, lang: str) -> str:
    """The topic of a source (a key of :data:`measure.diagnostics.rules.SOURCES`) in ``lang``."""
    return TOPIC_WORDS.get(key, key) if lang == "sv" else key
