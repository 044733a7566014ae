"""The demo data: deterministic, in the contract's shape, and telling the story it promises."""

from __future__ import annotations

import hashlib

import polars as pl
import pytest

from services.demo import DemoConfig, generate, write


@pytest.fixture(scope="module")
def demo():
    return generate(DemoConfig(orders=20_000, weeks=26, seed=5))


def test_same_seed_same_files(tmp_path):
    """Two runs with one seed write byte-identical files; another seed does not."""
    def digest(seed: int, out: str) -> dict[str, str]:
        paths = write(generate(DemoConfig(orders=800, weeks=3, seed=seed)), tmp_path / out, "csv", seed)
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}

    assert digest(1, "a") == digest(1, "b")
    assert digest(1, "a") != digest(2, "c")


def test_cast_of_nodes_and_carriers(demo):
    """At least four nodes (DCs, ship-from-store, a 3PL) and four carriers, one with its own SLA."""
    assert demo["nodes"].height >= 4
    assert {"dc", "store", "3pl"} <= set(demo["nodes"]["node_type"])
    assert demo["carriers"].height >= 4
    assert demo["carriers"]["activation_sla_hours"].drop_nulls().len() >= 1


def test_split_shipments_backorders_and_failed_notices(demo):
    """Split orders, backordered lines, failed notifications and unlinked contacts all occur."""
    per_order = demo["shipments"].group_by("order_id").len()
    assert per_order.filter(pl.col("len") >= 2).height > 100
    assert (demo["order_lines"]["line_outcome"] == "backordered").sum() > 50
    assert (demo["notifications"]["status"] == "failed").sum() > 100
    wismo = demo["contacts"].filter(pl.col("reason") == "order_status")
    assert wismo["order_id"].null_count() > 20


def test_duplicated_and_out_of_order_scans(demo):
    """Some scans come twice, and some arrive after a later scan of the same parcel."""
    ev = demo["tracking_events"]
    dups = ev.group_by("shipment_id", "status", "event_at").len().filter(pl.col("len") > 1)
    assert dups.height > 100
    ordered = ev.sort("shipment_id", "event_at").with_columns(
        prev_recv=pl.col("received_at").shift().over("shipment_id"))
    assert ordered.filter(pl.col("received_at") < pl.col("prev_recv")).height > 100


def test_offsets_other_than_z_in_files(tmp_path):
    """The CSV files carry offsets other than Z, and a few scans carry none."""
    write(generate(DemoConfig(orders=3000, weeks=4, seed=9)), tmp_path, "csv", 9)
    text = (tmp_path / "orders.csv").read_text()
    assert "-05:00" in text and "+05:30" in text and "Z," in text
    events = pl.read_csv(tmp_path / "tracking_events.csv", infer_schema=False)
    assert events.filter(~pl.col("event_at").str.contains(r"(Z|[+-]\d\d:\d\d)$")).height > 0


def test_peak_surge_and_weather(demo):
    """Peak weeks carry clearly more orders than summer weeks, and December has weather delays."""
    weekly = demo["orders"].group_by(pl.col("placed_at").dt.truncate("1w").alias("w")).len().sort("w")
    summer = weekly.filter(pl.col("w").dt.month() == 8)["len"].mean()
    peak = weekly.filter((pl.col("w").dt.month() == 12) & (pl.col("w").dt.day() < 20))["len"].mean()
    assert peak > 1.5 * summer
    wx = demo["exceptions"].filter(pl.col("exception_type") == "weather_delay")
    assert wx.height > 20 and (wx["opened_at"].dt.month() == 12).all()


def test_notification_coverage_improves(demo):
    """Proactive notices reach a larger share of exceptions late in the period than early."""
    x = demo["exceptions"].select("order_id", "opened_at")
    proactive = demo["notifications"].filter(
        pl.col("notification_type").is_in(["delay", "exception", "backorder"]) & (pl.col("status") != "failed"))
    cov = x.join(proactive.select("order_id", "sent_at"), on="order_id", how="left").with_columns(
        ok=(pl.col("sent_at") >= pl.col("opened_at"))
        & (pl.col("sent_at") <= pl.col("opened_at") + pl.duration(hours=24))
    ).group_by("order_id", "opened_at").agg(pl.col("ok").any()).with_columns(
        early=pl.col("opened_at").dt.month().is_in([7, 8]))
    early = cov.filter("early")["ok"].mean()
    late = cov.filter(pl.col("opened_at").dt.month() == 12)["ok"].mean()
    assert late > early + 0.2


def test_bot_containment_grows(demo):
    """The bot handles a growing share of WISMO contacts."""
    w = demo["contacts"].filter(pl.col("reason") == "order_status").with_columns(
        bot=pl.col("handled_by") == "bot", m=pl.col("created_at").dt.month())
    assert w.filter(pl.col("m") == 12)["bot"].mean() > w.filter(pl.col("m") == 7)["bot"].mean() + 0.2
