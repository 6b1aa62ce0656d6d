"""Summit mode: the presenter's own deck (cities, indicators, year, all kept in the URL) full screen in large,
high-contrast type, stepped with buttons or the arrow keys, fitted to the screen; and the same deck taken away as
PowerPoint or as one offline HTML file (geo.deck)."""
from __future__ import annotations

import datetime as dt
import html

import streamlit as st

from components import data
from components.charts import presentation_type
from components.deck_export import SEED_INDICATORS, DeckChoice, deck_file, slide_title
from components.exports import browser_path
from components.map_view import base_url, show_map
from components.shared_charts import annual_figure, comparison_figure, indicator_name
from components.state import lang, t
from components.widgets import url_choice, url_list
from geo.cities import get_city, member_cities
from geo.i18n import format_date
from geo.indicators import INDICATORS

SEED_CITIES = ("bishkek", "osh", "jalal-abad", "astana", "almaty", "shymkent", "karaganda")
SCREEN_FONT_PX = 17  # chart type in Summit mode on the screen
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


def slide_figure(kind: str, subject: str, choice: DeckChoice, language: str):
    """The chart of a chart slide, in presentation type (its title is the slide's)."""
    figure = (annual_figure(subject, "pm25", language) if kind == "pm25"
              else comparison_figure(subject, choice.cities, choice.year, language))
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
             t("compare.indicators"), lambda i: indicator_name(i, lang()))
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

