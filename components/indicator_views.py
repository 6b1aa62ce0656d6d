"""Sections of the City profile and Compare pages, built on the indicator registry and geo.indicators."""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import data
from components.charts import SERIES_COLOUR, source_note
from components.map_view import base_url, show_map
from components.maps import MapLayer, build_map
from components.shared_charts import indicator_name
from components.state import lang, t
from components.tables import format_value
from components.widgets import map_downloads, source_flags, source_help, value_flags
from geo.cities import City, get_city
from geo.classes import class_codes, quantile_breaks
from geo.display import display_frame
from geo.equity import EQUITY_MARGIN, district_equity
from geo.i18n import (
    format_number,
    plotly_separators,
    translate,
    translate_note,
    translate_text,
    translate_value,
)
from geo.indicators import (
    INDICATORS,
    KZ_SECTIONS,
    compared_values,
    normalised_scores,
    shown_indicators,
)
from geo.layers import LAYERS

TRAFFIC = {"better": "#1a9641", "near": "#fdae61", "worse": "#d7191c", "neutral": "#dddddd"}
# ColorBrewer Blues, 5 classes: "more", without the good/bad connotation of a red scale
CLASS_COLOURS = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
NO_DATA_COLOUR = "#ffffff"
AXIS_TITLE_CHARS = 45  # long indicator names with unit and year wrap on the scatter's axes
HEATMAP_LABEL_CHARS = 18  # a column heading of the score heat map wraps, so no label runs into the next


def section_cards(city: City) -> None:
    """Latest values grouped by the Kazakh application's sections, each against the network's median of the same
    year and level (geo.indicators.peer_standing, the dossier's own)."""
    medians = data.peer_medians(city.id)
    mine = data.city_latest(city.id).set_index("indicator_id")
    shown = shown_indicators(mine.reset_index())
    for section in KZ_SECTIONS:
        ids = [i for i in shown if INDICATORS[i].kz_section == section]
        st.markdown(f"#### {t(f'section.{section}')}")
        if not ids:
            st.info(t("profile.no_section_data"))
            continue
        for start in range(0, len(ids), 4):
            for column, indicator_id in zip(st.columns(4), ids[start:start + 4]):
                row = mine.loc[indicator_id]
                _card(column, indicator_id, row, medians.get(indicator_id, np.nan))


def _card(column, indicator_id: str, row: pd.Series, median: float) -> None:
    spec = INDICATORS[indicator_id]
    unit = t(f"unit.{spec.unit}")
    label = f"{indicator_name(indicator_id, lang())}, {unit}" + (f" ({row['year']})" if pd.notna(row["year"]) else "")
    delta, arrow, colour = None, "off", "gray"
    if pd.notna(row["value"]) and pd.notna(median):
        diff = row["value"] - median
        delta = t("profile.vs_median", diff=format_number(diff, lang(), spec.digits, sign=True),
                  median=format_number(median, lang(), spec.digits))
        shown_digits = spec.digits if spec.digits is not None else (0 if float(diff).is_integer() else 1)
        arrow, colour = delta_look(round(diff, shown_digits), spec.direction)  # as shown: "0,0" is no difference
    definition = t(spec.definition[0], **spec.definition[1])
    help_parts = [definition[:1].upper() + definition[1:] + "."]
    if row["note_key"]:
        help_parts.append(translate_note(row["note_key"], row["note_params"], lang()))
    if spec.reference:
        help_parts.append(t("city.reference_line", label=t(spec.reference.label_key),
                            value=format_number(spec.reference.value, lang()), unit=unit))
    help_parts.append(source_help(row["city_id"], row["source"]))
    column.metric(label, format_value(row["value"], "", lang()), delta=delta, delta_arrow=arrow,
                  delta_color=colour, help=" ".join(help_parts))
    if pd.notna(row["value"]):
        source_flags(column, row["city_id"], row["source"])
        value_flags(column, row["flags"])
    if row["level"] == "region" and pd.notna(row["value"]):
        column.caption(t("profile.region_value", region=translate_value("region", row["area"], lang())))


def delta_look(diff: float, direction: str) -> tuple[str, str]:
    """Arrow and colour of a card's comparison with the median, from the number itself: Streamlit reads them from
    the text's first character, and Kazakh and Kyrgyz put the difference at the end of the sentence (a lower
    mortality than the median was shown red, as worse)."""
    arrow = "up" if diff > 0 else "down" if diff < 0 else "off"
    if direction == "neutral" or diff == 0:
        return arrow, "gray"
    return arrow, "green" if (diff > 0) == (direction == "higher_is_better") else "red"


def trend_chart(city: City) -> None:
    """A series of the city's indicator over the years, for indicators with several years."""
    values = data.city_values(city.id)
    series = values[(values["level"] != "district") & values["value"].notna()]
    counts = series.groupby("indicator_id")["year"].nunique()
    choices = [i for i in counts.index if counts[i] > 1]
    if not choices:
        st.info(t("profile.no_trends"))
        return
    default = choices.index("life_expectancy") if "life_expectancy" in choices else 0
    chosen = st.selectbox(t("profile.trend_indicator"), choices, index=default, format_func=lambda i: indicator_name(i, lang()),
                          key="profile_trend")
    rows = series[series["indicator_id"] == chosen].sort_values("year")
    spec = INDICATORS[chosen]
    fig = go.Figure(go.Scatter(x=rows["year"].astype(int), y=rows["value"], mode="lines+markers",
                               line={"color": SERIES_COLOUR}))
    if spec.reference and spec.reference.label_key != "reference.who_24h_days":
        fig.add_hline(y=spec.reference.value, line_dash="dot", annotation_text=t(spec.reference.label_key),
                      annotation_position="top left")
    level = t(f"level.{rows['level'].iloc[0]}")
    place = city.name(lang()) if rows["area"].iloc[0] == city.names["en"] else translate_value(
        "region", rows["area"].iloc[0], lang())
    fig.update_layout(title=f"{indicator_name(chosen, lang())} — {place} ({level})", height=380,
                      xaxis_title=t("axis.year"), yaxis_title=t(f"unit.{spec.unit}"), xaxis_dtick=1,
                      yaxis_rangemode="tozero")
    st.plotly_chart(source_note(fig, f"{t('common.source')}: {translate_text(rows['source'].iloc[0], lang())}", lang()),
                    width="stretch")


def equity_matrix(city: City) -> None:
    """Urban HEART-style matrix: the districts inside the city × district indicators, each value against the
    median of the city's own districts, numbers shown; a lower-bound population says so."""
    equity = district_equity(data.city_values(city.id))
    if equity is None:
        st.info(t("profile.no_districts"))
        return
    matrix, status, reference = equity.values.rename_axis(t("column.district")), equity.status, equity.reference
    shown = matrix.map(lambda v: format_value(v, "", lang())) + status.map(lambda s: f" · {t('equity.' + s)}")
    for area, indicator_id in equity.lower_bounds:
        shown.loc[area, indicator_id] = t("population.at_least", value=format_value(matrix.loc[area, indicator_id],
                                                                                   "", lang()))
    named = {area: translate_value("district", area, lang()) for area in shown.index}  # each language's spelling
    shown = shown.rename(columns=lambda i: indicator_name(i, lang()), index=named)
    status = status.rename(columns=lambda i: indicator_name(i, lang()), index=named)
    styled = shown.style.apply(lambda col: [
        f"background-color: {TRAFFIC[s]}; color: {'white' if s in ('better', 'worse') else 'black'}"
        for s in status[col.name]], axis=0)
    st.dataframe(styled, width="stretch")
    st.caption(t("equity.note", margin=int(EQUITY_MARGIN * 100), references="; ".join(
        f"{indicator_name(i, lang())}: {format_value(reference[i], t('unit.' + INDICATORS[i].unit), lang())}"
        for i in matrix.columns)))


DISTRICT_MAP_INDICATORS = ("district_poverty_rate", "district_population_density")  # the first the city has


def district_map(city: City) -> bool:
    """Choropleth of the districts inside the city (quantile classes) on the first of DISTRICT_MAP_INDICATORS
    they have values for (poverty in the Kyrgyz cities; population density where official district populations
    are given, as in Almaty, Astana and Shymkent), numbers in the tooltip; False when there is none to draw."""
    values = data.city_values(city.id)
    districts = values[(values["level"] == "district") & values["value"].notna()]
    indicator_id = next((i for i in DISTRICT_MAP_INDICATORS if (districts["indicator_id"] == i).any()), None)
    if indicator_id is None:
        return False
    shown = districts[districts["indicator_id"] == indicator_id].drop_duplicates("area", keep="last")
    shown = shown.set_index("area")["value"]
    layer = data.city_layer(city.id, "districts")
    layer = layer[layer["name"].isin(districts["area"])]  # the city's own districts, "no data" ones included
    spec, indicator = LAYERS["districts"], INDICATORS[indicator_id]
    frame = display_frame(layer, spec, city.crs, 20, lang=lang())
    frame["name"] = [translate_value("district", name, lang()) for name in layer["name"]]
    classes, legend = quantile_classes(layer["name"].map(shown).reset_index(drop=True), t(f"unit.{indicator.unit}"))
    frame = frame.assign(colour=classes)
    map_layer = MapLayer(spec, frame, indicator_name(indicator_id, lang()),
                         tuple((c, t(f"column.{c}")) for c in spec.tooltip), style={"fillOpacity": 0.75},
                         colour_by="colour")
    layers, bounds, language = [map_layer, *data.boundary_layers(city.id, lang())], tuple(layer.total_bounds), lang()

    def build(for_print: bool, base: str = "/"):
        return build_map(layers, bounds, base_url=base, lang=language, legend_title=translate("map.legend", language),
                         legend_swatches=legend, for_print=for_print)
    show_map(build(False, base_url()), t("profile.districts_title"), height=420)
    map_downloads(build, lambda: layers, f"{city.name(language)}: {indicator_name(indicator_id, lang())}",
                  f"atlas-districts-{city.id}", key="district_map_export")
    return True


def quantile_classes(values: pd.Series, unit: str, no_data: str = NO_DATA_COLOUR, language: str | None = None
                     ) -> tuple[list[str], list[tuple[str, str]]]:
    """Colours by quantile class (up to 5, fewer when values repeat) and the legend, written in `language` (the
    session's by default); no data is white (areas) or the colour given (points, which white would hide)."""
    language = language or lang()
    no_data_label = translate("common.no_data", language)
    bins = quantile_breaks(values, len(CLASS_COLOURS))
    if len(bins) == 0:
        return [no_data] * len(values), [(no_data, no_data_label)]
    codes = class_codes(values, bins)
    palette = CLASS_COLOURS[-(len(bins) - 1):] if len(bins) - 1 < len(CLASS_COLOURS) else CLASS_COLOURS
    colours = [no_data if pd.isna(c) else palette[int(c)] for c in codes]
    legend = [(palette[i], f"{format_number(bins[i], language, 1)} – {format_number(bins[i + 1], language, 1)} {unit}")
              for i in range(len(bins) - 1)]
    return colours, legend + ([(no_data, no_data_label)] if values.isna().any() else [])


def compared(city_ids: tuple[str, ...], indicator_ids: tuple[str, ...], year: int | None) -> pd.DataFrame:
    """The cities' values on one year per indicator, ranked within it (geo.indicators.compared_values)."""
    return compared_values(data.all_values(), list(city_ids), list(indicator_ids), year)


def column_title(indicator_id: str, year: object) -> str:
    """A comparison column's heading: the indicator, its unit and the year compared."""
    title = f"{indicator_name(indicator_id, lang())}, {t('unit.' + INDICATORS[indicator_id].unit)}"
    return f"{title} ({int(year)})" if pd.notna(year) else title


def ranking_table(table_values: pd.DataFrame, city_ids: list[str], indicator_ids: list[str]) -> None:
    """Value and rank (1 = best by the indicator's direction) per city on the year compared, said in each column's
    heading; no data never ranks, and a city without a value that year shows none."""
    table = pd.DataFrame(index=[get_city(c).name(lang()) for c in city_ids])
    for indicator_id in indicator_ids:
        ranked = table_values[table_values["indicator_id"] == indicator_id].set_index("city_id")
        column = []
        for city_id in city_ids:
            row = ranked.loc[city_id]
            text = format_value(row["value"], "", lang())
            if pd.notna(row["rank"]):
                text += f" (#{int(row['rank'])})"
            if row["level"] == "region" and pd.notna(row["value"]):
                text += " ᴿ"
            if "imputed" in str(row["flags"]).split(";"):
                text += " *"
            column.append(text)
        table[column_title(indicator_id, ranked["compared_year"].iloc[0])] = column
    st.dataframe(table, width="stretch")
    st.caption(t("compare.ranking_note"))


def score_heatmap(table_values: pd.DataFrame, city_ids: list[str]) -> None:
    """Min–max scores (0 worst … 1 best) on the year compared, as a heat map with the raw values in the cells."""
    scores = normalised_scores(table_values)
    if scores.empty:
        st.info(t("compare.no_scores"))
        return
    grid = scores.pivot_table(index="city_id", columns="indicator_id", values="score", dropna=False)
    values = scores.pivot_table(index="city_id", columns="indicator_id", values="value", dropna=False)
    grid, values = grid.reindex(index=city_ids), values.reindex(index=city_ids, columns=grid.columns)
    text = values.apply(lambda column: pd.Series([format_number(v, lang(), INDICATORS[column.name].digits)
                                                  for v in column], index=column.index))
    years = table_values.groupby("indicator_id")["compared_year"].first()
    titles = ["<br>".join(textwrap.wrap(column_title(i, years.get(i)), HEATMAP_LABEL_CHARS)) for i in grid.columns]
    fig = go.Figure(go.Heatmap(z=grid.to_numpy(), x=titles,
                               y=[get_city(c).name(lang()) for c in grid.index], text=text.to_numpy(),
                               texttemplate="%{text}", colorscale="Viridis", zmin=0, zmax=1,
                               colorbar={"title": t("compare.score")}, hoverongaps=False))
    fig.update_layout(title=t("compare.scores_title"), height=max(360, 45 * len(city_ids) + 240))
    fig.update_xaxes(tickangle=0, side="top")  # wrapped headings above the grid, clear of the note below it
    fig.update_yaxes(autorange="reversed")
    fig = source_note(fig, t("compare.normalisation"), lang())
    fig.update_layout(margin={"t": 150}, title={"y": 0.98, "yanchor": "top"})  # room for the headings above
    st.plotly_chart(fig, width="stretch")


def scatter(city_ids: list[str], x_id: str, y_id: str, year: int | None) -> None:
    """Two indicators against each other, one labelled point per city with both values, each on its compared
    year (said in the axis titles)."""
    both_values = compared(tuple(city_ids), (x_id, y_id), year)
    years = both_values.groupby("indicator_id")["compared_year"].first()
    pivot = both_values.pivot_table(index="city_id", columns="indicator_id", values="value").reindex(city_ids)
    pair = list(dict.fromkeys([x_id, y_id]))  # one indicator against itself (a single one chosen): one column
    both = pivot[pair].dropna() if set(pair) <= set(pivot.columns) else pd.DataFrame()
    fig = go.Figure(go.Scatter(x=both.get(x_id), y=both.get(y_id), mode="markers+text",
                               text=[get_city(c).name(lang()) for c in both.index], textposition="top center",
                               marker={"size": 11, "color": SERIES_COLOUR}))
    fig.update_layout(title=f"{indicator_name(y_id, lang())} × {indicator_name(x_id, lang())}", height=460,
                      xaxis_title="<br>".join(textwrap.wrap(column_title(x_id, years.get(x_id)), AXIS_TITLE_CHARS)),
                      yaxis_title="<br>".join(textwrap.wrap(column_title(y_id, years.get(y_id)), AXIS_TITLE_CHARS)),
                      separators=plotly_separators(lang()))
    st.plotly_chart(fig, width="stretch")
    left_out = [get_city(c).name(lang()) for c in city_ids if c not in both.index]
    if left_out:
        st.caption(t("compare.scatter_missing", cities=", ".join(left_out)))


def region_choropleth(indicator_id: str) -> None:
    """Kazakhstan's regions coloured by quantile class of a regional indicator's latest year."""
    regional = data.table("regional_stats")
    rows = regional[regional["indicator_id"] == indicator_id]
    latest_year = int(rows["year"].max())
    rows = rows[rows["year"] == latest_year].set_index("area")["value"]
    regions = data.layer("regions")
    values = regions["region"].map(rows)
    unit = t("unit." + INDICATORS[indicator_id].unit)
    colours, legend = quantile_classes(values, unit)
    spec = LAYERS["regions"]
    frame = display_frame(regions, spec, "EPSG:3857", 2000, lang=lang()).assign(
        value=[format_value(v, unit, lang()) for v in values], colour=colours,
        region=[translate_value("region", r, lang()) for r in regions["region"]])
    layer = MapLayer(spec, frame, f"{indicator_name(indicator_id, lang())} ({latest_year})",
                     (("region", t("column.region")), ("value", indicator_name(indicator_id, lang()))),
                     style={"fillOpacity": 0.8}, colour_by="colour")
    title, language = f"{t('compare.map_title')}: {indicator_name(indicator_id, lang())} ({latest_year})", lang()

    def build(for_print: bool, base: str = "/"):
        return build_map([layer], tuple(regions.total_bounds), base_url=base, lang=language,
                         legend_title=translate("map.legend", language), legend_swatches=legend, for_print=for_print)
    show_map(build(False, base_url()), title, height=480)
    map_downloads(build, lambda: [layer], title, f"atlas-regions-{indicator_id}-{latest_year}",
                  key="region_map_export")
    st.caption(t("compare.choropleth_note", year=latest_year,
                 source=translate_text(INDICATORS[indicator_id].source, lang())))

