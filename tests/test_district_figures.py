"""The figures the Profile and the Walking access page show per district, computed in geo/ and checked here by
hand or by a plain loop: equity against the districts' own median, per-district access shares, and the class
breaks of the choropleths."""
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from geo.access import AccessModel, district_shares
from geo.classes import class_codes, quantile_breaks
from geo.equity import EQUITY_MARGIN, district_equity

CRS = "EPSG:32643"


def district_rows(values: dict[str, dict[str, float]], note_key: str = "") -> pd.DataFrame:
    return pd.DataFrame([{"city_id": "test", "indicator_id": indicator_id, "year": 2023, "value": value,
                          "level": "district", "area": area, "note_key": note_key}
                         for indicator_id, by_area in values.items() for area, value in by_area.items()])


def test_each_district_stands_against_the_median_of_the_citys_districts():
    poverty = {"A": 10.0, "B": 20.0, "C": 30.0, "D": 21.0}  # median 20.5: A better, B and D near, C worse
    facilities = {"A": 1.0, "B": 2.0, "C": 3.0, "D": 2.0}  # higher is better; median 2
    matrix = district_equity(district_rows({"district_poverty_rate": poverty,
                                            "district_health_facilities_per_10k": facilities,
                                            "district_population": {"A": 1, "B": 2, "C": 3, "D": 4}}))
    assert matrix.reference["district_poverty_rate"] == pytest.approx(20.5)
    assert matrix.status["district_poverty_rate"].to_dict() == {"A": "better", "B": "near", "C": "worse", "D": "near"}
    assert matrix.status["district_health_facilities_per_10k"].to_dict() == {
        "A": "worse", "B": "near", "C": "better", "D": "near"}
    assert set(matrix.status["district_population"]) == {"neutral"}  # no direction: no verdict
    assert abs(20.0 - 20.5) <= EQUITY_MARGIN * 20.5 < abs(30 - 20.5)


def test_one_district_is_no_comparison_and_lower_bounds_are_said():
    assert district_equity(district_rows({"district_poverty_rate": {"A": 10.0}})) is None
    rows = district_rows({"district_health_facilities_per_10k": {"A": 1.0, "B": 2.0}},
                         note_key="note.population_lower_bound")
    assert set(district_equity(rows).lower_bounds) == {("A", "district_health_facilities_per_10k"),
                                                      ("B", "district_health_facilities_per_10k")}


def test_access_shares_per_district_count_each_point_once_as_a_plain_loop_does():
    districts = gpd.GeoDataFrame({"name": ["West", "East"]},
                                 geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs=CRS)
    rng = np.random.default_rng(7)
    xy = np.vstack([rng.uniform(0, 2000, 400), rng.uniform(0, 1000, 400)]).T
    xy[:3] = [[1000, 500], [500, 500], [2500, 500]]  # on the shared border; inside West; outside both
    distance = rng.uniform(0, 2000, len(xy))
    model = AccessModel("network", 0.0, xy, distance, None, np.zeros((0, 2)), None, None, None)
    table = district_shares(model, districts, CRS, 1000.0).set_index("name")
    seen, expected = set(), {}
    for name, polygon in zip(districts["name"], districts.geometry):
        inside = [i for i in range(len(xy)) if i not in seen and polygon.contains(shapely.Point(xy[i]))]
        seen.update(inside)
        expected[name] = (len(inside), float(np.mean(distance[inside] <= 1000.0)))
    for name, (points, share) in expected.items():
        assert table.at[name, "points"] == points and table.at[name, "share"] == pytest.approx(share)
    assert table["points"].sum() < len(xy)  # the border point counts nowhere twice, the outside one nowhere


def test_quantile_breaks_split_the_known_values_and_say_unknown_as_unknown():
    values = pd.Series([5.0, 1.0, np.nan, 3.0, 2.0, 4.0, 6.0, 8.0, 7.0, 9.0, 10.0])
    breaks = quantile_breaks(values, 5)
    assert breaks.tolist() == pytest.approx([1.0, 2.8, 4.6, 6.4, 8.2, 10.0])
    codes = class_codes(values, breaks)
    assert pd.isna(codes[2]) and codes[1] == 0 and codes[10] == 4 and codes[0] == 2
    assert sorted(codes.dropna().value_counts().tolist()) == [2, 2, 2, 2, 2]
    assert len(quantile_breaks(pd.Series([3.0, 3.0, 3.0]), 5)) == 2  # one class when every value is the same
    assert len(quantile_breaks(pd.Series([np.nan]), 5)) == 0
