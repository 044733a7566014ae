"""Carriers: activation, stale scans, feed latency, on-time delivery, exceptions, WISMO and SLA breaches."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics.catalogue import load_catalogue
from ui import charts, data
from ui.fmt import STATUS_ICON, each, md, scale
from ui.frame import download, orders_behind, start

KPIS = ["tracking_activation_ontime", "stale_in_transit", "ontime_delivery", "order_exception_rate",
        "wismo_contact_rate", "notification_coverage"]

page = start("Carriers")
status, view, run = page.status, page.view, page.run
cat = load_catalogue()
period = data.reporting_period(run, view, status.as_of)
card = data.scorecard(run, view, "carrier", period, tuple(KPIS))
if card.height == 0:
    st.info("No carrier figures in the selected periods.")
    st.stop()

lat = data.latency(run, view)
lat_now = lat.filter(pl.col("period_start") == period).select(
    pl.col("carrier_id").alias("carrier"), pl.col("p50_hours").round(1).alias("Feed latency p50 (h)"),
    pl.col("p90_hours").round(1).alias("Feed latency p90 (h)"))
acts = data.figures(run, ("tracking_activation_ontime",), view, "carrier").filter(
    pl.col("period_start") == period).select(
    pl.col("dimension_value").alias("carrier"),
    (pl.col("denominator") - pl.col("numerator")).cast(pl.Int64).alias("Activation SLA breaches (orders)"))
shown = card.select("carrier", *[
    pl.concat_str([pl.col(f"{k}__status").replace_strict(STATUS_ICON, default="○"), pl.lit(" "),
                   each(card, k, cat.kpi(k).display)])
    .alias(cat.kpi(k).title) for k in KPIS]).join(lat_now, on="carrier", how="left").join(
    acts, on="carrier", how="left").join(data.carrier_slas(run), on="carrier", how="left")
st.subheader(f"Scorecard, {view.grain} starting {period:%Y-%m-%d}")
st.dataframe(shown, hide_index=True, key="carrier_scorecard")
download(shown, "carrier_scorecard", "dl_carrier")

kpi_id = st.query_params.get("kpi") if st.query_params.get("kpi") in KPIS else KPIS[0]
kpi_id = st.selectbox("Trend of", KPIS, index=KPIS.index(kpi_id), format_func=lambda k: cat.kpi(k).title,
                      key="carrier_trend_kpi")
st.query_params["kpi"] = kpi_id
k = cat.kpi(kpi_id)
trend = data.figures(run, (kpi_id,), view, "carrier").with_columns(shown=pl.col("value") * scale(k))
st.plotly_chart(charts.lines(trend, "period_start", "shown", "dimension_value", k.title), key="carrier_trend")

st.subheader("Feed latency (received − scanned)")
if lat.height:
    st.plotly_chart(charts.lines(lat.filter(pl.col("carrier_id") != "all"), "period_start", "p90_hours",
                                 "carrier_id", "p90 hours"), key="latency_chart")
carriers = card["carrier"].to_list()
current = st.query_params.get("carrier_detail")
chosen = st.selectbox("Carrier detail", carriers, index=carriers.index(current) if current in carriers else 0,
                      key="carrier_detail")
st.query_params["carrier_detail"] = chosen
for c in carriers:
    row = card.filter(pl.col("carrier") == c)
    if row["tracking_activation_ontime__status"][0] == "red":
        st.warning(f"{md(c)}: tracking activation off target "
                   f"({cat.kpi('tracking_activation_ontime').display(row['tracking_activation_ontime'][0])}): "
                   "escalate per the carrier's milestone SLA.")

orders_behind(view, run, "carrier", chosen, "carrier_contacts")
