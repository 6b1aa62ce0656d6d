"""Summit mode: the presenter's own deck (cities, indicators, year, all kept in the URL) full screen in large,
high-contrast type, stepped with buttons or the arrow keys, fitted to the screen; and the same deck taken away as
PowerPoint or as one offline HTML file (geo.deck)."""
from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import streamlit as st

from components import air_views, data, indicator_views
from components.charts import presentation_type
from components.exports import browser_path, chart_image, html_to_png, standalone_map_html
from components.map_view import base_url, show_map
from components.state import lang, t
from components.widgets import url_choice, url_list
from geo.cities import get_city, member_cities
from geo.deck import Slide, deck_html, deck_pptx
from geo.i18n import format_date, translate, translate_text
from geo.indicators import INDICATORS

SEED_CITIES = ("bishkek", "osh", "jalal-abad", "astana", "almaty", "shymkent", "karaganda")
SEED_INDICATORS = ("pm25_annual_mean", "life_expectancy", "med_institutions_per_10k")
SLIDE_PX = (1600, 900)  # 16:9, the deck's pictures
SCREEN_FONT_PX = 17  # chart type in Summit mode on the screen
SLIDE_FONT_PX = 22  # chart type on a 1600×900 picture that reads from the back of a hall
# Room the slide leaves for the row above it (buttons, title) and the one below (place, exit): the slide's map or
# chart takes the rest of the screen, so 1366×768 and 1920×1080 show it whole with no scrolling.
CHROME_PX = 200
PRESENTATION_CSS = f"""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"] {{display: none !important;}}
[data-testid="stMainBlockContainer"] {{padding: .6rem 1.2rem 0 !important; max-width: 100%;}}
[data-testid="stAppViewContainer"] {{color: #000; background: #fff;}}
h1.summit-title {{font-size: clamp(20px, 2.6vh + .6vw, 40px) !important; font-weight: 700; line-height: 1.15;
  margin: 0; padding: 0 !important;}}
.st-key-summit_slide [data-testid="stElementContainer"], .st-key-summit_slide iframe,
.st-key-summit_slide .stPlotlyChart, .st-key-summit_slide .stPlotlyChart > div {{
  height: calc(100vh - {CHROME_PX}px) !important;}}
.st-key-summit_footer p {{font-size: 15px; margin: 0;}}
</style>"""


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


def start_index(sequence: list[tuple[str, str]], city_id: str) -> int:
    """Where a link without ?slide= starts: the first slide of the city it names (else the first)."""
    return next((i for i, (_kind, subject) in enumerate(sequence) if subject == city_id), 0)


def current_index(sequence: list[tuple[str, str]], city_id: str) -> int:
    """The slide in the URL (?slide=N, counted from 1 as the screen shows it), kept within the sequence; without
    one, the first slide of the session's city."""
    try:
        return min(max(int(st.query_params["slide"]) - 1, 0), len(sequence) - 1)
    except (KeyError, ValueError):
        return start_index(sequence, city_id)


def slide_title(kind: str, subject: str, choice: DeckChoice, language: str) -> str:
    if kind == "map":
        return translate("summit.map_title", language, city=get_city(subject).name(language))
    if kind == "pm25":
        return translate("summit.pm25_title", language, city=get_city(subject).name(language))
    return indicator_views.comparison_figure(subject, choice.cities, choice.year, language).layout.title.text


def slide_figure(kind: str, subject: str, choice: DeckChoice, language: str):
    """The chart of a chart slide, in presentation type (its title is the slide's)."""
    figure = (air_views.annual_figure(subject, "pm25", language) if kind == "pm25"
              else indicator_views.comparison_figure(subject, choice.cities, choice.year, language))
    return presentation_type(figure, SCREEN_FONT_PX).update_layout(title_text="", margin_t=40, height=None,
                                                                   autosize=True, template="plotly_white")


def navigation(index: int, sequence: list[tuple[str, str]], choice: DeckChoice) -> None:
    """Previous | title | setup and take-away | next, on one row; the ← → keys step too; the place goes to the URL."""
    left, middle, setup, right = st.columns([1, 7, 1, 1], vertical_alignment="center")
    if left.button(t("summit.previous"), key="summit_previous", shortcut="left", disabled=index == 0,
                   width="stretch"):
        st.query_params["slide"] = str(index)
        st.rerun()
    kind, subject = sequence[index]
    middle.markdown(f"<h1 class='summit-title'>{html.escape(slide_title(kind, subject, choice, lang()))}</h1>",
                    unsafe_allow_html=True)
    with setup.popover("", icon=":material/tune:", help=t("summit.setup"), width="stretch"):
        deck_setup()
        deck_downloads(choice)
    if right.button(t("summit.next"), key="summit_next", shortcut="right", disabled=index == len(sequence) - 1,
                    width="stretch"):
        st.query_params["slide"] = str(index + 2)
        st.rerun()


def deck_setup() -> None:
    """The presenter's choice, kept in the URL (?cities=…&indicators=…&year=…) so the link is the deck."""
    url_list("cities", [c.id for c in member_cities()], list(SEED_CITIES), t("compare.cities"),
             lambda c: get_city(c).name(lang()))
    url_list("indicators", [i for i, spec in INDICATORS.items() if spec.level != "district"], list(SEED_INDICATORS),
             t("compare.indicators"), indicator_views.indicator_name)
    years = sorted({y for i in st.session_state["url_indicators"] for y in data.indicator_years(i)}, reverse=True)
    options = ["", *map(str, years)]
    url_choice("summit_year", "year", options, "")  # "": each indicator's latest shared year
    st.selectbox(t("compare.year"), options, key="summit_year",
                 format_func=lambda y: y or t("compare.year_shared"))
    if st.session_state["summit_year"]:
        st.query_params["year"] = st.session_state["summit_year"]
    else:
        st.query_params.pop("year", None)


def deck_choice() -> DeckChoice:
    """The deck the URL names (or the session chose), seeded with the network's cities and three indicators."""
    options = {c.id for c in member_cities()}
    cities = [c for c in st.session_state.get("url_cities") or st.query_params.get("cities", "").split(",")
              if c in options] or [c for c in SEED_CITIES if c in options]
    indicators = [i for i in st.session_state.get("url_indicators") or st.query_params.get("indicators", "").split(",")
                  if i in INDICATORS and INDICATORS[i].level != "district"] or list(SEED_INDICATORS)
    year = st.session_state.get("summit_year", st.query_params.get("year", ""))
    return DeckChoice(tuple(dict.fromkeys(cities)), tuple(dict.fromkeys(indicators)),
                      int(year) if str(year).isdigit() else None)


def render_slide(kind: str, subject: str, choice: DeckChoice) -> None:
    """The slide's map or chart, filling the screen below the title row."""
    with st.container(key="summit_slide"):
        if kind == "map":
            city = get_city(subject)
            show_map(data.city_map_html(city.id, lang(), base_url()), t("summit.map_title", city=city.name(lang())),
                     height=600)
        else:
            st.plotly_chart(slide_figure(kind, subject, choice, lang()), width="stretch", height="stretch",
                            theme=None)  # the slide's own type sizes, not the app theme's small ticks


def footer(index: int, count: int) -> None:
    """The place in the deck, today's date and the way out, on one line."""
    with st.container(key="summit_footer", horizontal=True, vertical_alignment="center"):
        st.markdown(f"{index + 1} / {count} · {format_date(dt.date.today(), lang())} · {t('export.made_with')}")
        st.page_link("pages/overview.py", label=t("summit.exit"), icon=":material/close_fullscreen:")


def deck_downloads(choice: DeckChoice) -> None:
    """The deck as PowerPoint and as one offline HTML file, made when clicked, in this session's language."""
    if browser_path() is None:
        st.caption(t("export.no_browser"))
        return
    language, stem = lang(), f"atlas-deck-{'-'.join(choice.cities[:3])}"
    st.download_button(t("summit.download_pptx"), data=lambda: deck_file(choice, language, "pptx"),
                       file_name=f"{stem}.pptx", key="deck_pptx", icon=":material/slideshow:",
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation")
    st.download_button(t("summit.download_html"), data=lambda: deck_file(choice, language, "html"),
                       file_name=f"{stem}.html", mime="text/html", key="deck_html", icon=":material/download:")
    st.caption(t("summit.download_note"))


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
            figure = (air_views.annual_figure(subject, "pm25", language) if kind == "pm25"
                      else indicator_views.comparison_figure(subject, choice.cities, choice.year, language))
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
