"""Derived facts and unit sets of ``kpi-definitions.md``, written once in portable narwhals.

A unit set is the set of things a measure counts (orders, contacts, exceptions …),
one row per unit, with:

- ``ts`` — the timestamp that places it in a period (or ``period_start`` for
  snapshot unit sets, which are evaluated per period at its snapshot). A unit set
  holds only the units known at as-of, by its own rule; ``ts`` itself may lie after
  as-of (``promised_shipments``: a shipment delivered early counts in the period of
  its promise date);
- ``dim`` — its value for the requested cut (``all``, its node or its carrier);
- ``node``, ``carrier``, ``channel`` — what the filters look at;
- 0/1 (or integer) columns the catalogue's measures sum.

Every function is pure: frames in, a lazy frame out. ``Context`` holds the tables
as known at as-of and the facts derived from them, each computed once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

import narwhals as nw
import polars as pl

from core.contract import POST_PURCHASE_REASONS, PROACTIVE_TYPES
from metrics.catalogue import RuleSet
from metrics.portable import Backend, calendar, flag, micros_between, plus_hours, plus_hours_by, ts

UNASSIGNED = "unassigned"
UNATTRIBUTED = "unattributed"
CANCELLED_OUTCOMES = ("cancelled_oos", "cancelled_customer")
INVENTORY_OUTCOMES = ("backordered", "substituted", "cancelled_oos")


@dataclass
class Context:
    """The tables as known at ``as_of`` plus derived facts, on one backend."""

    raw: dict[str, pl.DataFrame]
    as_of: dt.datetime
    rules: RuleSet
    backend: Backend
    grain: str = "week"
    prefer_raw: frozenset[str] = frozenset()  # tables taken from ``raw`` even where the backend holds them
    _cache: dict[str, nw.LazyFrame] = field(default_factory=dict)

    def _m(self, key: str, build: Callable[[], nw.LazyFrame]) -> nw.LazyFrame:
        """A derived fact, computed (and materialised by the backend) once per context."""
        if key not in self._cache:
            self._cache[key] = self.backend.materialise(build())
        return self._cache[key]

    def at_grain(self, grain: str) -> Context:
        """The same tables and derived facts at another grain: only what depends on the grain (the
        calendar, the snapshot unit sets) is computed again."""
        return replace(self, grain=grain)  # the cache dict is shared, its keys name their grain

    @property
    def th(self):  # type: ignore[no-untyped-def]
        return self.rules.thresholds

    def table(self, name: str) -> nw.LazyFrame:
        """A contract table: where the backend already holds it (a database, a Spark catalog, a Parquet
        folder), else the in-memory frame handed to it."""
        key = f"raw:{name}"
        if key not in self._cache:
            held = None if name in self.prefer_raw else self.backend.table(name)
            self._cache[key] = held if held is not None else self.backend.materialise(
                self.backend.frame(self.raw[name]))
        return self._cache[key]

    # ---- what was known at as-of ----------------------------------------------------------------

    def known(self, name: str) -> nw.LazyFrame:
        return self._m(f"known:{name}", lambda: _KNOWN[name](self.table(name), ts(self.as_of)))

    @cached_property
    def sla_values(self) -> list[float]:
        got = self.backend.collect(self.table("carriers").select("activation_sla_hours").unique())
        return sorted({float(v) for v in got["activation_sla_hours"].drop_nulls()}
                      | {float(self.th.activation_sla_hours)})

    # ---- derived facts ------------------------------------------------------------------------------

    @property
    def shipment_facts(self) -> nw.LazyFrame:
        """Per known shipment: activation, first delivered scan seen, SLA deadline."""
        def build() -> nw.LazyFrame:
            ev = self.known("tracking_events")
            act = ev.filter(nw.col("status") != "info_received").group_by("shipment_id").agg(
                nw.col("received_at").min().alias("activation"))
            seen = ev.filter(nw.col("status") == "delivered").group_by("shipment_id").agg(
                nw.col("received_at").min().alias("delivered_seen"),
                nw.col("event_at").min().alias("delivered_event_at"))
            car = self.table("carriers").select(
                "carrier_id", nw.col("activation_sla_hours").fill_null(float(self.th.activation_sla_hours))
                .cast(nw.Float64).alias("sla_hours"))
            return (self.known("shipments")
                    .join(act, on="shipment_id", how="left").join(seen, on="shipment_id", how="left")
                    .join(car, on="carrier_id", how="left")
                    .with_columns(nw.col("sla_hours").fill_null(float(self.th.activation_sla_hours)))
                    .with_columns(deadline=plus_hours_by(nw.col("label_created_at"), nw.col("sla_hours"),
                                                         self.sla_values)))
        return self._m("shipment_facts", build)

    @property
    def orders_dim(self) -> nw.LazyFrame:
        """Per known order: its primary shipment's node, carrier, label and ship times."""
        def build() -> nw.LazyFrame:
            sh = self.known("shipments")
            first = sh.group_by("order_id").agg(nw.col("label_created_at").min().alias("first_label"))
            prim = (sh.join(first, on="order_id", how="inner")
                    .filter(nw.col("label_created_at") == nw.col("first_label"))
                    .group_by("order_id").agg(nw.col("shipment_id").min().alias("primary_shipment")))
            prim = prim.join(sh.select(
                nw.col("shipment_id").alias("primary_shipment"), nw.col("node_id").alias("p_node"),
                nw.col("carrier_id").alias("p_carrier"), nw.col("label_created_at").alias("primary_label"),
                nw.col("shipped_at").alias("primary_shipped")), on="primary_shipment", how="inner")
            lines = self.table("order_lines")
            first_line = lines.group_by("order_id").agg(nw.col("line_id").min().alias("first_line"))
            line_node = first_line.join(lines.select("order_id", nw.col("line_id").alias("first_line"),
                                                     nw.col("node_id").alias("l_node")),
                                        on=["order_id", "first_line"], how="inner").select("order_id", "l_node")
            return (self.known("orders").join(prim, on="order_id", how="left")
                    .join(line_node, on="order_id", how="left")
                    .with_columns(node=nw.coalesce(nw.col("p_node"), nw.col("l_node"), nw.lit(UNASSIGNED)),
                                  carrier=nw.coalesce(nw.col("p_carrier"), nw.lit(UNASSIGNED)))
                    .select("order_id", "channel", "placed_at", "cancelled_at", "promised_delivery_date",
                            "primary_shipment", "primary_label", "primary_shipped", "node", "carrier"))
        return self._m("orders_dim", build)

    def attach_order_dims(self, frame: nw.LazyFrame) -> nw.LazyFrame:
        """Node, carrier and (sales) channel of each row's order; rows with no known order are unattributed.
        A contact's own channel (phone, chat …) is kept as ``contact_channel``."""
        dims = self.orders_dim.select("order_id", "node", "carrier", "channel")
        if "channel" in frame.collect_schema().names():
            frame = frame.rename({"channel": "contact_channel"})
        return frame.join(dims, on="order_id", how="left").with_columns(
            nw.col("node").fill_null(UNATTRIBUTED), nw.col("carrier").fill_null(UNATTRIBUTED))

    def calendar(self) -> nw.LazyFrame:
        """The periods of the grain, from the first opened exception or label to as-of."""
        return self._m(f"calendar:{self.grain}", self._calendar)

    def _calendar(self) -> nw.LazyFrame:
        firsts: list[dt.datetime] = [  # type: ignore[misc]
            self.backend.collect(self.table(t).select(nw.col(c).min().alias("first")))["first"][0]
            for t, c in (("exceptions", "opened_at"), ("shipments", "label_created_at"))]
        first = min((f if f.tzinfo else f.replace(tzinfo=dt.UTC) for f in firsts if f is not None),
                    default=self.as_of)
        return self.backend.frame(calendar(min(first, self.as_of), self.as_of, self.grain))


def _orders(t: nw.LazyFrame, a: nw.Expr) -> nw.LazyFrame:
    return t.filter(nw.col("placed_at") <= a).with_columns(
        cancelled_at=nw.when(nw.col("cancelled_at") <= a).then(nw.col("cancelled_at")))


def _lines(t: nw.LazyFrame, a: nw.Expr) -> nw.LazyFrame:
    known = nw.col("outcome_at") <= a
    return t.with_columns(line_outcome=nw.when(known).then(nw.col("line_outcome")),
                          outcome_at=nw.when(known).then(nw.col("outcome_at")))


def _shipments(t: nw.LazyFrame, a: nw.Expr) -> nw.LazyFrame:
    return t.filter(nw.col("label_created_at") <= a).with_columns(
        shipped_at=nw.when(nw.col("shipped_at") <= a).then(nw.col("shipped_at")),
        delivered_at=nw.when(nw.col("delivered_at") <= a).then(nw.col("delivered_at")))


def _events(t: nw.LazyFrame, a: nw.Expr) -> nw.LazyFrame:
    """Scans received by as-of; a duplicate (same shipment, status, event_at) counts once, at its
    earliest received_at."""
    return t.filter(nw.col("received_at") <= a).group_by("shipment_id", "status", "event_at").agg(
        nw.col("received_at").min())


def _exceptions(t: nw.LazyFrame, a: nw.Expr) -> nw.LazyFrame:
    return t.filter(nw.col("opened_at") <= a).with_columns(
        resolved_at=nw.when(nw.col("resolved_at") <= a).then(nw.col("resolved_at")))


def _notifications(t: nw.LazyFrame, a: nw.Expr) -> nw.LazyFrame:
    return t.filter(nw.col("sent_at") <= a)


def _contacts(t: nw.LazyFrame, a: nw.Expr) -> nw.LazyFrame:
    return t.filter(nw.col("created_at") <= a).with_columns(
        resolved_at=nw.when(nw.col("resolved_at") <= a).then(nw.col("resolved_at")))


_KNOWN: dict[str, Callable[[nw.LazyFrame, nw.Expr], nw.LazyFrame]] = {
    "orders": _orders, "order_lines": _lines, "shipments": _shipments, "tracking_events": _events,
    "exceptions": _exceptions, "notifications": _notifications, "contacts": _contacts,
}


def with_dim(frame: nw.LazyFrame, cut: str) -> nw.LazyFrame:
    """The dimension value of each unit: ``all``, its node, its carrier, or its order's sales channel."""
    if cut == "all":
        return frame.with_columns(dim=nw.lit("all"))
    if cut in ("node", "carrier"):
        return frame.with_columns(dim=nw.col(cut))
    if cut == "channel":
        return frame.with_columns(dim=nw.col("channel").fill_null(UNATTRIBUTED))
    raise ValueError(f"unknown cut {cut!r} (all, node, carrier or channel)")


def proactive_notices(ctx: Context, types: tuple[str, ...] = PROACTIVE_TYPES) -> nw.LazyFrame:
    """Non-failed notifications of the given types, as known at as-of."""
    return ctx.known("notifications").filter(
        nw.col("notification_type").is_in(list(types)) & (nw.col("status") != "failed")
    ).select("order_id", "sent_at")


# ---- unit sets --------------------------------------------------------------------------------------


def contacts(ctx: Context, cut: str) -> nw.LazyFrame:
    """WISMO contacts by created_at (KPI 1 numerators)."""
    c = ctx.known("contacts").filter(nw.col("reason") == "order_status")
    c = ctx.attach_order_dims(c).with_columns(
        ts=nw.col("created_at"), is_wismo=nw.lit(1, dtype=nw.Int64),
        is_wismo_agent=flag(nw.col("handled_by") == "agent"))
    return with_dim(c, cut)


def shipped_orders(ctx: Context, cut: str) -> nw.LazyFrame:
    """Orders whose primary shipment has shipped_at, by that time."""
    o = ctx.orders_dim.filter(~nw.col("primary_shipped").is_null()).with_columns(
        ts=nw.col("primary_shipped"), one=nw.lit(1, dtype=nw.Int64))
    return with_dim(o, cut)


def activation_orders(ctx: Context, cut: str) -> nw.LazyFrame:
    """KPI 2: per order, decided when each labelled shipment activated or passed its SLA."""
    s = ctx.shipment_facts.with_columns(
        ontime_s=flag(~nw.col("activation").is_null() & (nw.col("activation") <= nw.col("deadline"))),
        decided_s=flag(~nw.col("activation").is_null() | (nw.col("deadline") <= ts(ctx.as_of))))
    per_order = s.group_by("order_id").agg(nw.col("ontime_s").min().alias("all_ontime"),
                                           nw.col("decided_s").min().alias("decided"))
    o = ctx.orders_dim.join(per_order, on="order_id", how="inner").with_columns(
        ts=nw.col("primary_label"), ontime=nw.col("decided") * nw.col("all_ontime"))
    return with_dim(o, cut)


def promised_lines(ctx: Context, cut: str) -> nw.LazyFrame:
    """KPI 3: lines promised from stock with a known outcome other than a customer cancellation."""
    ln = ctx.known("order_lines").filter(
        nw.col("promised_from_stock") & ~nw.col("line_outcome").is_null()
        & (nw.col("line_outcome") != "cancelled_customer"))
    orders = ctx.known("orders").select("order_id", "placed_at", "channel")
    ln = ln.join(orders, on="order_id", how="inner").with_columns(
        ts=nw.col("placed_at"), node=nw.col("node_id"), carrier=nw.lit(UNASSIGNED),
        one=nw.lit(1, dtype=nw.Int64), fulfilled=flag(nw.col("line_outcome") == "fulfilled"))
    return with_dim(ln, cut)


def exception_orders(ctx: Context, cut: str) -> nw.LazyFrame:
    """KPI 4: orders not cancelled by placed_at; by node / carrier every node or carrier involved."""
    base = ctx.orders_dim.filter(nw.col("cancelled_at").is_null()).select(
        "order_id", "placed_at", "channel", "node", "carrier")
    exc = ctx.known("exceptions")
    if cut in ("all", "channel"):
        hit = exc.select("order_id").unique().with_columns(has_exception=nw.lit(1, dtype=nw.Int64))
        o = with_dim(base.join(hit, on="order_id", how="left"), cut)
    elif cut == "node":
        pairs = ctx.table("order_lines").select("order_id", nw.col("node_id").alias("dim")).unique()
        hit = exc.select("order_id", nw.col("node_id").alias("dim")).unique().with_columns(
            has_exception=nw.lit(1, dtype=nw.Int64))
        o = (base.join(pairs, on="order_id", how="inner").join(hit, on=["order_id", "dim"], how="left")
             .with_columns(node=nw.col("dim")))
    elif cut == "carrier":
        pairs = ctx.known("shipments").select("order_id", nw.col("carrier_id").alias("dim")).unique()
        hit = exc.filter(~nw.col("carrier_id").is_null()).select(
            "order_id", nw.col("carrier_id").alias("dim")).unique().with_columns(
            has_exception=nw.lit(1, dtype=nw.Int64))
        o = (base.join(pairs, on="order_id", how="inner").join(hit, on=["order_id", "dim"], how="left")
             .with_columns(carrier=nw.col("dim")))
    else:
        raise ValueError(f"unknown cut {cut!r}")
    return o.with_columns(ts=nw.col("placed_at"), one=nw.lit(1, dtype=nw.Int64),
                          has_exception=nw.col("has_exception").fill_null(0))


def exception_notices(ctx: Context, cut: str) -> nw.LazyFrame:
    """KPI 5: exceptions by opened_at; covered by a timely proactive notice before the first contact."""
    window = ctx.th.notify_window_hours
    exc = ctx.known("exceptions").select("exception_id", "order_id", "node_id", "carrier_id", "opened_at")
    first_contact = (exc.join(ctx.known("contacts").select("order_id", "created_at"), on="order_id", how="inner")
                     .filter(nw.col("created_at") >= nw.col("opened_at"))
                     .group_by("exception_id").agg(nw.col("created_at").min().alias("first_contact")))
    x = exc.join(first_contact, on="exception_id", how="left")
    covered = (x.join(proactive_notices(ctx), on="order_id", how="inner")
               .filter((nw.col("sent_at") >= nw.col("opened_at"))
                       & (nw.col("sent_at") <= plus_hours(nw.col("opened_at"), window))
                       & (nw.col("first_contact").is_null() | (nw.col("sent_at") < nw.col("first_contact"))))
               .select("exception_id").unique().with_columns(covered=nw.lit(1, dtype=nw.Int64)))
    x = x.join(covered, on="exception_id", how="left").with_columns(nw.col("covered").fill_null(0))
    x = x.with_columns(decided=flag((nw.col("covered") == 1)
                                    | (plus_hours(nw.col("opened_at"), window) <= ts(ctx.as_of))
                                    | ~nw.col("first_contact").is_null()))
    orders = ctx.known("orders").select("order_id", "channel")
    x = x.join(orders, on="order_id", how="left").with_columns(
        ts=nw.col("opened_at"), node=nw.col("node_id"),
        carrier=nw.col("carrier_id").fill_null(UNASSIGNED))
    return with_dim(x, cut)


def fcr_contacts(ctx: Context, cut: str) -> nw.LazyFrame:
    """KPI 6: WISMO contacts old enough to judge; resolved by as-of with no repeat in the window."""
    window_h = ctx.th.repeat_window_days * 24
    cutoff = plus_hours(ts(ctx.as_of), -window_h)
    known = ctx.known("contacts")
    c = known.filter((nw.col("reason") == "order_status") & (nw.col("created_at") <= cutoff)).select(
        "contact_id", "order_id", "customer_id", "created_at", "resolved_at")
    later = known.filter(nw.col("reason").is_in(["order_status", "delivery_issue"])).select(
        nw.col("contact_id").alias("other_id"), nw.col("order_id").alias("other_order"),
        nw.col("customer_id").alias("other_customer"), nw.col("created_at").alias("other_created"))
    within = ((nw.col("other_id") != nw.col("contact_id")) & (nw.col("other_created") > nw.col("created_at"))
              & (nw.col("other_created") <= plus_hours(nw.col("created_at"), window_h)))
    by_order = (c.filter(~nw.col("order_id").is_null())
                .join(later.filter(~nw.col("other_order").is_null()), left_on="order_id", right_on="other_order",
                      how="inner").filter(within).select("contact_id"))
    by_customer = (c.filter(nw.col("order_id").is_null())
                   .join(later, left_on="customer_id", right_on="other_customer", how="inner")
                   .filter(within).select("contact_id"))
    repeats = nw.concat([by_order, by_customer]).unique().with_columns(repeat=nw.lit(1, dtype=nw.Int64))
    c = c.join(repeats, on="contact_id", how="left").with_columns(
        resolved_no_repeat=flag(~nw.col("resolved_at").is_null() & nw.col("repeat").is_null()),
        one=nw.lit(1, dtype=nw.Int64), ts=nw.col("created_at"))
    return with_dim(ctx.attach_order_dims(c), cut)


def open_exceptions(ctx: Context, cut: str) -> nw.LazyFrame:
    """KPI 7 (snapshot): exceptions open at each period's snapshot, with their age in microseconds."""
    exc = ctx.known("exceptions").select("exception_id", "order_id", "node_id", "carrier_id", "opened_at",
                                         "resolved_at")
    x = exc.join(ctx.calendar(), how="cross").filter(
        (nw.col("opened_at") < nw.col("snapshot"))
        & (nw.col("resolved_at").is_null() | (nw.col("resolved_at") >= nw.col("snapshot"))))
    orders = ctx.known("orders").select("order_id", "channel")
    x = x.join(orders, on="order_id", how="left").with_columns(
        age_us=micros_between(nw.col("snapshot"), nw.col("opened_at")),
        one=nw.lit(1, dtype=nw.Int64), node=nw.col("node_id"), carrier=nw.col("carrier_id").fill_null(UNASSIGNED))
    return with_dim(x, cut)


def rated_contacts(ctx: Context, cut: str) -> nw.LazyFrame:
    """KPI 8: post-purchase contacts with a CSAT score."""
    c = ctx.known("contacts").filter(
        nw.col("reason").is_in(list(POST_PURCHASE_REASONS)) & ~nw.col("csat_score").is_null())
    c = ctx.attach_order_dims(c).with_columns(
        ts=nw.col("created_at"), one=nw.lit(1, dtype=nw.Int64), satisfied=flag(nw.col("csat_score") >= 4))
    return with_dim(c, cut)


def attributed_contacts(ctx: Context, cut: str) -> nw.LazyFrame:
    """WISMO contacts with an order (cause not unlinked); avoidable per the rule set."""
    from metrics.causes import attribute

    causes = attribute(ctx).filter(nw.col("cause") != "unlinked")
    c = ctx.known("contacts").select("contact_id", "order_id", "created_at").join(
        causes, on="contact_id", how="inner")
    c = ctx.attach_order_dims(c).with_columns(
        ts=nw.col("created_at"), one=nw.lit(1, dtype=nw.Int64), avoidable=flag(nw.col("avoidable")))
    return with_dim(c, cut)


def promised_shipments(ctx: Context, cut: str) -> nw.LazyFrame:
    """Shipments delivered by the end of the promised date, of those delivered or past it."""
    s = ctx.shipment_facts.select("shipment_id", "order_id", "delivered_at", "delivered_event_at")
    o = ctx.orders_dim.select("order_id", "promised_delivery_date", "node", "carrier", "channel")
    s = s.join(o, on="order_id", how="inner").with_columns(
        day=nw.col("promised_delivery_date").cast(nw.Datetime("us", "UTC")))
    s = s.with_columns(end=nw.col("day").dt.offset_by("1d"),
                       delivered=nw.coalesce(nw.col("delivered_at"), nw.col("delivered_event_at")))
    s = s.filter(~nw.col("delivered").is_null() | (nw.col("end") <= ts(ctx.as_of))).with_columns(
        ts=nw.col("day"), one=nw.lit(1, dtype=nw.Int64),
        on_time=flag(~nw.col("delivered").is_null() & (nw.col("delivered") <= nw.col("end"))))
    return with_dim(s, cut)


def in_transit_shipments(ctx: Context, cut: str) -> nw.LazyFrame:
    """Stale in transit (snapshot): activated, undelivered shipments at each period's snapshot."""
    s = ctx.shipment_facts.select("shipment_id", "order_id", "label_created_at", "activation", "delivered_at",
                                  "delivered_seen")
    snap = nw.col("snapshot")
    s = s.join(ctx.calendar(), how="cross").filter(
        (nw.col("activation") <= snap)
        & (nw.col("delivered_at").is_null() | (nw.col("delivered_at") > snap))
        & (nw.col("delivered_seen").is_null() | (nw.col("delivered_seen") > snap)))
    last = (s.select("shipment_id", "period_start", "snapshot")
            .join(ctx.known("tracking_events").select("shipment_id", "event_at", "received_at"),
                  on="shipment_id", how="inner")
            .filter(nw.col("received_at") <= snap)
            .group_by("shipment_id", "period_start").agg(nw.col("event_at").max().alias("last_event")))
    s = s.join(last, on=["shipment_id", "period_start"], how="left").with_columns(
        one=nw.lit(1, dtype=nw.Int64),
        stale=flag(nw.col("last_event") < plus_hours(snap, -ctx.th.stale_scan_hours)))
    o = ctx.orders_dim.select("order_id", "node", "carrier", "channel")
    return with_dim(s.join(o, on="order_id", how="inner"), cut)


UNIT_SET_FUNCTIONS: dict[str, Callable[[Context, str], nw.LazyFrame]] = {
    f.__name__: f for f in (contacts, shipped_orders, activation_orders, promised_lines, exception_orders,
                            exception_notices, fcr_contacts, open_exceptions, rated_contacts,
                            attributed_contacts, promised_shipments, in_transit_shipments)
}
SNAPSHOT_UNIT_SETS = {"open_exceptions", "in_transit_shipments"}
# exception_orders by node or carrier counts an order once under each node / carrier involved: its rows
# differ by cut. Every other unit set has the same rows for every cut, only ``dim`` differs.
CUT_SHAPED_UNIT_SETS = {"exception_orders"}


def units(ctx: Context, unit_set: str, cut: str, columns: list[str]) -> nw.LazyFrame:
    """The units of a set for a cut, keeping what the figures read (the time, the filter columns, the
    measure ``columns``). Each set is computed once per context — once per grain for snapshot sets, once
    per cut for cut-shaped ones — and every cut and grain aggregates the same materialised rows."""
    shaped = unit_set in CUT_SHAPED_UNIT_SETS and cut in ("node", "carrier")
    snapshot = unit_set in SNAPSHOT_UNIT_SETS
    key = (f"units:{unit_set}:{cut if shaped else '*'}:{ctx.grain if snapshot else '*'}:"
           + ",".join(columns))
    time = "period_start" if snapshot else "ts"
    rows = ctx._m(key, lambda: UNIT_SET_FUNCTIONS[unit_set](ctx, cut if shaped else "all").select(
        time, "node", "carrier", "channel", *columns))
    return with_dim(rows, cut)
