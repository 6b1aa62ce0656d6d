"""Data & sources: every dataset with source, licence, date, size and caveats."""
import pandas as pd
import streamlit as st

from components.state import lang, require_frame, t
from components.tables import format_value
from components.widgets import dataset_card
from geo.air import AIRDATA_LICENCE, AIRDATA_SOURCE, AIRNOW_LICENCE, AIRNOW_SOURCE
from geo.cities import all_cities, get_city
from geo.layers import LAYERS
from geo.store import read_manifest

require_frame("pages/sources.py")

st.title(t("sources.title"))
st.caption(t("sources.intro"))
manifest = read_manifest()

st.subheader(t("sources.layers"))
for spec in LAYERS.values():
    dataset_card(t(f"layer.{spec.id}"), {
        t("column.features"): manifest[spec.id]["rows"], t("column.cities"): len(manifest[spec.id]["per_city"]),
        t("column.source"): spec.source, t("column.licence"): spec.licence, t("column.date"): spec.date})

st.subheader(t("sources.series"))
series = manifest["pm25_daily"]
for city_id, days in series["per_city"].items():
    airnow = city_id == "bishkek"
    dataset_card(f"PM2.5 — {get_city(city_id).name(lang())}", {
        t("column.days"): days, t("column.period"): " – ".join(series["date_range"][city_id]),
        t("column.source"): AIRNOW_SOURCE if airnow else AIRDATA_SOURCE,
        t("column.licence"): AIRNOW_LICENCE if airnow else AIRDATA_LICENCE})

st.subheader(t("sources.cities"))
st.dataframe(pd.DataFrame([{
    t("column.city"): c.name(lang()), t("column.boundary_quality"): t(f"quality.{c.boundary_quality}"),
    t("column.boundary_file"): c.boundary_source, t("column.population"): format_value(c.population.value, "", lang()),
    t("column.population_source"): f"{c.population.source} {c.population.year}".strip(),
} for c in all_cities()]), hide_index=True, width="stretch")

st.subheader(t("sources.caveats"))
for key in ("caveat.osh", "caveat.region_only", "caveat.stations", "caveat.airdata_nc", "caveat.airnow",
            "caveat.osm_facilities", "caveat.poverty", "caveat.gaps"):
    st.markdown(f"- {t(key)}")
st.caption(t("sources.rebuild"))
