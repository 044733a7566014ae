"""Named read queries: every SELECT the services make, with bound parameters, returning typed frames
or typed records. Nothing above the store writes SQL.

The figures tables are read here (``kpi_cube`` and the drill-down facts the refresh writes), the
bookkeeping of loads and refreshes, the governed settings, and one order's rows for its timeline.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import text

from core.contract import LOAD_ORDER, TABLES, contract_schema
from store import frames
from store.bulk import from_sql
from store.db import Store

UTC_US = pl.Datetime("us", "UTC")
BOOLEANS: dict[str, pl.DataType] = {c: pl.Boolean() for c in ("avoidable", "covered", "decided", "fcr_resolved",
                                                              "promised_from_stock")}


def frame(store: Store, sql: str, params: Mapping[str, Any] | None = None,
          schema: Mapping[str, pl.DataType] | None = None) -> pl.DataFrame:
    """Run a fixed query with bound parameters; columns cast to ``schema`` (and the known booleans)."""
    with store.engine.connect() as conn:
        result = conn.execute(text(sql), dict(params or {}))
        names = list(result.keys())
        rows = [tuple(r) for r in result.all()]
    types = dict(BOOLEANS) | dict(schema or {})
    df = (pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None) if rows
          else pl.DataFrame(schema={n: types.get(n, pl.String()) for n in names}))
    return from_sql(df, types)


def scalar(store: Store, sql: str, params: Mapping[str, Any] | None = None) -> Any:
    with store.engine.connect() as conn:
        return conn.execute(text(sql), dict(params or {})).scalar()


# ---- bookkeeping: refreshes and loads -------------------------------------------------------------


@dataclass(frozen=True)
class RunRow:
    """One refresh of the figures."""

    run_id: str
    started_at: dt.datetime
    seconds: float
    as_of: dt.datetime
    rule_version: str
    engine: str
    figures: int
    causes: int


@dataclass(frozen=True)
class LoadRow:
    """One load attempt (landed or refused)."""

    load_id: str
    started_at: dt.datetime
    finished_at: dt.datetime
    as_of: dt.datetime
    status: str
    warnings: int
    blocking_failures: int


def latest_run(store: Store) -> RunRow | None:
    got = frame(store, "SELECT run_id, started_at, seconds, as_of, rule_version, engine, figures, causes "
                       "FROM metric_runs ORDER BY started_at DESC, run_id DESC LIMIT 1",
                schema={"started_at": UTC_US, "as_of": UTC_US, "seconds": pl.Float64(), "figures": pl.Int64(),
                        "causes": pl.Int64()})
    return RunRow(**got.row(0, named=True)) if got.height else None


def runs(store: Store) -> pl.DataFrame:
    return frame(store, "SELECT run_id, started_at, as_of, rule_version, engine FROM metric_runs "
                        "ORDER BY started_at", schema={"started_at": UTC_US, "as_of": UTC_US})


def _load_row(df: pl.DataFrame) -> LoadRow | None:
    if not df.height:
        return None
    r = df.row(0, named=True)
    return LoadRow(r["load_id"], r["started_at"], r["finished_at"], r["as_of"], r["status"],
                   int(r["warnings"] or 0), int(r["blocking_failures"] or 0))


LOAD_COLUMNS = "load_id, started_at, finished_at, as_of, status, warnings, blocking_failures"
LOAD_TYPES: dict[str, pl.DataType] = {"started_at": UTC_US, "finished_at": UTC_US, "as_of": UTC_US,
                                      "warnings": pl.Int64(), "blocking_failures": pl.Int64()}


def latest_load(store: Store, status: str | None = None) -> LoadRow | None:
    """The newest load attempt, or the newest with ``status`` (landed, refused)."""
    where = " WHERE status = :s" if status else ""
    return _load_row(frame(store, f"SELECT {LOAD_COLUMNS} FROM load_runs{where} "  # noqa: S608 - fixed text
                                  "ORDER BY finished_at DESC LIMIT 1", {"s": status}, LOAD_TYPES))


def newest_as_of(store: Store) -> dt.datetime | None:
    """The newer of the newest landed load's as-of and the last refresh's."""
    found = [frame(store, sql, schema={"a": UTC_US})["a"][0]
             for sql in ("SELECT max(as_of) AS a FROM load_runs WHERE status = 'landed'",
                         "SELECT max(as_of) AS a FROM metric_runs")]
    values = [v for v in found if v is not None]
    return max(values) if values else None


def loads(store: Store, limit: int = 50) -> pl.DataFrame:
    return frame(store, "SELECT load_id, started_at, finished_at, as_of, status, user_name, source, row_counts, "
                        "blocking_failures, warnings FROM load_runs ORDER BY finished_at DESC LIMIT :n",
                 {"n": limit}, LOAD_TYPES)


def check_results(store: Store, load_id: str) -> pl.DataFrame:
    return frame(store, "SELECT table_name, rule, severity, column_name, checked_rows, failing_rows, message "
                        "FROM check_results WHERE load_id = :id", {"id": load_id},
                 {"checked_rows": pl.Int64(), "failing_rows": pl.Int64()})


def rejected(store: Store, limit: int = 500) -> pl.DataFrame:
    return frame(store, "SELECT load_id, file, row_number, table_name, column_name, rule, severity, value "
                        "FROM rejected_rows ORDER BY load_id DESC, row_number LIMIT :n", {"n": limit},
                 {"row_number": pl.Int64()})


def row_counts(store: Store) -> dict[str, int]:
    """Rows per contract table, read in one statement: one consistent snapshot."""
    sql = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t}) AS {t}" for t in LOAD_ORDER)  # noqa: S608
    with store.engine.connect() as conn:
        row = conn.execute(text(sql)).mappings().one()
    return {t: int(row[t]) for t in LOAD_ORDER}


def present(store: Store, needs: Iterable[str]) -> dict[str, bool]:
    """Whether each input is in the store: ``table`` has a row, ``table.column`` has a value (each an
    indexed or early-stopping probe, not a count)."""
    out = {}
    for need in sorted(set(needs)):
        table, _, column = need.partition(".")
        if table not in LOAD_ORDER or (column and column not in {c.name for c in TABLES[table].columns}):
            raise ValueError(f"not a contract table or column: {need}")
        where = f" WHERE {column} IS NOT NULL" if column else ""
        out[need] = scalar(store, f"SELECT 1 FROM {table}{where} LIMIT 1") is not None  # noqa: S608 - names checked
    return out


def newest_scan(store: Store) -> dt.datetime | None:
    """The newest carrier scan received: the newest any landed load recorded, else (tracking events written
    otherwise) a scan of every tracking event."""
    for sql in ("SELECT max(newest_scan) AS newest FROM load_runs WHERE status = 'landed'",
                "SELECT max(received_at) AS newest FROM tracking_events"):
        got = frame(store, sql, schema={"newest": UTC_US})
        value: dt.datetime | None = got["newest"][0] if got.height else None
        if value is not None:
            return value
    return None


# ---- the figures ----------------------------------------------------------------------------------


def kpi_rows(store: Store, grain: str, dimension: str, value: str | None = None) -> pl.DataFrame:
    """``kpi_cube`` rows of one grain and dimension (and one value of it)."""
    sql = ("SELECT kpi, period_start, dimension_value, numerator, denominator, value FROM kpi_cube "
           "WHERE grain = :grain AND dimension = :dim")
    kept = frames.read(store, "kpi_cube")
    if kept is not None:
        kept = kept.filter((pl.col("grain") == grain) & (pl.col("dimension") == dimension)
                           & (pl.col("dimension_value") == value if value else pl.lit(True)))
        return kept.select("kpi", "period_start", "dimension_value", "numerator", "denominator", "value")
    params: dict[str, Any] = {"grain": grain, "dim": dimension}
    if value:
        sql += " AND dimension_value = :val"
        params["val"] = value
    return frame(store, sql, params, {"period_start": pl.Date(), "numerator": pl.Float64(),
                                      "denominator": pl.Float64(), "value": pl.Float64()})


def kpi_count(store: Store, kpis: tuple[str, ...], grain: str, dimension: str) -> int:
    marks = ", ".join(f":k{i}" for i in range(len(kpis)))
    return int(scalar(store, f"SELECT count(*) FROM kpi_cube WHERE kpi IN ({marks}) "  # noqa: S608 - marks only
                             "AND grain = :g AND dimension = :d",
                      {f"k{i}": k for i, k in enumerate(kpis)} | {"g": grain, "d": dimension}) or 0)


def carrier_latency(store: Store, grain: str) -> pl.DataFrame:
    if (kept := frames.read(store, "carrier_latency")) is not None:
        return kept.filter(pl.col("grain") == grain).select("carrier_id", "period_start", "events", "p50_hours",
                                                              "p90_hours")
    return frame(store, "SELECT carrier_id, period_start, events, p50_hours, p90_hours FROM carrier_latency "
                        "WHERE grain = :grain", {"grain": grain},
                 {"period_start": pl.Date(), "events": pl.Int64(), "p50_hours": pl.Float64(),
                  "p90_hours": pl.Float64()})


def cause_contacts(store: Store) -> pl.DataFrame:
    """Every attributed WISMO contact with its cause, its own channel and handler, and its order's node,
    carrier and sales channel as the figures attribute them."""
    causes, contacts = frames.read(store, "contact_causes"), frames.read(store, "contacts")
    if causes is not None and contacts is not None:
        return causes.join(contacts, on="contact_id", suffix="_c").select(
            "contact_id", "order_id", "created_at", pl.col("channel_c").alias("contact_channel"), "handled_by",
            "cause", "avoidable", "node", "carrier", pl.col("channel").alias("sales_channel"))
    return frame(store, "SELECT c.contact_id, c.order_id, c.created_at, c.channel AS contact_channel, "
                        "c.handled_by, k.cause, k.avoidable, k.node, k.carrier, k.channel AS sales_channel "
                        "FROM contact_causes k JOIN contacts c ON c.contact_id = k.contact_id",
                 schema={"created_at": UTC_US})


def exception_facts(store: Store) -> pl.DataFrame:
    if (kept := frames.read(store, "exception_facts")) is not None:
        return kept
    return frame(store, "SELECT * FROM exception_facts", schema={
        "opened_at": UTC_US, "resolved_at": UTC_US, "first_notice_at": UTC_US, "hours_to_notice": pl.Float64()})


def feed_conflicts(store: Store, *, carrier: str | None = None, order_id: str | None = None) -> pl.DataFrame:
    """Shipments whose feeds disagree (the refresh's ``feed_conflicts``): all, one carrier's or one order's (a
    bound NULL matches every row)."""
    if (kept := frames.read(store, "feed_conflicts")) is not None:
        return _matching(kept, carrier, order_id).sort(["handed_over_at", "shipment_id"],
                                                       descending=[True, False], nulls_last=True)
    return frame(store, "SELECT * FROM feed_conflicts WHERE (CAST(:carrier AS VARCHAR(64)) IS NULL OR carrier_id = "
                        ":carrier) AND (CAST(:order_id AS VARCHAR(64)) IS NULL OR order_id = :order_id) "
                        "ORDER BY handed_over_at DESC, shipment_id",
                 {"carrier": carrier, "order_id": order_id},
                 schema={"handed_over_at": UTC_US, "delivered_at": UTC_US, "delivered_scan_at": UTC_US})


def message_checks(store: Store, *, carrier: str | None = None, order_id: str | None = None) -> pl.DataFrame:
    """Status messages the source of truth did not support (the refresh's ``message_checks``)."""
    if (kept := frames.read(store, "message_checks")) is not None:
        return _matching(kept, carrier, order_id).sort(["sent_at", "notification_id"], descending=[True, False],
                                                       nulls_last=True)
    return frame(store, "SELECT * FROM message_checks WHERE (CAST(:carrier AS VARCHAR(64)) IS NULL OR carrier_id = "
                        ":carrier) AND (CAST(:order_id AS VARCHAR(64)) IS NULL OR order_id = :order_id) "
                        "ORDER BY sent_at DESC, notification_id",
                 {"carrier": carrier, "order_id": order_id}, schema={"sent_at": UTC_US, "recorded_at": UTC_US})


def _matching(df: pl.DataFrame, carrier: str | None, order_id: str | None) -> pl.DataFrame:
    if carrier is not None:
        df = df.filter(pl.col("carrier_id") == carrier)
    return df.filter(pl.col("order_id") == order_id) if order_id is not None else df


def care_contacts(store: Store) -> pl.DataFrame:
    states, contacts = frames.read(store, "contact_states"), frames.read(store, "contacts")
    if states is not None and contacts is not None:
        return contacts.join(states, on="contact_id").select(
            "contact_id", "order_id", "channel", "handled_by", "reason", "created_at", "csat_score",
            "state_at_contact", "fcr_resolved")
    return frame(store, "SELECT c.contact_id, c.order_id, c.channel, c.handled_by, c.reason, c.created_at, "
                        "c.csat_score, s.state_at_contact, s.fcr_resolved FROM contacts c "
                        "JOIN contact_states s ON s.contact_id = c.contact_id",
                 schema={"created_at": UTC_US, "csat_score": pl.Int64()})


def cause_counts(store: Store) -> tuple[int, int]:
    """(WISMO contacts with a cause, those with a cause other than unlinked)."""
    with store.engine.connect() as conn:
        n, linked = conn.execute(text("SELECT count(*), sum(CASE WHEN cause <> 'unlinked' THEN 1 ELSE 0 END) "
                                      "FROM contact_causes")).one()
    return int(n or 0), int(linked or 0)


def dimension_values(store: Store) -> dict[str, list[str]]:
    """Nodes, carriers and order channels in the data."""
    def column(sql: str) -> list[str]:
        return [str(v) for v in frame(store, sql).to_series().to_list()]

    return {"node": column("SELECT node_id FROM nodes ORDER BY node_id"),
            "carrier": column("SELECT carrier_id FROM carriers ORDER BY carrier_id"),
            "channel": (sorted(str(v) for v in kept["channel"].to_list())
                        if (kept := frames.read(store, "order_channels")) is not None
                        else column("SELECT DISTINCT channel FROM orders ORDER BY channel"))}


def names(store: Store) -> dict[str, dict[str, str]]:
    """The display names of nodes and carriers: {"node": {id: name}, "carrier": {id: name}}."""
    nodes = frame(store, "SELECT node_id, name FROM nodes")
    carriers = frame(store, "SELECT carrier_id, name FROM carriers")
    none = {"unattributed": "No order (unattributed)", "unassigned": "Not assigned yet"}
    return {"node": none | {str(k): str(v) for k, v in nodes.iter_rows()},
            "carrier": none | {str(k): str(v) for k, v in carriers.iter_rows()}}


def carriers(store: Store) -> pl.DataFrame:
    return frame(store, "SELECT carrier_id, name, activation_sla_hours FROM carriers ORDER BY carrier_id",
                 schema={"activation_sla_hours": pl.Float64()})


def exists(store: Store, dimension: str, value: str) -> bool:
    sql = {"node": "SELECT count(*) FROM nodes WHERE node_id = :v",
           "carrier": "SELECT count(*) FROM carriers WHERE carrier_id = :v"}[dimension]
    return bool(scalar(store, sql, {"v": value}))


def rows_since(store: Store, table: str, column: str, since: dt.datetime) -> pl.DataFrame:
    """A contract table's rows whose ``column`` (a timestamp) is at or after ``since``, typed as the contract says."""
    schema = contract_schema(table)
    if schema.get(column) != UTC_US:
        raise KeyError(f"{table}.{column} is not a timestamp column of the contract")
    bound = since.astimezone(dt.UTC)
    param: Any = bound.strftime("%Y-%m-%d %H:%M:%S.%f") if store.dialect == "sqlite" else bound
    got = frame(store, f"SELECT {', '.join(schema)} FROM {table} WHERE {column} >= :since",  # noqa: S608 - contract names
                {"since": param}, schema)
    return got if got.height else pl.DataFrame(schema=schema)


# ---- governed settings ----------------------------------------------------------------------------


def governed_setting(store: Store, kind: str) -> tuple[int | None, dict[str, Any]]:
    """(version, payload) of the newest governed setting of ``kind``; (None, {}) when there is none."""
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT version, payload FROM gov_settings_versions WHERE kind = :k "
                                "ORDER BY version DESC LIMIT 1"), {"k": kind}).first()
    return (int(row[0]), json.loads(row[1])) if row else (None, {})


# ---- one order ------------------------------------------------------------------------------------

ORDER_TIMES: dict[str, pl.DataType] = {c: UTC_US for c in (
    "placed_at", "cancelled_at", "outcome_at", "label_created_at", "shipped_at", "delivered_at", "event_at",
    "received_at", "opened_at", "resolved_at", "sent_at", "created_at")} | {"promised_delivery_date": pl.Date()}


def order_rows(store: Store, order_id: str) -> dict[str, pl.DataFrame]:
    """One order's rows of every table (its contacts with their causes)."""
    p = {"id": order_id}
    sql = {
        "order": "SELECT * FROM orders WHERE order_id = :id",
        "lines": "SELECT * FROM order_lines WHERE order_id = :id ORDER BY line_id",
        "shipments": "SELECT * FROM shipments WHERE order_id = :id ORDER BY label_created_at",
        "scans": "SELECT e.* FROM tracking_events e JOIN shipments s ON s.shipment_id = e.shipment_id "
                 "WHERE s.order_id = :id ORDER BY e.event_at",
        "exceptions": "SELECT * FROM exceptions WHERE order_id = :id ORDER BY opened_at",
        "notifications": "SELECT * FROM notifications WHERE order_id = :id ORDER BY sent_at",
        "contacts": "SELECT c.*, k.cause, k.avoidable FROM contacts c LEFT JOIN contact_causes k "
                    "ON k.contact_id = c.contact_id WHERE c.order_id = :id ORDER BY c.created_at",
    }
    tables = {"order": "orders", "lines": "order_lines", "scans": "tracking_events"}
    # typed by the contract: a column that is null in every row of this order reads as text, not as "null"
    return {name: frame(store, q, p, contract_schema(tables.get(name, name)) | ORDER_TIMES
                        | {"cause": pl.String(), "avoidable": pl.Boolean()}) for name, q in sql.items()}
