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
    """A kind of destination: the layer it comes from and, where the layer mixes kinds, which of them count."""
    layer_id: str
    kinds: tuple[str, ...] = ()  # facility_type (health) or kind (OSM layers); empty: every feature
    edge_points: bool = False  # areas (parks) are reached at points around their edge, not at their centre


ACCESS_TARGETS = {
    "healthcare": AccessTarget("health_facilities", ("hospital", "clinic", "doctors", "dentist",
                                                     "other health facility")),
    "pharmacy": AccessTarget("health_facilities", ("pharmacy",)),
    "park": AccessTarget("parks", edge_points=True),
    "school": AccessTarget("schools", ("school",)),
    "sports": AccessTarget("sports_grounds"),
    "transit": AccessTarget("transit_stops"),
}


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
    """Distance (m) from each origin, which sits on a segment, out through either end to the nearest facility."""
    return np.minimum(node_distance[origins.u] + origins.offset,
                      node_distance[origins.v] + (origins.segment_length - origins.offset))


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


def sample_boundary_points(polygons: gpd.GeoDataFrame, crs: str, spacing_m: float = 50.0) -> np.ndarray:
    """Points every `spacing_m` metres around polygons (in `crs`): where a park can be entered, approximately."""
    if polygons.empty:
        return np.zeros((0, 2))
    rings = polygons.geometry.to_crs(crs).boundary.explode(index_parts=False)
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


def summarise(distance: np.ndarray, thresholds_m: tuple[float, ...],
              weights: np.ndarray | None = None) -> AccessSummary:
    """Share within each threshold, of sample points and, where weights are known, of people."""
    if len(distance) == 0:
        raise DataMissingError("no origins to summarise")
    share_points = tuple(float(np.mean(distance <= t)) for t in thresholds_m)
    share_people, covered = None, 0.0
    if weights is not None and np.isfinite(weights).any():
        known = np.isfinite(weights)
        covered = float(known.mean())
        total = weights[known].sum()
        if total > 0:
            share_people = tuple(float(weights[known][distance[known] <= t].sum() / total) for t in thresholds_m)
    return AccessSummary(tuple(thresholds_m), share_points, share_people, covered, len(distance))


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
        return sample_boundary_points(frame, city.crs)
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
    facility_xy = facility_points(city, ACCESS_TARGETS[target_id], city_layer)
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


def access_indicator_id(target_id: str, metres: int, people: bool = False) -> str:
    return f"access_{target_id}_{metres}m" + ("_people" if people else "")


def access_values(city: City, city_layer: CityLayer) -> dict[str, tuple[float, str]]:
    """The walking-access indicators of a city: for each destination kind the share (%) of sample points and,
    where populations are known, of people within THRESHOLDS_M; with the note saying how it was measured.
    Nothing for a city drawn only as its region (a region's share is not a city's) or without destinations."""
    if city.boundary_quality == "region_only" or city_layer("boundary").empty:
        return {}
    values: dict[str, tuple[float, str]] = {}
    sampled = None
    for target_id, target in ACCESS_TARGETS.items():
        if destinations(city_layer(target.layer_id), target).empty:
            continue
        sampled = sampled or city_origins(city, city_layer)
        model = access_model(city, target_id, city_layer, sampled)
        summary = summarise(model.distance, THRESHOLDS_M, model.weights)
        note = ("note.access_straight_line" if model.method != "network" else "note.access_drive_only"
                if drive_network_only(city, city_layer("walking_network")) else "note.access_network")
        for i, metres in enumerate(THRESHOLDS_M):
            values[access_indicator_id(target_id, metres)] = (round(100 * summary.share_points[i], 1), note)
            if summary.share_people is not None:
                values[access_indicator_id(target_id, metres, people=True)] = (
                    round(100 * summary.share_people[i], 1), "note.access_people")
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
