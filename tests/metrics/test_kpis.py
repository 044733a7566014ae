"""Each KPI on a tiny inline fixture; every expected number is worked out by hand in the comments.

ISO weeks used: 2025-12-15, 2025-12-22, 2025-12-29 (ISO 2026-W01, holds 1-4 January 2026),
2026-01-05, 2026-01-12.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from metrics.engine import Filters, Request, compute, context
from metrics.portable import DuckDBBackend, PolarsBackend
from tests.metrics.build import frames, rows, t

ENGINES = [PolarsBackend, DuckDBBackend]


def kpi(data, kpi_id, as_of, grain="week", cut="all", engine=PolarsBackend, **filters):  # type: ignore[no-untyped-def]
    req = Request(as_of=t(as_of), grain=grain, cut=cut, kpis=(kpi_id,), filters=Filters(**filters))
    return rows(compute(data, req, backend=engine()), kpi_id)


def order(oid: str, placed: str = "2025-12-28 10:00", **kw) -> dict:  # type: ignore[no-untyped-def]
    return {"order_id": oid, "customer_id": "K" + oid, "channel": kw.pop("channel", "web"), "placed_at": placed,
            "promised_delivery_date": kw.pop("promised", "2026-01-08"), "delivery_method": "ship", **kw}


def ship(sid: str, oid: str, node: str, carrier: str, label: str, shipped: str | None = None,
         delivered: str | None = None) -> dict:
    return {"shipment_id": sid, "order_id": oid, "node_id": node, "carrier_id": carrier, "service_level": "ground",
            "tracking_number": "T" + sid, "label_created_at": label, "shipped_at": shipped, "delivered_at": delivered}


def contact(cid: str, oid: str | None, created: str, reason: str = "order_status", handled: str = "agent",
            **kw) -> dict:  # type: ignore[no-untyped-def]
    return {"contact_id": cid, "order_id": oid, "customer_id": kw.pop("customer", "K" + str(oid)), "channel": "chat",
            "handled_by": handled, "reason": reason, "created_at": created, **kw}


def event(eid: str, sid: str, status: str, at: str, received: str) -> dict:
    return {"event_id": eid, "shipment_id": sid, "status": status, "event_at": at, "received_at": received}


CARRIERS = [{"carrier_id": "C1", "name": "One", "activation_sla_hours": None},
            {"carrier_id": "C2", "name": "Two", "activation_sla_hours": 36.0}]


# ---- KPI 1 and the agent-only rate --------------------------------------------------------------

WISMO = frames(
    orders=[order("O1"), order("O2"), order("O3", "2025-12-23 10:00"), order("O4", "2026-01-08 10:00"),
            order("O5", "2026-01-05 10:00")],
    order_lines=[{"order_id": "O5", "line_id": "L2", "node_id": "N2"},
                 {"order_id": "O5", "line_id": "L1", "node_id": "N1"}],
    shipments=[
        ship("S1", "O1", "N1", "C1", "2025-12-29 10:00", "2025-12-29 14:00"),
        # O2: a tie on label time; the smaller id S2a is primary, shipped 30 Dec
        ship("S2b", "O2", "N2", "C2", "2025-12-29 09:00", "2026-01-05 08:00"),
        ship("S2a", "O2", "N1", "C1", "2025-12-29 09:00", "2025-12-30 08:00"),
        ship("S3", "O3", "N2", "C2", "2025-12-24 10:00", "2025-12-24 12:00"),
        ship("S4", "O4", "N2", "C2", "2026-01-09 10:00", "2026-01-10 06:00"),  # shipped after as-of
    ],
    contacts=[
        contact("K1", "O1", "2025-12-30 09:00"),
        contact("K2", "O2", "2025-12-31 09:00", handled="bot"),
        contact("K3", "O3", "2026-01-02 09:00"),
        contact("K4", None, "2026-01-03 09:00", customer="KX"),
        contact("K5", "O5", "2026-01-06 09:00"),
        contact("K6", "O1", "2026-01-11 09:00"),  # after as-of
        contact("K7", "O1", "2025-12-30 09:00", reason="delivery_issue"),  # not WISMO
        contact("K8", "O404", "2026-01-07 09:00"),  # an order not in the data
    ],
)
AS_OF_1 = "2026-01-10 00:00"


@pytest.mark.parametrize("engine", ENGINES)
def test_wismo_contact_rate_by_week(engine):
    """Contacts by created_at over shipped orders by primary shipped_at; zero denominator gives no value."""
    # week 12-22: O3 shipped, no contact. week 12-29: K1 K2 K3 K4 / O1 O2. week 01-05: K5 K8 / none.
    assert kpi(WISMO, "wismo_contact_rate", AS_OF_1, engine=engine) == [
        ("2025-12-22", "all", 0, 1, 0.0), ("2025-12-29", "all", 4, 2, 2.0), ("2026-01-05", "all", 2, 0, None)]


def test_agent_rate_counts_only_agent_contacts():
    """The agent-only rate leaves out the bot-contained K2."""
    assert kpi(WISMO, "wismo_agent_contact_rate", AS_OF_1) == [
        ("2025-12-22", "all", 0, 1, 0.0), ("2025-12-29", "all", 3, 2, 1.5), ("2026-01-05", "all", 2, 0, None)]


def test_wismo_contact_rate_by_node_uses_primary_node_and_unattributed():
    """A tie picks the smaller shipment id; no shipment falls back to the smallest line; no order is unattributed."""
    assert kpi(WISMO, "wismo_contact_rate", AS_OF_1, cut="node") == [
        ("2025-12-22", "N2", 0, 1, 0.0),
        ("2025-12-29", "N1", 2, 2, 1.0), ("2025-12-29", "N2", 1, 0, None), ("2025-12-29", "unattributed", 1, 0, None),
        ("2026-01-05", "N1", 1, 0, None), ("2026-01-05", "unattributed", 1, 0, None)]


def test_wismo_contact_rate_by_carrier_has_unassigned():
    """An order with no shipment is carrier 'unassigned'."""
    assert kpi(WISMO, "wismo_contact_rate", AS_OF_1, cut="carrier") == [
        ("2025-12-22", "C2", 0, 1, 0.0),
        ("2025-12-29", "C1", 2, 2, 1.0), ("2025-12-29", "C2", 1, 0, None), ("2025-12-29", "unattributed", 1, 0, None),
        ("2026-01-05", "unassigned", 1, 0, None), ("2026-01-05", "unattributed", 1, 0, None)]


def test_wismo_contact_rate_by_month_across_the_year_boundary():
    """December: K1 K2 / O3 O1 O2. January: K3 K4 K5 K8 / none shipped."""
    assert kpi(WISMO, "wismo_contact_rate", AS_OF_1, grain="month") == [
        ("2025-12-01", "all", 2, 3, 0.666667), ("2026-01-01", "all", 4, 0, None)]


def test_wismo_contact_rate_by_day():
    """Day grain places each contact and shipped order on its UTC day."""
    assert kpi(WISMO, "wismo_contact_rate", AS_OF_1, grain="day") == [
        ("2025-12-24", "all", 0, 1, 0.0), ("2025-12-29", "all", 0, 1, 0.0), ("2025-12-30", "all", 1, 1, 1.0),
        ("2025-12-31", "all", 1, 0, None), ("2026-01-02", "all", 1, 0, None), ("2026-01-03", "all", 1, 0, None),
        ("2026-01-06", "all", 1, 0, None), ("2026-01-07", "all", 1, 0, None)]


def test_filters_by_channel_node_and_period():
    """A channel filter keeps units whose order has that channel; node filter and period range apply."""
    data = dict(WISMO)
    data["orders"] = WISMO["orders"].with_columns(
        channel=pl.when(pl.col("order_id") == "O1").then(pl.lit("app")).otherwise(pl.col("channel")))
    # app: only O1 (shipped 12-29) and its contact K1
    assert kpi(data, "wismo_contact_rate", AS_OF_1, channels=("app",)) == [("2025-12-29", "all", 1, 1, 1.0)]
    # node N2: O3 (12-22) and K3 (12-29)
    assert kpi(WISMO, "wismo_contact_rate", AS_OF_1, nodes=("N2",)) == [
        ("2025-12-22", "all", 0, 1, 0.0), ("2025-12-29", "all", 1, 0, None)]
    assert kpi(WISMO, "wismo_contact_rate", AS_OF_1, start=dt.date(2025, 12, 29), end=dt.date(2025, 12, 29)) == [
        ("2025-12-29", "all", 4, 2, 2.0)]


# ---- KPI 2 -----------------------------------------------------------------------------------------

ACTIVATION = frames(
    carriers=CARRIERS,
    orders=[order(f"P{i}", "2025-12-28 10:00") for i in range(1, 10)],
    shipments=[
        ship("A1", "P1", "N1", "C1", "2026-01-02 00:00"), ship("A2", "P2", "N1", "C1", "2026-01-02 00:00"),
        ship("A3", "P3", "N1", "C2", "2026-01-02 00:00"), ship("A4", "P4", "N1", "C1", "2026-01-09 12:00"),
        ship("A5", "P5", "N1", "C1", "2026-01-08 00:00"),
        ship("A6a", "P6", "N1", "C1", "2026-01-03 00:00"), ship("A6b", "P6", "N2", "C2", "2026-01-04 00:00"),
        ship("A7a", "P7", "N1", "C1", "2026-01-03 00:00"), ship("A7b", "P7", "N1", "C1", "2026-01-09 20:00"),
        ship("A8", "P8", "N1", "C1", "2026-01-04 00:00"), ship("A9", "P9", "N1", "C1", "2026-01-04 00:00"),
    ],
    tracking_events=[
        event("e1", "A1", "info_received", "2026-01-02 00:30", "2026-01-02 01:00"),  # label data: not activation
        event("e2", "A1", "in_transit", "2026-01-02 19:00", "2026-01-02 20:00"),  # 20 h: on time
        event("e3", "A2", "in_transit", "2026-01-02 23:00", "2026-01-03 01:00"),  # 25 h: late
        event("e4", "A3", "in_transit", "2026-01-03 10:00", "2026-01-03 11:00"),  # 35 h of C2's 36 h
        event("e5", "A6a", "in_transit", "2026-01-03 04:00", "2026-01-03 05:00"),
        event("e6", "A7a", "in_transit", "2026-01-03 01:00", "2026-01-03 02:00"),
        event("e7", "A8", "in_transit", "2026-01-04 20:00", "2026-01-05 00:00"),  # exactly at the deadline
        event("e8", "A9", "in_transit", "2026-01-04 05:00", "2026-01-10 06:00"),  # received after as-of
    ],
)


@pytest.mark.parametrize("engine", ENGINES)
def test_tracking_activation_leaves_pending_orders_out(engine):
    """Week 12-29: P1 P3 P8 on time; P2 late, P6 (second shipment never activated), P9 (scan not yet
    received) late; P7 pending. Week 01-05: P5 late; P4 pending."""
    assert kpi(ACTIVATION, "tracking_activation_ontime", "2026-01-10 00:00", engine=engine) == [
        ("2025-12-29", "all", 3, 6, 0.5), ("2026-01-05", "all", 0, 1, 0.0)]


def test_tracking_activation_later_as_of_decides_pending_orders():
    """At 12 Jan P4 and P7 have passed their SLA and P9's late scan has arrived: all late."""
    assert kpi(ACTIVATION, "tracking_activation_ontime", "2026-01-12 00:00") == [
        ("2025-12-29", "all", 3, 7, 0.428571), ("2026-01-05", "all", 0, 2, 0.0)]


def test_tracking_activation_by_carrier():
    """By the primary shipment's carrier: C1 has P1 P8 on time of P1 P2 P6 P8 P9; C2 has P3."""
    assert kpi(ACTIVATION, "tracking_activation_ontime", "2026-01-10 00:00", cut="carrier") == [
        ("2025-12-29", "C1", 2, 5, 0.4), ("2025-12-29", "C2", 1, 1, 1.0), ("2026-01-05", "C1", 0, 1, 0.0)]


# ---- KPI 3 -----------------------------------------------------------------------------------------

def line(oid, lid, node, stock, outcome=None, at=None):  # type: ignore[no-untyped-def]
    return {"order_id": oid, "line_id": lid, "sku": "X", "quantity": 1, "node_id": node,
            "promised_from_stock": stock, "line_outcome": outcome, "outcome_at": at}


INVENTORY = frames(
    orders=[order("Q1", "2025-12-31 10:00"), order("Q2", "2026-01-06 10:00")],
    order_lines=[
        line("Q1", "L1", "N1", True, "fulfilled", "2026-01-01 10:00"),
        line("Q1", "L2", "N2", True, "backordered", "2025-12-31 12:00"),
        line("Q1", "L3", "N2", True, "cancelled_customer", "2025-12-31 12:00"),  # left out
        line("Q1", "L4", "N1", False, "fulfilled", "2026-01-01 10:00"),  # not promised from stock
        line("Q1", "L5", "N1", True),  # outcome not known
        line("Q2", "L1", "N2", True, "substituted", "2026-01-07 10:00"),
        line("Q2", "L2", "N2", True, "fulfilled", "2026-01-12 10:00"),  # known only after as-of
        line("Q2", "L3", "N1", True, "cancelled_oos", "2026-01-07 10:00"),
    ],
)


@pytest.mark.parametrize("engine", ENGINES)
def test_inventory_accuracy(engine):
    """Week 12-29: L1 of L1 L2. Week 01-05: none of Q2's L1 L3."""
    assert kpi(INVENTORY, "inventory_accuracy", "2026-01-10 00:00", engine=engine) == [
        ("2025-12-29", "all", 1, 2, 0.5), ("2026-01-05", "all", 0, 2, 0.0)]


def test_inventory_accuracy_by_node_and_carrier():
    """By the line's own node; the carrier dimension is always unassigned."""
    assert kpi(INVENTORY, "inventory_accuracy", "2026-01-10 00:00", cut="node") == [
        ("2025-12-29", "N1", 1, 1, 1.0), ("2025-12-29", "N2", 0, 1, 0.0),
        ("2026-01-05", "N1", 0, 1, 0.0), ("2026-01-05", "N2", 0, 1, 0.0)]
    assert kpi(INVENTORY, "inventory_accuracy", "2026-01-10 00:00", cut="carrier") == [
        ("2025-12-29", "unassigned", 1, 2, 0.5), ("2026-01-05", "unassigned", 0, 2, 0.0)]


# ---- KPI 4 -----------------------------------------------------------------------------------------

def exc(xid, oid, node, carrier, opened, resolved=None, kind="carrier_delay"):  # type: ignore[no-untyped-def]
    return {"exception_id": xid, "order_id": oid, "node_id": node, "carrier_id": carrier, "exception_type": kind,
            "source": "carrier", "owner_team": "carrier_management", "opened_at": opened, "resolved_at": resolved}


EXC_ORDERS = frames(
    orders=[order("R1", "2025-12-30 10:00"), order("R2", "2025-12-30 10:00"),
            order("R3", "2025-12-30 10:00", cancelled_at="2025-12-31 10:00"),
            order("R4", "2025-12-30 10:00"), order("R5", "2025-12-30 10:00")],
    order_lines=[line("R1", "L1", "N1", True), line("R1", "L2", "N2", True), line("R2", "L1", "N1", True),
                 line("R3", "L1", "N1", True), line("R4", "L1", "N1", True), line("R5", "L1", "N2", True)],
    shipments=[ship("R1a", "R1", "N1", "C1", "2025-12-31 10:00"), ship("R1b", "R1", "N2", "C2", "2025-12-31 11:00"),
               ship("R2a", "R2", "N1", "C1", "2025-12-31 10:00"), ship("R5a", "R5", "N2", "C1", "2025-12-31 10:00")],
    exceptions=[exc("E1", "R1", "N2", "C2", "2026-01-02 10:00"), exc("E3", "R3", "N1", "C1", "2026-01-02 10:00"),
                exc("E4", "R4", "N1", None, "2026-01-11 10:00"),  # opened after as-of
                exc("E5", "R5", "N1", "C1", "2026-01-02 10:00")],  # accountable node N1, line at N2
)


@pytest.mark.parametrize("engine", ENGINES)
def test_order_exception_rate_excludes_cancelled_and_later_exceptions(engine):
    """R1 R2 R4 R5 (R3 cancelled); R1 and R5 have an exception by as-of."""
    assert kpi(EXC_ORDERS, "order_exception_rate", "2026-01-10 00:00", engine=engine) == [
        ("2025-12-29", "all", 2, 4, 0.5)]


def test_order_exception_rate_split_order_counts_under_two_nodes():
    """N1: R1 R2 R4, none with an N1 exception. N2: R1 R5; only R1 has an N2 exception.
    The node rows' denominators (3 + 2) exceed the total (4): the split order R1 is under both."""
    assert kpi(EXC_ORDERS, "order_exception_rate", "2026-01-10 00:00", cut="node") == [
        ("2025-12-29", "N1", 0, 3, 0.0), ("2025-12-29", "N2", 1, 2, 0.5)]


def test_order_exception_rate_by_carrier():
    """C1: R1 R2 R5, R5's exception is C1's. C2: R1 with its C2 exception. R4 has no shipment."""
    assert kpi(EXC_ORDERS, "order_exception_rate", "2026-01-10 00:00", cut="carrier") == [
        ("2025-12-29", "C1", 1, 3, 0.333333), ("2025-12-29", "C2", 1, 1, 1.0)]


# ---- KPI 5 -----------------------------------------------------------------------------------------

def note(nid, oid, kind, sent, status="sent"):  # type: ignore[no-untyped-def]
    return {"notification_id": nid, "order_id": oid, "notification_type": kind, "channel": "email",
            "sent_at": sent, "status": status}


COVERAGE = frames(
    orders=[order(f"V{i}") for i in range(1, 9)],
    exceptions=[
        exc("X1", "V1", "N1", "C1", "2026-01-02 10:00"), exc("X2", "V2", "N1", "C1", "2026-01-02 10:00"),
        exc("X3", "V3", "N1", "C2", "2026-01-02 10:00"), exc("X4", "V4", "N1", "C1", "2026-01-09 12:00"),
        exc("X5", "V5", "N1", "C1", "2026-01-09 12:00"), exc("X6", "V6", "N2", None, "2026-01-09 20:00"),
        exc("X7", "V7", "N1", "C2", "2026-01-02 10:00"), exc("X8", "V8", "N2", None, "2026-01-04 00:00"),
    ],
    notifications=[
        note("n1", "V1", "delay", "2026-01-02 20:00"),  # covered
        note("n2", "V2", "delay", "2026-01-02 11:00", "failed"),  # failed never counts
        note("n3", "V2", "exception", "2026-01-03 12:00"),  # 26 h: outside the window
        note("n4", "V3", "delay", "2026-01-02 13:00"),  # after the customer's contact at 12:00
        note("n5", "V5", "shipment_confirmation", "2026-01-09 13:00"),  # not a proactive type
        note("n6", "V6", "backorder", "2026-01-09 21:00"),  # covered while the window is still open
        note("n7", "V7", "delay", "2026-01-03 10:00"),  # exactly opened + 24 h
        note("n8", "V8", "delay", "2026-01-04 05:00"),  # same instant as the contact: not before it
    ],
    contacts=[contact("c3", "V3", "2026-01-02 12:00"), contact("c5", "V5", "2026-01-09 14:00"),
              contact("c7", "V7", "2026-01-02 09:00"),  # before the exception opened: not "the first contact"
              contact("c8", "V8", "2026-01-04 05:00", reason="other")],
)


@pytest.mark.parametrize("engine", ENGINES)
def test_notification_coverage(engine):
    """Week 12-29: X1 X7 covered of X1 X2 X3 X7 X8. Week 01-05: X6 covered of X5 X6 (X4 pending)."""
    assert kpi(COVERAGE, "notification_coverage", "2026-01-10 00:00", engine=engine) == [
        ("2025-12-29", "all", 2, 5, 0.4), ("2026-01-05", "all", 1, 2, 0.5)]


def test_notification_coverage_by_the_exceptions_own_carrier():
    """A null carrier is unassigned."""
    assert kpi(COVERAGE, "notification_coverage", "2026-01-10 00:00", cut="carrier") == [
        ("2025-12-29", "C1", 1, 2, 0.5), ("2025-12-29", "C2", 1, 2, 0.5), ("2025-12-29", "unassigned", 0, 1, 0.0),
        ("2026-01-05", "C1", 0, 1, 0.0), ("2026-01-05", "unassigned", 1, 1, 1.0)]


# ---- KPI 6 -----------------------------------------------------------------------------------------

def resolved(cid, oid, created, reason="order_status", res="+1h", **kw):  # type: ignore[no-untyped-def]
    if res == "+1h":
        res = created[:11] + f"{int(created[11:13]) + 1:02d}" + created[13:]
    return contact(cid, oid, created, reason=reason, resolved_at=res, **kw)


FCR = frames(
    orders=[order(f"W{i}") for i in range(1, 11)],
    contacts=[
        resolved("F1", "W1", "2026-01-05 10:00"),
        resolved("F2", "W2", "2026-01-05 10:00"), resolved("F2r", "W2", "2026-01-08 09:00", "delivery_issue"),
        resolved("F3", "W3", "2026-01-05 10:00"), resolved("F3r", "W3", "2026-01-06 09:00", "return_refund"),
        contact("F4", "W4", "2026-01-05 10:00"),  # never resolved
        resolved("F5", "W5", "2026-01-05 10:00", res="2026-01-21 00:00"),  # resolved after as-of
        resolved("F6", None, "2026-01-05 10:00", customer="K6"),
        resolved("F6r", "W9", "2026-01-11 09:00", customer="K6"),  # same customer, another order: a repeat of F6
        resolved("F7", "W7", "2026-01-05 10:00"), resolved("F7r", "W7", "2026-01-12 10:00"),  # exactly 7 days
        resolved("F8", "W8", "2026-01-05 10:00"), resolved("F8r", "W8", "2026-01-12 10:01"),  # 7 days + 1 minute
        resolved("F9", "W1", "2026-01-14 10:00"),  # too recent to judge
        resolved("F10", "W10", "2026-01-05 10:00"), resolved("F10b", "W10", "2026-01-05 10:00"),  # same instant
    ],
)


@pytest.mark.parametrize("engine", ENGINES)
def test_first_contact_resolution(engine):
    """Week 01-05: F1 F3 F6r F8 F10 F10b resolved without repeat, of those plus F2 F4 F5 F6 F7 (11).
    Week 01-12: F7r F8r, both fine. F9 is within the repeat window of as-of."""
    assert kpi(FCR, "first_contact_resolution", "2026-01-20 00:00", engine=engine) == [
        ("2026-01-05", "all", 6, 11, 0.545455), ("2026-01-12", "all", 2, 2, 1.0)]


# ---- KPI 7 -----------------------------------------------------------------------------------------

AGES = frames(
    orders=[order("Y")],
    exceptions=[
        exc("Y1", "Y", "N1", "C1", "2026-01-01 00:00"),
        exc("Y2", "Y", "N1", "C1", "2026-01-03 00:00", "2026-01-05 00:00"),  # resolved at the snapshot: still open
        exc("Y3", "Y", "N2", None, "2026-01-04 12:00", "2026-01-11 00:00"),  # resolution after as-of unknown
        exc("Y4", "Y", "N1", "C1", "2026-01-06 00:00", "2026-01-08 00:00"),
        exc("Y5", "Y", "N1", "C1", "2026-01-10 12:00"),  # opened at the as-of snapshot: not yet open
        exc("Y6", "Y", "N2", "C2", "2025-12-20 00:00", "2025-12-30 00:00"),
    ],
)


@pytest.mark.parametrize("engine", ENGINES)
def test_exception_age_is_a_snapshot_per_week(engine):
    """Snapshots 12-22: Y6 2 d. 12-29: Y6 9 d. 01-05: Y1 4 + Y2 2 + Y3 0.5. 01-10 12:00 (as-of): Y1 9.5 + Y3 6."""
    assert kpi(AGES, "exception_age_days", "2026-01-10 12:00", engine=engine) == [
        ("2025-12-15", "all", 2.0, 1, 2.0), ("2025-12-22", "all", 9.0, 1, 9.0),
        ("2025-12-29", "all", 6.5, 3, 2.166667), ("2026-01-05", "all", 15.5, 2, 7.75)]


def test_exception_age_by_month_is_not_the_sum_of_weeks():
    """Month snapshots: 1 Jan (nothing open: Y6 resolved, Y1 opens at that instant); as-of: Y1 9.5 + Y3 6."""
    assert kpi(AGES, "exception_age_days", "2026-01-10 12:00", grain="month") == [
        ("2026-01-01", "all", 15.5, 2, 7.75)]


# Sub-second ages, snapshot at as-of 2026-01-10 00:00:
#   Z1 opened 2026-01-05 10:00:00.0004    → 4 d 13:59:59.9996     = 395,999.9996 s
#   Z2 opened 2026-01-06 00:00:00.500001  → 3 d 23:59:59.499999   = 345,599.499999 s
#   sum 741,599.499599 s; whole milliseconds would give 741,599.498 s.
SUBSECOND_AGES = frames(orders=[order("Z")], exceptions=[
    exc("Z1", "Z", "N1", "C1", "2026-01-05 10:00:00.0004"), exc("Z2", "Z", "N1", "C1", "2026-01-06 00:00:00.500001")])


@pytest.mark.parametrize("engine", ENGINES)
def test_exception_age_is_exact_to_the_microsecond(engine):
    got = compute(SUBSECOND_AGES, Request(as_of=t("2026-01-10 00:00"), kpis=("exception_age_days",)),
                  backend=engine())
    assert got["denominator"].to_list() == [2]
    assert abs(got["numerator"][0] * 86400 - 741_599.499599) < 1e-7


class CountingBackend(PolarsBackend):
    """polars, counting what it materialises."""

    def __init__(self) -> None:
        super().__init__()
        self.materialised = 0

    def materialise(self, lf):  # type: ignore[no-untyped-def]
        self.materialised += 1
        return super().materialise(lf)


def test_one_context_serves_every_cut_and_grain_with_each_unit_set_computed_once():
    """A refresh asks one context for every cut and grain. The rows of a cut-shaped set (an order under
    each node / carrier involved) stay per cut, snapshots per grain; the figures are the hand-worked
    ones of the tests above, and asking again materialises nothing more."""
    be = CountingBackend()
    week = context(EXC_ORDERS, t("2026-01-10 00:00"), "week", backend=be)

    def got(ctx, cut):  # type: ignore[no-untyped-def]
        return rows(compute(ctx, Request(as_of=ctx.as_of, grain=ctx.grain, cut=cut,
                                         kpis=("order_exception_rate",))), "order_exception_rate")

    assert got(week, "node") == [("2025-12-29", "N1", 0, 3, 0.0), ("2025-12-29", "N2", 1, 2, 0.5)]
    assert got(week, "all") == [("2025-12-29", "all", 2, 4, 0.5)]
    assert got(week, "carrier") == [("2025-12-29", "C1", 1, 3, 0.333333), ("2025-12-29", "C2", 1, 1, 1.0)]
    after_cuts = be.materialised
    assert got(week, "node") == [("2025-12-29", "N1", 0, 3, 0.0), ("2025-12-29", "N2", 1, 2, 0.5)]
    assert got(week, "channel") == [("2025-12-29", "web", 2, 4, 0.5)]
    assert be.materialised == after_cuts  # the "all" rows serve the channel cut too

    ages = context(AGES, t("2026-01-10 12:00"), "week", backend=PolarsBackend())
    month = ages.at_grain("month")
    assert rows(compute(month, Request(as_of=month.as_of, grain="month", kpis=("exception_age_days",))),
                "exception_age_days") == [("2026-01-01", "all", 15.5, 2, 7.75)]
    assert rows(compute(ages, Request(as_of=ages.as_of, grain="week", kpis=("exception_age_days",))),
                "exception_age_days") == [
        ("2025-12-15", "all", 2.0, 1, 2.0), ("2025-12-22", "all", 9.0, 1, 9.0),
        ("2025-12-29", "all", 6.5, 3, 2.166667), ("2026-01-05", "all", 15.5, 2, 7.75)]


def test_exception_age_by_carrier():
    """By the exception's own carrier; Y3 has none."""
    assert kpi(AGES, "exception_age_days", "2026-01-10 12:00", cut="carrier") == [
        ("2025-12-15", "C2", 2.0, 1, 2.0), ("2025-12-22", "C2", 9.0, 1, 9.0),
        ("2025-12-29", "C1", 6.0, 2, 3.0), ("2025-12-29", "unassigned", 0.5, 1, 0.5),
        ("2026-01-05", "C1", 9.5, 1, 9.5), ("2026-01-05", "unassigned", 6.0, 1, 6.0)]


# ---- KPI 8 -----------------------------------------------------------------------------------------

CSAT = frames(
    orders=[order("G")],
    contacts=[
        contact("G1", "G", "2026-01-06 10:00", csat_score=5),
        contact("G2", "G", "2026-01-06 10:00", reason="delivery_issue", csat_score=4),
        contact("G3", "G", "2026-01-06 10:00", reason="return_refund", csat_score=3),
        contact("G4", "G", "2026-01-06 10:00", reason="cancel_modify", csat_score=1),
        contact("G5", "G", "2026-01-06 10:00", reason="product", csat_score=5),  # not post-purchase
        contact("G6", "G", "2026-01-06 10:00"),  # not rated
        contact("G7", "G", "2026-01-06 10:00", reason="billing", csat_score=2),
        contact("G8", "G", "2026-01-11 10:00", csat_score=4),  # after as-of
    ],
)


@pytest.mark.parametrize("engine", ENGINES)
def test_csat_post_purchase(engine):
    """G1 G2 scored 4-5 of the rated post-purchase G1 G2 G3 G4."""
    assert kpi(CSAT, "csat_post_purchase", "2026-01-10 00:00", engine=engine) == [("2026-01-05", "all", 2, 4, 0.5)]


# ---- supporting measures ---------------------------------------------------------------------------

DELIVERY = frames(
    orders=[order("D1", promised="2026-01-05"), order("D2", promised="2026-01-05"),
            order("D3", promised="2026-01-05"), order("D4", promised="2026-01-12")],
    shipments=[ship("d1", "D1", "N1", "C1", "2026-01-02 10:00", "2026-01-02 12:00", "2026-01-05 23:59"),
               ship("d2", "D2", "N1", "C1", "2026-01-02 10:00", "2026-01-02 12:00", "2026-01-06 00:01"),
               ship("d3", "D3", "N1", "C1", "2026-01-02 10:00", "2026-01-02 12:00"),  # not delivered, past due
               ship("d4", "D4", "N1", "C1", "2026-01-02 10:00", "2026-01-02 12:00")],  # not yet due
    tracking_events=[event("v", "d3", "in_transit", "2026-01-03 10:00", "2026-01-03 10:05")],
)


def test_ontime_delivery():
    """Promised 5 Jan (week 01-05): d1 on time; d2 a minute late; d3 past due. d4 is not yet due."""
    assert kpi(DELIVERY, "ontime_delivery", "2026-01-10 00:00") == [("2026-01-05", "all", 1, 3, 0.333333)]


# As-of Saturday 10 Jan 2026 00:00. A shipment enters on-time delivery once it is delivered (known by as-of)
# or its promise date has ended, whichever is first, and counts in the week of its promise date:
#   e1 promised Mon 12 Jan, delivered 8 Jan          → counted, on time, week 2026-01-12 (after as-of)
#   e2 promised 12 Jan, not delivered                → not counted (not due, not delivered)
#   e3 promised Wed 7 Jan, delivered 9 Jan           → counted, late, week 2026-01-05
#   e4 promised Tue 6 Jan, never delivered           → counted (past due), late, week 2026-01-05
#   e5 promised Tue 13 Jan, no delivered_at, a delivered scan at 9 Jan 10:00 received 11:00
#                                                    → counted, on time (the scan's event_at), week 2026-01-12
#   e6 promised Wed 14 Jan, delivered scan of 9 Jan received only at 10 Jan 02:00 (after as-of)
#                                                    → not counted (its delivery is not known at as-of)
#   e7 promised Thu 8 Jan, delivered at 9 Jan 00:00:00 exactly, the end of the promised day
#                                                    → counted, on time, week 2026-01-05
# Week 2026-01-05: e7 on time of e3, e4, e7 → 1/3; week 2026-01-12: e1, e5 of e1, e5 → 2/2.
EARLY = frames(
    orders=[order("E1", promised="2026-01-12"), order("E2", promised="2026-01-12"),
            order("E3", promised="2026-01-07"), order("E4", promised="2026-01-06"),
            order("E5", promised="2026-01-13"), order("E6", promised="2026-01-14"),
            order("E7", promised="2026-01-08")],
    shipments=[ship("e1", "E1", "N1", "C1", "2026-01-05 10:00", "2026-01-05 12:00", "2026-01-08 15:00"),
               ship("e2", "E2", "N1", "C1", "2026-01-05 10:00", "2026-01-05 12:00"),
               ship("e3", "E3", "N1", "C1", "2026-01-05 10:00", "2026-01-05 12:00", "2026-01-09 09:00"),
               ship("e4", "E4", "N1", "C1", "2026-01-05 10:00", "2026-01-05 12:00"),
               ship("e5", "E5", "N1", "C1", "2026-01-05 10:00", "2026-01-05 12:00"),
               ship("e6", "E6", "N1", "C1", "2026-01-05 10:00", "2026-01-05 12:00"),
               ship("e7", "E7", "N1", "C1", "2026-01-05 10:00", "2026-01-05 12:00", "2026-01-09 00:00")],
    tracking_events=[event("x5", "e5", "delivered", "2026-01-09 10:00", "2026-01-09 11:00"),
                     event("x6", "e6", "delivered", "2026-01-09 10:00", "2026-01-10 02:00")],
)


@pytest.mark.parametrize("engine", ENGINES)
def test_ontime_delivery_counts_an_early_delivery_in_its_later_promise_period(engine):
    """A shipment delivered before as-of counts in the week of its promise date even when that lies after
    as-of; one promised after as-of and not delivered does not count."""
    assert kpi(EARLY, "ontime_delivery", "2026-01-10 00:00", engine=engine) == [
        ("2026-01-05", "all", 1, 3, 0.333333), ("2026-01-12", "all", 2, 2, 1.0)]


def test_stale_in_transit_snapshot():
    """d3 activated 3 Jan 10:05 (scan at 10:00), never delivered: at the 5 Jan snapshot its newest scan is
    38 h old (fresh); at as-of (10 Jan) 158 h (stale)."""
    assert kpi(DELIVERY, "stale_in_transit", "2026-01-10 00:00") == [
        ("2025-12-29", "all", 0, 1, 0.0), ("2026-01-05", "all", 1, 1, 1.0)]
