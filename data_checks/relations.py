"""Rules across rows and tables: references (blocking) and the contract's warnings.

Pure: takes this load's typed frames and a function that returns the store's rows
for a table and columns; returns findings. References resolve against the load
plus the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl

from core.contract import TABLES
from core.dataset import ROW
from data_checks.findings import Finding

# the store's rows of a table (its columns ``cols``) whose column ``key`` holds one of ``values``
StoreRows = Callable[[str, list[str], str, pl.Series], pl.DataFrame]
FRESHNESS_HOURS = 24
EARLY_RECEIPT_MINUTES = 5


def _union(load: dict[str, pl.DataFrame], stored: StoreRows, table: str, cols: list[str], key: str,
           values: pl.Series) -> pl.DataFrame:
    """The rows (``cols``) of ``table`` whose ``key`` is among ``values``, in this load or the store: the store
    is asked only for what the load names. A stored row that this load's row with the same primary key
    replaces is left out (when ``cols`` hold that key)."""
    part = stored(table, cols, key, values).select(cols)
    if table not in load:
        return part.unique()
    mine = load[table].select(cols)
    pk = list(TABLES[table].key)
    if set(pk) <= set(cols):
        part = part.join(mine.select(pk), on=pk, how="anti", nulls_equal=True)
    return pl.concat([mine, part], how="vertical_relaxed").unique()


def _rows(df: pl.DataFrame, mask: pl.Expr, column: str) -> tuple[list[int], list[str | None]]:
    hit = df.filter(mask).sort(ROW)
    return hit[ROW].to_list(), [None if v is None else str(v) for v in hit[column].to_list()]


def references(load: dict[str, pl.DataFrame], files: dict[str, str], stored: StoreRows) -> list[Finding]:
    out = []
    for name, df in load.items():
        for col in TABLES[name].references:
            assert col.ref is not None
            parent_key = TABLES[col.ref].key[0]
            keys = _union(load, stored, col.ref, [parent_key], parent_key, df[col.name])[parent_key]
            rows, values = _rows(df, pl.col(col.name).is_not_null() & ~pl.col(col.name).is_in(keys.implode()),
                                 col.name)
            out.append(Finding(name, files[name], "reference", "blocking", col.name, df.height,
                               f"points at no {col.ref}.{parent_key} in this load or the store",
                               rows=rows, values=values))
    return out


def _order_check(out: list[Finding], load: dict[str, pl.DataFrame], files: dict[str, str], table: str,
                 rule: str, column: str, earlier: str, message: str, slack: str | None = None) -> None:
    if table not in load:
        return
    df = load[table]
    limit = pl.col(earlier).dt.offset_by(f"-{slack}") if slack else pl.col(earlier)
    rows, values = _rows(df, pl.col(column) < limit, column)
    out.append(Finding(table, files[table], rule, "warning", column, df.height, message, rows=rows, values=values))


def warnings(load: dict[str, pl.DataFrame], files: dict[str, str], stored: StoreRows,
             as_of: dt.datetime, newest_stored_scan: dt.datetime | None = None) -> list[Finding]:
    """The contract's warnings; ``newest_stored_scan``: the newest tracking event the store already holds."""
    out: list[Finding] = []
    _order_check(out, load, files, "shipments", "delivered_before_shipped", "delivered_at", "shipped_at",
                 "delivered_at is before shipped_at")
    _order_check(out, load, files, "shipments", "shipped_before_label", "shipped_at", "label_created_at",
                 "shipped_at is before label_created_at")
    _order_check(out, load, files, "exceptions", "resolved_before_opened", "resolved_at", "opened_at",
                 "resolved_at is before opened_at")
    _order_check(out, load, files, "contacts", "resolved_before_created", "resolved_at", "created_at",
                 "resolved_at is before created_at")
    _order_check(out, load, files, "tracking_events", "received_before_event", "received_at", "event_at",
                 f"received_at is more than {EARLY_RECEIPT_MINUTES} minutes before event_at",
                 slack=f"{EARLY_RECEIPT_MINUTES}m")

    if "shipments" in load:
        ships = load["shipments"]
        placed = _union(load, stored, "orders", ["order_id", "placed_at"], "order_id", ships["order_id"])
        joined = ships.join(placed, on="order_id", how="left")
        rows, values = _rows(joined, pl.col("label_created_at") < pl.col("placed_at"), "label_created_at")
        out.append(Finding("shipments", files["shipments"], "label_before_order_placed", "warning",
                           "label_created_at", ships.height, "label_created_at is before the order's placed_at",
                           rows=rows, values=values))

    # delivered_at without a delivered event, and a delivered event without delivered_at
    if "shipments" in load or "tracking_events" in load:
        if "shipments" in load:
            ships = load["shipments"]
            events = _union(load, stored, "tracking_events", ["shipment_id", "status"], "shipment_id",
                            ships.filter(pl.col("delivered_at").is_not_null())["shipment_id"])
            delivered_events = events.filter(pl.col("status") == "delivered")["shipment_id"].implode()
            rows, values = _rows(ships, pl.col("delivered_at").is_not_null()
                                 & ~pl.col("shipment_id").is_in(delivered_events), "shipment_id")
            out.append(Finding("shipments", files["shipments"], "delivered_without_event", "warning",
                               "delivered_at", ships.height, "delivered_at is set but no delivered event exists",
                               rows=rows, values=values))
        if "tracking_events" in load:
            ev = load["tracking_events"]
            ships_all = _union(load, stored, "shipments", ["shipment_id", "delivered_at"], "shipment_id",
                               ev.filter(pl.col("status") == "delivered")["shipment_id"])
            undelivered = ships_all.filter(pl.col("delivered_at").is_null())["shipment_id"].implode()
            rows, values = _rows(ev, (pl.col("status") == "delivered") & pl.col("shipment_id").is_in(undelivered),
                                 "shipment_id")
            out.append(Finding("tracking_events", files["tracking_events"], "delivered_event_without_delivered_at",
                               "warning", "status", ev.height,
                               "a delivered event exists but the shipment has no delivered_at",
                               rows=rows, values=values))

    if "tracking_events" in load:
        ev = load["tracking_events"]
        key = ["shipment_id", "status", "event_at"]
        ranked = ev.with_columns(_dup=pl.col("received_at").rank("ordinal").over(key) > 1)
        rows, values = _rows(ranked, pl.col("_dup"), "event_id")
        out.append(Finding("tracking_events", files["tracking_events"], "duplicate_event", "warning",
                           "event_at", ev.height,
                           "duplicated scan (same shipment, status and event_at): counts once, at its earliest "
                           "received_at", rows=rows, values=values))
        newest = max((t for t in (ev["received_at"].max(), newest_stored_scan) if isinstance(t, dt.datetime)),
                     default=None)
        stale = isinstance(newest, dt.datetime) and newest < as_of - dt.timedelta(hours=FRESHNESS_HOURS)
        out.append(Finding("tracking_events", files["tracking_events"], "freshness", "warning", "received_at",
                           ev.height, f"newest tracking event received {newest!s} is more than "
                           f"{FRESHNESS_HOURS} h before as-of {as_of:%Y-%m-%d %H:%M}Z", whole_table=stale))

    for name, df in load.items():
        for c in TABLES[name].columns:
            if c.kind != "timestamp":
                continue
            rows, values = _rows(df, pl.col(c.name) > pl.lit(as_of), c.name)
            out.append(Finding(name, files[name], "after_as_of", "warning", c.name, df.height,
                               "timestamp is after the load's as-of time", rows=rows, values=values))
    return out
