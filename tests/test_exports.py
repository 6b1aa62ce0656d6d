"""Exports: an offline HTML map that draws from disk, PNG maps and PNG/SVG charts, each titled and sourced."""
import datetime as dt
import re
from pathlib import Path

import plotly.graph_objects as go
import pytest

from components.exports import (
    browser_path,
    chart_image,
    html_to_png,
    standalone_map_html,
)
from components.maps import build_map
from geo.embedded import read_layer

needs_chromium = pytest.mark.skipif(browser_path() is None, reason="needs Chromium (scripts/install-system-deps.sh)")


@pytest.fixture(scope="module")
def bishkek_export():
    from components import data
    layers = data.city_map_layers("bishkek", "en")
    m = build_map(layers, tuple(read_layer("boundary").query("city_id == 'bishkek'").total_bounds), lang="en")
    return standalone_map_html(m, layers, "Bishkek <test>", "Healthy Cities Atlas", "en")


def test_standalone_map_needs_nothing_from_the_network(bishkek_export):
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="', bishkek_export)  # every asset is inline
    assert "Leaflet" in bishkek_export and ".leaflet-container" in bishkek_export
    assert "data:image/png;base64," in bishkek_export  # the layer-control icon travels inside the CSS


def test_standalone_map_carries_title_date_sources_and_licences(bishkek_export):
    assert "Bishkek &lt;test&gt;" in bishkek_export  # escaped
    today = dt.date.today()
    assert f"{today:%b} {today.day}, {today.year}" in bishkek_export  # "Dec 2, 2026", C-locale strftime
    # the licences of what is drawn: Bishkek's outline is OpenStreetMap's; the COD-AB layer of other cities is not
    credits = re.sub(r"\\u([0-9a-f]{4})", lambda u: chr(int(u.group(1), 16)), bishkek_export)  # JS escapes
    assert "ODbL 1.0, © OpenStreetMap contributors" in credits and "CC BY-IGO" not in credits


def test_an_export_in_kyrgyz_carries_kyrgyz_credits_and_date():
    from components import data
    layers = data.city_map_layers("bishkek", "ky")
    m = build_map(layers, tuple(read_layer("boundary").query("city_id == 'bishkek'").total_bounds), lang="ky")
    exported = standalone_map_html(m, layers, "Бишкек", "Дени сак шаарлар атласы", "ky")
    exported = re.sub(r"\\u([0-9a-f]{4})", lambda u: chr(int(u.group(1), 16)), exported)  # JS string escapes
    assert "OpenStreetMap катышуучулары" in exported and "contributors" not in exported
    assert re.search(rf"{dt.date.today().year}-ж\., {dt.date.today().day}-[а-яөүң]+", exported)


@pytest.mark.browser
@needs_chromium
def test_exported_map_opened_from_disk_offline_draws_its_layers(bishkek_export, tmp_path):
    from playwright.sync_api import sync_playwright
    page_file = tmp_path / "map.html"
    page_file.write_text(bishkek_export, encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path(), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        context = browser.new_context()
        outside = []
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else (
            outside.append(r.request.url), r.abort())[1])
        page = context.new_page()
        page.goto(page_file.as_uri())
        page.wait_for_selector("path.leaflet-interactive", timeout=30_000)
        page.wait_for_timeout(1000)
        # the 540 facilities are clustered at city zoom: cluster counts plus single points add up to 540
        clustered = sum(int(n) for n in page.locator(".marker-cluster span").all_inner_texts())
        sites = len(read_layer("air_stations").query("city_id == 'bishkek'"))  # drawn as their own markers
        singles = page.locator("path.leaflet-interactive").count() - 4 - sites  # boundary, 2 districts, centre
        assert clustered > 0 and clustered + singles == 540
        assert "Health facilities (540)" in page.locator(".atlas-legend").inner_text()
        page.screenshot(path=str(Path(__file__).resolve().parent.parent / "test-artifacts" / "export-bishkek.png"))
        browser.close()
    assert all("tile.openstreetmap.org" in url for url in outside)


@pytest.mark.browser
@needs_chromium
def test_map_png_is_a_picture_of_the_map(bishkek_export):
    png = html_to_png(bishkek_export, (800, 600))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


@pytest.mark.browser
@needs_chromium
def test_chart_exports_are_titled_and_dated():
    fig = go.Figure(go.Bar(x=["2021", "2022"], y=[30.5, 28.0]))
    svg = chart_image(fig, "svg", "Bishkek: PM2.5", "Healthy Cities Atlas", "en").decode()
    today = dt.date.today()
    assert "Bishkek: PM2.5" in svg and f"{today:%b} {today.day}, {today.year}" in svg
    assert chart_image(fig, "png", "Bishkek: PM2.5", "Healthy Cities Atlas", "en")[:4] == b"\x89PNG"


@pytest.mark.browser
@needs_chromium
def test_the_print_variant_has_no_buttons_or_bubbles_and_a_legible_open_legend(tmp_path):
    """The map for a page or a slide: every one of Bishkek's 540 facilities drawn (no cluster bubbles), no zoom or
    layer buttons, the legend open in 17 px type, the credits wrapped in full."""
    from playwright.sync_api import sync_playwright

    from components import data
    layers = data.city_map_layers("bishkek", "en")
    m = build_map(layers, tuple(read_layer("boundary").query("city_id == 'bishkek'").total_bounds), lang="en",
                  legend_title="Layers", for_print=True)
    page_file = tmp_path / "print.html"
    page_file.write_text(standalone_map_html(m, layers, "Bishkek", "Healthy Cities Atlas", "en"), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path(), args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
        page.goto(page_file.as_uri())
        page.wait_for_selector("path.leaflet-interactive", timeout=30_000)
        page.wait_for_timeout(500)
        assert page.locator(".leaflet-control-zoom, .leaflet-control-layers, .marker-cluster").count() == 0
        sites = len(read_layer("air_stations").query("city_id == 'bishkek'"))
        assert page.locator("path.leaflet-interactive").count() == 540 + sites + 4  # boundary, 2 districts, centre
        legend = page.locator(".atlas-legend")
        assert legend.evaluate("e => e.open") and legend.evaluate("e => getComputedStyle(e).fontSize") == "17px"
        credit = page.locator(".leaflet-control-attribution")
        assert credit.evaluate("e => getComputedStyle(e).whiteSpace") == "normal"
        browser.close()


@pytest.mark.parametrize("page, city, key", [("overview", "bishkek", "overview_map_export"),
                                             ("air", "almaty", "air_station_map_export"),
                                             ("profile", "almaty", "district_map_export"),
                                             ("compare", "almaty", "region_map_export")])
def test_every_pages_map_can_be_taken_away(page, city, key):
    from tests.test_app import app

    at = app(city, "en")
    at.switch_page(f"pages/{page}.py").run()
    keys = [button.proto.id for button in at.get("download_button")]
    assert any(k.endswith(f"{key}_html") for k in keys), keys
    assert browser_path() is None or any(k.endswith(f"{key}_png") for k in keys)
