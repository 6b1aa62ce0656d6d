"""Sections of the Water quality page: guideline table, import with validation, and views of imported samples."""
from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import data, editing
from components.charts import FLAG_COLOUR, SERIES_COLOUR
from components.map_view import base_url, show_map
from components.maps import MapLayer, build_map
from components.safe_text import inert
from components.state import lang, t
from components.widgets import file_uploader, map_downloads
from geo.cities import City
from geo.csvsafe import csv_file_name
from geo.display import display_frame
from geo.errors import AtlasError, WaterDataError
from geo.guidelines import WATER_GUIDELINES, WHO_GDWQ_SOURCE
from geo.i18n import (
    format_month,
    format_number,
    plotly_separators,
    plural,
    translate_text,
    translate_value,
)
from geo.layers import LAYERS
from geo.water import (
    KZ_LIMITS_LICENCE,
    KZ_LIMITS_SOURCE,
    SURFACE_WATER_DATE,
    SURFACE_WATER_SOURCE,
    WATER_COLUMNS,
    judge_samples,
    read_water_csv,
    samples_from_layer,
    samples_outside,
    sites_frame,
)
from geo.writes import store_water_samples

MAX_UPLOAD_MB = 20
OUTSIDE_BUFFER_M = 20_000


def _limit_text(value: float, unit: str) -> str:
    """A limit or concentration with the decimals its first significant digit needs: 0.09, 0.0005, 174."""
    digits = None if value >= 1 or value <= 0 else max(1, -math.floor(math.log10(value)))
    return f"{format_number(value, lang(), digits)} {t(f'unit.{unit}')}"


def guideline_table(kz_limits: pd.DataFrame) -> None:
    """WHO's guideline values with Kazakhstan's own drinking-water limits (MPC) beside them, where it sets one."""
    kz = kz_limits.set_index("parameter")["mpc_mgl"]
    st.dataframe(pd.DataFrame([{
        t("water.parameter"): t(f"water_parameter.{g.parameter}"),
        t("water.guideline"): _limit_text(g.value, g.unit),
        t("water.kz_limit"): _limit_text(kz[g.parameter], "mg/L") if g.parameter in kz.index else "",
        t("water.note"): translate_text(g.note, lang()),
    } for g in WATER_GUIDELINES.values()]), hide_index=True, width="stretch")
    st.caption(f"{t('common.source')}: {translate_text(WHO_GDWQ_SOURCE, lang())}; "
               f"{translate_text(KZ_LIMITS_SOURCE, lang())} ({KZ_LIMITS_LICENCE})")


def surface_water(city: City) -> None:
    """The water bodies of the city's area in Kazhydromet's April 2006 survey: what exceeded its limit, by how many
    times, the water pollution index and class; dated, and said so."""
    rows = data.table("surface_water")
    rows = rows[rows["city_id"] == city.id]
    if rows.empty:
        st.info(t("water.no_surface_water"))
        return
    st.warning(t("water.surface_water_dated", date=format_month(SURFACE_WATER_DATE, lang())))
    st.dataframe(pd.DataFrame({
        t("water.area"): rows["area"], t("water.water_body"): rows["water_body"],
        t("water.pollutant"): rows["pollutant"],
        t("water.concentration"): [_limit_text(v, "mg/L") for v in rows["concentration_mgl"]],
        t("water.mpc_multiple"): [format_number(v, lang(), 1) for v in rows["mpc_multiple"]],
        t("water.wpi"): [" / ".join(format_number(v, lang(), 2) for v in r) for r in
                         rows[["wpi_april_2005", "wpi_march_2006", "wpi_april_2006"]].itertuples(index=False)],
        t("water.class"): rows["water_class"], t("water.characteristic"): rows["characteristic"],
    }), hide_index=True, width="stretch")
    st.caption(f"{t('common.source')}: {translate_text(SURFACE_WATER_SOURCE, lang())} ({KZ_LIMITS_LICENCE}). "
               + t("water.wpi_note"))


def template_download() -> None:
    """An empty CSV with the expected header, so a city knows the format (no example values)."""
    st.download_button(t("water.template"), ",".join(WATER_COLUMNS) + "\n", file_name=csv_file_name("water_samples_template"),
                       mime="text/csv", key="water_template", help=t("csv.machine_readable"))


def imported_samples(city: City) -> pd.DataFrame | None:
    """The uploaded file, validated; problems are listed by row and column and nothing is kept."""
    upload = file_uploader(t("water.upload"), ["csv"], f"water_upload_{city.id}", MAX_UPLOAD_MB,
                           help=t("water.upload_help", columns=", ".join(WATER_COLUMNS)))
    if upload is None:
        return None
    try:
        samples = read_water_csv(upload.getvalue(), upload.name)
    except WaterDataError as error:
        st.error(t("water.rejected", name=inert(upload.name), problems=plural("count.problems", len(error.problems), lang())))
        st.code("\n".join(editing.problem_text(p) for p in error.problems[:50]), language=None)
        return None
    outside = samples_outside(samples, data.city_layer(city.id, "boundary").geometry, OUTSIDE_BUFFER_M, city.crs)
    if outside:
        st.warning(t("water.outside", sites=inert(", ".join(outside[:10])), km=OUTSIDE_BUFFER_M // 1000))
    st.success(t("water.accepted", rows=len(samples), sites=samples["site_id"].nunique()))
    return judge_samples(samples)


def stored_samples(city: City) -> pd.DataFrame | None:
    """The city's stored samples, judged, or None when it has stored none."""
    layer = data.city_layer(city.id, "water_samples")
    return judge_samples(samples_from_layer(layer)) if len(layer) else None


def store_samples(city: City, judged: pd.DataFrame, file_name: str) -> None:
    """For the city's editors: keep the checked file as the city's water-samples layer (a new version)."""
    editor = editing.signed_in()
    if editor is None or not editor.can_edit(city.id):
        st.caption(t("water.store_editors_only"))
        return
    licence = st.text_input(t("data.licence"), key="water_licence", help=t("data.licence_help"))
    if st.button(t("water.store"), disabled=not licence.strip(), key="water_store"):
        try:
            version = store_water_samples(data.store(), editor, city, judged, file_name, licence.strip())
        except AtlasError as error:
            st.error(t("data.refused", error=inert(editing.error_text(error))))
            return
        data.forget_layers()
        st.success(t("data.committed", version=version.version, added=version.added, removed=version.removed))


def samples_views(city: City, judged: pd.DataFrame, file_name: str, key: str) -> None:
    """Map of sites (exceeding ones in vermillion), per-parameter chart against the guideline, sample table;
    `key` tells the stored samples' views from a checked file's on the same page."""
    sites = sites_frame(judged).assign(source=t("water.user_file", name=file_name), licence=t("water.user_licence"))
    spec = LAYERS["water_sites"]
    frame = display_frame(sites, spec, city.crs, lang=lang()).assign(
        colour=[FLAG_COLOUR if n else SERIES_COLOUR for n in sites["exceedances"]])
    layer = MapLayer(spec, frame, t("layer.water_sites"), tuple((c, t(f"column.{c}")) for c in spec.tooltip),
                     colour_by="colour")
    bounds = tuple(data.city_layer(city.id, "boundary").total_bounds)
    layers, language = [*data.boundary_layers(city.id, lang()), layer], lang()
    swatches = [(FLAG_COLOUR, t("water.site_exceeds")), (SERIES_COLOUR, t("water.site_ok"))]

    def build(for_print: bool, base: str = "/"):
        return build_map(layers, bounds, base_url=base, lang=language, legend_title=t("map.legend"),
                         legend_swatches=swatches, for_print=for_print)
    show_map(build(False, base_url()), t("layer.water_sites"), height=420)
    map_downloads(build, lambda: layers, f"{city.name(language)}: {t('layer.water_sites')}",
                  f"atlas-water-sites-{city.id}", key=f"water_map_export_{key}")
    parameter = st.selectbox(t("water.parameter"), sorted(judged["parameter"].unique()), key=f"water_parameter_{key}",
                             format_func=lambda p: translate_value("water_parameter", p, lang()))
    chosen = judged[judged["parameter"] == parameter].sort_values("date")
    guideline = WATER_GUIDELINES[parameter]
    fig = go.Figure()
    for site, group in chosen.groupby("site_id"):
        fig.add_trace(go.Scatter(x=group["date"], y=group["value"], mode="lines+markers",
                                 name=html.escape(str(site))))  # plotly reads <a href> and <b> in legend text
    fig.add_hline(y=guideline.value, line_color=FLAG_COLOUR, annotation_text=t("water.who_line"))
    fig.update_layout(title=t("water.chart_title", parameter=translate_value("water_parameter", parameter, lang())),
                      yaxis_title=guideline.unit, xaxis_title=t("axis.date"), height=380, yaxis_rangemode="tozero",
                      separators=plotly_separators(lang()))
    st.plotly_chart(fig, width="stretch", key=f"water_chart_{key}")
    shown = judged.assign(parameter=[translate_value("water_parameter", p, lang()) for p in judged["parameter"]])
    st.dataframe(shown.rename(columns=lambda c: t(f"column.{c}")), hide_index=True, width="stretch")
