"""Customer communication: proactive notice coverage by exception type, time to notice, the uncovered."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics import views
from ui import charts, data
from ui.drill import order_list
from ui.fmt import words
from ui.frame import download, start

page = start("Customer communication")
view, run = page.view, page.run
facts = data.exception_facts(run)
by_type = views.coverage_by_type(facts, view).with_columns(words("exception_type"))
trend = data.figures(run, ("notification_coverage",), view).with_columns(
    pct=pl.col("value") * 100, series=pl.lit("coverage"))
if by_type.height == 0:
    st.info("No decided exceptions in the selected periods.")
    st.stop()
left, right = st.columns(2)
with left:
    st.subheader("Coverage by exception type")
    shown = by_type.with_columns(pct=pl.col("coverage") * 100)
    st.plotly_chart(charts.bars(shown, "exception_type", "pct", "% covered", horizontal=True), key="cov_type")
with right:
    st.subheader("Coverage trend")
    st.plotly_chart(charts.lines(trend, "period_start", "pct", "series", "% covered"), key="cov_trend")
st.subheader("Time from exception to first proactive notice")
st.dataframe(by_type.select("exception_type", "decided", "covered", pl.col("coverage") * 100,
                            "median_hours_to_notice"), hide_index=True, key="cov_table", column_config={
    "exception_type": "Exception type", "decided": "Decided", "covered": "Covered",
    "coverage": st.column_config.NumberColumn("Coverage", format="%.1f%%"),
    "median_hours_to_notice": st.column_config.NumberColumn("Median time to notice", format="%.1f h")})
st.subheader("Uncovered exceptions (most recent first)")
gaps = views.uncovered(facts, view)
order_list(gaps.select("order_id", words("exception_type"), "opened_at", "hours_to_notice", "exception_id"),
           "uncovered", {"order_id": "Order", "exception_type": "Type",
                         "opened_at": st.column_config.DatetimeColumn("Opened (UTC)", format="D MMM YYYY, HH:mm"),
                         "hours_to_notice": st.column_config.NumberColumn("First notice after", format="%.1f h"),
                         "exception_id": "Exception"}, empty="Every decided exception was covered.")
download(gaps, "uncovered_exceptions", "dl_uncovered")
