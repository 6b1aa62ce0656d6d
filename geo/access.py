"""Walking access: distance from every origin to the nearest facility, along the network or, lacking one, by a
straight line times a stated detour factor. One vectorised Dijkstra from a virtual source joined to every
facility gives every node's distance to its nearest facility at once, exactly."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo.cities import City
from geo.errors import DataMissingError
from geo.mobility import drive_network_only
from geo.network import Origins, WalkNetwork, network_from_lines

THRESHOLDS_M = (500, 1000)
WALK_SPEED_KMH = 4.8  # an assumed adult walking pace: 10 min = 800 m, 15 min = 1,200 m
WALK_MINUTES = (10, 15)
DETOUR_FACTOR = 1.3  # straight-line fallback: streets are assumed 30 % longer than the crow flies (approximate)
GRID_SPACING_M = 100.0  # straight-line fallback: origins on a regular grid inside the city
MAX_GRID_POINTS = 200_000  # a larger area (a whole region) gets a coarser grid, said on the page
DISTRICT_INSIDE_SHARE = 0.9  # a district weights origins only when this share of its area is inside the city


@dataclass(frozen=True)
class AccessTarget:
    """A kind of destination: the layer it comes from and, where the layer mixes kinds, which of them count;
    the distances its indicators are given at; whether a facility of it can be sited at a point."""
    layer_id: str
    kinds: tuple[str, ...] = ()  # facility_type (health) or kind (OSM layers); empty: every feature
    edge_points: bool = False  # areas (parks) and lines (cycleways) are reached at points along their edges
    thresholds_m: tuple[int, ...] = THRESHOLDS_M
    sited: bool = True  # a point facility a plan can add (not a cycleway)


CYCLEWAY_M = 300  # ITDP's "people near protected bikeways": within 300 m
PROTECTED_CYCLEWAY_KINDS = ("dedicated", "track")  # own ways and kerb-separated tracks; not painted lanes
ACCESS_TARGETS = {
    "healthcare": AccessTarget("health_facilities", ("hospital", "clinic", "doctors", "dentist",
                                                     "other health facility")),
    "pharmacy": AccessTarget("health_facilities", ("pharmacy",)),
    "park": AccessTarget("parks", edge_points=True),
    "school": AccessTarget("schools", ("school",)),
    "sports": AccessTarget("sports_grounds"),
    "transit": AccessTarget("transit_stops"),
    "cycleway": AccessTarget("cycleways", edge_points=True, thresholds_m=(CYCLEWAY_M,), sited=False),
    "protected_cycleway": AccessTarget("cycleways", PROTECTED_CYCLEWAY_KINDS, edge_points=True,
                                       thresholds_m=(CYCLEWAY_M,), sited=False),
}
SITED_TARGETS = tuple(target_id for target_id, target in ACCESS_TARGETS.items() if target.sited)
# SDG 11.2.1 as UN-Habitat defines it: 500 m to a low-capacity stop (bus, minibus, tram) or 1 km to a
# high-capacity one (rail, metro, ferry). OSM kinds of the transit_stops layer; "platform" may be either and is
# counted as low-capacity (the shorter distance: never overstated).
LOW_CAPACITY_STOPS = AccessTarget("transit_stops", ("bus_stop", "platform", "tram_stop", "bus_station"))
HIGH_CAPACITY_STOPS = AccessTarget("transit_stops", ("station", "subway_entrance", "ferry_terminal"))
SDG_STOP_M, SDG_STATION_M = 500, 1000
BOTH_SERVICES_M = 1000  # ITDP's "people near services": within 1 km of both healthcare and education
MAJOR_ROAD_M = 500  # ITDP's "people not near highways": at least 500 m from a motorway or trunk road
REDUNDANCY_M = 1000  # a second facility within reach: care goes on when the nearest one is closed or full


def destinations(layer: gpd.GeoDataFrame, target: AccessTarget) -> gpd.GeoDataFrame:
    """The features of a city's layer that count as this kind of destination."""
    if not target.kinds:
        return layer
    column = "facility_type" if "facility_type" in layer else "kind"
    return layer[layer[column].isin(target.kinds)]


def minutes_to_metres(minutes: float) -> float:
    return minutes * WALK_SPEED_KMH * 1000.0 / 60.0


@dataclass(frozen=True)
class Snap:
    """Where facilities join the network: their nearest node, and the straight walk to it (metres)."""
    node: np.ndarray
    distance: np.ndarray


def snap_to_network(network: WalkNetwork, xy: np.ndarray) -> Snap:
    """Each point's nearest network node and its distance; the walk from a facility starts with that leg."""
    if len(xy) == 0:
        return Snap(np.zeros(0, dtype=np.int64), np.zeros(0))
    distance, node = network.node_tree.query(np.asarray(xy, dtype=float))
    return Snap(np.asarray(node, dtype=np.int64), np.asarray(distance, dtype=float))


def node_distances(network: WalkNetwork, snap: Snap) -> np.ndarray:
    """Every node's network distance (m) to its nearest facility; inf where none can be reached."""
    n = network.n_nodes
    if len(snap.node) == 0:
        return np.full(n, np.inf)
    # A virtual source (index n, one extra CSR row) with an edge of the snap length to each facility's node.
    base = network.graph
    graph = sp.csr_matrix((np.concatenate([base.data, snap.distance]),
                           np.concatenate([base.indices, snap.node.astype(base.indices.dtype)]),
                           np.append(base.indptr, base.indptr[-1] + len(snap.node))), shape=(n + 1, n + 1))
    return dijkstra(graph, directed=True, indices=n)[:n]


def origin_distances(origins: Origins, node_distance: np.ndarray) -> np.ndarray:
    """Distance (m) from each origin, which sits on a segment, out through either end to the nearest facility;
    for a (sources × nodes) array, from each source separately (sources × origins)."""
    return np.minimum(node_distance[..., origins.u] + origins.offset,
                      node_distance[..., origins.v] + (origins.segment_length - origins.offset))


def with_proposal(network: WalkNetwork, node_distance: np.ndarray, proposal_xy: np.ndarray) -> np.ndarray:
    """Node distances once facilities are added at `proposal_xy`: one Dijkstra per proposal, merged by minimum;
    equal to a full recomputation with the proposals among the facilities."""
    snap = snap_to_network(network, np.atleast_2d(proposal_xy))
    from_new = dijkstra(network.graph, directed=False, indices=snap.node)
    from_new = np.atleast_2d(from_new) + snap.distance[:, None]
    return np.minimum(node_distance, from_new.min(axis=0))


def straight_line_distances(origin_xy: np.ndarray, facility_xy: np.ndarray,
                            detour_factor: float = DETOUR_FACTOR) -> np.ndarray:
    """Approximate walking distance when no network exists: crow-flies distance times the detour factor."""
    if len(facility_xy) == 0:
        return np.full(len(origin_xy), np.inf)
    distance, _ = cKDTree(np.asarray(facility_xy, dtype=float)).query(np.asarray(origin_xy, dtype=float))
    return distance * detour_factor


def sample_edge_points(features: gpd.GeoDataFrame, crs: str, spacing_m: float = 50.0) -> np.ndarray:
    """Points every `spacing_m` metres around polygons and along lines (in `crs`): where a park or a cycleway
    can be entered, approximately."""
    if features.empty:
        return np.zeros((0, 2))
    shapes = features.geometry.to_crs(crs)
    polygonal = shapes.geom_type.isin(("Polygon", "MultiPolygon")).to_numpy()
    edges = gpd.GeoSeries(np.where(polygonal, shapes.boundary.values, shapes.values), crs=crs)
    rings = edges.explode(index_parts=False)
    lengths = rings.length.to_numpy()
    counts = np.maximum(1, np.ceil(lengths / spacing_m)).astype(int)
    ring_of_point = np.repeat(np.arange(len(rings)), counts)
    position = (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)) / counts[ring_of_point]
    points = shapely.line_interpolate_point(rings.values[ring_of_point], position, normalized=True)
    return shapely.get_coordinates(points)


def grid_spacing(area: shapely.Geometry, max_points: int = MAX_GRID_POINTS) -> float:
    """GRID_SPACING_M, or coarser (doubling) where the area would need more than `max_points` origins."""
    spacing = GRID_SPACING_M
    while area.area / spacing ** 2 > max_points:
        spacing *= 2
    return spacing


def grid_points(area: shapely.Geometry, spacing_m: float = GRID_SPACING_M) -> np.ndarray:
    """Points of a regular grid (cell centres) inside a polygon given in metres; the fallback's origins."""
    minx, miny, maxx, maxy = area.bounds
    xs = np.arange(minx + spacing_m / 2, maxx, spacing_m)
    ys = np.arange(miny + spacing_m / 2, maxy, spacing_m)
    gx, gy = np.meshgrid(xs, ys)
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    shapely.prepare(area)
    return xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]


def districts_inside(districts: gpd.GeoDataFrame, boundary: shapely.Geometry) -> gpd.GeoDataFrame:
    """The districts that lie (DISTRICT_INSIDE_SHARE of their area or more) inside the city's boundary, both in
    the city's metric CRS: the city's own districts, not the units around it."""
    if districts.empty:
        return districts
    inside = districts.geometry.intersection(boundary).area / districts.geometry.area
    return districts[(inside >= DISTRICT_INSIDE_SHARE).to_numpy()].reset_index(drop=True)


def exact_population(districts: gpd.GeoDataFrame) -> pd.Series:
    """Each district's population where it is an exact figure; NaN where unknown or only a lower bound."""
    population = districts["population"].astype(float)
    if "population_precision" in districts:
        population = population.where(districts["population_precision"].fillna("") != "lower_bound")
    return population


def district_weights(origin_xy: np.ndarray, districts: gpd.GeoDataFrame) -> np.ndarray:
    """People per origin: each district's population shared equally among the origins inside it.
    NaN for origins outside every district or in a district whose population is unknown or only a lower bound."""
    weights = np.full(len(origin_xy), np.nan)
    if districts.empty or "population" not in districts:
        return weights
    tree = shapely.STRtree(districts.geometry.values)
    points = shapely.points(origin_xy)
    point_index, district_index = tree.query(points, predicate="within")
    first = pd.Series(district_index).groupby(point_index).first()  # a point on a shared border counts once
    counts = first.value_counts()
    population = exact_population(districts).to_numpy(dtype=float)
    weights[first.index.to_numpy()] = population[first.to_numpy()] / counts.loc[first.to_numpy()].to_numpy()
    return weights


@dataclass(frozen=True)
class AccessSummary:
    """Shares of origins (and of people, where known) within each distance; what the page's headline shows."""
    thresholds_m: tuple[float, ...]
    share_points: tuple[float, ...]
    share_people: tuple[float, ...] | None  # None: population unknown for these origins
    people_covered: float  # share of origins with a known population weight (0 when none)
    n_origins: int


def shares(reached: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float | None]:
    """The share of origins where `reached` holds and, where weights are known (people), the share of the
    people of the origins with a known weight; None when no origin's weight is known."""
    if len(reached) == 0:
        raise DataMissingError("no origins to summarise")
    people = None
    if weights is not None and np.isfinite(weights).any():
        known = np.isfinite(weights)
        total = weights[known].sum()
        people = float(weights[known & reached].sum() / total) if total > 0 else None
    return float(np.mean(reached)), people


def summarise(distance: np.ndarray, thresholds_m: tuple[float, ...],
              weights: np.ndarray | None = None) -> AccessSummary:
    """Share within each threshold, of sample points and, where weights are known, of people."""
    both = [shares(distance <= t, weights) for t in thresholds_m]
    share_people = tuple(p for _, p in both) if both and both[0][1] is not None else None
    covered = float(np.isfinite(weights).mean()) if weights is not None and share_people is not None else 0.0
    return AccessSummary(tuple(thresholds_m), tuple(p for p, _ in both), share_people, covered, len(distance))


def newly_within(before: np.ndarray, after: np.ndarray, threshold_m: float,
                 weights: np.ndarray | None = None) -> tuple[int, float | None]:
    """How many origins (and people, where known) a change brings within `threshold_m`."""
    gained = (before > threshold_m) & (after <= threshold_m)
    people = None
    if weights is not None and np.isfinite(weights[gained]).any():
        people = float(np.nansum(weights[gained]))
    return int(gained.sum()), people


def distance_cells(origin_xy: np.ndarray, distance: np.ndarray, crs: str, cell_m: float,
                   threshold_m: float) -> gpd.GeoDataFrame:
    """Origins binned into square cells: median distance and share beyond the threshold per cell, so the map
    draws a bounded number of shapes whatever the number of origins."""
    ix = np.floor(origin_xy[:, 0] / cell_m).astype(np.int64)
    iy = np.floor(origin_xy[:, 1] / cell_m).astype(np.int64)
    frame = pd.DataFrame({"ix": ix, "iy": iy, "distance": distance, "beyond": distance > threshold_m})
    cells = frame.groupby(["ix", "iy"], sort=True).agg(
        median_m=("distance", "median"), points=("distance", "size"), beyond_share=("beyond", "mean")).reset_index()
    boxes = shapely.box(cells.ix * cell_m, cells.iy * cell_m, (cells.ix + 1) * cell_m, (cells.iy + 1) * cell_m)
    return gpd.GeoDataFrame(cells.drop(columns=["ix", "iy"]), geometry=boxes, crs=crs)


def underserved_area(cells: gpd.GeoDataFrame, threshold_m: float) -> gpd.GeoDataFrame:
    """The cells whose median origin lies beyond the threshold, merged into outlined areas."""
    beyond = cells[cells["median_m"] > threshold_m]
    if beyond.empty:
        return gpd.GeoDataFrame({"area_km2": []}, geometry=[], crs=cells.crs)
    merged = shapely.union_all(beyond.geometry.values)
    parts = gpd.GeoSeries([merged], crs=cells.crs).explode(index_parts=False).reset_index(drop=True)
    return gpd.GeoDataFrame({"area_km2": parts.area / 1e6}, geometry=parts, crs=cells.crs)


def cell_size_for(origin_xy: np.ndarray, max_cells: int = 3000, minimum_m: float = 50.0) -> float:
    """The smallest round cell size (50, 100, 200, ... m) that keeps the bounding box under `max_cells` cells."""
    if len(origin_xy) == 0:
        return minimum_m
    width, height = origin_xy.max(axis=0) - origin_xy.min(axis=0)
    size = minimum_m
    while (width / size + 1) * (height / size + 1) > max_cells:
        size *= 2
    return size


CityLayer = Callable[[str], gpd.GeoDataFrame]  # a city's current features of a layer (the layer store's view)


@dataclass(frozen=True)
class AccessModel:
    """Everything the Walking access page shows for one city and destination, computed once (the what-if
    reuses it)."""
    method: str  # "network" | "straight_line"
    grid_m: float  # straight-line fallback: spacing of the origin grid (0 on a network)
    origin_xy: np.ndarray
    distance: np.ndarray
    weights: np.ndarray | None
    facility_xy: np.ndarray
    network: WalkNetwork | None
    origins: Origins | None
    node_distance: np.ndarray | None


def facility_points(city: City, target: AccessTarget, city_layer: CityLayer) -> np.ndarray:
    """Where the destinations of a kind are reached, in metres: points, or points along parks' edges."""
    frame = destinations(city_layer(target.layer_id), target)
    if frame.empty:
        return np.zeros((0, 2))
    if target.edge_points:
        return sample_edge_points(frame, city.crs)
    projected = frame.geometry.to_crs(city.crs)
    return np.column_stack([projected.x, projected.y])


def population_areas(city: City, city_layer: CityLayer) -> gpd.GeoDataFrame:
    """Where the city's people live, in metres: an imported population grid if there is one, else the districts
    inside the city."""
    grid = city_layer("population_grid")
    if len(grid):
        return grid.to_crs(city.crs)
    boundary = city_layer("boundary").to_crs(city.crs).geometry.iloc[0]
    return districts_inside(city_layer("districts").to_crs(city.crs), boundary)


@dataclass(frozen=True)
class SampledCity:
    """The sample points of a city and how distances are measured from them (shared by every destination)."""
    method: str
    grid_m: float
    xy: np.ndarray
    weights: np.ndarray | None
    network: WalkNetwork | None
    origins: Origins | None


def city_origins(city: City, city_layer: CityLayer) -> SampledCity:
    """Sample points along the walking network where the city has one, else a grid inside its boundary; with
    each point's share of the people where a population grid or districts with population exist."""
    lines = city_layer("walking_network")
    if len(lines):
        network, origins = network_from_lines(lines, city.crs)
        xy, method, grid_m = origins.xy, "network", 0.0
    else:
        network = origins = None
        boundary = city_layer("boundary").to_crs(city.crs).geometry.iloc[0]
        grid_m = grid_spacing(boundary)
        xy, method = grid_points(boundary, grid_m), "straight_line"
    areas = population_areas(city, city_layer)
    weights = district_weights(xy, areas) if len(areas) else None
    return SampledCity(method, grid_m, xy, weights, network, origins)


def access_model(city: City, target_id: str, city_layer: CityLayer,
                 sampled: SampledCity | None = None) -> AccessModel | None:
    """Every sample point's distance to its nearest destination of a kind, or None when the city has none."""
    return target_model(city, ACCESS_TARGETS[target_id], city_layer, sampled)


def target_model(city: City, target: AccessTarget, city_layer: CityLayer,
                 sampled: SampledCity | None = None) -> AccessModel | None:
    """access_model for any destination, registered or not (the low-capacity stops of SDG 11.2.1)."""
    facility_xy = facility_points(city, target, city_layer)
    if len(facility_xy) == 0:
        return None
    sampled = sampled or city_origins(city, city_layer)
    if sampled.method == "network":
        node_distance = node_distances(sampled.network, snap_to_network(sampled.network, facility_xy))
        distance = origin_distances(sampled.origins, node_distance)
    else:
        node_distance = None
        distance = straight_line_distances(sampled.xy, facility_xy)
    return AccessModel(sampled.method, sampled.grid_m, sampled.xy, distance, sampled.weights, facility_xy,
                       sampled.network, sampled.origins, node_distance)


def distances_with(model: AccessModel, proposals_xy: np.ndarray) -> np.ndarray:
    """Every origin's distance once facilities stand at `proposals_xy` too (exact on the network): the what-if."""
    if model.method == "network":
        return origin_distances(model.origins, with_proposal(model.network, model.node_distance, proposals_xy))
    return np.minimum(model.distance, straight_line_distances(model.origin_xy, proposals_xy))


@dataclass(frozen=True)
class FacilityFacts:
    """What every share and optimum of a destination kind rests on: how many destinations the city's layer
    holds, whether the layer holds other kinds but none of this one (not asked for, rather than absent), how
    many of them come from OpenStreetMap (whose completeness nobody has checked), and the month of the oldest
    dated OSM source among them ("" when none is dated)."""
    count: int
    kind_missing: bool
    from_osm: int
    dated_month: str

    @property
    def warn(self) -> bool:
        return self.kind_missing or self.from_osm > 0 or bool(self.dated_month)


def facility_facts(city: City, target_id: str, city_layer: CityLayer) -> FacilityFacts:
    """The facts to say before an answer that rests on the destinations of `target_id` (FacilityFacts)."""
    target = ACCESS_TARGETS[target_id]
    layer = city_layer(target.layer_id)
    chosen = destinations(layer, target)
    osm = chosen["licence"].fillna("").str.contains("OpenStreetMap|ODbL", regex=True) if len(chosen) else chosen
    dated = sorted(source.date for name in chosen["source"].dropna().unique()
                   if (source := city.osm_source(name)) and source.dated()) if len(chosen) else []
    return FacilityFacts(len(chosen), len(layer) > 0 and chosen.empty, int(osm.sum()) if len(chosen) else 0,
                         dated[0] if dated else "")


def access_indicator_id(target_id: str, metres: int, people: bool = False) -> str:
    return f"access_{target_id}_{metres}m" + ("_people" if people else "")


SOURCE_BATCH = 64  # facilities whose node distances are held at once: (batch × nodes) floats


def second_nearest_distances(model: AccessModel, limit_m: float) -> np.ndarray:
    """Each origin's distance (m) to its second-nearest destination: exact along the network from each facility
    separately (inf beyond `limit_m`), else straight line times the detour factor; inf with fewer than two."""
    if len(model.facility_xy) < 2:
        return np.full(len(model.distance), np.inf)
    if model.method != "network":
        distance, _ = cKDTree(model.facility_xy).query(model.origin_xy, k=2)
        return distance[:, 1] * DETOUR_FACTOR
    snap = snap_to_network(model.network, model.facility_xy)
    best = np.full((2, len(model.distance)), np.inf)
    for start in range(0, len(snap.node), SOURCE_BATCH):
        nodes, lead = snap.node[start:start + SOURCE_BATCH], snap.distance[start:start + SOURCE_BATCH]
        node_distance = np.atleast_2d(dijkstra(model.network.graph, directed=False, indices=nodes, limit=limit_m))
        each = origin_distances(model.origins, node_distance + lead[:, None])
        best = np.partition(np.vstack([best, each]), 1, axis=0)[:2]
    return best[1]


ROAD_CLASS_KINDS = ("motorway", "trunk", "primary", "secondary", "tertiary", "residential", "unclassified")


def major_road_distances(city: City, city_layer: CityLayer, xy: np.ndarray) -> np.ndarray | None:
    """Straight-line distance (m) from each point to the nearest motorway or trunk road; None where the city's
    street layer has no road classes (nothing known of its roads), inf where it has them and none is major."""
    if not city_layer("walking_network")["kind"].isin(ROAD_CLASS_KINDS).any():
        return None
    roads = city_layer("major_roads")
    if roads.empty:
        return np.full(len(xy), np.inf)
    tree = shapely.STRtree(roads.geometry.to_crs(city.crs).values)
    _, distance = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    return distance


BOTH_SERVICES_INDICATOR = f"access_healthcare_and_school_{BOTH_SERVICES_M}m"
SDG_TRANSIT_INDICATOR = "access_transit_sdg_11_2_1"
SECOND_HEALTHCARE_INDICATOR = f"access_second_healthcare_{REDUNDANCY_M}m"
MAJOR_ROAD_INDICATOR = f"far_from_major_roads_{MAJOR_ROAD_M}m"
COMBINED_ACCESS_INDICATORS = (BOTH_SERVICES_INDICATOR, SDG_TRANSIT_INDICATOR, SECOND_HEALTHCARE_INDICATOR,
                              MAJOR_ROAD_INDICATOR)
ACCESS_LAYERS = ("walking_network", "major_roads", "population_grid", "districts",
                 *dict.fromkeys(target.layer_id for target in ACCESS_TARGETS.values()))


def access_values(city: City, city_layer: CityLayer) -> dict[str, tuple[float, str]]:
    """The walking-access indicators of a city: for each destination kind the share (%) of sample points and,
    where populations are known, of people within its distances; within 1 km of both healthcare and a school;
    SDG 11.2.1's convenient access to transport; at least 500 m from a major road; a second healthcare facility
    within 1 km. Each with the note saying how it was measured. Nothing for a city drawn only as its region (a
    region's share is not a city's); nothing for a kind the city has no destinations of (unknown, not 0)."""
    if city.boundary_quality == "region_only" or city_layer("boundary").empty:
        return {}
    values: dict[str, tuple[float, str]] = {}

    def add(indicator_id: str, reached: np.ndarray, weights: np.ndarray | None, note: str) -> None:
        points, people = shares(reached, weights)
        values[indicator_id] = (round(100 * points, 1), note)
        if people is not None:
            values[f"{indicator_id}_people"] = (round(100 * people, 1), "note.access_people")

    walking = city_layer("walking_network")
    note = ("note.access_straight_line" if walking.empty else "note.access_drive_only"
            if drive_network_only(city, walking) else "note.access_network")  # how every distance was measured
    sampled, models = None, {}
    for target_id, target in ACCESS_TARGETS.items():
        if destinations(city_layer(target.layer_id), target).empty:
            continue
        sampled = sampled or city_origins(city, city_layer)
        models[target_id] = model = access_model(city, target_id, city_layer, sampled)
        for metres in target.thresholds_m:
            add(access_indicator_id(target_id, metres), model.distance <= metres, model.weights, note)
    if sampled is None and walking.empty:
        return values
    sampled = sampled or city_origins(city, city_layer)
    if "healthcare" in models and "school" in models:
        model = models["healthcare"]
        add(BOTH_SERVICES_INDICATOR, np.maximum(model.distance, models["school"].distance) <= BOTH_SERVICES_M,
            model.weights, note)
    if "transit" in models:
        reached = np.zeros(len(sampled.xy), dtype=bool)
        for stops, metres in ((LOW_CAPACITY_STOPS, SDG_STOP_M), (HIGH_CAPACITY_STOPS, SDG_STATION_M)):
            model = target_model(city, stops, city_layer, sampled)
            if model is not None:
                reached |= model.distance <= metres
        add(SDG_TRANSIT_INDICATOR, reached, sampled.weights, note)
    if "healthcare" in models:
        model = models["healthcare"]
        add(SECOND_HEALTHCARE_INDICATOR, second_nearest_distances(model, REDUNDANCY_M) <= REDUNDANCY_M,
            model.weights, note)
    road_distance = major_road_distances(city, city_layer, sampled.xy)
    if road_distance is not None:
        add(MAJOR_ROAD_INDICATOR, road_distance >= MAJOR_ROAD_M, sampled.weights, "note.major_roads")
    return values


def district_shares(model: AccessModel, districts: gpd.GeoDataFrame, crs: str, threshold_m: float) -> pd.DataFrame:
    """Per district (districts in `crs`, the model's): its sample points and the share of them within
    `threshold_m`; a point on a shared border counts once."""
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(model.origin_xy[:, 0], model.origin_xy[:, 1]), crs=crs)
    joined = gpd.sjoin(points, districts[["name", "geometry"]], predicate="within", how="inner")
    joined = joined[~joined.index.duplicated()]
    within = model.distance[joined.index.to_numpy()] <= threshold_m
    return pd.DataFrame({"name": joined["name"].to_numpy(), "within": within}).groupby("name", sort=True).agg(
        points=("within", "size"), share=("within", "mean")).reset_index()
