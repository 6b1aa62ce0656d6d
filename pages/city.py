"""City: one city's map with every layer the data has, its key figures and its PM2.5 record."""
import streamlit as st

from components import air_views, data
from components.map_view import base_url, show_map
from components.state import current_city, lang, require_frame, t
from components.widgets import after_map, indicator_cards, map_downloads
from geo.i18n import format_month, translate_text
from geo.provenance import osm_flags

CITY_OSM_LAYERS = ("schools", "parks", "transit_stops", "sports_grounds", "footways", "cycleways")

require_frame()

city = current_city()
st.title(city.name(lang()))
st.caption(" · ".join(dict.fromkeys(city.names.values())) + f" · {city.country} · "
           + t("city.boundary_quality", quality=t(f"quality.{city.boundary_quality}")))
if city.boundary_quality in ("approximate", "region_only", "extract"):
    st.warning(t(f"quality_note.{city.boundary_quality}"))
if city.boundary_note:
    st.info(t(f"boundary_note.{city.boundary_note}"))

# The map first (above the fold on a 1366×768 screen), its key figures beside it: the map's element reaches the
# browser before the figures are computed and before any chart.
map_column, figures_column = st.columns([2, 1])
with map_column:
    show_map(data.city_map_html(city.id, lang(), base_url()), t("export.city_map_title", city=city.name(lang())))
with figures_column:
    indicator_cards(data.city_figures_table(city.id), per_row=1)
language = lang()  # read now: the export runs later, outside this script run
map_downloads(lambda for_print: data.city_map(city.id, language, "/", for_print), lambda: data.city_map_layers(city.id, language),
              t("export.city_map_title", city=city.name(language)), f"atlas-map-{city.id}", key="city_map_export")
for osm in city.osm_sources:  # the city's own OSM data: what it is, its licence and date; warnings when dated
    line = f"{translate_text(osm.source, lang())} · {translate_text(osm.licence, lang())} · {format_month(osm.date, lang())}"
    flags = osm_flags(osm, lang())
    (st.warning if flags else st.caption)(f"{' — '.join(flags)}: {line}" if flags else f"{t('provenance.title')}: {line}")
for layer_id in ("health_facilities", "air_stations", "walking_network"):
    if not len(data.city_layer(city.id, layer_id)):
        st.info(t(f"gap.{layer_id}"))
if city.osm_sources or len(data.city_layer(city.id, "walking_network")):  # what its OSM data still lacks
    lacking = [t(f"layer.{i}") for i in CITY_OSM_LAYERS if not len(data.city_layer(city.id, i))]
    if lacking:
        st.info(t("city.lacking_layers", layers=", ".join(lacking)))
if len(data.city_layer(city.id, "air_stations")) and data.city_layer(city.id, "air_stations")[
        "placeholder_coordinate"].any():
    st.warning(t("city.placeholder_stations"))

st.subheader(t("city.pm25_title"))
after_map(lambda: air_views.city_summary(city))
