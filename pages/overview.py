"""Overview: the eight KPIs against target, reduction or deflection, causes, movers, freshness."""

from __future__ import annotations

import datetime as dt
from functools import partial

import plotly.graph_objects as go
import streamlit as st

from metrics import views
from metrics.catalogue import STATUS_WORD
from metrics.views import View
from reporting.brief import iso_week
from ui import charts, data
from ui.fmt import STATUS_ICON, md, spark, unit_label
from ui.frame import link_params, start

page = start("WISMO command centre")
status, view, run = page.status, page.view, page.run
overdue = data.overdue_actions(run, dt.date.today())
if overdue:
    st.warning(f"{len(overdue)} governance action(s) overdue.")
    st.page_link("pages/governance.py", label="Open the governance workspace", icon=":material/gavel:")
as_of = page.as_of
period = data.reporting_period(run, view, as_of)
if period is None:
    st.info("No shipped orders or contacts in the selected periods: widen the date range.")
    st.stop()
dim, val = view.slice
head, button = st.columns([4, 1], vertical_alignment="bottom")
head.subheader(f"{view.grain.capitalize()} starting {period:%Y-%m-%d}" + (f" · {dim} {md(val)}" if val != "all" else ""))
weekly = View(grain="week", start=view.start, end=view.end)
week = iso_week(period if view.grain == "week" else data.reporting_period(run, weekly, as_of) or period)
button.download_button(f"Brief {week} (PDF)", data=partial(data.brief_pdf, week), file_name=f"wismo-brief-{week}.pdf",
                       mime="application/pdf", on_click="ignore", icon=":material/picture_as_pdf:", key="brief_pdf",
                       help="The weekly executive brief: all nodes and carriers, the same figures as this page's "
                            "weekly view.")

tiles = data.tiles(run, view, period)
cols = st.columns(4)
for i, t in enumerate(tiles):
    k = t.kpi
    with cols[i % 4]:
        target = k.display(t.target.green)
        st.metric(
            f"{STATUS_ICON[t.status]} {k.title}", k.display(t.value), delta=t.delta_text(),
            delta_color="inverse" if k.good == "down" else "normal",
            help=f"{k.definition}\n\nTarget: {target} ({'or lower' if k.good == 'down' else 'or higher'}). "
                 f"Numerator {t.numerator:,.0f}, denominator {t.denominator:,.0f}." if t.value is not None
            else k.definition,
            chart_data=spark(k, t.spark), chart_type="line", border=True,
        )
        note = f" · {view.grain} of {t.period:%Y-%m-%d}" if t.period and t.period != period else ""
        st.caption(f"{STATUS_WORD[t.status]} · target {target}{note}")
        if t.status == "red":
            st.page_link("pages/nodes.py", label="Which nodes?", icon=":material/arrow_forward:",
                         query_params=link_params(kpi=k.id))
            st.page_link("pages/carriers.py", label="Which carriers?", icon=":material/arrow_forward:",
                         query_params=link_params(kpi=k.id))

st.divider()
left, right = st.columns([3, 2])
with left:
    st.subheader("Reduction or deflection?")
    series = data.deflection(run, view)
    if series.height == 0:
        st.info("No shipped orders in the selected periods.")
    else:
        st.plotly_chart(charts.lines(series, "period_start", "per_100", "series", "per 100 shipped orders"),
                        key="deflection_chart")
        st.markdown(f"**Verdict for {period:%Y-%m-%d}:** {views.verdict(series, period, view.grain)}")
with right:
    st.subheader("Avoidable vs true demand")
    contacts = data.cause_contacts(run, view)
    split = views.avoidable_split(contacts)
    if split.height:
        fig = go.Figure(go.Pie(labels=split["kind"].to_list(), values=split["contacts"].to_list(), hole=0.5,
                               marker={"colors": ["#D55E00", "#0072B2", "#999999"]}, sort=False))
        fig.update_layout(height=300, margin={"l": 10, "r": 10, "t": 10, "b": 10})
        st.plotly_chart(fig, key="split_chart")
        st.page_link("pages/drivers.py", label="What drives avoidable contacts?", icon=":material/arrow_forward:",
                     query_params=link_params())
    else:
        st.info("No WISMO contacts in the selected periods.")

st.subheader("Biggest movers")
moved = views.movers(tiles)
if not moved:
    st.caption("No KPI has a previous period to compare with.")
for t, direction in moved:
    st.markdown(f"- **{t.kpi.title}**: {t.kpi.display(t.previous)} → {t.kpi.display(t.value)} "
                f"({t.delta_text()}, {direction}) · {unit_label(t.kpi)}")
