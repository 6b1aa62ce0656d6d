"""Regional and district statistics (Kazakh regions, Kyrgyz districts) read into one long table.

Every row: indicator_id, area (the region or district name in English), year, value, its source and licence, and
its flags (geo.indicators.FLAGS: "imputed", "territorial_change"). Names in the sources vary (English, Russian, with
asterisks, footnote marks and spaces); REGION_NAMES maps them to one spelling.
"""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd

REGIONAL_COLUMNS = ["indicator_id", "area", "year", "value", "source", "licence", "flags"]
BNS_SOURCE = "Bureau of National Statistics of Kazakhstan via Open Data Kazakhstan (ODC PDDL 1.0)"
PDDL = "ODC PDDL 1.0"
KAZPOP_SOURCE = "Bureau of National Statistics of Kazakhstan, population by region and city (table 6584), via " \
                "Open Data Kazakhstan (open-data-kazakhstan/population-projections-by-regions)"
NSC_SOURCE = "National Statistical Committee of the Kyrgyz Republic, resident population on 1 January (open data " \
             "category 39)"
NSC_LICENCE = "CC BY-NC-SA 4.0 (NSC open data)"
RANKING_SOURCE = "Bureau of National Statistics of Kazakhstan, as assembled by the Open Data Kazakhstan " \
                 "city-ranking project (2022; ODC PDDL 1.0), which filled gaps by KNN imputation: the cells found " \
                 "imputed are flagged, those that cannot be told from imputed ones left out"
# Territorial changes: a region's values before the year named here describe a larger (or other) territory.
# 2018: South Kazakhstan Region split into Turkistan Region and the city of Shymkent; 2022: Abai, Jetisu and Ulytau
# regions split from East Kazakhstan, Almaty and Karaganda regions; 2024: Kyrgyz reform moving villages into Bishkek
# and Osh from the Chui and Osh regions.
TERRITORY_CHANGED = {"Turkistan Region": 2018, "East Kazakhstan Region": 2022, "Almaty Region": 2022,
                     "Karaganda Region": 2022, "Bishkek city": 2024, "Osh city": 2024, "Chui Region": 2024,
                     "Osh Region": 2024}
KNN_NEIGHBOURS = 5  # the upstream imputer's n_neighbors

# Source spellings -> the English region names used by the city catalogue (data/cities.toml `region`).
REGION_NAMES = {
    "Abai Region": "Abai Region", "Абай": "Abai Region", "Akmola Region": "Akmola Region",
    "Акмолинская": "Akmola Region", "Aktobe Region": "Aktobe Region", "Актюбинская": "Aktobe Region",
    "Almaty Region": "Almaty Region", "Алматинская": "Almaty Region", "Atyrau Region": "Atyrau Region",
    "Атырауская": "Atyrau Region", "West Kazakhstan Region": "West Kazakhstan Region",
    "Западно-Казахстанская": "West Kazakhstan Region", "Jambyl Region": "Jambyl Region",
    "Жамбылская": "Jambyl Region", "Jetisu Region": "Jetisu Region", "Жетісу": "Jetisu Region",
    "Karaganda Region": "Karaganda Region", "Карагандинская": "Karaganda Region",
    "Kostanay Region": "Kostanay Region", "Костанайская": "Kostanay Region",
    "Kyzylorda Region": "Kyzylorda Region", "Кызылординская": "Kyzylorda Region",
    "Mangystau Region": "Mangystau Region", "Мангистауская": "Mangystau Region",
    "Pavlodar Region": "Pavlodar Region", "Павлодарская": "Pavlodar Region",
    "North Kazakhstan Region": "North Kazakhstan Region", "Северо-Казахстанская": "North Kazakhstan Region",
    "Turkistan Region": "Turkistan Region", "Туркестанская": "Turkistan Region",
    "Ulytau Region": "Ulytau Region", "Ұлытау": "Ulytau Region",
    "East Kazakhstan Region": "East Kazakhstan Region", "Восточно-Казахстанская": "East Kazakhstan Region",
    "Astana city": "Astana city", "г. Астана": "Astana city", "Almaty city": "Almaty city",
    "г. Алматы": "Almaty city", "Shymkent city": "Shymkent city", "г. Шымкент": "Shymkent city",
    "г.Астана": "Astana city", "г.Алматы": "Almaty city", "г.Шымкент": "Shymkent city", "Область Абай": "Abai Region",
    "Область Жетісу": "Jetisu Region", "Область Ұлытау": "Ulytau Region",
    # OpenStreetMap (OSM-Boundaries) spellings
    "Abay Region": "Abai Region", "Aqtöbe region": "Aktobe Region", "Astana": "Astana city", "Almaty": "Almaty city",
    "Shymkent": "Shymkent city",
    # National Statistical Committee KG spellings
    "Bishkek City": "Bishkek city", "Osh City": "Osh city", "Jalal Abad Region": "Jalal-Abad", "Chui Region": "Chui Region",
    "Osh Region": "Osh Region", "Batken Region": "Batken Region", "Issyk Kul Region": "Issyk-Kul Region",
    "Naryn Region": "Naryn Region", "Talas Region": "Talas Region",
}
# Columns of the open-data-kazakhstan regional table (2022) -> indicator ids.
RANKING_COLUMNS = {
    "avg_salary": "avg_salary", "gdp_per_capita": "gdp_per_capita", "unemployment-rate": "unemployment_rate",
    "crime_amount": "crimes", "household_spending_per_month": "household_spending",
    "Higher_Education": "higher_education_share", "School-number-rate": "schools_per_10k",
    "Transport-quanity-rate": "public_transport_per_10k", "car-amount-rate": "cars_per_1000",
    "Entertainment-places-rate": "entertainment_per_10k",
}


def region_name(name: object) -> str | None:
    """The catalogue spelling of a region name (footnote marks such as "*" or " 1" dropped), or None for totals and
    discontinued units."""
    return REGION_NAMES.get(str(name).strip().rstrip("*").strip().removesuffix(" 1").strip())


def territory_flags(table: pd.DataFrame) -> pd.Series:
    """"territorial_change" for a value of a region from before its territory changed (TERRITORY_CHANGED)."""
    changed = table["area"].map(TERRITORY_CHANGED)
    return pd.Series(np.where(changed.notna() & (table["year"] < changed), "territorial_change", ""),
                     index=table.index)


def _with_provenance(table: pd.DataFrame, source: str, licence: str, flags: pd.Series | str = "") -> pd.DataFrame:
    table = table.assign(source=source, licence=licence, flags=flags)
    territory = territory_flags(table)
    table["flags"] = [";".join(f for f in (a, b) if f) for a, b in zip(table["flags"], territory)]
    return table[REGIONAL_COLUMNS]


def _wide_years(frame: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """A region × year table ('-' = missing) as long rows; unknown names and missing values are left out."""
    frame = frame.rename(columns={frame.columns[0]: "area"})
    long = frame.melt(id_vars="area", var_name="year", value_name="value")
    long["area"] = long["area"].map(region_name)
    long["year"] = pd.to_numeric(long["year"], errors="coerce")
    long["value"] = pd.to_numeric(long["value"].replace("-", None), errors="coerce")
    long = long.dropna(subset=["area", "year", "value"])
    return _with_provenance(long.assign(indicator_id=indicator_id, year=long["year"].astype(int)), BNS_SOURCE, PDDL)


def read_life_expectancy(path: Path) -> pd.DataFrame:
    """Life expectancy at birth (years) by region, 1999–2022, Bureau of National Statistics via Open Data KZ."""
    return _wide_years(pd.read_csv(path), "life_expectancy")


def read_emissions(path: Path) -> pd.DataFrame:
    """Emissions of pollutants from stationary sources (thousand tonnes) by region, 2005–2022."""
    return _wide_years(pd.read_csv(path), "emissions_stationary")


def read_med_institutions(path: Path) -> pd.DataFrame:
    """Medical institutions per 10,000 residents by region (2022 institutions, 1 Jan 2023 population)."""
    table = pd.read_csv(path)
    return _with_provenance(pd.DataFrame({
        "indicator_id": "med_institutions_per_10k", "area": table["Region"].map(region_name), "year": 2022,
        "value": table["Med-institution-rate"]}).dropna(), BNS_SOURCE, PDDL)


def read_region_population(path: Path) -> pd.DataFrame:
    """Population by region and city of republican significance, 2000–2023 (BNS table 6584; start of year)."""
    table = pd.read_csv(path)
    table = pd.DataFrame({"indicator_id": "region_population", "area": table["Область"].map(region_name),
                          "year": table["Год"], "value": table["Население"].astype(float)}).dropna()
    return _with_provenance(table, KAZPOP_SOURCE, PDDL)


def read_kg_population(path: Path) -> pd.DataFrame:
    """Resident population on 1 January 2021–2025 of the Kyrgyz oblasts, Bishkek City and Osh City (NSC)."""
    table = pd.read_csv(path)
    table = pd.DataFrame({"indicator_id": "region_population", "area": table["territory"].map(region_name),
                          "year": table["year"], "value": table["population"].astype(float)}).dropna()
    return _with_provenance(table, NSC_SOURCE, NSC_LICENCE)


def _decimals(value: float) -> int:
    """Decimal places a value is written with (up to 6)."""
    return next(d for d in range(7) if d == 6 or abs(round(value, d) - value) < 1e-9)


def imputation_status(values: pd.Series, neighbours: int = KNN_NEIGHBOURS) -> pd.Series:
    """Which cells of a column a KNN imputer may have filled: "imputed" where a value equals the mean of
    `neighbours` other cells and is written with more decimals than the column's own values (a mean shows
    them), "ambiguous" where it equals such a mean at the column's own precision (a measured value can match
    by chance: measured and imputed cannot be told apart), "" elsewhere."""
    numbers = values.to_numpy(float)
    precision = int(pd.Series([_decimals(v) for v in numbers]).mode().iloc[0])
    status = []
    for i, value in enumerate(numbers):
        others = np.delete(numbers, i)
        means = np.fromiter((others[list(c)].mean() for c in itertools.combinations(range(len(others)), neighbours)),
                            float)
        matches = np.isclose(means, value, rtol=1e-9, atol=1e-9).any()
        status.append("" if not matches else "imputed" if _decimals(value) > precision else "ambiguous")
    return pd.Series(status, index=values.index)


def read_ranking_table(path: Path) -> pd.DataFrame:
    """The socio-economic columns of the open-data-kazakhstan regional table (2022). Its authors filled gaps
    by KNN imputation (5 neighbours) without marking them: a cell recoverable as imputed is kept and flagged
    "imputed" (never ranked); a cell that cannot be told from an imputed one is dropped (unknown)."""
    table = pd.read_csv(path)
    parts = []
    for column, indicator_id in RANKING_COLUMNS.items():
        values = pd.to_numeric(table[column], errors="coerce")
        status = imputation_status(values)
        part = pd.DataFrame({"indicator_id": indicator_id, "area": table["Region"].map(region_name), "year": 2022,
                             "value": values, "flags": status.replace("ambiguous", "")})
        parts.append(part[status != "ambiguous"])
    table = pd.concat(parts, ignore_index=True).dropna(subset=["area", "value"])
    return _with_provenance(table, RANKING_SOURCE, PDDL, table["flags"])


# --- the national SDG platforms, bus ridership and UN-Habitat's modelled transport access ---------------------

KG_SDG_SOURCE = "National Statistical Committee of the Kyrgyz Republic, national SDG reporting platform " \
                "(sdg-kyrgyzstan/open-sdg-data-starter)"
KZ_SDG_SOURCE = "Bureau of National Statistics of the Republic of Kazakhstan, national SDG platform (kazstat/sdg-data-kazstat)"
KZ_SDG_LICENCE = "official statistics of the Republic of Kazakhstan (public), attribution to the BNS"
BUS_SOURCE = "Bureau of National Statistics of Kazakhstan, bus passengers carried (incl. an estimate for individual " \
             "entrepreneurs), via Open Data Kazakhstan; population: BNS table 6584"
UN_HABITAT_SOURCE = "UN-Habitat, UN SDG Global Database, indicator 11.2.1 (modelled), via 360info"
UN_HABITAT_LICENCE = "CC BY 4.0 (360info); UN SDG data, attribution"
CITY_AREA = "city:"  # the area of a value measured for a catalogued city itself: "city:bishkek"
# (indicator, series breakdown) of the Kyrgyz platform -> indicator id; every series is the total of both sexes
KG_SDG_SERIES = {("3.4.1", "NCD_CARDIO"): "deaths_circulatory_per_100k", ("3.4.1", "NCD_CNCR"): "deaths_cancer_per_100k",
                 ("3.4.1", "NCD_CRESPD"): "deaths_chronic_respiratory_per_100k",
                 ("3.4.1", "NCD_DIABTS"): "deaths_diabetes_per_100k", ("3.6.1", "_T"): "road_deaths_per_100k",
                 ("3.2.1", "_T"): "under5_mortality", ("3.2.2", "_T"): "neonatal_mortality",
                 ("3.1.1", "_T"): "maternal_mortality", ("3.c.1", "ISCO08_221"): "doctors_per_10k",
                 ("6.1.1", "_T"): "improved_water_share", ("6.2.1.1", "_T"): "sewerage_share",
                 ("11.2.1", "_T"): "transport_access_survey", ("11.7.1.a", "_T"): "green_space_ha_per_1000"}
KG_SDG_AREAS = {"KG11": "Bishkek city", "KG21": "Osh city", "KG03": "Jalal-Abad"}
KZ_SDG_SERIES = {"3-6-1": "road_deaths_per_100k", "3-2-1": "under5_mortality", "3-2-2": "neonatal_mortality",
                 "3-1-1": "maternal_mortality", "6-3-1": "wastewater_treated_share", "11-6-1": "solid_waste_managed_share"}
KZ_SDG_AREAS = {"KZABY": "Abai Region", "KZAKM": "Akmola Region", "KZAKT": "Aktobe Region", "KZALA": "Almaty city",
                "KZALM": "Almaty Region", "KZATY": "Atyrau Region", "KZKAR": "Karaganda Region",
                "KZKUS": "Kostanay Region", "KZKZY": "Kyzylorda Region", "KZMAN": "Mangystau Region",
                "KZNS": "Astana city", "KZPAV": "Pavlodar Region", "KZSEV": "North Kazakhstan Region",
                "KZSHY": "Shymkent city", "KZVOS": "East Kazakhstan Region", "KZYUZ": "Turkistan Region",
                "KZZAP": "West Kazakhstan Region", "KZZHA": "Jambyl Region", "KZZHT": "Jetisu Region",
                "KZULT": "Ulytau Region"}
# Caveats the publishers state, as flags: the 2023 change in where Kyrgyz child deaths are counted (referral
# hospitals in Bishkek and Osh), COVID years in death rates.
KG_CHILD_COUNTING_CHANGE = 2023
COVID_YEARS = (2020, 2021)


def read_kg_sdg(path: Path) -> pd.DataFrame:
    """The Kyrgyz platform's series (KG_SDG_SERIES) for Bishkek, Osh and Jalal-Abad oblast, both sexes, all ages."""
    table = pd.read_csv(path, dtype=str)
    all_ages = table["age"].isin(["_T", "Y0T4", "M0"])  # under-5 and neonatal rates carry their age group
    total = (table["sex"].isin(["_T"]) | (table["indicator"] == "3.1.1")) & all_ages & (
        table["urbanisation"] == "_T") & (table["education"] == "_T") & (table["income_quintile"] == "_T")
    rows = table[total & table["ref_area"].isin(KG_SDG_AREAS)]
    ids = [KG_SDG_SERIES.get((i, b)) for i, b in zip(rows["indicator"], rows["breakdown"])]
    long = pd.DataFrame({"indicator_id": ids, "area": rows["ref_area"].map(KG_SDG_AREAS),
                         "year": rows["year"].astype(int), "value": rows["value"].astype(float)}).dropna()
    flags = np.select([long["indicator_id"].isin(["under5_mortality", "neonatal_mortality"])
                       & (long["year"] >= KG_CHILD_COUNTING_CHANGE) & long["area"].str.endswith(" city"),
                       long["indicator_id"].str.startswith("deaths_") & long["year"].isin(COVID_YEARS)],
                      ["counting_change", "covid_years"], "")
    return _with_provenance(long.reset_index(drop=True), KG_SDG_SOURCE, NSC_LICENCE, pd.Series(flags))


def read_kz_sdg(path: Path) -> pd.DataFrame:
    """The Kazakh platform's regional series (KZ_SDG_SERIES), totals only (no sex or urban/rural breakdown)."""
    table = pd.read_csv(path, dtype=str)
    total = table["sex"].isna() | (table["sex"] == "_T")
    rows = table[table["indicator"].isin(KZ_SDG_SERIES) & total & table["urbanisation"].isna()
                 & table["ref_area"].isin(KZ_SDG_AREAS)]
    long = pd.DataFrame({"indicator_id": rows["indicator"].map(KZ_SDG_SERIES),
                         "area": rows["ref_area"].map(KZ_SDG_AREAS), "year": rows["year"].astype(int),
                         "value": rows["value"].astype(float)}).dropna().drop_duplicates(
        ["indicator_id", "area", "year"]).reset_index(drop=True)
    return _with_provenance(long, KZ_SDG_SOURCE, KZ_SDG_LICENCE)


def read_bus_passengers(path: Path, population: pd.DataFrame) -> pd.DataFrame:
    """Bus passengers carried per resident and year, by region and city: BNS passengers (million) over the BNS
    population of the same territory and year; confidential or not-applicable cells left out."""
    table = pd.read_csv(path)
    rows = table[(table["measure"] == "bus_passengers_carried") & table["flag"].isna()]
    passengers = pd.DataFrame({"area": rows["region_ru"].map(region_name), "year": rows["year"].astype(int),
                               "value": rows["value"].astype(float) * 1e6}).dropna()
    residents = population[population["indicator_id"] == "region_population"][["area", "year", "value"]]
    joined = passengers.merge(residents, on=["area", "year"], suffixes=("", "_population"))
    long = joined.assign(indicator_id="bus_passengers_per_resident",
                         value=(joined["value"] / joined["value_population"]).round(1))
    # BNS: the 2020 drop is COVID and a new estimate together; compare 2020 onwards, or up to 2019, not across
    return _with_provenance(long, BUS_SOURCE, PDDL, pd.Series(np.where(long["year"] < 2020, "series_break", ""),
                                                               index=long.index))


def read_un_habitat_transport(path: Path, city_ids: dict[str, str]) -> pd.DataFrame:
    """UN-Habitat's modelled share of people within 500 m of a stop (SDG 11.2.1, 2020) of the catalogued cities,
    by its English city name; the area names the city itself (CITY_AREA)."""
    table = pd.read_csv(path)
    rows = table[table["city_en"].isin(city_ids)]
    long = pd.DataFrame({"indicator_id": "transport_access_modelled", "area": CITY_AREA + rows["city_en"].map(city_ids),
                         "year": rows["year"].astype(int), "value": rows["pct_pt_access"].astype(float).round(1)})
    return _with_provenance(long.reset_index(drop=True), UN_HABITAT_SOURCE, UN_HABITAT_LICENCE, "modelled")
