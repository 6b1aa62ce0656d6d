"""Summit mode: a full-screen sequence of views (city maps, PM2.5 charts, the city comparison) in large,
high-contrast type, stepped with buttons or the arrow keys."""
from __future__ import annotations

import streamlit as st

from components import air_views, data
from components.map_view import base_url, show_map
from components.state import lang, t
from geo.cities import get_city

SEED_CITIES = ("bishkek", "osh", "jalal-abad", "astana", "almaty", "shymkent", "karaganda")
COMPARISON_YEAR = 2022  # the latest year with a complete PM2.5 record for most cities
PRESENTATION_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"] {display: none !important;}
.block-container {padding-top: 1rem; max-width: 100%;}
html, body, [data-testid="stAppViewContainer"] {font-size: 22px; color: #000; background: #fff;}
h1 {font-size: 2.6rem !important;}
</style>"""


def slides() -> list[tuple[str, str]]:
    """(kind, subject) of every view: each seed city's map, its PM2.5 record where it has one, the comparison."""
    sequence = []
    for city_id in SEED_CITIES:
        sequence.append(("map", city_id))
        if not data.city_air(city_id, "pm25").empty:
            sequence.append(("pm25", city_id))
    return sequence + [("compare", "pm25")]


def current_index(count: int) -> int:
    """The slide in the URL (?slide=N), kept within the sequence."""
    try:
        return min(max(int(st.query_params.get("slide", 0)), 0), count - 1)
    except ValueError:
        return 0


def navigation(index: int, count: int) -> None:
    """Previous / next buttons (also the ← → keys) and the position; the slide number goes to the URL."""
    left, middle, right = st.columns([1, 4, 1])
    if left.button(t("summit.previous"), key="summit_previous", shortcut="left", disabled=index == 0,
                   width="stretch"):
        st.query_params["slide"] = str(index - 1)
        st.rerun()
    middle.markdown(f"<div style='text-align:center'>{index + 1} / {count}</div>", unsafe_allow_html=True)
    if right.button(t("summit.next"), key="summit_next", shortcut="right", disabled=index == count - 1,
                    width="stretch"):
        st.query_params["slide"] = str(index + 1)
        st.rerun()


def render_slide(kind: str, subject: str) -> None:
    if kind == "map":
        city = get_city(subject)
        st.title(t("summit.map_title", city=city.name(lang())))
        show_map(data.city_map_html(city.id, lang(), base_url()), t("summit.map_title", city=city.name(lang())), height=720)
    elif kind == "pm25":
        city = get_city(subject)
        st.title(t("summit.pm25_title", city=city.name(lang())))
        figure = air_views.annual_figure(city.id, "pm25", lang())
        st.plotly_chart(large(figure), width="stretch")
    else:
        st.title(t("summit.compare_title", year=COMPARISON_YEAR))
        figure, left_out = air_views.comparison_figure(subject, COMPARISON_YEAR, lang())
        st.plotly_chart(large(figure), width="stretch")
        st.caption(left_out)


def large(figure):
    """A copy of a chart in presentation type sizes."""
    return figure.__class__(figure).update_layout(font_size=20, title_font_size=26, height=720)
