"""The presenter's deck taken away: PowerPoint and one offline HTML file, one slide per chosen item, each slide's
title, date and credits in the deck's language; the same from the command line."""
import io
import logging
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from geo.deck import Slide, deck_html, deck_pptx, png_size

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
RU_MONTHS = ("янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек.")


def png(width: int, height: int, colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def test_pptx_has_one_slide_per_item_with_title_footer_and_the_picture_undistorted():
    slides = [Slide("Астана", png(1600, 900), "5 дек. 2026 г. · Атлас · ODbL 1.0", "notes"),
              Slide("Tall", png(600, 900, "blue"), "footer two")]
    deck = Presentation(io.BytesIO(deck_pptx(slides, "Deck", "ru")))
    assert len(deck.slides) == 2 and deck.core_properties.language == "ru"
    for slide, source in zip(deck.slides, slides):
        texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        assert texts == [source.title, source.footer]
        picture = next(shape for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE)
        width, height = png_size(source.png)
        assert abs(picture.width / picture.height - width / height) < 0.01  # fitted, not stretched
        assert picture.left >= 0 and picture.left + picture.width <= deck.slide_width
        assert picture.top + picture.height <= deck.slide_height
    assert deck.slides[0].notes_slide.notes_text_frame.text == "notes"


def test_html_deck_escapes_titles_and_carries_its_pictures_inside():
    page = deck_html([Slide("<b>x</b>", png(16, 9), "a & b")], "Deck", "kk", "Алдыңғы", "Келесі")
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page and "a &amp; b" in page
    assert 'lang="kk"' in page and "data:image/png;base64," in page
    assert "http://" not in page and "https://" not in page  # nothing to fetch: it opens offline


def test_a_picture_that_is_not_a_png_is_refused():
    with pytest.raises(ValueError, match="PNG"):
        png_size(b"GIF89a....")


needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium draws the deck's maps")


@pytest.fixture(scope="module")
def russian_deck():
    """Astana and Almaty with life expectancy, in Russian, drawn as Summit mode draws it for a download."""
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").disabled = True
    from components.deck_export import DeckChoice, deck_slides, slides

    choice = DeckChoice(("astana", "almaty"), ("life_expectancy",), None)
    return slides(choice), deck_slides(choice, "ru")


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_the_deck_has_every_chosen_item_in_russian(russian_deck):
    """One slide per chosen item: each city's map, its PM2.5 record where the data have one (counted here from
    the air table directly), each indicator; titles, dates and credits in Russian."""
    import pandas as pd

    from geo.paths import EMBEDDED_DIR

    sequence, drawn = russian_deck
    daily = pd.read_parquet(EMBEDDED_DIR / "air_daily.parquet", columns=["city_id", "pollutant"])
    with_pm25 = {c for c in ("astana", "almaty") if ((daily["city_id"] == c) & (daily["pollutant"] == "pm25")).any()}
    assert len(drawn) == len(sequence) == 2 + len(with_pm25) + 1
    assert [s.title for s in drawn][0] == "Астана"
    assert drawn[-1].title.startswith("Ожидаемая продолжительность жизни при рождении")
    for slide in drawn:
        assert any(f"{m} 20" in slide.footer for m in RU_MONTHS), slide.footer
        assert "Атлас здоровых городов" in slide.footer
        assert png_size(slide.png) == (1600, 900)
    assert "участники OpenStreetMap" in drawn[0].footer  # the map's credits, translated
    assert "Бюро национальной статистики" in drawn[-1].footer  # the indicator's source


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_the_html_deck_steps_offline_in_a_browser(russian_deck, tmp_path):
    from playwright.sync_api import sync_playwright

    from geo.deck import deck_html

    _sequence, drawn = russian_deck
    path = tmp_path / "deck.html"
    path.write_text(deck_html(drawn, "Атлас", "ru", "Назад", "Далее"), encoding="utf-8")
    outside = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                   else (outside.append(r.request.url), r.abort()))
        page.goto(path.as_uri())
        shown = page.locator("section.shown")
        assert shown.count() == 1 and shown.locator("h1").inner_text() == "Астана"
        assert page.evaluate("document.querySelector('section.shown img').naturalWidth") == 1600
        page.keyboard.press("ArrowRight")
        assert page.locator("section.shown h1").inner_text() == drawn[1].title
        page.locator("section.shown button.previous").click()
        assert page.locator("section.shown h1").inner_text() == "Астана"
        assert page.evaluate("[document.documentElement.scrollHeight, innerHeight]") == [768, 768]
        assert page.locator("section").count() == len(drawn)
        browser.close()
    assert outside == []


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_the_command_line_writes_the_same_deck_as_pptx(geo_cli):
    done = geo_cli("deck", "--cities", "osh", "--indicators", "life_expectancy", "--lang", "ky", "--format", "pptx")
    assert done.returncode == 0, done.stderr
    deck = Presentation(io.BytesIO(done.stdout))
    titles = [next(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
    assert titles[0] == "Ош" and titles[-1].startswith("Төрөлгөндөгү күтүлгөн өмүр")
    assert deck.core_properties.language == "ky"


@pytest.mark.parametrize("args, message", [
    (("--cities", "atlantis"), "atlantis"),
    (("--cities", "osh", "--indicators", "no_such_thing"), "no_such_thing"),
    (("--cities", "osh", "--lang", "de"), "unknown language"),
])
def test_the_command_line_refuses_bad_input_plainly(geo_cli, args, message):
    done = geo_cli("deck", *args)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
