"""Air quality core: readers, quality control and yearly statistics on hand-made series computed by hand."""
import numpy as np
import pandas as pd
import pytest

from geo.air import (
    annual_stats,
    comparable_annual,
    daily_from_hourly,
    exposure_by_country,
    flag_suspect_series,
    identical_runs,
    in_heating_season,
    monthly_profile,
    read_airdata_daily,
    read_airnow_hourly,
    station_years,
)
from geo.errors import LayerValidationError
from geo.guidelines import AQG_2021, guideline, who_band

HEADER = "Site,Parameter,Date (LT),Year,Month,Day,Hour,NowCast Conc.,AQI,AQI Category,Raw Conc.,Conc. Unit,Duration,QC Name\n"


def airnow_file(tmp_path, rows, name="AirBishkekTest.csv"):
    lines = [f"Bishkek,PM2.5 - Principal,x,{y},{m:02d},{d:02d},{h:02d},0,0,Good,{v},UG/M3,1 Hr,{qc}\n"
             for y, m, d, h, v, qc in rows]
    path = tmp_path / name
    path.write_text(HEADER + "".join(lines))
    return path


def measurements(dates, values, city="x", pollutant="pm25", flags=None):
    dates = pd.to_datetime(pd.Series(dates))
    return pd.DataFrame({"city_id": city, "station_id": "", "pollutant": pollutant, "date": dates,
                         "value": values, "unit": "µg/m³", "n_obs": 1, "obs_unit": "stations",
                         "qc_flag": flags if flags is not None else "ok", "source": "s", "licence": "l"})


def test_daily_mean_uses_valid_hours_and_marks_short_days_incomplete(tmp_path):
    full_day = [(2021, 1, 1, h, 10.0 + h % 2, "Valid") for h in range(24)]  # 10, 11, 10, 11 ...
    full_day[0] = (2021, 1, 1, 0, -999, "Missing")
    short_day = [(2021, 1, 2, h, 50.0 + h % 3, "Valid") for h in range(17)]
    daily = daily_from_hourly(read_airnow_hourly([airnow_file(tmp_path, full_day + short_day)]), "bishkek")
    first, second = daily.iloc[0], daily.iloc[1]
    assert first["value"] == pytest.approx(round((12 * 11.0 + 11 * 10.0) / 23, 2))  # hours 1..23
    assert first["n_obs"] == 23 and first["qc_flag"] == "ok"
    assert second["n_obs"] == 17 and second["qc_flag"] == "incomplete_day"  # kept and flagged, not dropped


def test_hourly_flags_name_each_fault(tmp_path):
    rows = [(2021, 3, 1, 0, -999, "Missing"), (2021, 3, 1, 1, 12.0, "Suspect"), (2021, 3, 1, 2, -3.0, "Valid"),
            (2021, 3, 1, 3, 1500.0, "Valid"), (2021, 3, 1, 4, 20.0, "Valid")]
    rows += [(2021, 3, 1, h, 33.0, "Valid") for h in range(5, 11)]  # six identical hours in a row
    hourly = read_airnow_hourly([airnow_file(tmp_path, rows)])
    assert hourly["flag"].tolist() == ["missing_code", "not_valid_qc", "negative", "implausible", "ok"] + ["stuck"] * 6


def test_identical_runs_needs_the_full_run_length():
    values = pd.Series([1.0, 2.0, 2.0, 2.0, np.nan, 2.0, 3.0, 3.0, 3.0, 3.0])
    assert identical_runs(values, 4).tolist() == [False] * 6 + [True] * 4
    assert identical_runs(values, 3).tolist() == [False, True, True, True, False, False, True, True, True, True]


def test_hour_repeated_in_two_yearly_files_counts_once(tmp_path):
    first = airnow_file(tmp_path, [(2021, 1, 1, h, 10.0 + h, "Valid") for h in range(24)], "a.csv")
    second = airnow_file(tmp_path, [(2021, 1, 1, 0, 10.0, "Valid")], "b.csv")
    assert daily_from_hourly(read_airnow_hourly([first, second]), "bishkek")["n_obs"].iloc[0] == 24


def test_foreign_unit_and_foreign_file_are_refused(tmp_path):
    path = airnow_file(tmp_path, [(2021, 1, 1, 0, 1.0, "Valid")])
    path.write_text(path.read_text().replace("UG/M3", "PPM"))
    with pytest.raises(LayerValidationError, match=r"unexpected concentration unit\(s\) \['PPM'\]"):
        read_airnow_hourly([path])
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(LayerValidationError, match="other.csv: not an AirNow file, missing column"):
        read_airnow_hourly([other])
    with pytest.raises(LayerValidationError, match="other.csv: not an AirData.kz daily file"):
        read_airdata_daily(other, "almaty", "pm25")


def test_airdata_daily_flags_negative_implausible_and_stuck_values(tmp_path):
    path = tmp_path / "pm25.csv"
    rows = ["2022-01-01,40.5,3", "2022-01-02,-1,2", "2022-01-03,,1", "2022-01-04,1200,2"]
    rows += [f"2022-01-{d:02d},7.5,1" for d in range(5, 9)]  # four identical days
    path.write_text("date,value_ugm3,n_stations\n" + "\n".join(rows) + "\n")
    daily = read_airdata_daily(path, "almaty", "pm25")
    assert daily["qc_flag"].tolist() == ["ok", "negative", "implausible"] + ["stuck"] * 4
    assert daily["n_obs"].iloc[0] == 3 and daily["obs_unit"].iloc[0] == "stations"


def test_implausible_series_and_years_are_flagged_not_dropped():
    days = pd.date_range("2021-01-01", "2022-12-31", freq="D")
    low = measurements(days, 1.0 + (np.arange(len(days)) % 2) * 0.1, city="low")  # median ~1 µg/m³ all along
    mixed = measurements(days, np.where(days.year == 2021, 20.0, 150.0) + (np.arange(len(days)) % 3), city="mixed")
    flagged = flag_suspect_series(pd.concat([low, mixed], ignore_index=True))
    assert len(flagged) == 2 * len(days)
    assert set(flagged.loc[flagged["city_id"] == "low", "qc_flag"]) == {"suspect_series"}
    mixed_flags = flagged[flagged["city_id"] == "mixed"].groupby(flagged["date"].dt.year)["qc_flag"].unique()
    assert list(mixed_flags[2021]) == ["ok"] and list(mixed_flags[2022]) == ["suspect_year"]


def test_other_pollutants_have_no_level_check():
    days = pd.date_range("2021-01-01", periods=30, freq="D")
    no2 = measurements(days, 1.0 + np.arange(30) % 2, pollutant="no2")
    assert set(flag_suspect_series(no2)["qc_flag"]) == {"ok"}


def test_heating_season_runs_15_october_to_15_april():
    dates = pd.to_datetime(pd.Series(["2021-10-14", "2021-10-15", "2022-01-10", "2022-04-15", "2022-04-16"]))
    assert in_heating_season(dates).tolist() == [False, True, True, True, False]


def test_annual_statistics_by_hand():
    days = pd.date_range("2020-01-01", "2020-12-31", freq="D")  # 366 days
    values = np.where(days.month <= 2, 40.0, 10.0)  # Jan+Feb (60 days) at 40, the rest at 10
    data = measurements(days, values)
    data.loc[0, "qc_flag"] = "stuck"  # 1 January flagged: not used
    row = annual_stats(data).iloc[0]
    assert row["valid_days"] == 365 and row["flagged_days"] == 1
    assert row["mean"] == round((59 * 40 + 306 * 10) / 365, 1)
    assert row["days_above_24h_aqg"] == 59  # 40 > 15 µg/m³
    assert row["p99_daily"] == 40.0  # 59 of 365 values are 40: the 99th percentile is 40
    heating = days[(days.month <= 4) & ~((days.month == 4) & (days.day > 15)) | (days.month >= 11)
                   | ((days.month == 10) & (days.day >= 15))]
    heating_values = np.where(heating.month <= 2, 40.0, 10.0)[1:]  # without the flagged 1 January
    assert row["heating_mean"] == round(heating_values.mean(), 1)
    assert row["non_heating_mean"] == 10.0
    assert bool(row["complete"]) and row["band"] == who_band(row["mean"], guideline("pm25", "annual"))


def test_incomplete_year_is_kept_and_marked():
    data = measurements(pd.date_range("2021-01-01", periods=200, freq="D"), 12.0)
    row = annual_stats(data).iloc[0]
    assert row["valid_days"] == 200 and not bool(row["complete"])


@pytest.mark.parametrize("value, band", [(4.9, "meets_aqg"), (5.0, "meets_aqg"), (5.1, "meets_it4"),
                                         (10.0, "meets_it4"), (15.0, "meets_it3"), (25.0, "meets_it2"),
                                         (35.0, "meets_it1"), (35.1, "above_it1")])
def test_pm25_annual_bands_follow_the_who_table(value, band):
    assert who_band(value, guideline("pm25", "annual")) == band


def test_bands_skip_undefined_interim_targets_and_convert_co_from_mg():
    no2 = guideline("no2", "24h")  # IT-1 120, IT-2 50, AQG 25
    assert who_band(40.0, no2) == "meets_it2" and who_band(100.0, no2) == "meets_it1"
    co = guideline("co", "24h")  # 4 mg/m³ = 4000 µg/m³, IT-1 7 mg/m³
    assert co.aqg_ugm3 == 4000 and who_band(5000.0, co) == "meets_it1" and who_band(8000.0, co) == "above_it1"


def test_who_table_has_every_pollutant_the_issue_names():
    assert {p for p, _ in AQG_2021} == {"pm25", "pm10", "no2", "so2", "co", "o3"}
    assert AQG_2021[("pm25", "24h")].interim == (75, 50, 37.5, 25)


def test_comparison_excludes_incomplete_years_with_a_reason():
    days = pd.date_range("2021-01-01", "2021-12-31", freq="D")
    annual = annual_stats(pd.concat([
        measurements(days, 20.0, city="full"), measurements(days[:100], 20.0, city="short"),
        measurements(days, 1.0, city="flagged", flags="suspect_series")], ignore_index=True))
    included, excluded = comparable_annual(annual, "pm25", 2021)
    assert included["city_id"].tolist() == ["full"]
    assert dict(zip(excluded["city_id"], excluded["reason"])) == {"short": "incomplete_year",
                                                                  "flagged": "all_days_flagged"}


def test_population_weighted_exposure_by_hand():
    days = pd.date_range("2021-01-01", "2021-12-31", freq="D")
    annual = annual_stats(pd.concat([measurements(days, 10.0, city="a"), measurements(days, 40.0, city="b"),
                                     measurements(days[:10], 99.0, city="c")], ignore_index=True))
    cities = {"a": ("KZ", 300), "b": ("KZ", 100), "c": ("KZ", 600), "d": ("KG", 50)}
    table = exposure_by_country(annual, cities, "pm25", 2021).set_index("country")
    assert table.loc["KZ", "exposure"] == (300 * 10 + 100 * 40) / 400  # 17.5; c has no complete year
    assert table.loc["KZ", "coverage_pct"] == 40.0 and table.loc["KZ", "cities_covered"] == 2
    assert np.isnan(table.loc["KG", "exposure"]) and table.loc["KG", "coverage_pct"] == 0


def test_monthly_profile_and_station_years_use_only_valid_values():
    days = pd.date_range("2021-01-01", "2021-02-28", freq="D")
    data = measurements(days, np.where(days.month == 1, 30.0, 10.0))
    data.loc[0, ["value", "qc_flag"]] = [999.0, "implausible"]
    profile = monthly_profile(data).set_index("month")
    assert profile.loc[1, "mean"] == 30.0 and profile.loc[1, "n_days"] == 30
    hours = pd.date_range("2021-01-01", periods=10, freq="h")
    hourly = pd.DataFrame({"station_id": "s", "time": hours, "value": [5.0] * 9 + [500.0],
                           "flag": ["ok"] * 9 + ["implausible"]})
    row = station_years(hourly).iloc[0]
    assert row["mean"] == 5.0 and row["valid_hours"] == 9 and row["flagged_hours"] == 1 and not row["complete"]


def test_town_names_are_matched_without_stray_spaces(tmp_path):
    from geo.air import read_airdata_towns_daily
    path = tmp_path / "towns.csv"
    path.write_text("date,city,avg_ugm3,n_stations\n2022-01-01,Semey ,12.5,2\n2022-01-01,Elsewhere,9,1\n"
                    "2022-01-02,,3,1\n")
    daily = read_airdata_towns_daily(path, {"Semey": "semey"})
    assert daily["city_id"].tolist() == ["semey"] and daily["value"].tolist() == [12.5]
