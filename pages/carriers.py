"""Carriers: ranked worst first on a KPI, the worst one in detail with its milestone SLA (activation, stale
scans, feed latency, escalation), its feed conflicts and the status messages its feed did not support, down to
the orders behind them."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from metrics.catalogue import load_catalogue
from metrics.views import conflict_counts
from ui import data
from ui.drill import order_list, ranking
from ui.fmt import md, words
from ui.frame import download, start

page = start("Carriers")
cat = load_catalogue()
KPIS = [k.id for k in cat.kpis if k.number and "carrier" in k.cuts] + [
    "ontime_delivery", "stale_in_transit", "feed_conflict_rate", "status_message_accuracy"]


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
    st.caption(f"Escalation (late scans, feed conflicts): {md(m.escalation) or 'not named (set it on the Governance page)'}")
    feeds(carrier, period)


def feeds(carrier: str, period: dt.date) -> None:
    """What the carrier's feed and the order system disagreed on, and the messages it did not support."""
    conflicts, messages = data.feed_checks(page.run, carrier=carrier, period=period, grain=page.view.grain)
    st.markdown("**Feed conflicts** — shipments handed over in the period whose carrier scans and order-system "
                "statuses disagree beyond the governed tolerance (source-of-truth hierarchy on the Governance page)")
    if conflicts.height == 0:
        st.caption("None in the period.")
    else:
        st.dataframe(conflict_counts(conflicts).with_columns(words("kind")).select("shipments", "kind"),
                     hide_index=True, key="conflict_kinds", column_config={
                         "shipments": st.column_config.NumberColumn("Shipments", width=80),
                         "kind": st.column_config.TextColumn("Disagreement", width="large")})
        order_list(conflicts.select("order_id", "shipment_id", "what", "handed_over_at"), "conflict_list", {
            "order_id": "Order", "shipment_id": "Shipment",
            "what": st.column_config.TextColumn("What disagrees", width="large"),
            "handed_over_at": st.column_config.DatetimeColumn("Handed over (UTC)", format="D MMM YYYY, HH:mm")})
        download(conflicts.drop("what"), f"feed_conflicts_{carrier}_{period}", "dl_conflicts")
    st.markdown("**Status messages not supported by the source of truth** — sent before (or without) the fact "
                "they announce")
    order_list(messages.select("order_id", words("notification_type"), "sent_at", "why"), "message_list", {
        "order_id": "Order", "notification_type": "Message",
        "sent_at": st.column_config.DatetimeColumn("Sent (UTC)", format="D MMM YYYY, HH:mm"),
        "why": st.column_config.TextColumn("Why it was not supported", width="large")},
        empty="Every status message in the period was supported.")
    if messages.height:
        download(messages.drop("why"), f"unsupported_messages_{carrier}_{period}", "dl_messages")


ranking(page, "carrier", KPIS, milestone_sla)
