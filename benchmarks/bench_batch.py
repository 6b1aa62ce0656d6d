"""Network batch benchmark. Run on demand: `python benchmarks/bench_batch.py`.

1. The real catalogue (every city with its real layers, from a fresh SQLite store seeded with the embedded data):
   one city after another in this process (the baseline), then `geo.batch.run_batch` on a local Dask cluster of
   1 and of 2 worker processes (every city recomputed). Throughput in cities per minute, the 2-worker scaling
   ratio against 1 worker, and each worker's peak resident memory.
2. Generated grid cities (labelled generated: square street grids of 30 m blocks, never stored or shown) of
   20,000 to 200,000 network nodes, each computed as a city's access figures are (geo.access: six destination
   kinds, one Dijkstra each, shares within 500 m and 1,000 m), on 1 and 2 workers.
The last line reads `real_cpm_1=… real_cpm_2=… real_scaling=… grid_cpm_1=… grid_cpm_2=… grid_scaling=…
peak_worker_mib=…`.
"""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from dask.distributed import Client, LocalCluster  # noqa: E402

from geo import access  # noqa: E402
from geo.batch import WORKER_MEMORY, run_batch, store_values  # noqa: E402
from geo.cities import all_cities  # noqa: E402
from geo.layerstore import LayerStore  # noqa: E402
from geo.network import midpoint_origins, network_from_arrays  # noqa: E402

GRID_SIDES = (141, 224, 316, 447)  # about 20k, 50k, 100k and 200k nodes
GRID_COPIES = 2  # of each size, so two workers have work to share


def peak_rss_mib() -> float:
    """This process's peak resident memory (Linux: kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def grid_city(city_id: str, store_url: str) -> tuple[str, str, str]:
    """A generated city's access figures: a street grid, six destination kinds, shares within 500/1,000 m."""
    side = int(city_id.split("-")[1])
    rng = np.random.default_rng(side)
    index = np.arange(side * side).reshape(side, side)
    u = np.concatenate([index[:, :-1].ravel(), index[:-1, :].ravel()])
    v = np.concatenate([index[:, 1:].ravel(), index[1:, :].ravel()])
    gy, gx = np.divmod(np.arange(side * side), side)
    network = network_from_arrays("EPSG:32643", np.column_stack([gx, gy]).astype(float) * 30.0, u, v,
                                  30.0 * (1.0 + 0.2 * rng.random(len(u))))
    origins = midpoint_origins(network)
    shares = []
    for per_nodes in (500, 1000, 1500, 2000, 3000, 5000):  # six destination kinds of different density
        count = max(1, network.n_nodes // per_nodes)
        xy = network.node_xy[rng.choice(network.n_nodes, count, replace=False)]
        distance = access.origin_distances(origins, access.node_distances(network, access.snap_to_network(network, xy)))
        shares += access.summarise(distance, access.THRESHOLDS_M).share_points
    return city_id, "generated", f"{network.n_nodes} nodes: " + ",".join(f"{s:.3f}" for s in shares)


def on_cluster(workers: int, ids: list[str], store: LayerStore, task=None) -> tuple[float, list[float]]:
    """Seconds for the batch on a fresh local cluster of `workers`, and each worker's peak memory (MiB)."""
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=WORKER_MEMORY,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(lambda: None)  # workers up before the clock starts
        start = time.perf_counter()
        extra = {"task": task} if task else {}
        report = run_batch(ids, store, scheduler=cluster.scheduler_address, force=True, **extra)
        seconds = time.perf_counter() - start
        assert not report.failed, report.failed
        peaks = list(client.run(peak_rss_mib).values())
    return seconds, peaks


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = LayerStore(f"sqlite:///{folder}/store.sqlite")
        store.seed()
        ids = [c.id for c in all_cities()]
        start = time.perf_counter()
        for city in all_cities():
            store_values(city, store)
        serial_s = time.perf_counter() - start
        print(f"Real cities ({len(ids)}, their real layers), one after another in this process: {serial_s:.1f} s "
              f"= {len(ids) / serial_s * 60:.0f} cities/min")
        real = {}
        for workers in (1, 2):
            seconds, peaks = on_cluster(workers, ids, store)
            real[workers] = (len(ids) / seconds * 60, peaks)
            print(f"  Dask, {workers} worker(s): {seconds:.1f} s = {real[workers][0]:.0f} cities/min; peak memory per "
                  f"worker {', '.join(f'{p:.0f}' for p in peaks)} MiB")
        grid_ids = [f"generated-{side}-{copy}" for side in GRID_SIDES for copy in range(GRID_COPIES)]
        print(f"\nGenerated grid cities (GENERATED, not real: {GRID_COPIES} each of "
              f"{', '.join(f'{s * s:,}' for s in GRID_SIDES)} nodes):")
        grid = {}
        for workers in (1, 2):
            seconds, peaks = on_cluster(workers, grid_ids, store, task=grid_city)
            grid[workers] = (len(grid_ids) / seconds * 60, peaks)
            print(f"  Dask, {workers} worker(s): {seconds:.1f} s = {grid[workers][0]:.1f} cities/min; peak memory per "
                  f"worker {', '.join(f'{p:.0f}' for p in peaks)} MiB")
        store.close()
    peak = max(max(real[w][1]) for w in real) if real else 0.0
    peak = max(peak, max(max(grid[w][1]) for w in grid))
    print(f"\nmachine: {os.cpu_count()} cores (shared: compare within one run)")
    print(f"real_cpm_1={real[1][0]:.1f} real_cpm_2={real[2][0]:.1f} real_scaling={real[2][0] / real[1][0]:.2f} "
          f"grid_cpm_1={grid[1][0]:.2f} grid_cpm_2={grid[2][0]:.2f} grid_scaling={grid[2][0] / grid[1][0]:.2f} "
          f"peak_worker_mib={peak:.0f}")


if __name__ == "__main__":
    main()
