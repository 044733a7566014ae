"""Plotly figure builders shared by pages (layout helpers: no aggregation here)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl

from metrics.catalogue import STATUS_COLOUR
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
