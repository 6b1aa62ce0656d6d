"""The cross-station check of a city's daily PM2.5: hand-made station-days with a known answer, and the real
Astana files (a faulty sensor carried the city to ~500 µg/m³ on late-summer days)."""
import gzip

import numpy as np
import pandas as pd

from geo.air import annual_stats, cross_station_check
from geo.embedded import read_table
from geo.paths import RAW_DIR


def city(days: dict[str, tuple[float, int]]) -> pd.DataFrame:
    """A city series: date -> (value, stations behind it)."""
    return pd.DataFrame({"city_id": "x", "station_id": "", "pollutant": "pm25",
                         "date": pd.to_datetime(list(days)), "value": [v for v, _ in days.values()], "unit": "µg/m³",
                         "n_obs": [n for _, n in days.values()], "obs_unit": "stations", "qc_flag": "ok",
                         "source": "s", "licence": "l"})


def stations(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame({"station_id": [r[1] for r in rows], "date": pd.to_datetime([r[0] for r in rows]),
                         "value": [r[2] for r in rows]})


def test_hand_made_station_days_get_the_known_answer():
    background = {f"2024-06-{d:02d}": (20.0, 3) for d in range(10, 28)}  # the month's median: 20
    series = city({**background, "2024-06-01": (20.0, 3), "2024-06-02": (500.0, 2), "2024-06-03": (400.0, 1),
                   "2024-06-04": (90.0, 4), "2024-06-05": (5.0, 2), "2024-06-06": (60.0, 3)})
    checked, changes = cross_station_check(series, stations([
        ("2024-06-01", "a", 19.0), ("2024-06-01", "b", 21.0), ("2024-06-01", "c", 20.0),
        ("2024-06-02", "a", 10.0), ("2024-06-02", "b", 12.0),
        ("2024-06-04", "a", 20.0), ("2024-06-04", "b", 22.0), ("2024-06-04", "c", 21.0), ("2024-06-04", "d", 300.0),
        ("2024-06-05", "a", 100.0), ("2024-06-05", "b", 110.0),
        ("2024-06-06", "a", 30.0), ("2024-06-06", "b", 35.0)]))
    value = checked.set_index(checked["date"].dt.strftime("%m-%d"))
    assert value.loc["06-01", "value"] == 20.0  # agrees with its stations: kept
    assert value.loc["06-02", "value"] == 11.0 and value.loc["06-02", "n_obs"] == 2  # replaced by the stations
    assert value.loc["06-03", "qc_flag"] == "unconfirmed_spike"  # 20× the month, one station, nothing to check
    assert value.loc["06-04", "value"] == 21.0  # station d (300) left out, then 90 disagrees with 20-22
    assert value.loc["06-05", "value"] == 105.0  # too low against every station: replaced as well
    assert value.loc["06-06", "value"] == 60.0  # 60 vs 35: under 3× or within 50 µg/m³: kept
    day_rules = changes[changes["rule"] != "station_outlier"]
    assert dict(zip(day_rules["date"].dt.strftime("%m-%d"), day_rules["rule"])) == {
        "06-02": "disagrees_with_stations", "06-03": "unconfirmed_spike", "06-04": "disagrees_with_stations",
        "06-05": "disagrees_with_stations"}
    assert list(changes.loc[changes["rule"] == "station_outlier", "station_id"]) == ["d"]
    before = changes.loc[changes["rule"] != "station_outlier"].set_index("rule")["value_before"]
    assert 500.0 in before.values and 400.0 in before.values
    stats = annual_stats(checked)
    assert stats["valid_days"].iloc[0] == len(series) - 1  # the spike is unknown, not zero: one day fewer


def test_without_stations_only_unconfirmed_spikes_are_flagged_and_many_stations_are_trusted():
    series = city({**{f"2024-01-{d:02d}": (100.0, 5) for d in range(1, 29)}, "2024-01-29": (450.0, 5),
                   "2024-01-30": (450.0, 2)})
    checked, changes = cross_station_check(series, None)
    flags = checked.set_index(checked["date"].dt.day)["qc_flag"]
    assert flags[29] == "ok"  # 4.5× the month, but five stations agreed on it
    assert flags[30] == "unconfirmed_spike" and list(changes["rule"]) == ["unconfirmed_spike"]


def raw_station_day(station_id: str, local_day: str) -> float:
    """A station's mean for one local day (Asia/Almaty) straight from the raw hourly file, with pandas only."""
    with gzip.open(RAW_DIR / "airdata_kz/astana/pm25.csv.gz", "rt") as handle:
        raw = pd.read_csv(handle, usecols=["datetime_utc", "station_id", "value_ugm3"])
    raw = raw[raw["station_id"] == station_id]
    local = pd.to_datetime(raw["datetime_utc"], utc=True, format="ISO8601").dt.tz_convert("Asia/Almaty")
    return float(raw.loc[local.dt.strftime("%Y-%m-%d") == local_day, "value_ugm3"].mean())


def test_astana_faulty_sensor_days_are_replaced_or_left_out():
    daily = read_table("air_daily")
    astana = daily[(daily["city_id"] == "astana") & (daily["pollutant"] == "pm25")].set_index("date")
    raw_city = pd.read_csv(RAW_DIR / "airdata_kz/astana/daily/pm25.csv.gz", parse_dates=["date"]).set_index("date")
    assert raw_city.loc["2025-09-09", "value_ugm3"] > 500  # as AirData.kz published it
    assert astana.loc["2025-09-09", "value"] == round(raw_station_day("kgmt_12", "2025-09-09"), 2)
    assert astana.loc["2025-09-09", "qc_flag"] == "ok"
    assert astana.loc["2024-08-30", "qc_flag"] == "unconfirmed_spike"  # one station alone at ~786 in August
    checks = read_table("air_station_checks")
    mine = checks[(checks["city_id"] == "astana") & (checks["date"] == "2025-09-09")]
    assert mine["rule"].tolist() == ["disagrees_with_stations"] and mine["value_before"].iloc[0] == 504.61


def test_astana_99th_percentiles_are_no_longer_carried_by_a_faulty_sensor():
    annual = annual_stats(read_table("air_daily")).set_index(["city_id", "pollutant", "year"])
    assert annual.loc[("astana", "pm25", 2024), "p99_daily"] < 100  # was 733 µg/m³
    assert annual.loc[("astana", "pm25", 2025), "p99_daily"] < 300  # was 411 µg/m³
    # 2024 misses most of a quarter (AirData.kz's gap): incomplete by the per-quarter rule, never ranked
    assert not annual.loc[("astana", "pm25", 2024), "complete"]
    assert annual.loc[("astana", "pm25", 2024), "min_quarter_share"] < 0.75
    bishkek = annual.loc[("bishkek", "pm25")]["p99_daily"]
    assert np.isfinite(bishkek).all()  # the U.S. Embassy series is not an AirData.kz city value: untouched


def test_almaty_pm25_has_no_station_files_and_only_cluster_checks():
    checks = read_table("air_station_checks")
    almaty = checks[(checks["city_id"] == "almaty") & (checks["pollutant"] == "pm25")]
    assert set(almaty["rule"]) <= {"cluster_outlier", "clusters_disagree"}  # no hourly PM2.5 station file
