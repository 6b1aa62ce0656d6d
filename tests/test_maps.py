"""The map builder: Leaflet from the app (no CDN), registry styles, escaped text, every layer credited."""
import re

import folium
import pytest
from folium.plugins import Fullscreen

from components.assets import install_static_assets
from components.maps import MapLayer, build_map, localize_assets
from geo.display import display_frame
from geo.layers import LAYERS


def facilities_layer(frame, title="Health facilities"):
    spec = LAYERS["health_facilities"]
    return MapLayer(spec, display_frame(frame, spec, "EPSG:32643", lang="en"), title, (("name", "Name"), ("facility_type", "Type")))


def render(m):
    return m.get_root().render()


def test_no_script_or_stylesheet_comes_from_outside_the_app(two_points):
    html = render(build_map([facilities_layer(two_points)], (74.6, 42.87, 74.61, 42.88), base_url="/", lang="en"))
    sources = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(r'<link[^>]+href="([^"]+)"', html)
    assert sources and all(s.startswith("/app/static/vendor/") for s in sources), sources
    assert any(s.startswith("/app/static/vendor/leaflet/leaflet.js?v=") for s in sources)  # named by its content


def test_asset_urls_follow_the_base_path(two_points):
    html = render(build_map([facilities_layer(two_points)], (74.6, 42.87, 74.61, 42.88), base_url="/atlas/", lang="en"))
    assert '<script src="/atlas/app/static/vendor/leaflet/leaflet.js?v=' in html


def test_served_files_exist_after_install(tmp_path):
    vendor = install_static_assets(tmp_path / "vendor")
    assert (vendor / "leaflet/leaflet.js").stat().st_size > 100_000
    assert (vendor / "leaflet/leaflet.css").exists() and (vendor / "leaflet/images/layers.png").exists()


def test_a_plugin_needing_an_unserved_asset_fails_loudly():
    m = folium.Map(tiles=None)
    Fullscreen().add_to(m)
    with pytest.raises(ValueError, match=r"Fullscreen needs \['Control.Fullscreen.js'\]|Fullscreen needs"):
        localize_assets(m, "/")


def test_text_from_data_is_escaped_in_tooltips_popups_and_legend(two_points):
    hostile = two_points.assign(name=['<img src=x onerror="alert(1)">', "ok"])
    html = render(build_map([facilities_layer(hostile, title="<b>Facilities</b>")], (74.6, 42.87, 74.61, 42.88), lang="en"))
    assert "<img" not in html
    assert "\\u0026lt;img src=x" in html  # the HTML entity, inside the layer's JSON
    assert "<b>Facilities</b>" not in html and "&lt;b&gt;Facilities&lt;/b&gt;" in html
    assert "bindPopup" in html  # popups read the same escaped properties as the tooltips


def test_layer_style_legend_count_and_attribution_come_from_the_registry(two_points):
    html = render(build_map([facilities_layer(two_points)], (74.6, 42.87, 74.61, 42.88), legend_title="Layers", lang="en"))
    assert LAYERS["health_facilities"].style["color"] in html
    assert "Health facilities (2)" in html
    assert "HOT export" in html  # the layer's attribution
    assert "fitBounds" in html


def test_layer_control_names_the_group_of_each_layer(two_points):
    html = render(build_map([facilities_layer(two_points)], (74.6, 42.87, 74.61, 42.88),
                            group_labels={"services": "Services"}, lang="en"))
    assert '"Services \\u00b7 Health facilities"' in html or '"Services · Health facilities"' in html
