"""City profile: every indicator by the sections of the national-network application, trends, districts."""
import streamlit as st

from components import indicator_views
from components.state import current_city, lang, require_frame, t
from components.widgets import after_map

require_frame()

city = current_city()
st.title(t("profile.title", city=city.name(lang())))
st.caption(t("profile.intro_who" if city.country == "KG" else "profile.intro"))  # KG: the WHO network, not KZ's
indicator_views.section_cards(city)
st.caption(t("peer.rule"))

st.subheader(t("profile.districts_title"))
district_map_shown = indicator_views.district_map(city)


def charts() -> None:
    """The districts' equity matrix and the trends: below the map, loaded once it has drawn."""
    indicator_views.equity_matrix(city)
    st.subheader(t("profile.trends_title"))
    indicator_views.trend_chart(city)


after_map(charts, map_on_page=district_map_shown)
