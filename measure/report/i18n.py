"""Words of the HTML report, in English and Swedish (formatting only)."""

from __future__ import annotations

__all__ = ["TEXT", "tr"]

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
