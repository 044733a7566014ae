"""Customer communication: each communication scenario's coverage by node or carrier against its governed target,
proactive notice coverage by exception type, time to notice, the uncovered."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics import views
from metrics.catalogue import STATUS_COLOUR, load_catalogue
from metrics.units import SCENARIO_DEADLINES
from ui import charts, data
from ui.cards import MARK
from ui.drill import order_list
from ui.fmt import words
from ui.frame import download, start

page = start("Customer communication")
view, run = page.view, page.run
cat = load_catalogue()


def scenarios() -> None:
    """The scenario matrix: rows are the brief's communication scenarios, columns the network and each node or
    carrier; a cell is the share of decided units covered in time, coloured against the governed target."""
    st.subheader("Communication scenarios")
    by = st.segmented_control("By", ["node", "carrier"], default="node", format_func=lambda d: f"by {d}",
                              key="scenario_by") or "node"
    matrix = data.scenario_matrix(run, view, by)
    if matrix.height == 0:
        st.info("No communication scenario was triggered in the selected periods.")
        return
    names = data.names(run).get(by, {})
    th = data.rules(run).thresholds
    columns = ["all"] + sorted(v for v in matrix["dimension_value"].unique().to_list() if v != "all")
    heads = {v: "Network" if v == "all" else names.get(v, views.capital(v)) for v in columns}
    cells, colours = [], []
    for k in cat.scenarios:
        row = {"Scenario": k.scenario_label,
               "Deadline": f"{getattr(th, SCENARIO_DEADLINES[k.scenario or '']):g} h",
               "Target": f"≥ {k.display(data.targets(run)[k.id].green)}"}
        tint = {"Scenario": "", "Deadline": "", "Target": ""}
        for v in columns:
            got = matrix.filter((pl.col("kpi") == k.id) & (pl.col("dimension_value") == v))
            status = got["status"][0] if got.height else "none"
            row[heads[v]] = (f"{MARK[status]} {k.display(got['value'][0])} of {int(got['decided'][0]):,}"
                             if got.height and got["value"][0] is not None else "–")
            tint[heads[v]] = f"background-color: {STATUS_COLOUR[status]}33" if status != "none" else ""
        cells.append(row)
        colours.append(tint)
    table = pl.DataFrame(cells).to_pandas()
    styled = table.style.apply(lambda _: pl.DataFrame(colours).to_pandas(), axis=None)
    st.dataframe(styled, hide_index=True, key="scenario_matrix", column_config={
        "Scenario": st.column_config.TextColumn("Scenario", pinned=True, width=170)})
    st.caption("Each cell: the share of the scenario's decided units covered by its notice before the deadline "
               "and before the customer's first contact, of how many were decided, over the selected periods. "
               "● on target, ▲ between the targets, ■ worse than red. Deadlines and targets are governed "
               "(Governance page); the definitions are in the KPI catalogue.")


scenarios()
facts = data.exception_facts(run)
by_type = views.coverage_by_type(facts, view).with_columns(words("exception_type"))
trend = views.with_interval(data.figures(run, ("notification_coverage",), view), cat.kpi("notification_coverage"))
trend = trend.with_columns(pct=pl.col("value") * 100, series=pl.lit("coverage"))
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
    fig = charts.lines(trend, "period_start", "pct", "series", "% covered")
    charts.band(fig, trend, 100, charts.PALETTE[0])
    st.plotly_chart(fig, key="cov_trend")
    st.caption("Shaded: the 95 % interval of each week's coverage (Wilson): weeks whose bands overlap may "
               "differ by chance alone.")
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
