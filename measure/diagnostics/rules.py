"""Rules of thumb behind every verdict, with their sources, and the verdict record itself.

Every verdict that :mod:`measure.diagnostics` gives names the rule it applied and where the rule
comes from. The rules are defaults, not laws: pass your own :class:`Rules` to change them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from measure._types import RELIABILITY_GROUP, RELIABILITY_INDIVIDUAL
from measure.diagnostics.messages import reliability_use_text, rule_text, verdict_text
from measure.fit import MSQ_HIGH, MSQ_LOW

__all__ = ["Rules", "Verdict", "Status", "SOURCES", "SOURCES_SV", "reliability_use", "source_text"]

Status = Literal["ok", "warning", "problem", "info"]
STATUSES: tuple[str, ...] = ("ok", "warning", "problem", "info")

#: Where each rule comes from (cited next to every verdict).
SOURCES: dict[str, str] = {
    "item_fit": "Wright & Linacre 1994, Rasch Measurement Transactions 8:3 "
    "(rasch.org/rmt/rmt83b.htm); Winsteps manual, misfit diagnosis (MNSQ > 2.0 degrades "
    "measurement)",
    "reliability": "Tennant & Conaghan 2007, Arthritis Care & Research 57:1358; Winsteps manual "
    "(winsteps.com/winman/reliability.htm)",
    "categories": "Linacre 2002, Journal of Applied Measurement 3:85 (rasch.org/rn2.htm); "
    "Andrich 2013 on disordered thresholds",
    "local_dependence": "Christensen, Makransky & Horton 2017, Applied Psychological Measurement "
    "41:178",
    "dimensionality": "Winsteps manual, principal components of residuals "
    "(winsteps.com/winman/principalcomponents.htm); Smith 2002, Journal of Applied Measurement "
    "3:205",
    "dif": "ETS classification as mapped onto logits in Winsteps Table 30 (A < 0.43, B >= 0.43, "
    "C >= 0.64 logits); Zwick 2012, ETS RR-12-08",
    "mantel_haenszel": "Holland & Thayer 1988; Zwick 2012, ETS RR-12-08 (MH D-DIF = -2.35 ln "
    "alpha_MH)",
    "andersen_lr": "Andersen 1973, Psychometrika 38:123; as eRm::LRtest (Mair & Hatzinger 2007)",
    "targeting": "Terwee et al. 2007, Journal of Clinical Epidemiology 60:34 (floor and ceiling "
    "effects above 15%); person mean near the item mean (Tennant & Conaghan 2007)",
    "sample_size": "Linacre 1994, Rasch Measurement Transactions 7:4 (rasch.org/rmt/rmt74m.htm)",
    "conditional_fit": "Christensen, Kreiner & Mesbah 2013, Rasch Models in Health, pp. 86-90; "
    "Mueller 2020, Journal of Statistical Distributions and Applications 7:5 (as iarm out_infit)",
    "restscore": "Kreiner 2011, Applied Psychological Measurement 35:557 (as iarm item_restscore)",
    "partial_gamma": "Davis 1967, JASA 62:189; Bjorner et al. 1998, Journal of Clinical "
    "Epidemiology 51:1189; |gamma| < 0.21 negligible, 0.21-0.31 slight to moderate, > 0.31 "
    "moderate to large (as iarm partgam_DIF, partgam_LD)",
    "simulated_cutoffs": "Mueller 2020 (parametric bootstrap of fit statistics); Christensen, "
    "Makransky & Horton 2017 (simulated Q3* cut-offs)",
    "precision": "conditional reliability 1 - SEM^2 / var(persons) at the group-use level "
    "(Tennant & Conaghan 2007)",
}

#: the same sources for a Swedish report: the citations as published, the comments in Swedish
SOURCES_SV: dict[str, str] = {
    "item_fit": "Wright & Linacre 1994, Rasch Measurement Transactions 8:3 "
    "(rasch.org/rmt/rmt83b.htm); Winsteps-manualen, diagnos av dålig passning (MNSQ > 2,0 "
    "försämrar mätningen)",
    "reliability": "Tennant & Conaghan 2007, Arthritis Care & Research 57:1358; Winsteps-manualen "
    "(winsteps.com/winman/reliability.htm)",
    "categories": "Linacre 2002, Journal of Applied Measurement 3:85 (rasch.org/rn2.htm); "
    "Andrich 2013 om oordnade trösklar",
    "local_dependence": SOURCES["local_dependence"],
    "dimensionality": "Winsteps-manualen, principalkomponenter av residualer "
    "(winsteps.com/winman/principalcomponents.htm); Smith 2002, Journal of Applied Measurement "
    "3:205",
    "dif": "ETS-klassificeringen överförd till logits som i Winsteps tabell 30 (A < 0,43, "
    "B >= 0,43, C >= 0,64 logits); Zwick 2012, ETS RR-12-08",
    "mantel_haenszel": "Holland & Thayer 1988; Zwick 2012, ETS RR-12-08 (MH D-DIF = -2,35 ln "
    "alpha_MH)",
    "andersen_lr": "Andersen 1973, Psychometrika 38:123; som eRm::LRtest (Mair & Hatzinger 2007)",
    "targeting": "Terwee m.fl. 2007, Journal of Clinical Epidemiology 60:34 (golv- och "
    "takeffekter över 15 %); personernas medelvärde nära frågornas (Tennant & Conaghan 2007)",
    "sample_size": "Linacre 1994, Rasch Measurement Transactions 7:4 (rasch.org/rmt/rmt74m.htm)",
    "conditional_fit": "Christensen, Kreiner & Mesbah 2013, Rasch Models in Health, s. 86-90; "
    "Mueller 2020, Journal of Statistical Distributions and Applications 7:5 (som iarm "
    "out_infit)",
    "restscore": "Kreiner 2011, Applied Psychological Measurement 35:557 (som iarm item_restscore)",
    "partial_gamma": "Davis 1967, JASA 62:189; Bjorner m.fl. 1998, Journal of Clinical "
    "Epidemiology 51:1189; |gamma| < 0,21 försumbart, 0,21-0,31 litet till måttligt, > 0,31 "
    "måttligt till stort (som iarm partgam_DIF, partgam_LD)",
    "simulated_cutoffs": "Mueller 2020 (parametrisk bootstrap av passningsmått); Christensen, "
    "Makransky & Horton 2017 (simulerade gränser för Q3*)",
    "precision": "betingad reliabilitet 1 - SEM^2 / var(personer) på nivån för gruppjämförelser "
    "(Tennant & Conaghan 2007)",
}


def source_text(source: str, lang: str = "en") -> str:
    """A source (a key of :data:`SOURCES`, or text made of their English texts) in ``lang``."""
    if source in SOURCES:
        return SOURCES_SV[source] if lang == "sv" else SOURCES[source]
    if lang != "sv":
        return source
    for key in sorted(SOURCES, key=lambda k: -len(SOURCES[k])):
        source = source.replace(SOURCES[key], SOURCES_SV[key])
    return source


@dataclass(frozen=True)
class Rules:
    """The thresholds behind the verdicts. Every field has a documented default and source.

    Attributes
    ----------
    msq_low, msq_high : item infit/outfit mean squares outside [msq_low, msq_high] misfit
        (0.6-1.4 for rating scales; Wright & Linacre 1994).
    msq_degrading : a mean square above this degrades measurement (2.0; Winsteps manual).
    reliability_group : person reliability needed to compare groups (0.70; Tennant & Conaghan 2007).
    reliability_individual : person reliability needed for decisions about individuals (0.85).
    min_category_count : fewest answers a category should have (10; Linacre 2002).
    threshold_min_advance, threshold_max_advance : Andrich thresholds should advance by at least
        1.4 and less than 5 logits (Linacre 2002; informational, never a problem by itself).
    category_outfit_max : category outfit mean square below this (2.0; Linacre 2002).
    q3_star_cutoff : an item pair is locally dependent when Q3 exceeds the mean of all Q3 by more
        than this (0.2; Christensen, Makransky & Horton 2017).
    contrast_eigenvalue : first contrast of the residual PCA above this many items' strength is
        worth a look (2.0; Winsteps).
    contrast_loading : items loading above +this or below -this on the first contrast form the
        two subsets compared by Smith's t-tests (0.3).
    smith_share : share of persons with significantly different measures on the two subsets
        above which the scale is not unidimensional (0.05; Smith 2002).
    dif_b, dif_c : ETS B and C limits in logits (0.43 and 0.64; Winsteps Table 30).
    alpha : significance level of every test (0.05).
    floor_ceiling_share : a floor or ceiling effect is more than this share of persons at the
        lowest or highest possible score (0.15; Terwee et al. 2007).
    targeting_offset : person mean further than this (logits) from the item mean is poor
        targeting (1.0; a measure default, settable).
    min_persons : persons with non-extreme scores for item calibrations stable to about +-0.5
        logit (100; Linacre 1994).
    """

    msq_low: float = MSQ_LOW
    msq_high: float = MSQ_HIGH
    msq_degrading: float = 2.0
    reliability_group: float = RELIABILITY_GROUP
    reliability_individual: float = RELIABILITY_INDIVIDUAL
    min_category_count: int = 10
    threshold_min_advance: float = 1.4
    threshold_max_advance: float = 5.0
    category_outfit_max: float = 2.0
    q3_star_cutoff: float = 0.2
    contrast_eigenvalue: float = 2.0
    contrast_loading: float = 0.3
    smith_share: float = 0.05
    dif_b: float = 0.43
    dif_c: float = 0.64
    alpha: float = 0.05
    floor_ceiling_share: float = 0.15
    targeting_offset: float = 1.0
    min_persons: int = 100

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                problems.append(f"{f.name}={value!r} is not a number")
            elif value != value or value < 0:
                problems.append(f"{f.name}={value!r} must be a non-negative number")
        if not problems:
            if not self.msq_low < self.msq_high <= self.msq_degrading:
                problems.append(
                    f"need msq_low < msq_high <= msq_degrading, got {self.msq_low}, "
                    f"{self.msq_high}, {self.msq_degrading}"
                )
            if not self.dif_b <= self.dif_c:
                problems.append(f"dif_b={self.dif_b} must not exceed dif_c={self.dif_c}")
            if not 0 < self.alpha < 1:
                problems.append(f"alpha={self.alpha} must lie strictly between 0 and 1")
            for name in (
                "reliability_group",
                "reliability_individual",
                "smith_share",
                "floor_ceiling_share",
            ):
                if not 0 < getattr(self, name) < 1:
                    problems.append(
                        f"{name}={getattr(self, name)} must lie strictly between 0 and 1"
                    )
            if not self.threshold_min_advance < self.threshold_max_advance:
                problems.append("threshold_min_advance must be below threshold_max_advance")
        if problems:
            raise ValueError("invalid Rules: " + "; ".join(problems))

    def as_dict(self) -> dict[str, float]:
        """The rules as a plain dict (for reports and JSON)."""
        return {k: float(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Verdict:
    """One plain-language judgement, with the rule it applied and the rule's source.

    Attributes
    ----------
    topic : what is judged (``reliability_group``, ``item_fit``, ``categories``, ...).
    status : "ok", "warning", "problem" or "info".
    values : the figures behind the judgement (numbers, lists of item names).
    rule : the rule in words, with the values from :class:`Rules` filled in (English).
    source : where the rule comes from.
    """

    topic: str
    status: Status
    values: Mapping[str, Any] = field(default_factory=dict)
    rule: str = ""
    source: str = ""

    def text(self, lang: str = "en") -> str:
        """The verdict in plain words, in English (``"en"``) or Swedish (``"sv"``)."""
        return verdict_text(self, lang)

    def rule_text(self, lang: str = "en") -> str:
        """The rule in words, in English or Swedish."""
        return rule_text(self, lang)

    def __str__(self) -> str:
        return f"[{self.status}] {self.text('en')} (rule: {self.rule}; source: {self.source})"


def reliability_use(reliability: float | None, rules: Rules | None = None, lang: str = "en") -> str:
    """What a person reliability is good enough for, in one sentence with the rule's source.

    At least ``rules.reliability_individual`` (0.85): decisions about individuals; at least
    ``rules.reliability_group`` (0.70): comparing groups; below: neither (Tennant & Conaghan
    2007). ``None`` or NaN (too few persons with non-extreme scores) says so.

    Examples
    --------
    >>> reliability_use(0.78)
    'Person reliability 0.78: good enough for comparing groups (>= 0.70), not for individual \
decisions [rule: Tennant & Conaghan 2007].'
    """
    rules = Rules() if rules is None else rules
    return reliability_use_text(
        reliability,
        lang,
        group_cut=rules.reliability_group,
        individual_cut=rules.reliability_individual,
        source="Tennant & Conaghan 2007",
    )
