"""Loads: all or nothing, idempotent, references against load plus store, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from services.loading import counts, load
from store import bulk
from tests.conftest import edit_csv, snapshot

AS_OF = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
TINY_COUNTS = {"nodes": 2, "carriers": 2, "orders": 3, "shipments": 2, "order_lines": 4, "tracking_events": 5,
               "exceptions": 1, "notifications": 2, "contacts": 2}


def run(folder: Path, store, tmp_path: Path):  # type: ignore[no-untyped-def]
    return load(folder, store, user="tester", as_of=AS_OF, rejects_dir=tmp_path / "rejects")


def test_tiny_dataset_lands_whole(store, tiny, tmp_path):
    """It lands every table of a valid folder and records the load."""
    result = run(tiny, store, tmp_path)
    assert result.landed, [f.message for f in result.report.blocking]
    assert counts(store) == TINY_COUNTS
    runs = bulk.read_sql(store, "SELECT status, user_name, blocking_failures FROM load_runs")
    assert runs.rows() == [("landed", "tester", 0)]


def test_loading_twice_changes_nothing(store, tiny, tmp_path):
    """Loading the same folder twice leaves every row as it was (primary keys upsert)."""
    run(tiny, store, tmp_path)
    before = snapshot(store)
    assert run(tiny, store, tmp_path).landed
    assert snapshot(store) == before


def test_upsert_replaces_changed_rows(store, tiny, tmp_path):
    """A reload with a changed value updates that row instead of adding one."""
    run(tiny, store, tmp_path)
    edit_csv(tiny / "shipments.csv", 2, "delivered_at", "2026-03-05T10:00:00Z")
    assert run(tiny, store, tmp_path).landed
    ships = bulk.read_table(store, "shipments").sort("shipment_id")
    assert ships.height == 2
    assert ships["delivered_at"][1] == dt.datetime(2026, 3, 5, 10, tzinfo=dt.UTC)


def test_offsets_are_normalised_to_utc(store, tiny, tmp_path):
    """A +02:00 and a -05:00 timestamp are stored as the same instant in UTC."""
    run(tiny, store, tmp_path)
    orders = bulk.read_table(store, "orders").sort("order_id")
    assert orders["placed_at"].to_list()[1:] == [dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC),
                                                 dt.datetime(2026, 3, 3, 13, tzinfo=dt.UTC)]


def test_references_resolve_against_the_store(store, tiny, tmp_path):
    """A folder of lines whose orders are only in the store lands."""
    run(tiny, store, tmp_path)
    only_lines = tmp_path / "lines"
    only_lines.mkdir()
    (only_lines / "order_lines.csv").write_text(
        "order_id,line_id,sku,quantity,node_id,promised_from_stock,line_outcome,outcome_at,shipment_id\n"
        "O1,2,SKU9,1,DC1,true,,,\n")
    assert run(only_lines, store, tmp_path).landed
    assert counts(store)["order_lines"] == 5


def test_failure_after_some_tables_were_written_leaves_store_unchanged(store, tiny, tmp_path, monkeypatch):
    """A load that fails after writing nodes, carriers and orders rolls all of it back."""
    original = bulk.write

    def failing(store_, frames, keys, order, after_table=None):  # type: ignore[no-untyped-def]
        def boom(table: str) -> None:
            if table == "shipments":
                raise OSError("disk full (simulated)")

        return original(store_, frames, keys, order, after_table=boom)

    monkeypatch.setattr(bulk, "write", failing)
    with pytest.raises(OSError, match="disk full"):
        run(tiny, store, tmp_path)
    assert counts(store) == dict.fromkeys(TINY_COUNTS, 0)


def test_header_only_file_loads_no_rows(store, tiny, tmp_path):
    """A file with a header and no rows is valid and adds nothing."""
    (tiny / "contacts.csv").write_text(
        "contact_id,order_id,customer_id,channel,handled_by,reason,created_at,resolved_at,csat_score\n")
    assert run(tiny, store, tmp_path).landed
    assert counts(store)["contacts"] == 0


def test_parquet_and_csv_give_the_same_rows(store, tiny, tmp_path):
    """The Parquet form of a folder loads exactly the rows of its CSV form."""
    from core.dataset import discover, read_raw

    pq = tmp_path / "pq"
    pq.mkdir()
    for src in discover(tiny):
        read_raw(src).drop("__row").write_parquet(pq / f"{src.table}.parquet")
    assert run(pq, store, tmp_path).landed
    from_parquet = snapshot(store)
    assert counts(store) == TINY_COUNTS
    assert run(tiny, store, tmp_path).landed
    assert snapshot(store) == from_parquet


def test_naive_timestamp_is_a_warning_read_as_utc(store, tiny, tmp_path):
    """A timestamp without offset is reported as a warning and stored as UTC."""
    edit_csv(tiny / "orders.csv", 1, "placed_at", "2026-03-02 09:30:00")
    result = run(tiny, store, tmp_path)
    assert result.landed
    naive = [f for f in result.report.warnings if f.rule == "timestamp_without_offset"]
    assert [(f.table, f.column, f.rows) for f in naive] == [("orders", "placed_at", [1])]
    placed = bulk.read_table(store, "orders").sort("order_id")["placed_at"][0]
    assert placed == dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    warned = bulk.read_sql(store, "SELECT table_name, rule, failing_rows FROM check_results "
                                  "WHERE rule = 'timestamp_without_offset' AND failing_rows > 0")
    assert warned.rows() == [("orders", "timestamp_without_offset", 1)]


def test_duplicated_scan_is_a_warning_and_kept(store, tiny, tmp_path):
    """The tiny data's scan sent twice (E2, E3) is a warning naming the later copy; both rows land."""
    result = run(tiny, store, tmp_path)
    dup = [f for f in result.report.warnings if f.rule == "duplicate_event"]
    assert [(f.rows, f.values) for f in dup] == [([3], ["E3"])]
    assert counts(store)["tracking_events"] == 5


def test_contract_warnings_are_recorded(store, tiny, tmp_path):
    """Timestamp-order and delivered-without-event warnings name their rows; the load still lands."""
    edit_csv(tiny / "shipments.csv", 2, "shipped_at", "2026-03-02T17:00:00Z")  # before its label
    edit_csv(tiny / "shipments.csv", 2, "delivered_at", "2026-03-04T09:00:00Z")  # no delivered event
    edit_csv(tiny / "tracking_events.csv", 2, "received_at", "2026-03-02T19:00:00Z")  # 1 h before the scan
    result = run(tiny, store, tmp_path)
    assert result.landed
    got = {(f.table, f.rule): f.rows for f in result.report.warnings}
    assert got[("shipments", "shipped_before_label")] == [2]
    assert got[("shipments", "delivered_without_event")] == [2]
    assert got[("tracking_events", "received_before_event")] == [2]
    assert ("tracking_events", "freshness") in got  # newest scan 2026-03-04, as-of 2026-03-10


def test_timestamp_after_as_of_is_a_warning(store, tiny, tmp_path):
    """A contact created after the load's as-of is a warning on that row."""
    edit_csv(tiny / "contacts.csv", 2, "created_at", "2026-04-01T00:00:00Z")
    edit_csv(tiny / "contacts.csv", 2, "resolved_at", "2026-04-01T01:00:00Z")
    result = run(tiny, store, tmp_path)
    rows = {(f.table, f.column): f.rows for f in result.report.warnings if f.rule == "after_as_of"}
    assert rows == {("contacts", "created_at"): [2], ("contacts", "resolved_at"): [2]}


def test_demo_data_loads_without_blocking_failures(store, tmp_path):
    """A small demo dataset passes every blocking check and lands."""
    from services.demo import DemoConfig, generate, write

    cfg = DemoConfig(orders=600, weeks=4, seed=3)
    write(generate(cfg), tmp_path / "demo", "csv", cfg.seed)
    result = load(tmp_path / "demo", store, user="t", as_of=cfg.as_of, rejects_dir=tmp_path / "rej")
    assert result.landed, [(f.table, f.rule, f.values[:3]) for f in result.report.blocking]
    assert counts(store)["orders"] == 600
    stored = bulk.read_table(store, "orders")
    assert stored["placed_at"].max() <= cfg.as_of  # type: ignore[operator]
    assert isinstance(stored, pl.DataFrame)


def test_a_later_load_is_checked_against_the_stored_rows_it_names(store, tiny, tmp_path):
    """A daily load's cross-table rules read the store's rows its own rows name: S2 (stored, not delivered)
    delivered by a later load together with its delivered scan raises no warning — the load's row replaces the
    stored one —; a delivered scan alone for it does; a shipment of a stored order resolves against the store;
    freshness sees the store's newest scan."""
    assert run(tiny, store, tmp_path).landed
    later = tmp_path / "later"
    later.mkdir()
    head = "shipment_id,order_id,node_id,carrier_id,service_level,tracking_number,label_created_at,shipped_at," \
           "delivered_at\n"
    (later / "shipments.csv").write_text(head + "S2,O2,DC1,CB,2day,TB2,2026-03-02T18:00:00Z,2026-03-02T20:00:00Z,"
                                                "2026-03-05T10:00:00Z\n")
    scans = "event_id,shipment_id,status,event_at,received_at,location,raw_status\n" \
            "E6,S2,delivered,2026-03-05T10:00:00Z,2026-03-05T10:05:00Z,Boston,DL\n"
    (later / "tracking_events.csv").write_text(scans)
    result = load(later, store, user="t", as_of=AS_OF, rejects_dir=tmp_path / "rej2")
    assert result.landed, [(f.table, f.rule, f.rows) for f in result.report.blocking]
    warned = {(f.table, f.rule) for f in result.report.warnings}
    assert ("tracking_events", "delivered_event_without_delivered_at") not in warned
    assert ("shipments", "delivered_without_event") not in warned
    scan_only = tmp_path / "scan_only"
    scan_only.mkdir()
    (scan_only / "tracking_events.csv").write_text(scans.replace("E6,S2", "E7,S3"))
    (scan_only / "shipments.csv").write_text(head + "S3,O1,DC1,CA,ground,TA3,2026-03-03T15:00:00Z,"
                                                    "2026-03-03T18:00:00Z,\n")
    result = load(scan_only, store, user="t", as_of=dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC),
                  rejects_dir=tmp_path / "rej3")
    assert result.landed, [(f.table, f.rule, f.rows) for f in result.report.blocking]  # O1 is in the store
    got = {(f.table, f.rule): f.rows for f in result.report.warnings}
    assert got[("tracking_events", "delivered_event_without_delivered_at")] == [1]
    assert ("tracking_events", "freshness") not in got  # E7, received 2026-03-05 10:05, is within 24 h
