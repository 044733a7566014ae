"""Carriers: ranked worst first on a KPI, the worst one in detail with its milestone SLA (activation, stale
scans, feed latency, escalation), down to the orders behind it."""

from __future__ import annotations

import streamlit as st

from metrics.catalogue import load_catalogue
from ui import data
from ui.drill import ranking
from ui.fmt import md
from ui.frame import start

page = start("Carriers")
cat = load_catalogue()
KPIS = [k.id for k in cat.kpis if k.number and "carrier" in k.cuts] + ["ontime_delivery", "stale_in_transit"]


def milestone_sla(carrier: str) -> None:
    period = data.reporting_period(page.run, page.view, page.as_of)
    if period is None:
        return
    m = data.milestones(page.run, page.view, period, carrier)
    st.markdown("**Milestone SLA**")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Activation SLA", f"{m.activation_hours:g} h", border=True,
              help="Hours from label to the first carrier scan (governed; the carriers table, else the default).")
    c2.metric("Late activations", "–" if m.late_activations is None else f"{m.late_activations:,} of {m.decided:,}",
              border=True, help="Decided orders whose tracking was not activated within the SLA, this period.")
    c3.metric("Feed latency p50 / p90", "–" if m.p50_hours is None else f"{m.p50_hours:.1f} / {m.p90_hours:.1f} h",
              border=True, help="Hours from a scan to its arrival with us, this period.")
    c4.metric("Stale after", f"{m.stale_hours:g} h", border=True,
              help="Hours without a scan before a shipment in transit counts as stale.")
    st.caption(f"Escalation: {md(m.escalation) or 'not named (set it on the Governance page)'}")


ranking(page, "carrier", KPIS, milestone_sla)
