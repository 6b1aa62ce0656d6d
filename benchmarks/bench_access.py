"""Accessibility engine benchmark. Run on demand: `python benchmarks/bench_access.py`.

1. The real Helsinki walking network (embedded OSM demonstration extract), origins every 30 m, health
   facilities as destinations: the Atlas engine (scipy csgraph, one Dijkstra from a virtual source) against
   networkx's per-origin Dijkstra (what most scripts do; timed on a random sample of origins and scaled to all,
   said so in the output) and networkx's own multi-source Dijkstra (all origins). Every answer is compared.
2. Generated square street grids (30 m blocks, lengths jittered) from 10,000 to 1,000,000 nodes, one facility
   per 1,000 nodes, one origin per segment: engine time against size, and networkx multi-source up to 100,000.
The last line reads `speedup_vs_networkx=<x> speedup_vs_networkx_multisource=<x> seconds_1m_nodes=<s>
max_abs_diff_m=<d>`.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.timing import best_of  # noqa: E402
from geo import access  # noqa: E402
from geo.embedded import read_layer  # noqa: E402
from geo.network import midpoint_origins, network_from_arrays, network_from_lines  # noqa: E402
from tests.reference_networkx import multi_source_distances, per_origin_distance, reference_graph  # noqa: E402

DEMO_CITY = "helsinki-demo"
DEMO_CRS = "EPSG:32635"
PER_ORIGIN_SAMPLE = 300
GRID_SIDES = (100, 316, 1000)  # about 10k, 100k and 1M nodes
NX_MULTI_MAX_NODES = 150_000


def engine(network, origins, facility_xy):
    snap = access.snap_to_network(network, facility_xy)
    return access.origin_distances(origins, access.node_distances(network, snap))


def helsinki() -> tuple[float, float, float]:
    lines = read_layer("walking_network")
    lines = lines[lines["city_id"] == DEMO_CITY]
    network, origins = network_from_lines(lines, DEMO_CRS)
    facilities = read_layer("health_facilities")
    facilities = facilities[facilities["city_id"] == DEMO_CITY].to_crs(DEMO_CRS)
    facility_xy = np.column_stack([facilities.geometry.x, facilities.geometry.y])
    print(f"Helsinki walking network: {network.n_nodes:,} nodes, {len(network.edge_u):,} segments, "
          f"{network.length_km:.1f} km; {len(origins):,} origins; {len(facility_xy)} health facilities")

    engine_s, distances = best_of(lambda: engine(network, origins, facility_xy))
    snap = access.snap_to_network(network, facility_xy)
    graph = reference_graph(network, origins, snap)
    multi_s, nx_multi = best_of(lambda: multi_source_distances(graph, len(origins)))
    sample = np.random.default_rng(7).choice(len(origins), size=min(PER_ORIGIN_SAMPLE, len(origins)), replace=False)
    start = time.perf_counter()
    nx_per_origin = np.array([per_origin_distance(graph, int(i)) for i in sample])
    per_origin_s = (time.perf_counter() - start) * len(origins) / len(sample)

    finite = np.isfinite(distances)
    assert np.array_equal(finite, np.isfinite(nx_multi)), "reachability differs from networkx"
    sample_finite = np.isfinite(nx_per_origin)
    assert np.array_equal(sample_finite, np.isfinite(distances[sample])), "reachability differs from networkx"
    diff = max(float(np.abs(distances[finite] - nx_multi[finite]).max()),
               float(np.abs(distances[sample][sample_finite] - nx_per_origin[sample_finite]).max()))
    print(f"  engine (snap + Dijkstra + origins): {engine_s * 1000:9.2f} ms")
    print(f"  networkx multi-source Dijkstra:     {multi_s * 1000:9.2f} ms   ({multi_s / engine_s:,.0f}x)")
    print(f"  networkx per-origin Dijkstra:       {per_origin_s * 1000:9.0f} ms   ({per_origin_s / engine_s:,.0f}x; "
          f"timed on {len(sample)} of {len(origins):,} origins, scaled)")
    print(f"  largest difference from networkx: {diff:.2e} m over {finite.sum():,} reachable origins")
    return per_origin_s / engine_s, multi_s / engine_s, diff


def grid_network(side: int, rng: np.random.Generator):
    """A side x side street grid, 30 m blocks with lengths jittered up to +20 %."""
    index = np.arange(side * side).reshape(side, side)
    u = np.concatenate([index[:, :-1].ravel(), index[:-1, :].ravel()])
    v = np.concatenate([index[:, 1:].ravel(), index[1:, :].ravel()])
    gy, gx = np.divmod(np.arange(side * side), side)
    node_xy = np.column_stack([gx, gy]).astype(float) * 30.0
    length = 30.0 * (1.0 + 0.2 * rng.random(len(u)))
    return network_from_arrays("EPSG:32635", node_xy, u, v, length)


def grids() -> float:
    rng = np.random.default_rng(11)
    print("\nGenerated grids (one facility per 1,000 nodes, an origin in every segment):")
    print(f"  {'nodes':>10} {'segments':>10} {'origins':>10} {'build s':>8} {'engine s':>9} {'networkx multi s':>17}")
    sizes, times = [], []
    for side in GRID_SIDES:
        build_s, network = best_of(lambda: grid_network(side, rng), repeats=1)
        origins = midpoint_origins(network)
        n_facilities = max(1, network.n_nodes // 1000)
        facility_xy = network.node_xy[rng.choice(network.n_nodes, n_facilities, replace=False)] + rng.random((n_facilities, 2)) * 10
        engine_s, distances = best_of(lambda: engine(network, origins, facility_xy))
        nx_text = "-"
        if network.n_nodes <= NX_MULTI_MAX_NODES:
            graph = reference_graph(network, origins, access.snap_to_network(network, facility_xy))
            nx_s, nx_multi = best_of(lambda: multi_source_distances(graph, len(origins)), repeats=1)
            assert np.allclose(distances, nx_multi, rtol=0, atol=1e-6), "grid distances differ from networkx"
            nx_text = f"{nx_s:.2f} ({nx_s / engine_s:,.0f}x)"
        print(f"  {network.n_nodes:>10,} {len(network.edge_u):>10,} {len(origins):>10,} {build_s:>8.2f} "
              f"{engine_s:>9.3f} {nx_text:>17}")
        sizes.append(network.n_nodes)
        times.append(engine_s)
    slope = np.polyfit(np.log(sizes), np.log(times), 1)[0]
    print(f"  engine time grows as nodes^{slope:.2f} (log-log fit over {len(sizes)} sizes); at 1,000,000 nodes "
          f"building the graph and computing take {build_s + engine_s:.2f} s together")
    return times[-1]


def what_if_rerun() -> None:
    """The Access page's rerun after a click adds a proposal (the server's share of "within a second"): the
    page with 1 and then 3 proposals in the session, caches warm, against the same page with none."""
    import tempfile

    os.environ.setdefault("ATLAS_USER_DIR", tempfile.mkdtemp(prefix="atlas-bench-"))
    from streamlit.testing.v1 import AppTest

    print("\nAccess page rerun (AppTest, server side), median of 5 warm runs:")
    for city_id, proposals in (("helsinki-demo", [(60.176, 24.945), (60.168, 24.940), (60.172, 24.950)]),
                               ("bishkek", [(42.87, 74.60), (42.84, 74.55), (42.90, 74.65)])):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["city"] = city_id
        at.run()
        at.switch_page("pages/access.py").run()
        for count in (0, 1, 3):
            at.session_state[f"proposals_{city_id}_healthcare"] = list(proposals[:count])
            times = []
            for _ in range(6):
                start = time.perf_counter()
                at.run()
                times.append(time.perf_counter() - start)
            if at.exception:
                raise RuntimeError(at.exception[0].message)
            print(f"  {city_id:>14}: {count} proposal(s) {statistics.median(times[1:]) * 1000:6.0f} ms")


def main() -> None:
    speedup, speedup_multi, diff = helsinki()
    seconds_1m = grids()
    what_if_rerun()
    print(f"speedup_vs_networkx={speedup:.0f} speedup_vs_networkx_multisource={speedup_multi:.1f} "
          f"seconds_1m_nodes={seconds_1m:.2f} max_abs_diff_m={diff:.2e}")


if __name__ == "__main__":
    main()
