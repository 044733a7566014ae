"""Every blocking rule refuses the load, names file, row, column, rule and value, and writes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from services.loading import load
from tests.conftest import edit_csv, snapshot

AS_OF = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)

# file, row, column, bad value, rule, column the finding names, rows it names
CELL_CASES = [
    ("orders.csv", 1, "placed_at", "2026-02-30T10:00:00Z", "type_timestamp", "placed_at", [1]),
    ("orders.csv", 2, "promised_delivery_date", "06/03/2026", "type_date", "promised_delivery_date", [2]),
    ("order_lines.csv", 1, "quantity", "one", "type_int", "quantity", [1]),
    ("order_lines.csv", 1, "quantity", "0", "range", "quantity", [1]),
    ("order_lines.csv", 2, "promised_from_stock", "yes", "type_bool", "promised_from_stock", [2]),
    ("carriers.csv", 2, "activation_sla_hours", "fast", "type_float", "activation_sla_hours", [2]),
    ("carriers.csv", 2, "activation_sla_hours", "inf", "type_float", "activation_sla_hours", [2]),
    ("carriers.csv", 2, "activation_sla_hours", "-Infinity", "type_float", "activation_sla_hours", [2]),
    ("carriers.csv", 2, "activation_sla_hours", "NaN", "type_float", "activation_sla_hours", [2]),
    ("carriers.csv", 2, "activation_sla_hours", "1e400", "type_float", "activation_sla_hours", [2]),
    ("carriers.csv", 2, "activation_sla_hours", "1e308", "range", "activation_sla_hours", [2]),
    ("carriers.csv", 2, "activation_sla_hours", "-1", "range", "activation_sla_hours", [2]),
    ("order_lines.csv", 1, "quantity", "1000000", "range", "quantity", [1]),
    ("contacts.csv", 1, "csat_score", "6", "range", "csat_score", [1]),
    ("orders.csv", 1, "channel", "fax", "enum", "channel", [1]),
    ("tracking_events.csv", 1, "status", "lost_in_space", "enum", "status", [1]),
    ("orders.csv", 1, "customer_id", "", "not_null", "customer_id", [1]),
    ("orders.csv", 2, "order_id", "O1", "primary_key", "order_id", [1, 2]),
    ("order_lines.csv", 3, "line_id", "1", "primary_key", "order_id+line_id", [2, 3]),
    ("order_lines.csv", 1, "order_id", "O404", "reference", "order_id", [1]),
    ("contacts.csv", 2, "order_id", "O404", "reference", "order_id", [2]),
    ("tracking_events.csv", 1, "shipment_id", "S404", "reference", "shipment_id", [1]),
    ("exceptions.csv", 1, "carrier_id", "CZ", "reference", "carrier_id", [1]),
    ("order_lines.csv", 2, "shipment_id", "S404", "reference", "shipment_id", [2]),
]


def attempt(folder: Path, store, tmp_path: Path):  # type: ignore[no-untyped-def]
    return load(folder, store, user="t", as_of=AS_OF, rejects_dir=tmp_path / "rejects")


@pytest.fixture
def loaded(store, tiny, tmp_path):  # type: ignore[no-untyped-def]
    """The store already holds the tiny dataset; returns its snapshot."""
    assert attempt(tiny, store, tmp_path).landed
    return snapshot(store)


@pytest.mark.parametrize(("file", "row", "column", "value", "rule", "named_column", "rows"), CELL_CASES,
                         ids=[f"{c[0]}:{c[2]}:{c[4]}" for c in CELL_CASES])
def test_bad_cell_refuses_load_and_names_it(store, tiny, tmp_path, loaded, file, row, column, value, rule,
                                            named_column, rows):
    """A single bad cell refuses the whole load, is named in the report and rejects file, and writes nothing."""
    edit_csv(tiny / file, row, column, value)
    result = attempt(tiny, store, tmp_path)
    assert not result.landed
    failing = [(f.rule, f.column, f.rows) for f in result.report.blocking]
    assert failing == [(rule, named_column, rows)]
    rejects = pl.read_csv(result.rejects_file, infer_schema=False)
    hit = rejects.filter(pl.col("rule") == rule)
    assert hit["file"].str.ends_with(file).all()
    assert sorted(int(r) for r in hit["row"]) == rows
    assert (hit["column"] == named_column).all()
    if rule not in ("primary_key", "not_null"):  # as written; a formula-like cell (-Infinity) behind an apostrophe
        assert ("'" + value if value[:1] in "=+-@" else value) in hit["value"].to_list()
    assert snapshot(store) == loaded


@pytest.mark.parametrize(("spoil", "rule", "says"), [
    ("drop_column", "required_column", "required column 'channel' is missing"),
    ("empty_file", "empty_file", "is empty"),
    ("latin1", "encoding", "is not UTF-8"),
    ("unknown_table", "unknown_table", "'customers' is not a contract table"),
])
def test_unreadable_file_refuses_load(store, tiny, tmp_path, loaded, spoil, rule, says):
    """A file that cannot be taken at all refuses the load with a message that names it."""
    if spoil == "drop_column":
        df = pl.read_csv(tiny / "orders.csv", infer_schema=False).drop("channel")
        df.write_csv(tiny / "orders.csv")
    elif spoil == "empty_file":
        (tiny / "contacts.csv").write_bytes(b"")
    elif spoil == "latin1":
        (tiny / "nodes.csv").write_bytes("node_id,name,node_type,region\nDC1,Entrep\u00f4t Est,dc,east\n"
                                         .encode("latin-1"))
    else:
        (tiny / "customers.csv").write_text("customer_id\nK1\n")
    result = attempt(tiny, store, tmp_path)
    assert not result.landed
    [finding] = result.report.blocking
    assert finding.rule == rule
    assert says in finding.message
    if spoil == "latin1":
        assert "line 2" in finding.message and finding.file.endswith("nodes.csv")
    assert snapshot(store) == loaded


def test_refused_load_is_recorded_with_its_rejects(store, tiny, tmp_path, loaded):
    """A refused load leaves a load_runs row (status refused) and its rejected rows, and no data."""
    from store import bulk

    edit_csv(tiny / "orders.csv", 1, "channel", "fax")
    result = attempt(tiny, store, tmp_path)
    runs = bulk.read_sql(store, "SELECT status, blocking_failures FROM load_runs ORDER BY finished_at")
    assert runs.rows() == [("landed", 0), ("refused", 1)]
    rejected = bulk.read_sql(store, "SELECT table_name, row_number, column_name, rule, value FROM rejected_rows "
                                    f"WHERE load_id = '{result.load_id}' AND severity = 'blocking'")
    assert rejected.rows() == [("orders", 1, "channel", "enum", "fax")]
