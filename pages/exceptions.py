"""Exceptions: open backlog, ageing buckets, average age trend, by type, owner, node and carrier."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics import views
from ui import charts, data
from ui.frame import download, link_params, start

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
    cols = st.columns(4)
    for col, by in zip(cols, ("exception_type", "owner_team", "node_id", "carrier_id"), strict=True):
        with col:
            st.caption(by.replace("_", " ").replace(" id", ""))
            st.plotly_chart(charts.bars(views.count_by(open_now, by), by, "count", "open", horizontal=True,
                                        height=260), key=f"open_by_{by}")
    st.subheader("Oldest open exceptions")
    oldest = open_now.head(50).select("exception_id", "order_id", "exception_type", "owner_team", "node_id",
                                      "carrier_id", "opened_at", pl.col("age_days").round(1))
    st.dataframe(oldest, hide_index=True, key="oldest", on_select="rerun", selection_mode="single-row")
    download(open_now.drop("bucket"), "open_exceptions", "dl_open")
    sel = st.session_state.get("oldest")
    if sel and sel.selection.rows:
        oid = oldest["order_id"][sel.selection.rows[0]]
        st.page_link("pages/order.py", label=f"Open order {oid}", icon=":material/timeline:",
                     query_params=link_params(order=oid))
