"""Indicator registry and values: computed from the embedded data, checked against the raw tables by a
separate path; ranks follow each indicator's direction; missing never ranks, scores or shows as zero."""
import csv
import math

import numpy as np
import pandas as pd
import pytest

from geo.air import annual_stats
from geo.cities import all_cities, get_city
from geo.embedded import read_layer, read_table
from geo.i18n import catalogue, translate
from geo.indicators import (
    INDICATORS,
    KZ_SECTIONS,
    WHO_GROUPS,
    city_figures,
    indicator_values,
    latest_values,
    normalised_scores,
    rank_cities,
)
from geo.paths import RAW_DIR


def values_for(city_id):
    def rows(frame):
        return frame[frame["city_id"] == city_id]
    air = read_table("air_daily")
    return indicator_values(get_city(city_id), rows(read_layer("boundary")), rows(read_layer("health_facilities")),
                            rows(read_layer("districts")), annual_stats(rows(air)), read_table("regional_stats"),
                            official=rows(read_table("official_air")))


def latest_for(city_id):
    return latest_values(values_for(city_id)).set_index("indicator_id")


def raw_regional(path, region_label, column):
    with open(RAW_DIR / path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if list(row.values())[0].strip().rstrip("*").strip() == region_label:
                return float(row[column])
    raise KeyError(region_label)


def test_registry_groups_sections_and_references_are_well_formed():
    for spec in INDICATORS.values():
        assert spec.direction in {"higher_is_better", "lower_is_better", "neutral"}
        assert spec.who_group in WHO_GROUPS and spec.kz_section in KZ_SECTIONS
        assert spec.level in {"city", "region", "district"}
        assert spec.definition[0] in catalogue()["en"] and spec.source
        assert translate(spec.definition[0], "en", **spec.definition[1])  # fills in with the spec's own parameters
        if spec.reference:
            assert spec.reference.label_key in catalogue()["en"]
    sections = {spec.kz_section for spec in INDICATORS.values()}
    assert sections == set(KZ_SECTIONS) - {"digitalization"}  # no open digitalization data: said on the page
    assert {spec.who_group for spec in INDICATORS.values()} == set(WHO_GROUPS)
    assert INDICATORS["pm25_annual_mean"].sdg == "11.6.2" and INDICATORS["pm25_annual_mean"].reference.value == 5
    assert INDICATORS["co_p99_daily"].reference.value == 4000  # 4 mg/m³ in µg/m³
    assert "no2_annual_mean" in INDICATORS and "so2_annual_mean" not in INDICATORS  # SO2 has no annual AQG


def test_every_indicator_name_and_unit_translates():
    for spec in INDICATORS.values():
        key, params = spec.name
        assert translate(key, "ru", **params) and translate(f"unit.{spec.unit}", "ru")


def test_life_expectancy_is_the_regions_value_for_karaganda_and_the_citys_for_astana():
    karaganda = latest_for("karaganda").loc["life_expectancy"]
    expected = raw_regional("open_data_kz/average-life-expectancy/Life_Expc/data/llife.csv", "Карагандинская", "2022")
    assert karaganda["value"] == expected and karaganda["year"] == 2022
    assert karaganda["level"] == "region" and karaganda["note_key"] == "note.region_value"
    astana = latest_for("astana").loc["life_expectancy"]
    assert astana["level"] == "city"
    assert astana["value"] == raw_regional("open_data_kz/average-life-expectancy/Life_Expc/data/llife.csv",
                                           "г. Астана", "2022")


def test_life_expectancy_series_has_every_published_year():
    series = values_for("pavlodar").query("indicator_id == 'life_expectancy'")
    assert series["year"].min() == 1999 and series["year"].max() == 2022 and len(series) == 24


def test_medical_institutions_recomputed_from_counts_and_salary_from_the_table():
    latest = latest_for("almaty")
    assert latest.loc["med_institutions_per_10k", "value"] == pytest.approx(_med_rate("Almaty city"))
    with open(RAW_DIR / "open_data_kz/city-ranking-main/data/cleaned_data.csv") as f:
        salary = next(float(r["avg_salary"]) for r in csv.DictReader(f) if r["Region"] == "Almaty city")
    assert latest.loc["avg_salary", "value"] == salary


def _med_rate(region):
    with open(RAW_DIR / "open_data_kz/city-hospitals-and-clinics/data/med_institution_rate.csv") as f:
        for row in csv.DictReader(f):
            if row["Region"] == region:
                return int(row["Med-institution"]) / int(row["Population"]) * 10_000
    raise KeyError(region)


def known_district_rows(city_id):
    values = values_for(city_id)
    return values[(values["level"] == "district") & values["value"].notna()]


def test_units_drawn_around_a_city_are_not_its_districts():
    """Bishkek's layer holds the raions around it (Alamedin, Sokuluk): they are not the city's districts."""
    layer = read_layer("districts").query("city_id == 'bishkek'")
    assert {"Alamedin", "Sokuluk"} <= set(layer["name"])
    assert known_district_rows("bishkek").empty


def test_almaty_districts_carry_official_populations_and_lower_bounds_say_so():
    """Recomputed from the raw outlines (geodesic areas, pyproj) and the gov.kz table, not the embedded layer."""
    import json

    from pyproj import Geod
    from shapely.geometry import shape
    with open(RAW_DIR / "more_open_data/city_stats/almaty_district_population_reference_v2.csv",
              encoding="utf-8") as f:
        table = {row["district_name"]: row for row in csv.DictReader(f)}
    outlines = json.loads((RAW_DIR / "city_districts/almaty.geojson").read_text(encoding="utf-8"))["features"]
    rows = known_district_rows("almaty")
    population = rows.query("indicator_id == 'district_population'").set_index("area")
    density = rows.query("indicator_id == 'district_population_density'").set_index("area")["value"]
    assert len(population) == 8
    lower = {name for name, row in table.items() if row["use_in_metrics"] == "False"}
    assert lower == {"Auezov", "Turksib"}
    for name in lower:
        assert population.loc[name, "note_key"] == "note.population_lower_bound"
        assert population.loc[name, "value"] == float(table[name]["official_population"])
        assert name not in density.index  # no per-resident figure from a lower bound
    geod = Geod(ellps="WGS84")
    renamed = {"Jetysu": "Zhetysu", "Nauryzbai": "Nauryzbay"}
    for feature in outlines:
        name = feature["properties"]["district_en"]
        official = float(table[renamed.get(name, name)]["official_population"])
        if renamed.get(name, name) in lower:
            continue
        area_km2 = abs(geod.geometry_area_perimeter(shape(feature["geometry"]))[0]) / 1e6
        assert population.loc[name, "value"] == official
        assert density[name] == pytest.approx(official / area_km2, rel=0.01), name


def test_district_populations_are_not_attached_to_outlines_of_an_older_division():
    """Shymkent's statistics name Turan, which has no outline: its four outlines get no population."""
    layer = read_layer("districts").query("city_id == 'shymkent'")
    assert len(layer) == 4 and layer["population"].isna().all()
    assert set(layer["population_precision"]) == {"outline_differs"}
    assert known_district_rows("shymkent").query("indicator_id == 'district_population'").empty


def test_district_health_facilities_are_counted_inside_each_district():
    """Astana: facilities per 10,000 per district, recounted with shapely against the raw outlines."""
    import json

    from shapely.geometry import shape
    outlines = json.loads((RAW_DIR / "city_districts/astana.geojson").read_text(encoding="utf-8"))["features"]
    facilities = read_layer("health_facilities").query("city_id == 'astana'")
    rows = known_district_rows("astana").query("indicator_id == 'district_health_facilities_per_10k'")
    per_10k = rows.set_index("area")["value"]
    population = known_district_rows("astana").query("indicator_id == 'district_population'").set_index("area")["value"]
    assert len(per_10k) == 6
    counted = 0
    for feature in outlines:
        name = feature["properties"]["district_en"].split(" (")[0]
        inside = int(facilities.geometry.within(shape(feature["geometry"])).sum())
        counted += inside
        assert per_10k[name] == pytest.approx(inside / population[name] * 10_000, abs=0.01), name
    assert counted > 0.9 * len(facilities)  # nearly every facility lies in one of the districts


def test_missing_values_stay_missing_with_a_reason():
    bishkek = latest_for("bishkek")  # the Kazakh bureau's statistics are no row at all for a Kyrgyz city
    assert "life_expectancy" not in bishkek.index and "avg_salary" not in bishkek.index
    osh = latest_for("osh")  # an approximate core outline of unknown population: no ratio, said why
    assert math.isnan(osh.loc["population_density", "value"])
    assert osh.loc["population_density", "note_key"] == osh.loc["health_facilities_per_10k", "note_key"] == \
        "note.no_ratio_approximate"
    shymkent = latest_for("shymkent")
    assert math.isnan(shymkent.loc["health_facilities_osm", "value"])
    assert shymkent.loc["health_facilities_osm", "note_key"] == "note.no_facilities"
    aktobe = latest_for("aktobe")  # no city polygon in the open data: the region's area, no density
    assert math.isnan(aktobe.loc["population_density", "value"])
    assert aktobe.loc["boundary_area", "level"] == "region"
    osh = latest_for("osh")
    assert osh.loc["pm25_annual_mean", "note_key"] == "note.no_air"


@pytest.mark.slow
def test_every_city_has_one_latest_row_per_non_district_indicator():
    for city in all_cities():
        latest = latest_values(values_for(city.id))
        expected = {i for i, s in INDICATORS.items() if s.level != "district" and (
            not s.countries or city.country in s.countries)}
        if city.region.endswith(" city"):  # the region is the city: its population is listed once, as the city's
            expected.discard("region_population")
        assert set(latest["indicator_id"]) == expected and latest["indicator_id"].is_unique, city.id


def test_city_figures_keep_the_card_order():
    figures = city_figures(values_for("bishkek"))
    assert figures["indicator_id"].tolist()[:2] == ["population", "boundary_area"]
    assert figures.set_index("indicator_id").loc["health_facilities_osm", "value"] == 540


def latest_table(values, indicator_id="unemployment_rate"):
    return pd.DataFrame({"city_id": list("abcd"), "indicator_id": indicator_id, "value": values})


def test_ranking_follows_direction_and_never_ranks_missing():
    ranked = rank_cities(latest_table([4.0, np.nan, 6.0, 5.0]), "unemployment_rate")  # lower is better
    assert ranked["city_id"].tolist() == ["a", "d", "c", "b"]
    assert ranked["rank"].tolist()[:3] == [1, 2, 3] and math.isnan(ranked["rank"].iloc[3])
    ranked = rank_cities(latest_table([70.0, 75.0, np.nan, 72.0], "life_expectancy"), "life_expectancy")
    assert ranked["city_id"].tolist() == ["b", "d", "a", "c"] and math.isnan(ranked["rank"].iloc[3])
    neutral = rank_cities(latest_table([3.0, 1.0, 2.0, 5.0], "household_spending"), "household_spending")
    assert neutral["rank"].isna().all()


def test_normalised_scores_run_from_worst_0_to_best_1_and_skip_missing():
    scores = normalised_scores(pd.concat([latest_table([4.0, np.nan, 6.0, 5.0]),
                                          latest_table([70.0, 80.0, 75.0, np.nan], "life_expectancy")]))
    unemployment = scores[scores["indicator_id"] == "unemployment_rate"].set_index("city_id")["score"]
    assert unemployment["a"] == 1.0 and unemployment["c"] == 0.0 and unemployment["d"] == 0.5
    assert math.isnan(unemployment["b"])
    life = scores[scores["indicator_id"] == "life_expectancy"].set_index("city_id")["score"]
    assert life["b"] == 1.0 and life["a"] == 0.0 and math.isnan(life["d"])


def test_hand_made_city_with_only_an_incomplete_year(square_km_boundary, two_points):
    days = pd.date_range("2021-01-01", periods=100, freq="D")
    daily = pd.DataFrame({"city_id": "bishkek", "pollutant": "pm25", "date": days, "value": 30.0, "qc_flag": "ok"})
    empty_districts = read_layer("districts").iloc[:0]
    values = indicator_values(get_city("bishkek"), square_km_boundary, two_points, empty_districts,
                              annual_stats(daily), read_table("regional_stats").iloc[:0])
    latest = latest_values(values).set_index("indicator_id")
    assert latest.loc["health_facilities_osm", "value"] == 2
    # 1 km² square; Bishkek's outline is the city before the 2024 reform: NSC's population of 1 January 2023
    assert latest.loc["population_density", "value"] == 1_145_000
    assert math.isnan(latest.loc["pm25_annual_mean", "value"])
    assert latest.loc["pm25_annual_mean", "note_key"] == "note.air_incomplete"


def test_karaganda_is_drawn_and_measured_by_its_city_outline_not_its_region():
    import geopandas as gpd

    from geo.paths import RAW_DIR
    outline = gpd.read_file(RAW_DIR / "city_districts/karaganda.geojson").to_crs("EPSG:32643")
    area = float(outline.area.iloc[0]) / 1e6  # by the raw outline, in the city's UTM zone
    karaganda = latest_for("karaganda")
    assert karaganda.loc["boundary_area", "level"] == "city"
    assert karaganda.loc["boundary_area", "value"] == pytest.approx(area, abs=0.1) and 490 < area < 510
    assert karaganda.loc["population_density", "value"] == pytest.approx(
        get_city("karaganda").population.value / area, rel=1e-3)


@pytest.mark.slow
def test_the_network_view_takes_each_citys_value_in_the_chosen_year():
    from geo.cities import member_cities
    from geo.indicators import indicator_years, section_coverage, values_in_year
    values = pd.concat([values_for(c.id) for c in member_cities()], ignore_index=True)
    stats = annual_stats(read_table("air_daily"))
    complete = stats[(stats["pollutant"] == "pm25") & (stats["year"] == 2022) & stats["complete"]]
    chosen = values_in_year(values, "pm25_annual_mean", 2022).set_index("city_id")["value"]
    assert len(chosen) == len(member_cities())
    assert set(chosen.dropna().index) == set(complete["city_id"]) & {c.id for c in member_cities()}
    assert chosen["bishkek"] == pytest.approx(complete.set_index("city_id").loc["bishkek", "mean"])
    assert 2022 in indicator_years(values, "pm25_annual_mean")
    counts = values_in_year(values, "health_facilities_osm", 2022).set_index("city_id")["value"]
    assert counts["bishkek"] == len(read_layer("health_facilities").query("city_id == 'bishkek'"))  # no year
    coverage = section_coverage(latest_values(values)).set_index(["city_id", "section"])
    osh = latest_values(values_for("osh")).set_index("indicator_id")
    demography = [i for i in osh.index if INDICATORS[i].kz_section == "demography" and INDICATORS[i].level != "district"]
    assert coverage.loc[("osh", "demography"), "known"] == osh.loc[demography, "value"].notna().sum()
    assert coverage.loc[("osh", "digitalization"), "total"] == 0  # no open indicator: an empty section
