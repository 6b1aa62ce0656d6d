"""Air quality: a city's series judged against the WHO guidelines, quality control, and cross-city views."""
import streamlit as st

from components import air_views, data
from components.state import current_city, lang, require_frame, t
from components.widgets import after_map, url_choice, url_keep
from geo.guidelines import POLLUTANTS

require_frame()

city = current_city()
st.title(t("air.title", city=city.name(lang())))
pollutants = data.city_pollutants(city.id)
if not pollutants:  # not a dead end: what the network measured, and how the city adds its own stations
    st.info(t("gap.pm25"))
    st.page_link("pages/data.py", label=t("air.import_pointer"), icon=":material/upload_file:")
    latest = air_views.latest_compared_year("pm25")
    if latest is not None:
        st.subheader(t("air.compare_title"))
        air_views.comparison("pm25", latest)
    st.stop()

url_choice("air_pollutant", "pollutant", pollutants, pollutants[0])
pollutant = st.segmented_control(t("air.pollutant"), pollutants, format_func=lambda p: POLLUTANTS[p].label,
                                 key="air_pollutant") or pollutants[0]
url_keep("air_pollutant", "pollutant")
daily = data.city_air(city.id, pollutant)
annual = data.city_annual(city.id, pollutant)
years = sorted(annual["year"].unique(), reverse=True)
complete = annual.loc[annual["complete"], "year"]
url_choice("air_year", "year", years, int(complete.max()) if len(complete) else years[0])
year = st.selectbox(t("air.year"), years, key="air_year")
url_keep("air_year", "year")
air_views.series_notices(daily)

air_views.year_cards(annual[annual["year"] == year].iloc[0], pollutant)

st.subheader(t("air.map_title", pollutant=POLLUTANTS[pollutant].label, year=year))
air_views.station_section(city, pollutant, year)


def charts() -> None:
    """The series, judged and compared: below the map, loaded once it has drawn."""
    air_views.charts_section(city.id, pollutant, year)
    with st.expander(t("air.qc_title"), expanded=False):
        air_views.quality_control(city.id, daily)
    st.subheader(t("air.compare_title"))
    air_views.comparison(pollutant, year)
    st.subheader(t("air.exposure_title", pollutant=POLLUTANTS[pollutant].label, year=year))
    air_views.exposure(pollutant, year)
    if pollutant == "pm25":
        st.subheader(t("airq.title", city=city.name(lang()), year=year))
        air_views.air_health(city, year)


after_map(charts)
