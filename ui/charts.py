"""Plotly figure builders shared by pages (layout helpers: no aggregation here)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl

from metrics.catalogue import STATUS_COLOUR, Kpi
from ui.fmt import PALETTE, plot_text


def lines(df: pl.DataFrame, x: str, y: str, series: str, y_title: str, height: int = 340) -> go.Figure:
    fig = go.Figure()
    df = df.with_columns(plot_text(series).alias(series))
    for i, name in enumerate(df[series].unique(maintain_order=True).to_list()):
        s = df.filter(pl.col(series) == name)
        fig.add_trace(go.Scatter(x=s[x].to_list(), y=s[y].to_list(), name=name, mode="lines+markers",
                                 line={"color": PALETTE[i % len(PALETTE)], "width": 2}))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, yaxis_title=y_title,
                      legend={"orientation": "h", "y": -0.2}, hovermode="x unified")
    return fig


def bars(df: pl.DataFrame, x: str, y: str, y_title: str, colour: str | None = None, height: int = 320,
         horizontal: bool = False) -> go.Figure:
    labels = df.select(plot_text(x))[x].to_list()
    colours = [STATUS_COLOUR.get(c, PALETTE[0]) for c in df[colour].to_list()] if colour else PALETTE[0]
    bar = (go.Bar(y=labels, x=df[y].to_list(), orientation="h", marker_color=colours) if horizontal
           else go.Bar(x=labels, y=df[y].to_list(), marker_color=colours))
    fig = go.Figure(bar)
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      **({"xaxis_title": y_title} if horizontal else {"yaxis_title": y_title}))
    return fig


def selected(event: Any, field: str = "x") -> str | None:
    """The label of the first selected point of a plotly chart event, if any."""
    try:
        points = event.selection.points
    except AttributeError:
        points = (event or {}).get("selection", {}).get("points", [])
    if not points:
        return None
    p = points[0]
    value = p.get(field) if isinstance(p, dict) else getattr(p, field, None)
    return None if value is None else str(value).replace("&lt;", "<").replace("&gt;", ">")


AVOIDABLE, TRUE_DEMAND, BEFORE = "#D55E00", "#0072B2", "#999999"


def cause_bars(causes: pl.DataFrame, this_label: str, before_label: str, height: int | None = None) -> go.Figure:
    """Contacts by cause, this period (avoidable orange, true demand blue) against the comparison (grey):
    avoidable causes first (the order of ``causes``), on horizontal bars that keep long labels readable."""
    rows = causes.reverse()  # plotly draws the first row at the bottom
    labels = rows.select(plot_text("cause_label"))["cause_label"].to_list()
    colours = [AVOIDABLE if a else TRUE_DEMAND for a in rows["avoidable"].fill_null(False).to_list()]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=labels, x=rows["comparison"].to_list(), orientation="h", name=f"{before_label}",
                         marker_color=BEFORE, hovertemplate="%{x:,.1f}<extra>" + before_label + "</extra>"))
    fig.add_trace(go.Bar(y=labels, x=rows["this_period"].to_list(), orientation="h", name=this_label,
                         marker_color=colours, text=rows["this_period"].to_list(), textposition="outside",
                         hovertemplate="%{x:,}<extra>" + this_label + "</extra>"))
    fig.update_layout(barmode="group", height=height or 60 + 34 * max(rows.height, 1),
                      margin={"l": 10, "r": 30, "t": 10, "b": 10}, showlegend=False, xaxis_title="WISMO contacts",
                      bargap=0.25)
    return fig


def against_target(series: pl.DataFrame, network: pl.DataFrame, name: str, kpi: Kpi, target: float,
                   height: int = 280) -> go.Figure:
    """One node's (or carrier's) trend of a KPI with its 95 % interval shaded (``series`` with lo/hi, from
    metrics.views.with_interval), the network's beside it, and the target as a dashed line."""
    fig = go.Figure()
    band(fig, series, kpi.scale, PALETTE[0])
    for df, label, colour, width in ((network, "All", "#999999", 1.5), (series, name, PALETTE[0], 3)):
        fig.add_trace(go.Scatter(x=df["period_start"].to_list(), y=(df["value"] * kpi.scale).to_list(),
                                 name=label.replace("<", "&lt;"), mode="lines+markers",
                                 line={"color": colour, "width": width}))
    fig.add_hline(y=target * kpi.scale, line_dash="dash", line_color="#8a8a8a",
                  annotation_text=f"target {kpi.display(target)}", annotation_position="top left")
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, yaxis_title=kpi.unit_words,
                      legend={"orientation": "h", "y": -0.25}, hovermode="x unified")
    return fig


def band(fig: go.Figure, df: pl.DataFrame, scale: float, colour: str, label: str = "95 % interval") -> None:
    """The 95 % interval of each period's value as a shaded band (no band where there are no bounds): a value
    whose band overlaps the last one's may differ by chance alone."""
    if "lo" not in df.columns:
        return
    b = df.filter(pl.col("lo").is_not_null() & pl.col("hi").is_not_null())
    if b.height < 2:
        return
    x = b["period_start"].to_list()
    fig.add_trace(go.Scatter(x=x + x[::-1], y=(b["hi"] * scale).to_list() + (b["lo"] * scale).to_list()[::-1],
                             fill="toself", fillcolor=_tint(colour), line={"width": 0}, hoverinfo="skip",
                             name=label, showlegend=True))


def _tint(hex_colour: str, alpha: float = 0.18) -> str:
    r, g, b = (int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"
