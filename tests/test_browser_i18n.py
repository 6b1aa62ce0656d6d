"""Kazakh and Kyrgyz in the real app, in headless Chromium, offline: the first visit follows the browser's
language, ?lang= wins, the pages and the map read in the language, and every letter has a glyph.

Screenshots land in test-artifacts/ (city-kk-astana.png, air-ky-bishkek.png, map-export-kk-almaty.png, ...).
"""
import re
import subprocess

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.test_browser import (  # noqa: F401
    ARTIFACTS,
    OPTIONAL_HOSTS,
    browser,
    map_frame,
    offline_page,
    server,
)

pytestmark = pytest.mark.browser
KAZAKH_AND_KYRGYZ_LETTERS = "әғқңөұүһі"


def sidebar_language_label(page) -> str:
    return page.locator('[data-testid="stSidebar"] [data-testid="stWidgetLabel"]').first.inner_text()


@pytest.mark.parametrize("locale, label, lang", [("kk-KZ", "Тіл", "kk"), ("ky-KG", "Тил", "ky"),
                                                 ("ru-RU", "Язык", "ru"), ("de-DE", "Language", "en")])
def test_a_first_visit_follows_the_browsers_language(server, browser, locale, label, lang):  # noqa: F811
    outside: list[str] = []
    page = offline_page(browser, outside, locale=locale)
    page.goto(f"{server}/city?city=astana")
    map_frame(page)
    assert sidebar_language_label(page) == label
    page.wait_for_function(f"() => location.search.includes('lang={lang}')")  # the link now names the language
    page.context.close()


def test_a_link_with_lang_wins_over_the_browser(server, browser):  # noqa: F811
    page = offline_page(browser, [], locale="kk-KZ")
    page.goto(f"{server}/city?city=astana&lang=en")
    map_frame(page)
    assert sidebar_language_label(page) == "Language"
    page.context.close()


@pytest.mark.parametrize("lang, city, heading, credit, legend", [
    ("kk", "astana", "Астана", "OpenStreetMap қатысушылары", "Қала шекарасы"),
    ("ky", "bishkek", "Бишкек", "OpenStreetMap катышуучулары", "Шаардын чек арасы")])
def test_city_page_reads_in_the_language_map_included(server, browser, lang, city, heading, credit, legend):  # noqa: F811
    outside: list[str] = []
    page = offline_page(browser, outside, viewport=(1366, 900))
    page.goto(f"{server}/city?city={city}&lang={lang}")
    frame = map_frame(page)
    page.get_by_role("heading", name=heading).first.wait_for()
    assert credit in frame.locator(".leaflet-control-attribution").inner_text()
    assert legend in frame.locator(".atlas-legend").inner_text()
    page.wait_for_timeout(1500)
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert not re.search(r"\b(?:the|and|of|no data|Source)\b", text), "English left on the page"
    page.screenshot(path=ARTIFACTS / f"city-{lang}-{city}.png", full_page=True)
    assert set(outside) <= OPTIONAL_HOSTS
    page.context.close()


@pytest.mark.parametrize("lang, city", [("kk", "almaty"), ("ky", "bishkek")])
def test_air_page_reads_in_the_language(server, browser, lang, city):  # noqa: F811
    outside: list[str] = []
    page = offline_page(browser, outside, viewport=(1400, 4600))
    page.goto(f"{server}/air?city={city}&lang={lang}")
    frame = map_frame(page)
    page.locator(".js-plotly-plot").nth(4).wait_for(timeout=60_000)  # the charts follow the map
    page.wait_for_timeout(1500)
    ticks = " ".join(page.locator(".js-plotly-plot .xtick text").all_text_contents())
    assert not re.search(r"\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b", ticks), ticks
    legend = frame.locator(".atlas-legend").text_content()  # folded or open: its words are the language's
    assert ("ДДСҰ" if lang == "kk" else "БДСУ") in legend
    page.screenshot(path=ARTIFACTS / f"air-{lang}-{city}.png", full_page=True)
    assert set(outside) <= OPTIONAL_HOSTS
    page.context.close()


@pytest.mark.parametrize("lang, city", [("kk", "almaty"), ("ky", "bishkek")])
def test_png_map_export_in_kazakh_and_kyrgyz(lang, city):
    from components import data
    from components.exports import html_to_png, standalone_map_html
    from components.maps import build_map
    from geo.cities import get_city
    from geo.i18n import translate
    layers = data.city_map_layers(city, lang)
    bounds = tuple(data.city_layer(city, "boundary").total_bounds)
    title = translate("export.city_map_title", lang, city=get_city(city).name(lang))
    page = standalone_map_html(build_map(layers, bounds, lang=lang), layers, title,
                               translate("export.made_with", lang), lang)
    png = html_to_png(page, (1200, 800))
    (ARTIFACTS / f"map-export-{lang}-{city}.png").write_bytes(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


def test_the_browsers_sans_serif_font_has_every_kazakh_and_kyrgyz_letter():
    """fontconfig resolves Chromium's and kaleido's sans-serif; it must cover ә ғ қ ң ө ұ ү һ і, else they
    draw as boxes (scripts/install-system-deps.sh installs fonts-dejavu-core)."""
    charset = " ".join(f"{ord(c):04x}" for c in KAZAKH_AND_KYRGYZ_LETTERS)
    covering = subprocess.run(["fc-list", f":charset={charset}", "family"], capture_output=True, text=True,
                              check=True).stdout
    assert covering.strip(), "no installed font covers the Kazakh and Kyrgyz letters"
    resolved = subprocess.run(["fc-match", f"sans-serif:charset={charset}", "family"], capture_output=True,
                              text=True, check=True).stdout.strip()
    assert resolved in covering


@pytest.mark.parametrize("lang, city, no_data", [("kk", "karaganda", "деректер жоқ"), ("ky", "bishkek", "маалымат жок")])
@pytest.mark.parametrize("width, height", [(1366, 768), (1920, 1080)])
def test_no_data_cards_show_the_whole_words(server, browser, lang, city, no_data, width, height):  # noqa: F811
    """A card without a value says so in full: "деректер жоқ" cut to "деректер ж…" would read as "data"."""
    outside: list[str] = []
    page = offline_page(browser, outside, viewport=(width, height))
    page.goto(f"{server}/profile?city={city}&lang={lang}")
    values = page.locator("[data-testid='stMetricValue']")
    values.filter(has_text=no_data).first.wait_for(timeout=60_000)  # cards draw in turn; wait for one without data
    empty = []
    for _ in range(60):  # the page reruns once the map has drawn (charts released): read the cards it settles on
        page.wait_for_timeout(500)
        try:
            empty = [v for v in values.all() if v.inner_text(timeout=2000).replace("\n", " ").strip() == no_data]
        except PlaywrightError:  # a card was replaced while being read
            continue
        if empty:
            break
    assert empty, f"no card reads {no_data!r}"
    for value in empty:  # the text ends inside its box: nothing hidden behind an ellipsis
        assert value.evaluate("e => [...e.querySelectorAll('*')].every(c => c.getBoundingClientRect().right "
                              "<= e.getBoundingClientRect().right + 0.5 && c.scrollWidth <= c.clientWidth)")
    page.screenshot(path=ARTIFACTS / f"profile-no-data-{lang}-{width}.png", full_page=True)
    assert set(outside) <= OPTIONAL_HOSTS
    page.context.close()
