"""The embedded-data build: reproducible, fresh, and right when checked against the raw files by another path."""
import csv
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geo import build
from geo.air import annual_stats
from geo.cities import get_city
from geo.embedded import read_layer, read_table
from geo.errors import DataMissingError
from geo.layers import LAYERS
from geo.paths import EMBEDDED_DIR, RAW_DIR

GEOD = Geod(ellps="WGS84")


def bishkek_annual():
    air = read_table("air_daily")
    return annual_stats(air[(air["city_id"] == "bishkek") & (air["pollutant"] == "pm25")])


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("embedded")
    build.build(RAW_DIR, out)
    return out


@pytest.mark.slow
def test_committed_embedded_data_is_exactly_what_the_build_makes(rebuilt):
    for committed in sorted(EMBEDDED_DIR.iterdir()):
        assert (rebuilt / committed.name).read_bytes() == committed.read_bytes(), (
            f"{committed.name} is stale: run `python -m geo.build`")


@pytest.mark.slow
def test_manifest_counts_match_the_layers(rebuilt):
    manifest = json.loads((rebuilt / "manifest.json").read_text())
    for layer_id in ("boundary", "city_centres", "districts", "health_facilities", "air_stations"):
        assert manifest[layer_id]["rows"] == len(gpd.read_parquet(rebuilt / f"{layer_id}.parquet"))
    assert manifest["air_daily"]["rows"] == len(pd.read_parquet(rebuilt / "air_daily.parquet"))


def _raw_polygon(city_id):
    city = get_city(city_id)
    raw = gpd.read_file(RAW_DIR / city.boundary_source)
    for column, value in city.boundary_match.items():
        raw = raw[raw[column].astype(str) == value]
    return raw.geometry.iloc[0]


def test_areas_agree_with_geodesic_area_of_the_raw_polygons():
    boundaries = read_layer("boundary").set_index("city_id")
    for city_id, area_km2 in boundaries["area_km2"].items():
        if get_city(city_id).boundary_quality == "extract":
            continue  # a bounding box, checked in test_osm
        geodesic_km2 = GEOD.geometry_area_perimeter(shapely.orient_polygons(_raw_polygon(city_id)))[0] / 1e6
        tolerance = 0.02 if get_city(city_id).boundary_quality == "region_only" else 0.005
        assert area_km2 == pytest.approx(geodesic_km2, rel=tolerance), city_id


def test_bishkek_area_is_the_documented_163_5_km2():
    assert read_layer("boundary").set_index("city_id").loc["bishkek", "area_km2"] == pytest.approx(163.5, abs=0.5)


def test_osh_is_the_approximate_31_km2_hole():
    osh = read_layer("boundary").set_index("city_id").loc["osh"]
    assert osh["boundary_quality"] == "approximate"
    assert osh["area_km2"] == pytest.approx(31.0, abs=0.2)


def test_jalal_abad_facilities_match_a_point_in_polygon_count_on_the_raw_files():
    raw_points = gpd.read_file(RAW_DIR / "prism_kgz/hotosm_kgz_health_facilities_points_geojson.json")
    expected = int(raw_points.within(_raw_polygon("jalal-abad")).sum())
    embedded = read_layer("health_facilities")
    assert expected == 32  # as SOURCES.md reports
    assert (embedded["city_id"] == "jalal-abad").sum() == expected


def test_osm_facilities_come_from_the_kyrgyz_export_the_demo_and_the_cities_own_osm_data():
    cities = set(read_layer("health_facilities")["city_id"])
    assert cities == {"bishkek", "osh", "jalal-abad", "helsinki-demo", "almaty", "astana"}


def test_placeholder_coordinates_are_flagged_exactly_where_sites_share_one():
    with open(RAW_DIR / "airdata_kz/stations_from_hourly_pm25_astana_karaganda.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    coords = [(r["lat"], r["lon"]) for r in rows]
    shared = {r["station_id"] for r, c in zip(rows, coords) if coords.count(c) > 1}
    assert len(shared) == 6
    stations = read_layer("air_stations")
    flagged = set(stations.loc[stations["placeholder_coordinate"], "station_id"])
    assert shared <= flagged  # the OpenAQ stations at Astana's centroid
    xy = list(zip(stations.geometry.x.round(5), stations.geometry.y.round(5)))
    names_at = {}
    for point, name in zip(xy, stations["station_name"]):
        names_at.setdefault(point, set()).add(name)
    expected = {sid for sid, point in zip(stations["station_id"], xy) if len(names_at[point]) > 1}
    assert flagged == expected


def test_stations_go_to_the_city_whose_area_holds_them():
    stations = read_layer("air_stations").set_index("station_id")
    assert stations.loc["kgmt_43", "city_id"] == "zhezkazgan"  # near Satpayev, Ulytau region
    # Temirtau lies outside Karaganda's city outline (since the Atlas draws the city, not its region): no
    # city's station, by an independent point-in-polygon test on the raw outline.
    outline = gpd.read_file(RAW_DIR / "city_districts/karaganda.geojson").geometry.iloc[0]
    assert not shapely.Point(72.996481, 50.051568).within(outline) and "kgmt_63" not in stations.index
    astana = stations[stations["city_id"] == "astana"]
    assert (astana["series"] == "PM2.5").sum() == 13  # the stations of the hourly PM2.5 file


def test_every_located_registry_site_inside_a_city_is_drawn_there():
    """Checked by shapely on the raw Astana and Almaty polygons and the raw registry (its city field ignored)."""
    regions = gpd.read_file(RAW_DIR / "osmb_kz/OSMB-KZ_obl.geojson").set_index("name")
    stations = read_layer("air_stations").set_index("station_id")
    with open(RAW_DIR / "more_open_data/air/airdata_kz_stations_registry_06f3772f.csv", newline="",
              encoding="utf-8") as f:
        registry = [r for r in csv.DictReader(f) if r["lat"] and r["lon"]]
    low_cost = {(r["name"], r["lat"], r["lon"]) for r in registry if r["source"] == "airgradient"}
    for city_id, name in (("astana", "Astana"), ("almaty", "Almaty")):
        outline = regions.loc[name, "geometry"]
        inside = {r["station_id"] for r in registry
                  if outline.contains(shapely.Point(float(r["lon"]), float(r["lat"])))
                  and not (r["station_id"].startswith("oaq_") and (r["name"], r["lat"], r["lon"]) in low_cost)}
        drawn = set(stations.index[stations["city_id"] == city_id])
        assert len(inside) > 10 and inside <= drawn, city_id
    assert stations.loc["us_embassy_bishkek", "city_id"] == "bishkek"
    assert stations.loc["us_embassy_bishkek", "series"] == "PM2.5"
    assert set(stations.loc[stations["series"] == "", "n_hours"]) == {0}  # drawn where they stand, no series
    assert "CC BY-NC 4.0" in LAYERS["air_stations"].licence


def test_bishkek_2021_annual_mean_recomputed_from_the_hourly_files():
    # Each yearly file also holds the first hours of the next year: read the neighbours too.
    hours = {}
    for year in (2020, 2021, 2022):
        with open(RAW_DIR / f"airnow_bishkek/AirBishkek{year}.csv", newline="") as f:
            for row in csv.DictReader(f):
                value = float(row["Raw Conc."])
                if row["Year"] == "2021" and row["QC Name"] == "Valid" and value >= 0:
                    hours[(row["Month"], row["Day"], row["Hour"])] = value
    daily = {}
    for (month, day, _hour), value in hours.items():
        daily.setdefault((month, day), []).append(value)
    means = [sum(v) / len(v) for v in daily.values() if len(v) >= 18]
    expected = sum(means) / len(means)
    annual = bishkek_annual().set_index("year")
    assert annual.loc[2021, "valid_days"] == len(means)
    assert annual.loc[2021, "mean"] == pytest.approx(expected, abs=0.051)  # shown to 0.1


def test_copy_raw_names_a_missing_source_file(tmp_path):
    with pytest.raises(DataMissingError, match="raw file not found: .*SOURCES.md"):
        build.copy_raw(tmp_path / "empty", tmp_path / "raw")


def test_build_from_an_empty_raw_folder_says_how_to_get_the_files(tmp_path):
    with pytest.raises(DataMissingError, match=r"raw file missing: .*; run `python -m geo.build --copy-raw"):
        build.build(tmp_path, tmp_path / "out")


def test_a_catalogue_match_that_finds_no_feature_is_refused():
    from dataclasses import replace
    wrong = replace(get_city("almaty"), boundary_match={"name": "Almaty-on-Sea"})
    with pytest.raises(DataMissingError, match=r"almaty: boundary_match \{'name': 'Almaty-on-Sea'\} finds 0 "
                                               r"features in osmb_kz/OSMB-KZ_obl.geojson, expected exactly 1"):
        build.build_boundaries((wrong,), RAW_DIR)


def test_every_embedded_quality_flag_is_a_documented_one():
    from geo.air import HOURLY_FLAGS, QC_FLAGS
    assert set(read_table("air_daily")["qc_flag"]) <= set(QC_FLAGS)
    assert set(read_table("air_hourly_qc")["flag"]) <= set(HOURLY_FLAGS)
