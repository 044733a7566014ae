"""Overview: the eight KPIs against target by colour, what moved against which period, which causes drive
avoidable contacts this period, and whether a fall in contacts is reduction or deflection."""

from __future__ import annotations

import datetime as dt
from functools import partial

import streamlit as st

from metrics import views
from metrics.costs import cost_words
from reporting.brief import iso_week
from ui import charts, data, tiles
from ui.fmt import md
from ui.frame import link_params, start

page = start("WISMO command centre")
status, view, run = page.status, page.view, page.run
overdue = data.overdue_actions(run, dt.date.today())
if overdue:
    st.warning(f"{len(overdue)} governance action(s) overdue.")
    st.page_link("pages/governance.py", label="Open the governance workspace", icon=":material/gavel:")
period = data.reporting_period(run, view, page.as_of)
if period is None:
    st.info("No shipped orders or contacts in the selected periods: widen the date range.")
    st.stop()
dim, val = view.slice
where = f" · {dim} {md(data.names(run).get(dim, {}).get(val, val))}" if val != "all" else ""
window = views.comparison(period, view.grain, view.compare)
head, button = st.columns([4, 1], vertical_alignment="bottom")
head.subheader(f"{views.capital(views.period_words(period, view.grain))}{where}")
head.caption(f"Changes against the {window.words}.")
weekly = views.View(grain="week", start=view.start, end=view.end)
week = iso_week(period if view.grain == "week" else data.reporting_period(run, weekly, page.as_of) or period)
button.download_button(f"Brief {week} (PDF)", data=partial(data.brief_pdf, week, view.compare),
                       file_name=f"wismo-brief-{week}.pdf", mime="application/pdf", on_click="ignore",
                       icon=":material/picture_as_pdf:", key="brief_pdf",
                       help="The weekly executive brief: all nodes and carriers, the same figures as this page's "
                            "weekly view, against the same comparison.")

all_tiles = data.tiles(run, view, period)
missing = data.missing_inputs(run)
cards = []
for t in all_tiles:
    links = [(f"Worst {cut}s", tiles.href({"node": "nodes", "carrier": "carriers"}[cut], link_params(kpi=t.kpi.id)))
             for cut in t.kpi.cuts if t.status in ("red", "amber")]
    earlier = views.period_words(t.period, view.grain) if t.period and t.period != period else ""
    cards.append(tiles.tile(t, links, tiles.note(t, missing, earlier)))
st.html(tiles.grid(cards))

left, right = st.columns([2, 3])
with left:
    st.subheader("Reduction or deflection?")
    series = data.deflection(run, view)
    st.markdown(md(views.verdict(series, period, view.grain)))
with right:
    st.subheader("Avoidable contacts by cause")
    causes = data.cause_comparison(run, view, period)
    by_cause, rates = data.demand_cost(run, view, period)
    headline = next((t for t in all_tiles if t.kpi.id == "wismo_contact_rate" and t.period == period), None)
    st.markdown(md(cost_words(by_cause, rates, headline.denominator if headline else None,
                              f"in the {views.period_words(period, view.grain)}", views.CAUSE_LABELS)))
    if causes.height == 0:
        st.info("No WISMO contacts in this period or the comparison period.")
    else:
        st.plotly_chart(charts.cause_bars(causes, views.period_words(period, view.grain), window.words),
                        key="cause_chart", config={"displayModeBar": False})
        st.caption(f"Orange: avoidable (a process gap); blue: true demand; grey: the {window.words}"
                   + (", per period" if window.first != window.last else "") + ".")
        st.page_link("pages/drivers.py", label="What drives them?", icon=":material/arrow_forward:",
                     query_params=link_params())

left, right = st.columns([2, 3])
with left:
    if series.height:
        st.plotly_chart(charts.lines(series, "period_start", "per_100", "series", "per 100 shipped orders",
                                     height=260), key="deflection_chart", config={"displayModeBar": False})
with right:
    st.subheader("What moved most")
    moved = views.movers(all_tiles)
    if not moved:
        st.caption(f"No KPI changed against the {window.words}.")
    for t in moved:
        sig = t.signal.verdict if t.signal and t.signal.verdict != "too little history" else ""
        st.markdown(f"- **{md(t.kpi.title)}**: {md(t.kpi.display(t.previous))} → {md(t.kpi.display(t.value))} "
                    f"({md(t.change_words())})" + (f" — **{sig}**" if t.signal and t.signal.significant
                                                     else f" — {sig}" if sig else ""))
