"""Order timeline: one order as a care agent would read it aloud — where it stands, from which nodes, with which
carriers and tracking numbers, and every event in words, each contact with its cause."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from core.words import word
from metrics import views
from ui import data
from ui.fmt import PALETTE, md, plot_text, words
from ui.frame import banner, routed

routed()
st.title("Order timeline")
status = banner()
run = data.run_id()
order_id = st.text_input("Order id", value=st.query_params.get("order", ""), key="order_id").strip()
if not order_id:
    st.info("Type an order id, or follow a link from a contact or exception list.")
    st.stop()
st.query_params["order"] = order_id
t = data.order_timeline(run, order_id)
if t["order"].height == 0:
    st.warning(f"No order {md(order_id)} in the store.")
    st.stop()
assert status.as_of is not None
summary = views.order_summary(t, status.as_of, data.names(run))
st.subheader(f"Order {md(order_id)}: {md(summary.status)}")
facts = [("Placed", f"{summary.placed:%-d %b %Y, %H:%M} UTC"), ("Promised by", f"{summary.promised:%a %-d %b %Y}"),
         ("Sales channel", summary.sales_channel), ("Fulfilled from", ", ".join(summary.nodes) or "–"),
         ("Carrier", ", ".join(summary.carriers) or "not assigned yet"),
         ("Tracking number", ", ".join(summary.tracking) or "none yet")]
st.markdown("  \n".join(f"**{name}:** {md(value)}" for name, value in facts))
st.caption(f"As known at {status.as_of:%-d %b %Y %H:%M} UTC.")

tl = t["timeline"]
lanes = ["Order", "Lines", "Shipments", "Carrier scans", "Exceptions", "Notifications", "Contacts"]
fig = go.Figure()
for i, lane in enumerate(lanes):
    s = tl.filter(pl.col("lane") == lane).with_columns(plot_text("what"))
    if s.height:
        fig.add_trace(go.Scatter(x=s["at"].to_list(), y=[lane] * s.height, mode="markers", name=lane,
                                 text=s["what"].to_list(), hovertemplate="%{x|%-d %b %H:%M}<br>%{text}<extra></extra>",
                                 marker={"size": 12, "color": PALETTE[i % len(PALETTE)]}))
fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10}, showlegend=False,
                  yaxis={"categoryorder": "array", "categoryarray": lanes[::-1]})
st.plotly_chart(fig, key="timeline_chart", config={"displayModeBar": False})
st.markdown("**What happened, in order**")
st.dataframe(tl.select("at", "lane", "what"), hide_index=True, key="timeline_table", column_config={
    "at": st.column_config.DatetimeColumn("When (UTC)", format="ddd D MMM YYYY, HH:mm", width=190),
    "lane": st.column_config.TextColumn("What", width=110), "what": st.column_config.TextColumn("Event", width="large")})
with st.expander(f"Contacts ({t['contacts'].height})", expanded=True):
    c = t["contacts"]
    if c.height:
        st.dataframe(c.select("created_at", words("reason"), words("channel"), words("handled_by"), "cause_words",
                              "csat_score", "contact_id"), hide_index=True, key="tbl_contacts", column_config={
            "created_at": st.column_config.DatetimeColumn("Asked at (UTC)", format="D MMM YYYY, HH:mm"),
            "reason": "Reason", "channel": "Channel", "handled_by": "Handled by", "cause_words": "Cause",
            "csat_score": "CSAT (1–5)", "contact_id": "Contact"})
conflicts, unsupported = data.feed_checks(run, order_id=order_id)
with st.expander(f"Feeds and status messages ({conflicts.height + unsupported.height} to look at)",
                 expanded=bool(conflicts.height or unsupported.height)):
    found = [f"Shipment {md(r['shipment_id'])}: {md(r['what'])}." for r in conflicts.iter_rows(named=True)]
    found += [f"{md(word(r['notification_type']))} message sent {r['sent_at']:%-d %b %H:%M} UTC: {md(r['why'])}."
              for r in unsupported.iter_rows(named=True)]
    st.markdown("\n".join(f"- {line}" for line in found) if found else
                "The carrier feed and the order system agree on every shipment of this order, and the source of "
                "truth supported every status message it was sent.")
for name in ("lines", "shipments", "scans", "exceptions", "notifications"):
    with st.expander(f"{name.capitalize()} ({t[name].height}): the rows as loaded"):
        st.dataframe(t[name], hide_index=True, key=f"tbl_{name}")
