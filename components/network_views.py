"""The whole network at a glance (the Overview): cities coloured by an indicator in a chosen year, with the
Compare choropleth's classes and legend, and the coverage of the application's sections per city."""
from __future__ import annotations

import streamlit as st

from components import data
from components.indicator_views import quantile_classes
from components.map_view import base_url, show_map
from components.maps import MapLayer, build_map, map_html
from components.shared_charts import indicator_name
from components.state import lang, t
from components.tables import format_value
from geo.cities import get_city, member_cities
from geo.display import display_frame
from geo.i18n import translate
from geo.indicators import INDICATORS, KZ_SECTIONS, values_in_year
from geo.layers import LAYERS

NO_VALUE_COLOUR = "#8c8c8c"  # grey points: no value that year
COVERAGE_COLOURS = ((0.0, "#f4f4f4"), (0.34, "#fde0c5"), (0.67, "#a6d96a"), (1.01, "#1a9850"))


@st.cache_resource(max_entries=16)
def built_network_map(indicator_id: str, year: int | None, language: str, base_url: str
                      ) -> tuple[str, int, int]:
    """The network map of an indicator and year, built once per language: each member city's centre coloured by
    quantile class of its value (grey: none), over the boundaries when the network is small enough; with the
    number of cities that have a value, and of cities."""
    chosen = values_in_year(data.all_values(), indicator_id, year).set_index("city_id")
    centres = data.layer("city_centres")
    centres = centres[centres["city_id"].isin([c.id for c in member_cities()])].reset_index(drop=True)
    values = centres["city_id"].map(chosen["value"])
    unit = translate("unit." + INDICATORS[indicator_id].unit, language)
    colours, legend = quantile_classes(values, unit, no_data=NO_VALUE_COLOUR, language=language)
    spec = LAYERS["city_centres"]
    shown = display_frame(centres, spec, "EPSG:3857", 0, lang=language).assign(
        name=[get_city(c).name(language) for c in centres["city_id"]],
        value=[format_value(v, unit, language) + (" ᴿ" if chosen["level"].get(c) == "region" else "")
               for c, v in zip(centres["city_id"], values)], colour=colours)
    name = indicator_name(indicator_id, language)
    layer = MapLayer(spec, shown, name, (("name", translate("column.city", language)), ("value", name)),
                     style={"radius": 9, "fillOpacity": 0.95, "weight": 1}, colour_by="colour")
    built = build_map([layer, *data.overview_boundary_layers(language)], tuple(centres.total_bounds),
                      base_url=base_url, lang=language, legend_title=translate("map.legend", language),
                      legend_swatches=legend)
    return map_html(built), int(values.notna().sum()), len(values)


def network_map(indicator_id: str, year: int | None) -> None:
    """The network map on the page, its HTML rendered once per indicator, year and language."""
    html, known, cities = built_network_map(indicator_id, year, lang(), base_url())
    show_map(html, f"{indicator_name(indicator_id, lang())} ({year})" if year else indicator_name(indicator_id, lang()), height=480)
    st.caption(t("overview.network_note", known=known, cities=cities))


def coverage_matrix() -> None:
    """Cities × sections: 'known / listed' indicators, coloured by the share known, so gaps show at a glance."""
    table = data.coverage()
    known = table.pivot(index="city_id", columns="section", values="known").reindex(columns=list(KZ_SECTIONS))
    total = table.pivot(index="city_id", columns="section", values="total").reindex(columns=list(KZ_SECTIONS))
    order = [c.id for c in member_cities() if c.id in known.index]
    known, total = known.reindex(order), total.reindex(order)
    text = known.astype(int).astype(str) + " / " + total.astype(int).astype(str)
    share = (known / total.where(total > 0)).fillna(0.0)
    text.index = [get_city(c).name(lang()) for c in text.index]
    share.index = text.index
    text.columns = share.columns = [t(f"section.{s}") for s in KZ_SECTIONS]
    styled = text.style.apply(lambda column: [
        f"background-color: {next(c for limit, c in COVERAGE_COLOURS if s < limit)}" for s in share[column.name]],
        axis=0)
    st.dataframe(styled, width="stretch")
    st.caption(t("overview.coverage_note"))
