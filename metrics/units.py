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

Every function is pure: frames in, a lazy frame out. ``Context`` (metrics/context.py) holds the
tables as known at as-of and the facts derived from them, each computed once.
"""

from __future__ import annotations

from collections.abc import Callable

import narwhals as nw

from core.contract import POST_PURCHASE_REASONS, PROACTIVE_TYPES
from metrics.causes import attribute
from metrics.context import UNASSIGNED, UNATTRIBUTED, Context, proactive_notices, with_dim
from metrics.portable import Frame, flag, micros_between, plus_hours, plus_hours_by, ts

# ---- unit sets --------------------------------------------------------------------------------------


def contacts(ctx: Context, cut: str) -> Frame:
    """WISMO contacts by created_at (KPI 1 numerators)."""
    c = ctx.known("contacts").filter(nw.col("reason") == "order_status")
    c = ctx.attach_order_dims(c).with_columns(
        ts=nw.col("created_at"), is_wismo=nw.lit(1, dtype=nw.Int64),
        is_wismo_agent=flag(nw.col("handled_by") == "agent"))
    return with_dim(c, cut)


def shipped_orders(ctx: Context, cut: str) -> Frame:
    """Orders whose primary shipment has shipped_at, by that time."""
    o = ctx.orders_dim.filter(~nw.col("primary_shipped").is_null()).with_columns(
        ts=nw.col("primary_shipped"), one=nw.lit(1, dtype=nw.Int64))
    return with_dim(o, cut)


def activation_orders(ctx: Context, cut: str) -> Frame:
    """KPI 2: per order, decided when each labelled shipment activated or passed its SLA."""
    s = ctx.shipment_facts.with_columns(
        ontime_s=flag(~nw.col("activation").is_null() & (nw.col("activation") <= nw.col("deadline"))),
        decided_s=flag(~nw.col("activation").is_null() | (nw.col("deadline") <= ts(ctx.as_of))))
    per_order = s.group_by("order_id").agg(nw.col("ontime_s").min().alias("all_ontime"),
                                           nw.col("decided_s").min().alias("decided"))
    o = ctx.orders_dim.join(per_order, on="order_id", how="inner").with_columns(
        ts=nw.col("primary_label"), ontime=nw.col("decided") * nw.col("all_ontime"))
    return with_dim(o, cut)


def promised_lines(ctx: Context, cut: str) -> Frame:
    """KPI 3: lines promised from stock with a known outcome other than a customer cancellation."""
    ln = ctx.known("order_lines").filter(
        nw.col("promised_from_stock") & ~nw.col("line_outcome").is_null()
        & (nw.col("line_outcome") != "cancelled_customer"))
    orders = ctx.known("orders").select("order_id", "placed_at", "channel")
    ln = ln.join(orders, on="order_id", how="inner").with_columns(
        ts=nw.col("placed_at"), node=nw.col("node_id"), carrier=nw.lit(UNASSIGNED),
        one=nw.lit(1, dtype=nw.Int64), fulfilled=flag(nw.col("line_outcome") == "fulfilled"))
    return with_dim(ln, cut)


def exception_orders(ctx: Context, cut: str) -> Frame:
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


def exception_notices(ctx: Context, cut: str) -> Frame:
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


def fcr_contacts(ctx: Context, cut: str) -> Frame:
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


def open_exceptions(ctx: Context, cut: str) -> Frame:
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


def rated_contacts(ctx: Context, cut: str) -> Frame:
    """KPI 8: post-purchase contacts with a CSAT score."""
    c = ctx.known("contacts").filter(
        nw.col("reason").is_in(list(POST_PURCHASE_REASONS)) & ~nw.col("csat_score").is_null())
    c = ctx.attach_order_dims(c).with_columns(
        ts=nw.col("created_at"), one=nw.lit(1, dtype=nw.Int64), satisfied=flag(nw.col("csat_score") >= 4))
    return with_dim(c, cut)


def attributed_contacts(ctx: Context, cut: str) -> Frame:
    """WISMO contacts with an order (cause not unlinked); avoidable per the rule set."""
    causes = attribute(ctx).filter(nw.col("cause") != "unlinked")
    c = ctx.known("contacts").select("contact_id", "order_id", "created_at").join(
        causes, on="contact_id", how="inner")
    c = ctx.attach_order_dims(c).with_columns(
        ts=nw.col("created_at"), one=nw.lit(1, dtype=nw.Int64), avoidable=flag(nw.col("avoidable")))
    return with_dim(c, cut)


def promised_shipments(ctx: Context, cut: str) -> Frame:
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


def in_transit_shipments(ctx: Context, cut: str) -> Frame:
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


# ---- feeds, status messages and communication scenarios (issue 20) ----------------------------------

PHYSICAL = nw.col("status") != "info_received"  # label data is not a scan of the parcel
MOVING = ("in_transit", "out_for_delivery")


def scan_facts(ctx: Context) -> Frame:
    """Per known shipment, what the carrier feed had said by as-of: its first physical scan (event and
    receipt), the first out-for-delivery, ready-for-pickup and delivered scans received, and whether it
    was scanned as moving after its first delivered scan."""
    def build() -> Frame:
        ev = ctx.known("tracking_events")

        def first(cond: nw.Expr, name: str) -> Frame:
            return ev.filter(cond).group_by("shipment_id").agg(nw.col("received_at").min().alias(name))
        phys = ev.filter(PHYSICAL).group_by("shipment_id").agg(nw.col("event_at").min().alias("first_scan_at"))
        moving = (ev.filter(nw.col("status").is_in(list(MOVING))).select("shipment_id", "event_at")
                  .join(ctx.shipment_facts.select("shipment_id", "delivered_event_at"), on="shipment_id", how="inner")
                  .filter(nw.col("event_at") > nw.col("delivered_event_at"))
                  .group_by("shipment_id").agg(nw.col("event_at").min().alias("moved_after_delivered_at")))
        s = ctx.shipment_facts.select("shipment_id", "order_id", "node_id", "carrier_id", "shipped_at", "delivered_at",
                                      "activation", "delivered_seen", "delivered_event_at", "sla_hours")
        for part in (phys, first(nw.col("status") == "out_for_delivery", "ofd_seen"),
                     first(nw.col("status") == "available_for_pickup", "pickup_seen"), moving):
            s = s.join(part, on="shipment_id", how="left")
        return s
    return ctx._m("scan_facts", build)


def _own_dims(ctx: Context, frame: Frame) -> Frame:
    """A shipment-level unit's own node and carrier, and its order's sales channel."""
    orders = ctx.known("orders").select("order_id", "channel")
    return frame.join(orders, on="order_id", how="left").with_columns(
        node=nw.col("node_id"), carrier=nw.col("carrier_id"))


def feed_shipments(ctx: Context, cut: str) -> Frame:
    """Feed conflicts: shipments that left the node (``shipped_at``, or a physical scan), by that time; each
    kind of disagreement between the carrier feed and the order system beyond the governed tolerance, once
    it can be judged at as-of. A check runs only when both of its sources are in the fact's hierarchy."""
    delivered, shipped = ctx.rules.believed("delivered"), ctx.rules.believed("shipped")
    tol = delivered.tolerance_hours
    asof = ts(ctx.as_of)
    both_delivered = {"carrier_scan", "order_system"} <= set(delivered.sources)
    both_shipped = "carrier_scan" in shipped.sources and bool({"warehouse", "order_system"} & set(shipped.sources))
    d_at, d_scan = nw.col("delivered_at"), nw.col("delivered_event_at")
    s = scan_facts(ctx).with_columns(ts=nw.coalesce(nw.col("shipped_at"), nw.col("first_scan_at")),
                                     scan_due=plus_hours_by(nw.col("shipped_at"), nw.col("sla_hours"), ctx.sla_values))
    s = s.filter(~nw.col("ts").is_null()).with_columns(
        delivered_unconfirmed=flag(nw.lit(both_delivered) & ~d_at.is_null() & d_scan.is_null()
                                   & (plus_hours(d_at, tol) <= asof)),
        delivered_unrecorded=flag(nw.lit(both_delivered) & d_at.is_null() & ~d_scan.is_null()
                                  & (plus_hours(d_scan, tol) <= asof)),
        delivered_apart=flag(nw.lit(both_delivered) & ~d_at.is_null() & ~d_scan.is_null()
                             & ((d_at > plus_hours(d_scan, tol)) | (d_scan > plus_hours(d_at, tol)))),
        shipped_unscanned=flag(nw.lit(both_shipped) & ~nw.col("shipped_at").is_null() & (nw.col("scan_due") <= asof)
                               & (nw.col("activation").is_null() | (nw.col("activation") > nw.col("scan_due")))),
        moving_after_delivered=flag(~nw.col("moved_after_delivered_at").is_null()),
        one=nw.lit(1, dtype=nw.Int64))
    s = s.with_columns(conflict=nw.max_horizontal(*(nw.col(k) for k in CONFLICT_KINDS)))
    return with_dim(_own_dims(ctx, s), cut)


CONFLICT_KINDS = ("delivered_unconfirmed", "delivered_unrecorded", "delivered_apart", "shipped_unscanned",
                  "moving_after_delivered")
# what each status message announces: the fact of the hierarchy it is judged by, and where each source
# recorded that fact (a column of scan_facts). A source a message type has no column for is passed over.
STATUS_MESSAGES: dict[str, tuple[str, dict[str, str]]] = {
    "shipment_confirmation": ("shipped", {"carrier_scan": "activation", "warehouse": "shipped_at",
                                          "order_system": "shipped_at"}),
    "out_for_delivery": ("out_for_delivery", {"carrier_scan": "ofd_seen"}),
    "pickup_ready": ("out_for_delivery", {"carrier_scan": "pickup_seen"}),
    "delivered": ("delivered", {"carrier_scan": "delivered_seen", "order_system": "delivered_at"}),
}


def _decider(ctx: Context, sent: nw.Expr) -> tuple[nw.Expr, nw.Expr]:
    """(the source that decides, when it recorded the fact) for each message: the most trusted source of its
    fact that had spoken for the shipment by ``sent`` — the carrier from its first physical scan received,
    the warehouse and order system always."""
    name: nw.Expr = nw.lit(None, dtype=nw.String)
    at: nw.Expr = nw.lit(None, dtype=nw.Datetime("us", "UTC"))
    for kind, (fact, columns) in STATUS_MESSAGES.items():
        k_name: nw.Expr = nw.lit(None, dtype=nw.String)
        k_at: nw.Expr = nw.lit(None, dtype=nw.Datetime("us", "UTC"))
        for source in reversed([x for x in ctx.rules.believed(fact).sources if x in columns]):
            spoke = (nw.col("activation") <= sent) if source == "carrier_scan" else nw.lit(True)
            k_name = nw.when(spoke).then(nw.lit(source)).otherwise(k_name)
            k_at = nw.when(spoke).then(nw.col(columns[source])).otherwise(k_at)
        is_kind = nw.col("notification_type") == kind
        name, at = nw.when(is_kind).then(k_name).otherwise(name), nw.when(is_kind).then(k_at).otherwise(at)
    return name, at


def status_messages(ctx: Context, cut: str) -> Frame:
    """Status-message accuracy: sent (not failed) shipment-confirmation, out-for-delivery, pickup-ready and
    delivered messages by sent_at; ``supported`` when the deciding source had recorded the fact by sent_at.
    A message names its shipment, or else is judged against each known shipment of its order (supported
    when one supports it) and takes the order's primary node and carrier."""
    n = ctx.known("notifications").filter(
        nw.col("notification_type").is_in(list(STATUS_MESSAGES)) & (nw.col("status") != "failed")).select(
        "notification_id", "order_id", "shipment_id", "notification_type", "sent_at")
    facts = scan_facts(ctx).select("shipment_id", "order_id", "node_id", "carrier_id", "activation", "shipped_at",
                                   "ofd_seen", "pickup_seen", "delivered_seen", "delivered_at")
    name, at = _decider(ctx, nw.col("sent_at"))
    judged = {"supported": flag(~at.is_null() & (at <= nw.col("sent_at"))), "decider": name, "recorded_at": at}
    keep = ("notification_id", "order_id", "shipment_id", "notification_type", "sent_at", "supported", "decider",
            "recorded_at", "node_id", "carrier_id")
    own = (n.filter(~nw.col("shipment_id").is_null()).join(facts.drop("order_id"), on="shipment_id", how="left")
           .with_columns(**judged).select(*keep))
    by_order = (n.filter(nw.col("shipment_id").is_null())
                .join(facts.drop("node_id", "carrier_id").rename({"shipment_id": "order_shipment"}), on="order_id",
                      how="left").with_columns(**judged)
                .group_by("notification_id", "order_id", "shipment_id", "notification_type", "sent_at")
                .agg(nw.col("supported").max(), nw.col("decider").min(), nw.col("recorded_at").min())
                .join(ctx.orders_dim.select("order_id", nw.col("node").alias("node_id"),
                                            nw.col("carrier").alias("carrier_id")), on="order_id", how="left"))
    m = nw.concat([own, by_order.select(*keep)]).with_columns(
        ts=nw.col("sent_at"), one=nw.lit(1, dtype=nw.Int64),
        node_id=nw.col("node_id").fill_null(UNATTRIBUTED), carrier_id=nw.col("carrier_id").fill_null(UNATTRIBUTED))
    return with_dim(_own_dims(ctx, m), cut)


# each scenario's deadline: the governed threshold (hours) its notice must beat; delay and other exception use
# KPI 5's notify window
SCENARIO_DEADLINES = {"transit": "transit_notice_hours", "split": "split_notice_hours",
                      "backorder": "backorder_notice_hours", "pickup": "pickup_notice_hours",
                      "delay": "notify_window_hours", "exception": "notify_window_hours"}
SCENARIO_KEYS = tuple(SCENARIO_DEADLINES)
DELAY_TYPES = ("carrier_delay", "weather_delay")
STOCK_OUTCOMES = ("backordered", "substituted", "cancelled_oos")


def _covered(ctx: Context, units: Frame, kinds: tuple[str, ...], hours: float) -> Frame:
    """KPI 5's rule for any trigger: ``units`` (unit_id, order_id, at, node, carrier) covered when a sent
    notice of ``kinds`` on the order went out in [at, at + hours] and before the first contact on the order
    since ``at``; decided once covered, once the deadline passed, or once such a contact exists."""
    first_contact = (units.join(ctx.known("contacts").select("order_id", "created_at"), on="order_id", how="inner")
                     .filter(nw.col("created_at") >= nw.col("at"))
                     .group_by("unit_id").agg(nw.col("created_at").min().alias("first_contact")))
    u = units.join(first_contact, on="unit_id", how="left")
    hit = (u.join(proactive_notices(ctx, kinds), on="order_id", how="inner")
           .filter((nw.col("sent_at") >= nw.col("at")) & (nw.col("sent_at") <= plus_hours(nw.col("at"), hours))
                   & (nw.col("first_contact").is_null() | (nw.col("sent_at") < nw.col("first_contact"))))
           .select("unit_id").unique().with_columns(covered=nw.lit(1, dtype=nw.Int64)))
    u = u.join(hit, on="unit_id", how="left").with_columns(nw.col("covered").fill_null(0))
    return u.with_columns(decided=flag((nw.col("covered") == 1) | (plus_hours(nw.col("at"), hours) <= ts(ctx.as_of))
                                       | ~nw.col("first_contact").is_null())).select(
        "unit_id", "order_id", "at", "node", "carrier", "covered", "decided")


def scenario_units(ctx: Context, cut: str) -> Frame:
    """Communication scenarios (docs/metrics.md): one row per triggered unit, by its trigger time, with
    ``covered_<scenario>`` and ``decided_<scenario>`` set on its own scenario's rows."""
    sf = scan_facts(ctx)
    ship_dims = (nw.col("node_id").alias("node"), nw.col("carrier_id").alias("carrier"))
    transit = sf.filter(~nw.col("shipped_at").is_null()).select(
        nw.col("shipment_id").alias("unit_id"), "order_id", nw.col("shipped_at").alias("at"), *ship_dims)
    sh = ctx.known("shipments")
    ranked = sh.join(sh.select("order_id", nw.col("label_created_at").alias("other_label"),
                               nw.col("shipment_id").alias("other_id")), on="order_id", how="inner").filter(
        (nw.col("other_label") < nw.col("label_created_at"))
        | ((nw.col("other_label") == nw.col("label_created_at")) & (nw.col("other_id") < nw.col("shipment_id"))))
    second = (ranked.group_by("shipment_id").agg(nw.len().alias("before"))
              .filter(nw.col("before") == 1).join(sh, on="shipment_id", how="inner")
              .select(nw.col("order_id").alias("unit_id"), "order_id", nw.col("label_created_at").alias("at"),
                      *ship_dims))
    stock = ctx.known("order_lines").filter(nw.col("line_outcome").is_in(list(STOCK_OUTCOMES))).select(
        nw.concat_str([nw.col("order_id"), nw.col("line_id")], separator=":").alias("unit_id"), "order_id",
        nw.col("outcome_at").alias("at"), nw.col("node_id").alias("node"), nw.lit(UNASSIGNED).alias("carrier"))
    pickup_orders = ctx.known("orders").filter(nw.col("delivery_method") == "pickup").select(
        "order_id", pickup_order=nw.lit(True))
    ready = (sf.join(pickup_orders, on="order_id", how="left")
             .with_columns(ready_at=nw.min_horizontal(
                 nw.col("pickup_seen"), nw.when(nw.col("pickup_order")).then(nw.col("delivered_at"))))
             .filter(~nw.col("ready_at").is_null())
             .select(nw.col("shipment_id").alias("unit_id"), "order_id", nw.col("ready_at").alias("at"), *ship_dims))
    exc = ctx.known("exceptions").select(
        nw.col("exception_id").alias("unit_id"), "order_id", nw.col("opened_at").alias("at"),
        nw.col("node_id").alias("node"), nw.col("carrier_id").fill_null(UNASSIGNED).alias("carrier"), "exception_type")
    delay = exc.filter(nw.col("exception_type").is_in(list(DELAY_TYPES))).drop("exception_type")
    other = exc.filter(~nw.col("exception_type").is_in(list(DELAY_TYPES))).drop("exception_type")
    triggered = {"transit": (transit, ("shipment_confirmation",)), "split": (second, ("partial_shipment",)),
                 "backorder": (stock, ("backorder", "substitution")), "pickup": (ready, ("pickup_ready",)),
                 "delay": (delay, PROACTIVE_TYPES), "exception": (other, PROACTIVE_TYPES)}
    parts = {key: _covered(ctx, units, kinds, getattr(ctx.th, SCENARIO_DEADLINES[key]))
             for key, (units, kinds) in triggered.items()}
    zero = nw.lit(0, dtype=nw.Int64)
    rows = nw.concat([
        part.with_columns(**{f"{c}_{k}": (nw.col(c) if k == key else zero) for k in SCENARIO_KEYS
                             for c in ("covered", "decided")})
        for key, part in parts.items()])
    orders = ctx.known("orders").select("order_id", "channel")
    return with_dim(rows.join(orders, on="order_id", how="left").with_columns(ts=nw.col("at")), cut)


UNIT_SET_FUNCTIONS: dict[str, Callable[[Context, str], Frame]] = {
    f.__name__: f for f in (contacts, shipped_orders, activation_orders, promised_lines, exception_orders,
                            exception_notices, fcr_contacts, open_exceptions, rated_contacts,
                            attributed_contacts, promised_shipments, in_transit_shipments, feed_shipments,
                            status_messages, scenario_units)
}
SNAPSHOT_UNIT_SETS = {"open_exceptions", "in_transit_shipments"}
# exception_orders by node or carrier counts an order once under each node / carrier involved: its rows
# differ by cut. Every other unit set has the same rows for every cut, only ``dim`` differs.
CUT_SHAPED_UNIT_SETS = {"exception_orders"}


def units(ctx: Context, unit_set: str, cut: str, columns: list[str]) -> Frame:
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
