"""Regional and district statistics (Kazakh regions, Kyrgyz districts) read into one long table.

Every row: indicator_id, area (the region or district name in English), year, value. Names in the
sources vary (English, Russian, with asterisks and spaces); REGION_NAMES maps them to one spelling.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

REGIONAL_COLUMNS = ["indicator_id", "area", "year", "value"]

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
    """The catalogue spelling of a region name, or None for totals and discontinued units."""
    return REGION_NAMES.get(str(name).strip().rstrip("*").strip())


def _wide_years(frame: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """A region × year table ('-' = missing) as long rows; unknown names and missing values are left out."""
    frame = frame.rename(columns={frame.columns[0]: "area"})
    long = frame.melt(id_vars="area", var_name="year", value_name="value")
    long["area"] = long["area"].map(region_name)
    long["year"] = pd.to_numeric(long["year"], errors="coerce")
    long["value"] = pd.to_numeric(long["value"].replace("-", None), errors="coerce")
    long = long.dropna(subset=["area", "year", "value"])
    return long.assign(indicator_id=indicator_id, year=long["year"].astype(int))[REGIONAL_COLUMNS]


def read_life_expectancy(path: Path) -> pd.DataFrame:
    """Life expectancy at birth (years) by region, 1999–2022, Bureau of National Statistics via Open Data KZ."""
    return _wide_years(pd.read_csv(path), "life_expectancy")


def read_emissions(path: Path) -> pd.DataFrame:
    """Emissions of pollutants from stationary sources (thousand tonnes) by region, 2005–2022."""
    return _wide_years(pd.read_csv(path), "emissions_stationary")


def read_med_institutions(path: Path) -> pd.DataFrame:
    """Medical institutions per 10,000 residents by region (2022 institutions, 1 Jan 2023 population)."""
    table = pd.read_csv(path)
    return pd.DataFrame({"indicator_id": "med_institutions_per_10k", "area": table["Region"].map(region_name),
                         "year": 2022, "value": table["Med-institution-rate"]}).dropna()


def read_region_population(path: Path) -> pd.DataFrame:
    """Resident population on 1 January 2023 by region."""
    table = pd.read_csv(path)
    return pd.DataFrame({"indicator_id": "region_population", "area": table["Region"].map(region_name),
                         "year": 2023, "value": table["Total"].astype(float)}).dropna()


def read_ranking_table(path: Path) -> pd.DataFrame:
    """The socio-economic columns of the open-data-kazakhstan regional table (2022)."""
    table = pd.read_csv(path)
    parts = [pd.DataFrame({"indicator_id": indicator_id, "area": table["Region"].map(region_name), "year": 2022,
                           "value": pd.to_numeric(table[column], errors="coerce")})
             for column, indicator_id in RANKING_COLUMNS.items()]
    return pd.concat(parts, ignore_index=True).dropna()[REGIONAL_COLUMNS]
