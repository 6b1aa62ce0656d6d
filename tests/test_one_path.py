"""One computation path for every city figure: the command line and the pages read the same values, for every
city and after an import; the walking-access shares are indicators computed in geo/, not on the page."""
import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from components import data
from geo.__main__ import indicator_csv, main
from geo.cities import all_cities, get_city, member_cities
from geo.indicators import ACCESS_INDICATORS, INDICATORS, OVERVIEW_INDICATORS
from geo.layerstore import LayerStore
from geo.writes import import_file
from tests.conftest import signed_in_editor

ROOT = Path(__file__).resolve().parent.parent


def cli_rows(city_id: str, capsys) -> list[dict]:
    assert main(["indicators", "--city", city_id]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def page_rows(city_id: str) -> list[dict]:
    """What the City profile shows, written as the command line writes it."""
    text = indicator_csv(data.city_values(city_id))
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.slow
def test_the_command_line_and_the_pages_give_every_city_the_same_values(capsys):
    data.forget_layers()
    for city in all_cities():
        assert cli_rows(city.id, capsys) == page_rows(city.id), city.id


def test_after_an_import_both_read_the_new_layer_and_still_agree(tmp_path, atlas_env, capsys):
    atlas_env("ATLAS_USER_DIR", str(tmp_path))
    data.forget_layers()  # the pages' cached store and layers: now the store in tmp_path
    before = {r["indicator_id"]: r["value"] for r in page_rows("osh")}
    store = LayerStore()
    editor = signed_in_editor(store, "nurlan", ("osh",))
    centre = get_city("osh")
    features = [{"type": "Feature", "properties": {"osm_id": f"node/{i}", "name": f"Clinic {i}",
                                                   "facility_type": "clinic"},
                 "geometry": {"type": "Point", "coordinates": [centre.centre_lon + 0.003 * i, centre.centre_lat]}}
                for i in range(3)]
    import_file(store, editor, centre, "health_facilities", "clinics.geojson",
                json.dumps({"type": "FeatureCollection", "features": features}).encode(), "CC0")
    data.forget_layers()
    after = page_rows("osh")
    assert cli_rows("osh", capsys) == after
    by_id = {r["indicator_id"]: r for r in after}
    assert by_id["health_facilities_osm"]["value"] == "3" and before["health_facilities_osm"] != "3"
    assert by_id["access_healthcare_1000m"]["value"] != before["access_healthcare_1000m"]
    assert "clinics.geojson, imported by nurlan" in by_id["health_facilities_osm"]["source"]
    data.forget_layers()


def test_walking_access_shares_are_registered_indicators_with_every_label():
    # six kinds × 500 m and 1,000 m, two cycleway kinds × 300 m, four combined measures; × sample points and people
    assert len(ACCESS_INDICATORS) == (6 * 2 + 2 + 4) * 2
    for indicator_id in ACCESS_INDICATORS:
        spec = INDICATORS[indicator_id]
        assert spec.unit == "%" and spec.direction == "higher_is_better" and spec.kz_section
    almaty = {r["indicator_id"]: r for r in page_rows("almaty")}
    assert 0 < float(almaty["access_healthcare_500m"]["value"]) < float(almaty["access_healthcare_1000m"]["value"])
    assert almaty["access_healthcare_1000m_people"]["value"]  # districts with population: shares of people
    aktobe = {r["indicator_id"]: r for r in page_rows("aktobe")}
    assert aktobe["access_healthcare_500m"]["value"] == ""  # drawn as its region: no city share, unknown


@pytest.mark.parametrize("folder", ["components", "pages"])
def test_no_figure_is_computed_outside_geo(folder):
    """The network, distances and indicator values are built in geo/ only; the Streamlit side draws them."""
    computing = re.compile(r"\b(network_from_lines|node_distances|origin_distances|straight_line_distances|"
                           r"indicator_values|mobility_figures|district_weights|with_proposal)\(")
    for path in (ROOT / folder).glob("*.py"):
        assert not computing.findall(path.read_text(encoding="utf-8")), path.name


@pytest.mark.slow
def test_the_overview_table_shows_each_citys_latest_figures_as_the_command_line_gives_them(capsys):
    """The Overview's key figures are the latest year with a value in the CLI's rows (read here from the CSV
    alone), city by city; no data stays no data."""
    data.forget_layers()
    table = data.overview_table("en").set_index("city")
    for city in member_cities():
        rows = cli_rows(city.id, capsys)
        for indicator_id in OVERVIEW_INDICATORS:
            known = [r for r in rows if r["indicator_id"] == indicator_id and r["level"] != "district" and r["value"]]
            latest = max(known, key=lambda r: int(r["year"] or 0)) if known else None
            shown = table.at[city.name("en"), indicator_id]
            if latest is None:
                assert pd.isna(shown), (city.id, indicator_id, shown)
            else:
                assert shown == pytest.approx(float(latest["value"]), rel=1e-9), (city.id, indicator_id)
