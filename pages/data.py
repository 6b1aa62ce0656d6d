"""Data: every layer of the city with its versions; editors sign in to import files (validated, previewed,
then committed as a new version) and to roll a layer back."""
import streamlit as st

from components import editing
from components.state import current_city, lang, require_frame, t

require_frame()

city = current_city()
st.title(t("data.title", city=city.name(lang())))
st.caption(t("data.intro"))
editor = editing.sign_in_box()

st.subheader(t("data.layers_title"))
editing.layer_overview(city)

st.subheader(t("data.import_title"))
if editor is None or not editor.can_edit(city.id):
    st.info(t("data.editors_only") if editor is None else t("data.not_your_city", city=city.name(lang())))
else:
    editing.import_section(city, editor)
    with st.expander(t("access.get_osm_title")):
        st.caption(t("access.get_osm_note"))
        editing.fetch_section(city, editor)

st.subheader(t("data.history_title"))
editing.history_section(city, editor)
