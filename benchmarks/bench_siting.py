"""Siting benchmark. Run on demand: `python benchmarks/bench_siting.py` (about three minutes on 2 cores).

1. The largest real network, Almaty (2012 OpenStreetMap, 19,500 nodes, 73,500 sample points, district
   populations): clinics within 1,000 m, candidates one per 400 m square (about 2,200). The coverage matrix, then
   the exact optimum for k = 1, 3, 5 and 10 (geo.siting.maximal_covering: greedy bound, pruning, HiGHS), against
   the greedy baseline and against plain HiGHS on the whole program (no pruning) in the same run.
2. Generated cities (labelled generated: square street grids of 60 m blocks, people spread by a fixed random
   density that peaks in the centre, 3 or 30 existing clinics at random junctions; never stored or shown) of
   100,000 and 1,000,000 people with about 1,000 and 10,000 candidate junctions, k = 1 … 10.
3. Brute force over every choice of 2 of 60 candidates of the 100,000-person city, against the exact solver.
The last line reads `siting_ms_real=… siting_ms_1m=… optimality_gap=…`: the solve for k = 10 on Almaty and on
the 1,000,000-person city with 10,000 candidates (milliseconds, coverage matrix excluded, reported above), and
the largest gap any exact run had to state (0 when every run proved its optimum).
"""
from __future__ import annotations

import itertools
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from geo import access, siting
from geo.cities import get_city
from geo.layerstore import LayerStore
from geo.network import midpoint_origins, network_from_arrays

KS = (1, 3, 5, 10)
WITHIN_M = 1000.0
BLOCK_M = 60.0


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def plain_highs(problem: siting.SitingProblem, sites: int) -> tuple[float, float]:
    """HiGHS on the whole merged program, no greedy bound and no pruning: (ms, weight it brings, NaN if none)."""
    n, m = problem.candidates, problem.rows.shape[0]
    link = LinearConstraint(sp.hstack([-problem.rows.astype(float), sp.identity(m, format="csr")]).tocsr(), -np.inf, 0)
    count = LinearConstraint(sp.csr_matrix(np.concatenate([np.ones(n), np.zeros(m)])[None, :]), 0, sites)
    start = time.perf_counter()
    result = milp(np.concatenate([np.zeros(n), -problem.row_weight]), constraints=[link, count],
                  integrality=np.concatenate([np.ones(n), np.zeros(m)]), bounds=Bounds(0, 1),
                  options={"time_limit": siting.TIME_LIMIT_S})
    return (time.perf_counter() - start) * 1000, (-result.fun if result.x is not None else float("nan"))


def report(label: str, problem: siting.SitingProblem, coverage_ms: float, plain: bool = False) -> tuple[float, float]:
    """Each k: exact ms, proven or gap, share after; greedy ms and its shortfall; plain HiGHS for k = 3 and 10.
    Returns (ms of the exact solve for the largest k, largest gap stated)."""
    print(f"\n{label}: {problem.coverage.shape[0]:,} origins, {problem.candidates:,} candidates, "
          f"{problem.rows.shape[0]:,} rows after merging, coverage matrix {coverage_ms:,.0f} ms")
    print("  k  exact_ms  proven  gap      share_after  greedy_ms  greedy_short  plain_highs_ms  plain_short")
    last_ms, worst_gap = 0.0, 0.0
    for k in KS:
        exact_ms, exact = timed(lambda k=k: siting.maximal_covering(problem, k))
        greedy_ms, greedy = timed(lambda k=k: siting.greedy_covering(problem, k))
        gained = exact.covered_after - exact.covered_before
        short = (exact.covered_after - greedy.covered_after) / gained if gained else 0.0
        plain_text = ""
        if plain and k in (3, 10):
            plain_ms, plain_gain = plain_highs(problem, k)
            plain_short = (gained - plain_gain) / gained if gained and not np.isnan(plain_gain) else float("nan")
            plain_text = f"{plain_ms:14,.0f}  {plain_short:11.4f}"
        print(f"  {k:>2} {exact_ms:9,.0f}  {exact.optimal!s:6}  {exact.gap:.4f}   {exact.share_after:11.4f} "
              f"{greedy_ms:10,.1f}  {short:12.4f}  {plain_text}")
        last_ms, worst_gap = exact_ms, max(worst_gap, exact.gap)
    return last_ms, worst_gap


def real_city() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        store = LayerStore(f"sqlite:///{folder}/atlas.sqlite")
        store.seed()
        city = get_city("almaty")
        coverage_ms, found = timed(lambda: siting.city_siting(
            city, "healthcare", lambda layer_id: store.read_layer(layer_id, city.id), WITHIN_M))
        return report("Almaty, clinics within 1,000 m (real)", found.problem, coverage_ms, plain=True)


def generated_city(people: int, side_m: float, spacing_m: float, seed: int, clinics: int):
    """A square street grid with `people` spread over its segments' midpoints by a centre-heavy random density,
    `clinics` existing ones at random junctions, candidates one per `spacing_m` square: the siting problem."""
    rng = np.random.default_rng(seed)
    n = int(side_m / BLOCK_M) + 1
    gx, gy = np.meshgrid(np.arange(n), np.arange(n))
    ids = np.arange(n * n).reshape(n, n)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    xy = np.column_stack([gx.ravel(), gy.ravel()]).astype(float) * BLOCK_M
    network = network_from_arrays("EPSG:32643", xy, u, v, np.full(len(u), BLOCK_M))
    origins = midpoint_origins(network)
    centre = np.array([side_m / 2, side_m / 2])
    density = np.exp(-np.linalg.norm(origins.xy - centre, axis=1) / (side_m / 4)) * rng.lognormal(0, 0.5, len(origins))
    weights = density / density.sum() * people
    existing_nodes = rng.choice(network.n_nodes, clinics, replace=False)
    existing = access.origin_distances(origins, access.node_distances(
        network, access.Snap(existing_nodes, np.zeros(clinics))))
    candidates = siting.spaced_points(network.node_xy, spacing_m)
    coverage_ms, coverage = timed(lambda: siting.coverage_matrix(network, origins, candidates, WITHIN_M))
    return siting.siting_problem(coverage, weights, existing <= WITHIN_M), coverage_ms, network, origins


def brute_force_check(problem: siting.SitingProblem) -> None:
    """Every choice of 2 of the first 60 candidates, against the solver on the same 60."""
    sub = siting.siting_problem(problem.coverage[:, :60], problem.weights, problem.covered)
    dense = sub.coverage.toarray()
    brute_ms, best = timed(lambda: max(sub.weights[sub.covered | dense[:, list(c)].any(axis=1)].sum()
                                       for c in itertools.combinations(range(60), 2)))
    exact_ms, exact = timed(lambda: siting.maximal_covering(sub, 2))
    print(f"\nbrute force, 2 of 60 candidates (1,770 choices): {brute_ms:,.0f} ms, best {best:,.1f}; exact "
          f"{exact_ms:,.0f} ms, {exact.covered_after:,.1f}, equal={abs(best - exact.covered_after) < 1e-6}")


def main() -> None:
    real_ms, real_gap = real_city()
    small, small_ms, *_ = generated_city(100_000, 4_000, 130.0, seed=1, clinics=3)
    _, small_gap = report("generated 100,000 people, 4 km grid, ~1,000 candidates", small, small_ms, plain=True)
    brute_force_check(small)
    big_sparse, sparse_ms, *_ = generated_city(1_000_000, 12_000, 380.0, seed=2, clinics=30)
    _, sparse_gap = report("generated 1,000,000 people, 12 km grid, ~1,000 candidates", big_sparse, sparse_ms)
    big, big_ms, *_ = generated_city(1_000_000, 12_000, 120.0, seed=2, clinics=30)
    big_k10_ms, big_gap = report("generated 1,000,000 people, 12 km grid, ~10,000 candidates", big, big_ms)
    gap = max(real_gap, small_gap, sparse_gap, big_gap)
    print(f"siting_ms_real={real_ms:.0f} siting_ms_1m={big_k10_ms:.0f} optimality_gap={gap:.4f}")


if __name__ == "__main__":
    main()
