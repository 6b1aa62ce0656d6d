"""Cycling and walking indicators of the demo extract, against geodesic lengths measured independently."""
import math

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod

from geo.cities import get_city
from geo.embedded import read_layer
from geo.mobility import mobility_figures

GEOD = Geod(ellps="WGS84")
DEMO = get_city("helsinki-demo")


def _layer(layer_id):
    frame = read_layer(layer_id)
    return frame[frame["city_id"] == DEMO.id]


def _geodesic_km(frame: gpd.GeoDataFrame) -> float:
    return sum(GEOD.geometry_length(g) for g in frame.geometry) / 1000


def test_demo_cycling_figures_match_geodesic_lengths():
    area = float(_layer("boundary")["area_km2"].iloc[0])
    cycleways, footways = _layer("cycleways"), _layer("footways")
    figures = mobility_figures(DEMO, area, _layer("walking_network"), cycleways, footways)
    assert figures["cycleway_km_per_km2"] == pytest.approx(_geodesic_km(cycleways) / area, rel=0.01)
    pedestrian = footways[footways["kind"].isin(["pedestrian", "living_street"])]
    assert figures["pedestrian_street_km"] == pytest.approx(_geodesic_km(pedestrian), rel=0.01)
    assert 0 < figures["cycle_street_share"] < 100 and 0 < figures["cycle_network_connected"] <= 100
    assert "cycleway_km_per_10k" not in figures  # the extract's population is unknown: no per-resident figure


def test_connectedness_counts_the_largest_piece_and_no_network_means_unknown():
    crs = DEMO.crs
    lines = gpd.GeoDataFrame({"kind": ["dedicated"] * 3}, geometry=[
        shapely.LineString([(0, 0), (300, 0)]), shapely.LineString([(300, 0), (300, 300)]),
        shapely.LineString([(1000, 0), (1400, 0)])], crs=crs)
    walking = lines.assign(kind="residential")
    figures = mobility_figures(DEMO, 1.0, walking, lines, lines.iloc[0:0])
    assert figures["cycle_network_connected"] == pytest.approx(60.0)
    assert figures["cycle_street_share"] == 0.0  # none of the cycleways is a lane on a street
    assert mobility_figures(DEMO, 1.0, walking.iloc[0:0], lines, lines) == {}
    assert math.isclose(figures["cycleway_km_per_km2"], 1.0)
