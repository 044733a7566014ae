"""Demand drivers: WISMO contacts by cause, their trend, and where the avoidable ones come from."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from metrics import views
from metrics.costs import demand_cost
from ui import charts, data
from ui.drill import CONTACT_COLUMNS, order_list
from ui.fmt import PALETTE, md, plot_text, words
from ui.frame import download, start

page = start("Demand drivers")
view, run = page.view, page.run
contacts = data.cause_contacts(run, view)
if contacts.height == 0:
    st.info("No WISMO contacts in the selected periods.")
    st.stop()

span = views.span_words(view, contacts)
pareto = views.pareto(contacts, avoidable_only=True)
kinds = {r["kind"]: r["contacts"] for r in views.avoidable_split(contacts).iter_rows(named=True)}
st.subheader("Avoidable WISMO contacts by cause")
st.caption(f"{views.capital(span)}: {kinds.get('Avoidable', 0):,} avoidable contacts, "
           f"{kinds.get('True demand', 0):,} true demand and {kinds.get('Unlinked', 0):,} without an order. "
           "Click a bar to list its contacts.")
fig = go.Figure()
fig.add_trace(go.Bar(x=pareto.select(plot_text("cause_label"))["cause_label"].to_list(),
                     y=pareto["contacts"].to_list(), name="contacts", marker_color="#D55E00"))
fig.add_trace(go.Scatter(x=pareto["cause_label"].to_list(), y=(pareto["cumulative"] * 100).to_list(),
                         name="cumulative %", yaxis="y2", mode="lines+markers", line={"color": "#8a8a8a"}))
fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis_title="contacts",
                  yaxis2={"overlaying": "y", "side": "right", "range": [0, 105], "title": "cumulative %"},
                  legend={"orientation": "h", "y": -0.3})
event = st.plotly_chart(fig, key="pareto_chart", on_select="rerun", selection_mode="points")
clicked = charts.selected(event)
label_to_cause = dict(zip(pareto["cause_label"], pareto["cause"], strict=True))
cause = label_to_cause.get(clicked or "") or st.query_params.get("cause")
if clicked and label_to_cause.get(clicked):
    st.query_params["cause"] = label_to_cause[clicked]

rates = data.costs(run)
priced = demand_cost(contacts, rates, dt.datetime.min.replace(tzinfo=dt.UTC), dt.datetime.max.replace(tzinfo=dt.UTC))
spent = priced.filter(pl.col("avoidable"))
st.markdown(f"**What they cost**, {md(span)}: {rates.money(float(spent['cost'].sum()))} for the avoidable contacts, "
            f"of {rates.money(float(priced['cost'].sum()))} for all WISMO contacts (the cost of a contact by channel "
            "and handler is governed: Governance page, `wismo governance set-cost`).")
st.dataframe(spent.with_columns(cause=pl.col("cause").replace_strict(views.CAUSE_LABELS, default=pl.col("cause")))
             .select("cause", "contacts", "cost"), hide_index=True, key="cause_costs", column_config={
                 "cause": "Avoidable cause", "contacts": st.column_config.NumberColumn("Contacts", format="%d"),
                 "cost": st.column_config.NumberColumn(f"Cost ({rates.currency})", format="%,.2f")})

st.subheader("Trend by cause")
st.caption(views.capital(span) + ".")
trend = views.cause_trend(contacts, view.grain)
fig = go.Figure()
for i, c in enumerate(views.CAUSE_ORDER):
    s = trend.filter(pl.col("cause") == c)
    if s.height:
        fig.add_trace(go.Bar(x=s["period_start"].to_list(), y=s["contacts"].to_list(),
                             name=views.CAUSE_LABELS[c], marker_color=PALETTE[i % len(PALETTE)]))
fig.update_layout(barmode="stack", height=360, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                  legend={"orientation": "h", "y": -0.25})
st.plotly_chart(fig, key="cause_trend_chart")

period = data.reporting_period(run, view, page.as_of)
st.subheader("Avoidable share of WISMO contacts")
if period is not None:
    st.caption(f"By node and by carrier in the {views.period_words(period, view.grain)}; by channel and handler "
               f"over {span}.")
names = data.names(run)
c1, c2 = st.columns(2)
for col, dim in ((c1, "node"), (c2, "carrier")):
    with col:
        card = data.scorecard(run, view, dim, period, ("avoidable_wismo_share",))
        if card.height:
            shown = card.with_columns(pl.col(dim).replace_strict(names[dim], default=pl.col(dim)),
                                      share=pl.col("avoidable_wismo_share") * 100)
            st.plotly_chart(charts.bars(shown, dim, "share", "% avoidable", colour="avoidable_wismo_share__status"),
                            key=f"avoidable_{dim}")
c3, c4 = st.columns(2)
for col, by in ((c3, "contact_channel"), (c4, "handled_by")):
    with col:
        split = views.cause_split(contacts, by).with_columns(words(by), share=pl.col("avoidable_share") * 100)
        st.plotly_chart(charts.bars(split, by, "share", "% avoidable"), key=f"split_{by}")

if cause:
    st.subheader(f"Contacts: {md(views.CAUSE_LABELS.get(cause, cause))}")
    listing = contacts.filter(pl.col("cause") == cause).sort("created_at", descending=True)
    order_list(listing.select("order_id", "created_at", words("contact_channel"), words("handled_by"), "contact_id"),
               "cause_contacts", CONTACT_COLUMNS)
    download(listing.select("contact_id", "order_id", "created_at", "contact_channel", "handled_by", "cause"),
             f"contacts_{cause}", "dl_cause_contacts")
