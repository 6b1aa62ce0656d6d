"""The independent path the access engine is checked against: networkx's Dijkstra on the same segments, with
each origin a leaf joined to both ends of its segment and a virtual source joined to each facility's node."""
from __future__ import annotations

import networkx as nx
import numpy as np

from geo.access import Snap
from geo.network import Origins, WalkNetwork

SOURCE = "facilities"


def reference_graph(network: WalkNetwork, origins: Origins, snap: Snap) -> nx.Graph:
    """Nodes 0..n-1 are network nodes, ("o", i) the origins, SOURCE the virtual facility source."""
    graph = nx.Graph()
    graph.add_nodes_from(range(network.n_nodes))
    for u, v, length in zip(network.edge_u.tolist(), network.edge_v.tolist(), network.edge_length.tolist()):
        if not graph.has_edge(u, v) or graph[u][v]["weight"] > length:
            graph.add_edge(u, v, weight=length)
    for i, (u, v, offset, length) in enumerate(zip(origins.u.tolist(), origins.v.tolist(),
                                                   origins.offset.tolist(), origins.segment_length.tolist())):
        graph.add_edge(("o", i), u, weight=offset)
        graph.add_edge(("o", i), v, weight=length - offset)
    for node, distance in zip(snap.node.tolist(), snap.distance.tolist()):
        if not graph.has_edge(SOURCE, node) or graph[SOURCE][node]["weight"] > distance:
            graph.add_edge(SOURCE, node, weight=distance)
    return graph


def multi_source_distances(graph: nx.Graph, n_origins: int) -> np.ndarray:
    """networkx's one Dijkstra from the virtual source: every origin's distance to its nearest facility."""
    lengths = nx.single_source_dijkstra_path_length(graph, SOURCE, weight="weight")
    return np.array([lengths.get(("o", i), np.inf) for i in range(n_origins)])


def per_origin_distance(graph: nx.Graph, origin: int) -> float:
    """What most scripts do: a full Dijkstra from one origin, read at the facilities (through the virtual source,
    which adds each facility's snap leg)."""
    lengths = nx.single_source_dijkstra_path_length(graph, ("o", origin), weight="weight")
    return lengths.get(SOURCE, np.inf)
