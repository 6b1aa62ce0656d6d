"""Plotly figure factories: units on axes, guideline lines labelled, source under every chart."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from geo.air import WHO_PM25_24H_UGM3, WHO_PM25_ANNUAL_UGM3


def _source_note(fig: go.Figure, text: str) -> go.Figure:
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=-0.3, showarrow=False,
                       xanchor="left", font={"size": 11, "color": "#555"})
    fig.update_layout(margin={"l": 60, "r": 20, "t": 50, "b": 110})
    return fig


def pm25_daily_figure(daily: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Daily PM2.5 means with the WHO 24-hour and annual guideline lines; days without data stay gaps."""
    every_day = daily.set_index("date")["pm25_ugm3"].asfreq("D")  # missing days become NaN: a break in the line
    fig = go.Figure(go.Scattergl(x=every_day.index, y=every_day.to_numpy(), mode="lines", name=labels["series"],
                                 line={"width": 1, "color": "#0072B2"}, connectgaps=False))
    for level, label, dash in ((WHO_PM25_24H_UGM3, labels["who_24h"], "dash"),
                               (WHO_PM25_ANNUAL_UGM3, labels["who_annual"], "dot")):
        fig.add_hline(y=level, line_dash=dash, line_color="#D55E00",
                      annotation_text=f"{label} ({level:g} µg/m³)", annotation_position="top left")
    fig.update_layout(title=labels["title"], xaxis_title=labels["x"], yaxis_title=labels["y"], height=420,
                      showlegend=False)
    return _source_note(fig, labels["source"])


def annual_bar_figure(annual: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Annual means per year; incomplete years drawn pale and labelled, not hidden."""
    colours = ["#0072B2" if c else "#9ecae1" for c in annual["complete"]]
    text = [f"{v:.1f}" + ("" if c else " *") for v, c in zip(annual["mean_ugm3"], annual["complete"])]
    fig = go.Figure(go.Bar(x=annual["year"].astype(str), y=annual["mean_ugm3"], marker_color=colours, text=text,
                           textposition="outside"))
    fig.add_hline(y=WHO_PM25_ANNUAL_UGM3, line_dash="dot", line_color="#D55E00",
                  annotation_text=f"{labels['who_annual']} ({WHO_PM25_ANNUAL_UGM3:g} µg/m³)")
    fig.update_layout(title=labels["title"], xaxis_title=labels["x"], yaxis_title=labels["y"], height=380)
    return _source_note(fig, labels["source"])
