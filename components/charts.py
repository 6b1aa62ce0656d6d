"""Plotly figure factories: units on axes, WHO levels labelled, source under every chart, gaps kept as gaps."""
from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from geo.guidelines import BAND_COLOURS, GuidelineLevels
from geo.i18n import format_number, plotly_separators

SERIES_COLOUR = "#0072B2"
FLAG_COLOUR = "#D55E00"
LEVEL_COLOUR = "#555555"
NOTE_LINE_CHARS = 140  # a note under a chart wraps: one long line runs off the chart's right edge


NOTE_LINE_PX = 15  # height of one line of the source note (11 px type)
NOTE_SHIFT_PX = -58  # the note's top below the plot: under the tick labels and the axis title
TOP_LEGEND = {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "xanchor": "left"}  # under the title


def source_note(fig: go.Figure, text: str, lang: str) -> go.Figure:
    """The source under the chart, below the axis title at any chart height (so it travels inside an exported
    image), and the language's decimal and thousands separators on ticks and hovers."""
    lines = textwrap.wrap(text, NOTE_LINE_CHARS)
    fig.update_layout(separators=plotly_separators(lang))
    fig.add_annotation(text="<br>".join(lines), xref="paper", yref="paper", x=0, y=0, yanchor="top", yshift=NOTE_SHIFT_PX,
                       showarrow=False, xanchor="left", align="left", font={"size": 11, "color": "#555"})
    fig.update_layout(margin={"l": 60, "t": 50, "b": 64 + NOTE_LINE_PX * len(lines)})
    return fig


def presentation_type(fig: go.Figure, size: int) -> go.Figure:
    """A copy of a chart in `size` px type for a slide: every label scaled, the source note moved down as far as
    the larger tick labels and axis title need, and the bottom margin grown to keep it inside the picture."""
    fig = go.Figure(fig).update_layout(font_size=size).update_annotations(font_size=size - 5)
    grow = size / 12
    fig.update_layout(margin={"t": int((fig.layout.margin.t or 50) * grow)})  # a two-line title, larger
    for note in fig.layout.annotations:
        if note.yshift == NOTE_SHIFT_PX:
            lines = note.text.count("<br>") + 1
            note.yshift = NOTE_SHIFT_PX * grow
            fig.update_layout(margin={"b": -NOTE_SHIFT_PX * grow + 8 + (size - 3) * 1.3 * lines})
    return fig


def title_above_legend(fig: go.Figure) -> None:
    """The title at the top and the legend on a row of its own under it, so neither prints over the other."""
    fig.update_layout(title={"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 10}}, legend=TOP_LEGEND)
    fig.update_layout(margin={"t": 80})


def every_year(annual: pd.DataFrame) -> pd.DataFrame:
    """One row per calendar year from the first to the last, missing years empty: the axis keeps their gap."""
    years = range(int(annual["year"].min()), int(annual["year"].max()) + 1) if len(annual) else []
    return annual.set_index("year").reindex(years).rename_axis("year").reset_index()


def _level_lines(fig: go.Figure, levels: GuidelineLevels | None, lang: str, orientation: str = "h") -> None:
    """Dashed lines at the interim targets and a bold one at the guideline level, each labelled."""
    if levels is None:
        return
    if orientation == "h":  # labels at the right edge: room for "AQG 5" / "IT-1 35" beside the plot
        fig.update_layout(margin={"r": 80})
    for name, value in levels.levels_ugm3():
        style = {"line_dash": "solid" if name == "AQG" else "dot", "line_color": FLAG_COLOUR if name == "AQG"
                 else LEVEL_COLOUR, "line_width": 2 if name == "AQG" else 1,
                 "annotation_text": f"{name} {format_number(value, lang)}", "annotation_font_size": 10}
        if orientation == "h":
            fig.add_hline(y=value, annotation_position="right", **style)
        else:
            fig.add_vline(x=value, annotation_position="top", **style)


def daily_series_figure(daily: pd.DataFrame, levels: GuidelineLevels | None, labels: dict[str, str]) -> go.Figure:
    """Daily means (quality-controlled) as a line that breaks on missing days; flagged values as crosses."""
    ok = daily[daily["qc_flag"] == "ok"].set_index("date")["value"]
    every_day = ok.asfreq("D") if len(ok) else ok  # missing days become NaN: a break in the line
    flagged = daily[daily["qc_flag"] != "ok"]
    fig = go.Figure(go.Scattergl(x=every_day.index, y=every_day.to_numpy(), mode="lines", name=labels["series"],
                                 line={"width": 1, "color": SERIES_COLOUR}, connectgaps=False))
    if len(flagged):
        fig.add_trace(go.Scattergl(x=flagged["date"], y=flagged["value"], mode="markers", name=labels["flagged"],
                                   marker={"symbol": "x", "size": 5, "color": FLAG_COLOUR},
                                   text=flagged["qc_flag"], hovertemplate="%{x|%Y-%m-%d}: %{y} (%{text})"))
    _level_lines(fig, levels, labels["lang"])
    fig.update_layout(title=labels["title"], xaxis_title=labels["x"], yaxis_title=labels["y"], height=440)
    fig.update_xaxes(tickformat=labels["date_ticks"])
    source_note(fig, labels["source"], labels["lang"])
    title_above_legend(fig)
    return fig


def annual_bar_figure(annual: pd.DataFrame, levels: GuidelineLevels | None, labels: dict[str, str]) -> go.Figure:
    """Annual means per year coloured by WHO band; incomplete years pale and starred, not hidden; a year with no
    record keeps its place on the axis, empty."""
    annual = every_year(annual)
    colours = [BAND_COLOURS.get(b, "#cccccc") if c is True else "#e0e0e0" for b, c in zip(annual["band"], annual["complete"])]
    text = ["" if pd.isna(v) else format_number(v, labels["lang"], 1) + ("" if c is True else " *")
            for v, c in zip(annual["mean"], annual["complete"])]
    fig = go.Figure(go.Bar(x=annual["year"].astype(str), y=annual["mean"], marker_color=colours, text=text,
                           textposition="outside", cliponaxis=False, marker_line={"color": "#333", "width": 0.5}))
    _level_lines(fig, levels, labels["lang"])
    fig.update_layout(title=labels["title"], xaxis_title=labels["x"], yaxis_title=labels["y"], height=400)
    return source_note(fig, labels["source"], labels["lang"])


def exceedance_figure(annual: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Days above the WHO 24-hour level per year, with the valid days of each year in the hover."""
    annual = every_year(annual)
    fig = go.Figure(go.Bar(x=annual["year"].astype(str), y=annual["days_above_24h_aqg"], marker_color=SERIES_COLOUR,
                           text=["" if pd.isna(d) else int(d) for d in annual["days_above_24h_aqg"]], textposition="outside",
                           customdata=annual["valid_days"], hovertemplate="%{x}: %{y} / %{customdata}"))
    fig.add_hline(y=4, line_dash="dot", line_color=FLAG_COLOUR, annotation_text=labels["allowed"],
                  annotation_position="top left")
    fig.update_layout(title=labels["title"], xaxis_title=labels["x"], yaxis_title=labels["y"], height=360)
    return source_note(fig, labels["source"], labels["lang"])


def calendar_figure(daily: pd.DataFrame, year: int, levels: GuidelineLevels | None,
                    labels: dict[str, str]) -> go.Figure:
    """A month × day grid of one year's daily values; the colour scale is cut at the WHO levels."""
    days = daily[(daily["date"].dt.year == year) & (daily["qc_flag"] == "ok")]
    grid = days.pivot_table(index=days["date"].dt.month, columns=days["date"].dt.day, values="value")
    grid = grid.reindex(index=range(1, 13), columns=range(1, 32))
    fig = go.Figure(go.Heatmap(z=grid.to_numpy(), x=list(grid.columns), y=labels["months"], colorscale="YlOrRd",
                               zmin=0, zmax=max(levels.levels_ugm3()[0][1] if levels else 0,
                                                float(days["value"].quantile(0.95)) if len(days) else 1),
                               colorbar={"title": labels["y"]}, hoverongaps=False, xgap=1, ygap=1,
                               hovertemplate="%{y} %{x}: %{z:.1f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(title=labels["title"], xaxis_title=labels["x"], height=380, plot_bgcolor="#f4f4f4")
    return source_note(fig, labels["source"], labels["lang"])


def profile_figure(profile: pd.DataFrame, x: str, labels: dict[str, str]) -> go.Figure:
    """Mean by hour of day or by month, one line per season or a single line."""
    fig = go.Figure()
    for name, group in profile.groupby("series", sort=False):
        fig.add_trace(go.Scatter(x=group[x], y=group["mean"], mode="lines+markers", name=str(name)))
    fig.update_layout(title=labels["title"], xaxis_title=labels["x"], yaxis_title=labels["y"], height=360)
    source_note(fig, labels["source"], labels["lang"])
    title_above_legend(fig)
    return fig


def city_comparison_figure(annual: pd.DataFrame, levels: GuidelineLevels | None,
                           labels: dict[str, str]) -> go.Figure:
    """Cities' annual means, ordered, each bar coloured by its WHO band and labelled with it."""
    ordered = annual.sort_values("mean")
    fig = go.Figure(go.Bar(
        x=ordered["mean"], y=ordered["city"], orientation="h",
        marker_color=[BAND_COLOURS[b] for b in ordered["band"]], marker_line={"color": "#333", "width": 0.5},
        text=[f"{format_number(m, labels['lang'], 1)} · {labels['bands'][b]}" for m, b in zip(ordered["mean"], ordered["band"])],
        textposition="outside", cliponaxis=False))
    _level_lines(fig, levels, labels["lang"], orientation="v")
    fig.update_layout(title=labels["title"], xaxis_title=labels["x"], height=max(300, 40 * len(ordered) + 150))
    return source_note(fig, labels["source"], labels["lang"])



def indicator_comparison_figure(rows: pd.DataFrame, reference: tuple[str, float] | None,
                                labels: dict[str, str]) -> go.Figure:
    """Cities' values of one indicator on one year as horizontal bars, best at the top by the indicator's rank;
    a region's value (not the city's) pale and marked ᴿ, an imputed one marked *; a city without a value that
    year listed with the words "no data" and no bar. `rows`: city (name), value, rank, level, flags."""
    rows = rows.assign(_order=rows["rank"].fillna(rows["value"].rank() + 1000).fillna(10_000))
    rows = rows.sort_values(["_order", "city"], ascending=[False, False])
    regional = rows["level"].eq("region")
    text = []
    for value, is_region, flags in zip(rows["value"], regional, rows["flags"].fillna("")):
        if pd.isna(value):
            text.append(labels["no_data"])
            continue
        text.append(format_number(value, labels["lang"], labels.get("digits")) + (" ᴿ" if is_region else "")
                    + (" *" if "imputed" in str(flags).split(";") else ""))
    colours = ["#9ecae1" if r else SERIES_COLOUR for r in regional]
    fig = go.Figure(go.Bar(x=rows["value"].fillna(0), y=rows["city"], orientation="h", marker_color=colours,
                           text=text, textposition="outside", cliponaxis=False,
                           marker_line={"color": "#333", "width": 0.5}))
    if reference is not None:
        label, value = reference
        fig.add_vline(x=value, line_dash="solid", line_color=FLAG_COLOUR, line_width=2,
                      annotation_text="<br>".join(textwrap.wrap(f"{label}: {format_number(value, labels['lang'])}",
                                                                40)),
                      annotation_position="bottom right", annotation_align="left", annotation_font_size=12,
                      annotation_bgcolor="rgba(255,255,255,.85)")
    fig.update_layout(title=labels["title"], xaxis_title=labels["x"], height=max(320, 44 * len(rows) + 180))
    fig.update_xaxes(range=[0, float(rows["value"].max() if rows["value"].notna().any() else 1) * 1.25])
    return source_note(fig, labels["source"], labels["lang"])
