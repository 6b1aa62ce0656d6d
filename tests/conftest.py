"""Shared fixtures: small hand-made frames with answers computable by hand. Tests never see a developer's
own fetched or imported layers: the user store points at an empty folder of the test session."""
import os
import tempfile

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geo.layers import STORAGE_CRS

os.environ["ATLAS_USER_DIR"] = tempfile.mkdtemp(prefix="atlas-test-user-")


@pytest.fixture
def square_km_boundary() -> gpd.GeoDataFrame:
    """A 1 km × 1 km square in UTM 43N (Bishkek's zone), stored in WGS84 like every layer."""
    square = gpd.GeoSeries([box(500_000, 4_745_000, 501_000, 4_746_000)], crs="EPSG:32643")
    return gpd.GeoDataFrame({"city_id": ["test"], "name": ["Test"], "boundary_quality": ["osm"], "area_km2": [1.0],
                             "source": ["hand-made"], "licence": ["CC0"]}, geometry=square.to_crs(STORAGE_CRS))


@pytest.fixture
def two_points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"city_id": ["test", "test"], "osm_id": ["node/1", "node/2"], "name": ["A", None],
                             "facility_type": ["clinic", "pharmacy"], "source": ["x", "x"], "licence": ["y", "y"]},
                            geometry=[Point(74.6, 42.87), Point(74.61, 42.88)], crs=STORAGE_CRS)
