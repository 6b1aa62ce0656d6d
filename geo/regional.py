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
