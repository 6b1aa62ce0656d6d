"""Compare: cities side by side on chosen indicators — ranks, normalised scores, a scatter, a regional map."""
import streamlit as st

from components import data, indicator_views
from components.shared_charts import indicator_name
from components.state import lang, require_frame, t
from components.widgets import after_map, url_choice, url_keep, url_list
from geo.cities import get_city, member_cities
from geo.indicators import INDICATORS

require_frame()

DEFAULT_CITIES = ["bishkek", "osh", "jalal-abad", "astana", "almaty", "shymkent", "karaganda"]
DEFAULT_INDICATORS = ["pm25_annual_mean", "life_expectancy", "med_institutions_per_10k", "unemployment_rate",
                      "health_facilities_per_10k"]
comparable = [i for i, spec in INDICATORS.items() if spec.level != "district"]

st.title(t("compare.title"))
city_ids = url_list("cities", [c.id for c in member_cities()], DEFAULT_CITIES, t("compare.cities"),
                    lambda c: get_city(c).name(lang()))
indicator_ids = url_list("indicators", comparable, DEFAULT_INDICATORS, t("compare.indicators"),
                         lambda i: indicator_name(i, lang()))
if not city_ids or not indicator_ids:
    st.info(t("compare.pick"))
    st.stop()

years = sorted({y for i in indicator_ids for y in data.indicator_years(i)}, reverse=True)
SHARED = "shared"  # the latest year the cities share, per indicator
url_choice("compare_year", "compared_year", [SHARED, *years], SHARED)
choice = st.selectbox(t("compare.year"), [SHARED, *years], key="compare_year",
                      format_func=lambda y: t("compare.year_shared") if y == SHARED else str(y))
year = None if choice == SHARED else int(choice)
if year is None:  # nothing to keep in the link
    st.query_params.pop("compared_year", None)
else:
    url_keep("compare_year", "compared_year")
table_values = indicator_views.compared(tuple(city_ids), tuple(indicator_ids), year)
st.subheader(t("compare.ranking_title"))
indicator_views.ranking_table(table_values, city_ids, indicator_ids)
charts = st.container()  # the heatmap and the scatter keep their place above the map, drawn once it has drawn


def heatmap_and_scatter() -> None:
    indicator_views.score_heatmap(table_values, city_ids)
    st.subheader(t("compare.scatter_title"))
    left, right = st.columns(2)
    x_id = left.selectbox(t("compare.x"), comparable, index=comparable.index(indicator_ids[0]),
                          format_func=lambda i: indicator_name(i, lang()), key="compare_x")
    y_id = right.selectbox(t("compare.y"), comparable,
                           index=comparable.index(indicator_ids[min(1, len(indicator_ids) - 1)]),
                           format_func=lambda i: indicator_name(i, lang()), key="compare_y")
    indicator_views.scatter(city_ids, x_id, y_id, year)


st.subheader(t("compare.map_title"))
regional = [i for i in comparable if INDICATORS[i].level == "region"]
chosen = st.selectbox(t("compare.map_indicator"), regional, format_func=lambda i: indicator_name(i, lang()),
                      index=regional.index("life_expectancy"), key="compare_map")
indicator_views.region_choropleth(chosen)
with charts:
    after_map(heatmap_and_scatter)
