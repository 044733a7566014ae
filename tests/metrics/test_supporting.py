"""The drill-down facts written at refresh, on the hand-worked WISMO fixture of test_kpis."""

from __future__ import annotations

import polars as pl
import pytest

from core.contract import LOAD_ORDER, TABLES
from core.settings import EngineConfig
from metrics.engine import context
from metrics.supporting import contact_causes, event_latency
from metrics.views import View
from services.figures import cause_contacts
from services.refresh import refresh
from store import bulk
from tests.metrics.build import frames, t
from tests.metrics.test_kpis import AS_OF_1, ENGINES, WISMO, event, ship

# Each WISMO contact known at 2026-01-10 with its order's node, carrier and sales channel, as the KPI
# cube attributes them (test_wismo_contact_rate_by_node / _by_carrier):
#   K1 → O1, primary S1: N1, C1.   K2 → O2, label tie, smaller id S2a primary: N1, C1.
#   K3 → O3, S3: N2, C2.           K5 → O5, no shipment: node of its smallest line L1 = N1, carrier unassigned.
#   K4 (no order) and K8 (order O404 not in the data): unattributed, no sales channel.
#   K6 is after as-of and K7 is not a WISMO contact: absent.
EXPECTED = [("K1", "N1", "C1", "web"), ("K2", "N1", "C1", "web"), ("K3", "N2", "C2", "web"),
            ("K4", "unattributed", "unattributed", None), ("K5", "N1", "unassigned", "web"),
            ("K8", "unattributed", "unattributed", None)]


@pytest.mark.parametrize("engine", ENGINES)
def test_contact_causes_carry_the_order_dimensions_of_the_figures(engine):
    df = contact_causes(context(WISMO, t(AS_OF_1), backend=engine()))
    assert df.select("contact_id", "node", "carrier", "channel").rows() == EXPECTED
    assert df["cause"].to_list()[3] == "unlinked"


def test_drill_down_slices_contacts_as_the_cube_does(store):
    """After a refresh, the contacts behind node N1 are K1, K2 and K5 — the 2 + 1 the cube counts for N1
    — and behind carrier 'unassigned' only K5; no order is joined at read time."""
    frames = dict(WISMO, order_lines=WISMO["order_lines"].with_columns(
        sku=pl.lit("SKU1"), quantity=pl.lit(1), promised_from_stock=pl.lit(True)))
    bulk.write(store, frames, {n: TABLES[n].key for n in frames}, [n for n in LOAD_ORDER if n in frames])
    refresh(store, EngineConfig(), as_of=t(AS_OF_1))
    ids = lambda view: sorted(cause_contacts(store, view)["contact_id"].to_list())  # noqa: E731
    assert ids(View(node="N1")) == ["K1", "K2", "K5"]
    assert ids(View(carrier="unassigned")) == ["K5"]
    assert ids(View(channel="web")) == ["K1", "K2", "K3", "K5"]
    assert ids(View()) == ["K1", "K2", "K3", "K4", "K5", "K8"]


# Feed latency on C1's shipment S1: events received 1 h, 2 h, 3 h and 10 h after they happened (week of
# 29 Dec), and one received after as-of (not known, left out); C2's S3: one event 0.5 h late.
#   C1, n = 4: p50 at position 0.5·3 = 1.5 → 2 + 0.5·(3 − 2) = 2.5 h; p90 at 0.9·3 = 2.7 → 3 + 0.7·(10 − 3) = 7.9 h.
#   C2, n = 1: p50 = p90 = 0.5 h.
#   all, n = 5 (0.5, 1, 2, 3, 10): p50 at 2 → 2 h; p90 at 3.6 → 3 + 0.6·(10 − 3) = 7.2 h.
LATENCY = frames(
    shipments=[ship("S1", "O1", "N1", "C1", "2025-12-29 10:00", "2025-12-29 14:00"),
               ship("S3", "O3", "N2", "C2", "2025-12-24 10:00", "2025-12-24 12:00")],
    tracking_events=[event("E1", "S1", "in_transit", "2025-12-30 10:00", "2025-12-30 11:00"),
                     event("E2", "S1", "in_transit", "2025-12-30 12:00", "2025-12-30 14:00"),
                     event("E3", "S1", "in_transit", "2025-12-31 10:00", "2025-12-31 13:00"),
                     event("E4", "S1", "in_transit", "2026-01-01 08:00", "2026-01-01 18:00"),
                     event("E5", "S1", "in_transit", "2026-01-02 08:00", "2026-01-12 08:00"),
                     event("E6", "S3", "in_transit", "2025-12-29 09:00", "2025-12-29 09:30")])


@pytest.mark.parametrize("engine", ENGINES)
def test_feed_latency_quantiles_are_computed_by_the_engine(engine):
    df = event_latency(context(LATENCY, t(AS_OF_1), backend=engine()))
    got = [(r["carrier_id"], str(r["period_start"]), r["events"], round(r["p50_hours"], 9), round(r["p90_hours"], 9))
           for r in df.iter_rows(named=True)]
    assert got == [("C1", "2025-12-29", 4, 2.5, 7.9), ("C2", "2025-12-29", 1, 0.5, 0.5),
                   ("all", "2025-12-29", 5, 2.0, 7.2)]


# Sub-second latencies (no rounding before the quantile), C1's S1 in the week of 29 Dec:
#   E1 0.25 s, E2 1.75 s, E3 2.5 s, E4 10.000001 s (received_at − event_at, to the microsecond).
#   n = 4: p50 at 0.5·3 = 1.5 → 1.75 + 0.5·(2.5 − 1.75) = 2.125 s;
#          p90 at 0.9·3 = 2.7 → 2.5 + 0.7·(10.000001 − 2.5) = 7.7500007 s.
# Truncated to whole seconds (0, 1, 2, 10) they would give 1.5 s and 7.6 s.
SUBSECOND = frames(
    shipments=[ship("S1", "O1", "N1", "C1", "2025-12-29 10:00", "2025-12-29 14:00")],
    tracking_events=[event("E1", "S1", "in_transit", "2025-12-30 10:00:00.5", "2025-12-30 10:00:00.75"),
                     event("E2", "S1", "in_transit", "2025-12-30 11:00:00.5", "2025-12-30 11:00:02.25"),
                     event("E3", "S1", "in_transit", "2025-12-30 12:00:00.75", "2025-12-30 12:00:03.25"),
                     event("E4", "S1", "in_transit", "2025-12-30 13:00:00.999999", "2025-12-30 13:00:11")])


@pytest.mark.parametrize("engine", ENGINES)
def test_feed_latency_is_exact_below_a_second(engine):
    df = event_latency(context(SUBSECOND, t(AS_OF_1), backend=engine())).filter(pl.col("carrier_id") == "C1")
    assert df["events"].to_list() == [4]
    assert abs(df["p50_hours"][0] * 3600 - 2.125) < 1e-9
    assert abs(df["p90_hours"][0] * 3600 - 7.7500007) < 1e-9
