"""Where to build next, solved exactly: the k candidate sites that bring the most people (or sample points) within
a walking distance (maximal covering), and the fewest sites that bring a target share within it (set covering).
Both are integer programs solved by HiGHS through SciPy's `milp`, over a coverage matrix of which candidate site
reaches which origin on the walking network; the origins already within reach of a facility count as covered."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import dijkstra

from geo.access import ACCESS_TARGETS, CityLayer, access_model, city_origins, origin_distances
from geo.cities import City
from geo.errors import AtlasError, DataMissingError
from geo.network import Origins, WalkNetwork

CANDIDATE_BATCH = 256  # candidates whose distances are held at once: (batch × nodes) floats
TIME_LIMIT_S = 30.0  # HiGHS stops here and says the gap it proved


@dataclass(frozen=True)
class SitingResult:
    """The chosen candidates (in the order each adds the most of what is left), the people they bring within
    reach one after another, the weight within reach before and after, and whether HiGHS proved the optimum
    (else `gap`, its relative optimality gap)."""
    chosen: tuple[int, ...]
    newly_covered: tuple[float, ...]
    covered_before: float
    covered_after: float
    total: float
    optimal: bool
    gap: float

    @property
    def share_after(self) -> float:
        return self.covered_after / self.total if self.total else float("nan")


def coverage_matrix(network: WalkNetwork, origins: Origins, candidate_nodes: np.ndarray,
                    within_m: float) -> sp.csr_matrix:
    """origins × candidates, True where the walk from the origin (out through either end of its segment) to
    the candidate's network node is at most `within_m` metres."""
    candidate_nodes = np.asarray(candidate_nodes, dtype=np.int64)
    rows, cols = [], []
    for start in range(0, len(candidate_nodes), CANDIDATE_BATCH):
        batch = candidate_nodes[start:start + CANDIDATE_BATCH]
        node_distance = np.atleast_2d(dijkstra(network.graph, directed=False, indices=batch, limit=within_m))
        candidate, origin = np.nonzero(origin_distances(origins, node_distance) <= within_m)
        rows.append(origin)
        cols.append(candidate + start)
    rows_all = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    cols_all = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    return sp.csr_matrix((np.ones(len(rows_all), dtype=bool), (rows_all, cols_all)),
                         shape=(len(origins), len(candidate_nodes)))


def _open_origins(coverage: sp.csr_matrix, weights: np.ndarray, covered: np.ndarray
                  ) -> tuple[sp.csr_matrix, np.ndarray]:
    """The rows a new site could still win (not covered yet, reachable from some candidate, with weight),
    rows with the same set of candidates merged and their weights summed: a smaller, equivalent program."""
    keep = ~covered & (np.asarray(coverage.sum(axis=1)).ravel() > 0) & (weights > 0)
    rows = coverage[np.flatnonzero(keep)].tocsr()
    rows.sort_indices()
    keys = [rows.indices[rows.indptr[i]:rows.indptr[i + 1]].tobytes() for i in range(rows.shape[0])]
    groups: dict[bytes, int] = {}
    first, group_of = [], np.empty(len(keys), dtype=np.int64)
    for i, key in enumerate(keys):
        if key not in groups:
            groups[key] = len(first)
            first.append(i)
        group_of[i] = groups[key]
    merged_weight = np.bincount(group_of, weights=weights[keep], minlength=len(first))
    return rows[first], merged_weight


def _solve(objective: np.ndarray, constraints: list[LinearConstraint], n_sites: int, n_rows: int):
    """HiGHS on binary sites and [0, 1] origin variables (integral at the optimum: each is 1 exactly when a
    chosen site covers it)."""
    integrality = np.concatenate([np.ones(n_sites), np.zeros(n_rows)])
    result = milp(objective, constraints=constraints, integrality=integrality, bounds=Bounds(0, 1),
                  options={"time_limit": TIME_LIMIT_S, "mip_rel_gap": 0.0})
    if result.x is None:
        raise AtlasError(f"the solver found no plan within {TIME_LIMIT_S:.0f} s ({result.message}); "
                         "weigh fewer candidate sites")
    gap = float(getattr(result, "mip_gap", 0.0) or 0.0)
    return np.flatnonzero(result.x[:n_sites] > 0.5), result.status == 0 and gap <= 1e-9, gap


def _ordered(chosen: np.ndarray, coverage: sp.csr_matrix, weights: np.ndarray, covered: np.ndarray
             ) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """The chosen sites in the order each adds the most of what is still uncovered, and what each adds."""
    covered = covered.copy()
    order, gains, left = [], [], list(chosen)
    columns = coverage.tocsc()
    while left:
        added = [weights[columns[:, j].indices[~covered[columns[:, j].indices]]].sum() for j in left]
        best = int(np.argmax(added))
        j = left.pop(best)
        order.append(int(j))
        gains.append(float(added[best]))
        covered[columns[:, j].indices] = True
    return tuple(order), tuple(gains)


def maximal_covering(coverage: sp.csr_matrix, weights: np.ndarray, sites: int,
                     covered: np.ndarray | None = None) -> SitingResult:
    """The `sites` candidates (columns of `coverage`) that bring the most weight within reach, beyond the
    origins `covered` already."""
    weights = np.asarray(weights, dtype=float)
    covered = np.zeros(coverage.shape[0], dtype=bool) if covered is None else np.asarray(covered, dtype=bool)
    rows, row_weight = _open_origins(coverage, weights, covered)
    n_sites, n_rows = coverage.shape[1], rows.shape[0]
    objective = np.concatenate([np.zeros(n_sites), -row_weight])
    link = sp.hstack([-rows.astype(float), sp.identity(n_rows, format="csr")]).tocsr()  # y_i <= sum_j a_ij x_j
    count = sp.csr_matrix(np.concatenate([np.ones(n_sites), np.zeros(n_rows)])[None, :])
    chosen, optimal, gap = _solve(objective, [LinearConstraint(link, -np.inf, 0),
                                              LinearConstraint(count, 0, min(sites, n_sites))], n_sites, n_rows)
    return _result(chosen, coverage, weights, covered, optimal, gap)


def set_covering(coverage: sp.csr_matrix, weights: np.ndarray, target_share: float,
                 covered: np.ndarray | None = None) -> SitingResult | None:
    """The fewest candidates that bring `target_share` of all the weight within reach (the origins `covered`
    already count); None when even every candidate together cannot."""
    weights = np.asarray(weights, dtype=float)
    covered = np.zeros(coverage.shape[0], dtype=bool) if covered is None else np.asarray(covered, dtype=bool)
    needed = target_share * weights.sum() - weights[covered].sum()
    rows, row_weight = _open_origins(coverage, weights, covered)
    if needed > row_weight.sum() + 1e-9:
        return None
    n_sites, n_rows = coverage.shape[1], rows.shape[0]
    if needed <= 0:
        return _result(np.zeros(0, dtype=np.int64), coverage, weights, covered, True, 0.0)
    objective = np.concatenate([np.ones(n_sites), np.zeros(n_rows)])
    link = sp.hstack([-rows.astype(float), sp.identity(n_rows, format="csr")]).tocsr()
    reach = sp.csr_matrix(np.concatenate([np.zeros(n_sites), row_weight])[None, :])
    chosen, optimal, gap = _solve(objective, [LinearConstraint(link, -np.inf, 0),
                                              LinearConstraint(reach, needed - 1e-9, np.inf)], n_sites, n_rows)
    return _result(chosen, coverage, weights, covered, optimal, gap)


def _result(chosen: np.ndarray, coverage: sp.csr_matrix, weights: np.ndarray, covered: np.ndarray,
            optimal: bool, gap: float) -> SitingResult:
    order, gains = _ordered(chosen, coverage, weights, covered)
    before = float(weights[covered].sum())
    return SitingResult(order, gains, before, before + float(sum(gains)), float(weights.sum()), optimal, gap)


# One candidate node per 400 m square: for walks of 500-1,000 m the sites between are near-copies, and Almaty's
# 19,500-node network gives about 2,000 candidates (coverage and optimum in about 10 s on this machine).
CANDIDATE_SPACING_M = 400.0


def candidate_nodes(network: WalkNetwork, spacing_m: float = CANDIDATE_SPACING_M) -> np.ndarray:
    """Where a new facility could stand: one network node per `spacing_m` square (the first in node order)."""
    cells = np.floor(network.node_xy / spacing_m).astype(np.int64)
    _, first = np.unique(cells, axis=0, return_index=True)
    return np.sort(first)


@dataclass(frozen=True)
class CityPlan:
    """A city's siting answer: the result, where the chosen sites stand (metres, the city's CRS), what the
    weights are ("people" from district or grid populations, else "sample points"), the candidates weighed and
    the layers it rests on (source — licence)."""
    city_id: str
    target_id: str
    within_m: float
    result: SitingResult
    site_xy: np.ndarray
    weighted_by: str
    candidates: int
    sources: tuple[str, ...]


def city_plan(city: City, target_id: str, city_layer: CityLayer, within_m: float, sites: int) -> CityPlan:
    """The `sites` network sites that bring the most people (or sample points) of `city` within `within_m` of a
    destination of `target_id`, beyond those within reach of the existing ones; exact on the walking network."""
    sampled = city_origins(city, city_layer)
    if sampled.method != "network":
        raise DataMissingError(f"{city.id} has no walking network: siting needs one (import an OSM extract)")
    model = access_model(city, target_id, city_layer, sampled)
    covered = model.distance <= within_m if model is not None else np.zeros(len(sampled.xy), dtype=bool)
    known = sampled.weights is not None and np.isfinite(sampled.weights).any()
    weights = np.nan_to_num(sampled.weights, nan=0.0) if known else np.ones(len(sampled.xy))
    candidates = candidate_nodes(sampled.network)
    result = maximal_covering(coverage_matrix(sampled.network, sampled.origins, candidates, within_m), weights,
                              sites, covered)
    layers = [city_layer(layer_id) for layer_id in ("walking_network", ACCESS_TARGETS[target_id].layer_id,
                                                    "population_grid", "districts")]
    sources = tuple(dict.fromkeys(f"{source} — {licence}" for layer in layers if len(layer)
                                  for source, licence in zip(layer["source"], layer["licence"])))
    return CityPlan(city.id, target_id, within_m, result, sampled.network.node_xy[candidates[list(result.chosen)]],
                    "people" if known else "sample points", len(candidates), sources)
