"""What reaches the browser: trimmed to the shown columns, simplified in metres, WGS84, JSON-safe."""
import json

import geopandas as gpd
import shapely

from geo.display import display_frame
from geo.embedded import read_layer
from geo.layers import LAYERS


def test_only_tooltip_columns_are_kept_and_unknown_numbers_say_so():
    districts = read_layer("districts")
    shown = display_frame(districts[districts["city_id"] == "shymkent"], LAYERS["districts"], "EPSG:32642", lang="en")
    assert list(shown.columns) == ["name", "name_ru", "population", "population_precision", "poverty_pct", "geometry"]
    assert shown["population"].tolist() == ["no data"] * 4  # not attached (outlines differ): said, never NaN or 0
    shown = display_frame(districts[districts["city_id"] == "bishkek"], LAYERS["districts"], "EPSG:32643", lang="ru")
    population = districts.loc[districts["city_id"] == "bishkek", "population"]
    assert shown["population"].tolist()[0] == f"{population.iloc[0]:,.0f}".replace(",", "\xa0")  # "1 234" in ru
    json.loads(shown.to_json())  # JSON-safe


def test_simplification_in_metres_cuts_vertices_but_keeps_the_shape():
    boundary = read_layer("boundary")
    bishkek = boundary[boundary["city_id"] == "bishkek"]
    shown = display_frame(bishkek, LAYERS["boundary"], "EPSG:32643", tolerance_m=100, lang="en")
    before = shapely.get_num_coordinates(bishkek.geometry.iloc[0])
    after = shapely.get_num_coordinates(shown.geometry.iloc[0])
    assert after < before / 2
    area = gpd.GeoSeries(shown.geometry, crs="EPSG:4326").to_crs("EPSG:32643").area.iloc[0] / 1e6
    assert abs(area - bishkek["area_km2"].iloc[0]) / bishkek["area_km2"].iloc[0] < 0.01
    assert shown.crs == "EPSG:4326"


def test_geometry_reaches_the_browser_in_two_dimensions():
    raw = read_layer("districts")
    shown = display_frame(raw[raw["city_id"] == "bishkek"], LAYERS["districts"], "EPSG:32643", 50, lang="en")
    assert not shown.has_z.any()


def test_points_are_not_simplified_and_keep_their_position(two_points):
    shown = display_frame(two_points, LAYERS["health_facilities"], "EPSG:32643", tolerance_m=100, lang="en")
    assert shown.geometry.x.round(5).tolist() == [74.6, 74.61]


def test_coordinate_rounding_follows_the_simplification():
    from geo.display import display_grid_deg
    assert display_grid_deg(0) == 1e-5 and display_grid_deg(5) == 1e-5  # street scale: ~1 m
    assert display_grid_deg(150) == 1e-4  # region scale: ~11 m, under half the 150 m tolerance
    assert display_grid_deg(3000) == 1e-2  # 3 km: 0.0135° half-tolerance rounds down to 0.01°
