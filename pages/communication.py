"""Customer communication: proactive notice coverage by exception type, time to notice, the uncovered."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics import views
from ui import charts, data
from ui.frame import download, start

page = start("Customer communication")
view, run = page.view, page.run
facts = data.exception_facts(run)
by_type = views.coverage_by_type(facts, view)
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
st.dataframe(by_type.select("exception_type", "decided", "covered", pl.col("coverage").round(3),
                            pl.col("median_hours_to_notice").round(1)), hide_index=True, key="cov_table")
st.subheader("Uncovered exceptions (most recent first)")
gaps = views.uncovered(facts, view)
st.dataframe(gaps, hide_index=True, key="uncovered")
download(gaps, "uncovered_exceptions", "dl_uncovered")
