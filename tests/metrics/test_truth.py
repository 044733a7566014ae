"""Feed conflicts, status-message accuracy and communication scenarios (issue 20, parts 3 and 4), hand-worked on
one small fixture at as-of Tue 10 Mar 2026 00:00 UTC. Weeks: 2 Mar (Mon) and 9 Mar. Carrier C1 has the default
24 h activation SLA; every shipment is labelled 2 Mar 09:00 unless said.

Shipments (feed conflicts; delivered tolerance 24 h in the default hierarchy, both sources believed):
- S1 (O1, C1): shipped 2 Mar 10:00, first scan received 12:10, OFD scan received 4 Mar 08:05, delivered 4 Mar 12:00
  in both (scan received 12:30): no conflict.
- S2 (O2, C1): shipped 2 Mar 10:00, scanned; order system delivered 4 Mar 12:00, no delivered scan; 4 Mar 12:00
  + 24 h <= as-of: **delivered_unconfirmed**.
- S3 (O3, C1): shipped 2 Mar 10:00, scanned; delivered scan 5 Mar 09:00, none in the order system (5 Mar 09:00 +
  24 h <= as-of): **delivered_unrecorded**; scanned in transit 5 Mar 15:00, after it: **moving_after_delivered**.
- S4 (O4, C1): shipped 2 Mar 10:00, first scan received 3 Mar 14:10 > shipped + 24 h: **shipped_unscanned**;
  delivered 5 Mar 10:00 by the order system, 7 Mar 12:00 by the scan (50 h apart): **delivered_apart**.
- S5 (O5, a pickup order, C2): shipped 2 Mar 10:00, scanned 11:30, ready for pickup scan received 4 Mar 09:10.
- S6 (O1's second shipment, C1): labelled 3 Mar 09:00, not shipped, not scanned: not handed over.
- S7 (O6, C1): shipped 9 Mar 21:00, no scan yet, its SLA runs to 10 Mar 21:00 > as-of: no conflict yet.
Week of 2 Mar: S1–S5 handed over, S2, S3, S4 in conflict → 3/5; by carrier C1 3/4, C2 0/1. Week of 9 Mar: 0/1.

Status messages (sent, not failed; the carrier speaks from its first physical scan received):
- M1 S1 delivered 4 Mar 12:40: the carrier had spoken; its delivered scan was received 12:30 → supported.
- M2 S1 out for delivery 4 Mar 08:00: the OFD scan came at 08:05 → not supported (premature).
- M3 S2 delivered 4 Mar 12:10: the carrier had spoken and never scanned it delivered → not supported.
- M4 S1 shipment confirmation 2 Mar 10:30: the carrier had not spoken (12:10); the warehouse shipped it 10:00 →
  supported.
- M5 S4 shipment confirmation 2 Mar 09:30: before the warehouse's 10:00, no scan → not supported.
- M6 S5 pickup ready 4 Mar 09:20: the ready scan was received 09:10 → supported (C2).
- M7 O1 (no shipment named) delivered 4 Mar 13:00: judged against S1 and S6; S1 supports it → supported.
- M8 S3 delivered, failed: not sent. M9 an order confirmation: not a status message.
Week of 2 Mar: 4 of 7 supported; C1 3/6, C2 1/1.
With delivered believed from the order system alone: M3 is supported (delivered 12:00 <= 12:10) → 5/7, and the
delivered checks stop: S3 (moving after delivered) and S4 (shipped unscanned) remain → 2/5.

Scenarios (deadlines: transit 4 h, split 24 h, backorder 24 h, pickup 4 h, delay and exception 24 h):
- transit: S1–S5 shipped 2 Mar 10:00, decided; only O1 has a confirmation in [10:00, 14:00] (M4; M5 on O4 came
  before its trigger) → 1/5. S7 (9 Mar 21:00) is undecided until 10 Mar 01:00 → the week of 9 Mar has no figure.
- split: O1's second shipment S6 labelled 3 Mar 09:00; partial-shipment notice 3 Mar 10:00 → 1/1.
- backorder: O3 line L2 backordered 3 Mar 12:00; the customer asked 3 Mar 18:00, the notice came 20:00 → decided,
  not covered → 0/1 (node N1, carrier unassigned).
- pickup: S5 ready 4 Mar 09:10, M6 at 09:20 → 1/1.
- delay: X1 carrier delay on S4 opened 4 Mar 00:00, delay notice 06:00 → 1/1.
- exception: X2 lost on O3 opened 6 Mar 00:00, no notice, deadline passed → 0/1.
"""

from __future__ import annotations

import pytest

from metrics.catalogue import load_rules
from metrics.engine import Request, compute
from tests.metrics.build import frames, rows, t
from tests.metrics.test_kpis import ENGINES, contact, event, line, order, ship

AS_OF = t("2026-03-10 00:00")
W1, W2 = "2026-03-02", "2026-03-09"
L = "2026-03-02 09:00"


def note(nid: str, oid: str, sid: str | None, kind: str, sent: str, status: str = "sent") -> dict:
    return {"notification_id": nid, "order_id": oid, "shipment_id": sid, "notification_type": kind,
            "channel": "email", "sent_at": sent, "status": status}


def exc(xid: str, oid: str, sid: str | None, kind: str, opened: str) -> dict:
    return {"exception_id": xid, "order_id": oid, "shipment_id": sid, "node_id": "N1", "carrier_id": "C1",
            "exception_type": kind, "source": "carrier", "owner_team": "carrier_management", "opened_at": opened}


DATA = frames(
    nodes=[{"node_id": "N1", "name": "One", "node_type": "dc", "region": "x"}],
    carriers=[{"carrier_id": "C1", "name": "One"}, {"carrier_id": "C2", "name": "Two"}],
    orders=[order(o, "2026-03-02 08:00", promised="2026-03-12") for o in ("O1", "O2", "O3", "O4", "O6")]
    + [order("O5", "2026-03-02 08:00", promised="2026-03-12", delivery_method="pickup")],
    order_lines=[line(o, "L1", "N1", True) for o in ("O1", "O2", "O3", "O4", "O5", "O6")]
    + [line("O3", "L2", "N1", True, "backordered", "2026-03-03 12:00")],
    shipments=[
        ship("S1", "O1", "N1", "C1", L, "2026-03-02 10:00", "2026-03-04 12:00"),
        ship("S2", "O2", "N1", "C1", L, "2026-03-02 10:00", "2026-03-04 12:00"),
        ship("S3", "O3", "N1", "C1", L, "2026-03-02 10:00"),
        ship("S4", "O4", "N1", "C1", L, "2026-03-02 10:00", "2026-03-05 10:00"),
        ship("S5", "O5", "N1", "C2", L, "2026-03-02 10:00"),
        ship("S6", "O1", "N1", "C1", "2026-03-03 09:00"),
        ship("S7", "O6", "N1", "C1", "2026-03-09 20:00", "2026-03-09 21:00"),
    ],
    tracking_events=[
        event("E0", "S1", "info_received", "2026-03-02 09:01", "2026-03-02 09:02"),  # label data: not a scan
        event("E1", "S1", "in_transit", "2026-03-02 12:00", "2026-03-02 12:10"),
        event("E2", "S1", "out_for_delivery", "2026-03-04 08:00", "2026-03-04 08:05"),
        event("E3", "S1", "delivered", "2026-03-04 12:00", "2026-03-04 12:30"),
        event("E4", "S2", "in_transit", "2026-03-02 12:00", "2026-03-02 12:10"),
        event("E5", "S3", "in_transit", "2026-03-02 12:00", "2026-03-02 12:10"),
        event("E6", "S3", "delivered", "2026-03-05 09:00", "2026-03-05 09:05"),
        event("E7", "S3", "in_transit", "2026-03-05 15:00", "2026-03-05 15:05"),
        event("E8", "S4", "in_transit", "2026-03-03 14:00", "2026-03-03 14:10"),
        event("E9", "S4", "delivered", "2026-03-07 12:00", "2026-03-07 12:05"),
        event("E10", "S5", "in_transit", "2026-03-02 11:00", "2026-03-02 11:30"),
        event("E11", "S5", "available_for_pickup", "2026-03-04 09:00", "2026-03-04 09:10"),
    ],
    exceptions=[exc("X1", "O4", "S4", "carrier_delay", "2026-03-04 00:00"),
                exc("X2", "O3", "S3", "lost", "2026-03-06 00:00")],
    notifications=[
        note("M1", "O1", "S1", "delivered", "2026-03-04 12:40"),
        note("M2", "O1", "S1", "out_for_delivery", "2026-03-04 08:00"),
        note("M3", "O2", "S2", "delivered", "2026-03-04 12:10"),
        note("M4", "O1", "S1", "shipment_confirmation", "2026-03-02 10:30"),
        note("M5", "O4", "S4", "shipment_confirmation", "2026-03-02 09:30"),
        note("M6", "O5", "S5", "pickup_ready", "2026-03-04 09:20"),
        note("M7", "O1", None, "delivered", "2026-03-04 13:00"),
        note("M8", "O3", "S3", "delivered", "2026-03-05 10:00", status="failed"),
        note("M9", "O1", None, "order_confirmation", "2026-03-02 08:01"),
        note("M10", "O1", None, "partial_shipment", "2026-03-03 10:00"),
        note("M11", "O4", "S4", "delay", "2026-03-04 06:00"),
        note("M12", "O3", None, "backorder", "2026-03-03 20:00"),
    ],
    contacts=[contact("K1", "O3", "2026-03-03 18:00")],
)


def figures(kpi_id: str, cut: str = "all", engine=ENGINES[0], rules=None) -> list[tuple]:  # type: ignore[no-untyped-def]
    req = Request(as_of=AS_OF, grain="week", cut=cut, kpis=(kpi_id,))
    return rows(compute(DATA, req, rules=rules, backend=engine()), kpi_id)


@pytest.mark.parametrize("engine", ENGINES)
def test_feed_conflicts(engine):  # type: ignore[no-untyped-def]
    assert figures("feed_conflict_rate", engine=engine) == [(W1, "all", 3, 5, 0.6), (W2, "all", 0, 1, 0.0)]
    assert figures("feed_conflict_rate", "carrier", engine) == [
        (W1, "C1", 3, 4, 0.75), (W1, "C2", 0, 1, 0.0), (W2, "C1", 0, 1, 0.0)]


@pytest.mark.parametrize("engine", ENGINES)
def test_status_message_accuracy(engine):  # type: ignore[no-untyped-def]
    assert figures("status_message_accuracy", engine=engine) == [(W1, "all", 4, 7, round(4 / 7, 6))]
    assert figures("status_message_accuracy", "carrier", engine) == [
        (W1, "C1", 3, 6, 0.5), (W1, "C2", 1, 1, 1.0)]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_hierarchy_decides(engine):  # type: ignore[no-untyped-def]
    base = load_rules()
    order_system = base.model_copy(update={"truth": base.truth | {
        "delivered": base.truth["delivered"].model_copy(update={"sources": ("order_system",)})}})
    assert figures("status_message_accuracy", engine=engine, rules=order_system) == [
        (W1, "all", 5, 7, round(5 / 7, 6))]
    assert figures("feed_conflict_rate", engine=engine, rules=order_system)[0] == (W1, "all", 2, 5, 0.4)


@pytest.mark.parametrize("engine", ENGINES)
def test_communication_scenarios(engine):  # type: ignore[no-untyped-def]
    got = {k: figures(f"notice_{k}", engine=engine)
           for k in ("transit", "split", "backorder", "pickup", "delay", "exception")}
    assert got == {
        "transit": [(W1, "all", 1, 5, 0.2)],  # the week of 9 Mar has no decided unit: no figure
        "split": [(W1, "all", 1, 1, 1.0)],
        "backorder": [(W1, "all", 0, 1, 0.0)],
        "pickup": [(W1, "all", 1, 1, 1.0)],
        "delay": [(W1, "all", 1, 1, 1.0)],
        "exception": [(W1, "all", 0, 1, 0.0)],
    }
    assert figures("notice_backorder", "carrier", engine) == [(W1, "unassigned", 0, 1, 0.0)]
    assert figures("notice_pickup", "carrier", engine) == [(W1, "C2", 1, 1, 1.0)]


def test_the_listings_name_each_conflict_and_each_unsupported_message():  # type: ignore[no-untyped-def]
    from metrics.engine import context
    from metrics.supporting import feed_conflicts, message_checks

    ctx = context(DATA, AS_OF, "week", load_rules())
    conflicts = dict(feed_conflicts(ctx).select("shipment_id", "kinds").iter_rows())
    assert conflicts == {"S2": "delivered_unconfirmed", "S3": "delivered_unrecorded,moving_after_delivered",
                         "S4": "delivered_apart,shipped_unscanned"}
    checks = {r["notification_id"]: (r["decider"], r["recorded_at"]) for r in message_checks(ctx).iter_rows(named=True)}
    assert checks == {"M2": ("carrier_scan", t("2026-03-04 08:05")), "M3": ("carrier_scan", None),
                      "M5": ("warehouse", t("2026-03-02 10:00"))}


def test_duckdb_over_parquet_files_gives_the_same_figures(tmp_path):  # type: ignore[no-untyped-def]
    """DuckDB reading the tables where they lie (Parquet files, filtered in each query rather than copied)
    against polars on the same rows: every catalogue KPI, by node and by carrier."""
    import polars as pl

    from metrics.catalogue import load_catalogue
    from metrics.engine import complete
    from metrics.portable import DuckDBBackend, PolarsBackend

    for name, df in complete(DATA).items():
        df.write_parquet(tmp_path / f"{name}.parquet")
    kpis = tuple(k.id for k in load_catalogue().kpis)
    for cut in ("node", "carrier"):
        req = Request(as_of=AS_OF, grain="week", cut=cut, kpis=kpis)
        want = compute(DATA, req, backend=PolarsBackend())
        got = compute(None, req, backend=DuckDBBackend(parquet_folder=tmp_path))
        assert want.height > 20
        assert got.equals(want), pl.concat([want, got]).unique(keep="none")
