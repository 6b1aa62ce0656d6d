"""Air-quality series: readers for the AirNow and AirData.kz files and daily PM2.5 aggregation."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.errors import LayerValidationError

AIRNOW_MISSING = -999.0
MIN_VALID_HOURS_PER_DAY = 18  # a day counts only with >= 75 % of its hours valid (stated on the City page)
WHO_PM25_24H_UGM3 = 15.0  # WHO Air Quality Guidelines 2021, 24-hour mean (99th percentile)
WHO_PM25_ANNUAL_UGM3 = 5.0  # WHO Air Quality Guidelines 2021, annual mean

PM25_DAILY_COLUMNS = ["city_id", "date", "pm25_ugm3", "n_obs", "obs_unit", "source", "licence"]

AIRNOW_SOURCE = "U.S. Embassy Bishkek PM2.5 monitor, AirNow DOS files (preliminary, not fully verified)"
AIRNOW_LICENCE = "U.S. Government data, public domain"
AIRDATA_SOURCE = "AirData.kz Open Air Quality Dataset (Global Shapers Almaty Hub; KazHydroMet, OpenAQ, ...)"
AIRDATA_LICENCE = "CC BY-NC 4.0 (non-commercial use only)"


def read_airnow_hourly(paths: list[Path]) -> pd.DataFrame:
    """Hourly AirNow rows with the local hour, raw concentration (µg/m³) and whether the hour is valid."""
    required = {"Year", "Month", "Day", "Hour", "Raw Conc.", "Conc. Unit", "QC Name"}
    frames = []
    for path in paths:
        frame = pd.read_csv(path)
        missing = required - set(frame.columns)
        if missing:
            raise LayerValidationError(f"{path.name}: not an AirNow file, missing column(s) {sorted(missing)}")
        units = set(frame["Conc. Unit"].dropna().unique())
        if units - {"UG/M3"}:
            raise LayerValidationError(f"{path.name}: unexpected concentration unit(s) {sorted(units)}")
        frames.append(frame)
    hourly = pd.concat(frames, ignore_index=True)
    hourly["date"] = pd.to_datetime(hourly[["Year", "Month", "Day"]].rename(columns=str.lower)).dt.date
    value = hourly["Raw Conc."].astype(float)
    hourly["valid"] = (hourly["QC Name"] == "Valid") & (value != AIRNOW_MISSING) & (value >= 0)
    hourly["pm25_ugm3"] = value.where(hourly["valid"])
    return hourly[["date", "Hour", "pm25_ugm3", "valid"]].drop_duplicates(subset=["date", "Hour"])


def daily_from_hourly(hourly: pd.DataFrame, city_id: str) -> pd.DataFrame:
    """Daily means of valid hours, keeping only days with at least MIN_VALID_HOURS_PER_DAY valid hours."""
    valid = hourly[hourly["valid"]]
    daily = valid.groupby("date")["pm25_ugm3"].agg(["mean", "count"]).reset_index()
    daily = daily[daily["count"] >= MIN_VALID_HOURS_PER_DAY]
    return pd.DataFrame({
        "city_id": city_id, "date": pd.to_datetime(daily["date"]), "pm25_ugm3": daily["mean"].round(2),
        "n_obs": daily["count"].astype("int64"), "obs_unit": "valid hours",
        "source": AIRNOW_SOURCE, "licence": AIRNOW_LICENCE,
    })


def read_airdata_daily(path: Path, city_id: str) -> pd.DataFrame:
    """AirData.kz city-wide daily means (value_ugm3, n_stations) in the Atlas's daily schema."""
    frame = pd.read_csv(path)
    missing = {"date", "value_ugm3", "n_stations"} - set(frame.columns)
    if missing:
        raise LayerValidationError(f"{path.name}: not an AirData.kz daily file, missing {sorted(missing)}")
    frame = frame[frame["value_ugm3"].notna() & (frame["value_ugm3"] >= 0)]
    return pd.DataFrame({
        "city_id": city_id, "date": pd.to_datetime(frame["date"]), "pm25_ugm3": frame["value_ugm3"].round(2),
        "n_obs": frame["n_stations"].astype("int64"), "obs_unit": "stations",
        "source": AIRDATA_SOURCE, "licence": AIRDATA_LICENCE,
    })


def annual_pm25(daily: pd.DataFrame, min_days: int = 274) -> pd.DataFrame:
    """Per year: mean of daily means, number of valid days, days above the WHO 24-h guideline.

    A year is `complete` only with at least `min_days` valid days (75 % of 365); incomplete years are
    kept and flagged, never silently dropped.
    """
    if daily.empty:
        return pd.DataFrame(columns=["year", "mean_ugm3", "valid_days", "days_above_24h_guideline", "complete"])
    by_year = daily.assign(year=daily["date"].dt.year).groupby("year")["pm25_ugm3"]
    table = pd.DataFrame({
        "mean_ugm3": by_year.mean().round(1),
        "valid_days": by_year.count(),
        "days_above_24h_guideline": by_year.apply(lambda s: int((s > WHO_PM25_24H_UGM3).sum())),
    }).reset_index()
    table["complete"] = table["valid_days"] >= min_days
    return table
