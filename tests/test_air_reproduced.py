"""Figures of the Air quality page recomputed from the raw files by a separate, plain-Python path."""
import csv
import gzip
import statistics
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest

from geo.air import annual_stats, exposure_by_country
from geo.cities import all_cities, member_cities
from geo.embedded import read_table
from geo.paths import RAW_DIR


def annual(city_id, pollutant):
    air = read_table("air_daily")
    return annual_stats(air[(air["city_id"] == city_id) & (air["pollutant"] == pollutant)]).set_index("year")


def percentile_linear(values, q):
    """Percentile with linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def test_almaty_2022_pm25_figures_from_the_raw_daily_file():
    values = []
    with gzip.open(RAW_DIR / "airdata_kz/almaty/daily/pm25.csv.gz", "rt") as f:
        for row in csv.DictReader(f):
            if row["date"].startswith("2022-") and row["value_ugm3"]:
                values.append(float(row["value_ugm3"]))
    figures = annual("almaty", "pm25").loc[2022]
    assert figures["valid_days"] == len(values)  # no Almaty 2022 value is flagged
    assert figures["mean"] == pytest.approx(statistics.fmean(values), abs=0.051)
    assert figures["days_above_24h_aqg"] == sum(v > 15 for v in values)
    assert figures["p99_daily"] == pytest.approx(percentile_linear(values, 0.99), abs=0.051)


def bishkek_valid_hours():
    """{local hour: value} of the valid, non-negative, non-stuck AirNow hours, read with the csv module."""
    hours = {}
    for year in range(2019, 2024):
        with open(RAW_DIR / f"airnow_bishkek/AirBishkek{year}.csv", newline="") as f:
            for row in csv.DictReader(f):
                stamp = datetime(int(row["Year"]), int(row["Month"]), int(row["Day"]), int(row["Hour"]))
                hours.setdefault(stamp, (float(row["Raw Conc."]), row["QC Name"]))
    usable = {k: v for k, (v, qc) in hours.items() if qc == "Valid" and 0 <= v <= 1000}
    stamps = sorted(hours)
    stuck, run = set(), []
    for stamp in stamps + [None]:  # runs of >= 6 equal consecutive usable values (an unusable hour breaks a run)
        value = usable.get(stamp) if stamp else None
        if run and value is not None and value == usable[run[-1]]:
            run.append(stamp)
            continue
        if len(run) >= 6:
            stuck.update(run)
        run = [stamp] if value is not None else []
    return {k: v for k, v in usable.items() if k not in stuck}


def test_bishkek_2021_heating_season_mean_from_the_hourly_files():
    by_day = defaultdict(list)
    for stamp, value in bishkek_valid_hours().items():
        by_day[stamp.date()].append(value)
    days = {d: statistics.fmean(v) for d, v in by_day.items() if len(v) >= 18 and d.year == 2021}

    def heating(d):
        return (d.month, d.day) >= (10, 15) or (d.month, d.day) <= (4, 15)
    figures = annual("bishkek", "pm25").loc[2021]
    assert figures["valid_days"] == len(days)
    assert figures["heating_mean"] == pytest.approx(statistics.fmean(v for d, v in days.items() if heating(d)),
                                                    abs=0.06)
    assert figures["non_heating_mean"] == pytest.approx(
        statistics.fmean(v for d, v in days.items() if not heating(d)), abs=0.06)


def test_bishkek_hourly_profile_from_the_hourly_files():
    sums = defaultdict(list)
    for stamp, value in bishkek_valid_hours().items():
        season = "heating" if (stamp.month, stamp.day) >= (10, 15) or (stamp.month, stamp.day) <= (4, 15) \
            else "non_heating"
        sums[(season, stamp.hour)].append(value)
    profile = read_table("air_hourly_profile").query("city_id == 'bishkek'").set_index(["season", "hour"])
    for key in [("heating", 0), ("heating", 12), ("non_heating", 8), ("non_heating", 23)]:
        assert profile.loc[key, "n_hours"] == len(sums[key])
        assert profile.loc[key, "mean"] == pytest.approx(statistics.fmean(sums[key]), abs=0.051)


def test_astana_station_2022_mean_from_the_hourly_file():
    series = []
    with gzip.open(RAW_DIR / "airdata_kz/astana/pm25.csv.gz", "rt") as f:
        for row in csv.DictReader(f):
            if row["station_id"] == "kgmt_12":
                utc = datetime.fromisoformat(row["datetime_utc"]).astimezone(timezone.utc)
                series.append((utc, float(row["value_ugm3"])))
    series = sorted(dict(series).items())
    values = [v for _, v in series]
    flagged = set()
    start = 0
    for i in range(1, len(values) + 1):  # runs of >= 6 identical consecutive hourly values are stuck
        if i == len(values) or values[i] != values[start]:
            if i - start >= 6:
                flagged.update(range(start, i))
            start = i

    def local_year(utc):  # Kazakhstan: UTC+6 until 1 March 2024, UTC+5 since
        offset = 6 if utc < datetime(2024, 2, 29, 18, tzinfo=timezone.utc) else 5
        return (utc + timedelta(hours=offset)).year
    kept = [v for i, (t, v) in enumerate(series) if i not in flagged and 0 <= v <= 1000 and local_year(t) == 2022]
    row = read_table("air_station_years").query("station_id == 'kgmt_12' and year == 2022").iloc[0]
    assert row["valid_hours"] == len(kept)
    assert row["mean"] == pytest.approx(statistics.fmean(kept), abs=0.051)


def test_kazakh_population_weighted_exposure_2022_by_hand():
    air = read_table("air_daily")
    stats = annual_stats(air[air["pollutant"] == "pm25"])
    complete = stats[(stats["year"] == 2022) & stats["complete"]]
    kz = {c.id: c.population.value for c in member_cities() if c.country == "KZ"}
    rows = [(kz[c], m) for c, m in zip(complete["city_id"], complete["mean"]) if c in kz]
    expected = sum(p * m for p, m in rows) / sum(p for p, _ in rows)
    cities = {c.id: (c.country, c.population.value) for c in member_cities()}
    table = exposure_by_country(stats, cities, "pm25", 2022).set_index("country")
    assert table.loc["KZ", "exposure"] == pytest.approx(expected, abs=0.051)
    assert table.loc["KZ", "cities_covered"] == len(rows)


def test_suspect_towns_are_the_ones_whose_median_is_implausible():
    medians = defaultdict(list)
    with gzip.open(RAW_DIR / "airdata_kz/rest_of_kz/daily/pm2_5.csv.gz", "rt") as f:
        for row in csv.DictReader(f):
            if row["city"] and row["avg_ugm3"]:
                medians[row["city"].strip()].append(float(row["avg_ugm3"]))
    air = read_table("air_daily")
    for city in all_cities():
        if city.air_source != "airdata_towns":
            continue
        flags = set(air.loc[(air["city_id"] == city.id) & (air["pollutant"] == "pm25"), "qc_flag"])
        raw_median = statistics.median(medians[city.air_key])
        if raw_median < 1.5:  # far below any plausible urban PM2.5 level
            assert "ok" not in flags, city.id


def test_almaty_station_pm10_year_recomputed_from_the_hourly_file():
    """kgmt_26 (PCP #29), PM10, 2023: the mean of its valid hours, read with the csv module and Python's own
    time arithmetic (Almaty local time UTC+6 until 1 March 2024)."""
    with gzip.open(RAW_DIR / "more_open_data/air/airdata_kz_almaty_hourly_pm10.csv.gz", "rt", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["station_id"] == "kgmt_26"]
    series = {}
    for r in rows:
        utc = datetime.fromisoformat(r["datetime_utc"].replace("Z", "+00:00")).astimezone(timezone.utc)
        series.setdefault(utc, float(r["value_ugm3"]))
    ordered = sorted(series.items())
    values = [v for _, v in ordered]
    flagged, start = set(), 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            if i - start >= 6:
                flagged.update(range(start, i))
            start = i
    kept = [v for i, (t, v) in enumerate(ordered)
            if i not in flagged and 0 <= v <= 2000 and (t + timedelta(hours=6)).year == 2023]
    row = read_table("air_station_years").query("station_id == 'kgmt_26' and pollutant == 'pm10' and year == 2023")
    assert len(row) == 1 and row.iloc[0]["valid_hours"] == len(kept) > 1000
    assert row.iloc[0]["mean"] == pytest.approx(statistics.fmean(kept), abs=0.051)
