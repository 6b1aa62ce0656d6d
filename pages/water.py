"""Water quality: WHO drinking-water guideline values, and a city's own sampling data: the samples it stored,
or a file checked here (editors of the city can store it as a new version)."""
import streamlit as st

from components import data, water_views
from components.state import current_city, lang, require_frame, t

require_frame()

city = current_city()
st.title(t("water.title", city=city.name(lang())))
stored = water_views.stored_samples(city)
if stored is None:
    st.info(t("water.no_data", city=city.name(lang())))
st.subheader(t("water.surface_title"))
water_views.surface_water(city)

st.subheader(t("water.guidelines_title"))
water_views.guideline_table(data.table("kz_water_limits"))

if stored is not None:
    st.subheader(t("water.stored_title"))
    water_views.samples_views(city, stored, t("water.stored_source"), key="stored")

st.subheader(t("water.import_title"))
st.caption(t("water.import_note"))
water_views.template_download()
judged = water_views.imported_samples(city)
if judged is not None:
    file_name = st.session_state[f"water_upload_{city.id}"].name
    water_views.store_samples(city, judged, file_name)
    water_views.samples_views(city, judged, file_name, key="checked")
