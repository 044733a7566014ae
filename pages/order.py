"""Order timeline: one order's lines, shipments, scans, exceptions, notices and contacts on one axis."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from ui import data
from ui.fmt import PALETTE, md, plot_text
from ui.frame import routed

routed()

st.title("Order timeline")
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
o = t["order"].row(0, named=True)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Placed", f"{o['placed_at']:%Y-%m-%d %H:%M}")
c2.metric("Promised by", f"{o['promised_delivery_date']}")
c3.metric("Sales channel", str(o["channel"]))
c4.metric("Status", "cancelled" if o["cancelled_at"] else f"{t['shipments'].height} shipment(s)")
tl = t["timeline"]
lanes = ["Order", "Lines", "Shipments", "Carrier scans", "Exceptions", "Notifications", "Contacts"]
fig = go.Figure()
for i, lane in enumerate(lanes):
    s = tl.filter(tl["lane"] == lane).with_columns(plot_text("what"))
    if s.height:
        fig.add_trace(go.Scatter(x=s["at"].to_list(), y=[lane] * s.height, mode="markers", name=lane,
                                 text=s["what"].to_list(), hovertemplate="%{x|%Y-%m-%d %H:%M}<br>%{text}",
                                 marker={"size": 12, "color": PALETTE[i % len(PALETTE)]}))
fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 10, "b": 10}, showlegend=False,
                  yaxis={"categoryorder": "array", "categoryarray": lanes[::-1]})
st.plotly_chart(fig, key="timeline_chart")
st.dataframe(tl, hide_index=True, key="timeline_table")
for name in ("lines", "shipments", "scans", "exceptions", "notifications", "contacts"):
    with st.expander(f"{name.capitalize()} ({t[name].height})", expanded=name == "contacts"):
        st.dataframe(t[name], hide_index=True, key=f"tbl_{name}")
