"""Hostile text in the real app, in headless Chromium with no internet: clinic names with Jinja2 syntax and water
site ids written as Markdown links and images are stored before the server starts; the City, Water and Data &
imports pages show them as typed, evaluate nothing, link nowhere and load nothing from outside.

Screenshots land in test-artifacts/.
"""
import json
import os
import tempfile

import pytest

from tests.test_browser import ARTIFACTS, CHROMIUM, browser, map_frame, offline_page, running_atlas  # noqa: F401

pytestmark = pytest.mark.browser
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI needs /usr/bin/chromium for the browser tests: run scripts/install-system-deps.sh")
    pytest.skip("Debian chromium not installed (scripts/install-system-deps.sh)", allow_module_level=True)

from playwright.sync_api import Error as PlaywrightError  # noqa: E402

CITY = "jalal-abad"
CENTRE = (72.99, 40.93)  # central Jalal-Abad
CLINIC_NAMES = ["Clinic {{ 7*7 }}", "Clinic {% raw %} open", "Clinic {# note #} kept", "Clinic {{ config }}"]
LINK_SITE = "[log in](https://evil.example/login)"
IMAGE_SITE = "![x](http://tracker.example/pixel.png)"
PASSWORD = "correct horse battery"


def seed_hostile_store(folder: str) -> None:
    """The embedded dataset, plus hostile clinic names and water sites stored for Jalal-Abad by its editor."""
    from geo.cities import get_city
    from geo.layerstore import LayerStore
    from geo.water import read_water_csv, samples_layer
    from geo.writes import add_user, import_file
    store = LayerStore(f"sqlite:///{folder}/atlas.sqlite")
    store.seed()
    add_user(store, "aigul", PASSWORD, "editor", (CITY,))
    editor = store.sign_in("aigul", PASSWORD)
    features = [{"type": "Feature", "properties": {"osm_id": f"node/{i}", "name": name, "facility_type": "clinic"},
                 "geometry": {"type": "Point", "coordinates": [CENTRE[0] + 0.004 * i, CENTRE[1]]}}
                for i, name in enumerate(CLINIC_NAMES)]
    import_file(store, editor, get_city(CITY), "health_facilities", "hostile.geojson",
                json.dumps({"type": "FeatureCollection", "features": features}).encode(), "CC0")
    csv = ("site_id,site_name,lon,lat,date,parameter,value,unit\n"
           f'"{LINK_SITE}","{IMAGE_SITE}",{CENTRE[0]},{CENTRE[1]},2024-05-01,arsenic,15,µg/L\n'
           f'W2,"Well {{{{ 7*7 }}}}",{CENTRE[0] + 0.01},{CENTRE[1]},2024-05-01,arsenic,5,µg/L\n').encode()
    store.commit("water_samples", CITY, samples_layer(read_water_csv(csv), CITY, "wells.csv", "CC0"), editor,
                 "wells.csv")
    store.close()


@pytest.fixture(scope="module")
def server(atlas_cache_dir):
    folder = tempfile.mkdtemp(prefix="atlas-hostile-store-")
    seed_hostile_store(folder)
    with running_atlas(folder, atlas_cache_dir, "streamlit-hostile.log") as base:
        yield base


def assert_nothing_evaluated_or_linked(page, outside: list[str]) -> None:
    page.wait_for_timeout(1500)  # the page's last rerun settles (a map frame may be replaced)
    text = page.locator("body").inner_text()
    assert "Clinic 49" not in text and "Well 49" not in text
    links = page.locator('a[href*="evil.example"], img[src*="tracker.example"]')
    assert links.count() == 0, [links.nth(i).evaluate("e => e.parentElement.outerHTML") for i in range(links.count())]
    for frame in page.frames:
        try:
            found = frame.locator('a[href*="evil.example"], img[src*="tracker.example"]').count()
        except PlaywrightError as error:  # a frame replaced by the page's rerun while we looked
            assert "detached" in str(error)
            continue
        assert found == 0
    assert "tracker.example" not in outside and "evil.example" not in outside
    assert "Traceback" not in text and "Something went wrong on this page" not in text


def test_city_map_shows_jinja_in_names_literally(server, browser):  # noqa: F811
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.goto(f"{server}/city?city={CITY}")
    frame = map_frame(page)
    page.get_by_role("heading", name="Jalal-Abad").wait_for()
    source = frame.content()
    for name in CLINIC_NAMES:
        assert name in source, name
    assert "Clinic 49" not in source
    assert f"Health facilities ({len(CLINIC_NAMES)})" in frame.locator(".atlas-legend").inner_text()
    page.screenshot(path=ARTIFACTS / "hostile-city.png", full_page=True)
    assert_nothing_evaluated_or_linked(page, outside)


def test_water_page_shows_markdown_site_ids_as_typed_and_takes_a_file_beside_stored_samples(server, browser,  # noqa: F811
                                                                                             tmp_path):
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.goto(f"{server}/water?city={CITY}")
    page.get_by_text("Samples stored for this city").wait_for(timeout=60_000)
    frame = map_frame(page)
    assert IMAGE_SITE in frame.content() and "Well {{ 7*7 }}" in frame.content()  # site names in the tooltips
    page.locator(".legendtext").first.wait_for(timeout=60_000)
    assert LINK_SITE in page.locator(".legendtext").all_text_contents()  # site ids in the chart's legend
    far = tmp_path / "far.csv"  # a site far from the city: its id is quoted in the warning
    far.write_text("site_id,site_name,lon,lat,date,parameter,value,unit\n"
                   f'"{LINK_SITE}",x,74.6,42.87,2024-05-02,nitrate,12,mg/L\n', encoding="utf-8")
    page.locator('input[type="file"]').set_input_files(str(far))
    page.get_by_text("Loaded 1 samples from 1 sites.").wait_for(timeout=60_000)
    warning = page.locator("[data-testid=stAlertContentWarning]").inner_text()
    assert LINK_SITE in warning, warning  # the text as typed, brackets and all
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / "hostile-water.png", full_page=True)
    assert page.locator("[data-testid=stException]").count() == 0  # two sample views on one page: no key clash
    assert_nothing_evaluated_or_linked(page, outside)


def preview_content(page) -> str:
    """The preview map's HTML, read again when a rerun replaced its frame while we read it."""
    for _ in range(5):
        try:
            return map_frame(page).content()
        except PlaywrightError as error:
            assert "detached" in str(error)
            page.wait_for_timeout(500)
    pytest.fail("the preview map kept being replaced")


def test_data_page_preview_of_a_hostile_import_is_inert(server, browser, tmp_path):  # noqa: F811
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.goto(f"{server}/data?city={CITY}")
    page.get_by_label("User name").fill("aigul")
    page.get_by_label("Password", exact=True).and_(page.locator("input")).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as aigul").wait_for()
    page.locator("[data-testid=stSelectbox]").filter(has_text="Layer to replace").click()
    page.get_by_role("option", name="Health facilities").click()
    upload = tmp_path / "clinics {{ 7*7 }}.geojson"
    upload.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"osm_id": "node/9", "name": "New {% raw %} {{ 6*7 }}",
                                           "facility_type": "clinic"},
         "geometry": {"type": "Point", "coordinates": list(CENTRE)}}]}), encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_role("textbox", name="Licence of the data (required)").fill("[CC0](https://evil.example/)")
    page.keyboard.press("Enter")
    page.get_by_text("Ready: 1 feature for").wait_for(timeout=60_000)  # one feature, singular
    content = preview_content(page)
    assert "New {% raw %} {{ 6*7 }}" in content and "New {% raw %} 42" not in content
    page.screenshot(path=ARTIFACTS / "hostile-data.png", full_page=True)
    assert_nothing_evaluated_or_linked(page, outside)
