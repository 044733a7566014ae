"""SQL mappings (issue 22): named SELECTs over a folder's extracts, run by DuckDB with no access beyond them.

The extract (tests/fixtures/extracts/denormalised/, written for these tests in the shape of a marketplace's
order export): one row per order, São Paulo local times without offset (UTC−3 in July), no node or carrier
ids, missing values, and a row without an order id. mapping.sql makes six tables from it, one source row
feeding several tables and one scan per milestone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.sql_mapping import read_statements, run
from tests.conftest import fresh_settings

EXTRACT = Path(__file__).parents[1] / "fixtures" / "extracts" / "denormalised"
AS_OF = "2025-07-20T00:00:00Z"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    dst = tmp_path / "extract"
    shutil.copytree(EXTRACT, dst)
    return dst


def test_one_denormalised_export_becomes_six_contract_tables(folder):
    """4 orders (the row without an id is filtered out); A4 was never approved, so 3 shipments; 4 scans
    (A1 and A2 in transit and delivered; A3 never handed over). A1 placed 10:00 in São Paulo → 13:00Z."""
    got = run(folder, folder / "mapping.sql")
    assert not got.issues
    assert {t: df.height for t, df in got.frames.items()} == {
        "nodes": 1, "carriers": 1, "orders": 4, "shipments": 3, "order_lines": 4, "tracking_events": 4}
    orders = got.frames["orders"].sort("order_id")
    assert orders["placed_at"].dt.strftime("%Y-%m-%dT%H:%MZ").to_list()[0] == "2025-07-01T13:00Z"
    assert orders["cancelled_at"].is_null().to_list() == [True, True, True, False]  # A4 cancelled
    assert sorted(got.frames["tracking_events"]["event_id"].to_list()) == [
        "E-A1-delivered", "E-A1-in_transit", "E-A2-delivered", "E-A2-in_transit"]


def test_a_dry_run_then_the_load_and_what_the_figures_can_and_cannot_say(folder, tmp_path, monkeypatch):
    """`wismo check --mapping` writes nothing; `wismo load --mapping` lands. By hand, at as-of 20 Jul 2025:
    tracking activation (default SLA 24 h): A1 labelled 13:30Z, first scan 12:00Z next day (22.5 h, on time);
    A2 labelled 14:10Z, scanned 2 days later (48.8 h, late); A3 never scanned (late) → 1 of 3.
    On-time delivery, week of 7 Jul (promise dates 8 and 12 Jul): A1 delivered 5 Jul (on time), A2 10 Jul
    (late), A3 not delivered → 1 of 3. No contacts, exceptions or notifications in the extract: the KPIs
    that need them show "no data"."""
    from services.figures import missing_inputs
    from store import bulk, open_store
    from wismo.cli import app

    url = f"sqlite:///{tmp_path}/s.db"
    monkeypatch.setenv("WISMO_DATABASE_URL", url)
    monkeypatch.setenv("WISMO_IMPORTS_DIR", str(tmp_path / "imports"))
    fresh_settings()
    runner = CliRunner()
    dry = runner.invoke(app, ["check", str(folder), "--mapping", str(folder / "mapping.sql"), "--as-of", AS_OF])
    assert dry.exit_code == 0, dry.output
    assert "mapping.sql: tracking_events from the SELECT at line 33: 4 rows" in dry.output
    assert "dry run: the load would land; nothing was written" in dry.output
    assert "orders                      0" in runner.invoke(app, ["db", "status"]).output
    loaded = runner.invoke(app, ["load", str(folder), "--mapping", str(folder / "mapping.sql"), "--as-of", AS_OF])
    assert loaded.exit_code == 0, loaded.output
    store = open_store(url)
    cube = bulk.read_sql(store, "SELECT kpi, period_start, numerator, denominator FROM kpi_cube WHERE grain = "
                                "'week' AND dimension = 'all' AND kpi IN ('tracking_activation_ontime', "
                                "'ontime_delivery') ORDER BY kpi")
    assert cube.rows() == [("ontime_delivery", "2025-07-07", 1.0, 3.0),
                           ("tracking_activation_ontime", "2025-06-30", 1.0, 3.0)]
    missing = missing_inputs(store)
    assert missing["tracking_activation_ontime"] == missing["ontime_delivery"] == ()
    assert missing["wismo_contact_rate"] == ("contacts",) and missing["order_exception_rate"] == ("exceptions",)


@pytest.mark.parametrize(("sql", "line", "says"), [
    ("-- table: nodes\nSELEC 1", 2, "syntax error at or near \"SELEC\""),
    ("-- table: nodes\n\nSELECT node\n  FROM orders_export", 3, 'Referenced column "node" not found'),
    ("-- table: nodes\nSELECT 'N' AS node_id, 'n' AS name, 'dc' AS node_type,\n  'x'::INTEGER AS region", 3,
     "Could not convert string 'x' to INT32"),  # line 3: where the cast is
    ("-- table: nodes\nSELECT 'N' AS node_id FROM orders_export", 2, "the SELECT makes no name, node_type, region"),
    ("-- table: nodes\nSELECT * FROM olist", 2, "tables here: orders_export"),
])
def test_a_sql_error_is_one_line_naming_file_table_and_line(folder, sql, line, says):
    (folder / "bad.sql").write_text(sql)
    got = run(folder, folder / "bad.sql")
    assert [(i.row, i.field) for i in got.issues] == [(line, "nodes")]
    message = got.issues[0].message
    assert message.startswith(f"bad.sql line {line} (nodes): ") and says in message and "\n" not in message


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "COPY (SELECT 1) TO '/tmp/wismo-escape.csv'",
    "INSTALL httpfs",
    "ATTACH '/tmp/wismo-escape.db'",
    "SET enable_external_access = true",
])
def test_a_mapping_reads_nothing_but_its_folder_and_writes_nothing(folder, sql):
    (folder / "evil.sql").write_text(f"-- table: nodes\n{sql}")
    got = run(folder, folder / "evil.sql")
    assert len(got.issues) == 1 and got.issues[0].rule == "sql_error" and not got.frames
    assert not Path("/tmp/wismo-escape.csv").exists() and not Path("/tmp/wismo-escape.db").exists()


def test_a_link_leading_outside_the_folder_is_not_read(folder, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\nsecret\n")
    (folder / "leak.csv").symlink_to(secret)
    (folder / "m.sql").write_text("-- table: nodes\nSELECT a AS node_id, a AS name, 'dc' AS node_type, a AS region "
                                  "FROM leak")
    got = run(folder, folder / "m.sql")
    assert [i.rule for i in got.issues] == ["outside_folder", "sql_error"]


def test_the_file_names_its_sections_or_is_refused(tmp_path):
    (tmp_path / "a.sql").write_text("SELECT 1")
    with pytest.raises(ValueError, match="no '-- table: NAME' line"):
        read_statements(tmp_path / "a.sql")
    (tmp_path / "b.sql").write_text("-- table: ordres\nSELECT 1")
    with pytest.raises(ValueError, match="b.sql line 1: 'ordres' is not a contract table"):
        read_statements(tmp_path / "b.sql")
    (tmp_path / "c.sql").write_text("-- table: nodes\nSELECT 1;\n-- table: nodes\nSELECT 2")
    with pytest.raises(ValueError, match="c.sql line 3: a second SELECT for nodes"):
        read_statements(tmp_path / "c.sql")


def test_suggest_takes_id_as_the_key_and_never_matches_an_id_to_a_city(tmp_path):
    """A marketplace-style header: `id` is the order id, `order_items_qty` the quantity, and customer_id finds
    no column (customer_city is a city, not an id) instead of a wrong one."""
    from connectors.mapping import suggest

    path = tmp_path / "export.csv"
    path.write_text("id,order_status,order_items_qty,order_purchase_timestamp,customer_city,customer_state\n"
                    "1,delivered,2,2017-08-30 11:41:01,Belo Horizonte,MG\n")
    orders = suggest(path, "orders")
    assert "  order_id: {from: \"id\"}  # check: 'id' taken as the orders key" in orders
    assert "customer_city" not in orders.split("# not mapped")[0]
    assert "  # customer_id: {from: ?}  # required" in orders
    lines = suggest(path, "order_lines")
    assert '  quantity: {from: "order_items_qty"}' in lines and 'line_id: {from: "id"}' not in lines


def test_suggest_can_write_a_sql_mapping_that_runs(folder):
    """`mapping suggest --sql` on the export: a SELECT DuckDB runs as it stands — renames, purchased_at as
    placed_at (no offset: read as UTC, marked for checking), the estimated date cast to a date."""
    from connectors.mapping import suggest

    text = suggest(folder / "orders_export.csv", "orders", sql=True)
    assert "\"purchased_at\"::TIMESTAMP AT TIME ZONE 'UTC' AS placed_at,  -- check: times carry no offset: set " \
           "their zone" in text
    (folder / "suggested.sql").write_text(text)
    got = run(folder, folder / "suggested.sql")
    assert not got.issues
    orders = got.frames["orders"]
    assert orders.height == 5 and orders.columns[:2] == ["order_id", "customer_id"]
    assert orders["placed_at"].dt.strftime("%H:%M").to_list()[0] == "10:00"


def test_a_suggested_sql_mapping_parses_day_first_times_and_maps_values(tmp_path):
    from connectors.mapping import suggest

    (tmp_path / "oms.csv").write_text("Order Number,Customer,Created,Channel\nA-100,C9,15/07/2025 09:00,Web Shop\n")
    text = suggest(tmp_path / "oms.csv", "orders", sql=True)
    assert "strptime(\"Created\", '%d/%m/%Y %H:%M') AT TIME ZONE 'UTC' AS placed_at" in text
    assert "CASE \"Channel\" WHEN 'Web Shop' THEN 'web' END AS channel" in text
    (tmp_path / "m.sql").write_text(text)
    got = run(tmp_path, tmp_path / "m.sql")
    assert not got.issues
    assert got.frames["orders"].select("order_id", "channel").rows() == [("A-100", "web")]
    assert got.frames["orders"]["placed_at"].dt.strftime("%Y-%m-%dT%H:%MZ").to_list() == ["2025-07-15T09:00Z"]
