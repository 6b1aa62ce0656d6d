"""Overview: every city's boundary on one map, then a table of key figures, the network map and the coverage."""
import streamlit as st

from components import data, network_views
from components.map_view import base_url, show_map
from components.shared_charts import indicator_name
from components.state import lang, require_frame, t
from components.tables import formatted
from components.widgets import after_map, map_downloads, url_choice, url_keep
from geo.indicators import INDICATORS

require_frame()

st.title(t("overview.title"))
st.caption(t("overview.intro"))

show_map(data.overview_map_html(lang(), base_url()), t("nav.overview"))
st.caption(t("overview.map_note"))
language = lang()  # read now: the export runs later, outside this script run
map_downloads(lambda for_print: data.overview_map(language, "/", for_print), lambda: data.overview_map_layers(language),
              t("nav.overview"), "atlas-network-map", key="overview_map_export")


def below_map() -> None:
    """The table, the network map and the coverage: below the fold, sent once the first map has drawn, so the
    table's grid and a second map never hold up the first."""
    st.subheader(t("overview.table_title"))
    numeric = ("population", "boundary_area", "health_facilities_osm", "pm25_annual_mean")
    units = {c: t("unit." + INDICATORS[c].unit) for c in numeric}
    table = formatted(data.overview_table(lang()), dict.fromkeys(numeric, ""), lang())
    st.dataframe(table.rename(columns=lambda c: t(f"column.{c}") + (f", {units[c]}" if c in units else "")),
                 hide_index=True, width="stretch")
    st.caption(t("overview.table_note"))

    st.subheader(t("overview.network_title"))
    comparable = [i for i, spec in INDICATORS.items() if spec.level != "district"]
    url_choice("network_indicator", "indicator", comparable, "pm25_annual_mean")
    language = lang()  # the labels' language fixed here: AppTest formats options after the run, outside it
    indicator_id = st.selectbox(t("overview.network_indicator"), comparable, key="network_indicator",
                                format_func=lambda i: indicator_name(i, language))
    url_keep("network_indicator", "indicator")
    years = data.indicator_years(indicator_id)
    year = None
    if len(years) > 1:
        url_choice("network_year", "year", years, years[-1])
        year = st.select_slider(t("overview.network_year"), years, key="network_year")
        url_keep("network_year", "year")
    elif years:
        year = years[0]
    network_views.network_map(indicator_id, year)

    st.subheader(t("overview.coverage_title"))
    network_views.coverage_matrix()


after_map(below_map)
