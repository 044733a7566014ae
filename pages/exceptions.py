"""Exceptions: open backlog, ageing buckets, average age trend, by type, owner, node and carrier."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics import views
from ui import charts, data
from ui.drill import order_list
from ui.fmt import words
from ui.frame import download, start

page = start("Exceptions")
status, view, run = page.status, page.view, page.run
facts = data.exception_facts(run)
open_now = views.backlog(facts, page.as_of, view)

c1, c2, c3 = st.columns(3)
c1.metric("Open exceptions at as-of", f"{open_now.height:,}", border=True)
c2.metric("Average age", f"{open_now['age_days'].mean():.1f} d" if open_now.height else "–", border=True)
c3.metric("Older than 7 days", f"{open_now.filter(pl.col('age_days') >= 7).height:,}", border=True)
if open_now.height == 0:
    st.info("No open exceptions at as-of.")
else:
    left, right = st.columns(2)
    with left:
        st.subheader("Ageing")
        st.plotly_chart(charts.bars(views.bucket_counts(open_now), "bucket", "count", "open exceptions"),
                        key="ageing_chart")
    with right:
        st.subheader("Average age trend")
        trend = data.figures(run, ("exception_age_days",), view).with_columns(series=pl.lit("average age"))
        st.plotly_chart(charts.lines(trend, "period_start", "value", "series", "days"), key="age_trend")
    names = data.names(run)
    shown = open_now.with_columns(words("exception_type"), words("owner_team"),
                                  pl.col("node_id").replace_strict(names["node"], default=pl.col("node_id")),
                                  pl.col("carrier_id").replace_strict(names["carrier"], default=pl.col("carrier_id")))
    cols = st.columns(4)
    for col, (by, title) in zip(cols, (("exception_type", "By type"), ("owner_team", "By owning team"),
                                       ("node_id", "By node"), ("carrier_id", "By carrier")), strict=True):
        with col:
            st.caption(title)
            st.plotly_chart(charts.bars(views.count_by(shown, by), by, "count", "open", horizontal=True,
                                        height=260), key=f"open_by_{by}")
    st.subheader("Oldest open exceptions")
    order_list(shown.head(50).select("order_id", "exception_type", "owner_team", "node_id", "carrier_id", "opened_at",
                                     "age_days", "exception_id"), "oldest", {
        "order_id": "Order", "exception_type": "Type", "owner_team": "Owner", "node_id": "Node",
        "carrier_id": "Carrier", "opened_at": st.column_config.DatetimeColumn("Opened (UTC)", format="D MMM YYYY, HH:mm"),
        "age_days": st.column_config.NumberColumn("Age", format="%.1f days"), "exception_id": "Exception"})
    download(open_now.drop("bucket"), "open_exceptions", "dl_open")
