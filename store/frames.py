"""The figure tables whole, as a refresh leaves them: one Arrow IPC body per table in ``figure_frames``,
written in the refresh's own transaction, so that a page's first view after a refresh reads one row instead
of fetching every row of a table (a drill-down lists every attributed contact; at a million orders that
fetch took seconds per table, and every session waited on it).

What is kept: the figure tables the pages read, the contacts' own columns the drill-downs show beside their
causes and states (as the refresh saw them), and the order channels in the data. A full refresh writes them
from what it computed; an incremental one patches the previous run's frames exactly as it patches the
tables (``patched``: the same removals, then the same upserts), so each frame equals its table; a test holds
them together. Readers (store/queries.py) use a frame only when it belongs to the newest run, and read the
table otherwise (a store no refresh has written frames to yet).
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Mapping

import polars as pl
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, text

from store import bulk
from store.db import Store
from store.models import Base

FIGURES = ("kpi_cube", "carrier_latency", "contact_causes", "contact_states", "exception_facts", "feed_conflicts",
           "message_checks")
CONTACT_COLUMNS = ("contact_id", "order_id", "created_at", "channel", "handled_by", "reason", "csat_score")
NAMES = (*FIGURES, "contacts", "order_channels")
KEYS = {"kpi_cube": ("kpi", "grain", "dimension", "dimension_value", "period_start"),
        "carrier_latency": ("grain", "carrier_id", "period_start"), "contact_causes": ("contact_id",),
        "contact_states": ("contact_id",), "exception_facts": ("exception_id",), "feed_conflicts": ("shipment_id",),
        "message_checks": ("notification_id",), "contacts": ("contact_id",), "order_channels": ("channel",)}


def _dtype(column: object) -> pl.DataType:
    kind = getattr(column, "type", None)
    if isinstance(kind, DateTime):
        return pl.Datetime("us", "UTC")
    if isinstance(kind, Date):
        return pl.Date()
    if isinstance(kind, Boolean):
        return pl.Boolean()
    if isinstance(kind, Integer):
        return pl.Int64()
    if isinstance(kind, Float):
        return pl.Float64()
    return pl.String()


def schema(name: str) -> dict[str, pl.DataType]:
    """The columns of a frame, in the table's order, typed as the store's readers type them."""
    if name == "order_channels":
        return {"channel": pl.String()}
    table = Base.metadata.tables[name]
    cols = CONTACT_COLUMNS if name == "contacts" else [c.name for c in table.columns]
    return {c: _dtype(table.columns[c]) for c in cols}


def shaped(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with the frame's columns, in order, and types."""
    want = schema(name)
    return df.select([pl.col(c).cast(t) if df.schema[c] != t else pl.col(c) for c, t in want.items()])


def encode(df: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.write_ipc(buf, compression="lz4")
    return buf.getvalue()


def decode(body: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(body))


def rows(frames: Mapping[str, pl.DataFrame], run_id: str) -> pl.DataFrame:
    """The ``figure_frames`` rows of one run."""
    names = [n for n in NAMES if n in frames]
    return pl.DataFrame({"name": names, "run_id": [run_id] * len(names),
                         "rows": [frames[n].height for n in names],
                         "body": [encode(shaped(n, frames[n])) for n in names]},
                        schema={"name": pl.String, "run_id": pl.String, "rows": pl.Int64, "body": pl.Binary})


def patched(old: pl.DataFrame, new: pl.DataFrame, key: tuple[str, ...], remove: pl.DataFrame | None = None,
            remove_from: Mapping[str, dt.date] | None = None) -> pl.DataFrame:
    """``old`` changed as bulk.write changes its table: rows whose key is in ``remove`` (one column) and, per
    grain, rows from ``remove_from``'s start dropped, then ``new`` upserted by ``key``."""
    if remove is not None and remove.height:
        col = remove.columns[0]
        old = old.filter(~pl.col(col).is_in(remove[col].implode()))
    for grain, start in (remove_from or {}).items():
        old = old.filter(~((pl.col("grain") == grain) & (pl.col("period_start") >= start)))
    if new.height == 0:
        return old
    new = new.select(old.columns).cast(old.schema)
    return pl.concat([old.join(new.select(key), on=list(key), how="anti", nulls_equal=True), new])


# ---- reading ---------------------------------------------------------------------------------------

NEWEST_RUN = "SELECT run_id FROM metric_runs ORDER BY started_at DESC, run_id DESC LIMIT 1"
_MEMO: dict[tuple[str, str], tuple[str, pl.DataFrame]] = {}  # (store, name) → (run, frame): one run per name
_LOCK = threading.Lock()


def read(store: Store, name: str) -> pl.DataFrame | None:
    """The newest run's frame (decoded once per run and process), or None when the newest run wrote none."""
    with store.engine.connect() as conn:
        run = conn.execute(text(f"SELECT f.run_id FROM figure_frames f WHERE f.name = :name "  # noqa: S608
                                f"AND f.run_id = ({NEWEST_RUN})"), {"name": name}).scalar()
        if run is None:
            return None
        memo = (store.display_url, name)
        with _LOCK:
            hit = _MEMO.get(memo)
        if hit is not None and hit[0] == run:
            return hit[1]
        body = conn.execute(text("SELECT body FROM figure_frames WHERE name = :name AND run_id = :run"),
                            {"name": name, "run": run}).scalar()
    if body is None:
        return None
    df = decode(bytes(body))
    with _LOCK:
        _MEMO[memo] = (run, df)
    return df


def read_run(store: Store, run_id: str) -> dict[str, pl.DataFrame] | None:
    """Every frame of one run (an incremental refresh patches them), or None unless that run wrote them all."""
    with store.engine.connect() as conn:
        got = conn.execute(text("SELECT name, body FROM figure_frames WHERE run_id = :run"), {"run": run_id}).all()
    out = {str(name): decode(bytes(body)) for name, body in got}
    return out if set(out) == set(NAMES) else None


def from_store(store: Store, names: tuple[str, ...] = NAMES) -> dict[str, pl.DataFrame]:
    """Frames read from the tables, in one snapshot (the first incremental refresh after frames began to be
    kept; the inputs' frames when the engine computed inside the store)."""
    sql = {n: f"SELECT {', '.join(schema(n))} FROM {n}" for n in (*FIGURES, "contacts")}  # noqa: S608 - names
    sql["order_channels"] = "SELECT DISTINCT channel FROM orders"
    return bulk.read_queries(store, {n: (sql[n], schema(n)) for n in names})


def inputs(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The frames taken from the input tables: the contacts' own columns and the order channels (empty for a
    table not given)."""
    contacts = tables.get("contacts", pl.DataFrame(schema=schema("contacts")))
    orders = tables.get("orders", pl.DataFrame(schema=schema("order_channels")))
    return {"contacts": shaped("contacts", contacts),
            "order_channels": shaped("order_channels", orders.select("channel").unique().drop_nulls())}
