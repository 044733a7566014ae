"""Cause attribution: each rule, the precedence between them, and what was known at the contact's time.

Every WISMO contact below is created at t = 2026-01-05 12:00 on its own order. The base order is on
track and visible: promised 8 Jan, labelled and shipped 2 Jan, activated 2 Jan 12:00, last scan
5 Jan 00:00 (12 h before t), not delivered. Each scenario changes one or two facts.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from metrics.engine import Request, causes, compute
from metrics.portable import DuckDBBackend, PolarsBackend
from tests.metrics.build import frames, t

T = "2026-01-05 12:00"
AS_OF = t("2026-01-10 00:00")


def scenario(name: str, promised: str = "2026-01-08", cancelled: str | None = None, ships: int = 1,
             carrier: str = "C1", label: str = "2026-01-02 00:00", delivered: str | None = None,
             events: list[tuple[str, str, str]] | None = None) -> dict[str, list[dict]]:
    """Rows of one order ``name`` with its contact at T. ``events``: (status, event_at, received_at)."""
    o = {"order_id": name, "customer_id": "K" + name, "channel": "web", "placed_at": "2026-01-01 10:00",
         "promised_delivery_date": promised, "delivery_method": "ship", "cancelled_at": cancelled}
    shipments, lines, evs = [], [], []
    for i in range(ships):
        sid = f"{name}-S{i}"
        shipments.append({"shipment_id": sid, "order_id": name, "node_id": "N1", "carrier_id": carrier,
                          "service_level": "ground", "tracking_number": sid, "label_created_at": label,
                          "shipped_at": label, "delivered_at": delivered})
        lines.append({"order_id": name, "line_id": f"L{i}", "sku": "X", "quantity": 1, "node_id": "N1",
                      "promised_from_stock": True, "line_outcome": "fulfilled", "outcome_at": label,
                      "shipment_id": sid})
        default = [("in_transit", "2026-01-02 11:00", "2026-01-02 12:00"),
                   ("in_transit", "2026-01-05 00:00", "2026-01-05 00:10")]
        for j, (status, at, rec) in enumerate(default if events is None else events):
            evs.append({"event_id": f"{sid}-e{j}", "shipment_id": sid, "status": status, "event_at": at,
                        "received_at": rec})
    return {"orders": [o], "shipments": shipments, "order_lines": lines, "tracking_events": evs,
            "contacts": [{"contact_id": name, "order_id": name, "customer_id": "K" + name, "channel": "phone",
                          "handled_by": "agent", "reason": "order_status", "created_at": T}]}


def merge(*parts: dict[str, list[dict]]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for p in parts:
        for k, v in p.items():
            out.setdefault(k, []).extend(v)
    return out


def with_(base: dict[str, list[dict]], **extra: list[dict]) -> dict[str, list[dict]]:
    return merge(base, extra)


def exc(oid: str, opened: str, resolved: str | None = None) -> dict:
    return {"exception_id": "X" + oid + opened[-5:], "order_id": oid, "node_id": "N1", "carrier_id": "C1",
            "exception_type": "carrier_delay", "source": "carrier", "owner_team": "carrier_management",
            "opened_at": opened, "resolved_at": resolved}


def note(oid: str, kind: str, sent: str, status: str = "sent") -> dict:
    return {"notification_id": f"N{oid}{kind}{sent[-5:]}{status}", "order_id": oid, "notification_type": kind,
            "channel": "sms", "sent_at": sent, "status": status}


def line(oid: str, lid: str, outcome: str | None, at: str | None, shipment: str | None = None) -> dict:
    return {"order_id": oid, "line_id": lid, "sku": "Y", "quantity": 1, "node_id": "N1",
            "promised_from_stock": True, "line_outcome": outcome, "outcome_at": at, "shipment_id": shipment}


# name → (rows, expected cause)
CASES: dict[str, tuple[dict[str, list[dict]], str]] = {
    "TD1": (scenario("TD1"), "true_demand"),
    "PM1": (scenario("PM1", promised="2026-01-03"), "promise_missed"),  # due 4 Jan 00:00, undelivered
    "PM2": (with_(scenario("PM2", promised="2026-01-03", delivered="2026-01-04 10:00"),
                  order_lines=[line("PM2", "L9", None, None)]), "promise_missed"),  # a line with no shipment
    "PM3": (scenario("PM3", promised="2026-01-03", events=[
        ("in_transit", "2026-01-02 11:00", "2026-01-02 12:00"),
        ("delivered", "2026-01-04 09:00", "2026-01-04 09:30")]), "true_demand"),  # delivered event suffices
    "PM4": (scenario("PM4", promised="2026-01-03", cancelled="2026-01-04 00:00"), "true_demand"),
    "PM5": (scenario("PM5", promised="2026-01-05"), "true_demand"),  # due only at 6 Jan 00:00
    "PM6": (with_(scenario("PM6", promised="2026-01-03", delivered="2026-01-04 10:00"),
                  order_lines=[line("PM6", "L9", "cancelled_oos", "2026-01-03 00:00")]),
            "inventory_without_notice"),  # complete (the missing line was cancelled), but no notice of it
    "EX1": (with_(scenario("EX1"), exceptions=[exc("EX1", "2026-01-04 00:00")]), "exception_without_notice"),
    "EX2": (with_(scenario("EX2"), exceptions=[exc("EX2", "2026-01-04 00:00")],
                  notifications=[note("EX2", "delay", "2026-01-04 06:00", "failed")]), "exception_without_notice"),
    "EX3": (with_(scenario("EX3"), exceptions=[exc("EX3", "2026-01-04 00:00")],
                  notifications=[note("EX3", "delay", "2026-01-04 06:00")]), "true_demand"),
    "EX4": (with_(scenario("EX4"), exceptions=[exc("EX4", "2026-01-04 00:00", "2026-01-05 10:00")]),
            "true_demand"),  # resolved before t
    "EX5": (with_(scenario("EX5"), exceptions=[exc("EX5", "2026-01-04 00:00")],
                  notifications=[note("EX5", "delay", "2026-01-05 13:00")]), "exception_without_notice"),
    "PREC1": (with_(scenario("PREC1", promised="2026-01-03"), exceptions=[exc("PREC1", "2026-01-04 00:00")]),
              "promise_missed"),  # rule 2 before rule 3
    "INV1": (with_(scenario("INV1"), order_lines=[line("INV1", "L9", "backordered", "2026-01-03 00:00")]),
             "inventory_without_notice"),
    "INV2": (with_(scenario("INV2"), order_lines=[line("INV2", "L9", "backordered", "2026-01-03 00:00")],
                   notifications=[note("INV2", "backorder", "2026-01-03 02:00")]), "true_demand"),
    "INV3": (with_(scenario("INV3"), order_lines=[line("INV3", "L9", "backordered", "2026-01-06 00:00")]),
             "true_demand"),  # outcome known only after t
    "INV4": (with_(scenario("INV4"), order_lines=[line("INV4", "L9", "substituted", "2026-01-03 00:00")],
                   notifications=[note("INV4", "delay", "2026-01-03 02:00")]), "inventory_without_notice"),
    "SP1": (scenario("SP1", ships=2), "split_without_notice"),
    "SP2": (with_(scenario("SP2", ships=2), notifications=[note("SP2", "partial_shipment", "2026-01-03 00:00")]),
            "true_demand"),
    "SP3": (with_(scenario("SP3"), shipments=[{
        "shipment_id": "SP3-late", "order_id": "SP3", "node_id": "N1", "carrier_id": "C1", "service_level": "g",
        "tracking_number": "x", "label_created_at": "2026-01-06 00:00"}]), "true_demand"),  # labelled after t
    "NA1": (scenario("NA1", label="2026-01-04 00:00", events=[
        ("info_received", "2026-01-04 00:10", "2026-01-04 00:20")]), "tracking_not_activated"),
    "NA2": (scenario("NA2", carrier="C2", label="2026-01-04 12:00", events=[]), "true_demand"),  # 36 h SLA
    "NA3": (scenario("NA3", label="2026-01-04 00:00", events=[
        ("in_transit", "2026-01-04 10:00", "2026-01-05 13:00")]), "tracking_not_activated"),  # received after t
    "ST1": (scenario("ST1", events=[("in_transit", "2026-01-02 11:00", "2026-01-02 12:00"),
                                    ("in_transit", "2026-01-03 00:00", "2026-01-03 00:10")]), "tracking_stale"),
    "ST2": (scenario("ST2", events=[("in_transit", "2026-01-02 11:00", "2026-01-02 12:00"),
                                    ("in_transit", "2026-01-03 12:00", "2026-01-03 12:10")]), "true_demand"),
    "ST3": (scenario("ST3", events=[("in_transit", "2026-01-02 11:00", "2026-01-02 12:00"),
                                    ("in_transit", "2026-01-05 00:00", "2026-01-05 13:00")]), "tracking_stale"),
    "ST4": (scenario("ST4", events=[("in_transit", "2026-01-02 11:00", "2026-01-02 12:00"),
                                    ("in_transit", "2026-01-03 00:00", "2026-01-03 00:10"),
                                    ("in_transit", "2026-01-03 00:00", "2026-01-05 00:00")]), "tracking_stale"),
    "PREC2": (scenario("PREC2", ships=2, label="2026-01-04 00:00", events=[]), "split_without_notice"),
}
CASES["U1"] = ({"contacts": [{"contact_id": "U1", "order_id": None, "customer_id": "KU", "channel": "chat",
                              "handled_by": "bot", "reason": "order_status", "created_at": T}]}, "unlinked")
CASES["U2"] = ({"contacts": [{"contact_id": "U2", "order_id": "O404", "customer_id": "KU", "channel": "chat",
                              "handled_by": "bot", "reason": "order_status", "created_at": T}]}, "unlinked")
CARRIERS = [{"carrier_id": "C1", "name": "One"}, {"carrier_id": "C2", "name": "Two", "activation_sla_hours": 36.0}]
ALL = frames(**merge(*[rows for rows, _ in CASES.values()], {"carriers": CARRIERS}))
EXPECTED = {name: cause for name, (_, cause) in CASES.items()}
AVOIDABLE = {"true_demand": False, "unlinked": None}


@pytest.mark.parametrize("engine", [PolarsBackend, DuckDBBackend])
def test_every_contact_gets_its_cause(engine):
    """Each scenario's contact gets exactly the expected cause, on every engine."""
    got = causes(ALL, AS_OF, backend=engine())
    assert got.height == len(EXPECTED)
    assert dict(zip(got["contact_id"], got["cause"], strict=True)) == EXPECTED


def test_avoidable_flag_follows_the_cause():
    """Avoidable is true for process gaps, false for true demand, empty for unlinked."""
    got = causes(ALL, AS_OF)
    for cid, cause, avoidable in got.iter_rows():
        assert avoidable == AVOIDABLE.get(cause, True), (cid, cause)


def test_rules_see_only_what_was_known_at_the_contact():
    """Facts after t but before as-of do not change a cause: each scenario alone gives the same cause."""
    for name, (rows, cause) in CASES.items():
        got = causes(frames(**merge(rows, {"carriers": CARRIERS})), AS_OF)
        assert got["cause"].to_list() == [cause], name


def test_contacts_after_as_of_are_not_attributed():
    """A contact created after as-of is not listed."""
    assert causes(ALL, t("2026-01-05 11:59")).height == 0


def test_avoidable_share_counts_linked_contacts():
    """avoidable / WISMO contacts with an order, all in week 01-05."""
    linked = [c for c in EXPECTED.values() if c != "unlinked"]
    avoidable = [c for c in linked if c != "true_demand"]
    got = compute(ALL, Request(as_of=AS_OF, kpis=("avoidable_wismo_share",)))
    assert got.select("period_start", "numerator", "denominator").rows() == [
        (dt.date(2026, 1, 5), float(len(avoidable)), float(len(linked)))]
    # by hand: PM1 PM2 PM6 EX1 EX2 EX5 PREC1 INV1 INV4 SP1 NA1 NA3 ST1 ST3 ST4 PREC2; 12 true demand
    assert (len(avoidable), len(linked)) == (16, 28)


def test_rule_thresholds_come_from_the_rule_set():
    """With stale_scan_hours raised to 72, ST1 (60.5 h without a scan) is true demand again."""
    from metrics.catalogue import RuleSet, load_rules

    base = load_rules()
    loose = RuleSet.model_validate({**base.model_dump(), "thresholds": {**base.thresholds.model_dump(),
                                                                        "stale_scan_hours": 72}})
    got = causes(frames(**merge(CASES["ST1"][0], {"carriers": CARRIERS})), AS_OF, rules=loose)
    assert got["cause"].to_list() == ["true_demand"]
    assert isinstance(got, pl.DataFrame)
