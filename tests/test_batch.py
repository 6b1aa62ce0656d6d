"""The network batch on Dask: the same figures as one city after another, failures isolated, reruns skip what
did not change, and the pages use stored figures only while their inputs are current."""
import json

import pytest

from geo.batch import (
    input_stamp,
    precomputed_values,
    run_batch,
    store_values,
    values_to_json,
)
from geo.cities import get_city
from geo.indicators import latest_values
from geo.layerstore import LayerStore
from geo.writes import import_file
from tests.conftest import signed_in_editor

CITIES = ["bishkek", "osh", "almaty", "karaganda", "aktau"]


@pytest.fixture(scope="module")
def batch_store(tmp_path_factory):
    store = LayerStore(f"sqlite:///{tmp_path_factory.mktemp('batch') / 'store.sqlite'}")
    store.seed()
    report = run_batch(CITIES + ["atlantis"], store, workers=2)  # a local cluster of two worker processes
    yield store, report
    store.close()


@pytest.mark.slow
def test_dask_results_equal_the_serial_computation(batch_store):
    store, report = batch_store
    assert sorted(report.computed) == sorted(CITIES)
    for city_id in CITIES:
        stamp, content = store.current_results(city_id)
        assert stamp == input_stamp(city_id, store)
        assert content == values_to_json(store_values(get_city(city_id), store)), city_id


@pytest.mark.slow
def test_a_failing_city_is_reported_and_the_others_are_done(batch_store):
    _, report = batch_store
    assert list(report.failed) == ["atlantis"] and "unknown city 'atlantis'" in report.failed["atlantis"]
    assert "atlantis" not in report.computed and len(report.computed) == len(CITIES)


@pytest.mark.slow
def test_a_rerun_after_no_change_skips_every_city(batch_store):
    store, _ = batch_store
    again = run_batch(CITIES, store, workers=2)
    assert sorted(again.skipped) == sorted(CITIES) and not again.computed and not again.failed


@pytest.mark.slow
def test_the_pages_use_stored_figures_only_while_current(tmp_path, atlas_env):
    from components import data
    atlas_env("ATLAS_USER_DIR", str(tmp_path))
    data.forget_layers()
    store = data.store()
    run_batch(["osh"], store, workers=1)
    stamp, content = store.current_results("osh")
    marked = json.loads(content)
    for row in marked:
        if row["indicator_id"] == "population":
            row["value"] = 12345.0  # a stored figure the computation would never give
    store.save_results("osh", stamp, json.dumps(marked))
    data.forget_layers()
    population = latest_values(data.city_values("osh")).set_index("indicator_id").loc["population", "value"]
    assert population == 12345.0  # read from the store, not recomputed
    editor = signed_in_editor(store, "nurlan", ("osh",))
    city = get_city("osh")
    point = {"type": "Feature", "properties": {"osm_id": "node/1", "name": "Clinic", "facility_type": "clinic"},
             "geometry": {"type": "Point", "coordinates": [city.centre_lon, city.centre_lat]}}
    import_file(store, editor, city, "health_facilities", "clinic.geojson",
                json.dumps({"type": "FeatureCollection", "features": [point]}).encode(), "CC0")
    assert precomputed_values("osh", store) is None  # the import made them stale
    data.forget_layers()
    values = latest_values(data.city_values("osh")).set_index("indicator_id")
    assert values.loc["population", "value"] == city.population.value  # computed again
    assert values.loc["health_facilities_osm", "value"] == 1
    data.forget_layers()
