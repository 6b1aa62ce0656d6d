"""Optimal siting: HiGHS's optimum equals brute force over every choice of sites on small cases; the coverage of
candidate sites equals the walking-access engine's distances computed from scratch for each site."""
import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from geo import access
from geo.access import Snap
from geo.siting import (
    coverage_matrix,
    greedy_covering,
    maximal_covering,
    set_covering,
    siting_problem,
    straight_coverage_matrix,
)
from tests.test_access import helsinki  # noqa: F401  (the demo city's network and facilities)


def random_case(seed: int, origins: int = 40, candidates: int = 9, density: float = 0.2):
    rng = np.random.default_rng(seed)
    coverage = sp.csr_matrix(rng.random((origins, candidates)) < density)
    weights = rng.integers(0, 500, origins).astype(float)
    covered = rng.random(origins) < 0.15
    return coverage, weights, covered


def weight_within(coverage: sp.csr_matrix, weights: np.ndarray, covered: np.ndarray, sites) -> float:
    dense = coverage.toarray()
    reached = covered | (dense[:, list(sites)].any(axis=1) if len(sites) else False)
    return float(weights[reached].sum())


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("sites", [1, 2, 3])
def test_maximal_covering_equals_brute_force(seed, sites):
    coverage, weights, covered = random_case(seed)
    best = max(weight_within(coverage, weights, covered, choice)
               for choice in itertools.combinations(range(coverage.shape[1]), sites))
    result = maximal_covering(siting_problem(coverage, weights, covered), sites)
    assert result.optimal and len(result.chosen) <= sites
    assert result.covered_after == pytest.approx(best)
    assert weight_within(coverage, weights, covered, result.chosen) == pytest.approx(result.covered_after)
    assert result.covered_before == pytest.approx(weights[covered].sum())
    assert sum(result.newly_covered) == pytest.approx(result.covered_after - result.covered_before)
    assert list(result.newly_covered) == sorted(result.newly_covered, reverse=True) or sites == 1


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("target", [0.5, 0.8, 0.95])
def test_set_covering_finds_the_fewest_sites_brute_force_finds(seed, target):
    coverage, weights, covered = random_case(seed, density=0.3)
    needed = target * weights.sum()
    fewest = next((size for size in range(coverage.shape[1] + 1)
                   for choice in itertools.combinations(range(coverage.shape[1]), size)
                   if weight_within(coverage, weights, covered, choice) >= needed - 1e-9), None)
    result = set_covering(siting_problem(coverage, weights, covered), target)
    if fewest is None:
        assert result is None
        return
    assert result.optimal and len(result.chosen) == fewest
    assert result.covered_after >= needed - 1e-6
    assert weight_within(coverage, weights, covered, result.chosen) == pytest.approx(result.covered_after)


def test_a_hand_made_case_with_a_known_answer():
    # Sites 0 and 2 together reach 100 + 60 + 30; site 1 alone reaches 100 + 60, the most of any one site.
    coverage = sp.csr_matrix(np.array([[0, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 0]], dtype=bool))
    weights = np.array([100.0, 60.0, 30.0, 10.0])
    problem = siting_problem(coverage, weights)
    one = maximal_covering(problem, 1)
    assert one.chosen == (1,) and one.covered_after == 160
    two = maximal_covering(problem, 2)
    assert set(two.chosen) == {1, 2} and two.covered_after == 190 and two.newly_covered == (160.0, 30.0)
    assert set_covering(problem, 0.96) is None  # 190 of 200 at most: the last origin is out of reach
    assert set_covering(problem, 0.9).chosen == (1, 2)


def test_coverage_equals_the_access_engine_from_each_site(helsinki):  # noqa: F811
    network, origins, _facilities = helsinki
    rng = np.random.default_rng(3)
    candidates = rng.choice(network.n_nodes, 25, replace=False)
    within = 1000.0
    coverage = coverage_matrix(network, origins, candidates, within).toarray()
    for j, node in enumerate(candidates):
        engine = access.origin_distances(origins, access.node_distances(network, Snap(np.array([node]),
                                                                                       np.array([0.0]))))
        assert np.array_equal(coverage[:, j], engine <= within), j
    assert coverage.any(axis=0).all() and not coverage.all()


def test_the_command_line_plan_brings_within_reach_what_the_what_if_engine_recomputes(geo_cli, tmp_path):
    """`python -m geo siting` on the demo city: GeoJSON sites ranked by what each adds; the share within reach
    once facilities stand there, recomputed by the Walking access page's what-if (one Dijkstra per proposal,
    merged), equals the plan's; asking for more sites never brings fewer people."""
    import json

    import geopandas as gpd

    from geo.cities import get_city
    from geo.layerstore import LayerStore

    done = geo_cli("siting", "--city", "helsinki-demo", "--kind", "pharmacy", "--within", "500", "--sites", "2",
                   env={"ATLAS_USER_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.text)
    facts = plan["atlas"]
    assert [f["properties"]["rank"] for f in plan["features"]] == [1, 2] and facts["proven_optimal"]
    gains = [f["properties"]["newly_within"] for f in plan["features"]]
    assert gains == sorted(gains, reverse=True) and gains[0] > 0 and facts["sources"]
    city = get_city("helsinki-demo")
    store = LayerStore()
    model = access.access_model(city, "pharmacy", lambda layer_id: store.read_layer(layer_id, city.id))
    sites = gpd.GeoSeries.from_xy([f["geometry"]["coordinates"][0] for f in plan["features"]],
                                  [f["geometry"]["coordinates"][1] for f in plan["features"]], crs=4326).to_crs(city.crs)
    after = access.distances_with(model, np.column_stack([sites.x, sites.y]))
    weights = np.nan_to_num(model.weights, nan=0.0) if facts["weighted_by"] == "people" else np.ones(len(after))
    assert weights[after <= 500].sum() / weights.sum() == pytest.approx(facts["share_within_after"], abs=1e-4)
    assert facts["share_within_after"] > facts["share_within_before"]
    more = json.loads(geo_cli("siting", "--city", "helsinki-demo", "--kind", "pharmacy", "--within", "500",
                              "--sites", "3", env={"ATLAS_USER_DIR": str(tmp_path)}).text)
    assert more["atlas"]["share_within_after"] >= facts["share_within_after"]


def test_the_command_line_refuses_an_unknown_kind_in_one_line(geo_cli):
    done = geo_cli("siting", "--city", "almaty", "--kind", "cinemas")
    assert done.returncode == 2 and "unknown kind 'cinemas'" in done.stderr and done.stdout == b""


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("sites", [2, 3])
def test_the_bound_that_leaves_candidates_out_keeps_the_optimum_of_larger_overlapping_cases(seed, sites):
    """30 candidates with heavily overlapping reach (the greedy choice is not always best): the pruned program's
    optimum is brute force's over all 4,060 choices of 3."""
    rng = np.random.default_rng(100 + seed)
    centres = rng.random((30, 2))
    origins = rng.random((150, 2))
    coverage = sp.csr_matrix(np.linalg.norm(origins[:, None] - centres[None], axis=2) < 0.25)
    weights = rng.integers(1, 100, 150).astype(float)
    covered = rng.random(150) < 0.1
    dense = coverage.toarray()
    best = max(weights[covered | dense[:, list(choice)].any(axis=1)].sum()
               for choice in itertools.combinations(range(30), sites))
    problem = siting_problem(coverage, weights, covered)
    result = maximal_covering(problem, sites)
    assert result.optimal and result.covered_after == pytest.approx(best)
    greedy = greedy_covering(problem, sites)
    assert greedy.covered_after <= result.covered_after + 1e-9 and not greedy.optimal and np.isnan(greedy.gap)


def test_greedy_is_labelled_wherever_it_travels():
    coverage, weights, covered = random_case(1)
    problem = siting_problem(coverage, weights, covered)
    exact, greedy = maximal_covering(problem, 2), greedy_covering(problem, 2)
    assert exact.gap == 0.0 and exact.optimal
    assert not greedy.optimal and np.isnan(greedy.gap)


def test_straight_line_coverage_is_the_access_models_own_rule():
    rng = np.random.default_rng(5)
    origin_xy, candidate_xy = rng.random((300, 2)) * 3000, rng.random((40, 2)) * 3000
    coverage = straight_coverage_matrix(origin_xy, candidate_xy, 1000.0).toarray()
    for j in range(len(candidate_xy)):
        engine = access.straight_line_distances(origin_xy, candidate_xy[j:j + 1])
        assert np.array_equal(coverage[:, j], engine <= 1000.0), j
    assert coverage.any() and not coverage.all()


def test_astanas_plan_recomputed_by_straight_lines_from_scratch():
    """Astana has no street network: the plan's share within reach, recomputed by plain numpy distances from
    every sample point to the existing clinics and the new sites (× the detour factor), equals the solver's."""
    from geo.cities import get_city
    from geo.siting import city_siting
    from tests.test_access_indicators import layer_of, points_of

    city = get_city("astana")
    city_layer = layer_of(city)
    found = city_siting(city, "healthcare", city_layer, 1000.0)
    result = maximal_covering(found.problem, 3)
    assert found.method == "straight_line" and result.optimal and len(result.chosen) == 3
    clinics = city_layer("health_facilities").query("facility_type != 'pharmacy'")
    sampled = access.city_origins(city, city_layer)
    facilities = np.vstack([points_of(clinics, city.crs), found.candidate_xy[list(result.chosen)]])
    nearest = np.min([np.hypot(*(sampled.xy - f).T) for f in facilities], axis=0) * access.DETOUR_FACTOR
    weights = np.nan_to_num(sampled.weights, nan=0.0)
    assert weights[nearest <= 1000].sum() / weights.sum() == pytest.approx(result.share_after, abs=1e-9)


def test_a_citys_own_candidate_list_is_checked_and_can_be_weighed_alone():
    """Plots the city owns, as a file: the places outside the city are dropped, a file with none inside (or too
    many) is refused with a reason, and with "only my sites" the best plan is chosen among them alone."""
    import geopandas as gpd

    from geo.cities import get_city
    from geo.errors import InputRejected
    from geo.siting import MAX_OWN_CANDIDATES, city_siting, own_candidates
    from tests.test_access_indicators import layer_of

    city = get_city("helsinki-demo")
    city_layer = layer_of(city)
    boundary = city_layer("boundary").geometry.iloc[0]
    inside = [boundary.representative_point()] + list(city_layer("schools").geometry[:3])
    outside = gpd.points_from_xy([0.0], [0.0])[0]
    features = gpd.GeoDataFrame(geometry=inside + [outside], crs=4326)
    xy = own_candidates(features, boundary, city)
    assert len(xy) == len(inside)
    with pytest.raises(InputRejected) as refused:
        own_candidates(gpd.GeoDataFrame(geometry=[outside], crs=4326), boundary, city)
    assert refused.value.problems[0].code == "no_sites_inside"
    with pytest.raises(InputRejected) as refused:
        own_candidates(gpd.GeoDataFrame(geometry=[outside] * (MAX_OWN_CANDIDATES + 1), crs=4326), boundary, city)
    assert refused.value.problems[0].code == "too_many_sites"
    alone = city_siting(city, "pharmacy", city_layer, 500.0, xy, spacing_m=None)
    assert alone.problem.candidates == len(xy) and alone.extra == len(xy)
    best = maximal_covering(alone.problem, 2)
    assert best.optimal and set(best.chosen) <= set(range(len(xy)))
    brute = max(siting_weight(alone.problem, choice) for choice in itertools.combinations(range(len(xy)), 2))
    assert best.covered_after == pytest.approx(brute)


def siting_weight(problem, columns) -> float:
    from geo.siting import weight_reached
    return weight_reached(problem, list(columns))
