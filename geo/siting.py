"""Where to build next, solved exactly: the k candidate sites that bring the most people (or sample points) within
a walking distance (maximal covering), and the fewest sites that bring a target share within it (set covering).
Both are integer programs solved by HiGHS through SciPy's `milp`, over a coverage matrix of which candidate site
reaches which origin (along the walking network, or by straight lines times the detour factor where a city has
none); the origins already within reach of a facility count as covered. The greedy choice is a lower bound
(and the benchmark's baseline); a Lagrangian relaxation bounds from above and leaves out the candidates that cannot
help; a plan not proven optimal says its gap to the proven bound wherever it travels."""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo.access import (
    ACCESS_TARGETS,
    DETOUR_FACTOR,
    AccessModel,
    CityLayer,
    access_model,
    city_origins,
    origin_distances,
    snap_to_network,
)
from geo.cities import City
from geo.errors import DataMissingError, InputRejected
from geo.layers import STORAGE_CRS
from geo.network import Origins, WalkNetwork
from geo.problems import Problem

CANDIDATE_BATCH = 256  # candidates whose distances are held at once: (batch × nodes) floats
TIME_LIMIT_S = 10.0  # a plan's whole solve stops here: the plan found is given with the gap proved
SOLVER_MARGIN_S = 0.5  # HiGHS stops this much earlier: it returns, and the plan is ordered, within the limit
MAX_SITES = 10  # the most sites a plan or a curve asks for


@dataclass(frozen=True)
class SitingResult:
    """The chosen candidates (in the order each adds the most of what is left), the people they bring within
    reach one after another, the weight within reach before and after, and whether HiGHS proved the optimum
    (else `gap`, its relative optimality gap; NaN for the greedy baseline, which proves nothing)."""
    chosen: tuple[int, ...]
    newly_covered: tuple[float, ...]
    covered_before: float
    covered_after: float
    total: float
    optimal: bool
    gap: float

    @property
    def gained(self) -> float:
        """The weight the chosen sites newly bring within reach."""
        return self.covered_after - self.covered_before

    @property
    def share_before(self) -> float:
        return self.covered_before / self.total if self.total else float("nan")

    @property
    def share_after(self) -> float:
        return self.covered_after / self.total if self.total else float("nan")


def coverage_matrix(network: WalkNetwork, origins: Origins, candidate_nodes: np.ndarray, within_m: float,
                    lead_m: np.ndarray | None = None) -> sp.csr_matrix:
    """origins × candidates, True where the walk from the origin (out through either end of its segment) to
    the candidate's network node, plus the candidate's own `lead_m` to that node, is at most `within_m` metres."""
    candidate_nodes = np.asarray(candidate_nodes, dtype=np.int64)
    lead_m = np.zeros(len(candidate_nodes)) if lead_m is None else np.asarray(lead_m, dtype=float)
    rows, cols = [], []
    for start in range(0, len(candidate_nodes), CANDIDATE_BATCH):
        batch = candidate_nodes[start:start + CANDIDATE_BATCH]
        node_distance = np.atleast_2d(dijkstra(network.graph, directed=False, indices=batch, limit=within_m))
        node_distance += lead_m[start:start + CANDIDATE_BATCH, None]
        candidate, origin = np.nonzero(origin_distances(origins, node_distance) <= within_m)
        rows.append(origin)
        cols.append(candidate + start)
    return _boolean_matrix(rows, cols, (len(origins), len(candidate_nodes)))


def straight_coverage_matrix(origin_xy: np.ndarray, candidate_xy: np.ndarray, within_m: float,
                             detour_factor: float = DETOUR_FACTOR) -> sp.csr_matrix:
    """origins × candidates, True where the straight line times the detour factor is at most `within_m`: the
    access model's own fallback where a city has no walking network."""
    reach = cKDTree(np.asarray(candidate_xy, dtype=float)).query_ball_point(np.asarray(origin_xy, dtype=float),
                                                                            within_m / detour_factor)
    rows = [np.full(len(hits), i, dtype=np.int64) for i, hits in enumerate(reach)]
    cols = [np.asarray(hits, dtype=np.int64) for hits in reach]
    return _boolean_matrix(rows, cols, (len(origin_xy), len(candidate_xy)))


def _boolean_matrix(rows: list[np.ndarray], cols: list[np.ndarray], shape: tuple[int, int]) -> sp.csr_matrix:
    rows_all = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    cols_all = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    return sp.csr_matrix((np.ones(len(rows_all), dtype=bool), (rows_all, cols_all)), shape=shape)


@dataclass(frozen=True)
class SitingProblem:
    """Which candidate reaches which origin, each origin's weight and which are within reach already; and the
    same reduced to what the solver sees: the origins a new site could still win, those with the same candidates
    merged and their weights summed (an equivalent, smaller program, prepared once for every k)."""
    coverage: sp.csr_matrix
    weights: np.ndarray
    covered: np.ndarray
    rows: sp.csr_matrix
    row_weight: np.ndarray

    @property
    def candidates(self) -> int:
        return self.coverage.shape[1]


def siting_problem(coverage: sp.csr_matrix, weights: np.ndarray, covered: np.ndarray | None = None) -> SitingProblem:
    weights = np.asarray(weights, dtype=float)
    covered = np.zeros(coverage.shape[0], dtype=bool) if covered is None else np.asarray(covered, dtype=bool)
    keep = ~covered & (np.asarray(coverage.sum(axis=1)).ravel() > 0) & (weights > 0)
    rows = coverage[np.flatnonzero(keep)].tocsr()
    rows.sort_indices()
    keys = [rows.indices[rows.indptr[i]:rows.indptr[i + 1]].tobytes() for i in range(rows.shape[0])]
    _, first, group_of = np.unique(np.array(keys, dtype=object), return_index=True, return_inverse=True)
    merged_weight = np.bincount(group_of.ravel(), weights=weights[keep], minlength=len(first))
    return SitingProblem(coverage.tocsr(), weights, covered, rows[first], merged_weight)


def _solve(objective: np.ndarray, constraints: list[LinearConstraint], n_sites: int, n_rows: int,
           time_limit_s: float = TIME_LIMIT_S) -> tuple[np.ndarray | None, float]:
    """HiGHS on binary sites and [0, 1] origin variables (integral at the optimum: each is 1 exactly when a
    chosen site covers it): the chosen sites (None when no plan was found in TIME_LIMIT_S) and the bound HiGHS
    proved on the objective (equal to the plan's at the optimum)."""
    integrality = np.concatenate([np.ones(n_sites), np.zeros(n_rows)])
    result = milp(objective, constraints=constraints, integrality=integrality, bounds=Bounds(0, 1),
                  options={"time_limit": time_limit_s, "mip_rel_gap": 0.0})
    bound = getattr(result, "mip_dual_bound", None)
    bound = np.nan if bound is None else float(bound)
    if result.x is None:
        return None, bound
    return np.flatnonzero(result.x[:n_sites] > 0.5), (float(result.fun) if result.status == 0 else bound)


def _link(problem: SitingProblem) -> LinearConstraint:
    """y_i <= sum_j a_ij x_j: an origin counts only when a chosen site reaches it."""
    n_rows = problem.rows.shape[0]
    return LinearConstraint(sp.hstack([-problem.rows.astype(float), sp.identity(n_rows, format="csr")]).tocsr(),
                            -np.inf, 0)


LAGRANGE_STEPS = 3000  # subgradient steps of the bound at most …
LAGRANGE_S = 2.0  # … and at most this long (about 300 steps on 2 million coverage pairs)
EXACT_PAIRS = 300_000  # coverage pairs HiGHS is given at most: larger programs outrun the time limit in its presolve


def lagrangian_bound(problem: SitingProblem, sites: int, lower: float) -> tuple[float, np.ndarray]:
    """An upper bound on the weight `sites` sites can newly bring, and each candidate's own bound when it is
    forced into the plan: the Lagrangian relaxation of "an origin counts only if a chosen site reaches it"
    (Galvão & ReVelle 1996), its multipliers improved by subgradient steps. Every multiplier gives a valid bound;
    the best one found is kept. `lower` is a plan's weight (the greedy one), which sets the step length."""
    rows, weight = problem.rows, problem.row_weight
    columns = rows.T.tocsr()
    multipliers = weight / np.maximum(np.diff(rows.indptr), 1)
    best, best_site_bound, scale, stalled = np.inf, None, 2.0, 0
    started = time.perf_counter()
    for _ in range(LAGRANGE_STEPS):
        reach = columns @ multipliers
        order = np.argsort(-reach)
        top = reach[order[:sites]].sum()
        base = np.maximum(weight - multipliers, 0.0).sum()
        bound = base + top
        if bound < best - 1e-9:
            best, stalled = bound, 0
            following = reach[order[sites - 1]] if sites <= len(reach) else 0.0
            best_site_bound = np.where(np.isin(np.arange(len(reach)), order[:sites]), bound,
                                       base + top - following + reach)
        else:
            stalled += 1
            if stalled >= 20:
                scale, stalled = scale / 2, 0
        # rows @ (the top sites as 0/1), summed over the top sites' own columns only: a fraction of the pairs
        chosen_rows = np.concatenate([columns.indices[columns.indptr[j]:columns.indptr[j + 1]] for j in order[:sites]])
        slope = np.bincount(chosen_rows, minlength=len(weight)) - (weight - multipliers > 0)
        norm = float(slope @ slope)
        if (norm == 0 or best - lower <= 1e-9 * max(best, 1.0) or scale < 1e-4
                or time.perf_counter() - started > LAGRANGE_S):
            break
        multipliers = np.clip(multipliers - scale * (bound - lower) / norm * slope, 0.0, weight)
    return best, best_site_bound


def maximal_covering(problem: SitingProblem, sites: int) -> SitingResult:
    """The `sites` candidates that bring the most weight within reach, beyond the origins covered already.

    Exact: the greedy choice gives a lower bound L; the Lagrangian relaxation gives an upper bound and, for each
    candidate, a bound on any plan that contains it, so the candidates that cannot beat L are left out (valid
    bounds, not a heuristic) and HiGHS solves the rest. It proves the optimum; or, at its time limit or when even
    the reduced program is too large for it, the best plan found is given with the gap to the proven bound."""
    started = time.perf_counter()
    sites = min(sites, problem.candidates)
    greedy = greedy_covering(problem, sites)
    found = greedy.covered_after - greedy.covered_before
    if sites == 0 or problem.rows.shape[0] == 0:
        return replace(greedy, optimal=True, gap=0.0)
    upper, site_bound = lagrangian_bound(problem, sites, found)
    kept = np.flatnonzero(site_bound >= found - 1e-9 * max(found, 1.0))
    if upper <= found * (1 + 1e-9) or len(kept) == 0:
        return replace(greedy, optimal=True, gap=0.0)
    sub = problem.rows[:, kept].tocsr()
    winnable = np.flatnonzero(np.diff(sub.indptr) > 0)
    reduced = siting_problem(sub[winnable], problem.row_weight[winnable])
    plan, proved = greedy, upper
    if reduced.rows.nnz <= EXACT_PAIRS:
        n_sites, n_rows = reduced.candidates, reduced.rows.shape[0]
        objective = np.concatenate([np.zeros(n_sites), -reduced.row_weight])
        count = sp.csr_matrix(np.concatenate([np.ones(n_sites), np.zeros(n_rows)])[None, :])
        chosen, bound = _solve(objective, [_link(reduced), LinearConstraint(count, 0, sites)], n_sites, n_rows,
                               max(1.0, TIME_LIMIT_S - SOLVER_MARGIN_S - (time.perf_counter() - started)))
        if chosen is not None:
            solved = _result(problem, kept[chosen], False, 0.0)
            plan = solved if solved.covered_after > greedy.covered_after else greedy
        if np.isfinite(bound):  # a plan beating the greedy one uses only kept candidates: HiGHS's bound holds
            proved = min(upper, max(-bound, found))
    gained = plan.covered_after - plan.covered_before
    gap = max(0.0, (proved - gained) / proved) if proved > 0 else 0.0
    return replace(plan, optimal=gap <= 1e-9, gap=0.0 if gap <= 1e-9 else gap)


def set_covering(problem: SitingProblem, target_share: float) -> SitingResult | None:
    """The fewest candidates that bring `target_share` of all the weight within reach (the origins covered
    already count); None when even every candidate together cannot."""
    needed = target_share * problem.weights.sum() - problem.weights[problem.covered].sum()
    if needed > problem.row_weight.sum() + 1e-9:
        return None
    if needed <= 0:
        return _result(problem, np.zeros(0, dtype=np.int64), True, 0.0)
    n_sites, n_rows = problem.candidates, problem.rows.shape[0]
    objective = np.concatenate([np.ones(n_sites), np.zeros(n_rows)])
    reach = sp.csr_matrix(np.concatenate([np.zeros(n_sites), problem.row_weight])[None, :])
    chosen, bound = _solve(objective, [_link(problem), LinearConstraint(reach, needed - 1e-9, np.inf)],
                           n_sites, n_rows)
    if chosen is None:  # no plan in time: the greedy one, with the gap to the fewest any plan could need
        chosen = np.array(_greedy_sites(problem, problem.candidates, needed), dtype=np.int64)
    best_first = np.sort(np.asarray(problem.rows.T @ problem.row_weight).ravel())[::-1]
    fewest_possible = max(int(np.searchsorted(np.cumsum(best_first), needed - 1e-9) + 1),
                          int(np.ceil(bound - 1e-9)) if np.isfinite(bound) else 0)
    gap = (len(chosen) - fewest_possible) / len(chosen) if len(chosen) else 0.0
    return _result(problem, chosen, gap <= 1e-9, max(0.0, float(gap)))


def _greedy_sites(problem: SitingProblem, sites: int, needed: float = np.inf) -> list[int]:
    """Sites added one at a time, each the one covering the most of what is left: at most `sites` of them, and no
    more once `needed` is within reach or nothing is left to win."""
    left = problem.row_weight.copy()
    columns = problem.rows.tocsc()
    chosen, gained = [], 0.0
    while len(chosen) < min(sites, problem.candidates) and gained < needed - 1e-9 and columns.nnz:
        gains = np.asarray(columns.T @ left).ravel()
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        chosen.append(best)
        gained += gains[best]
        left[columns[:, best].indices] = 0.0
    return chosen


def greedy_covering(problem: SitingProblem, sites: int) -> SitingResult:
    """The usual heuristic, as a baseline only: add the site that covers the most of what is left, `sites` times.
    Its coverage is a lower bound of the optimum (at least 63 % of it, Nemhauser et al. 1978)."""
    return _result(problem, np.array(_greedy_sites(problem, sites), dtype=np.int64), False, float("nan"))


@dataclass(frozen=True)
class ProposalStanding:
    """What the user's own sites newly bring within reach, what the best as many candidates bring, and the share
    of that optimum the user's sites reach (1 when even the best brings nothing)."""
    own: float
    best: float

    @property
    def share_of_best(self) -> float:
        return self.own / self.best if self.best > 0 else 1.0


def proposal_standing(problem: SitingProblem, own_columns: list[int], best: SitingResult) -> ProposalStanding:
    """The user's sites (candidate columns) against `best`, the optimum for as many sites."""
    return ProposalStanding(weight_reached(problem, own_columns) - best.covered_before, best.gained)


def weight_reached(problem: SitingProblem, columns: list[int] | np.ndarray) -> float:
    """The weight within reach once facilities stand at these candidates too (the origins covered already count)."""
    reached = problem.covered.copy()
    if len(columns):
        reached |= np.asarray(problem.coverage[:, list(columns)].sum(axis=1)).ravel() > 0
    return float(problem.weights[reached].sum())


def _result(problem: SitingProblem, chosen: np.ndarray, optimal: bool, gap: float) -> SitingResult:
    """The chosen sites in the order each adds the most of what is still uncovered, and what each adds."""
    columns = problem.coverage[:, [int(j) for j in chosen]].tocsc()
    left = np.where(problem.covered, 0.0, problem.weights)
    order, gains, open_columns = [], [], list(range(len(chosen)))
    while open_columns:
        added = np.asarray(columns[:, open_columns].T @ left).ravel()
        best = int(np.argmax(added))
        column = open_columns.pop(best)
        order.append(int(chosen[column]))
        gains.append(float(added[best]))
        left[columns[:, column].indices] = 0.0
    before = float(problem.weights[problem.covered].sum())
    return SitingResult(tuple(order), tuple(gains), before, before + float(sum(gains)),
                        float(problem.weights.sum()), optimal, gap)


# One candidate per 400 m square: for walks of 500-1,000 m the sites between are near-copies, and Almaty's
# 19,500-node network gives about 2,000 candidates (coverage and optimum in a few seconds on this machine).
CANDIDATE_SPACING_M = 400.0


MAX_OWN_CANDIDATES = 5_000


def own_candidates(features: gpd.GeoDataFrame, boundary: shapely.Geometry, city: City) -> np.ndarray:
    """Where a user's own candidate sites stand (metres, the city's CRS): the points, or the inner points of areas, of a
    file read by geo.readers (WGS84) that lie inside the city's boundary; InputRejected when none does or when
    there are more than MAX_OWN_CANDIDATES."""
    if len(features) > MAX_OWN_CANDIDATES:
        raise InputRejected([Problem("too_many_sites", {"count": len(features), "limit": MAX_OWN_CANDIDATES})])
    points = features.geometry.representative_point()
    inside = points[points.within(boundary)]
    if inside.empty:
        raise InputRejected([Problem("no_sites_inside", {"count": len(features), "city": city.names["en"],
                                                         "city_id": city.id})])
    projected = gpd.GeoSeries(inside.values, crs=STORAGE_CRS).to_crs(city.crs)
    return np.column_stack([projected.x, projected.y])


def spaced_points(xy: np.ndarray, spacing_m: float = CANDIDATE_SPACING_M) -> np.ndarray:
    """Indices of one point per `spacing_m` square (the first in order): where a new facility could stand."""
    cells = np.floor(np.asarray(xy) / spacing_m).astype(np.int64)
    _, first = np.unique(cells, axis=0, return_index=True)
    return np.sort(first)


@dataclass(frozen=True)
class CitySiting:
    """A city's siting problem for a destination kind and distance: the access model it starts from, where the
    candidates stand (metres, the city's CRS; the last `extra` of them are the user's own), what the weights are
    ("people" from district or grid populations, else "sample points") and the layers it rests on."""
    city_id: str
    target_id: str
    within_m: float
    method: str  # "network" | "straight_line", as the access model
    model: AccessModel | None
    candidate_xy: np.ndarray
    extra: int
    problem: SitingProblem
    weighted_by: str
    sources: tuple[str, ...]


def city_siting(city: City, target_id: str, city_layer: CityLayer, within_m: float,
                extra_xy: np.ndarray | None = None, spacing_m: float | None = CANDIDATE_SPACING_M) -> CitySiting:
    """The siting problem of `city`: candidates one per `spacing_m` square of the network's nodes (or of the
    grid's sample points where it has no network; none when `spacing_m` is None: the user's list alone), plus the
    user's own points `extra_xy` (metres); coverage exact on the network, else by the access model's
    straight-line rule; origins within reach of an existing destination of the kind already covered."""
    if target_id not in ACCESS_TARGETS or not ACCESS_TARGETS[target_id].sited:
        raise DataMissingError(f"{target_id} is not a kind of facility a plan can add")
    sampled = city_origins(city, city_layer)
    model = access_model(city, target_id, city_layer, sampled)
    extra_xy = np.zeros((0, 2)) if extra_xy is None else np.atleast_2d(np.asarray(extra_xy, dtype=float))
    if sampled.method == "network":
        grid_nodes = (spaced_points(sampled.network.node_xy, spacing_m) if spacing_m
                      else np.zeros(0, dtype=np.int64))
        grid = sampled.network.node_xy[grid_nodes]
        snap = snap_to_network(sampled.network, extra_xy)
        nodes = np.concatenate([grid_nodes, snap.node])
        lead = np.concatenate([np.zeros(len(grid)), snap.distance])
        coverage = coverage_matrix(sampled.network, sampled.origins, nodes, within_m, lead)
    else:
        grid = sampled.xy[spaced_points(sampled.xy, spacing_m)] if spacing_m else np.zeros((0, 2))
        coverage = straight_coverage_matrix(sampled.xy, np.vstack([grid, extra_xy]), within_m)
    covered = model.distance <= within_m if model is not None else np.zeros(len(sampled.xy), dtype=bool)
    known = sampled.weights is not None and np.isfinite(sampled.weights).any()
    weights = np.nan_to_num(sampled.weights, nan=0.0) if known else np.ones(len(sampled.xy))
    layers = [city_layer(layer_id) for layer_id in ("walking_network", ACCESS_TARGETS[target_id].layer_id,
                                                    "population_grid", "districts")]
    sources = tuple(dict.fromkeys(f"{source} — {licence}" for layer in layers if len(layer)
                                  for source, licence in zip(layer["source"], layer["licence"])))
    return CitySiting(city.id, target_id, within_m, sampled.method, model, np.vstack([grid, extra_xy]),
                      len(extra_xy), siting_problem(coverage, weights, covered),
                      "people" if known else "sample points", sources)


SOLVER = "HiGHS (scipy.optimize.milp), exact"
GREEDY = "greedy (a baseline, not proven optimal)"


def solver_label(result: SitingResult) -> str:
    """How sure a plan is, in words that travel with it (CSV, GeoJSON, the kept plan's source)."""
    if not np.isfinite(result.gap):
        return GREEDY
    if result.optimal:
        return SOLVER
    return (f"best plan found within {TIME_LIMIT_S:.0f} s, not proven optimal: at most {result.gap:.1%} below the "
            "bound proved (Lagrangian relaxation, HiGHS)")
PLAN_COLUMNS = ["rank", "lon", "lat", "newly_within", "unit", "kind", "within_m", "share_within_before",
                "share_within_cumulative", "share_within_after", "proven_optimal", "optimality_gap", "solver",
                "sources"]


def plan_table(siting: CitySiting, result: SitingResult, crs: str) -> pd.DataFrame:
    """The chosen sites as rows (PLAN_COLUMNS), in WGS84, ranked by what each adds: what the page's CSV and
    the stored plan hold."""
    xy = siting.candidate_xy[list(result.chosen)].reshape(-1, 2)
    points = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs).to_crs(STORAGE_CRS)
    return pd.DataFrame({
        "rank": range(1, len(xy) + 1), "lon": points.x.round(6).to_numpy(), "lat": points.y.round(6).to_numpy(),
        "newly_within": np.round(result.newly_covered, 1), "unit": siting.weighted_by, "kind": siting.target_id,
        "within_m": siting.within_m, "share_within_before": round(result.share_before, 4),
        "share_within_cumulative": np.round((result.covered_before + np.cumsum(result.newly_covered))
                                            / result.total, 4) if result.total else np.nan,
        "share_within_after": round(result.share_after, 4), "proven_optimal": result.optimal,
        "optimality_gap": result.gap, "solver": solver_label(result),
        "sources": "; ".join(siting.sources)}, columns=PLAN_COLUMNS)


def plan_geojson(siting: CitySiting, result: SitingResult, crs: str) -> dict:
    """The chosen sites as a GeoJSON FeatureCollection (WGS84): each with its rank and the people (or sample
    points) it newly brings within reach; the plan's facts in the collection's "atlas" member."""
    table = plan_table(siting, result, crs)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
                 "properties": {"rank": int(row.rank), "newly_within": float(row.newly_within),
                                "unit": siting.weighted_by}} for row in table.itertuples()]
    facts = {"city_id": siting.city_id, "kind": siting.target_id, "within_m": siting.within_m,
             "sites": len(result.chosen), "weighted_by": siting.weighted_by, "method": siting.method,
             "candidates": siting.problem.candidates,
             "share_within_before": round(result.share_before, 4) if result.total else None,
             "share_within_after": round(result.share_after, 4) if result.total else None,
             "solver": solver_label(result), "proven_optimal": result.optimal, "optimality_gap": result.gap,
             "sources": list(siting.sources)}
    return {"type": "FeatureCollection", "atlas": facts, "features": features}


def plan_layer(siting: CitySiting, result: SitingResult, crs: str) -> gpd.GeoDataFrame:
    """The chosen sites as the city's planned_sites layer (what an editor keeps as a versioned plan)."""
    table = plan_table(siting, result, crs)
    return gpd.GeoDataFrame({
        "city_id": siting.city_id, "rank": table["rank"], "kind": siting.target_id, "within_m": siting.within_m,
        "newly_within": table["newly_within"], "unit": siting.weighted_by,
        "share_within_before": table["share_within_before"], "share_within_after": table["share_within_after"],
        "optimality_gap": result.gap if np.isfinite(result.gap) else 1.0,
        "source": f"{solver_label(result)}; " + "; ".join(siting.sources),
        "licence": "As the layers it is computed from"},
        geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs=STORAGE_CRS)
