"""What an incremental refresh reads (services/refresh.py): the loads landed since the last refresh and
what they touched, the earliest timestamp of the order families that can have changed, and the rows of
the families a recomputation needs.

A *family* is an order with every row that names it: its lines, shipments (and their tracking events),
exceptions, notifications and contacts. Contacts without an order stand alone. Each read runs in one
read transaction (one snapshot of the store) and leaves nothing behind: its scratch table is temporary.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import text

from core.contract import FAMILY, TABLES, Columns, contract_schema
from store.bulk import read_queries, wanted
from store.db import Store

SCRATCH = "wismo_scope"
LOAD_ID = re.compile(r"[0-9A-Za-z_-]+")  # what services/loading.py makes: 20261201T165101-7561e5ad


def times(table: str) -> list[str]:
    """The table's timestamp and date columns."""
    return [c for c, t in contract_schema(table).items() if isinstance(t, pl.Datetime) or t == pl.Date]


@dataclass(frozen=True)
class PendingLoad:
    load_id: str
    scope: str | None  # orders | all | None (landed before touches were recorded)
    touched_from: dt.datetime | None


def pending_loads(store: Store, after: dt.datetime | None) -> list[PendingLoad]:
    """Landed loads that finished after ``after`` (every landed load with None)."""
    where = "status = 'landed'" + (" AND finished_at > :t" if after is not None else "")
    with store.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT load_id, scope, touched_from FROM load_runs WHERE {where} "  # noqa: S608
                                 "ORDER BY finished_at"), {"t": _param(store, after)} if after else {}).all()
    return [PendingLoad(r[0], r[1], _ts(r[2])) for r in rows]


def _param(store: Store, t: dt.datetime | None) -> Any:
    if t is None:
        return None
    t = t.astimezone(dt.UTC)
    return t.strftime("%Y-%m-%d %H:%M:%S.%f") if store.dialect == "sqlite" else t


def _literal(store: Store, t: dt.datetime | dt.date) -> str:
    """A time we computed as a SQL literal in the store's storage format (SQLite keeps text)."""
    if isinstance(t, dt.datetime):
        text_ = t.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return f"'{text_}'" if store.dialect == "sqlite" else f"TIMESTAMPTZ '{text_}+00'"
    return f"'{t.isoformat()}'" if store.dialect == "sqlite" else f"DATE '{t.isoformat()}'"


def _ts(v: Any) -> dt.datetime | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=dt.UTC) if v.tzinfo is None else v.astimezone(dt.UTC)
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day, tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(v)).replace(tzinfo=dt.UTC)


def _touching(store: Store, since: dt.datetime, with_open: bool) -> str:
    """Order ids of the families with a timestamp at or after ``since`` (a date column: from the day before),
    and with ``with_open`` those with an exception not resolved or a shipment not delivered before ``since``
    (the snapshot measures count them in every later period)."""
    at, day = _literal(store, since), _literal(store, (since - dt.timedelta(days=1)).date())
    parts = []
    for table in FAMILY:
        cond = " OR ".join(f"{c} >= {day if contract_schema(table)[c] == pl.Date else at}" for c in times(table))
        parts.append(f"SELECT order_id FROM {table} WHERE order_id IS NOT NULL AND ({cond})")  # noqa: S608
    # one pass over the scans; here and below the SQL holds contract names and times we made, no user text
    parts.append("SELECT order_id FROM shipments WHERE shipment_id IN (SELECT shipment_id FROM tracking_events "  # noqa: S608
                 f"WHERE event_at >= {at} OR received_at >= {at})")
    if with_open:
        parts.append("SELECT order_id FROM exceptions WHERE resolved_at IS NULL")
        parts.append("SELECT s.order_id FROM shipments s WHERE s.delivered_at IS NULL AND NOT EXISTS ("  # noqa: S608
                     "SELECT 1 FROM tracking_events e WHERE e.shipment_id = s.shipment_id "
                     f"AND e.status = 'delivered' AND e.received_at < {at})")
    return " UNION ".join(parts)


def _touched(loads: Sequence[str]) -> str:
    if not all(LOAD_ID.fullmatch(lid) for lid in loads):
        raise ValueError(f"not a load id: {[lid for lid in loads if not LOAD_ID.fullmatch(lid)]}")
    ids = ", ".join(f"'{lid}'" for lid in loads)
    return (f"SELECT t.key AS order_id FROM load_touches t WHERE t.kind = 'order' AND t.load_id IN ({ids}) "  # noqa: S608
            "UNION SELECT s.order_id FROM load_touches t JOIN shipments s ON s.shipment_id = t.key "  # noqa: S608
            f"WHERE t.kind = 'shipment' AND t.load_id IN ({ids})")


def _setup(store: Store, loads: Sequence[str], since: dt.datetime, with_open: bool) -> list[str]:
    sql = _touching(store, since, with_open) + (f" UNION {_touched(loads)}" if loads else "")
    return [f"CREATE TEMPORARY TABLE {SCRATCH} AS {sql}"]


def _where(table: str) -> str:
    if table == "tracking_events":
        return (f"shipment_id IN (SELECT shipment_id FROM shipments WHERE order_id IN "  # noqa: S608
                f"(SELECT order_id FROM {SCRATCH}))")
    return f"order_id IN (SELECT order_id FROM {SCRATCH})"  # noqa: S608


def read_families(store: Store, loads: Sequence[str], since: dt.datetime, columns: Columns | None = None
                  ) -> tuple[dict[str, pl.DataFrame], pl.Series]:
    """Every contract table (only ``columns`` where given), typed, holding only: the families the ``loads``
    touched, those with a timestamp at or after ``since``, those with an exception or a shipment still open at
    ``since``, the contacts without an order created at or after ``since``; the nodes and carriers whole. And
    the order ids the ``loads`` touched. One snapshot."""
    queries: dict[str, tuple[str, dict[str, pl.DataType]]] = {
        "touched": (_touched(loads) if loads else "SELECT order_id FROM orders WHERE 1 = 0", {"order_id": pl.String()})}
    for table in TABLES:
        schema = wanted(table, columns)
        sql = f"SELECT {', '.join(schema)} FROM {table}"  # noqa: S608 - contract names
        if table == "contacts":
            sql += f" WHERE {_where(table)} OR (order_id IS NULL AND created_at >= {_literal(store, since)})"
        elif table in FAMILY or table == "tracking_events":
            sql += f" WHERE {_where(table)}"
        queries[table] = (sql, dict(schema))
    got = read_queries(store, queries, _setup(store, loads, since, with_open=True), many=False)
    touched = got.pop("touched")["order_id"]
    return got, touched
