"""Key figures: computed from real and hand-made data, and unknown stays unknown (NaN with a reason), never 0."""
import math

import pandas as pd
import pytest

from geo.cities import get_city
from geo.i18n import catalogue
from geo.indicators import INDICATORS, city_figures
from geo.store import read_layer, read_table


def figures_for(city_id):
    def rows(frame):
        return frame[frame["city_id"] == city_id]
    air = read_table("air_daily")
    return city_figures(get_city(city_id), rows(read_layer("boundary")), rows(read_layer("health_facilities")),
                        rows(air[air["pollutant"] == "pm25"])).set_index("indicator_id")


def test_registry_directions_and_references_are_well_formed():
    for spec in INDICATORS.values():
        assert spec.direction in {"higher_is_better", "lower_is_better", "neutral"}
        if spec.reference:
            assert spec.reference.label_key in catalogue()["en"]
    assert INDICATORS["pm25_annual_mean"].reference.value == 5  # WHO AQG 2021
    assert INDICATORS["co_p99_daily"].reference.value == 4000  # 4 mg/m³ in µg/m³
    assert "no2_annual_mean" in INDICATORS and "so2_annual_mean" not in INDICATORS  # SO2 has no annual AQG


def test_every_indicator_name_translates():
    from geo.i18n import translate
    for spec in INDICATORS.values():
        key, params = spec.name
        assert translate(key, "ru", **params)


def test_bishkek_figures_follow_from_its_data():
    figures = figures_for("bishkek")
    assert figures.loc["population", "value"] == 900_000
    assert figures.loc["health_facilities_osm", "value"] == 540
    assert figures.loc["health_facilities_per_10k", "value"] == pytest.approx(540 / 900_000 * 10_000, abs=0.01)
    assert figures.loc["population_density", "value"] == pytest.approx(900_000 / 163.5, abs=0.1)
    assert figures.loc["pm25_annual_mean", "year"] == "2022"  # 2023 has only January to March
    assert figures.loc["pm25_annual_mean", "note_params"]["days"] >= 274


def test_kazakh_city_without_facility_data_reports_no_data_not_zero():
    figures = figures_for("almaty")
    for indicator in ("health_facilities_osm", "health_facilities_per_10k"):
        assert math.isnan(figures.loc[indicator, "value"])
        assert figures.loc[indicator, "note_key"] == "note.no_facilities"


def test_region_only_city_has_region_area_and_no_density():
    figures = figures_for("karaganda")
    assert figures.loc["boundary_area", "level"] == "region"
    assert figures.loc["boundary_area", "value"] > 100_000  # Karaganda Region, not the city
    assert math.isnan(figures.loc["population_density", "value"])


def test_city_without_pm25_says_so():
    figures = figures_for("osh")
    assert math.isnan(figures.loc["pm25_annual_mean", "value"])
    assert figures.loc["pm25_annual_mean", "note_key"] == "note.no_pm25"


def test_hand_made_city_with_only_an_incomplete_year(square_km_boundary, two_points):
    days = pd.date_range("2021-01-01", periods=100, freq="D")
    daily = pd.DataFrame({"city_id": "bishkek", "pollutant": "pm25", "date": days, "value": 30.0,
                          "qc_flag": "ok", "source": "test"})
    figures = city_figures(get_city("bishkek"), square_km_boundary, two_points, daily).set_index("indicator_id")
    assert figures.loc["health_facilities_osm", "value"] == 2
    assert figures.loc["population_density", "value"] == 900_000  # 1 km² square
    assert math.isnan(figures.loc["pm25_annual_mean", "value"])
    assert figures.loc["pm25_annual_mean", "note_key"] == "note.pm25_incomplete"
