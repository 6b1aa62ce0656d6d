"""Text from data is inert: names with Jinja2 syntax imported into the store (as OpenStreetMap or any user can
supply them) show literally on every map and export, and nothing in them is evaluated on the server. Before the
fix, folium/branca rendered each element's output as a template a second time: "{{ 7*7 }}" became "49" and the
payload below ran a shell command."""
import html
import json

import pytest
import streamlit_folium
from jinja2.utils import htmlsafe_json_dumps

from components.exports import standalone_map_html
from components.maps import MapLayer, build_map
from geo.cities import get_city
from geo.display import display_frame
from geo.layers import LAYERS
from geo.writes import import_file
from tests.conftest import BACKENDS, make_store, signed_in_editor


def hostile_names(sentinel) -> list[str]:
    return [
        "Clinic {{ 7*7 }}",
        "Clinic {% raw %} unclosed",
        "Clinic {# a comment #} kept",
        "Clinic {% for i in range(3) %}x{% endfor %}",
        f"{{{{ cycler.__init__.__globals__.os.system('touch {sentinel}') }}}}",
        "Clinic {{ config }} {{ self }} {%- endraw %}",
    ]


@pytest.fixture(params=BACKENDS)
def hostile_layer(request, tmp_path):
    """The hostile names imported as Bishkek's health facilities, read back from the store."""
    store = make_store(request.param, tmp_path)
    sentinel = tmp_path / "evaluated"
    names = hostile_names(sentinel)
    features = [{"type": "Feature", "properties": {"osm_id": f"node/{i}", "name": name, "facility_type": "clinic"},
                 "geometry": {"type": "Point", "coordinates": [74.58 + i * 0.005, 42.87]}}
                for i, name in enumerate(names)]
    content = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    import_file(store, signed_in_editor(store, "aigul", ("bishkek",)), get_city("bishkek"), "health_facilities",
                "hostile.geojson", content, "CC0")
    frame = store.read_layer("health_facilities", "bishkek")
    store.close()
    assert list(frame["name"]) == names  # stored exactly as given
    return frame, names, sentinel


def as_in_page(name: str) -> str:
    """How a name appears in the map's HTML: HTML-escaped (Leaflet inserts tooltips as HTML), inside folium's
    script-safe JSON."""
    return str(htmlsafe_json_dumps(html.escape(name)))[1:-1]


def test_hostile_names_show_literally_on_the_map_and_are_never_evaluated(hostile_layer):
    frame, names, sentinel = hostile_layer
    spec = LAYERS["health_facilities"]
    layer = MapLayer(spec, display_frame(frame, spec, "EPSG:32643", lang="en"), "Clinics {{ 6*7 }}", (("name", "Name {{ 1+1 }}"),))
    m = build_map([layer], tuple(frame.total_bounds), legend_title="Legend {% raw %}", lang="en")
    page = m.get_root().render()
    leaflet = streamlit_folium.generate_leaflet_string(m)  # what st_folium sends to the browser
    for text in (page, leaflet):
        for name in names:
            assert as_in_page(name) in text, name
        assert "Clinic 49" not in text and "Clinic xxx" not in text and "Clinics 42" not in text
    assert "Clinics {{ 6*7 }}" in page and "Name {{ 1+1 }}" in page and "Legend {% raw %}" in page
    exported = standalone_map_html(m, [layer], "Export {{ 7*7 }}", "Healthy Cities Atlas", "en")
    assert all(as_in_page(name) in exported for name in names)
    assert "<title>Export {{ 7*7 }}</title>" in exported and "Export 49" not in exported
    assert not sentinel.exists()  # the shell command in a name never ran


def test_a_cached_and_copied_map_stays_inert(hostile_layer):
    """Maps are deep-copied for exports (copy goes through __getstate__/__setstate__): the text stays text."""
    import copy
    frame, names, sentinel = hostile_layer
    spec = LAYERS["health_facilities"]
    m = build_map([MapLayer(spec, display_frame(frame, spec, "EPSG:32643", lang="en"), "Clinics", (("name", "Name"),))],
                  tuple(frame.total_bounds), lang="en")
    page = copy.deepcopy(m).get_root().render()
    assert all(as_in_page(name) in page for name in names) and "Clinic 49" not in page
    assert not sentinel.exists()
