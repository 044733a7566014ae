"""The nine canonical tables of ``shared/spec/data-contract.md``, declared as data.

Everything that needs to know a table's shape (file readers, data checks, the
store's models, the demo generator) reads it from here, so the contract is
written down once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import polars as pl

Kind = Literal["str", "enum", "timestamp", "date", "int", "float", "bool"]

#: The longest text a field may hold (characters): ids, codes, names and carrier status texts are far shorter; a
#: longer one is refused (a swallowed quote, a pasted document), so no field can carry megabytes.
MAX_TEXT = 1000
#: The most of a value any message, rejects file or page echoes (characters; the rest is marked as cut).
MAX_ECHO = 200


def shorten(value: str | None, limit: int = MAX_ECHO) -> str | None:
    """A value as it may be echoed: at most ``limit`` characters, a cut said so."""
    if value is None or len(value) <= limit:
        return value
    return f"{value[:limit]}… ({len(value):,} characters)"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    nullable: bool = False
    optional: bool = False  # may be absent from the file ("opt" in the contract)
    values: tuple[str, ...] = ()  # enum members
    min: float | None = None
    max: float | None = None
    why: str = ""  # the reason for the range, shown in the contract reference
    ref: str | None = None  # referenced table (its primary key)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    description: str = ""
    _by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({c.name: c for c in self.columns})

    def column(self, name: str) -> Column:
        return self._by_name[name]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if not c.optional]

    @property
    def references(self) -> list[Column]:
        return [c for c in self.columns if c.ref]


NODE_TYPES = ("dc", "store", "3pl", "dropship")
ORDER_CHANNELS = ("web", "app", "store", "marketplace", "phone")
DELIVERY_METHODS = ("ship", "pickup")
LINE_OUTCOMES = ("fulfilled", "backordered", "substituted", "cancelled_oos", "cancelled_customer")
EVENT_STATUSES = (
    "info_received", "in_transit", "out_for_delivery", "attempt_failed",
    "available_for_pickup", "delivered", "exception", "returned",
)
EXCEPTION_TYPES = (
    "carrier_delay", "weather_delay", "lost", "damaged", "address_issue",
    "inventory_shortage", "missed_processing_window", "other",
)
EXCEPTION_SOURCES = ("carrier", "wms", "oms", "care")
OWNER_TEAMS = ("fulfillment", "carrier_management", "inventory", "customer_care", "digital")
NOTIFICATION_TYPES = (
    "order_confirmation", "shipment_confirmation", "out_for_delivery", "delivered", "pickup_ready",
    "delay", "exception", "partial_shipment", "backorder", "substitution",
)
PROACTIVE_TYPES = ("delay", "exception", "partial_shipment", "backorder", "substitution")
NOTIFICATION_CHANNELS = ("email", "sms", "push")
NOTIFICATION_STATUSES = ("sent", "delivered", "failed")
CONTACT_CHANNELS = ("phone", "chat", "email", "social", "messaging")
HANDLED_BY = ("agent", "bot")
CONTACT_REASONS = (
    "order_status", "delivery_issue", "return_refund", "cancel_modify", "product", "billing", "other",
)
POST_PURCHASE_REASONS = ("order_status", "delivery_issue", "return_refund", "cancel_modify")

C = Column

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("nodes", (
            C("node_id", "str"), C("name", "str"), C("node_type", "enum", values=NODE_TYPES),
            C("region", "str"),
        ), key=("node_id",), description="fulfillment nodes"),
        Table("carriers", (
            C("carrier_id", "str"), C("name", "str"),
            C("activation_sla_hours", "float", nullable=True, optional=True, min=0, max=720,
              why="hours from label to first scan; more than 30 days is a unit error"),
        ), key=("carrier_id",), description="carriers"),
        Table("orders", (
            C("order_id", "str"), C("customer_id", "str"), C("channel", "enum", values=ORDER_CHANNELS),
            C("placed_at", "timestamp"), C("promised_delivery_date", "date"),
            C("delivery_method", "enum", values=DELIVERY_METHODS),
            C("cancelled_at", "timestamp", nullable=True),
        ), key=("order_id",), description="customer orders"),
        Table("order_lines", (
            C("order_id", "str", ref="orders"), C("line_id", "str"), C("sku", "str"),
            C("quantity", "int", min=1, max=100_000, why="units on one line; more is a units or id error"),
            C("node_id", "str", ref="nodes"),
            C("promised_from_stock", "bool"),
            C("line_outcome", "enum", nullable=True, values=LINE_OUTCOMES),
            C("outcome_at", "timestamp", nullable=True),
            C("shipment_id", "str", nullable=True, ref="shipments"),
        ), key=("order_id", "line_id"), description="order lines"),
        Table("shipments", (
            C("shipment_id", "str"), C("order_id", "str", ref="orders"), C("node_id", "str", ref="nodes"),
            C("carrier_id", "str", ref="carriers"), C("service_level", "str"), C("tracking_number", "str"),
            C("label_created_at", "timestamp"), C("shipped_at", "timestamp", nullable=True),
            C("delivered_at", "timestamp", nullable=True),
        ), key=("shipment_id",), description="shipments"),
        Table("tracking_events", (
            C("event_id", "str"), C("shipment_id", "str", ref="shipments"),
            C("status", "enum", values=EVENT_STATUSES), C("event_at", "timestamp"),
            C("received_at", "timestamp"),
            C("location", "str", nullable=True, optional=True),
            C("raw_status", "str", nullable=True, optional=True),
        ), key=("event_id",), description="carrier milestone scans"),
        Table("exceptions", (
            C("exception_id", "str"), C("order_id", "str", ref="orders"),
            C("shipment_id", "str", nullable=True, ref="shipments"), C("node_id", "str", ref="nodes"),
            C("carrier_id", "str", nullable=True, ref="carriers"),
            C("exception_type", "enum", values=EXCEPTION_TYPES), C("source", "enum", values=EXCEPTION_SOURCES),
            C("owner_team", "enum", values=OWNER_TEAMS), C("opened_at", "timestamp"),
            C("resolved_at", "timestamp", nullable=True),
        ), key=("exception_id",), description="shipment and order exceptions"),
        Table("notifications", (
            C("notification_id", "str"), C("order_id", "str", ref="orders"),
            C("shipment_id", "str", nullable=True, ref="shipments"),
            C("notification_type", "enum", values=NOTIFICATION_TYPES),
            C("channel", "enum", values=NOTIFICATION_CHANNELS), C("sent_at", "timestamp"),
            C("status", "enum", values=NOTIFICATION_STATUSES),
        ), key=("notification_id",), description="messages sent to customers"),
        Table("contacts", (
            C("contact_id", "str"), C("order_id", "str", nullable=True, ref="orders"),
            C("customer_id", "str"), C("channel", "enum", values=CONTACT_CHANNELS),
            C("handled_by", "enum", values=HANDLED_BY), C("reason", "enum", values=CONTACT_REASONS),
            C("created_at", "timestamp"), C("resolved_at", "timestamp", nullable=True),
            C("csat_score", "int", nullable=True, min=1, max=5, why="the contract's 1–5 survey scale"),
        ), key=("contact_id",), description="customer-service contacts"),
    )
}

# Parents before children: the order in which a load writes.
LOAD_ORDER: tuple[str, ...] = (
    "nodes", "carriers", "orders", "shipments", "order_lines", "tracking_events",
    "exceptions", "notifications", "contacts",
)
assert set(LOAD_ORDER) == set(TABLES)

# An order's *family*: the tables whose rows name it (tracking events reach theirs through the shipment).
# An incremental refresh recomputes whole families (metrics/incremental.py, store/scope.py).
FAMILY: tuple[str, ...] = ("orders", "order_lines", "shipments", "exceptions", "notifications", "contacts")


def dtype_of(col: Column) -> pl.DataType:
    """The polars type a column holds once parsed: timestamps in UTC to the microsecond."""
    return {
        "int": pl.Int64(), "float": pl.Float64(), "bool": pl.Boolean(), "date": pl.Date(),
        "timestamp": pl.Datetime("us", "UTC"),
    }.get(col.kind, pl.String())


Columns = Mapping[str, Sequence[str]]  # per table, the columns wanted (a table not named: all of them)


@cache
def contract_schema(table: str) -> dict[str, pl.DataType]:
    """A table's columns and their polars types, in the contract's order."""
    return {c.name: dtype_of(c) for c in TABLES[table].columns}


def markdown() -> str:
    """The contract as a Markdown reference (docs/data-contract.md is generated from this)."""
    out = ["# Data contract (generated from `core/contract.py`)", "",
           "One file per table, `<table>.csv` (UTF-8, header, empty field = null, booleans `true`/`false`; "
           "also gzip- or zstd-compressed as `.csv.gz`, `.csv.zst`) or `<table>.parquet`, names matched "
           "without regard to case. A file that is no table's is named in a warning and not loaded; a folder, "
           "an unread format (`nodes.txt`) or a link leading outside the folder, named like a table, refuses "
           "the load. Timestamps are ISO 8601 with an offset and are stored in UTC; a timestamp "
           "without one is a warning and is read as UTC; a time before 2000-01-01 (`WISMO_EARLIEST_DATE`) "
           "refuses the load, and one more than two years outside the middle 80 % of its column is a "
           "warning. *opt* columns may be absent; a column not in the contract is a warning and is not loaded. "
           f"Text fields hold at most {MAX_TEXT:,} characters (a quote never closed, or a pasted document, "
           "refuses the load; a quote left open names the line it opened on). Numbers are finite decimals: "
           "`inf`, `NaN` and values that overflow are refused like any unparseable value; every numeric column "
           f"has a range, checked on every load. Messages and rejects files echo at most {MAX_ECHO} characters "
           "of a value; a rejects cell that a spreadsheet would run as a formula (`= + - @` first) is written "
           "behind an apostrophe.", ""]
    for t in TABLES.values():
        out += [f"## {t.name} — {t.description}", "", f"Primary key: `{', '.join(t.key)}`", "",
                "| column | type | null | notes |", "|---|---|---|---|"]
        for c in t.columns:
            notes = []
            if c.values:
                notes.append(", ".join(f"`{v}`" for v in c.values))
            if c.min is not None or c.max is not None:
                notes.append(f"range {c.min if c.min is not None else ''}…{c.max if c.max is not None else ''}"
                             + (f" ({c.why})" if c.why else ""))
            if c.ref:
                notes.append(f"→ {c.ref}")
            if c.optional:
                notes.append("*opt*")
            out.append(f"| {c.name} | {c.kind} | {'yes' if c.nullable else 'no'} | {'; '.join(notes)} |")
        out.append("")
    return "\n".join(out)
