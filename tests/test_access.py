"""The accessibility engine: exact against networkx on the real Helsinki network, what-if equal to recomputation."""
import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import access
from geo.cities import get_city
from geo.embedded import read_layer
from geo.network import largest_component_share, network_from_lines
from tests.reference_networkx import multi_source_distances, per_origin_distance, reference_graph

DEMO = get_city("helsinki-demo")


def _city(layer_id: str) -> gpd.GeoDataFrame:
    frame = read_layer(layer_id)
    return frame[frame["city_id"] == DEMO.id]


@pytest.fixture(scope="module")
def helsinki():
    network, origins = network_from_lines(_city("walking_network"), DEMO.crs)
    facilities = _city("health_facilities").to_crs(DEMO.crs)
    return network, origins, np.column_stack([facilities.geometry.x, facilities.geometry.y])


def test_engine_equals_networkx_dijkstra_for_every_origin(helsinki):
    network, origins, facility_xy = helsinki
    snap = access.snap_to_network(network, facility_xy)
    engine = access.origin_distances(origins, access.node_distances(network, snap))
    graph = reference_graph(network, origins, snap)
    reference = multi_source_distances(graph, len(origins))
    assert len(origins) > 3000
    assert np.array_equal(np.isfinite(engine), np.isfinite(reference))
    finite = np.isfinite(engine)
    assert finite.mean() > 0.95  # nearly every origin reaches a facility in the connected centre
    np.testing.assert_allclose(engine[finite], reference[finite], rtol=0, atol=1e-6)
    for origin in (0, len(origins) // 2, len(origins) - 1):  # and the per-origin way scripts usually take
        assert engine[origin] == pytest.approx(per_origin_distance(graph, origin), abs=1e-6)


def test_network_distance_is_never_shorter_than_the_straight_line(helsinki):
    network, origins, facility_xy = helsinki
    engine = access.origin_distances(origins, access.node_distances(network, access.snap_to_network(network, facility_xy)))
    crow = access.straight_line_distances(origins.xy, facility_xy, detour_factor=1.0)
    finite = np.isfinite(engine)
    assert (engine[finite] >= crow[finite] - 1e-6).all()


def test_what_if_equals_full_recomputation(helsinki):
    network, origins, facility_xy = helsinki
    before = access.node_distances(network, access.snap_to_network(network, facility_xy))
    proposals = np.array([[origins.xy[:, 0].min() + 50, origins.xy[:, 1].min() + 50], origins.xy[len(origins) // 3]])
    after = access.with_proposal(network, before, proposals)
    full = access.node_distances(network, access.snap_to_network(network, np.vstack([facility_xy, proposals])))
    np.testing.assert_allclose(after, full, rtol=0, atol=1e-9)
    gained, _ = access.newly_within(access.origin_distances(origins, before), access.origin_distances(origins, after), 500)
    assert gained > 0


def test_shared_vertices_join_ways_and_origins_are_about_30_m_apart():
    crs = DEMO.crs
    lines = gpd.GeoSeries([shapely.LineString([(0, 0), (100, 0)]), shapely.LineString([(100, 0), (100, 100)]),
                           shapely.LineString([(300, 0), (400, 0)])], crs=crs)
    network, origins = network_from_lines(lines, crs)
    assert network.n_nodes == 5 and network.length_km == pytest.approx(0.3)
    assert largest_component_share(network) == pytest.approx(2 / 3)
    assert len(origins) == 3 * 3  # round(100 / 30) = 3 evenly spread points on each 100 m line
    snap = access.snap_to_network(network, np.array([[0.0, 10.0]]))  # 10 m from the node at (0, 0)
    distance = access.origin_distances(origins, access.node_distances(network, snap))
    first_line = distance[:3]
    np.testing.assert_allclose(first_line, 10 + np.array([100 / 6, 50, 500 / 6]))
    assert np.isinf(distance[6:]).all()  # the separate line cannot be reached


def test_population_weights_share_each_district_among_its_origins():
    districts = gpd.GeoDataFrame({"population": [1000.0, np.nan]},
                                 geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)], crs=DEMO.crs)
    xy = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [15.0, 5.0], [50.0, 50.0]])
    weights = access.district_weights(xy, districts)
    np.testing.assert_allclose(weights[:3], 1000 / 3)
    assert np.isnan(weights[3:]).all()
    summary = access.summarise(np.array([100.0, 600.0, 900.0, 100.0, 100.0]), (500, 1000), weights)
    assert summary.share_points == (0.6, 1.0)
    assert summary.share_people == pytest.approx((1 / 3, 1.0))
    assert summary.people_covered == pytest.approx(0.6)


def test_straight_line_fallback_applies_the_stated_detour_factor():
    origins = access.grid_points(shapely.box(0, 0, 1000, 1000), spacing_m=100)
    assert len(origins) == 100
    distance = access.straight_line_distances(origins, np.array([[50.0, 50.0]]))
    assert distance.min() == 0
    assert distance.max() == pytest.approx(np.hypot(900, 900) * access.DETOUR_FACTOR)


def test_cells_keep_the_map_bounded_and_outline_the_underserved(helsinki):
    network, origins, facility_xy = helsinki
    distance = access.origin_distances(origins, access.node_distances(network, access.snap_to_network(network, facility_xy)))
    size = access.cell_size_for(origins.xy, max_cells=300)
    cells = access.distance_cells(origins.xy, distance, DEMO.crs, size, 500)
    assert len(cells) <= 300 and cells["points"].sum() == len(origins)
    outline = access.underserved_area(cells, 500)
    beyond = cells[cells["median_m"] > 500]
    assert outline.area.sum() == pytest.approx(beyond.area.sum())


def test_a_whole_region_gets_a_coarser_grid_not_millions_of_origins():
    region = shapely.box(0, 0, 400_000, 400_000)  # 160,000 km², the size of a Kazakh region
    spacing = access.grid_spacing(region)
    assert spacing > access.GRID_SPACING_M and region.area / spacing ** 2 <= access.MAX_GRID_POINTS
    assert access.grid_spacing(shapely.box(0, 0, 10_000, 10_000)) == access.GRID_SPACING_M


def test_of_two_parallel_segments_the_shorter_carries_the_walk():
    from geo.network import network_from_arrays
    xy = np.array([[0.0, 0.0], [5.0, 0.0], [5.0, 7.0]])
    network = network_from_arrays(DEMO.crs, xy, np.array([0, 1, 0, 1]), np.array([1, 0, 1, 2]),
                                  np.array([10.0, 5.0, 8.0, 7.0]))
    assert len(network.edge_u) == 2 and sorted(network.edge_length) == [5.0, 7.0]
    distance = access.node_distances(network, access.snap_to_network(network, np.array([[0.0, 0.0]])))
    np.testing.assert_allclose(distance, [0.0, 5.0, 12.0])
