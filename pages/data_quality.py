"""Data quality: loads, check results by table and rule, warnings trend, freshness, rejected rows."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ui import charts, data
from ui.frame import download, routed

routed()

st.title("Data quality")
run = data.run_id()
loads = data.loads(run)
if loads.height == 0:
    st.info("No loads yet: `wismo load FOLDER` or `wismo demo --load`.")
    st.stop()
status = data.status()
c1, c2, c3, c4 = st.columns(4)
c1.metric("Loads", f"{loads.height:,}", border=True)
c2.metric("Refused", f"{loads.filter(pl.col('status') == 'refused').height:,}", border=True)
newest = status.newest_scan
as_of = status.as_of
c3.metric("Newest carrier scan", f"{newest:%Y-%m-%d %H:%M}" if newest else "–", border=True)
lag = (as_of - newest).total_seconds() / 3600 if newest and as_of else None
c4.metric("Scan freshness at as-of", f"{lag:.1f} h" if lag is not None else "–", border=True,
          help="The contract's freshness rule warns when the newest scan is more than 24 h older than as-of.")

st.subheader("Loads")
st.dataframe(loads, hide_index=True, key="loads")
load_ids = loads["load_id"].to_list()
picked = st.selectbox("Check results of load", load_ids, key="load_pick")
checks = data.check_summary(run, picked)
if checks.height:
    rates = (checks.group_by("table_name").agg(rules=pl.len(), passed=pl.col("passed").sum())
             .with_columns(pass_rate=pl.col("passed") / pl.col("rules") * 100).sort("table_name"))
    left, right = st.columns([2, 3])
    with left:
        st.plotly_chart(charts.bars(rates, "table_name", "pass_rate", "% rules passed", horizontal=True),
                        key="pass_rates")
    with right:
        st.dataframe(checks.filter(~pl.col("passed")), hide_index=True, key="failed_checks")
st.subheader("Warnings per load")
trend = loads.select("finished_at", "warnings", "blocking_failures").sort("finished_at").unpivot(
    index="finished_at", variable_name="series", value_name="rows")
st.plotly_chart(charts.lines(trend, "finished_at", "rows", "series", "failing rows"), key="warn_trend")
st.subheader("Rejected and warned rows")
rej = data.rejected(run)
st.dataframe(rej, hide_index=True, key="rejected")
download(rej, "rejected_rows", "dl_rejected")
