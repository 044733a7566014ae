"""Data quality: loads, check results by table and rule, warnings trend, freshness, rejected rows."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics import views
from ui import charts, data
from ui.fmt import words
from ui.frame import banner, download, routed

routed()
st.title("Data quality")
run = data.run_id()
loads = data.loads(run)
if loads.height == 0:
    st.info("No loads yet: `wismo load FOLDER` or `wismo demo --load`.")
    st.stop()
status = banner()
c1, c2, c3 = st.columns(3)
c1.metric("Loads", f"{loads.height:,}", border=True)
c2.metric("Refused", f"{loads.filter(pl.col('status') == 'refused').height:,}", border=True)
c3.metric("Newest carrier scan", f"{status.newest_scan:%-d %b %Y %H:%M} UTC" if status.newest_scan else "–",
          border=True, help="The contract's freshness rule warns when the newest scan is more than 24 h older "
                            "than a load's as-of; the banner compares it with today.")

st.subheader("What the figures can be computed from")
matrix = views.coverage_matrix(data.missing_inputs(run))
absent = matrix.filter(pl.col("figure") == "no data")
st.caption("Each KPI against the inputs it needs (a table with rows, or a column with values). A KPI missing one "
           "shows **no data**, never a coloured 0 % or 100 %, and is left out of alerts and the brief's verdicts."
           + (f" {absent.height} of {matrix.height} have no data now." if absent.height else " All are measured."))
st.dataframe(matrix, hide_index=True, key="coverage")

st.subheader("Loads")
st.dataframe(loads.with_columns(words("status")), hide_index=True, key="loads", column_config={
    "load_id": "Load", "started_at": st.column_config.DatetimeColumn("Started (UTC)", format="D MMM YYYY, HH:mm"),
    "finished_at": st.column_config.DatetimeColumn("Finished (UTC)", format="D MMM YYYY, HH:mm"),
    "as_of": st.column_config.DatetimeColumn("Data as of (UTC)", format="D MMM YYYY, HH:mm"),
    "status": "Outcome", "user_name": "By", "source": "From", "row_counts": "Rows",
    "blocking_failures": "Blocking failures", "warnings": "Warning rows"})
load_ids = loads["load_id"].to_list()
picked = st.selectbox("Check results of load", load_ids, key="load_pick")
checks = data.check_summary(run, picked)
if checks.height:
    left, right = st.columns([2, 3])
    with left:
        st.plotly_chart(charts.bars(views.pass_rates(checks), "table_name", "pass_rate", "% rules passed",
                                    horizontal=True), key="pass_rates")
    with right:
        failed = checks.filter(~pl.col("passed"))
        if failed.height:
            st.dataframe(failed.with_columns(words("severity")).drop("passed"), hide_index=True, key="failed_checks",
                         column_config={"table_name": "Table", "rule": "Rule", "severity": "Severity",
                                        "column_name": "Column", "checked_rows": "Checked", "failing_rows": "Failing",
                                        "message": st.column_config.TextColumn("What it means", width="large")})
        else:
            st.success("Every check of this load passed.")
st.subheader("Warnings per load")
trend = loads.select("finished_at", "warnings", "blocking_failures").sort("finished_at").unpivot(
    index="finished_at", variable_name="series", value_name="rows").with_columns(
    pl.col("series").replace({"warnings": "warning rows", "blocking_failures": "blocking failures"}))
st.plotly_chart(charts.lines(trend, "finished_at", "rows", "series", "failing rows"), key="warn_trend")
st.subheader("Rejected and warned rows")
rej = data.rejected(run)
st.dataframe(rej.with_columns(words("severity")), hide_index=True, key="rejected", column_config={
    "load_id": "Load", "file": "File", "row_number": "Row", "table_name": "Table", "column_name": "Column",
    "rule": "Rule", "severity": "Severity", "value": "Value"})
download(rej, "rejected_rows", "dl_rejected")
