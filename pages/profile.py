"""City profile: every indicator by the sections of the national-network application, trends, districts."""
import streamlit as st

from components import indicator_views
from components.state import current_city, lang, require_frame, t

require_frame()

city = current_city()
st.title(t("profile.title", city=city.name(lang())))
st.caption(t("profile.intro"))
indicator_views.section_cards(city)

st.subheader(t("profile.trends_title"))
indicator_views.trend_chart(city)

st.subheader(t("profile.districts_title"))
indicator_views.district_map(city)
indicator_views.equity_matrix(city)
