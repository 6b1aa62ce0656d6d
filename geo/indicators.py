"""Indicator registry (one frozen record per indicator) and the per-city values computed from the embedded data."""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geo.air import MIN_VALID_DAYS_PER_YEAR, annual_stats
from geo.cities import City
from geo.guidelines import AQG_2021, POLLUTANTS, WHO_AQG_SOURCE


@dataclass(frozen=True)
class Reference:
    value: float
    label_key: str  # translation key of what the value is, e.g. the WHO AQG 2021 annual guideline
    source: str


@dataclass(frozen=True)
class IndicatorSpec:
    id: str
    unit: str
    direction: str  # "higher_is_better" | "lower_is_better" | "neutral"
    source: str
    reference: Reference | None = None
    name_key: str = ""  # translation key of the name; default "indicator.<id>"
    name_params: tuple[tuple[str, str], ...] = ()  # parameters of that text, e.g. (("pollutant", "PM2.5"),)

    @property
    def name(self) -> tuple[str, dict[str, str]]:
        """Translation key and parameters of the indicator's name."""
        return self.name_key or f"indicator.{self.id}", dict(self.name_params)


INDICATORS: dict[str, IndicatorSpec] = {spec.id: spec for spec in (
    IndicatorSpec("population", "persons", "neutral", "city catalogue (GeoNames or Bureau of National Statistics KZ)"),
    IndicatorSpec("boundary_area", "km²", "neutral", "computed from the boundary layer in the city's UTM zone"),
    IndicatorSpec("population_density", "persons/km²", "neutral", "population ÷ boundary area"),
    IndicatorSpec("health_facilities_osm", "count", "higher_is_better",
                  "OpenStreetMap health facilities (HOT export), counted inside the boundary"),
    IndicatorSpec("health_facilities_per_10k", "per 10,000 residents", "higher_is_better",
                  "OpenStreetMap health facilities ÷ population × 10,000"),
)}


def _air_indicators() -> list[IndicatorSpec]:
    """Per pollutant with a WHO guideline: annual mean, days above the 24-hour level, 99th percentile."""
    specs = []
    for pollutant in POLLUTANTS.values():
        annual, daily = AQG_2021.get((pollutant.id, "annual")), AQG_2021.get((pollutant.id, "24h"))
        label = (("pollutant", pollutant.label),)
        if annual:
            specs.append(IndicatorSpec(
                f"{pollutant.id}_annual_mean", "µg/m³", "lower_is_better",
                f"mean of quality-controlled daily {pollutant.label} means of the latest complete year "
                f"(≥ {MIN_VALID_DAYS_PER_YEAR} valid days)",
                Reference(annual.aqg_ugm3, "reference.who_annual", WHO_AQG_SOURCE),
                name_key="indicator_kind.annual_mean", name_params=label))
        if daily:
            specs += [
                IndicatorSpec(f"{pollutant.id}_days_above_24h", "days", "lower_is_better",
                              f"valid days with a daily {pollutant.label} mean above the WHO 24-hour level "
                              f"({daily.aqg_ugm3:g} µg/m³)",
                              Reference(4, "reference.who_24h_days", WHO_AQG_SOURCE),
                              name_key="indicator_kind.days_above_24h", name_params=label),
                IndicatorSpec(f"{pollutant.id}_p99_daily", "µg/m³", "lower_is_better",
                              f"99th percentile of daily {pollutant.label} means in the year",
                              Reference(daily.aqg_ugm3, "reference.who_24h", WHO_AQG_SOURCE),
                              name_key="indicator_kind.p99_daily", name_params=label),
            ]
    return specs


INDICATORS.update({spec.id: spec for spec in _air_indicators()})
CITY_CARD_INDICATORS = ("population", "boundary_area", "population_density", "health_facilities_osm",
                        "health_facilities_per_10k", "pm25_annual_mean", "pm25_days_above_24h")

FIGURE_COLUMNS = ["indicator_id", "value", "unit", "year", "level", "note_key", "note_params"]


def city_figures(city: City, boundary: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                 pm25_daily: pd.DataFrame) -> pd.DataFrame:
    """The city's key figures. Unknown values are NaN with a note saying why, never 0.

    `boundary`, `facilities`, `pm25_daily` (PM2.5 rows of air_daily) are this city's rows of the embedded
    data. Notes are
    translation keys (geo.i18n) with their parameters.
    """
    nan = float("nan")
    region_only = city.boundary_quality == "region_only"
    area = float(boundary["area_km2"].iloc[0]) if len(boundary) else nan
    pop = city.population
    rows = [
        ("population", pop.value, pop.year, "city", "note.population_source", {"source": pop.source}),
        ("boundary_area", area, "", "region" if region_only else "city",
         "note.region_area" if region_only else "", {}),
        ("population_density", nan if region_only else round(pop.value / area, 1), pop.year, "city",
         "note.no_density" if region_only else "", {}),
    ]
    if city.country == "KG":
        count = len(facilities)
        rows += [("health_facilities_osm", count, "", "city", "note.osm_coverage", {}),
                 ("health_facilities_per_10k", round(count / pop.value * 10_000, 2), "", "city",
                  "note.osm_coverage", {})]
    else:
        rows += [(i, nan, "", "city", "note.no_facilities", {})
                 for i in ("health_facilities_osm", "health_facilities_per_10k")]
    annual = annual_stats(pm25_daily)
    complete = annual[annual["complete"]]
    if len(complete):
        latest = complete.iloc[-1]
        year = str(int(latest["year"]))
        params = {"days": int(latest["valid_days"]), "source": pm25_daily["source"].iloc[0]}
        rows += [("pm25_annual_mean", float(latest["mean"]), year, "city", "note.pm25_days", params),
                 ("pm25_days_above_24h", int(latest["days_above_24h_aqg"]), year, "city", "note.pm25_days",
                  params)]
    else:
        key = "note.pm25_incomplete" if len(pm25_daily) else "note.no_pm25"
        rows += [(i, nan, "", "city", key, {}) for i in ("pm25_annual_mean", "pm25_days_above_24h")]
    table = pd.DataFrame(rows, columns=["indicator_id", "value", "year", "level", "note_key", "note_params"])
    table["value"] = table["value"].astype(float)
    table["unit"] = table["indicator_id"].map(lambda i: INDICATORS[i].unit)
    return table[FIGURE_COLUMNS]
