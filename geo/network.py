"""Walking network as a sparse graph: nodes are line vertices, edges the segments between them, in metres."""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geo.errors import DataMissingError

VERTEX_PRECISION_M = 0.001  # vertices closer than 1 mm are one node: ways that share an OSM node meet there


@dataclass(frozen=True)
class WalkNetwork:
    """An undirected network in a projected CRS; `graph` holds each segment in both directions."""
    crs: str
    node_xy: np.ndarray  # (n, 2) metres
    edge_u: np.ndarray  # (m,) node index of each segment's start
    edge_v: np.ndarray  # (m,) node index of each segment's end
    edge_length: np.ndarray  # (m,) metres
    graph: sp.csr_matrix
    node_tree: cKDTree  # nearest-node lookups (snapping facilities and clicks)

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def length_km(self) -> float:
        return float(self.edge_length.sum() / 1000.0)


def network_from_arrays(crs: str, node_xy: np.ndarray, edge_u: np.ndarray, edge_v: np.ndarray,
                        edge_length: np.ndarray) -> WalkNetwork:
    """A network from segment arrays; of two parallel segments between the same nodes the shorter counts."""
    keep = (edge_u != edge_v) & np.isfinite(edge_length)
    u, v, length = edge_u[keep], edge_v[keep], edge_length[keep]
    lo, hi = np.minimum(u, v).astype(np.int64), np.maximum(u, v).astype(np.int64)
    pair = lo * len(node_xy) + hi
    order = np.argsort(pair, kind="stable")
    starts = np.flatnonzero(np.r_[True, pair[order][1:] != pair[order][:-1]])
    length = np.minimum.reduceat(length[order], starts) if len(starts) else length
    lo, hi = lo[order][starts], hi[order][starts]
    n = len(node_xy)
    graph = sp.csr_matrix((np.concatenate([length, length]), (np.concatenate([lo, hi]), np.concatenate([hi, lo]))),
                          shape=(n, n))
    return WalkNetwork(crs, node_xy, lo, hi, length, graph, cKDTree(node_xy, balanced_tree=False, compact_nodes=False))


@dataclass(frozen=True)
class Origins:
    """Sample points on network segments: segment (u, v, length) and the offset from u, in metres."""
    xy: np.ndarray  # (k, 2) metres, in the network's CRS
    u: np.ndarray
    v: np.ndarray
    offset: np.ndarray
    segment_length: np.ndarray

    def __len__(self) -> int:
        return len(self.xy)


def _noded_segments(lines: gpd.GeoSeries | gpd.GeoDataFrame, crs: str):
    """Vertices of the lines keyed to shared nodes; segments in line order with the index of their line."""
    if lines.crs is None:
        raise DataMissingError("walking lines have no CRS")
    geoms = lines.geometry.to_crs(crs)
    geoms = geoms[geoms.geom_type.isin(("LineString", "MultiLineString"))].explode(index_parts=False)
    if geoms.empty:
        raise DataMissingError("no walkable lines to build a network from")
    coords, line_index = shapely.get_coordinates(geoms.values, return_index=True)
    keys = np.round(coords / VERTEX_PRECISION_M).astype(np.int64)
    _, first, node_of_vertex = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    node_of_vertex = node_of_vertex.ravel()
    same_line = line_index[1:] == line_index[:-1]
    u, v = node_of_vertex[:-1][same_line], node_of_vertex[1:][same_line]
    node_xy = coords[first]
    length = np.hypot(*(node_xy[u] - node_xy[v]).T)
    return node_xy, u, v, length, line_index[:-1][same_line]


def network_from_lines(lines: gpd.GeoSeries | gpd.GeoDataFrame, crs: str,
                       spacing_m: float = 30.0) -> tuple[WalkNetwork, Origins]:
    """Node walkable lines at shared vertices (as OSM ways meet at shared nodes) in CRS `crs`, and sample
    origins along each line about every `spacing_m` metres (evenly, at least one per line)."""
    node_xy, u, v, length, line_of_segment = _noded_segments(lines, crs)
    network = network_from_arrays(crs, node_xy, u, v, length)
    end = np.cumsum(length)
    start = end - length
    line_first = np.flatnonzero(np.r_[True, line_of_segment[1:] != line_of_segment[:-1]])
    line_length = np.add.reduceat(length, line_first)
    per_line = np.maximum(1, np.round(line_length / spacing_m)).astype(np.int64)
    line_of_sample = np.repeat(np.arange(len(line_first)), per_line)
    k = np.arange(per_line.sum()) - np.repeat(np.cumsum(per_line) - per_line, per_line)
    position = start[line_first][line_of_sample] + (k + 0.5) * line_length[line_of_sample] / per_line[line_of_sample]
    segment = np.minimum(np.searchsorted(end, position, side="right"), len(end) - 1)
    offset = np.clip(position - start[segment], 0.0, length[segment])
    return network, _origins(node_xy, u[segment], v[segment], offset, length[segment])


def _origins(node_xy: np.ndarray, u: np.ndarray, v: np.ndarray, offset: np.ndarray,
             segment_length: np.ndarray) -> Origins:
    fraction = np.divide(offset, segment_length, out=np.zeros_like(offset), where=segment_length > 0)[:, None]
    xy = node_xy[u] + fraction * (node_xy[v] - node_xy[u])
    return Origins(xy, u, v, offset, segment_length)


def midpoint_origins(network: WalkNetwork) -> Origins:
    """One origin in the middle of every segment (for generated networks whose segments are already short)."""
    return _origins(network.node_xy, network.edge_u, network.edge_v, network.edge_length / 2, network.edge_length)


def largest_component_share(network: WalkNetwork) -> float:
    """Share of network length in its largest connected piece (1.0 for one connected network)."""
    if len(network.edge_length) == 0:
        return float("nan")
    _, labels = connected_components(network.graph, directed=False)
    per_component = np.bincount(labels[network.edge_u], weights=network.edge_length)
    return float(per_component.max() / network.edge_length.sum())
