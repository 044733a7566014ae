"""Fulfillment nodes: every KPI per node with red/amber/green, trends, and one node in detail."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics.catalogue import load_catalogue
from metrics.views import KPI_IDS
from ui import charts, data
from ui.fmt import STATUS_ICON, each, md, scale, spark
from ui.frame import download, orders_behind, start

DIMENSION, TITLE = "node", "Fulfillment nodes"
DETAIL = ["inventory_accuracy", "order_exception_rate", "tracking_activation_ontime", "wismo_contact_rate",
          "notification_coverage"]

page = start(TITLE)
status, view, run = page.status, page.view, page.run
cat = load_catalogue()
period = data.reporting_period(run, view, status.as_of)
card = data.scorecard(run, view, DIMENSION, period)
if card.height == 0:
    st.info("No figures for any node in the selected periods.")
    st.stop()

st.subheader(f"Scorecard, {view.grain} starting {period:%Y-%m-%d}")
shown = card.select(DIMENSION, *[
    pl.concat_str([pl.col(f"{k}__status").replace_strict(STATUS_ICON, default="○"), pl.lit(" "),
                   each(card, k, cat.kpi(k).display)])
    .alias(cat.kpi(k).title) for k in KPI_IDS])
st.dataframe(shown, hide_index=True, key="scorecard")
st.caption("● on target · ▲ watch · ■ off target · ○ no data")
download(card, f"{DIMENSION}_scorecard", "dl_scorecard")

kpi_id = st.query_params.get("kpi") if st.query_params.get("kpi") in KPI_IDS else KPI_IDS[0]
kpi_id = st.selectbox("Trend of", KPI_IDS, index=KPI_IDS.index(kpi_id), format_func=lambda k: cat.kpi(k).title,
                      key="trend_kpi")
st.query_params["kpi"] = kpi_id
k = cat.kpi(kpi_id)
trend = data.figures(run, (kpi_id,), view, DIMENSION).with_columns(shown=pl.col("value") * scale(k))
st.caption("Click a line's point to open that " + DIMENSION + ".")
event = st.plotly_chart(charts.lines(trend, "period_start", "shown", "dimension_value", k.title),
                        key="trend_chart", on_select="rerun", selection_mode="points")
choices = card[DIMENSION].to_list()
clicked = None
if event and event.selection.points:
    curve = event.selection.points[0].get("curve_number")
    names = trend["dimension_value"].unique(maintain_order=True).to_list()
    clicked = names[curve] if curve is not None and curve < len(names) else None
current = clicked or st.query_params.get(DIMENSION + "_detail")
current = current if current in choices else choices[0]
detail = st.selectbox(f"{DIMENSION.capitalize()} detail", choices, index=choices.index(current), key="detail")
st.query_params[DIMENSION + "_detail"] = detail

st.subheader(f"{md(detail)}")
fig_data = data.figures(run, tuple(DETAIL), view, DIMENSION).filter(pl.col("dimension_value") == detail)
cols = st.columns(len(DETAIL))
for col, kid in zip(cols, DETAIL, strict=True):
    s = fig_data.filter(pl.col("kpi") == kid).sort("period_start")
    kk = cat.kpi(kid)
    now = s.filter(pl.col("period_start") == period)["value"]
    v = now[0] if now.len() else None
    col.metric(kk.title, kk.display(v), help=kk.definition, border=True,
               chart_data=spark(kk, s.tail(12)["value"].to_list()))
    target = data.targets(run)[kid]
    col.caption(f"{STATUS_ICON[kk.status(v, target)]} target {kk.display(target.green)}")

orders_behind(view, run, "node", detail, "node_contacts")
