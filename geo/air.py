"""Air quality: one tidy measurement schema, readers for AirNow and AirData.kz files, visible quality
control, and the yearly statistics judged against the WHO Air Quality Guidelines 2021.

Quality control never drops a value silently: every daily value keeps a `qc_flag`; statistics use only
`ok` values and the pages say how many were left out and why.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import LayerValidationError
from geo.guidelines import POLLUTANTS, guideline, short_term_guideline_ugm3, who_band

MEASUREMENT_COLUMNS = ["city_id", "station_id", "pollutant", "date", "value", "unit", "n_obs", "obs_unit",
                       "qc_flag", "source", "licence", "place"]
# Where a city's series is measured: "city" (stations inside the city, or a series the source names after it), or
# "outside_city" (every located station of the series lies outside the city's boundary: never the city's figure).
PLACES = ("city", "outside_city")
UNIT = "µg/m³"  # every stored value; guidelines in mg/m³ (CO) are converted when compared
CITY_WIDE = ""  # station_id of a city-wide series

AIRNOW_MISSING = -999.0
MIN_VALID_HOURS_PER_DAY = 18  # 75 % of the day's hours
# US EPA data capture (40 CFR Part 50, Appendix N, 4.1(b)): a year is complete only when each calendar quarter has
# valid values on at least 75 % of its days, so a year missing its heating season or its summer is never complete.
MIN_QUARTER_SHARE = 0.75
MIN_VALID_HOURS_PER_YEAR = 6570  # 75 % of 8,760 hours, for station means
STUCK_RUN_HOURS = 6  # the same hourly value 6 or more times in a row: a stuck sensor
STUCK_RUN_DAYS = 4  # the same daily city mean 4 or more days in a row: a stuck or copied feed
HEATING_SEASON = ((10, 15), (4, 15))  # 15 October to 15 April (inclusive): municipal heating in KZ and KG

QC_FLAGS = ("ok", "incomplete_day", "negative", "implausible", "stuck", "zero", "suspect_series", "suspect_year",
            "suspect_floor", "summer_spikes", "drift", "unconfirmed_spike", "clusters_disagree")
# Cross-station checks of a city's daily series, every pollutant (AirData.kz's city value is a mean of cluster
# means, so one faulty sensor on a day with few stations becomes the city's value):
STATION_FACTOR = 3.0  # a value more than 3× (or under a third of) what the stations measured that day ...
STATION_MARGIN_UGM3 = 50.0  # ... and more than 50 µg/m³ away from it disagrees with them
MIN_OTHER_STATIONS = 3  # a station is judged against the median of at least 3 others
SPIKE_FACTOR = 4.0  # with no independent stations to check against: over 4× the city's median for that month ...
SPIKE_GUIDELINE_MULTIPLE = 10.0  # ... and over 10× the WHO short-term guideline (PM2.5: 150 µg/m³) ...
SPIKE_MAX_STATIONS = 2  # ... resting on at most 2 stations: an unconfirmed spike, left out (unknown, not 0)
MIN_CLUSTERS_FOR_MEDIAN = 3  # a day's cluster far from the median of 3 or more clusters is outvoted by them
# Per-series faults of particulate sensors (a single-series town has no other station to check against):
PARTICULATE = ("pm25", "pm10")  # a daily mean of exactly 0 µg/m³ is not a measurement: the sensor sent nothing
SUMMER_MONTHS = (6, 7, 8)  # no heating: the season that shows a sensor's floor
SUMMER_FLOOR_MAX_UGM3 = {"pm25": 25.0}  # 95 % of summer days above WHO's 24-hour interim target 4: a faulty floor
MIN_SUMMER_DAYS = 60  # a summer floor is judged on at least 60 valid summer days
MAX_SUMMER_SPIKE_DAYS = 5  # more summer days than this above spike_min_ugm3: no summer source sustains that
DRIFT_YEARS = 3  # a summer floor rising in each of 3 or more consecutive years ...
DRIFT_FACTOR = 2.5  # ... to at least 2.5 times its first level ...
DRIFT_MIN_UGM3 = 10.0  # ... and to at least 10 µg/m³: sensor drift, the years after the first flagged
STATION_CHECK_COLUMNS = ["city_id", "pollutant", "date", "rule", "station_id", "value_before", "value_after",
                         "stations"]
HOURLY_FLAGS = ("ok", "missing_code", "not_valid_qc", "negative", "implausible", "stuck")

AIRNOW_SOURCE = "U.S. Embassy Bishkek PM2.5 monitor, AirNow DOS files (preliminary, not fully verified)"
AIRNOW_LICENCE = "U.S. Government data, public domain"
AIRDATA_SOURCE = "AirData.kz Open Air Quality Dataset (Global Shapers Almaty Hub; KazHydroMet, OpenAQ, ...)"
AIRDATA_LICENCE = "CC BY-NC 4.0 (non-commercial use only)"


def identical_runs(values: pd.Series, min_run: int) -> pd.Series:
    """True where a value belongs to a run of at least `min_run` equal consecutive values (NaN breaks runs)."""
    starts = values.ne(values.shift()) | values.isna()
    run_id = starts.cumsum()
    run_length = values.groupby(run_id).transform("size")
    return (run_length >= min_run) & values.notna()


def value_flags(values: pd.Series, pollutant: str) -> pd.Series:
    """'negative', 'implausible' (above the pollutant's plausible maximum) or 'ok' for each value."""
    flags = pd.Series("ok", index=values.index, dtype=object)
    flags[values < 0] = "negative"
    flags[values > POLLUTANTS[pollutant].plausible_max_ugm3] = "implausible"
    return flags


def read_airnow_hourly(paths: list[Path]) -> pd.DataFrame:
    """Hourly AirNow PM2.5 rows: local time, value (µg/m³) and an hourly flag (HOURLY_FLAGS)."""
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
    raw = pd.concat(frames, ignore_index=True)
    time = pd.to_datetime(raw[["Year", "Month", "Day", "Hour"]].rename(columns=str.lower))
    hourly = pd.DataFrame({"time": time, "value": raw["Raw Conc."].astype(float), "qc": raw["QC Name"]})
    # Each yearly file also holds the first hour(s) of the next year: keep one row per hour.
    hourly = hourly.drop_duplicates("time").sort_values("time").reset_index(drop=True)
    flag = value_flags(hourly["value"], "pm25")
    flag[hourly["qc"] != "Valid"] = "not_valid_qc"
    flag[hourly["value"] == AIRNOW_MISSING] = "missing_code"
    usable = hourly["value"].where(flag == "ok")
    flag[identical_runs(usable, STUCK_RUN_HOURS)] = "stuck"
    hourly["flag"] = flag
    return hourly[["time", "value", "flag"]]


def read_airdata_hourly(path: Path, timezone: str, pollutant: str = "pm25") -> pd.DataFrame:
    """AirData.kz hourly station file of one pollutant: station, local hour, value (µg/m³, the mean of the
    readings within that hour), hourly flag."""
    raw = pd.read_csv(path, usecols=["datetime_utc", "station_id", "value_ugm3"])
    time = pd.to_datetime(raw["datetime_utc"], utc=True, format="ISO8601").dt.tz_convert(timezone).dt.tz_localize(None)
    readings = pd.DataFrame({"station_id": raw["station_id"], "time": time, "value": raw["value_ugm3"].astype(float)})
    readings = readings.drop_duplicates(["station_id", "time"])
    # WAQI rows come every few minutes: readings within one clock hour make that hour's mean
    hourly = readings.groupby(["station_id", readings["time"].dt.floor("h")], sort=True)["value"].mean().reset_index()
    flag = value_flags(hourly["value"], pollutant)
    usable = hourly["value"].where(flag == "ok")
    stuck = usable.groupby(hourly["station_id"]).transform(lambda s: identical_runs(s, STUCK_RUN_HOURS))
    flag[stuck.astype(bool)] = "stuck"
    hourly["flag"] = flag
    return hourly


def daily_from_hourly(hourly: pd.DataFrame, city_id: str, station_id: str = CITY_WIDE) -> pd.DataFrame:
    """Daily means of `ok` hours; a day with fewer than MIN_VALID_HOURS_PER_DAY of them is 'incomplete_day'."""
    ok = hourly[hourly["flag"] == "ok"]
    daily = ok.groupby(ok["time"].dt.normalize())["value"].agg(["mean", "count"]).reset_index()
    return pd.DataFrame({
        "city_id": city_id, "station_id": station_id, "pollutant": "pm25", "date": daily["time"],
        "value": daily["mean"].round(2), "unit": UNIT, "n_obs": daily["count"].astype("int64"),
        "obs_unit": "valid hours",
        "qc_flag": np.where(daily["count"] >= MIN_VALID_HOURS_PER_DAY, "ok", "incomplete_day"),
        "source": AIRNOW_SOURCE, "licence": AIRNOW_LICENCE, "place": "city",
    })


CLUSTER_COLUMNS = ["median_value", "min_cluster", "max_cluster", "n_clusters"]  # AirData.kz's per-day spread


def _daily_measurements(frame: pd.DataFrame, city_id: str, pollutant: str) -> pd.DataFrame:
    frame = frame.dropna(subset=["value"]).sort_values("date")
    flags = value_flags(frame["value"], pollutant)
    flags[identical_runs(frame["value"].where(flags == "ok"), STUCK_RUN_DAYS)] = "stuck"
    return pd.DataFrame({
        "city_id": city_id, "station_id": CITY_WIDE, "pollutant": pollutant,
        "date": pd.to_datetime(frame["date"]), "value": frame["value"].round(2), "unit": UNIT,
        "n_obs": frame["n_stations"].fillna(0).astype("int64"), "obs_unit": "stations", "qc_flag": flags,
        "source": AIRDATA_SOURCE, "licence": AIRDATA_LICENCE, "place": "city",
        **{column: frame[column] for column in CLUSTER_COLUMNS if column in frame},
    })


def read_airdata_daily(path: Path, city_id: str, pollutant: str) -> pd.DataFrame:
    """AirData.kz city-wide daily means (value_ugm3, n_stations) as measurements, flagged, with the day's cluster
    spread (CLUSTER_COLUMNS, where the file has it) for the cross-station check, which drops it."""
    frame = pd.read_csv(path)
    missing = {"date", "value_ugm3", "n_stations"} - set(frame.columns)
    if missing:
        raise LayerValidationError(f"{path.name}: not an AirData.kz daily file, missing {sorted(missing)}")
    return _daily_measurements(frame.rename(columns={"value_ugm3": "value"}), city_id, pollutant)


def read_airdata_towns_daily(path: Path, town_to_city: dict[str, str]) -> pd.DataFrame:
    """AirData.kz 'rest of Kazakhstan' daily PM2.5 (date, city, avg_ugm3, n_stations) for the catalogued towns."""
    frame = pd.read_csv(path)
    missing = {"date", "city", "avg_ugm3", "n_stations"} - set(frame.columns)
    if missing:
        raise LayerValidationError(f"{path.name}: not an AirData.kz towns file, missing {sorted(missing)}")
    frame = frame.assign(city=frame["city"].str.strip())  # the source writes e.g. "Semey " with a space
    frame = frame[frame["city"].isin(town_to_city)].rename(columns={"avg_ugm3": "value"})
    parts = [_daily_measurements(group, town_to_city[town], "pm25") for town, group in frame.groupby("city")]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=MEASUREMENT_COLUMNS)


def flag_suspect_series(measurements: pd.DataFrame) -> pd.DataFrame:
    """Flag a whole city series, or one calendar year of it, whose median of `ok` values lies outside the
    pollutant's plausible urban range ('suspect_series', 'suspect_year').

    Such a level suggests a unit or sensor fault (a town averaging ~179 µg/m³ PM2.5 all along, one near
    1 µg/m³, or a sensor stuck on a ~95 µg/m³ baseline for a year): the values are kept and shown,
    flagged, and left out of statistics.
    """
    out = measurements.copy()
    years = out["date"].dt.year
    for keys, group in out.groupby(["city_id", "station_id", "pollutant"]):
        bounds = POLLUTANTS[keys[2]].urban_median_range_ugm3
        if not bounds:
            continue
        for flag, parts in (("suspect_series", [group]), ("suspect_year", [g for _, g in group.groupby(years)])):
            for part in parts:
                ok = out.loc[part.index, "qc_flag"] == "ok"
                median = part.loc[ok, "value"].median()
                if pd.notna(median) and not bounds[0] <= median <= bounds[1]:
                    out.loc[part.index[ok], "qc_flag"] = flag
    return out


def station_daily_means(hourly: pd.DataFrame) -> pd.DataFrame:
    """Complete days (at least MIN_VALID_HOURS_PER_DAY `ok` hours) of each station: station_id, date, value."""
    ok = hourly[hourly["flag"] == "ok"]
    daily = ok.groupby(["station_id", ok["time"].dt.normalize()])["value"].agg(["mean", "count"]).reset_index()
    daily = daily[daily["count"] >= MIN_VALID_HOURS_PER_DAY]
    return daily.rename(columns={"time": "date", "mean": "value"})[["station_id", "date", "value"]]


def station_margin_ugm3(pollutant: str) -> float:
    """How far apart two values of `pollutant` must be to disagree: STATION_MARGIN_UGM3 for PM2.5, scaled by the
    pollutant's WHO short-term guideline for the others (PM10 150, NO2 83 µg/m³ ...)."""
    return STATION_MARGIN_UGM3 * short_term_guideline_ugm3(pollutant) / short_term_guideline_ugm3("pm25")


def spike_min_ugm3(pollutant: str) -> float:
    """The least value of `pollutant` an unconfirmed spike can have: SPIKE_GUIDELINE_MULTIPLE times its WHO
    short-term guideline (PM2.5 150, PM10 450, NO2 250 µg/m³ ...)."""
    return SPIKE_GUIDELINE_MULTIPLE * short_term_guideline_ugm3(pollutant)


def _disagrees(value: float, reference: float, margin: float = STATION_MARGIN_UGM3) -> bool:
    """True when `value` is over STATION_FACTOR times `reference` (or under a STATION_FACTOR-th of it) and
    more than `margin` away from it."""
    return abs(value - reference) > margin and (
        value > STATION_FACTOR * reference or value * STATION_FACTOR < reference)


def cross_station_check(city_daily: pd.DataFrame, stations: pd.DataFrame | None = None
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A city's daily series of one pollutant checked against its stations, day by day, with every change.

    Rules, in order (each recorded in the second frame, STATION_CHECK_COLUMNS, with the value before and
    after; "disagree" is _disagrees with the pollutant's station_margin_ugm3):
    1. `station_outlier`: a station's complete day far from the median of the other complete stations (at
       least MIN_OTHER_STATIONS others) is left out of that day's station mean.
    2. `cluster_outlier`: where the source gives the day's cluster spread (CLUSTER_COLUMNS) and its highest
       cluster is above spike_min_ugm3 and disagrees with the median of at least MIN_CLUSTERS_FOR_MEDIAN
       clusters, the city value (a mean of cluster means, pulled up by that one) is replaced by the clusters'
       median; with two such clusters, nothing says which is right: `clusters_disagree`, left out of
       statistics. Clusters that differ less (districts do differ) are left as the source averaged them.
    3. `disagrees_with_stations`: a city value that disagrees with every remaining complete station (with
       their mean) is replaced by that mean, derived from the stations that passed.
    4. `unconfirmed_spike`: a value over SPIKE_FACTOR times the city's median for that calendar month and over
       spike_min_ugm3 that rests on at most SPIKE_MAX_STATIONS stations, in the city file and in the hourly
       files alike, is flagged: left out of statistics (unknown, never zero).
    `stations` holds station_daily_means of the city's hourly station files (None: rules 2 and 4 only).
    The cluster columns are dropped from the series returned.
    """
    out = city_daily.copy()
    changes: list[dict] = []
    keys = {"city_id": out["city_id"].iloc[0], "pollutant": out["pollutant"].iloc[0]} if len(out) else {}
    pollutant = keys.get("pollutant", "pm25")
    margin, spike_min = station_margin_ugm3(pollutant), spike_min_ugm3(pollutant)
    passing = pd.DataFrame(columns=["station_id", "date", "value"])
    if stations is not None and len(stations):
        kept = []
        for date, day in stations.groupby("date"):
            for row in day.itertuples():
                others = day.loc[day["station_id"] != row.station_id, "value"]
                if len(others) >= MIN_OTHER_STATIONS and _disagrees(row.value, float(others.median()), margin):
                    changes.append({**keys, "date": date, "rule": "station_outlier", "station_id": row.station_id,
                                    "value_before": row.value, "value_after": np.nan, "stations": len(others)})
                else:
                    kept.append(row)
        passing = pd.DataFrame(kept)[["station_id", "date", "value"]] if kept else passing
    by_day = passing.groupby("date")["value"].agg(["mean", "min", "max", "count"]) if len(passing) else None
    clusters = out.reindex(columns=CLUSTER_COLUMNS)
    ok = out["qc_flag"] == "ok"
    month_median = out[ok].groupby(out.loc[ok, "date"].dt.month)["value"].median()
    for index in out.index[ok]:
        date, value = out.at[index, "date"], float(out.at[index, "value"])
        spread = clusters.loc[index]
        if pd.notna(spread["max_cluster"]) and spread["n_clusters"] >= 2 and spread["max_cluster"] > spike_min:
            if spread["n_clusters"] >= MIN_CLUSTERS_FOR_MEDIAN and _disagrees(
                    spread["max_cluster"], spread["median_value"], margin):
                value = round(float(spread["median_value"]), 2)
                changes.append({**keys, "date": date, "rule": "cluster_outlier", "station_id": "",
                                "value_before": float(out.at[index, "value"]), "value_after": value,
                                "stations": int(spread["n_clusters"])})
                out.loc[index, ["value", "obs_unit"]] = [value, "stations (median of clusters)"]
            elif spread["n_clusters"] == 2 and _disagrees(spread["max_cluster"], spread["min_cluster"], margin):
                changes.append({**keys, "date": date, "rule": "clusters_disagree", "station_id": "",
                                "value_before": value, "value_after": np.nan, "stations": 2})
                out.loc[index, "qc_flag"] = "clusters_disagree"
                continue
        checking = int(by_day.loc[date, "count"]) if by_day is not None and date in by_day.index else 0
        if checking:
            day = by_day.loc[date]
            if (value > day["max"] and _disagrees(value, day["max"], margin)) or (
                    value < day["min"] and _disagrees(value, day["min"], margin)):
                before, value = value, round(float(day["mean"]), 2)
                changes.append({**keys, "date": date, "rule": "disagrees_with_stations", "station_id": "",
                                "value_before": before, "value_after": value, "stations": checking})
                out.loc[index, ["value", "n_obs", "obs_unit"]] = [value, checking, "stations (hourly, cross-checked)"]
        median = month_median.get(date.month, np.nan)
        if (value > spike_min and pd.notna(median) and value > SPIKE_FACTOR * median
                and max(int(out.at[index, "n_obs"]), checking) <= SPIKE_MAX_STATIONS):
            changes.append({**keys, "date": date, "rule": "unconfirmed_spike", "station_id": "",
                            "value_before": value, "value_after": np.nan,
                            "stations": max(int(out.at[index, "n_obs"]), checking)})
            out.loc[index, "qc_flag"] = "unconfirmed_spike"
    return out.drop(columns=CLUSTER_COLUMNS, errors="ignore"), pd.DataFrame(changes, columns=STATION_CHECK_COLUMNS)


def _summer_floors(values: pd.DataFrame) -> pd.Series:
    """Per calendar year, the 5th percentile of the `ok` summer values (SUMMER_MONTHS), where at least
    MIN_SUMMER_DAYS of them exist."""
    summer = values[(values["qc_flag"] == "ok") & values["date"].dt.month.isin(SUMMER_MONTHS)]
    grouped = summer.groupby(summer["date"].dt.year)["value"]
    floors = grouped.quantile(0.05)
    return floors[grouped.size() >= MIN_SUMMER_DAYS]


def flag_series_faults(measurements: pd.DataFrame) -> pd.DataFrame:
    """Flag the faults one series shows on its own, which no other station can reveal (single-series towns):
    - `zero`: a particulate daily mean of exactly 0 µg/m³ (the sensor sent nothing; a city's air is never 0);
    - `suspect_floor`: a year whose summer floor (5th percentile of summer days, no heating) lies above
      SUMMER_FLOOR_MAX_UGM3, a baseline no clean summer day reaches;
    - `summer_spikes`: a year with more than MAX_SUMMER_SPIKE_DAYS summer days above spike_min_ugm3 (a faulty
      station inside the city mean: with no heating, nothing sustains 10 times the WHO guideline);
    - `drift`: a summer floor that rises in each of DRIFT_YEARS or more consecutive years to at least
      DRIFT_FACTOR times its first level and DRIFT_MIN_UGM3: the years after the first are flagged.
    Values keep their number; only `ok` values are re-flagged."""
    out = measurements.copy()
    zero = out["pollutant"].isin(PARTICULATE) & (out["value"] == 0) & (out["qc_flag"] == "ok")
    out.loc[zero, "qc_flag"] = "zero"
    years = out["date"].dt.year
    for (_, _, pollutant), group in out.groupby(["city_id", "station_id", "pollutant"]):
        floors = _summer_floors(group)
        limit = SUMMER_FLOOR_MAX_UGM3.get(pollutant)
        faulty = {int(y): "suspect_floor" for y, floor in floors.items() if limit is not None and floor > limit}
        if pollutant in PARTICULATE:
            summer = group[(group["qc_flag"] == "ok") & group["date"].dt.month.isin(SUMMER_MONTHS)
                           & (group["value"] > spike_min_ugm3(pollutant))]
            spikes = summer.groupby(summer["date"].dt.year).size()
            faulty.update({int(y): "summer_spikes" for y, n in spikes.items() if n > MAX_SUMMER_SPIKE_DAYS})
        rising = floors.diff().gt(0) & (floors.index.to_series().diff() == 1)
        run_start = 0
        for position in range(1, len(floors) + 1):
            if position < len(floors) and rising.iloc[position]:
                continue
            run = floors.iloc[run_start:position]
            if (len(run) >= DRIFT_YEARS and run.iloc[-1] >= DRIFT_FACTOR * run.iloc[0]
                    and run.iloc[-1] >= DRIFT_MIN_UGM3):
                faulty.update({int(y): faulty.get(int(y), "drift") for y in run.index[1:]})
            run_start = position
        for year, flag in faulty.items():
            hit = group.index[(years.loc[group.index] == year) & (out.loc[group.index, "qc_flag"] == "ok")]
            out.loc[hit, "qc_flag"] = flag
    return out


def quarter_shares(dates: pd.Series, year: int) -> list[float]:
    """Share of each calendar quarter's days of `year` on which `dates` (valid days) has a value."""
    quarters = pd.Series(pd.to_datetime(dates).dt.quarter.value_counts())
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31").quarter.value_counts()
    return [float(quarters.get(q, 0)) / float(days[q]) for q in (1, 2, 3, 4)]


OFFICIAL_COLUMNS = ["city_id", "pollutant", "year", "value", "plausible", "source", "licence"]
OFFICIAL_SOURCE = ("Kazhydromet annual means by city, Bureau of National Statistics of Kazakhstan, national SDG "
                   "platform, indicator 11.6.2 (kazstat/sdg-data-kazstat)")
OFFICIAL_LICENCE = "official statistics of the Republic of Kazakhstan (public), attribution to the BNS"
OFFICIAL_SERIES = {"_L_KZ_110602_1B": "pm25", "_L_KZ_110602_1A": "pm10"}
OFFICIAL_DIFFERS_UGM3 = 10.0  # the official means are written to 0.01 mg/m³: closer than 10 µg/m³ ...
OFFICIAL_DIFFERS_SHARE = 0.30  # ... or 30 % is agreement


def read_official_annual(path: Path, area_to_city: dict[str, str]) -> pd.DataFrame:
    """Kazhydromet's official annual PM2.5 and PM10 means of the catalogued cities (mg/m³ in the file, µg/m³
    here), with whether each lies in the pollutant's plausible urban range (Karaganda's PM2.5 of 152–270 µg/m³ in
    2021–2023, beside PM10 of 16–27, does not)."""
    table = pd.read_csv(path, dtype={"ref_area": str})
    missing = {"indicator", "series", "ref_area", "year", "value"} - set(table.columns)
    if missing:
        raise LayerValidationError(f"{path.name}: not the SDG platform's long table, missing {sorted(missing)}")
    rows = table[(table["indicator"] == "11-6-2") & table["series"].isin(OFFICIAL_SERIES)
                 & table["ref_area"].isin(area_to_city)]
    official = pd.DataFrame({"city_id": rows["ref_area"].map(area_to_city), "pollutant": rows["series"].map(
        OFFICIAL_SERIES), "year": rows["year"].astype(int), "value": (rows["value"].astype(float) * 1000).round(1)})
    bounds = official["pollutant"].map(lambda p: POLLUTANTS[p].urban_median_range_ugm3)
    official["plausible"] = [lo <= v <= hi for v, (lo, hi) in zip(official["value"], bounds)]
    return official.assign(source=OFFICIAL_SOURCE, licence=OFFICIAL_LICENCE)[OFFICIAL_COLUMNS].sort_values(
        ["city_id", "pollutant", "year"]).reset_index(drop=True)


def official_differs(own: float, official: float) -> bool:
    """True when the Atlas's annual mean and the official one are further apart than the official's precision."""
    return abs(own - official) > max(OFFICIAL_DIFFERS_UGM3, OFFICIAL_DIFFERS_SHARE * official)


def in_heating_season(dates: pd.Series) -> pd.Series:
    """True from 15 October to 15 April inclusive."""
    (start_month, start_day), (end_month, end_day) = HEATING_SEASON
    month_day = dates.dt.month * 100 + dates.dt.day
    return (month_day >= start_month * 100 + start_day) | (month_day <= end_month * 100 + end_day)


ANNUAL_COLUMNS = ["city_id", "pollutant", "year", "mean", "valid_days", "flagged_days", "days_above_24h_aqg",
                  "p99_daily", "heating_mean", "non_heating_mean", "min_quarter_share", "complete", "band", "source",
                  "licence", "place"]


def annual_stats(measurements: pd.DataFrame) -> pd.DataFrame:
    """Per city, pollutant and year, from `ok` daily values: mean, valid and flagged days, days above the
    WHO 24-hour guideline, 99th percentile of daily means, heating vs non-heating season means, the smallest
    share of a quarter's days with a valid value, whether the year is complete (every quarter at least
    MIN_QUARTER_SHARE), the WHO band of the annual mean (a complete year only: a part of a year is not judged
    against an annual guideline) and where the series is measured (PLACES)."""
    if measurements.empty:
        return pd.DataFrame(columns=ANNUAL_COLUMNS)
    data = measurements.assign(year=measurements["date"].dt.year, ok=measurements["qc_flag"] == "ok",
                               heating=in_heating_season(measurements["date"]))
    rows = []
    for (city_id, pollutant, year), group in data.groupby(["city_id", "pollutant", "year"]):
        ok = group[group["ok"]]
        daily_aqg = guideline(pollutant, "24h")
        annual_aqg = guideline(pollutant, "annual")
        mean = ok["value"].mean()
        min_share = min(quarter_shares(ok["date"], int(year)))
        rows.append({
            "city_id": city_id, "pollutant": pollutant, "year": int(year), "mean": round(mean, 1),
            "valid_days": len(ok), "flagged_days": int((~group["ok"]).sum()),
            "days_above_24h_aqg": int((ok["value"] > daily_aqg.aqg_ugm3).sum()) if daily_aqg else None,
            "p99_daily": round(float(ok["value"].quantile(0.99)), 1) if len(ok) else np.nan,
            "heating_mean": round(ok.loc[ok["heating"], "value"].mean(), 1),
            "non_heating_mean": round(ok.loc[~ok["heating"], "value"].mean(), 1),
            "min_quarter_share": round(min_share, 3), "complete": min_share >= MIN_QUARTER_SHARE,
            "band": who_band(mean, annual_aqg) if annual_aqg and min_share >= MIN_QUARTER_SHARE else None,
            "source": "; ".join(group["source"].unique()) if "source" in group else "",
            "licence": "; ".join(group["licence"].unique()) if "licence" in group else "",
            "place": group["place"].iloc[0] if "place" in group else "city",
        })
    return pd.DataFrame(rows, columns=ANNUAL_COLUMNS)


def station_years(hourly: pd.DataFrame, pollutant: str = "pm25") -> pd.DataFrame:
    """Per station and year of one pollutant's hourly file: mean of `ok` hours, valid and flagged hours,
    completeness, WHO annual band (only for a complete station-year: a week of hours is no annual mean; none for
    a pollutant without an annual guideline)."""
    data = hourly.assign(year=hourly["time"].dt.year, ok=hourly["flag"] == "ok")
    grouped = data.groupby(["station_id", "year"])
    table = pd.DataFrame({
        "mean": grouped.apply(lambda g: g.loc[g["ok"], "value"].mean(), include_groups=False).round(1),
        "valid_hours": grouped["ok"].sum().astype("int64"),
        "flagged_hours": (~data["ok"]).groupby([data["station_id"], data["year"]]).sum().astype("int64"),
    }).reset_index()
    table["complete"] = table["valid_hours"] >= MIN_VALID_HOURS_PER_YEAR
    levels = guideline(pollutant, "annual")
    table["band"] = [who_band(m, levels) if pd.notna(m) and levels and complete else None
                     for m, complete in zip(table["mean"], table["complete"])]
    return table.assign(pollutant=pollutant)


def hourly_profile(hourly: pd.DataFrame, city_id: str) -> pd.DataFrame:
    """Mean of `ok` hourly values by local hour of day, in and out of the heating season."""
    ok = hourly[hourly["flag"] == "ok"]
    season = np.where(in_heating_season(ok["time"]), "heating", "non_heating")
    profile = ok.groupby([season, ok["time"].dt.hour])["value"].agg(["mean", "count"]).reset_index()
    profile.columns = ["season", "hour", "mean", "n_hours"]
    profile["mean"] = profile["mean"].round(1)
    return profile.assign(city_id=city_id, pollutant="pm25")


def monthly_profile(daily: pd.DataFrame) -> pd.DataFrame:
    """Mean of `ok` daily values by calendar month over all years, with the number of days behind each."""
    ok = daily[daily["qc_flag"] == "ok"]
    profile = ok.groupby(ok["date"].dt.month)["value"].agg(["mean", "count"]).reset_index()
    profile.columns = ["month", "mean", "n_days"]
    profile["mean"] = profile["mean"].round(1)
    return profile


def latest_comparable_year(annual: pd.DataFrame, pollutant: str) -> int | None:
    """The latest year in which at least two cities have a complete record of `pollutant` measured in the city
    (comparable_annual's rule), or None."""
    rows = annual[(annual["pollutant"] == pollutant) & annual["complete"] & (annual["place"] == "city")]
    counts = rows.groupby("year")["city_id"].nunique()
    years = counts[counts >= 2].index
    return int(max(years)) if len(years) else None


def comparable_annual(annual: pd.DataFrame, pollutant: str, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cities whose `year` of `pollutant` is complete and measured in the city (included), and the others with the
    reason (excluded): a quarter with too few valid days (which includes series flagged as suspect as a whole:
    their days are not valid), or stations outside the city."""
    rows = annual[(annual["pollutant"] == pollutant) & (annual["year"] == year)]
    in_city = rows["place"] == "city"
    included = rows[rows["complete"] & in_city].reset_index(drop=True)
    excluded = rows[~(rows["complete"] & in_city)].assign(reason=lambda t: np.select(
        [t["place"] != "city", t["valid_days"] == 0], ["outside_city", "all_days_flagged"], "incomplete_year")
    ).reset_index(drop=True)
    return included, excluded


def exposure_by_country(annual: pd.DataFrame, cities: dict[str, tuple[str, int]], pollutant: str,
                        year: int) -> pd.DataFrame:
    """Population-weighted mean annual concentration per country over the cities with a complete year
    (SDG 11.6.2 style): Σ(population × annual mean) / Σ population, with the share of the catalogued
    cities' population it covers. `cities` maps city id -> (country, population)."""
    included, _ = comparable_annual(annual, pollutant, year)
    rows = []
    for country in sorted({c for c, _ in cities.values()}):
        members = {cid: pop for cid, (c, pop) in cities.items() if c == country}
        covered = included[included["city_id"].isin(members)]
        covered_pop = sum(members[cid] for cid in covered["city_id"])
        weighted = (float((covered["mean"] * covered["city_id"].map(members)).sum() / covered_pop)
                    if covered_pop else np.nan)
        rows.append({"country": country, "exposure": round(weighted, 1) if covered_pop else np.nan,
                     "cities_covered": len(covered), "cities_total": len(members),
                     "population_covered": covered_pop, "population_total": sum(members.values()),
                     "coverage_pct": round(100 * covered_pop / sum(members.values()), 1)})
    return pd.DataFrame(rows)
