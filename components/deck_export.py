"""The presenter's deck without its screen: which slides a choice of cities and indicators makes, their titles,
and the deck drawn as pictures (maps as print variants in headless Chromium, charts by kaleido) and written as
PowerPoint or one offline HTML file (geo.deck). Summit mode shows it; the CLI writes it without Streamlit."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from components import data
from components.charts import presentation_type
from components.exports import chart_image, html_to_png, standalone_map_html
from components.shared_charts import annual_figure, comparison_figure
from geo.cities import get_city
from geo.deck import Slide, deck_html, deck_pptx
from geo.i18n import format_date, translate, translate_text

SEED_INDICATORS = ("pm25_annual_mean", "life_expectancy", "med_institutions_per_10k")
SLIDE_PX = (1600, 900)  # 16:9, the deck's pictures
SLIDE_FONT_PX = 22  # chart type on a 1600×900 picture that reads from the back of a hall


@dataclass(frozen=True)
class DeckChoice:
    """What the presenter shows: cities in their order, indicators compared across them, the year (None: each
    indicator's latest year the cities share, as Compare chooses it)."""
    cities: tuple[str, ...]
    indicators: tuple[str, ...]
    year: int | None = None


def slides(choice: DeckChoice) -> list[tuple[str, str]]:
    """(kind, subject) of every slide: each city's map and its PM2.5 record where it has one, then each
    indicator across the cities."""
    sequence = []
    for city_id in choice.cities:
        sequence.append(("map", city_id))
        if not data.city_annual(city_id, "pm25").empty:
            sequence.append(("pm25", city_id))
    return sequence + [("indicator", indicator_id) for indicator_id in choice.indicators]


def slide_title(kind: str, subject: str, choice: DeckChoice, language: str) -> str:
    if kind == "map":
        return translate("summit.map_title", language, city=get_city(subject).name(language))
    if kind == "pm25":
        return translate("summit.pm25_title", language, city=get_city(subject).name(language))
    return comparison_figure(subject, choice.cities, choice.year, language).layout.title.text


def deck_slides(choice: DeckChoice, language: str, today: dt.date | None = None) -> list[Slide]:
    """Every slide of the deck drawn as a picture: maps as print variants (headless Chromium), charts by kaleido;
    each with its title, the date and the credits of what it shows, in `language`."""
    made_with = translate("export.made_with", language)
    dated = f"{format_date(today or dt.date.today(), language)} · {made_with}"
    drawn = []
    for kind, subject in slides(choice):
        title = slide_title(kind, subject, choice, language)
        if kind == "map":
            layers = data.city_map_layers(subject, language)
            page = standalone_map_html(data.city_map(subject, language, "/", True), layers, title, made_with,
                                       language)
            credits = "; ".join(dict.fromkeys(layer.credit or translate_text(layer.spec.attribution, language)
                                              for layer in layers))
            drawn.append(Slide(title, html_to_png(page, SLIDE_PX), f"{dated} · {credits}"))
        else:
            figure = (annual_figure(subject, "pm25", language) if kind == "pm25"
                      else comparison_figure(subject, choice.cities, choice.year, language))
            note = figure.layout.annotations[-1].text.replace("<br>", " ") if figure.layout.annotations else ""
            drawn.append(Slide(title, chart_image(presentation_type(figure, SLIDE_FONT_PX), "png", title, made_with,
                                                  language), f"{dated} · {note}"))
    return drawn


def deck_file(choice: DeckChoice, language: str, fmt: str) -> bytes:
    """The deck as .pptx bytes or as one HTML file (UTF-8 bytes)."""
    drawn = deck_slides(choice, language)
    title = translate("summit.deck_title", language)
    if fmt == "pptx":
        return deck_pptx(drawn, title, language)
    return deck_html(drawn, title, language, translate("summit.previous", language),
                     translate("summit.next", language)).encode("utf-8")
