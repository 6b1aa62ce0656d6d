"""Sections of the Air quality page (and the City page's PM2.5 summary), built from geo.air results."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components import charts, data
from components.map_view import base_url, show_map
from components.maps import MapLayer, build_map
from components.state import lang, t
from components.tables import format_value
from geo.air import (HEATING_SEASON, MIN_VALID_DAYS_PER_YEAR, MIN_VALID_HOURS_PER_DAY, MIN_VALID_HOURS_PER_YEAR,
                     STUCK_RUN_DAYS, STUCK_RUN_HOURS, comparable_annual, exposure_by_country, monthly_profile)
from geo.cities import City, all_cities, get_city
from geo.display import display_frame
from geo.guidelines import BAND_COLOURS, BANDS, POLLUTANTS, guideline
from geo.layers import LAYERS

NO_DATA_COLOUR = "#bbbbbb"


def band_labels() -> dict[str, str]:
    return {band: t(f"band.{band}") for band in BANDS}


def source_line(daily: pd.DataFrame) -> str:
    """'Source: … — licence' for the series shown (all sources when several)."""
    pairs = dict.fromkeys(zip(daily["source"], daily["licence"]))
    return f"{t('common.source')}: " + "; ".join(f"{s} — {lic}" for s, lic in pairs)


def labels(pollutant: str, daily: pd.DataFrame, **extra: str) -> dict[str, str]:
    label = POLLUTANTS[pollutant].label
    return {"series": t("air.daily_mean", pollutant=label), "flagged": t("air.flagged_values"),
            "x": t("axis.date"), "y": t("axis.concentration", pollutant=label),
            "source": source_line(daily), **extra}


def series_notices(daily: pd.DataFrame) -> None:
    """The non-commercial licence where it applies, and a warning when the whole series is suspect."""
    if daily["licence"].str.contains("NC").any():
        st.caption(t("air.nc_notice"))
    if (daily["qc_flag"] == "suspect_series").all():
        median = daily["value"].median()
        st.warning(t("air.suspect_series", median=f"{median:.1f}"))


def city_summary(city: City) -> None:
    """City page: PM2.5 annual means by WHO band, and the way to the Air quality page."""
    daily = data.city_air(city.id, "pm25")
    if daily.empty:
        st.info(t("gap.pm25"))
        return
    annual = data.city_annual(city.id, "pm25")
    st.plotly_chart(charts.annual_bar_figure(annual, guideline("pm25", "annual"), labels(
        "pm25", daily, x=t("axis.year"), title=t("air.annual_title", pollutant="PM2.5"))), width="stretch")
    series_notices(daily)
    st.page_link("pages/air.py", label=t("city.to_air_page"), icon=":material/air:")


def year_cards(row: pd.Series, pollutant: str) -> None:
    """The selected year's statistics for one pollutant, with the WHO band in words."""
    unit = t("unit.µg/m³")
    values = [
        (t("air.card_mean", year=row["year"]), format_value(row["mean"], unit, lang()),
         t(f"band.{row['band']}") if isinstance(row["band"], str) else ""),
        (t("air.card_days_above"), format_value(row["days_above_24h_aqg"], "", lang()),
         t("air.card_days_valid", days=row["valid_days"])),
        (t("air.card_p99"), format_value(row["p99_daily"], unit, lang()), ""),
        (t("air.card_heating"), format_value(row["heating_mean"], unit, lang()),
         t("air.card_non_heating", value=format_value(row["non_heating_mean"], unit, lang()))),
    ]
    for column, (label, value, note) in zip(st.columns(len(values)), values):
        column.metric(label, value, help=note or None)
        if note:
            column.caption(note)
    if not row["complete"]:
        st.warning(t("air.incomplete_year", days=row["valid_days"], minimum=MIN_VALID_DAYS_PER_YEAR))


def calendar_months() -> list[str]:
    return [t(f"month.{m}") for m in range(1, 13)]


def profiles(city_id: str, daily: pd.DataFrame, pollutant: str) -> None:
    """Seasonal (by month) and, where hourly data exists, daily (by hour) profiles side by side."""
    left, right = st.columns(2)
    monthly = monthly_profile(daily).assign(series=t("air.all_years"))
    monthly["month_name"] = [calendar_months()[m - 1] for m in monthly["month"]]
    left.plotly_chart(charts.profile_figure(monthly, "month_name", labels(
        pollutant, daily, x=t("axis.month"), title=t("air.seasonal_title"))), width="stretch")
    hourly = data.table("air_hourly_profile")
    hourly = hourly[(hourly["city_id"] == city_id) & (hourly["pollutant"] == pollutant)]
    if hourly.empty:
        right.info(t("air.no_hourly"))
    else:
        hourly = hourly.assign(series=[t(f"season.{s}") for s in hourly["season"]])
        right.plotly_chart(charts.profile_figure(hourly, "hour", labels(
            pollutant, daily, x=t("axis.hour"), title=t("air.hourly_title"))), width="stretch")


def quality_control(city_id: str, daily: pd.DataFrame) -> None:
    """What quality control found in this series, per year and flag, and the rules it applied."""
    counts = pd.crosstab(daily["date"].dt.year, daily["qc_flag"]).rename(columns=lambda f: t(f"qc.{f}"))
    st.dataframe(counts.rename_axis(t("axis.year")), width="stretch")
    hourly = data.table("air_hourly_qc")
    hourly = hourly[hourly["city_id"] == city_id]
    if len(hourly):
        pivot = hourly.pivot_table(index=["station_id", "year"], columns="flag", values="hours", aggfunc="sum",
                                   fill_value=0).rename(columns=lambda f: t(f"qc_hourly.{f}"))
        st.caption(t("air.hourly_qc_title"))
        st.dataframe(pivot, width="stretch")
    (start_month, start_day), (end_month, end_day) = HEATING_SEASON
    st.caption(t("air.qc_rules", hours=MIN_VALID_HOURS_PER_DAY, run_hours=STUCK_RUN_HOURS, run_days=STUCK_RUN_DAYS,
                 days=MIN_VALID_DAYS_PER_YEAR, station_hours=MIN_VALID_HOURS_PER_YEAR,
                 heating=f"{start_day:02d}.{start_month:02d}–{end_day:02d}.{end_month:02d}"))


def comparison(pollutant: str, year: int) -> None:
    """Annual means of every city with a complete year, ordered and coloured by WHO band; the rest listed."""
    included, excluded = comparable_annual(data.annual_air(), pollutant, year)
    if included.empty:
        st.info(t("air.no_comparison", year=year))
    else:
        shown = included.assign(city=[get_city(c).name(lang()) for c in included["city_id"]])
        daily = data.table("air_daily")
        used = daily[daily["city_id"].isin(included["city_id"]) & (daily["pollutant"] == pollutant)]
        st.plotly_chart(charts.city_comparison_figure(shown, guideline(pollutant, "annual"), labels(
            pollutant, used.drop_duplicates("source"), x=t("axis.concentration", pollutant=POLLUTANTS[pollutant].label),
            title=t("air.comparison_title", pollutant=POLLUTANTS[pollutant].label, year=year), bands=band_labels())),
            width="stretch")
    if len(excluded):
        st.caption(t("air.excluded", cities=", ".join(
            f"{get_city(r.city_id).name(lang())} ({t('air.reason_' + r.reason, days=r.valid_days)})"
            for r in excluded.itertuples())))


def station_map(city: City, year: int) -> None:
    """Stations (and the city-wide series at the city centre) coloured by their annual PM2.5 band for `year`."""
    layers = list(data.boundary_layers(city.id, lang()))
    stations = data.city_layer(city.id, "air_stations")
    if len(stations):
        years = data.table("air_station_years")
        chosen = years[years["year"] == year].set_index("station_id")
        shown = display_frame(stations, LAYERS["air_stations"], city.crs).assign(station_id=stations["station_id"])
        layers.append(_band_layer("air_stations", shown, chosen.reindex(shown["station_id"]), t("layer.air_stations")))
    annual = data.city_annual(city.id, "pm25")
    centre = data.city_layer(city.id, "city_centres")
    if len(annual):
        row = annual[annual["year"] == year].reindex(columns=["mean", "band", "complete"])
        shown = display_frame(centre, LAYERS["city_centres"], city.crs)
        layers.append(_band_layer("city_centres", shown, row.reset_index(drop=True).reindex([0]),
                                  t("air.city_series")))
    boundary = data.city_layer(city.id, "boundary")
    swatches = [(c, t(f"band.{b}")) for b, c in BAND_COLOURS.items()] + [(NO_DATA_COLOUR, t("common.no_data"))]
    show_map(build_map(layers, tuple(boundary.total_bounds), base_url=base_url(), legend_title=t("map.legend"),
                       legend_swatches=swatches), key=f"air_map_{city.id}_{year}", height=460)
    st.caption(t("air.map_note", year=year))
    if stations.empty:
        st.info(t("gap.air_stations"))


def _band_layer(layer_id: str, frame, stats: pd.DataFrame, title: str) -> MapLayer:
    """A point layer whose colour is the WHO band of each feature's annual mean (grey: no value that year)."""
    means = stats["mean"].to_numpy()
    bands = stats["band"].to_numpy()
    frame = frame.assign(
        annual_mean=[None if pd.isna(m) else float(m) for m in means],
        who_band=[t(f"band.{b}") if isinstance(b, str) else t("common.no_data") for b in bands],
        colour=[BAND_COLOURS[b] if isinstance(b, str) else NO_DATA_COLOUR for b in bands])
    spec = LAYERS[layer_id]
    tooltip = tuple((c, t(f"column.{c}")) for c in spec.tooltip) + (
        ("annual_mean", t("column.annual_mean")), ("who_band", t("column.who_band")))
    return MapLayer(spec, frame, title, tooltip, style={"radius": 8, "fillOpacity": 0.95}, colour_by="colour")


def exposure(pollutant: str, year: int) -> None:
    """Population-weighted exposure per country over the cities with a complete year, and the method."""
    cities = {c.id: (c.country, c.population.value) for c in all_cities()}
    table = exposure_by_country(data.annual_air(), cities, pollutant, year)
    st.dataframe(pd.DataFrame({
        t("column.country"): table["country"],
        t("column.exposure"): [format_value(v, t("unit.µg/m³"), lang()) for v in table["exposure"]],
        t("column.cities_covered"): [f"{a} / {b}" for a, b in zip(table["cities_covered"], table["cities_total"])],
        t("column.population_coverage"): [f"{p:g} %" for p in table["coverage_pct"]],
    }), hide_index=True, width="stretch")
    st.caption(t("air.exposure_method", days=MIN_VALID_DAYS_PER_YEAR))
