"""Indicator registry (one frozen record per indicator) and every indicator value of a city, from the
embedded data. Unknown values stay unknown: NaN with a note saying why, never 0."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.access import (
    ACCESS_LAYERS,
    ACCESS_TARGETS,
    BOTH_SERVICES_INDICATOR,
    BOTH_SERVICES_M,
    COMBINED_ACCESS_INDICATORS,
    MAJOR_ROAD_INDICATOR,
    MAJOR_ROAD_M,
    REDUNDANCY_M,
    SDG_STATION_M,
    SDG_STOP_M,
    SDG_TRANSIT_INDICATOR,
    SECOND_HEALTHCARE_INDICATOR,
    access_indicator_id,
    access_values,
    districts_inside,
    exact_population,
)
from geo.air import MIN_QUARTER_SHARE, OFFICIAL_SOURCE, official_differs
from geo.cities import City
from geo.guidelines import AQG_2021, POLLUTANTS, WHO_AQG_SOURCE
from geo.health import CAUSE_RISKS, Estimate, attributable_deaths, avoidable_deaths
from geo.mobility import drive_network_only, mobility_figures
from geo.regional import (
    BNS_SOURCE,
    BUS_SOURCE,
    CITY_AREA,
    KG_SDG_SOURCE,
    KZ_SDG_LICENCE,
    KZ_SDG_SOURCE,
    NSC_LICENCE,
    PDDL,
    RANKING_SOURCE,
    UN_HABITAT_LICENCE,
    UN_HABITAT_SOURCE,
)

REGION_POPULATION_SOURCE = "Bureau of National Statistics KZ (2000–2023); National Statistical Committee KG (2021–2025)"

WHO_GROUPS = ("health_status", "health_services", "environment", "socio_economic")
# Sections of the application to the national network "Healthy Cities (regions) of Kazakhstan".
KZ_SECTIONS = ("territory", "demography", "socio_economic", "environment", "healthcare_infrastructure",
               "digitalization")
OSM_SOURCE = "OpenStreetMap layers of the city (ODbL), via the Atlas's tag table"
KG_DISTRICT_SOURCE = "National Statistical Committee KG via WFP PRISM (population 2021, poverty 2020)"
DISTRICT_SOURCE = "District outlines and populations of the districts layer (official statistics where given)"
AIR_SOURCE = "U.S. Embassy Bishkek / AirNow (public domain); AirData.kz (CC BY-NC 4.0); see the Air quality page"


@dataclass(frozen=True)
class Reference:
    value: float
    label_key: str  # translation key of what the value is, e.g. the WHO AQG 2021 annual guideline
    source: str


COUNT_UNITS = {"persons", "count", "deaths", "days"}  # whole things: written without decimals


@dataclass(frozen=True)
class IndicatorSpec:
    id: str
    unit: str
    direction: str  # "higher_is_better" | "lower_is_better" | "neutral"
    source: str
    reference: Reference | None = None
    name_key: str = ""  # translation key of the name; default "indicator.<id>"
    name_params: tuple[tuple[str, str], ...] = ()  # parameters of that text, e.g. (("pollutant", "PM2.5"),)
    level: str = "city"  # where the value is measured: city | region | district
    who_group: str = "socio_economic"  # one of WHO_GROUPS
    kz_section: str = "socio_economic"  # one of KZ_SECTIONS
    sdg: str = ""  # SDG indicator the value serves, e.g. "11.6.2"

    definition_params: tuple[tuple[str, object], ...] = ()  # numbers the definition states, e.g. the WHO level
    licence: str = ""  # the licence of the values, where the rows do not carry their own
    countries: tuple[str, ...] = ()  # a national bureau's statistic: only the cities of these countries list it

    @property
    def digits(self) -> int | None:
        """Decimals its values, medians and differences are written with: for a count of people, deaths or days
        none where the number is whole ("897 700", not "897 700,0") and one where it is not (a median of two
        counts, "30 120,5": never rounded away); one otherwise."""
        return None if self.unit in COUNT_UNITS else 1

    @property
    def name(self) -> tuple[str, dict[str, str]]:
        """Translation key and parameters of the indicator's name."""
        return self.name_key or f"indicator.{self.id}", dict(self.name_params)

    @property
    def definition(self) -> tuple[str, dict[str, object]]:
        """Translation key and parameters of what is measured, in a sentence (data/locale, "definition.*";
        per-pollutant indicators share one text per kind)."""
        if self.name_key.startswith("indicator_kind."):
            return self.name_key.replace("indicator_kind.", "definition_kind."), dict(
                self.name_params + self.definition_params)
        return f"definition.{self.id}", dict(self.definition_params)


def _spec(id_: str, unit: str, direction: str, source: str, level: str, who: str, kz: str, **extra) -> IndicatorSpec:
    if source in (BNS_SOURCE, RANKING_SOURCE):  # the Kazakh bureau's regional statistics: Kazakh cities only
        extra = {"countries": ("KZ",), "licence": "ODC PDDL 1.0", **extra}
    return IndicatorSpec(id_, unit, direction, source, level=level, who_group=who, kz_section=kz, **extra)


INDICATORS: dict[str, IndicatorSpec] = {spec.id: spec for spec in (
    _spec("population", "persons", "neutral", "city catalogue: National Statistical Committee KG, Bureau of National Statistics KZ, else GeoNames (undated)", "city", "socio_economic", "demography"),
    _spec("boundary_area", "km²", "neutral", "boundary layer", "city", "environment", "territory"),
    _spec("population_density", "persons/km²", "neutral", "city catalogue and boundary layer", "city", "environment", "territory"),
    _spec("health_facilities_osm", "count", "higher_is_better", "OpenStreetMap (HOT export, ODbL)", "city", "health_services", "healthcare_infrastructure"),
    _spec("health_facilities_per_10k", "per 10,000 residents", "higher_is_better", "OpenStreetMap (HOT export) and the city catalogue", "city", "health_services", "healthcare_infrastructure"),
    _spec("cycleway_km_per_10k", "km per 10,000 residents", "higher_is_better", OSM_SOURCE, "city", "environment", "healthcare_infrastructure"),
    _spec("cycleway_km_per_km2", "km per km²", "higher_is_better", OSM_SOURCE, "city", "environment", "healthcare_infrastructure"),
    _spec("cycle_street_share", "%", "higher_is_better", OSM_SOURCE, "city", "environment", "healthcare_infrastructure"),
    _spec("cycle_network_connected", "%", "higher_is_better", OSM_SOURCE, "city", "environment", "healthcare_infrastructure"),
    _spec("pedestrian_street_km", "km", "higher_is_better", OSM_SOURCE, "city", "environment", "healthcare_infrastructure"),
    _spec("region_population", "persons", "neutral", REGION_POPULATION_SOURCE, "region", "socio_economic", "demography"),
    _spec("life_expectancy", "years", "higher_is_better", BNS_SOURCE, "region", "health_status", "demography"),
    _spec("med_institutions_per_10k", "per 10,000 residents", "higher_is_better", BNS_SOURCE, "region", "health_services", "healthcare_infrastructure"),
    _spec("emissions_stationary", "thousand tonnes", "lower_is_better", BNS_SOURCE, "region", "environment", "environment"),
    _spec("avg_salary", "tenge per month", "higher_is_better", RANKING_SOURCE, "region", "socio_economic", "socio_economic"),
    _spec("gdp_per_capita", "thousand tenge", "higher_is_better", RANKING_SOURCE, "region", "socio_economic", "socio_economic"),
    _spec("unemployment_rate", "%", "lower_is_better", RANKING_SOURCE, "region", "socio_economic", "socio_economic"),
    _spec("crimes", "count", "lower_is_better", RANKING_SOURCE, "region", "socio_economic", "socio_economic"),
    _spec("household_spending", "tenge per month", "neutral", RANKING_SOURCE, "region", "socio_economic", "socio_economic"),
    _spec("higher_education_share", "%", "higher_is_better", RANKING_SOURCE, "region", "socio_economic", "socio_economic"),
    _spec("schools_per_10k", "per 10,000 residents", "higher_is_better", RANKING_SOURCE, "region", "socio_economic", "healthcare_infrastructure"),
    _spec("public_transport_per_10k", "per 10,000 residents", "higher_is_better", RANKING_SOURCE, "region", "environment", "healthcare_infrastructure"),
    _spec("cars_per_1000", "per 1,000 residents", "neutral", RANKING_SOURCE, "region", "environment", "healthcare_infrastructure"),
    _spec("entertainment_per_10k", "per 10,000 residents", "higher_is_better", RANKING_SOURCE, "region", "socio_economic", "socio_economic"),
    _spec("district_population", "persons", "neutral", DISTRICT_SOURCE, "district", "socio_economic", "demography"),
    _spec("district_population_density", "persons/km²", "neutral", DISTRICT_SOURCE, "district", "environment", "territory"),
    _spec("district_health_facilities_per_10k", "per 10,000 residents", "higher_is_better", DISTRICT_SOURCE, "district", "health_services", "healthcare_infrastructure"),
    _spec("district_poverty_rate", "%", "lower_is_better", KG_DISTRICT_SOURCE, "district", "socio_economic", "socio_economic"),
)}
# The national SDG platforms' health and city series (geo.regional): each country's own statistic, compared only
# among its own cities (one statistical office, one definition), with the publisher's caveats as flags.
SDG_BOTH_SOURCE = "national SDG platforms: NSC KG, BNS KZ"
_KG = {"countries": ("KG",), "licence": NSC_LICENCE}
_KZ = {"countries": ("KZ",), "licence": KZ_SDG_LICENCE}
HEALTH_INDICATORS = (
    _spec("deaths_circulatory_per_100k", "per 100,000 residents", "lower_is_better", KG_SDG_SOURCE, "region", "health_status", "healthcare_infrastructure", sdg="3.4.1", **_KG),
    _spec("deaths_cancer_per_100k", "per 100,000 residents", "lower_is_better", KG_SDG_SOURCE, "region", "health_status", "healthcare_infrastructure", sdg="3.4.1", **_KG),
    _spec("deaths_chronic_respiratory_per_100k", "per 100,000 residents", "lower_is_better", KG_SDG_SOURCE, "region", "health_status", "healthcare_infrastructure", sdg="3.4.1", **_KG),
    _spec("deaths_diabetes_per_100k", "per 100,000 residents", "lower_is_better", KG_SDG_SOURCE, "region", "health_status", "healthcare_infrastructure", sdg="3.4.1", **_KG),
    _spec("road_deaths_per_100k", "per 100,000 residents", "lower_is_better", SDG_BOTH_SOURCE, "region", "health_status", "healthcare_infrastructure", sdg="3.6.1"),
    _spec("under5_mortality", "per 1,000 live births", "lower_is_better", SDG_BOTH_SOURCE, "region", "health_status", "demography", sdg="3.2.1"),
    _spec("neonatal_mortality", "per 1,000 live births", "lower_is_better", SDG_BOTH_SOURCE, "region", "health_status", "demography", sdg="3.2.2"),
    _spec("maternal_mortality", "per 100,000 live births", "lower_is_better", SDG_BOTH_SOURCE, "region", "health_status", "healthcare_infrastructure", sdg="3.1.1"),
    _spec("doctors_per_10k", "per 10,000 residents", "higher_is_better", KG_SDG_SOURCE, "region", "health_services", "healthcare_infrastructure", sdg="3.c.1", **_KG),
    _spec("improved_water_share", "%", "higher_is_better", KG_SDG_SOURCE, "region", "environment", "environment", sdg="6.1.1", **_KG),
    _spec("sewerage_share", "%", "higher_is_better", KG_SDG_SOURCE, "region", "environment", "environment", sdg="6.2.1", **_KG),
    _spec("transport_access_survey", "%", "higher_is_better", KG_SDG_SOURCE, "region", "environment", "healthcare_infrastructure", sdg="11.2.1", **_KG),
    _spec("green_space_ha_per_1000", "ha per 1,000 residents", "higher_is_better", KG_SDG_SOURCE, "region", "environment", "environment", sdg="11.7.1", **_KG),
    _spec("wastewater_treated_share", "%", "higher_is_better", KZ_SDG_SOURCE, "region", "environment", "environment", sdg="6.3.1", **_KZ),
    _spec("solid_waste_managed_share", "%", "higher_is_better", KZ_SDG_SOURCE, "region", "environment", "environment", sdg="11.6.1", **_KZ),
    _spec("bus_passengers_per_resident", "passengers per resident", "neutral", BUS_SOURCE, "region", "environment", "healthcare_infrastructure", countries=("KZ",), licence=PDDL),
    _spec("transport_access_modelled", "%", "higher_is_better", UN_HABITAT_SOURCE, "city", "environment", "healthcare_infrastructure", sdg="11.2.1", licence=UN_HABITAT_LICENCE),
)
INDICATORS.update({spec.id: spec for spec in HEALTH_INDICATORS})
AIRQ_SOURCE = "Computed by the Atlas with WHO AirQ+'s method (geo/health.py) from the city's PM2.5 annual mean, its " \
              "cause-specific death rates and population (National Statistical Committee KG) and the WHO AQG 2021 " \
              "review's relative risks (Chen & Hoek 2020)"
AIRQ_INDICATORS = ("pm25_attributable_deaths", "pm25_attributable_deaths_per_100k", "pm25_attributable_share")
INDICATORS.update({spec.id: spec for spec in (
    _spec("pm25_attributable_deaths", "deaths", "lower_is_better", AIRQ_SOURCE, "city", "health_status", "environment", sdg="3.9.1"),
    _spec("pm25_attributable_deaths_per_100k", "per 100,000 residents", "lower_is_better", AIRQ_SOURCE, "city", "health_status", "environment", sdg="3.9.1"),
    _spec("pm25_attributable_share", "%", "lower_is_better", AIRQ_SOURCE, "city", "health_status", "environment", sdg="3.9.1"),
)})


def _air_indicators() -> list[IndicatorSpec]:
    """Per pollutant with a WHO guideline: annual mean, days above the 24-hour level, 99th percentile."""
    specs = []
    for pollutant in POLLUTANTS.values():
        annual, daily = AQG_2021.get((pollutant.id, "annual")), AQG_2021.get((pollutant.id, "24h"))
        label = (("pollutant", pollutant.label),)
        if annual:
            specs.append(IndicatorSpec(
                f"{pollutant.id}_annual_mean", "µg/m³", "lower_is_better", AIR_SOURCE,
                definition_params=(("share", round(MIN_QUARTER_SHARE * 100)),),
                reference=Reference(annual.aqg_ugm3, "reference.who_annual", WHO_AQG_SOURCE),
                name_key="indicator_kind.annual_mean", name_params=label, who_group="environment",
                kz_section="environment", sdg="11.6.2" if pollutant.id in ("pm25", "pm10") else ""))
        if daily:
            specs += [
                IndicatorSpec(f"{pollutant.id}_days_above_24h", "days", "lower_is_better", AIR_SOURCE,
                              definition_params=(("level", daily.aqg_ugm3),),
                              reference=Reference(4, "reference.who_24h_days", WHO_AQG_SOURCE),
                              name_key="indicator_kind.days_above_24h", name_params=label,
                              who_group="environment", kz_section="environment"),
                IndicatorSpec(f"{pollutant.id}_p99_daily", "µg/m³", "lower_is_better", AIR_SOURCE,
                              reference=Reference(daily.aqg_ugm3, "reference.who_24h", WHO_AQG_SOURCE),
                              name_key="indicator_kind.p99_daily", name_params=label,
                              who_group="environment", kz_section="environment"),
            ]
    return specs


ACCESS_SOURCE = ("Computed by the Atlas (geo/access.py) from the city's walking network, or straight lines times "
                 "a detour factor where it has none, and its destinations")
ACCESS_GROUPS = {"healthcare": "health_services", "pharmacy": "health_services", "park": "environment",
                 "school": "socio_economic", "sports": "environment", "transit": "environment",
                 "cycleway": "environment", "protected_cycleway": "environment",
                 BOTH_SERVICES_INDICATOR: "health_services", SDG_TRANSIT_INDICATOR: "environment",
                 SECOND_HEALTHCARE_INDICATOR: "health_services", MAJOR_ROAD_INDICATOR: "environment"}
COMBINED_ACCESS_PARAMS = {BOTH_SERVICES_INDICATOR: (("metres", BOTH_SERVICES_M),),
                          SDG_TRANSIT_INDICATOR: (("stop", SDG_STOP_M), ("station", SDG_STATION_M)),
                          SECOND_HEALTHCARE_INDICATOR: (("metres", REDUNDANCY_M),),
                          MAJOR_ROAD_INDICATOR: (("metres", MAJOR_ROAD_M),)}


def _access_indicators() -> list[IndicatorSpec]:
    """Per destination kind and distance, and for the atlases' combined measures (both services, SDG 11.2.1,
    a second facility, far from major roads): the share of sample points and, where populations are known,
    of people (the Walking access page's headline figures)."""
    per_kind = [(access_indicator_id(target_id, metres), ACCESS_GROUPS[target_id], (("metres", metres),),
                 "11.2.1" if target_id == "transit" else "")
                for target_id, target in ACCESS_TARGETS.items() for metres in target.thresholds_m]
    combined = [(indicator_id, ACCESS_GROUPS[indicator_id], COMBINED_ACCESS_PARAMS[indicator_id],
                 "11.2.1" if indicator_id == SDG_TRANSIT_INDICATOR else "")
                for indicator_id in COMBINED_ACCESS_INDICATORS]
    return [IndicatorSpec(indicator_id + ("_people" if people else ""), "%", "higher_is_better", ACCESS_SOURCE,
                          definition_params=params, who_group=group, kz_section="healthcare_infrastructure", sdg=sdg)
            for indicator_id, group, params, sdg in per_kind + combined for people in (False, True)]


def _official_air_indicators() -> list[IndicatorSpec]:
    """Kazhydromet's official annual PM2.5 and PM10 means (SDG 11.6.2), shown beside the Atlas's own."""
    return [IndicatorSpec(f"{p}_annual_mean_official", "µg/m³", "lower_is_better", OFFICIAL_SOURCE,
                          reference=Reference(AQG_2021[(p, "annual")].aqg_ugm3, "reference.who_annual", WHO_AQG_SOURCE),
                          name_key="indicator_kind.official_annual_mean", name_params=(("pollutant", POLLUTANTS[p].label),),
                          who_group="environment", kz_section="environment", sdg="11.6.2", countries=("KZ",))
            for p in ("pm25", "pm10")]


INDICATORS.update({spec.id: spec for spec in _air_indicators()})
INDICATORS.update({spec.id: spec for spec in _official_air_indicators()})
INDICATORS.update({spec.id: spec for spec in _access_indicators()})
ACCESS_INDICATORS = tuple(spec.id for spec in _access_indicators())
MOBILITY_INDICATORS = ("cycleway_km_per_10k", "cycleway_km_per_km2", "cycle_street_share", "cycle_network_connected",
                       "pedestrian_street_km")
CITY_CARD_INDICATORS = ("population", "boundary_area", "population_density", "health_facilities_osm",
                        "health_facilities_per_10k", "pm25_annual_mean", "pm25_days_above_24h")

VALUE_COLUMNS = ["indicator_id", "city_id", "year", "value", "unit", "level", "area", "source", "licence", "flags",
                 "note_key", "note_params"]
# What a value's reader must know before using it (the `flags` column, ";"-separated; each shown in words):
FLAGS = ("undated", "dated", "approximate", "lower_bound", "imputed", "regional", "territorial_change",
         "official_differs", "suspect_sensor", "covid_years", "counting_change", "series_break", "modelled",
         "sources_differ")
AIR_STATISTICS = {"annual_mean": "mean", "days_above_24h": "days_above_24h_aqg", "p99_daily": "p99_daily"}


def indicator_values(city: City, boundary: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                     districts: gpd.GeoDataFrame, annual: pd.DataFrame, regional: pd.DataFrame,
                     mobility: dict[str, float] | None = None, mobility_source: str = "",
                     mobility_note: str = "", access: dict[str, tuple[float, str]] | None = None,
                     mobility_licence: str = "", mobility_flags: tuple[str, ...] = (),
                     access_sources: tuple[str, str] = ("", ""), access_flags: tuple[str, ...] = (),
                     official: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every value of every registered indicator for `city`, all years (VALUE_COLUMNS).

    Inputs are the city's rows of the embedded layers, its yearly air statistics (geo.air.annual_stats)
    and the regional table. A region's value is labelled level "region" (the region's value, not the
    city's), except for the cities of republican significance, whose "region" is the city itself. An
    indicator with no value gets one row with NaN and a note saying why. A value from OSM features carries the
    sources of the features counted (the city's own extract, with its date), not the layer's general source;
    `mobility_note` says why the mobility figures are missing when the city's network cannot give them.
    """
    nan = np.nan
    rows: list[dict] = []

    def add(indicator_id, value, year, level="city", area="", source="", note_key="", note_params=None, licence="",
            flags=()):
        rows.append({"indicator_id": indicator_id, "city_id": city.id, "year": year, "value": value,
                     "level": level, "area": area or city.names["en"], "source": source or
                     INDICATORS[indicator_id].source, "licence": licence or INDICATORS[indicator_id].licence,
                     "flags": ";".join(dict.fromkeys(flags)), "note_key": note_key, "note_params": note_params or {}})

    pop, ratio = city.population, city.ratio_population
    region_only = city.boundary_quality == "region_only"
    republican = city.region.endswith(" city")
    own_rows = regional[regional["area"] == CITY_AREA + city.id]
    regional = regional[regional["area"] == city.region]
    official_years = set(regional.loc[regional["indicator_id"] == "region_population", "year"]) if republican else set()
    if pop and not (pop.year and int(pop.year) in official_years):
        add("population", pop.value, int(pop.year) if pop.year else None, source=pop.source, licence=pop.licence,
            flags=() if pop.year else ("undated",), note_key="note.population_source", note_params={"source": pop.source})
    if len(boundary):
        area = float(boundary["area_km2"].iloc[0])
        outline = {"source": str(boundary["source"].iloc[0]), "licence": str(boundary["licence"].iloc[0])}
        add("boundary_area", area, None, level="region" if region_only else "city",
            area=city.region if region_only else "", note_key="note.region_area" if region_only else "", **outline)
        if ratio and not region_only:  # undated like the outline and the features counted: the note dates it
            add("population_density", round(ratio.value / area, 1), None,
                source=f"{ratio.source}; {outline['source']}", licence=f"{ratio.licence}; {outline['licence']}",
                flags=_ratio_flags(city), note_key="note.ratio_population", note_params=_ratio_params(city))
    if city.country == "KG" or len(facilities):
        drawn, licences = feature_sources(facilities), feature_licences(facilities)
        flags = _osm_flags(city, facilities)
        add("health_facilities_osm", len(facilities), None, source=drawn, licence=licences, flags=flags,
            note_key="note.osm_coverage")
        if ratio:
            add("health_facilities_per_10k", round(len(facilities) / ratio.value * 10_000, 2), None,
                source=f"{drawn}; {ratio.source}", licence=f"{licences}; {ratio.licence}",
                flags=flags + _ratio_flags(city), note_key="note.ratio_population", note_params=_ratio_params(city))
    for indicator_id, value in (mobility or {}).items():
        if pd.notna(value):
            add(indicator_id, value, None, source=mobility_source, note_key="note.osm_coverage",
                licence=mobility_licence, flags=mobility_flags)
    access_source, access_licence = access_sources
    for indicator_id, (value, note) in (access or {}).items():
        add(indicator_id, value, None, source="; ".join(filter(None, (ACCESS_SOURCE, access_source))),
            licence=access_licence, flags=access_flags, note_key=note)
    official = official if official is not None else pd.DataFrame(columns=["pollutant", "year", "value"])
    official_means = {(r.pollutant, int(r.year)): r for r in official.itertuples()}
    complete = annual[annual["complete"] & (annual["place"] == "city")]
    for row in complete.itertuples():
        for kind, column in AIR_STATISTICS.items():
            indicator_id = f"{row.pollutant}_{kind}"
            value = getattr(row, column)
            if indicator_id in INDICATORS and pd.notna(value):
                stated = official_means.get((row.pollutant, int(row.year))) if kind == "annual_mean" else None
                differs = stated is not None and stated.plausible and official_differs(float(value), stated.value)
                add(indicator_id, float(value), int(row.year), source=row.source or "", licence=row.licence or "",
                    note_key="note.air_days_official" if differs else "note.air_days",
                    note_params={"days": int(row.valid_days), **({"official": stated.value} if differs else {})},
                    flags=("official_differs",) if differs else ())
    for row in official.itertuples():
        add(f"{row.pollutant}_annual_mean_official", float(row.value), int(row.year), source=row.source,
            licence=row.licence, flags=() if row.plausible else ("suspect_sensor",),
            note_key="" if row.plausible else "note.official_implausible")
    for row in own_rows.itertuples():  # values measured for the city itself (UN-Habitat's model)
        add(row.indicator_id, float(row.value), int(row.year), source=row.source, licence=row.licence,
            flags=tuple(f for f in str(row.flags).split(";") if f))
    for row in regional.itertuples():
        indicator_id = "population" if republican and row.indicator_id == "region_population" else row.indicator_id
        flags = tuple(f for f in str(row.flags).split(";") if f) + (() if republican else ("regional",))
        add(indicator_id, float(row.value), int(row.year), level="city" if republican else "region",
            area=city.region, source=row.source, licence=row.licence, flags=flags,
            note_key="" if republican else "note.region_value", note_params={} if republican else {"region": city.region})
    for row in airq_rows(complete[complete["pollutant"] == "pm25"], regional, republican):
        add(**row)
    flag_disagreeing_sources(rows)
    if len(boundary) and len(districts):
        for row in district_rows(city, boundary, facilities, districts):
            add(**row)
    present = {r["indicator_id"] for r in rows}
    if republican:  # the region is the city itself: its population is the city's, listed once
        present.add("region_population")
    for indicator_id, spec in INDICATORS.items():
        if indicator_id not in present and spec.countries and city.country not in spec.countries:
            continue  # a statistic of another country's bureau: no row at all, not an empty one in its currency
        if indicator_id not in present:
            note = mobility_note if mobility_note and spec.id in MOBILITY_INDICATORS else _missing_note(city, spec, annual)
            add(indicator_id, nan, None, level=spec.level, note_key=note)
    table = pd.DataFrame(rows)
    table["value"] = table["value"].astype(float)
    table["year"] = table["year"].astype("Int64")
    table["unit"] = table["indicator_id"].map(lambda i: INDICATORS[i].unit)
    return table[VALUE_COLUMNS]


# Two sources of one figure, for the same territory and year, and how far apart they may be before both are flagged
CROSS_CHECKS = (("transport_access_survey", "transport_access_modelled", 10.0),)  # percentage points


def flag_disagreeing_sources(rows: list[dict]) -> None:
    """Flag "sources_differ" on both values where two sources of one figure (CROSS_CHECKS) for the city itself and
    the same year are further apart than the tolerance (a household survey against UN-Habitat's model)."""
    for first, second, tolerance in CROSS_CHECKS:
        by_year = {}
        for row in rows:
            if row["indicator_id"] in (first, second) and row["level"] == "city" and pd.notna(row["value"]):
                by_year.setdefault(row["year"], []).append(row)
        for pair in by_year.values():
            if len(pair) == 2 and abs(pair[0]["value"] - pair[1]["value"]) > tolerance:
                for row in pair:
                    row["flags"] = ";".join(f for f in (row["flags"], "sources_differ") if f)


def airq_inputs(regional: pd.DataFrame, republican: bool, year: int) -> tuple[dict[str, float], float | None, bool]:
    """The baselines of an AirQ+ estimate for one year from the city's rows of the regional table: the cause-specific
    death rates (geo.health.CAUSE_RISKS), the population of the same territory and year (a city of republican
    significance only: a region's population is not the city's), and whether the rates fall in COVID years."""
    year_rows = regional[regional["year"] == year]
    causes = year_rows[year_rows["indicator_id"].isin(list(CAUSE_RISKS))]
    population = year_rows.loc[year_rows["indicator_id"] == "region_population", "value"]
    covid = causes["flags"].fillna("").str.contains("covid_years").any()
    return (dict(zip(causes["indicator_id"], causes["value"].astype(float))),
            float(population.iloc[0]) if republican and len(population) else None, bool(covid))


def city_airq(city: City, regional: pd.DataFrame, mean: float, year: int) -> tuple[Estimate, list] | None:
    """The AirQ+ estimate of a city-year and what lowering the mean would avoid (geo.health), or None without the
    baselines of that year: the Air quality page's figures, by the indicators' own inputs."""
    rates, population, _ = airq_inputs(regional[regional["area"] == city.region], city.region.endswith(" city"), year)
    if len(rates) < len(CAUSE_RISKS):
        return None
    return attributable_deaths(mean, rates, population), avoidable_deaths(mean, rates, population)


def airq_rows(pm25: pd.DataFrame, regional: pd.DataFrame, republican: bool) -> list[dict]:
    """Deaths attributable to PM2.5 above the WHO guideline (geo.health, AirQ+'s method) for each complete year of
    the city's own PM2.5 with cause-specific death rates of the same year (and, for the number of deaths, the
    population of the same territory and year): in all, per 100,000 and as a share of the causes' deaths, each
    with its bounds in the note; a lower bound on deaths from all causes."""
    rows = []
    for air in pm25.itertuples():
        year = int(air.year)
        rates, population, covid = airq_inputs(regional, republican, year)
        if len(rates) < len(CAUSE_RISKS):
            continue
        estimate = attributable_deaths(float(air.mean), rates, population)
        common = {"year": year, "source": AIRQ_SOURCE, "licence": f"{air.licence}; {NSC_LICENCE}",
                  "flags": ("lower_bound",) + (("covid_years",) if covid else ()), "note_key": "note.airq"}
        for indicator_id, values, digits in (("pm25_attributable_deaths_per_100k", estimate.per_100k, 1),
                                             ("pm25_attributable_share", tuple(100 * v for v in estimate.share), 1),
                                             ("pm25_attributable_deaths", estimate.deaths, 0)):
            if values is not None:
                rows.append({"indicator_id": indicator_id, "value": round(values[0], digits), **common,
                             "note_params": {"low": round(values[1], digits), "high": round(values[2], digits),
                                             "mean": float(air.mean)}})
    return rows


def feature_sources(*frames: gpd.GeoDataFrame) -> str:
    """The distinct sources of the features a value counts, as one text ("" when none carries a source)."""
    sources = sorted({s for frame in frames if "source" in frame for s in frame["source"].dropna()})
    return "; ".join(sources)


def feature_licences(*frames: gpd.GeoDataFrame) -> str:
    """The distinct licences of the features a value counts, as one text."""
    return "; ".join(sorted({s for frame in frames if "licence" in frame for s in frame["licence"].dropna()}))


def _osm_flags(city: City, *frames: gpd.GeoDataFrame) -> tuple[str, ...]:
    """("dated",) when any feature counted comes from a catalogued OSM source older than DATED_AFTER_YEARS."""
    sources = {s for frame in frames if "source" in frame for s in frame["source"].dropna()}
    return ("dated",) if any((osm := city.osm_source(s)) and osm.dated() for s in sources) else ()


def _ratio_flags(city: City) -> tuple[str, ...]:
    """What a density or per-resident figure of the city must carry: an undated denominator, a coarse outline."""
    ratio = city.ratio_population
    return (("undated",) if ratio and not ratio.year else ()) + (
        ("approximate",) if city.boundary_note == "coarse" or not (ratio and ratio.year) else ())


def _ratio_params(city: City) -> dict[str, str]:
    """The denominator of a density or per-resident figure, named with its date (or as undated)."""
    ratio = city.ratio_population
    return {"source": f"{ratio.source}, {ratio.year}" if ratio.year and ratio.year not in ratio.source
            else ratio.source if ratio.year else f"{ratio.source} (undated)"}


def district_rows(city: City, boundary: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                  districts: gpd.GeoDataFrame) -> list[dict]:
    """The district-level values of the districts inside the city (units drawn around it are not its districts):
    population (a lower bound said as such), density and health facilities per 10,000 where the population is
    exact, and the poverty rate where known."""
    outline = boundary.to_crs(city.crs).geometry.iloc[0]
    inside = districts_inside(districts.to_crs(city.crs), outline)
    exact = exact_population(inside)
    counts = (gpd.sjoin(facilities.to_crs(city.crs)[["geometry"]], inside[["geometry"]], predicate="within")
              .groupby("index_right").size() if len(facilities) else pd.Series(dtype=int))
    rows = []
    for i, district in inside.iterrows():
        common = {"level": "district", "area": district["name"], "source": district["source"],
                  "licence": district.get("licence", "")}
        year = int(str(district["population_year"])[:4]) if pd.notna(district.get("population_year")) and str(
            district.get("population_year")).strip() else None
        if pd.notna(district["population"]):
            lower = pd.isna(exact[i])
            rows.append({"indicator_id": "district_population", "value": float(district["population"]), "year": year,
                         "note_key": "note.population_lower_bound" if lower else "", **common})
        if pd.notna(exact[i]) and exact[i] > 0:
            rows.append({"indicator_id": "district_population_density", "year": year, **common,
                         "value": round(float(exact[i]) / (district.geometry.area / 1e6), 1)})
            if len(facilities):
                rows.append({"indicator_id": "district_health_facilities_per_10k", "year": None, **common,
                             "value": round(float(counts.get(i, 0)) / float(exact[i]) * 10_000, 2),
                             "note_key": "note.osm_coverage"})
        if pd.notna(district.get("poverty_pct")):
            rows.append({"indicator_id": "district_poverty_rate", "value": float(district["poverty_pct"]),
                         "year": 2020, **common})
    return rows


def _missing_note(city: City, spec: IndicatorSpec, annual: pd.DataFrame) -> str:
    """Why an indicator has no value for the city, as a translation key."""
    if spec.id.endswith("_official"):
        return "note.no_official_air"
    if spec.id in AIRQ_INDICATORS:
        return "note.airq_missing"
    if spec.name_key.startswith("indicator_kind."):  # a per-pollutant air indicator
        pollutant = dict(spec.name_params)["pollutant"]
        pollutant = next(p.id for p in POLLUTANTS.values() if p.label == pollutant)
        rows = annual[annual["pollutant"] == pollutant]
        if len(rows) and (rows["place"] != "city").all():
            return "note.air_outside_city"
        return "note.air_incomplete" if len(rows) else "note.no_air"
    if city.population is None and spec.id in ("population", "population_density", "health_facilities_per_10k",
                                                "cycleway_km_per_10k"):
        return "note.population_unknown"
    if city.ratio_population is None and city.boundary_quality == "approximate" and spec.id in (
            "population_density", "health_facilities_per_10k", "cycleway_km_per_10k"):
        return "note.no_ratio_approximate"
    if spec.id.startswith(("cycle", "pedestrian")):
        return "note.no_osm_network"
    if spec.id in ("health_facilities_osm", "health_facilities_per_10k"):
        return "note.no_facilities"
    if spec.id == "population_density":
        return "note.no_density"
    if spec.level == "district":
        return "note.no_districts"
    if spec.level == "region" and city.country == "KG":
        return "note.no_kg_regional"
    return "note.no_data"


def latest_values(values: pd.DataFrame) -> pd.DataFrame:
    """One row per city and indicator: its latest year with a value (or the no-data row); districts left out."""
    values = values[values["level"] != "district"]
    known = values[values["value"].notna()].sort_values("year", na_position="first")
    latest = known.groupby(["city_id", "indicator_id"], sort=False).tail(1)
    unknown = values[values["value"].isna() & ~values.set_index(["city_id", "indicator_id"]).index.isin(
        latest.set_index(["city_id", "indicator_id"]).index)]
    return pd.concat([latest, unknown], ignore_index=True)


def shown_indicators(latest: pd.DataFrame) -> list[str]:
    """The indicators a city's profile and dossier list: all but other pollutants' air statistics and the
    walking-access shares when the city has none of them (PM2.5's are always listed, with "no data" where it
    has none; the Walking access page says why a share is missing)."""
    values = latest.set_index("indicator_id")["value"]
    return [i for i in latest["indicator_id"]
            if not (pd.isna(values.loc[i]) and (i in ACCESS_INDICATORS or (
                INDICATORS[i].name_key.startswith("indicator_kind.") and not i.startswith("pm25"))))]


UNRANKED_FLAGS = {"imputed", "suspect_sensor"}  # shown, flagged, never ranked, scored or counted in a median


def rankable(rows: pd.DataFrame) -> pd.Series:
    """True for the values that may be ranked and counted in a median: known, not imputed upstream and not
    from a suspect sensor."""
    flags = rows["flags"] if "flags" in rows else pd.Series("", index=rows.index)
    return rows["value"].notna() & ~flags.fillna("").str.split(";").map(lambda f: bool(UNRANKED_FLAGS & set(f)))


def rank_cities(latest: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """Cities ranked on one indicator by its direction (1 = best); no-data and imputed values are not ranked
    (rank NaN), and neutral indicators are ordered by value but not ranked. Give it values of one year
    (values_in_year): a ranking across years is no comparison."""
    rows = latest[latest["indicator_id"] == indicator_id].copy()
    direction = INDICATORS[indicator_id].direction
    if direction == "neutral":
        rows["rank"] = np.nan
    else:
        rows["rank"] = rows["value"].where(rankable(rows)).rank(ascending=direction == "lower_is_better",
                                                                 method="min")
    return rows.sort_values(["rank", "value"], na_position="last").reset_index(drop=True)


PEER_RULE = ("the member cities' values of the same indicator, measured at the same level (city or region) in the "
             "same year, this city included; imputed values neither counted nor ranked")


@dataclass(frozen=True)
class PeerStanding:
    """Where a city's value stands among its peers (PEER_RULE): their median, its rank and how many were ranked."""
    median: float
    rank: float
    ranked: int
    peers: int


def peer_standing(network_values: pd.DataFrame, city_id: str, indicator_id: str, level: str,
                  year: int | None) -> PeerStanding:
    """The one median and rank of a city's value among its peers (PEER_RULE), for the profile, the dossier and
    every other place that compares a city with the network. `network_values` holds every member city's values,
    all years (city_values of each)."""
    same = network_values[(network_values["indicator_id"] == indicator_id) & (network_values["level"] == level)]
    peers = values_in_year(same, indicator_id, None if pd.isna(year) else int(year)).assign(indicator_id=indicator_id)
    counted = peers[rankable(peers)]
    ranked = rank_cities(peers, indicator_id)
    mine = ranked.loc[ranked["city_id"] == city_id, "rank"]
    return PeerStanding(float(counted["value"].median()) if len(counted) > 1 else np.nan,
                        float(mine.iloc[0]) if len(mine) else np.nan, int(ranked["rank"].notna().sum()), len(counted))


def normalised_scores(latest: pd.DataFrame) -> pd.DataFrame:
    """Min–max scores across the cities given, among values of the same level, 0 = worst and 1 = best by each
    indicator's direction.

    Neutral indicators, missing and imputed values get no score (NaN); an indicator equal for all cities scores 1.
    """
    rows = latest[latest["indicator_id"].map(lambda i: INDICATORS[i].direction != "neutral")].copy()
    rows["value"] = rows["value"].where(rankable(rows))
    scores = []
    level = rows["level"].fillna("") if "level" in rows else pd.Series("", index=rows.index)
    for (indicator_id, _), group in rows.groupby(["indicator_id", level]):  # like with like
        low, high = group["value"].min(), group["value"].max()
        span = high - low
        score = (group["value"] - low) / span if span else group["value"].notna().astype(float).where(
            group["value"].notna())
        if INDICATORS[indicator_id].direction == "lower_is_better" and span:
            score = 1 - score
        scores.append(group.assign(score=score))
    return pd.concat(scores, ignore_index=True) if scores else rows.assign(score=np.nan)


def city_figures(values: pd.DataFrame) -> pd.DataFrame:
    """The City page's key figures: latest values of CITY_CARD_INDICATORS, in that order."""
    latest = latest_values(values).set_index("indicator_id")
    return latest.loc[list(CITY_CARD_INDICATORS)].reset_index()


OVERVIEW_INDICATORS = ("boundary_area", "health_facilities_osm", "pm25_annual_mean")


def network_overview(cities: Sequence[City], figures_of: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """The Overview's table: one row per city (id, country, population with its source and year, boundary
    quality) and its latest OVERVIEW_INDICATORS (NaN: no data), from `figures_of(city_id)` (city_figures)."""
    rows = []
    for city in cities:
        figures = figures_of(city.id).set_index("indicator_id")["value"]
        rows.append({"city_id": city.id, "country": city.country, "population": city.population.value,
                     "population_source": city.population.source, "population_year": city.population.year,
                     "boundary_quality": city.boundary_quality,
                     **{indicator_id: figures.get(indicator_id, np.nan) for indicator_id in OVERVIEW_INDICATORS}})
    return pd.DataFrame(rows)


CITY_LAYERS = ("boundary", "health_facilities", "districts", "walking_network", "cycleways", "footways")


def city_values(city: City, city_layer, annual: pd.DataFrame, regional: pd.DataFrame,
                official: pd.DataFrame) -> pd.DataFrame:
    """Every indicator value of `city`, all years: the one path the pages, the dossier and the CLI share.

    `city_layer(layer_id)` gives the city's current features of a layer (from the layer store, so imports
    count); `annual` is geo.air.annual_stats of the city's air series; `regional` the regional statistics;
    `official` Kazhydromet's official annual means (geo.air.read_official_annual).
    """
    layers = {layer_id: city_layer(layer_id) for layer_id in CITY_LAYERS}
    access_layers = [city_layer(layer_id) for layer_id in ACCESS_LAYERS]
    boundary = layers["boundary"]
    walking = layers["walking_network"]
    drive_only = drive_network_only(city, walking)
    mobility = mobility_figures(city, float(boundary["area_km2"].iloc[0]), walking, layers["cycleways"],
                                layers["footways"]) if len(boundary) and not drive_only else {}
    return indicator_values(city, boundary, layers["health_facilities"], layers["districts"],
                            annual[annual["city_id"] == city.id], regional, mobility,
                            mobility_source=feature_sources(walking, layers["cycleways"], layers["footways"]),
                            mobility_note="note.drive_network_only" if drive_only else "",
                            access=access_values(city, city_layer),
                            access_sources=(feature_sources(*access_layers), feature_licences(*access_layers)),
                            access_flags=_osm_flags(city, *access_layers),
                            mobility_licence=feature_licences(walking, layers["cycleways"], layers["footways"]),
                            mobility_flags=_osm_flags(city, walking, layers["cycleways"], layers["footways"]),
                            official=official[official["city_id"] == city.id])


def indicator_years(values: pd.DataFrame, indicator_id: str) -> list[int]:
    """The years in which any city has a value of the indicator (city or region level), oldest first."""
    rows = values[(values["indicator_id"] == indicator_id) & values["value"].notna() & (values["level"] != "district")]
    return sorted(int(y) for y in rows["year"].dropna().unique())


def values_in_year(values: pd.DataFrame, indicator_id: str, year: int | None) -> pd.DataFrame:
    """One row per city with its value of the indicator in `year` (NaN where it has none), with its level, year,
    flags, source and licence; an indicator measured without a year (a count of today's features) gives each city its value
    whatever the year."""
    rows = values[(values["indicator_id"] == indicator_id) & (values["level"] != "district")]
    known = rows[rows["value"].notna()]
    dated = known[known["year"].notna()]
    chosen = dated[dated["year"] == year] if year is not None and len(dated) else known[known["year"].isna()]
    chosen = chosen.drop_duplicates("city_id", keep="last").set_index("city_id")
    cities = pd.Index(rows["city_id"].unique(), name="city_id")
    def column(name: str) -> pd.Series:  # hand-made tables may lack the provenance columns
        return (chosen[name] if name in chosen else pd.Series("", index=chosen.index)).reindex(cities)
    return pd.DataFrame({"value": chosen["value"].reindex(cities), "level": chosen["level"].reindex(cities),
                         "year": chosen["year"].reindex(cities), "flags": column("flags").fillna(""),
                         "source": column("source"), "licence": column("licence")}).reset_index()


def comparison_year(values: pd.DataFrame, indicator_id: str, city_ids: list[str]) -> int | None:
    """The year the cities are compared on for one indicator: the latest year in which the most of them have a
    value (all of them, where they share a year); None for an indicator measured without a year."""
    rows = values[(values["indicator_id"] == indicator_id) & values["city_id"].isin(city_ids)
                  & values["value"].notna() & values["year"].notna() & (values["level"] != "district")]
    if rows.empty:
        return None
    counts = rows.groupby("year")["city_id"].nunique()
    return int(counts[counts == counts.max()].index.max())


def compared_values(values: pd.DataFrame, city_ids: list[str], indicator_ids: list[str],
                    year: int | None = None) -> pd.DataFrame:
    """The cities' values of each indicator on one year per indicator (`year` where given and measured, else
    comparison_year), ranked within it and within their level (cities among cities, regions' values among
    regions'): city_id, indicator_id, value, level, year, flags, rank. A city without a value that year is missing
    (NaN), never ranked on another year's value."""
    values = values[values["city_id"].isin(city_ids)]
    parts = []
    for indicator_id in indicator_ids:
        dated = indicator_years(values, indicator_id)
        chosen = year if year is not None and year in dated else comparison_year(values, indicator_id, city_ids)
        rows = values_in_year(values, indicator_id, chosen)
        rows = rows.set_index("city_id").reindex(city_ids).rename_axis("city_id").reset_index().assign(
            indicator_id=indicator_id, compared_year=chosen)  # every city's row says the year compared
        # like with like: a city's own value ranks among cities' values, a region's among regions'
        by_level = [rank_cities(group, indicator_id) for _, group in rows.groupby(rows["level"].fillna(""))]
        parts.append(pd.concat(by_level, ignore_index=True) if by_level else rows.assign(rank=np.nan))
    return pd.concat(parts, ignore_index=True)


def section_coverage(latest: pd.DataFrame) -> pd.DataFrame:
    """Cities × sections of the application: how many of the section's indicators have a value, out of how
    many the registry has (districts and the per-pollutant statistics a city never measures left aside)."""
    latest = latest[latest["level"] != "district"]
    rows = []
    for city_id, mine in latest.groupby("city_id", sort=False):
        listed = set(shown_indicators(mine))
        known = set(mine.loc[mine["value"].notna(), "indicator_id"])
        for section in KZ_SECTIONS:
            ids = {i for i in listed if INDICATORS[i].kz_section == section}
            rows.append({"city_id": city_id, "section": section, "known": len(ids & known), "total": len(ids)})
    return pd.DataFrame(rows, columns=["city_id", "section", "known", "total"])
