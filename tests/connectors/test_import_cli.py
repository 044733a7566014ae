"""`wismo import …`, `wismo load --mapping` and `wismo mapping suggest` as a new user runs them, on a
store that already holds the retailer's orders and shipments."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text
from typer.testing import CliRunner

from tests.conftest import snapshot
from wismo.cli import app

runner = CliRunner()
VENDORS = Path(__file__).parents[1] / "fixtures" / "vendors"
BASE = {
    "nodes.csv": "node_id,name,node_type,region\nDC1,East DC,dc,east\n",
    "carriers.csv": "carrier_id,name,activation_sla_hours\nUPS,UPS,\nUSPS,USPS,\nDHL,DHL,\n",
    "orders.csv": "order_id,customer_id,channel,placed_at,promised_delivery_date,delivery_method,cancelled_at\n"
                  "O1,K1,web,2014-10-29T08:00:00Z,2014-11-05,ship,\n"
                  "O2,K2,web,2014-06-28T08:00:00Z,2014-07-25,ship,\n"
                  "O3,K3,app,2024-02-29T08:00:00Z,2024-03-08,ship,\n",
    "shipments.csv": "shipment_id,order_id,node_id,carrier_id,service_level,tracking_number,label_created_at,shipped_at,"
                     "delivered_at\n"
                     "S1,O1,DC1,UPS,saver,1ZA2207X0444990982,2014-10-29T12:00:00Z,,\n"
                     "S2,O2,DC1,USPS,priority,9405903699300211343566,2014-06-28T12:00:00Z,,\n"
                     "S3,O3,DC1,DHL,express,AS-DOCS-1,2024-02-29T12:00:00Z,,\n",
}


@pytest.fixture
def store(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from store import open_store
    from tests.conftest import fresh_settings

    url = f"sqlite:///{tmp_path}/import.db"
    monkeypatch.setenv("WISMO_DATABASE_URL", url)
    monkeypatch.setenv("WISMO_IMPORTS_DIR", str(tmp_path / "imports"))
    fresh_settings()
    base = tmp_path / "base"
    base.mkdir()
    for name, body in BASE.items():
        (base / name).write_text(body)
    result = runner.invoke(app, ["load", str(base)])
    assert result.exit_code == 0, result.output
    s = open_store(url)
    yield s
    s.engine.dispose()


def _one(store, sql: str):  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return conn.execute(text(sql)).all()


def test_a_folder_of_aftership_json_in_one_command(store, tmp_path):
    """Three trackings whose numbers the store's shipments carry: 15 (UPS) + 27 (USPS; no two alike) + 4
    (documented webhook) scans land; S1 is delivered at 17:56Z (09:56 PST); importing again changes nothing."""
    folder = tmp_path / "aftership"
    folder.mkdir()
    for f in ("after_ship_tracking_delivered.json", "after_ship_tracking_in_transit.json", "docs_webhook.json"):
        shutil.copy(VENDORS / "aftership" / f, folder / f)
    result = runner.invoke(app, ["import", "tracking", "--format", "aftership", str(folder)])
    assert result.exit_code == 0, result.output
    assert "landed" in result.output and "figures refreshed" in result.output
    counts = dict(_one(store, "SELECT shipment_id, count(*) FROM tracking_events GROUP BY shipment_id"))
    assert counts == {"S1": 15, "S2": 27, "S3": 4}
    returned = _one(store, "SELECT status, raw_status, event_at FROM tracking_events WHERE shipment_id = 'S3' "
                           "ORDER BY event_at DESC LIMIT 1")
    assert returned[0][:2] == ("returned", "Exception/Exception_011")
    delivered = _one(store, "SELECT delivered_at FROM shipments WHERE shipment_id = 'S1'")[0][0]
    assert str(delivered).startswith("2014-11-03 17:56:00")
    before = snapshot(store)
    again = runner.invoke(app, ["import", "tracking", "--format", "aftership", str(folder)])
    assert again.exit_code == 0 and snapshot(store) == before


def test_unknown_tracking_numbers_refuse_unless_skipped(store, tmp_path):
    """after_ship_trackings.json also holds 1ZA2207X0490715335, which no shipment carries: refused, nothing
    written, the number listed; --skip-unmapped loads the other tracking and lists it."""
    src = VENDORS / "aftership" / "after_ship_trackings.json"
    before = snapshot(store)
    result = runner.invoke(app, ["import", "tracking", "--format", "aftership", str(src)])
    assert result.exit_code == 1 and "1ZA2207X0490715335" in result.output and "REFUSED" in result.output
    assert snapshot(store) == before
    result = runner.invoke(app, ["import", "tracking", "--format", "aftership", str(src), "--skip-unmapped"])
    assert result.exit_code == 0, result.output
    assert _one(store, "SELECT count(*) FROM tracking_events")[0][0] == 15


def test_out_writes_contract_files_with_the_tracking_number(store, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["import", "tracking", "--format", "shippo",
                                 str(VENDORS / "shippo" / "docs_webhook.json"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = (out / "tracking_events.csv").read_text().splitlines()
    assert lines[0] == "event_id,shipment_id,status,event_at,received_at,location,raw_status,tracking_number"
    assert lines[1].split(",")[2:5] == ["info_received", "2024-07-01T15:00:00Z", "2024-07-01T16:00:00Z"]
    assert all(line.endswith(",SHIPPO-DOCS-1") for line in lines[1:])
    assert _one(store, "SELECT count(*) FROM tracking_events")[0][0] == 0  # nothing loaded


def test_a_zendesk_export_in_one_command(store, tmp_path):
    """Four tickets → four contacts (hand-worked in test_contacts.py); with a config that sets no defaults,
    an export with an unlisted tag and channel is refused whole and lists the ticket; with --skip-unmapped,
    that ticket is left out (not written with a blank reason) and the other loads."""
    from tests.connectors.test_contacts import strict

    result = runner.invoke(app, ["import", "contacts", "--format", "zendesk",
                                 str(VENDORS / "helpdesk" / "zendesk_tickets.json")])
    assert result.exit_code == 0, result.output
    assert _one(store, "SELECT contact_id, order_id, reason, handled_by FROM contacts ORDER BY contact_id") == [
        ("zd-35436", "O1", "order_status", "agent"), ("zd-35437", None, "return_refund", "agent"),
        ("zd-35438", "O2", "order_status", "bot"), ("zd-35439", None, "order_status", "agent")]
    before = snapshot(store)
    config = strict(tmp_path)
    args = ["import", "contacts", "--format", "zendesk", "--config", str(config),
            str(VENDORS / "helpdesk" / "zendesk_unmapped.json")]
    bad = runner.invoke(app, args)
    assert bad.exit_code == 1 and "carrier_pigeon" in bad.output and snapshot(store) == before
    assert f"not in {config} channels" in bad.output
    skipped = runner.invoke(app, [*args, "--skip-unmapped"])
    assert skipped.exit_code == 0, skipped.output
    assert "1 record(s) with an issue left out" in skipped.output
    assert _one(store, "SELECT contact_id, reason FROM contacts WHERE contact_id IN ('zd-1', 'zd-2')") == [
        ("zd-1", "order_status")]


OMS = ("Order Number;Customer;Created;Promise;Channel\n"
       "A-100;C9;15/07/2025 09:00;18/07/2025;Web Shop\n"
       "A-101;C8;15/12/2025 09:00;18/12/2025;Mobile App\n")
MAPPING = {"table": "orders", "file": "oms_orders.csv", "columns": {
    "order_id": "Order Number", "customer_id": "Customer",
    "placed_at": {"from": "Created", "format": "%d/%m/%Y %H:%M", "timezone": "Europe/London"},
    "promised_delivery_date": {"from": "Promise", "format": "%d/%m/%Y"},
    "channel": {"from": "Channel", "values": {"Web Shop": "web", "Mobile App": "app"}},
    "delivery_method": {"value": "ship"}}}


def test_load_with_a_mapping_renames_converts_and_fills(store, tmp_path):
    """London 09:00 is 08:00Z in July (BST) and 09:00Z in December (GMT); values mapped; a constant fills."""
    folder = tmp_path / "oms"
    folder.mkdir()
    (folder / "oms_orders.csv").write_text(OMS.replace(";", ","))
    mapping = dict(MAPPING)
    (tmp_path / "orders.yaml").write_text(yaml.safe_dump(mapping))
    result = runner.invoke(app, ["load", str(folder), "--mapping", str(tmp_path / "orders.yaml")])
    assert result.exit_code == 0, result.output
    rows = _one(store, "SELECT order_id, customer_id, channel, placed_at, promised_delivery_date, delivery_method "
                       "FROM orders WHERE order_id LIKE 'A-%' ORDER BY order_id")
    assert [(r[0], r[1], r[2], str(r[3])[:19], str(r[4]), r[5]) for r in rows] == [
        ("A-100", "C9", "web", "2025-07-15 08:00:00", "2025-07-18", "ship"),
        ("A-101", "C8", "app", "2025-12-15 09:00:00", "2025-12-18", "ship")]


def test_a_value_the_mapping_does_not_list_refuses_the_load(store, tmp_path):
    folder = tmp_path / "oms"
    folder.mkdir()
    (folder / "oms_orders.csv").write_text(OMS.replace(";", ",").replace("Mobile App", "Marketplace"))
    (tmp_path / "orders.yaml").write_text(yaml.safe_dump(MAPPING))
    before = snapshot(store)
    result = runner.invoke(app, ["load", str(folder), "--mapping", str(tmp_path / "orders.yaml")])
    assert result.exit_code == 1
    assert "oms_orders.csv row 2 [unmapped_value] Channel='Marketplace'" in result.output
    assert snapshot(store) == before


def test_mapping_suggest_reads_header_and_samples(tmp_path):
    """Obvious names map; the dd/mm/yyyy time gets its format and a zone to check; enum values are matched
    to the contract's where they resemble them and left '?' where they do not."""
    (tmp_path / "oms.csv").write_text("order_id,customer_id,placed_at,channel\nA1,C1,15/07/2025 09:00,Web\n"
                                      "A2,C2,16/07/2025 10:30,Phone order\n")
    result = runner.invoke(app, ["mapping", "suggest", str(tmp_path / "oms.csv"), "--table", "orders"])
    assert result.exit_code == 0, result.output
    got = yaml.safe_load(result.output)
    assert got["table"] == "orders" and got["columns"]["order_id"] == {"from": "order_id"}
    assert got["columns"]["placed_at"] == {"from": "placed_at", "format": "%d/%m/%Y %H:%M", "timezone": "UTC"}
    assert got["columns"]["channel"]["values"]["Web"] == "web"
    assert got["columns"]["channel"]["values"]["Phone order"] in ("phone", "?")
    assert "# check:" in result.output


def test_contacts_from_a_csv_with_a_mapping(store, tmp_path):
    """A contact-centre CSV with its own names: mapped, checked, loaded; 'Chat' → chat, 'Where is my order'
    → order_status, 10:00 in New York (EST −05:00 in January) → 15:00Z."""
    (tmp_path / "cc.csv").write_text("Ticket,Order,Customer,Via,Topic,Opened\n"
                                     "T1,O1,K1,Chat,Where is my order,2026-01-05 10:00\n")
    (tmp_path / "cc.yaml").write_text(yaml.safe_dump({"table": "contacts", "columns": {
        "contact_id": "Ticket", "order_id": "Order", "customer_id": "Customer",
        "channel": {"from": "Via", "values": {"Chat": "chat"}}, "handled_by": {"value": "agent"},
        "reason": {"from": "Topic", "values": {"Where is my order": "order_status"}},
        "created_at": {"from": "Opened", "format": "%Y-%m-%d %H:%M", "timezone": "America/New_York"}}}))
    result = runner.invoke(app, ["import", "contacts", "--format", "csv", str(tmp_path / "cc.csv"),
                                 "--mapping", str(tmp_path / "cc.yaml")])
    assert result.exit_code == 0, result.output
    rows = _one(store, "SELECT contact_id, channel, reason, created_at FROM contacts")
    assert [(r[0], r[1], r[2], str(r[3])[:19]) for r in rows] == [("T1", "chat", "order_status", "2026-01-05 15:00:00")]
