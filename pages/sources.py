"""Data & sources: every dataset with source, licence, date, size and caveats."""
import datetime as dt

import pandas as pd
import streamlit as st

from components import data
from components.state import lang, require_frame, t
from components.tables import format_value
from components.widgets import dataset_card
from geo.cities import all_cities, get_city
from geo.embedded import read_manifest
from geo.guidelines import POLLUTANTS
from geo.i18n import format_date, format_month, plural, translate_text
from geo.layers import LAYERS
from geo.osm import tag_table as osm_tag_table

require_frame()

st.title(t("sources.title"))
st.caption(t("sources.intro"))
manifest = read_manifest()

st.subheader(t("sources.layers"))
for spec in LAYERS.values():
    embedded = manifest.get(spec.id, {"rows": t("sources.not_embedded"), "per_city": {}})
    facts = {
        t("column.features"): embedded["rows"], t("column.cities"): len(embedded["per_city"]),
        t("column.source"): translate_text(spec.source, lang()), t("column.licence"): translate_text(spec.licence, lang()),
        t("column.date"): translate_text(spec.date, lang())}
    for city in all_cities():  # a city's own OSM data in this layer: its source, licence and month
        for osm in city.osm_sources:
            if embedded["per_city"].get(city.id) and (data.city_layer(city.id, spec.id)["source"] == osm.source).any():
                month = format_month(osm.date, lang())
                facts[city.name(lang())] = (f"{translate_text(osm.source, lang())} — {translate_text(osm.licence, lang())}"
                                            f" — {month}" + (f" ({t('provenance.dated', date=month)})"
                                                             if osm.dated() else ""))
    dataset_card(t(f"layer.{spec.id}"), facts)



def series_line(series: dict) -> str:
    """'2 950 days, 3 Jan 2018 – 30 Apr 2026; 12 flagged' in the UI language."""
    return t("sources.series_line", days=plural("count.days", series["days"], lang()),
             first=format_date(dt.date.fromisoformat(series["first"]), lang()),
             last=format_date(dt.date.fromisoformat(series["last"]), lang()), flagged_days=series["flagged_days"])


st.subheader(t("sources.series"))
daily = data.table("air_daily").drop_duplicates(["city_id", "pollutant"])
for city_id, rows in daily.groupby("city_id", sort=False):
    facts = {POLLUTANTS[p].label: series_line(manifest["air_daily"]["series"][f"{city_id}/{p}"])
             for p in rows["pollutant"]}
    dataset_card(get_city(city_id).name(lang()), {
        **facts, t("column.source"): "; ".join(translate_text(s, lang()) for s in rows["source"].unique()),
        t("column.licence"): "; ".join(translate_text(s, lang()) for s in rows["licence"].unique())})

st.subheader(t("sources.cities"))
st.dataframe(pd.DataFrame([{
    t("column.city"): c.name(lang()), t("column.boundary_quality"): t(f"quality.{c.boundary_quality}"),
    t("column.boundary_file"): c.boundary_source,
    t("column.population"): format_value(c.population.value if c.population else None, "", lang()),
    t("column.population_source"): data.population_source(c, lang()) if c.population else "",
    t("column.licence"): c.population.licence if c.population else "",
} for c in all_cities()]), hide_index=True, width="stretch")

st.subheader(t("sources.osm_tags"))
st.caption(t("sources.osm_tags_note"))
st.dataframe(osm_tag_table().assign(layer=lambda f: [t(f"layer.{i}") for i in f["layer"]]),
             hide_index=True, width="stretch")

st.subheader(t("sources.caveats"))
for key in ("caveat.osh", "caveat.region_only", "caveat.stations", "caveat.airdata_nc", "caveat.airnow",
            "caveat.osm_facilities", "caveat.poverty", "caveat.gaps", "caveat.osm_demo"):
    st.markdown(f"- {t(key)}")
st.caption(t("sources.rebuild"))
