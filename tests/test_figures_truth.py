"""Every figure defensible: seasons complete, faulty sensors caught, the right place, one territory per ratio,
official dated populations, no imputed value ranked, one peer median, and provenance in the command line.

Each check recomputes its answer by an independent path (the raw files read with the standard library, shapely
on the raw outlines, the calendar module) or on hand-made series whose answer is known."""
import calendar
import csv
import gzip
import io
import json
from collections import Counter
from datetime import date

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.air import (
    MIN_QUARTER_SHARE,
    annual_stats,
    comparable_annual,
    cross_station_check,
    flag_series_faults,
    station_years,
)
from geo.cities import get_city, member_cities
from geo.embedded import read_table
from geo.indicators import latest_values, normalised_scores, peer_standing, rank_cities
from geo.paths import RAW_DIR
from tests.test_air import measurements
from tests.test_indicators import latest_for, values_for


def _quarter_complete(dates: list[date], year: int) -> bool:
    """Valid values on at least 75 % of the days of every quarter, counted with the calendar module."""
    counts = Counter((d.month - 1) // 3 for d in dates if d.year == year)
    for quarter in range(4):
        days = sum(calendar.monthrange(year, m)[1] for m in range(quarter * 3 + 1, quarter * 3 + 4))
        if counts[quarter] < 0.75 * days:
            return False
    return True


# --- completeness by season --------------------------------------------------------------------------------


def test_a_year_missing_its_heating_season_is_never_complete():
    spring_on = pd.date_range("2022-03-25", "2022-12-31")  # 282 valid days, the first quarter almost empty
    full = pd.date_range("2023-01-01", "2023-12-31")[::5].union(pd.date_range("2023-01-01", "2023-12-31"))
    annual = annual_stats(pd.concat([measurements(spring_on, 20.0), measurements(full, 20.0)], ignore_index=True))
    by_year = annual.set_index("year")
    assert by_year.loc[2022, "valid_days"] >= 274  # the old rule would have called it complete
    assert not by_year.loc[2022, "complete"] and by_year.loc[2022, "min_quarter_share"] == pytest.approx(7 / 90, abs=1e-3)
    assert by_year.loc[2023, "complete"]
    included, excluded = comparable_annual(annual, "pm25", 2022)
    assert included.empty and excluded["reason"].tolist() == ["incomplete_year"]


def test_per_quarter_completeness_matches_the_raw_almaty_file():
    """Almaty's PM2.5 days as AirData.kz wrote them (gzip and csv only), against the Atlas's verdicts."""
    with gzip.open(RAW_DIR / "airdata_kz/almaty/daily/pm25.csv.gz", "rt", encoding="utf-8") as f:
        raw = [date.fromisoformat(r["date"]) for r in csv.DictReader(f) if r["value_ugm3"]]
    flagged = read_table("air_daily")
    flagged = flagged[(flagged["city_id"] == "almaty") & (flagged["pollutant"] == "pm25")
                      & (flagged["qc_flag"] != "ok")]
    left_out = {d.date() for d in flagged["date"]}
    valid = [d for d in raw if d not in left_out]
    annual = annual_stats(read_table("air_daily").query("city_id == 'almaty' and pollutant == 'pm25'"))
    assert len(annual) >= 9
    for row in annual.itertuples():
        assert row.complete == _quarter_complete(valid, row.year), row.year
    assert not annual.set_index("year").loc[2017, "complete"]  # the series starts on 21 March 2017


def test_station_means_of_a_few_hours_get_no_who_band():
    hours = pd.date_range("2023-01-01", periods=24 * 7, freq="h")  # one week
    hourly = pd.DataFrame({"station_id": "s1", "time": hours, "value": 80.0, "flag": "ok"})
    table = station_years(hourly)
    assert table["mean"].iloc[0] == 80.0 and not table["complete"].iloc[0]
    assert table["band"].isna().all()  # 168 hours are no annual mean to judge
    embedded = read_table("air_station_years")
    assert embedded.loc[~embedded["complete"], "band"].isna().all()


# --- sensor faults ---------------------------------------------------------------------------------------------


def test_each_fault_class_is_caught_on_a_hand_made_series():
    summer = pd.date_range("2021-06-01", "2021-08-31")
    zero = measurements(summer, np.where(np.arange(len(summer)) == 10, 0.0, 12.0 + np.arange(len(summer)) % 5),
                        city="zero")
    floor = measurements(summer, 40.0 + np.arange(len(summer)) % 7, city="floor")  # no summer day under 40
    spikes = measurements(summer, np.where(np.arange(len(summer)) % 10 == 0, 400.0, 10.0), city="spikes")
    drift = pd.concat([measurements(pd.date_range(f"{y}-06-01", f"{y}-08-31"), level + np.arange(92) % 3,
                                    city="drift") for y, level in ((2021, 4.0), (2022, 8.0), (2023, 13.0))],
                      ignore_index=True)  # summer floor 4 -> 8 -> 13 µg/m³: rising each year, over 2.5 times
    steady = measurements(summer, 12.0 + np.arange(len(summer)) % 5, city="steady")
    flagged = flag_series_faults(pd.concat([zero, floor, spikes, drift, steady], ignore_index=True))
    by_city = {c: Counter(g["qc_flag"]) for c, g in flagged.groupby("city_id")}
    assert by_city["zero"] == Counter({"ok": len(summer) - 1, "zero": 1})
    assert by_city["floor"] == Counter({"suspect_floor": len(summer)})
    assert by_city["spikes"] == Counter({"summer_spikes": len(summer)})
    drift_years = flagged[flagged["city_id"] == "drift"].groupby(flagged["date"].dt.year)["qc_flag"].unique()
    assert [list(f) for f in drift_years] == [["ok"], ["drift"], ["drift"]]
    assert by_city["steady"] == Counter({"ok": len(summer)})


def test_clusters_and_single_station_days_are_checked_for_every_pollutant():
    days = pd.date_range("2023-09-01", "2023-09-30")
    series = measurements(days, 30.0, city="astana", pollutant="no2").assign(
        n_obs=4, median_value=30.0, min_cluster=20.0, max_cluster=40.0, n_clusters=4)
    series.loc[3, ["value", "max_cluster"]] = [250.0, 900.0]  # one cluster at 900 pulls the mean of four up
    series.loc[5, ["value", "min_cluster", "max_cluster", "n_clusters"]] = [400.0, 10.0, 790.0, 2]  # two disagree
    series.loc[7, ["value", "n_obs", "max_cluster", "n_clusters"]] = [720.0, 1, 720.0, 1]  # one station alone
    checked, changes = cross_station_check(series)
    assert checked.loc[3, "value"] == 30.0 and checked.loc[3, "qc_flag"] == "ok"  # the clusters' median
    assert checked.loc[5, "qc_flag"] == "clusters_disagree"
    assert checked.loc[7, "qc_flag"] == "unconfirmed_spike"  # over 10 × NO2's 24-hour guideline (250 µg/m³)
    assert changes["rule"].tolist() == ["cluster_outlier", "clusters_disagree", "unconfirmed_spike"]
    assert "max_cluster" not in checked


def test_the_real_sensor_faults_the_issue_named_are_flagged():
    daily = read_table("air_daily").set_index(["city_id", "pollutant", "date"])["qc_flag"]
    # one-station days of 450-790 µg/m³ in Astana's NO2 and PM10
    assert daily[("astana", "no2", pd.Timestamp("2023-09-20"))] != "ok"  # 720 µg/m³ on one station
    assert daily[("astana", "pm10", pd.Timestamp("2024-08-30"))] != "ok"  # 789 µg/m³ on one station
    flags = read_table("air_daily").groupby(["city_id", "pollutant"])["qc_flag"].agg(set)
    assert "zero" in flags[("shymkent", "pm25")]  # exact zeros
    assert "summer_spikes" in flags[("semey", "pm25")]  # 2023: summer days of 300-600 µg/m³
    assert "drift" in flags[("karaganda", "pm25")]  # summer floor 6 -> 17 -> 22 µg/m³, 2021-2023
    annual = annual_stats(read_table("air_daily")).set_index(["city_id", "pollutant", "year"])
    astana_no2 = annual.loc[("astana", "no2")]
    assert (astana_no2["p99_daily"].dropna() < 250).all()  # no faulty station left in a 99th percentile


# --- the right place -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_karagandas_airdata_files_are_not_karagandas_air():
    """The stations of AirData.kz's "karaganda" hourly file, located by the raw station list, lie outside the
    raw outline of Karaganda: its air series is not the city's, anywhere the Atlas shows figures."""
    with open(RAW_DIR / "airdata_kz/stations_from_hourly_pm25_astana_karaganda.csv", encoding="utf-8") as f:
        stations = [r for r in csv.DictReader(f) if r["city"] == "karaganda"]
    outline = shapely.geometry.shape(json.loads((RAW_DIR / "city_districts/karaganda.geojson").read_text())
                                     ["features"][0]["geometry"])
    assert stations and not any(outline.contains(shapely.Point(float(s["lon"]), float(s["lat"]))) for s in stations)
    annual = annual_stats(read_table("air_daily").query("city_id == 'karaganda'"))
    assert set(annual["place"]) == {"outside_city"}
    latest = latest_for("karaganda")
    air = [i for i in latest.index if i.split("_")[0] in ("pm25", "pm10", "no2", "so2", "co", "o3")
           and not i.endswith("_official")]
    assert air and latest.loc[air, "value"].isna().all()
    # Kazhydromet's own Karaganda PM2.5 (270 µg/m³ in 2023, beside PM10 of 27) is shown, flagged, never ranked
    official = values_for("karaganda").query("indicator_id == 'pm25_annual_mean_official' and year == 2023").iloc[0]
    assert official["value"] == 270.0 and "suspect_sensor" in official["flags"].split(";")
    assert latest.loc["pm25_annual_mean", "note_key"] == "note.air_outside_city"
    for year in range(2021, 2026):
        included, excluded = comparable_annual(annual_stats(read_table("air_daily")), "pm25", year)
        assert "karaganda" not in set(included["city_id"])


# --- one territory per ratio, official dated populations ---------------------------------------------------------


def _nsc(territory: str, year: int) -> int:
    with open(RAW_DIR / "official_stats/kg_population_start_of_year_2021_2025.csv", encoding="utf-8") as f:
        return next(int(r["population"]) for r in csv.DictReader(f)
                    if r["territory"] == territory and int(r["year"]) == year)


def test_bishkek_and_osh_populations_are_the_statistical_committees():
    bishkek, osh = latest_for("bishkek"), latest_for("osh")
    assert bishkek.loc["population", "value"] == _nsc("Bishkek City", 2025) == 1_321_900
    assert bishkek.loc["population", "year"] == 2025 and "undated" not in bishkek.loc["population", "flags"]
    assert osh.loc["population", "value"] == _nsc("Osh City", 2025)
    series = values_for("bishkek").query("indicator_id == 'population'").set_index("year")["value"]
    assert {int(y): v for y, v in series.items()} == {y: _nsc("Bishkek City", y) for y in range(2021, 2026)}
    # the years before the 2024 reform are of a smaller territory: flagged, never a growth rate
    flags = values_for("bishkek").query("indicator_id == 'population'").set_index("year")["flags"]
    assert "territorial_change" in flags[2023] and "territorial_change" not in flags[2024]


def test_ratios_divide_by_the_population_of_the_territory_drawn():
    outline = shapely.geometry.shape(json.loads((RAW_DIR / "osm_city_boundaries/bishkek.geojson").read_text())
                                     ["features"][0]["geometry"])
    bishkek = latest_for("bishkek")
    area = bishkek.loc["boundary_area", "value"]
    assert 160 < area < 167  # the city before the 2024 reform, as the raw outline draws it
    assert bishkek.loc["population_density", "value"] == pytest.approx(_nsc("Bishkek City", 2023) / area, abs=0.1)
    assert bishkek.loc["health_facilities_per_10k", "value"] == pytest.approx(
        bishkek.loc["health_facilities_osm", "value"] / _nsc("Bishkek City", 2023) * 10_000, abs=0.01)
    assert outline.is_valid
    osh = latest_for("osh")  # a ~31 km² core of a city of 473,500: no ratio at all (it read 10,392 per km²)
    for ratio in ("population_density", "health_facilities_per_10k"):
        assert np.isnan(osh.loc[ratio, "value"]) and osh.loc[ratio, "note_key"] == "note.no_ratio_approximate"


@pytest.mark.slow
def test_a_geonames_population_is_labelled_undated_wherever_it_goes():
    for city in member_cities():
        latest = latest_for(city.id)
        if city.population.source.startswith("GeoNames"):
            assert "undated" in latest.loc["population", "flags"].split(";"), city.id
            if not np.isnan(latest.loc["population_density", "value"]):
                assert "undated" in latest.loc["population_density", "flags"].split(";"), city.id


# --- no imputed value as a fact; each country's own statistics ----------------------------------------------------


def _ranking_cell(region: str, column: str) -> float:
    with open(RAW_DIR / "open_data_kz/city-ranking-main/data/cleaned_data.csv", encoding="utf-8") as f:
        return float(next(r[column] for r in csv.DictReader(f) if r["Region"] == region))


def test_imputed_cells_are_flagged_and_never_ranked():
    semey = values_for("semey").set_index("indicator_id")  # Semey lies in Abai Region, created in 2022
    gdp = semey.loc["gdp_per_capita"]
    assert gdp["value"] == _ranking_cell("Abai Region", "gdp_per_capita")
    assert "imputed" in gdp["flags"].split(";")
    # Abai's value is the mean of five other regions' values, written with more decimals than the column's own
    with open(RAW_DIR / "open_data_kz/city-ranking-main/data/cleaned_data.csv", encoding="utf-8") as f:
        others = [float(r["gdp_per_capita"]) for r in csv.DictReader(f) if r["Region"] != "Abai Region"]
    import itertools
    assert any(abs(sum(c) / 5 - gdp["value"]) < 1e-6 for c in itertools.combinations(others, 5))
    rows = pd.DataFrame({"indicator_id": "gdp_per_capita", "city_id": ["semey", "almaty", "astana"],
                         "value": [gdp["value"], 8985.6, 8053.9], "flags": ["imputed;regional", "", ""],
                         "level": "region"})
    ranked = rank_cities(rows, "gdp_per_capita").set_index("city_id")
    assert np.isnan(ranked.loc["semey", "rank"]) and ranked.loc["almaty", "rank"] == 1
    assert normalised_scores(rows).set_index("city_id")["score"].isna()["semey"]


def test_a_cell_that_cannot_be_told_from_an_imputed_one_is_left_out():
    # unemployment is written with one decimal: a measured 4.6 % may equal a mean of five others by chance
    assert np.isnan(latest_for("astana").loc["unemployment_rate", "value"])
    regional = read_table("regional_stats")
    assert regional.query("indicator_id == 'unemployment_rate'")["area"].nunique() < 19


def test_a_kyrgyz_city_lists_no_kazakh_bureau_statistic_and_no_tenge():
    for city_id in ("bishkek", "osh", "jalal-abad"):
        values = values_for(city_id)
        assert not values["unit"].str.contains("tenge").any(), city_id
        assert "life_expectancy" not in set(values["indicator_id"])


def test_regional_values_from_before_a_region_split_say_so():
    karaganda = values_for("karaganda").query("indicator_id == 'region_population'").set_index("year")["flags"]
    assert "territorial_change" in karaganda[2021] and "territorial_change" not in karaganda[2022]  # Ulytau, 2022


# --- one peer median, comparisons on one year ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def network():
    return pd.concat([values_for(c.id) for c in member_cities()], ignore_index=True)


def test_the_peer_median_is_of_the_same_year_and_level(network):
    standing = peer_standing(network, "astana", "pm25_annual_mean", "city", 2022)
    same_year = network[(network["indicator_id"] == "pm25_annual_mean") & (network["year"] == 2022)
                        & (network["level"] == "city")].dropna(subset=["value"])
    assert standing.median == pytest.approx(float(np.median(same_year["value"])))
    assert standing.ranked == len(same_year) and standing.rank >= 1


def test_the_profile_and_the_dossier_give_the_same_median(network):
    from streamlit.testing.v1 import AppTest

    from geo.dossier import CityEntries, build_dossier
    from geo.i18n import translate
    from geo.indicators import INDICATORS
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.query_params.update({"city": "astana", "lang": "en"})
    at.run()
    at.switch_page("pages/profile.py").run()
    assert not at.exception
    dossier = build_dossier(get_city("astana"), latest_values(values_for("astana")), network, CityEntries(), "en")
    by_label = {}
    for metric in at.metric:
        if metric.proto.delta:
            by_label[metric.label.split(" (")[0]] = float(metric.proto.delta.split("median ")[-1].replace(",", ""))
    compared = 0
    for indicator_id, spec in INDICATORS.items():
        figure = dossier.figure(indicator_id)
        if figure is None or not figure.median:
            continue
        key, params = spec.name
        label = f"{translate(key, 'en', **params)}, {translate(f'unit.{spec.unit}', 'en')}"
        if label in by_label:
            assert by_label[label] == pytest.approx(float(figure.median.replace(",", "")), abs=0.051), indicator_id
            compared += 1
    assert compared >= 5


# --- provenance in the command line ----------------------------------------------------------------------------


def test_the_command_line_carries_licence_flags_and_notes(capsys):
    from geo.__main__ import main
    assert main(["indicators", "--city", "karaganda"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {"licence", "flags", "note"} <= set(rows[0])
    population = next(r for r in rows if r["indicator_id"] == "population")
    assert population["flags"] == "undated" and population["licence"] == "CC BY 4.0 (GeoNames)"
    life = [r for r in rows if r["indicator_id"] == "life_expectancy"]
    assert life and all("regional" in r["flags"].split(";") for r in life)
    pm25 = next(r for r in rows if r["indicator_id"] == "pm25_annual_mean")
    assert pm25["value"] == "" and "outside" in pm25["note"]
    assert main(["indicators", "--city", "almaty"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    air = [r for r in rows if r["indicator_id"] == "pm25_annual_mean" and r["value"]]
    assert air and all(r["licence"].startswith("CC BY-NC 4.0") for r in air)
    assert MIN_QUARTER_SHARE == 0.75


def test_the_licence_table_covers_every_raw_file_the_build_reads():
    from fnmatch import fnmatch

    from geo.build import RAW_FILES
    table = (RAW_DIR / "LICENSES.md").read_text(encoding="utf-8")
    patterns = [p.strip().replace("(.gz)", "*") for line in table.splitlines() if line.startswith("| ")
                for p in line.split("|")[1].split(",")]
    data_files = [rel for rel in RAW_FILES if not rel.endswith((".md", "LICENSE"))]
    uncovered = [rel for rel in data_files if not any(fnmatch(rel, p) for p in patterns)]
    assert not uncovered


def test_compare_ranks_like_with_like(network):
    """A region's value (Karaganda's life expectancy is Karaganda Region's) never ranks among cities' own values."""
    from geo.indicators import compared_values
    table = compared_values(network, ["astana", "almaty", "karaganda"], ["life_expectancy"]).set_index("city_id")
    assert table.loc["karaganda", "level"] == "region" and table.loc["karaganda", "rank"] == 1  # alone among regions
    cities = table[table["level"] == "city"].sort_values("value", ascending=False)
    assert list(cities["rank"]) == [1, 2] and (table["year"] == table["compared_year"]).all()
    scores = normalised_scores(table.reset_index()).set_index("city_id")["score"]
    assert scores["karaganda"] == 1  # min-max among its own level only
