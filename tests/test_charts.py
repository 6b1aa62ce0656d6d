"""Chart factories: units on axes, guideline lines, sources under the chart, gaps kept as gaps."""
import math

import pandas as pd

from components.charts import annual_bar_figure, pm25_daily_figure
from geo.air import annual_pm25

LABELS = {"series": "PM2.5", "who_24h": "WHO 24-h", "who_annual": "WHO annual", "x": "Date", "y": "PM2.5, µg/m³",
          "source": "Source: test", "title": "Daily"}


def daily(dates, values):
    return pd.DataFrame({"date": pd.to_datetime(dates), "pm25_ugm3": values})


def test_daily_chart_has_units_guidelines_and_source():
    fig = pm25_daily_figure(daily(["2021-01-01", "2021-01-02"], [10.0, 20.0]), LABELS)
    assert fig.layout.yaxis.title.text == "PM2.5, µg/m³"
    assert sorted(shape.y0 for shape in fig.layout.shapes) == [5.0, 15.0]
    assert any(a.text == "Source: test" for a in fig.layout.annotations)


def test_missing_days_are_drawn_as_a_break_not_a_bridge():
    fig = pm25_daily_figure(daily(["2021-01-01", "2021-01-04"], [10.0, 20.0]), LABELS)
    y = list(fig.data[0].y)
    assert len(y) == 4 and math.isnan(y[1]) and math.isnan(y[2])
    assert fig.data[0].connectgaps is False


def test_incomplete_years_are_marked_in_the_annual_chart():
    days = pd.date_range("2020-01-01", "2021-02-01", freq="D")
    annual = annual_pm25(daily(days, [12.0] * len(days)))
    fig = annual_bar_figure(annual, {**LABELS, "x": "Year"})
    assert list(fig.data[0].text) == ["12.0", "12.0 *"]
