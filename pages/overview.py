"""Overview: every city's boundary on one map, and a table of key figures."""
import streamlit as st

from components import data
from components.map_view import base_url, show_map
from components.state import require_frame, lang, t
from components.tables import formatted
from geo.indicators import INDICATORS

require_frame("pages/overview.py")

st.title(t("overview.title"))
st.caption(t("overview.intro"))

show_map(data.overview_map(lang(), base_url()), key="overview_map")
st.caption(t("overview.map_note"))

st.subheader(t("overview.table_title"))
numeric = ("population", "boundary_area", "health_facilities_osm", "pm25_annual_mean")
units = {c: t("unit." + INDICATORS[c].unit) for c in numeric}
table = formatted(data.overview_table(lang()), dict.fromkeys(numeric, ""), lang())
st.dataframe(table.rename(columns=lambda c: t(f"column.{c}") + (f", {units[c]}" if c in units else "")),
             hide_index=True, width="stretch")
st.caption(t("overview.table_note"))
