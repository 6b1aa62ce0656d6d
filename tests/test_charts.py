"""Chart factories: units on axes, WHO levels drawn, sources under the chart, gaps and flags kept visible."""
import math

import pandas as pd

from components.charts import (
    annual_bar_figure,
    calendar_figure,
    city_comparison_figure,
    daily_series_figure,
)
from geo.air import annual_stats
from geo.guidelines import guideline

LABELS = {"series": "PM2.5", "flagged": "flagged", "x": "Date", "y": "PM2.5, µg/m³", "source": "Source: test",
          "title": "Daily", "lang": "en", "date_ticks": "%b %Y"}


def daily(dates, values, flags=None):
    return pd.DataFrame({"city_id": "x", "pollutant": "pm25", "date": pd.to_datetime(pd.Series(dates)),
                         "value": values, "qc_flag": flags or "ok"})


def test_daily_chart_has_units_all_who_levels_and_source():
    fig = daily_series_figure(daily(["2021-01-01", "2021-01-02"], [10.0, 20.0]), guideline("pm25", "24h"), LABELS)
    assert fig.layout.yaxis.title.text == "PM2.5, µg/m³"
    assert sorted(shape.y0 for shape in fig.layout.shapes) == [15, 25, 37.5, 50, 75]
    assert any(a.text == "Source: test" for a in fig.layout.annotations)


def test_missing_days_break_the_line_and_flagged_values_show_as_markers():
    data = daily(["2021-01-01", "2021-01-04", "2021-01-05"], [10.0, 20.0, 900.0], ["ok", "ok", "implausible"])
    fig = daily_series_figure(data, guideline("pm25", "24h"), LABELS)
    y = list(fig.data[0].y)
    assert len(y) == 4 and math.isnan(y[1]) and math.isnan(y[2]) and fig.data[0].connectgaps is False
    assert list(fig.data[1].y) == [900.0] and list(fig.data[1].text) == ["implausible"]


def test_incomplete_years_are_marked_in_the_annual_chart():
    days = pd.date_range("2020-01-01", "2021-02-01", freq="D")
    fig = annual_bar_figure(annual_stats(daily(days, [12.0] * len(days)).assign(source="s")),
                            guideline("pm25", "annual"), {**LABELS, "x": "Year"})
    assert list(fig.data[0].text) == ["12.0", "12.0 *"]


def test_chart_numbers_follow_the_language():
    days = pd.date_range("2020-01-01", "2021-02-01", freq="D")
    fig = annual_bar_figure(annual_stats(daily(days, [12.34] * len(days)).assign(source="s")),
                            guideline("pm25", "annual"), {**LABELS, "x": "Жыл", "lang": "kk"})
    assert list(fig.data[0].text) == ["12,3", "12,3 *"]
    assert fig.layout.separators == ",\xa0"  # plotly's ticks and hovers: decimal comma, no-break space
    assert "AQG 5" in [a.text for a in fig.layout.annotations]
    levels = [a.text for a in daily_series_figure(daily(["2021-01-01"], [1.0]), guideline("pm25", "24h"),
                                                  {**LABELS, "lang": "ru"}).layout.annotations]
    assert "IT-3 37,5" in levels


def test_calendar_places_each_day_in_its_month_and_day_cell():
    data = daily(["2021-03-07", "2021-12-31"], [33.0, 44.0])
    fig = calendar_figure(data, 2021, guideline("pm25", "24h"), {**LABELS, "months": [str(m) for m in range(1, 13)]})
    z = fig.data[0].z
    assert z[2][6] == 33.0 and z[11][30] == 44.0 and math.isnan(z[0][0])


def test_comparison_orders_cities_and_names_their_band():
    table = pd.DataFrame({"city": ["A", "B"], "mean": [30.0, 8.0], "band": ["meets_it1", "meets_it4"]})
    bands = {"meets_it1": "meets IT-1", "meets_it4": "meets IT-4"}
    fig = city_comparison_figure(table, guideline("pm25", "annual"), {**LABELS, "bands": bands})
    assert list(fig.data[0].y) == ["B", "A"]
    assert list(fig.data[0].text) == ["8.0 · meets IT-4", "30.0 · meets IT-1"]
