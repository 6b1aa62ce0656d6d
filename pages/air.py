"""Air quality: a city's series judged against the WHO guidelines, quality control, and cross-city views."""
import streamlit as st

from components import air_views, charts, data
from components.state import current_city, lang, require_frame, t
from geo.guidelines import POLLUTANTS, guideline

require_frame("pages/air.py")

city = current_city()
st.title(t("air.title", city=city.name(lang())))
pollutants = data.city_pollutants(city.id)
if not pollutants:
    st.info(t("gap.pm25"))
    st.stop()

pollutant = st.segmented_control(t("air.pollutant"), pollutants, format_func=lambda p: POLLUTANTS[p].label,
                                 key="air_pollutant", default=pollutants[0]) or pollutants[0]
daily = data.city_air(city.id, pollutant)
annual = data.city_annual(city.id, pollutant)
years = sorted(annual["year"].unique(), reverse=True)
complete = annual.loc[annual["complete"], "year"]
year = st.selectbox(t("air.year"), years, key="air_year",
                    index=years.index(complete.max()) if len(complete) else 0)
air_views.series_notices(daily)

air_views.year_cards(annual[annual["year"] == year].iloc[0], pollutant)

label = POLLUTANTS[pollutant].label
st.plotly_chart(charts.daily_series_figure(daily, guideline(pollutant, "24h"), air_views.labels(
    pollutant, daily, title=t("air.daily_title", pollutant=label))), width="stretch")
st.plotly_chart(charts.calendar_figure(daily, year, guideline(pollutant, "24h"), air_views.labels(
    pollutant, daily, x=t("axis.day"), months=air_views.calendar_months(),
    title=t("air.calendar_title", pollutant=label, year=year))), width="stretch")
air_views.profiles(city.id, daily, pollutant)

left, right = st.columns(2)
left.plotly_chart(charts.annual_bar_figure(annual, guideline(pollutant, "annual"), air_views.labels(
    pollutant, daily, x=t("axis.year"), title=t("air.annual_title", pollutant=label))), width="stretch")
if guideline(pollutant, "24h"):
    right.plotly_chart(charts.exceedance_figure(annual, air_views.labels(
        pollutant, daily, x=t("axis.year"), y=t("axis.days"), allowed=t("air.allowed_days"),
        title=t("air.exceedance_title", pollutant=label))), width="stretch")

with st.expander(t("air.qc_title"), expanded=False):
    air_views.quality_control(city.id, daily)

st.subheader(t("air.map_title", year=year))
air_views.station_map(city, year)

st.subheader(t("air.compare_title"))
air_views.comparison(pollutant, year)

st.subheader(t("air.exposure_title", pollutant=label, year=year))
air_views.exposure(pollutant, year)
