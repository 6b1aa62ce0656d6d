"""The real app in headless Chromium with no internet: Leaflet draws the boundaries from the app's own files.

Screenshots land in test-artifacts/. Needs Debian's chromium (scripts/install-system-deps.sh).
"""
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
OPTIONAL_HOSTS = {"tile.openstreetmap.org"}  # basemap tiles: the map must draw without them
LEAFLET_MAP = "window[Object.keys(window).find(function (k) { return /^map_[0-9a-f]+$/.test(k); })]"  # folium's
SERVER_USER_DIR = tempfile.mkdtemp(prefix="atlas-browser-store-")  # the served app's own store

pytestmark = pytest.mark.browser
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI needs /usr/bin/chromium for the browser tests: run scripts/install-system-deps.sh")
    pytest.skip("Debian chromium not installed (scripts/install-system-deps.sh)", allow_module_level=True)

from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.streamlit_wire import FRAGMENT_RUN, FULL_RUN, script_finished  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_atlas(user_dir: str, cache_dir: Path, log_name: str = "streamlit.log"):
    """A fresh Atlas server, started as the README says (serve.py), on a free loopback port with its own store
    folder and the test run's shared cache folder (conftest.atlas_cache_dir); yields its base URL."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / log_name, "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "ATLAS_USER_DIR": user_dir, "ATLAS_CACHE_DIR": str(cache_dir)})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(f"streamlit did not start within 60 s; see test-artifacts/{log_name}")
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def server(atlas_cache_dir):
    """One Atlas server for the browser tests of a session (of each pytest-xdist worker), warmed by the first;
    a test of a cold start opens its own (running_atlas)."""
    with running_atlas(SERVER_USER_DIR, atlas_cache_dir) as base:
        yield base


@pytest.fixture(scope="module")  # not longer: a running sync Playwright blocks the exports' own
def browser():
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def offline_page(browser, outside: list[str], locale: str | None = None, viewport=(1400, 1100)):
    """A page that can reach only this machine; every other request is refused and recorded. `locale` is the
    browser's language (navigator.language and the Accept-Language header)."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale=locale)

    def route(r):
        host = urlparse(r.request.url).hostname or ""
        if host in LOCAL_HOSTS or r.request.url.startswith("file:"):  # this machine, or a file an export wrote
            return r.continue_()
        outside.append(host)
        return r.abort("internetdisconnected")

    context.route("**/*", route)
    return context.new_page()


def map_frame(page):
    """The first map frame (an iframe of the map's own HTML, or st_folium's) once Leaflet has drawn paths in it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame is not page.main_frame:
                try:
                    if frame.locator("path.leaflet-interactive").count() > 0:
                        return frame
                except PlaywrightError:  # the frame was replaced by a rerun while we looked: look again
                    continue
        page.wait_for_timeout(500)
    pytest.fail("Leaflet drew no path in the map frame within 60 s")


def test_city_page_for_bishkek_draws_its_boundary_offline(server, browser):
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.goto(f"{server}/city?city=bishkek")  # a deep link as the server's very first request
    frame = map_frame(page)
    page.get_by_role("heading", name="Bishkek").wait_for()
    assert frame.locator("path.leaflet-interactive").count() >= 1
    assert "City boundary (1)" in frame.locator(".atlas-legend").inner_text()
    assert "OpenStreetMap contributors" in frame.locator(".leaflet-control-attribution").inner_text()
    assert page.frame_locator("iframe").first.locator(".leaflet-container").bounding_box()["height"] > 300
    page.wait_for_timeout(1000)
    page.screenshot(path=ARTIFACTS / "city-bishkek.png", full_page=True)
    assert set(outside) <= OPTIONAL_HOSTS, f"requests to the internet: {sorted(set(outside))}"


def test_overview_draws_every_city_offline(server, browser):
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.goto(f"{server}/")
    frame = map_frame(page)
    page.wait_for_timeout(1500)
    legend = frame.locator(".atlas-legend").inner_text()
    assert "City boundary (8)" in legend and "Region (no city boundary in the data) (14)" in legend
    assert frame.locator("path.leaflet-interactive").count() >= 22
    page.screenshot(path=ARTIFACTS / "overview.png", full_page=True)
    assert set(outside) <= OPTIONAL_HOSTS, f"requests to the internet: {sorted(set(outside))}"


@pytest.mark.parametrize("city", ["bishkek", "almaty"])
def test_air_quality_page_draws_charts_and_the_band_map_offline(server, browser, city):
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.set_viewport_size({"width": 1400, "height": 4600})
    page.goto(f"{server}/air?city={city}")
    frame = map_frame(page)
    legend = frame.locator(".atlas-legend").inner_text()
    assert "meets the WHO guideline" in legend and "above IT-1" in legend
    # the charts follow the map (the map frame releases them): daily, calendar, two profiles, annual, exceedance...
    page.locator(".js-plotly-plot").nth(5).wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / f"air-{city}.png", full_page=True)
    assert set(outside) <= OPTIONAL_HOSTS, f"requests to the internet: {sorted(set(outside))}"


def test_water_import_shows_the_sites_on_the_map(server, browser, tmp_path):
    csv_file = tmp_path / "bishkek_wells.csv"
    csv_file.write_text("site_id,site_name,lon,lat,date,parameter,value,unit\n"
                        "W1,Well <b>1</b>,74.60,42.87,2024-05-01,arsenic,15,µg/L\n"
                        "W2,Tap 2,74.62,42.88,2024-05-01,nitrate,12.5,mg/L\n", encoding="utf-8")
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.goto(f"{server}/water?city=bishkek")
    page.get_by_text("No water-quality data is loaded for Bishkek").wait_for()
    page.locator('input[type="file"]').set_input_files(str(csv_file))
    page.get_by_text("Loaded 2 samples from 2 sites.").wait_for(timeout=30_000)
    frame = map_frame(page)
    page.wait_for_timeout(1500)
    assert "Water sampling sites (2)" in frame.locator(".atlas-legend").inner_text()
    assert frame.locator("b", has_text="1").count() == 0  # the site name's markup stays text
    page.screenshot(path=ARTIFACTS / "water-bishkek-import.png", full_page=True)
    assert set(outside) <= OPTIONAL_HOSTS, f"requests to the internet: {sorted(set(outside))}"


def test_profile_and_compare_pages_draw_offline(server, browser):
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.set_viewport_size({"width": 1400, "height": 3600})
    page.goto(f"{server}/profile?city=almaty")  # official district populations: a district map
    frame = map_frame(page)
    page.get_by_text("Healthcare development and urban infrastructure").wait_for()
    legend = frame.locator(".atlas-legend").text_content()
    assert "District population density (8)" in legend and "no data" in legend  # two without an official density
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / "profile-bishkek.png", full_page=True)
    page.goto(f"{server}/compare?cities=almaty,astana,karaganda,pavlodar&indicators=life_expectancy,pm25_annual_mean")
    frame = map_frame(page)
    page.wait_for_timeout(1500)
    assert "Life expectancy at birth (2022) (20)" in frame.locator(".atlas-legend").inner_text()
    # the heatmap and the scatter come once the map has drawn, in their place above it
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)
    map_top = page.locator("iframe").last.bounding_box()["y"]
    assert all(page.locator(".js-plotly-plot").nth(i).bounding_box()["y"] < map_top for i in (0, 1))
    page.screenshot(path=ARTIFACTS / "compare.png", full_page=True)
    assert set(outside) <= OPTIONAL_HOSTS, f"requests to the internet: {sorted(set(outside))}"


def choose_city(page, label: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(1).click()
    page.get_by_role("option", name=label).click()


def test_a_cached_map_draws_again_after_switching_city_and_back(server, browser):
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.goto(f"{server}/city?city=bishkek")
    map_frame(page)
    choose_city(page, "Osh (KG)")
    page.get_by_role("heading", name="Osh").wait_for()
    choose_city(page, "Bishkek (KG)")
    page.get_by_role("heading", name="Bishkek").wait_for()
    page.wait_for_timeout(1500)
    frame = map_frame(page)
    assert "City boundary (1)" in frame.locator(".atlas-legend").inner_text()
    assert "Health facilities (540)" in frame.locator(".atlas-legend").inner_text()
    assert "city=bishkek" in page.url


def test_summit_mode_hides_the_controls_and_steps_with_the_keyboard(server, browser):
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(f"{server}/summit?slide=1")
    map_frame(page)
    page.get_by_role("heading", name="Bishkek").wait_for()
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    page.wait_for_timeout(1000)
    page.screenshot(path=ARTIFACTS / "summit-1-map.png")
    page.mouse.click(5, 500)  # focus the page, outside the map frame
    page.keyboard.press("ArrowRight")
    page.get_by_role("heading", name="Bishkek: fine particles (PM2.5) against the WHO guideline").wait_for()
    assert "slide=2" in page.url
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / "summit-2-pm25.png")
    assert set(outside) <= OPTIONAL_HOSTS, f"requests to the internet: {sorted(set(outside))}"


def test_a_shared_link_restores_city_view_and_hidden_layers(server, browser):
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.goto(f"{server}/city?city=osh&view=40.52,72.80,14&hidden=health_facilities,districts")
    page.get_by_role("heading", name="Osh").wait_for()
    frame = map_frame(page)
    page.wait_for_timeout(1500)
    assert frame.evaluate(f"{LEAFLET_MAP}.getZoom()") == 14
    center = frame.evaluate(f"[{LEAFLET_MAP}.getCenter().lat, {LEAFLET_MAP}.getCenter().lng]")
    assert center == pytest.approx([40.52, 72.80], abs=1e-3)
    # boundary, centre and Osh's one known air-monitoring site: the facilities are off
    assert frame.locator("path.leaflet-interactive").count() == 3
    checked = frame.evaluate("Array.from(document.querySelectorAll('.leaflet-control-layers-overlays input'))"
                             ".map(function (i) { return i.checked; })")
    assert checked == [True, True, False, True]  # boundary, centre, facilities (hidden), site; no districts
    page.screenshot(path=ARTIFACTS / "shared-link-osh.png")
    # the user zooms out: the view in the address bar follows, without reloading the page
    box = page.frame_locator("iframe").first.locator(".leaflet-container").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 400)
    page.wait_for_function("() => new URLSearchParams(location.search).get('view') !== '40.52,72.80,14'",
                           timeout=10_000)
    assert "hidden=health_facilities&" in page.url  # a layer Osh lacks (districts) is not carried on
    assert set(outside) <= OPTIONAL_HOSTS, f"requests to the internet: {sorted(set(outside))}"


def test_access_what_if_click_proposes_a_facility_offline(server, browser):
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.goto(f"{server}/access?city=helsinki-demo")
    map_frame(page)
    page.get_by_text("Within 500 m").first.wait_for()
    box = page.locator("iframe[title='streamlit_folium.st_folium']").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.62, box["y"] + box["height"] * 0.2)  # the underserved north
    page.get_by_text("What-if: newly within 500 m").wait_for(timeout=30000)
    table = page.locator("[data-testid='stDataFrame']").first
    table.wait_for()
    page.wait_for_timeout(1500)
    assert "Proposed facilities (1)" in map_frame(page).locator(".atlas-legend").inner_text()
    page.screenshot(path=ARTIFACTS / "access-helsinki-what-if.png", full_page=True)
    assert set(outside) <= OPTIONAL_HOSTS, f"requests to the internet: {sorted(set(outside))}"


@pytest.mark.parametrize("city, lang, width, height", [("almaty", "kk", 1366, 768), ("astana", "ru", 1920, 1080)])
def test_the_best_sites_draw_offline_and_a_clicked_site_is_held_against_them(server, browser, city, lang, width,
                                                                            height):
    """Where to build, as a governor's office opens it: the best sites on the map (legend counts them), the ranked
    table, and a site clicked on the map compared with the best as many sites can do."""
    from geo.i18n import plural, translate
    outside: list[str] = []
    page = offline_page(browser, outside, viewport=(width, height))
    page.goto(f"{server}/siting?city={city}&lang={lang}")
    frame = map_frame(page)
    sites = translate("layer.planned_sites", lang)
    frame.get_by_text(f"{sites} (3)").wait_for(timeout=60_000)
    drawn = page.locator("iframe[title='streamlit_folium.st_folium']").first
    drawn.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=ARTIFACTS / f"siting-{city}-{lang}-{width}.png")
    box = drawn.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.55)
    page.get_by_text(plural("siting.yours", 1, lang)).wait_for(timeout=60_000)
    proposed = f"{translate('layer.proposed_facilities', lang)} (1)"
    legends = []
    for _ in range(60):  # the rerun replaces the map's frame: read the legend of the one drawn last
        page.wait_for_timeout(500)
        legends = [frame.locator(".atlas-legend").inner_text() for frame in page.frames
                   if frame is not page.main_frame and frame.locator(".atlas-legend").count()]
        if any(proposed in legend for legend in legends):
            break
    assert any(proposed in legend for legend in legends), legends
    page.screenshot(path=ARTIFACTS / f"siting-{city}-{lang}-{width}-proposal.png", full_page=True)
    assert set(outside) <= OPTIONAL_HOSTS, f"requests to the internet: {sorted(set(outside))}"


def _real_small_file(tmp_path: Path) -> Path:
    """Five real OpenStreetMap health facilities of Jalal-Abad (HOT export), as a city would hand them over."""
    import geopandas as gpd

    from geo.paths import RAW_DIR
    points = gpd.read_file(RAW_DIR / "prism_kgz/hotosm_kgz_health_facilities_points_geojson.json")
    boundary = gpd.read_file(RAW_DIR / "prism_kgz/kgz_admbnda_adm2_moes_20181119.json")
    boundary = boundary[boundary["ADM2_PCODE"] == "KG03410000010"].geometry.iloc[0]
    inside = points[points.within(boundary) & points["amenity"].isin(["clinic", "hospital", "pharmacy"])].head(5)
    frame = gpd.GeoDataFrame({"osm_id": "node/" + inside["osm_id"].astype("int64").astype(str),
                              "name": inside["name"], "facility_type": inside["amenity"]},
                             geometry=inside.geometry.values, crs="EPSG:4326")
    path = tmp_path / "jalal-abad-clinics.geojson"
    frame.to_file(path, driver="GeoJSON")
    return path


def test_editor_imports_a_real_file_and_sees_it_on_the_map_viewer_cannot(server, browser, tmp_path):
    from geo.layerstore import LayerStore
    from geo.writes import add_user
    store = LayerStore(f"sqlite:///{SERVER_USER_DIR}/atlas.sqlite")
    add_user(store, "aigul", "correct horse battery", "editor", ("jalal-abad",))
    store.close()
    outside: list[str] = []
    viewer = offline_page(browser, outside)
    viewer.goto(f"{server}/data?city=jalal-abad")
    viewer.get_by_text("Sign in as an editor to import files").wait_for()
    assert viewer.locator("input[type=file]").count() == 0  # no import controls for a viewer
    assert viewer.get_by_role("button", name="Roll back").count() == 0

    page = offline_page(browser, outside)
    page.goto(f"{server}/data?city=jalal-abad")
    page.get_by_label("User name").fill("aigul")
    page.get_by_label("Password", exact=True).and_(page.locator("input")).fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as aigul").wait_for()
    page.locator("[data-testid=stSelectbox]").filter(has_text="Layer to replace").click()
    page.get_by_role("option", name="Health facilities").click()
    page.locator("input[type=file]").set_input_files(str(_real_small_file(tmp_path)))
    page.get_by_role("textbox", name="Licence of the data (required)").fill("ODbL 1.0")
    page.keyboard.press("Enter")
    try:
        page.get_by_text("Ready: 5 features").wait_for(timeout=30000)
    finally:
        page.screenshot(path=ARTIFACTS / "data-import-editor.png", full_page=True)
    page.get_by_role("button", name="Commit as a new version").click()
    page.get_by_text("Stored as version 2").wait_for(timeout=30000)
    page.screenshot(path=ARTIFACTS / "data-import-editor.png", full_page=True)
    page.goto(f"{server}/city?city=jalal-abad")
    frame = map_frame(page)
    assert "Health facilities (5)" in frame.locator(".atlas-legend").inner_text()
    page.screenshot(path=ARTIFACTS / "city-after-import.png", full_page=True)
    assert set(outside) <= OPTIONAL_HOSTS, f"requests to the internet: {sorted(set(outside))}"


@pytest.mark.parametrize("path", ["", "overview", "city", "profile", "compare", "application", "access", "siting", "air",
                                  "water", "data", "summit", "sources"])
def test_every_pages_own_url_opens_it_with_its_parameters(server, browser, path):
    """On a warm server (not only as its first request), with a city in the link: no "Page not found" dialog,
    the page's own title, and the city and language kept in the URL."""
    page = offline_page(browser, [])
    page.goto(f"{server}/{path}?city=osh&lang=ru")
    page.locator("h1").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    assert "Page not found" not in page.locator("body").inner_text()
    assert page.locator('[data-testid="stDialog"]').count() == 0
    assert "city=osh" in page.url and "lang=ru" in page.url and urlparse(page.url).path == f"/{path}"
    # every icon shown is in the cut icon font and drawn as one glyph (a missing one would show as its name)
    from components.static_files import icon_names
    icons = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stIconMaterial"]')]
        .map(e => [e.textContent, e.getBoundingClientRect().width, parseFloat(getComputedStyle(e).fontSize)])""")
    assert icons and {name for name, _, _ in icons} <= icon_names(), icons
    assert all(width <= 1.2 * size for _, width, size in icons if width), icons
    page.context.close()


@pytest.mark.parametrize("width,height,lang", [(1366, 768, "en"), (1366, 768, "kk"), (1920, 1080, "en"),
                                               (1920, 1080, "kk")])
def test_city_map_is_above_the_fold_with_its_key_figures_beside_it(server, browser, width, height, lang):
    """On a laptop (1366×768) and a summit screen (1920×1080) the City map starts inside the first screen, and
    the key figures stand to its right, in English and in Kazakh."""
    outside: list[str] = []
    page = offline_page(browser, outside, viewport=(width, height))
    page.goto(f"{server}/city?city=almaty&lang={lang}")
    map_frame(page)
    page.wait_for_timeout(1000)
    box = page.locator("iframe").first.bounding_box()
    metric = page.locator('[data-testid="stMetric"]').first.bounding_box()
    assert box["y"] < 400 and box["y"] + box["height"] > 600  # most of the map on the first screen
    assert metric["x"] >= box["x"] + box["width"] - 1 and metric["y"] < height  # figures beside it, visible
    page.screenshot(path=ARTIFACTS / f"city-almaty-{lang}-{width}x{height}.png")
    assert set(outside) <= OPTIONAL_HOSTS, f"requests to the internet: {sorted(set(outside))}"


def record_script_runs(page) -> list[int]:
    """The end status of every script run the page's session reports (ForwardMsg script_finished)."""
    statuses: list[int] = []

    def on_frame(payload):
        if (status := script_finished(payload)) is not None:
            statuses.append(status)

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    return statuses


def test_the_first_deep_link_after_a_start_is_one_script_run_with_no_dialog(browser, atlas_cache_dir):
    """A link into a page as a fresh server's very first request (Streamlit runs the page file without app.py
    then) opens that page with its parameters in one full script run, and the charts in one fragment run."""
    with running_atlas(tempfile.mkdtemp(prefix="atlas-first-link-"), atlas_cache_dir,
                       "streamlit-first-link.log") as fresh:
        page = offline_page(browser, [])
        statuses = record_script_runs(page)
        page.goto(f"{fresh}/air?city=almaty&lang=ru")
        map_frame(page)
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        assert page.locator("h1").first.inner_text().startswith("Качество воздуха — Алматы")
        assert page.locator('[data-testid="stDialog"]').count() == 0
        assert statuses == [FULL_RUN, FRAGMENT_RUN], statuses
        page.context.close()


def test_the_city_maps_leaflet_starts_before_any_chart_library(server, browser):
    """The map frame fetches Leaflet (inside the map's page) before the page fetches a chart library (Streamlit's plotly or Vega-Lite
    bundles; not the 1 kB Vega loader that st.metric imports), and plotly's 4.7 MB bundle only once Leaflet has
    arrived: the map never waits for the charts."""
    page = offline_page(browser, [])
    page.goto(f"{server}/city?city=bishkek&lang=en")
    frame = map_frame(page)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    # the session's first map carries Leaflet inside its page (components/map_view.py): Leaflet arrives with it
    leaflet = frame.evaluate("""() => { const e = performance.getEntriesByType('resource')
        .find(r => r.name.split('?')[0].endsWith('/leaflet/leaflet.js'))
        || performance.getEntriesByType('navigation')[0];
        return [performance.timeOrigin + e.startTime, performance.timeOrigin + e.responseEnd]; }""")
    charts = page.evaluate(r"""() => performance.getEntriesByType('resource')
        .filter(r => /^(PlotlyChart|ArrowVegaLiteChart|embed)\./.test(r.name.split('/').pop()))
        .map(r => [r.name.split('/').pop(), performance.timeOrigin + r.startTime])""")
    assert any("plotly" in name.lower() for name, _ in charts), charts
    assert all(start > leaflet[0] for _, start in charts), (leaflet, charts)
    assert all(start > leaflet[1] for name, start in charts if "plotly" in name.lower()), (leaflet, charts)
    page.context.close()


def test_a_return_visit_takes_the_city_map_from_the_browsers_cache_and_the_websocket_never_carries_it(server,
                                                                                                       browser):
    """The map travels once, as a page named by its content (components/static_files.publish_map): the
    websocket carries its URL, not its layers, and a second visit in the same browser draws it from the cache."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    fetched = []
    for visit in ("first", "return"):
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        frames = []
        cdp.on("Network.webSocketFrameReceived", lambda e, frames=frames: frames.append(e["response"]["payloadData"]))
        cdp.on("Network.responseReceived", lambda e, visit=visit: "/app/maps/" in e["response"]["url"] and fetched.append(
            (visit, e["response"]["status"], bool(e["response"].get("fromDiskCache") or
                                                  e["response"].get("fromMemoryCache")))))
        asked, events = {}, []  # when the map frame's script and the websocket were first asked for; in order
        cdp.on("Network.requestWillBeSent", lambda e, asked=asked, events=events: (
            "/static/js/IFrame." in e["request"]["url"] and asked.setdefault("map frame script", e["timestamp"]),
            "/_stcore/" in e["request"]["url"] and events.append(("asked", e["request"]["url"]))))
        cdp.on("Network.webSocketWillSendHandshakeRequest", lambda e, asked=asked: asked.setdefault(
            "websocket", e["timestamp"]))
        cdp.on("Network.webSocketCreated", lambda e, events=events: events.append(("websocket", e["url"])))
        cdp.on("Network.responseReceived", lambda e, events=events: "/_stcore/health" in e["response"]["url"] and
               events.append(("health answered", e["response"]["url"])))
        page.goto(f"{server}/city?city=bishkek&lang=en")
        frame = map_frame(page)
        if visit == "first":  # preloaded with the page's own scripts (IndexPageHead), not after the first delta
            assert asked["map frame script"] < asked["websocket"], asked
        # window.__streamlit names the server: no probe of the page's own path, the websocket opened at once
        assert not [url for _, url in events if "/city/_stcore/" in url], events
        assert [kind for kind, _ in events].index("websocket") < [kind for kind, _ in events].index(
            "health answered"), events
        assert "/app/maps/" in frame.url and "Health facilities" in frame.locator(".atlas-legend").inner_text()
        import base64
        sent = b"".join(base64.b64decode(f) for f in frames)
        assert b"/app/maps/" in sent and b"FeatureCollection" not in sent and b"leaflet.js" not in sent
        page.close()
    first, again = [f for f in fetched if f[0] == "first"], [f for f in fetched if f[0] == "return"]
    assert first and first[0][1:] == (200, False)
    assert again and all(from_cache for _, _, from_cache in again), fetched  # nothing left the browser for it
    context.close()


def test_the_server_sends_streamlits_scripts_compressed(server):
    """serve.py gzips what it sends: Streamlit's main script arrives compressed, and unpacks to the served file."""
    import gzip
    import re
    html = urllib.request.urlopen(f"{server}/", timeout=30).read().decode()
    script = re.search(r'src="\./(static/js/index\.[^"]+\.js)"', html).group(1)
    request = urllib.request.Request(f"{server}/{script}", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        packed = response.read()
    import streamlit
    original = (Path(streamlit.__file__).parent / "static" / script).read_bytes()
    assert gzip.decompress(packed) == original and len(packed) < 0.4 * len(original)


COVERING_CONTROLS = ".leaflet-control"  # legend, credit line, zoom and layer buttons, scale


def uncovered_share(frame) -> float:
    """The share of the map's area that no control (legend, credits, buttons, scale) covers."""
    return frame.evaluate(f"""() => {{ const map = document.querySelector('.leaflet-container').getBoundingClientRect();
        const covered = [...document.querySelectorAll('{COVERING_CONTROLS}')].map(e => e.getBoundingClientRect())
            .reduce((sum, r) => sum + Math.max(0, Math.min(r.right, map.right) - Math.max(r.left, map.left))
                                    * Math.max(0, Math.min(r.bottom, map.bottom) - Math.max(r.top, map.top)), 0);
        return 1 - covered / (map.width * map.height); }}""")


@pytest.mark.parametrize("width,height,lang", [(1366, 768, "kk"), (1920, 1080, "ky")])
def test_city_map_fits_the_first_screen_and_its_controls_leave_the_map_visible(server, browser, width, height, lang):
    """A presenter's screen: the whole City map on the first screen, at least 70 % of it free of legend, credits
    and buttons; the credit is one line that opens on a click (and closes again)."""
    page = offline_page(browser, [], viewport=(width, height))
    page.goto(f"{server}/city?city=almaty&lang={lang}")
    frame = map_frame(page)
    page.wait_for_timeout(1000)
    box = page.locator("iframe").first.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, box
    assert uncovered_share(frame) >= 0.70, uncovered_share(frame)
    credit = frame.locator(".leaflet-control-attribution")
    one_line = credit.bounding_box()["height"]
    assert one_line < 22
    credit.click(position={"x": 60, "y": 5})
    assert credit.bounding_box()["height"] > 1.5 * one_line  # opened: every credit readable
    page.screenshot(path=ARTIFACTS / f"city-map-controls-{lang}-{width}x{height}.png")
    page.context.close()


@pytest.mark.parametrize("width,height", [(1366, 768), (1920, 1080)])
def test_summit_slides_fit_the_screen_with_no_scrolling(server, browser, width, height):
    """Every kind of slide (a map, a city's PM2.5 record, an indicator across the cities) shows whole on a
    1366×768 projector and a 1920×1080 screen: no scrollbar, the way out visible, the map mostly uncovered."""
    page = offline_page(browser, [], viewport=(width, height))
    deck = "cities=astana,almaty&indicators=life_expectancy&lang=kk"
    for slide in (1, 2, 5):
        page.goto(f"{server}/summit?{deck}&slide={slide}")
        if slide == 1:
            frame = map_frame(page)
        else:
            page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        scroll = page.evaluate("() => { const m = document.querySelector('[data-testid=stMain]');"
                               " return [m.scrollHeight, m.clientHeight, document.documentElement.scrollHeight]; }")
        assert scroll[0] <= scroll[1] + 1 and scroll[2] <= height, (slide, scroll)
        exit_link = page.get_by_role("link", name="Саммит режимінен шығу").bounding_box()
        assert exit_link and exit_link["y"] + exit_link["height"] <= height, exit_link
        content = page.locator(".st-key-summit_slide").bounding_box()
        assert content["height"] > 0.6 * height  # the slide takes the screen, not a strip of it
        if slide == 1:
            assert uncovered_share(frame) >= 0.70
        page.screenshot(path=ARTIFACTS / f"summit-kk-{slide}-{width}x{height}.png")
    page.context.close()


def test_zoom_buttons_and_layer_switch_update_the_shared_link(server, browser):
    """+/− and the layer switch change ?view / &hidden like a drag does, and the legend drops a hidden layer."""
    page = offline_page(browser, [])
    page.goto(f"{server}/city?city=bishkek&lang=en")
    frame = map_frame(page)
    page.wait_for_timeout(1000)
    assert "view=" not in page.url
    frame.locator(".leaflet-control-zoom-in").click()
    page.wait_for_timeout(1200)
    view = [float(v) for v in dict(p.split("=") for p in urlparse(page.url).query.split("&"))["view"].split("%2C")]
    before = frame.evaluate(f"() => {LEAFLET_MAP}.getZoom()")
    assert view[2] == before
    frame.locator(".leaflet-control-layers").hover()
    frame.locator(".leaflet-control-layers-overlays label", has_text="Health facilities").locator("input").click()
    page.wait_for_timeout(800)
    assert "hidden=health_facilities" in page.url
    legend = frame.locator(".atlas-legend [data-layer=health_facilities]")
    assert not legend.is_visible()
    page.context.close()


def test_a_russian_sessions_map_export_is_dated_and_credited_in_russian(server, browser):
    """The download runs outside the page's script run: it must still take the session's language."""
    page = offline_page(browser, [])
    page.goto(f"{server}/city?city=bishkek&lang=ru")
    map_frame(page)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)  # the page as its reader sees it, settled
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Карта в HTML (работает без интернета)").click()
    exported = ARTIFACTS / "export-ru-map.html"
    download.value.save_as(exported)
    page.goto(exported.as_uri())  # opened as its reader opens it: from disk, offline
    page.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    shown = page.locator("body").inner_text()
    assert "участники OpenStreetMap" in shown and "contributors" not in shown
    months = ("янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек.")
    assert any(f"{m} 20" in shown for m in months), f"no Russian date in the export: {shown[:300]}"
    page.context.close()


def test_an_impossible_view_in_a_link_is_ignored_and_the_charts_still_load(server, browser):
    page = offline_page(browser, [])
    page.goto(f"{server}/city?city=bishkek&lang=en&view=1e308,1e308,5")
    frame = map_frame(page)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)  # released by the map, as on any visit
    center = frame.evaluate(f"() => {LEAFLET_MAP}.getCenter()")
    assert 42 < center["lat"] < 43.5 and 74 < center["lng"] < 75.5  # fitted to Bishkek instead
    page.context.close()
