"""Sections of the Air quality page (and the City page's PM2.5 summary), built from geo.air results."""
from __future__ import annotations

import folium
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import charts, data
from components.map_view import base_url, show_map
from components.maps import MapLayer, build_map, map_html
from components.shared_charts import annual_figure, labels
from components.state import lang, t
from components.tables import format_value
from components.widgets import chart, map_downloads
from geo.air import (
    AIRDATA_SOURCE,
    HEATING_SEASON,
    HOURLY_FLAGS,
    MIN_CLUSTERS_FOR_MEDIAN,
    MIN_OTHER_STATIONS,
    MIN_QUARTER_SHARE,
    MIN_VALID_HOURS_PER_DAY,
    MIN_VALID_HOURS_PER_YEAR,
    QC_FLAGS,
    SPIKE_FACTOR,
    SPIKE_GUIDELINE_MULTIPLE,
    SPIKE_MAX_STATIONS,
    STATION_FACTOR,
    STUCK_RUN_DAYS,
    STUCK_RUN_HOURS,
    comparable_annual,
    exposure_by_country,
    latest_comparable_year,
    monthly_profile,
    spike_min_ugm3,
    station_margin_ugm3,
)
from geo.cities import City, get_city, member_cities
from geo.display import display_frame
from geo.guidelines import BAND_COLOURS, BANDS, POLLUTANTS, defined_bands, guideline
from geo.health import CRF_SOURCE
from geo.i18n import (
    format_number,
    format_percent,
    month_names,
    plural,
    translate,
)
from geo.indicators import city_airq
from geo.layers import LAYERS

NO_DATA_COLOUR = "#bbbbbb"


@st.cache_resource(max_entries=64)
def air_charts(city_id: str, pollutant: str, year: int, lang: str) -> dict[str, go.Figure | None]:
    """Every chart of a city's Air quality view, built once per city, pollutant, year and language.

    Plotly figure construction is the page's main cost; cached figures make a revisit cheap.
    """
    daily, annual = data.city_air(city_id, pollutant), data.city_annual(city_id, pollutant)
    label = POLLUTANTS[pollutant].label

    def tr(key: str, **params: object) -> str:
        return translate(key, lang, **params)
    months = month_names(lang)
    monthly = monthly_profile(daily).assign(series=tr("air.all_years"))
    monthly["month_name"] = [months[m - 1] for m in monthly["month"]]
    hourly = data.table("air_hourly_profile")
    hourly = hourly[(hourly["city_id"] == city_id) & (hourly["pollutant"] == pollutant)]
    daily_levels = guideline(pollutant, "24h")
    return {
        "daily": charts.daily_series_figure(daily, daily_levels, labels(
            pollutant, daily, lang, title=tr("air.daily_title", pollutant=label))),
        "calendar": charts.calendar_figure(daily, year, daily_levels, labels(
            pollutant, daily, lang, x=tr("axis.day"), months=months,
            title=tr("air.calendar_title", pollutant=label, year=year))),
        "monthly": charts.profile_figure(monthly, "month_name", labels(
            pollutant, daily, lang, x=tr("axis.month"), title=tr("air.seasonal_title"))),
        "hourly": charts.profile_figure(hourly.assign(series=[tr(f"season.{s}") for s in hourly["season"]]), "hour",
                                        labels(pollutant, daily, lang, x=tr("axis.hour"), title=tr("air.hourly_title")))
        if len(hourly) else None,
        "annual": annual_figure(city_id, pollutant, lang),
        "exceedance": charts.exceedance_figure(annual, labels(
            pollutant, daily, lang, x=tr("axis.year"), y=tr("axis.days"), allowed=tr("air.allowed_days"),
            title=tr("air.exceedance_title", pollutant=label))) if daily_levels else None,
    }


def series_notices(daily: pd.DataFrame) -> None:
    """The non-commercial licence where it applies, and a warning when the series is suspect and no day of it
    is usable."""
    if daily["licence"].str.contains("NC").any():
        st.caption(t("air.nc_notice"))
    flags = daily["qc_flag"]
    if (flags == "suspect_series").any() and not (flags == "ok").any():  # other days carry other flags
        median = daily.loc[flags == "suspect_series", "value"].median()
        st.warning(t("air.suspect_series", median=format_number(median, lang(), 1)))
    if (daily["place"] == "outside_city").any():
        st.warning(t("air.outside_city"))


def city_summary(city: City) -> None:
    """City page: PM2.5 annual means by WHO band, and the way to the Air quality page."""
    daily = data.city_air(city.id, "pm25")
    if daily.empty:
        st.info(t("gap.pm25"))
        return
    annual = data.city_annual(city.id, "pm25")
    if annual["mean"].notna().any():  # a series with no usable day draws no empty chart, only its warning
        chart(annual_figure(city.id, "pm25", lang()),
              f"{city.name(lang())}: PM2.5", f"atlas-pm25-annual-{city.id}", key="city_pm25_annual")
    series_notices(daily)
    st.page_link("pages/air.py", label=t("city.to_air_page"), icon=":material/air:")


def year_cards(row: pd.Series, pollutant: str) -> None:
    """The selected year's statistics for one pollutant, with the WHO band in words."""
    unit = t("unit.µg/m³")
    values = [
        (t("air.card_mean", year=row["year"]), format_value(row["mean"], unit, lang()),
         t(f"band.{row['band']}") if isinstance(row["band"], str) else ""),
        (t("air.card_days_above"), format_value(row["days_above_24h_aqg"], "", lang()),
         plural("air.card_days_valid", row["valid_days"], lang())),
        (t("air.card_p99"), format_value(row["p99_daily"], unit, lang()), ""),
        (t("air.card_heating"), format_value(row["heating_mean"], unit, lang()),
         t("air.card_non_heating", value=format_value(row["non_heating_mean"], unit, lang()))),
    ]
    for column, (label, value, note) in zip(st.columns(len(values)), values):
        column.metric(label, value, help=note or None)
        if note:
            column.caption(note)
    if not row["complete"]:
        st.warning(t("air.incomplete_year", share=format_percent(row["min_quarter_share"], lang()),
                     minimum=format_percent(MIN_QUARTER_SHARE, lang())))


def charts_section(city_id: str, pollutant: str, year: int) -> None:
    """The city's charts for one pollutant: series, calendar, profiles, annual means and exceedances."""
    figures = air_charts(city_id, pollutant, year, lang())
    name = f"{get_city(city_id).name(lang())}: {POLLUTANTS[pollutant].label}"
    chart(figures["daily"], name, f"atlas-{pollutant}-daily-{city_id}", key="air_daily")
    st.plotly_chart(figures["calendar"], width="stretch")
    left, right = st.columns(2)
    left.plotly_chart(figures["monthly"], width="stretch")
    if figures["hourly"] is None:
        right.info(t("air.no_hourly"))
    else:
        right.plotly_chart(figures["hourly"], width="stretch")
    left, right = st.columns(2)
    chart(figures["annual"], name, f"atlas-{pollutant}-annual-{city_id}", key="air_annual", container=left)
    if figures["exceedance"] is not None:
        right.plotly_chart(figures["exceedance"], width="stretch")


def quality_control(city_id: str, daily: pd.DataFrame) -> None:
    """What quality control found in this series, per year and flag, and the rules it applied."""
    counts = pd.crosstab(daily["date"].dt.year, daily["qc_flag"])
    counts = counts[[f for f in QC_FLAGS if f in counts.columns]].rename(columns=lambda f: t(f"qc.{f}"))
    st.dataframe(counts.rename_axis(t("axis.year")), width="stretch")
    hourly = data.table("air_hourly_qc")
    hourly = hourly[hourly["city_id"] == city_id]
    if len(hourly):
        pivot = hourly.pivot_table(index=["station_id", "year"], columns="flag", values="hours", aggfunc="sum",
                                   fill_value=0)
        pivot = pivot[[f for f in HOURLY_FLAGS if f in pivot.columns]].rename(
            columns=lambda f: t(f"qc_hourly.{f}")).rename_axis([t("column.station"), t("axis.year")])
        st.caption(t("air.hourly_qc_title"))
        st.dataframe(pivot, width="stretch")
    (start_month, start_day), (end_month, end_day) = HEATING_SEASON
    st.caption(t("air.qc_rules", hours=MIN_VALID_HOURS_PER_DAY, run_hours=STUCK_RUN_HOURS, run_days=STUCK_RUN_DAYS,
                 share=format_percent(MIN_QUARTER_SHARE, lang()), station_hours=MIN_VALID_HOURS_PER_YEAR,
                 heating=f"{start_day:02d}.{start_month:02d}–{end_day:02d}.{end_month:02d}"))
    if (daily["source"] == AIRDATA_SOURCE).all():
        station_checks(city_id, daily["pollutant"].iloc[0])


def station_checks(city_id: str, pollutant: str) -> None:
    """What the cross-station check changed in the city's series of `pollutant` (geo.air.cross_station_check),
    day by day."""
    st.markdown(f"**{t('air.station_checks_title')}**")
    st.caption(t("air.station_rules", factor=STATION_FACTOR, others=MIN_OTHER_STATIONS,
                 margin=format_number(station_margin_ugm3(pollutant), lang(), 0), clusters=MIN_CLUSTERS_FOR_MEDIAN,
                 spike_factor=SPIKE_FACTOR, spike_multiple=format_number(SPIKE_GUIDELINE_MULTIPLE, lang(), 0),
                 spike_min=format_number(spike_min_ugm3(pollutant), lang(), 0), spike_stations=SPIKE_MAX_STATIONS))
    checks = data.table("air_station_checks")
    checks = checks[(checks["city_id"] == city_id) & (checks["pollutant"] == pollutant)]
    if checks.empty:
        st.caption(t("air.no_station_checks"))
        return
    counts = checks.groupby([checks["date"].dt.year, "rule"]).size().unstack(fill_value=0)
    st.dataframe(counts.rename(columns=lambda r: t(f"station_rule.{r}")).rename_axis(t("axis.year")), width="stretch")
    days = checks[checks["rule"] != "station_outlier"].sort_values("date", ascending=False)
    st.dataframe(pd.DataFrame({
        t("column.date"): days["date"].dt.strftime("%Y-%m-%d"),
        t("column.rule"): [t(f"station_rule.{r}") for r in days["rule"]],
        t("column.value_before"): [format_number(v, lang(), 1) for v in days["value_before"]],
        t("column.value_after"): [format_number(v, lang(), 1) for v in days["value_after"]],
        t("column.stations"): days["stations"]}), hide_index=True, width="stretch")


@st.cache_resource(max_entries=64)
def comparison_figure(pollutant: str, year: int, lang: str) -> tuple[go.Figure | None, str]:
    """The cross-city chart for a pollutant and year, and the sentence naming the cities left out."""
    included, excluded = comparable_annual(data.annual_air(), pollutant, year)
    label = POLLUTANTS[pollutant].label
    figure = None
    if len(included):
        shown = included.assign(city=[get_city(c).name(lang) for c in included["city_id"]])
        daily = data.table("air_daily")
        used = daily[daily["city_id"].isin(included["city_id"]) & (daily["pollutant"] == pollutant)]
        figure = charts.city_comparison_figure(shown, guideline(pollutant, "annual"), labels(
            pollutant, used.drop_duplicates("source"), lang, x=translate("axis.concentration", lang, pollutant=label),
            title=translate("air.comparison_title", lang, pollutant=label, year=year),
            bands={band: translate(f"band.{band}", lang) for band in BANDS}))
    left_out = ", ".join(
        f"{get_city(r.city_id).name(lang)} ({_exclusion_reason(r.reason, r.min_quarter_share, lang)})"
        for r in excluded.itertuples())
    return figure, translate("air.excluded", lang, cities=left_out) if left_out else ""


def latest_compared_year(pollutant: str) -> int | None:
    """The latest year two or more cities can be compared on (geo.air.latest_comparable_year)."""
    return latest_comparable_year(data.annual_air(), pollutant)


def _exclusion_reason(reason: str, min_quarter_share: float, lang: str) -> str:
    """Why a city's year is left out of the comparison, in words."""
    return translate(f"air.reason_{reason}", lang, share=format_percent(min_quarter_share, lang))


def comparison(pollutant: str, year: int) -> None:
    """Annual means of every city with a complete year, ordered and coloured by WHO band; the rest listed."""
    figure, left_out = comparison_figure(pollutant, year, lang())
    if figure is None:
        st.info(t("air.no_comparison", year=year))
    else:
        chart(figure, t("air.compare_title"), f"atlas-{pollutant}-cities-{year}", key="air_compare")
    if left_out:
        st.caption(left_out)


def station_map(city_id: str, pollutant: str, year: int, language: str, base_url: str,
                for_print: bool = False) -> tuple[folium.Map, list[MapLayer]]:
    """The station map of a city, pollutant and year (or its print variant), and the layers it draws."""
    city = get_city(city_id)
    layers = list(data.boundary_layers(city_id, language))
    stations = data.city_layer(city_id, "air_stations")
    if len(stations):
        chosen = station_year(pollutant, year)
        shown = display_frame(stations, LAYERS["air_stations"], city.crs, lang=language).assign(
            station_id=stations["station_id"])
        layers.append(_band_layer("air_stations", shown, chosen.reindex(shown["station_id"]),
                                  translate("layer.air_stations", language), language))
    annual = data.city_annual(city_id, pollutant)
    if len(annual):
        row = annual[annual["year"] == year].reindex(columns=["mean", "band", "complete", "min_quarter_share"])
        shown = display_frame(data.city_layer(city_id, "city_centres"), LAYERS["city_centres"], city.crs, lang=language)
        layers.append(_band_layer("city_centres", shown, row.reset_index(drop=True).reindex([0]),
                                  translate("air.city_series", language), language))
    swatches = [(BAND_COLOURS[b], translate(f"band.{b}", language)) for b in defined_bands(pollutant)] + [
        (NO_DATA_COLOUR, translate("air.no_band_legend", language))]
    built = build_map(layers, tuple(data.city_layer(city_id, "boundary").total_bounds), base_url=base_url,
                      lang=language, legend_title=translate("map.legend", language), legend_swatches=swatches,
                      for_print=for_print)
    return built, layers


@st.cache_resource(max_entries=64)
def built_station_map(city_id: str, pollutant: str, year: int, language: str, base_url: str) -> str:
    """The HTML of the station map of a city, pollutant and year, rendered once per language (see station_section)."""
    return map_html(station_map(city_id, pollutant, year, language, base_url)[0])


def station_section(city: City, pollutant: str, year: int) -> None:
    """Every monitoring site of the city, coloured by its annual band of `pollutant` for `year` where the
    Atlas has its hourly series (grey: no value, or a site whose series the Atlas does not hold), and the
    city-wide series at the city centre; the map to take away."""
    title = t("air.map_title", pollutant=POLLUTANTS[pollutant].label, year=year)
    show_map(built_station_map(city.id, pollutant, year, lang(), base_url()), title, height=460)
    language = lang()
    map_downloads(lambda for_print: station_map(city.id, pollutant, year, language, "/", for_print)[0],
                  lambda: station_map(city.id, pollutant, year, language, "/")[1], f"{city.name(language)}: {title}",
                  f"atlas-{pollutant}-stations-{city.id}-{year}", key="air_station_map_export")
    st.caption(t("air.map_note", pollutant=POLLUTANTS[pollutant].label, year=year))
    stations = data.city_layer(city.id, "air_stations")
    if stations.empty:
        st.info(t("gap.air_stations"))
        return
    label = POLLUTANTS[pollutant].label
    with_series = stations["series"].fillna("").str.split(", ").map(lambda s: label in s)
    st.caption(t("air.sites_summary", sites=len(stations), with_series=int(with_series.sum()), pollutant=label))
    station_table(stations, station_year(pollutant, year))


def station_year(pollutant: str, year: int) -> pd.DataFrame:
    """Each site's statistics of `pollutant` in `year` (annual mean, hours, band), indexed by station id."""
    years = data.table("air_station_years")
    return years[(years["year"] == year) & (years["pollutant"] == pollutant)].set_index("station_id")


def station_table(stations: pd.DataFrame, years: pd.DataFrame) -> None:
    """The year's statistics of each site with a series: annual mean of valid hours, hours, WHO band."""
    known = years[years.index.isin(stations["station_id"])]
    if known.empty:
        return
    names = stations.drop_duplicates("station_id").set_index("station_id")
    table = known.join(names[["station_name", "provider"]]).sort_values("mean", ascending=False)
    st.dataframe(pd.DataFrame({
        t("column.station_name"): table["station_name"], t("column.provider"): table["provider"],
        t("column.annual_mean"): [format_number(v, lang(), 1) for v in table["mean"]],
        t("column.valid_hours"): [format_number(v, lang(), 0) for v in table["valid_hours"]],
        t("column.flagged_hours"): [format_number(v, lang(), 0) for v in table["flagged_hours"]],
        t("column.who_band"): [t(f"band.{b}") if isinstance(b, str) else "" for b in table["band"]],
    }), hide_index=True, width="stretch")
    st.caption(t("air.station_table_note", hours=MIN_VALID_HOURS_PER_YEAR))


def _band_text(band: object, mean: float, stats: pd.Series, language: str) -> str:
    """A feature's WHO band in words, or why it has none: no value, too few hours, or an incomplete year."""
    if isinstance(band, str):
        return translate(f"band.{band}", language)
    if pd.isna(mean):
        return translate("common.no_data", language)
    if pd.notna(stats.get("valid_hours")):
        return translate("air.no_band_hours", language, hours=format_number(stats["valid_hours"], language, 0),
                         minimum=format_number(MIN_VALID_HOURS_PER_YEAR, language, 0))
    return translate("air.no_band_incomplete", language,
                     share=format_percent(stats.get("min_quarter_share", 0.0), language))


def _band_layer(layer_id: str, frame, stats: pd.DataFrame, title: str, language: str) -> MapLayer:
    """A point layer whose colour is the WHO band of each feature's annual mean: grey where it has none (no value
    that year, or too little of the year measured to judge it, said in its tooltip)."""
    bands = stats["band"].to_numpy()
    frame = frame.assign(
        annual_mean=[format_number(m, language, 1) for m in stats["mean"]],
        who_band=[_band_text(b, m, row, language) for b, m, (_, row) in zip(bands, stats["mean"], stats.iterrows())],
        colour=[BAND_COLOURS[b] if isinstance(b, str) else NO_DATA_COLOUR for b in bands])
    spec = LAYERS[layer_id]
    tooltip = tuple((c, translate(f"column.{c}", language)) for c in spec.tooltip) + (
        ("annual_mean", translate("column.annual_mean", language)), ("who_band", translate("column.who_band", language)))
    return MapLayer(spec, frame, title, tooltip, style={"radius": 8, "fillOpacity": 0.95}, colour_by="colour")


def exposure(pollutant: str, year: int) -> None:
    """Population-weighted exposure per country over the cities with a complete year, and the method."""
    cities = {c.id: (c.country, c.population.value) for c in member_cities()}
    table = exposure_by_country(data.annual_air(), cities, pollutant, year)
    st.dataframe(pd.DataFrame({
        t("column.country"): table["country"],
        t("column.exposure"): [format_value(v, t("unit.µg/m³"), lang()) for v in table["exposure"]],
        t("column.cities_covered"): [f"{a} / {b}" for a, b in zip(table["cities_covered"], table["cities_total"])],
        t("column.population_coverage"): [format_percent(p / 100, lang(), 0 if float(p).is_integer() else 1)
                                          for p in table["coverage_pct"]],
    }), hide_index=True, width="stretch")
    st.caption(t("air.exposure_method", share=format_percent(MIN_QUARTER_SHARE, lang())))


def _bounds(deaths: tuple[float, float, float] | None) -> str:
    """The lower and upper bound of an estimate of deaths, "412 – 853" ("" without a population)."""
    return " – ".join(format_number(v, lang(), 0) for v in deaths[1:]) if deaths else ""


def air_health(city: City, year: int) -> None:
    """What the year's PM2.5 costs in deaths, by WHO AirQ+'s method (geo.health through geo.indicators.city_airq):
    the estimate with its bounds, what lowering the mean would avoid, the method and its assumptions; or which
    figures the city could supply where a baseline is missing."""
    row = data.city_annual(city.id, "pm25").set_index("year").reindex([year]).iloc[0]
    if pd.isna(row["mean"]) or not bool(row["complete"]) or row["place"] != "city":
        st.info(t("airq.needs_complete_year", year=year))
        return
    result = city_airq(city, data.table("regional_stats"), float(row["mean"]), year)
    if result is None:
        st.info(t("note.airq_missing"))
        return
    estimate, scenarios = result
    rows = [{t("airq.scenario"): t("airq.now", mean=format_number(row["mean"], lang(), 1)),
             t("airq.deaths"): format_number(estimate.deaths[0], lang(), 0) if estimate.deaths else t("common.no_data"),
             t("airq.range"): _bounds(estimate.deaths),
             t("airq.per_100k"): format_number(estimate.per_100k[0], lang(), 1),
             t("airq.share"): format_percent(estimate.share[0], lang(), 1)}]
    for name, level, avoided in scenarios:
        label = t("airq.half_gap", level=format_number(level, lang(), 1)) if name == "half_gap" else t(
            "airq.reach", target=name, level=format_number(level, lang(), 1))
        rows.append({t("airq.scenario"): label,
                     t("airq.deaths"): format_number(avoided.deaths[0], lang(), 0) if avoided.deaths else "",
                     t("airq.range"): _bounds(avoided.deaths),
                     t("airq.per_100k"): format_number(avoided.per_100k[0], lang(), 1),
                     t("airq.share"): format_percent(avoided.share[0], lang(), 1)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(t("airq.method", crf=CRF_SOURCE,
                 population=t("airq.population_missing") if estimate.deaths is None else ""))
