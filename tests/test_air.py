"""PM2.5 readers and aggregation on hand-made series with answers computed by hand."""
import pandas as pd
import pytest

from geo.air import annual_pm25, daily_from_hourly, read_airdata_daily, read_airnow_hourly
from geo.errors import LayerValidationError

HEADER = "Site,Parameter,Date (LT),Year,Month,Day,Hour,NowCast Conc.,AQI,AQI Category,Raw Conc.,Conc. Unit,Duration,QC Name\n"


def airnow_file(tmp_path, rows, name="AirBishkekTest.csv"):
    lines = [f"Bishkek,PM2.5 - Principal,x,{y},{m:02d},{d:02d},{h:02d},0,0,Good,{v},UG/M3,1 Hr,{qc}\n"
             for y, m, d, h, v, qc in rows]
    path = tmp_path / name
    path.write_text(HEADER + "".join(lines))
    return path


def test_daily_mean_uses_valid_hours_and_needs_18_of_them(tmp_path):
    full_day = [(2021, 1, 1, h, 10.0 if h % 2 else 20.0, "Valid") for h in range(24)]  # mean 15
    full_day[0] = (2021, 1, 1, 0, -999, "Missing")  # one missing hour: mean of 23 values
    short_day = [(2021, 1, 2, h, 50.0, "Valid") for h in range(17)]  # 17 valid hours: not a valid day
    hourly = read_airnow_hourly([airnow_file(tmp_path, full_day + short_day)])
    daily = daily_from_hourly(hourly, "bishkek")
    assert len(daily) == 1
    expected = (12 * 10.0 + 11 * 20.0) / 23  # hours 1..23: twelve odd hours at 10, eleven even at 20
    assert daily["pm25_ugm3"].iloc[0] == pytest.approx(round(expected, 2))
    assert daily["n_obs"].iloc[0] == 23


def test_negative_and_non_valid_qc_hours_are_not_used(tmp_path):
    rows = [(2021, 3, 1, h, 30.0, "Valid") for h in range(20)]
    rows += [(2021, 3, 1, 20, -5.0, "Valid"), (2021, 3, 1, 21, 900.0, "Suspect")]
    daily = daily_from_hourly(read_airnow_hourly([airnow_file(tmp_path, rows)]), "bishkek")
    assert daily["pm25_ugm3"].iloc[0] == 30.0 and daily["n_obs"].iloc[0] == 20


def test_hour_repeated_in_two_yearly_files_counts_once(tmp_path):
    first = airnow_file(tmp_path, [(2021, 1, 1, h, 10.0, "Valid") for h in range(24)], "a.csv")
    second = airnow_file(tmp_path, [(2021, 1, 1, 0, 10.0, "Valid")], "b.csv")
    daily = daily_from_hourly(read_airnow_hourly([first, second]), "bishkek")
    assert daily["n_obs"].iloc[0] == 24


def test_foreign_unit_and_foreign_file_are_refused(tmp_path):
    path = airnow_file(tmp_path, [(2021, 1, 1, 0, 1.0, "Valid")])
    path.write_text(path.read_text().replace("UG/M3", "PPM"))
    with pytest.raises(LayerValidationError, match=r"unexpected concentration unit\(s\) \['PPM'\]"):
        read_airnow_hourly([path])
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(LayerValidationError, match="other.csv: not an AirNow file, missing column"):
        read_airnow_hourly([other])


def test_airdata_daily_keeps_station_counts_and_drops_negative_values(tmp_path):
    path = tmp_path / "pm25.csv"
    path.write_text("date,value_ugm3,n_stations\n2022-01-01,40.5,3\n2022-01-02,-1,2\n2022-01-03,,1\n")
    daily = read_airdata_daily(path, "almaty")
    assert daily["pm25_ugm3"].tolist() == [40.5] and daily["n_obs"].tolist() == [3]
    assert daily["obs_unit"].iloc[0] == "stations"


def test_annual_summary_flags_incomplete_years_instead_of_dropping_them():
    days = pd.date_range("2020-01-01", "2021-03-31", freq="D")
    values = [20.0 if d.year == 2020 and d.day_of_year <= 100 else 10.0 for d in days]
    annual = annual_pm25(pd.DataFrame({"date": days, "pm25_ugm3": values})).set_index("year")
    assert annual.loc[2020, "valid_days"] == 366 and bool(annual.loc[2020, "complete"])
    assert annual.loc[2020, "mean_ugm3"] == round((100 * 20 + 266 * 10) / 366, 1)
    assert annual.loc[2020, "days_above_24h_guideline"] == 100  # 20 > 15, 10 is not
    assert not bool(annual.loc[2021, "complete"]) and annual.loc[2021, "valid_days"] == 90
