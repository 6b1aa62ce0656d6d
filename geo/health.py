"""Deaths attributable to long-term PM2.5 exposure, estimated the way WHO's AirQ+ does it.

AirQ+ (WHO Regional Office for Europe) for long-term PM2.5 and mortality: a log-linear concentration-response
function, RR(c) = exp(β · max(0, c − c₀)) with β = ln(RR₁₀) / 10; the attributable fraction AF = (RR − 1) / RR;
attributable deaths = AF × baseline deaths (baseline rate per 100,000 × population / 100,000). The counterfactual c₀
is the WHO AQG 2021 annual guideline, 5 µg/m³; the relative risks per 10 µg/m³ and their 95 % confidence intervals
are those of the systematic review behind the guidelines (Chen & Hoek, Environment International 143, 2020), which
give the lower and upper bounds. Where only cause-specific crude rates of all ages exist (the Kyrgyz statistics
committee publishes circulatory and chronic respiratory death rates, no all-cause or age-specific ones), the
estimate is cause-specific and sums those causes: a lower bound on the deaths from all causes, said as such.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from geo.guidelines import AQG_2021

COUNTERFACTUAL_UGM3 = AQG_2021[("pm25", "annual")].aqg_ugm3  # 5 µg/m³
CRF_SOURCE = ("Chen J, Hoek G. Long-term exposure to PM and all-cause and cause-specific mortality: a systematic review "
              "and meta-analysis. Environment International 143 (2020) 105974, the review behind the WHO AQG 2021")


@dataclass(frozen=True)
class RelativeRisk:
    """Relative risk of death per 10 µg/m³ of long-term PM2.5, with its 95 % confidence interval."""
    central: float
    low: float
    high: float


# Cause of death (the Atlas's death-rate indicator) -> the review's pooled relative risk for it. Circulatory deaths
# take the circulatory estimate; chronic respiratory deaths take COPD's, by far their largest part.
CAUSE_RISKS = {
    "deaths_circulatory_per_100k": RelativeRisk(1.11, 1.09, 1.14),
    "deaths_chronic_respiratory_per_100k": RelativeRisk(1.11, 1.05, 1.17),
}
NATURAL_CAUSES_RISK = RelativeRisk(1.08, 1.06, 1.09)  # for a city that supplies its natural-cause death rate


def attributable_fraction(concentration: float, rr10: float, counterfactual: float = COUNTERFACTUAL_UGM3) -> float:
    """The share of deaths attributable to the exposure above `counterfactual`: (RR − 1) / RR."""
    rr = math.exp(math.log(rr10) / 10 * max(0.0, concentration - counterfactual))
    return (rr - 1) / rr


@dataclass(frozen=True)
class Estimate:
    """Deaths attributable to PM2.5 above the counterfactual, per 100,000 residents and in all (None without a
    population), each with its lower and upper bound, and the share of the causes' deaths."""
    per_100k: tuple[float, float, float]  # central, low, high
    deaths: tuple[float, float, float] | None
    share: tuple[float, float, float]  # of the deaths from the causes counted
    causes: tuple[str, ...]


def attributable_deaths(concentration: float, rates_per_100k: dict[str, float], population: float | None,
                        counterfactual: float = COUNTERFACTUAL_UGM3) -> Estimate:
    """Deaths from the causes given (indicator id -> crude rate per 100,000) attributable to an annual mean
    `concentration` above `counterfactual`, summed over causes, with the bounds of each cause's relative risk."""
    causes = tuple(c for c in rates_per_100k if c in CAUSE_RISKS)
    per_100k = tuple(sum(attributable_fraction(concentration, getattr(CAUSE_RISKS[c], bound), counterfactual)
                         * rates_per_100k[c] for c in causes) for bound in ("central", "low", "high"))
    total_rate = sum(rates_per_100k[c] for c in causes)
    share = tuple(v / total_rate if total_rate else math.nan for v in per_100k)
    deaths = tuple(v * population / 100_000 for v in per_100k) if population else None
    return Estimate(per_100k, deaths, share, causes)


def avoidable_deaths(concentration: float, rates_per_100k: dict[str, float], population: float | None
                     ) -> list[tuple[str, float, Estimate]]:
    """What lowering the annual mean would avoid: halving the gap to the guideline, and reaching each WHO interim
    target below the current mean and the guideline itself; (scenario, target level, estimate with that level as
    the counterfactual)."""
    levels = AQG_2021[("pm25", "annual")]
    targets = [("half_gap", COUNTERFACTUAL_UGM3 + (concentration - COUNTERFACTUAL_UGM3) / 2)]
    targets += [(name, level) for name, level in levels.levels_ugm3() if level < concentration]
    return [(name, level, attributable_deaths(concentration, rates_per_100k, population, counterfactual=level))
            for name, level in targets if concentration > level]
