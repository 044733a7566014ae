"""Cause attribution of WISMO contacts (``kpi-definitions.md``, last table).

Each WISMO contact known at as-of gets exactly one cause, by the first rule that
matches, from what was known at its ``created_at`` (t). Each rule is a pure
function returning the contact ids it matches; ``attribute`` applies them in the
rule set's order.
"""

from __future__ import annotations

from collections.abc import Callable

import narwhals as nw

from metrics.context import CANCELLED_OUTCOMES, INVENTORY_OUTCOMES, Context, proactive_notices
from metrics.portable import Frame, plus_hours

T = nw.col("t")


def _ids(frame: Frame) -> Frame:
    return frame.select("contact_id").unique()


def wismo(ctx: Context) -> Frame:
    return ctx.known("contacts").filter(nw.col("reason") == "order_status").select(
        "contact_id", "order_id", nw.col("created_at").alias("t"))


def delivered_at_t(ship: Frame) -> nw.Expr:
    """Delivered at t: delivered_at ≤ t or a delivered event received by t."""
    return ((~nw.col("delivered_at").is_null() & (nw.col("delivered_at") <= T))
            | (~nw.col("delivered_seen").is_null() & (nw.col("delivered_seen") <= T)))


def _contact_shipments(ctx: Context, w: Frame) -> Frame:
    """Each contact with the shipments of its order labelled by t."""
    return w.join(ctx.shipment_facts, on="order_id", how="inner").filter(nw.col("label_created_at") <= T)


def unlinked(ctx: Context, w: Frame) -> Frame:
    linked = w.join(ctx.known("orders").select("order_id"), on="order_id", how="inner")
    return _ids(w.join(linked.select("contact_id"), on="contact_id", how="anti"))


def promise_missed(ctx: Context, w: Frame) -> Frame:
    orders = ctx.known("orders").select("order_id", "cancelled_at", "promised_delivery_date").with_columns(
        promise_end=nw.col("promised_delivery_date").cast(nw.Datetime("us", "UTC")).dt.offset_by("1d"))
    due = w.join(orders, on="order_id", how="inner").filter(
        (nw.col("cancelled_at").is_null() | (nw.col("cancelled_at") > T)) & (T >= nw.col("promise_end")))
    due_ids = due.select("contact_id", "order_id", "t")
    undelivered = _contact_shipments(ctx, due_ids).filter(~delivered_at_t(ctx.shipment_facts))
    labels = ctx.known("shipments").select("shipment_id", nw.col("label_created_at").alias("line_label"))
    lines = ctx.table("order_lines").select("order_id", "shipment_id", "line_outcome", "outcome_at").join(
        labels, on="shipment_id", how="left")
    cancelled_by_t = nw.col("line_outcome").is_in(list(CANCELLED_OUTCOMES)) & (nw.col("outcome_at") <= T)
    unshipped = due_ids.join(lines, on="order_id", how="inner").filter(
        ~cancelled_by_t.fill_null(False) & (nw.col("line_label").is_null() | (nw.col("line_label") > T)))
    return nw.concat([_ids(undelivered), _ids(unshipped)]).unique()


def exception_without_notice(ctx: Context, w: Frame) -> Frame:
    exc = ctx.known("exceptions").select("exception_id", "order_id", "opened_at", "resolved_at")
    open_at_t = w.join(exc, on="order_id", how="inner").filter(
        (nw.col("opened_at") <= T) & (nw.col("resolved_at").is_null() | (nw.col("resolved_at") > T)))
    noticed = (open_at_t.join(proactive_notices(ctx), on="order_id", how="inner")
               .filter((nw.col("sent_at") >= nw.col("opened_at")) & (nw.col("sent_at") <= T))
               .select("contact_id", "exception_id").unique())
    return _ids(open_at_t.join(noticed, on=["contact_id", "exception_id"], how="anti"))


def inventory_without_notice(ctx: Context, w: Frame) -> Frame:
    lines = ctx.known("order_lines").filter(nw.col("line_outcome").is_in(list(INVENTORY_OUTCOMES))).select(
        "order_id", "line_id", "outcome_at")
    hit = w.join(lines, on="order_id", how="inner").filter(nw.col("outcome_at") <= T)
    noticed = (hit.join(proactive_notices(ctx, ("backorder", "substitution")), on="order_id", how="inner")
               .filter((nw.col("sent_at") >= nw.col("outcome_at")) & (nw.col("sent_at") <= T))
               .select("contact_id", "line_id").unique())
    return _ids(hit.join(noticed, on=["contact_id", "line_id"], how="anti"))


def split_without_notice(ctx: Context, w: Frame) -> Frame:
    ships = _contact_shipments(ctx, w).with_columns(
        open_=nw.when(delivered_at_t(ctx.shipment_facts)).then(0).otherwise(1))
    split = ships.group_by("contact_id", "order_id", "t").agg(
        nw.col("shipment_id").count().alias("n"), nw.col("open_").max().alias("any_open")).filter(
        (nw.col("n") >= 2) & (nw.col("any_open") == 1))
    noticed = (split.join(proactive_notices(ctx, ("partial_shipment",)), on="order_id", how="inner")
               .filter(nw.col("sent_at") <= T).select("contact_id").unique())
    return _ids(split.join(noticed, on="contact_id", how="anti"))


def tracking_not_activated(ctx: Context, w: Frame) -> Frame:
    ships = _contact_shipments(ctx, w).filter(
        (nw.col("deadline") <= T) & (nw.col("activation").is_null() | (nw.col("activation") > T)))
    return _ids(ships)


def tracking_stale(ctx: Context, w: Frame) -> Frame:
    ships = _contact_shipments(ctx, w).filter(
        (nw.col("activation") <= T) & ~delivered_at_t(ctx.shipment_facts)).select("contact_id", "shipment_id", "t")
    last = (ships.join(ctx.known("tracking_events").select("shipment_id", "event_at", "received_at"),
                       on="shipment_id", how="inner")
            .filter(nw.col("received_at") <= T)
            .group_by("contact_id", "shipment_id", "t").agg(nw.col("event_at").max().alias("last_event")))
    return _ids(last.filter(nw.col("last_event") < plus_hours(T, -ctx.th.stale_scan_hours)))


RULES: dict[str, Callable[[Context, Frame], Frame]] = {
    f.__name__: f for f in (unlinked, promise_missed, exception_without_notice, inventory_without_notice,
                            split_without_notice, tracking_not_activated, tracking_stale)
}


def attribute(ctx: Context) -> Frame:
    """contact_id, cause, avoidable for every WISMO contact known at as-of (computed once per context)."""
    def build() -> Frame:
        w = ctx.backend.materialise(wismo(ctx))
        out = w.select("contact_id")
        order = [c.id for c in ctx.rules.causes[:-1]]
        unknown = [c for c in order if c not in RULES]
        if unknown:
            raise KeyError(f"rules.yaml names causes no rule implements: {unknown}; known: {sorted(RULES)}")
        for rule in order:
            out = out.join(RULES[rule](ctx, w).with_columns(nw.lit(True).alias(rule)), on="contact_id", how="left")
        cause: nw.Expr = nw.lit(ctx.rules.fallback)
        for rule in reversed(order):
            cause = nw.when(nw.col(rule).fill_null(False)).then(nw.lit(rule)).otherwise(cause)
        avoid: nw.Expr = nw.lit(None, dtype=nw.Boolean)
        for c in ctx.rules.causes:
            if c.avoidable is not None:
                avoid = nw.when(nw.col("cause") == c.id).then(nw.lit(c.avoidable)).otherwise(avoid)
        return out.with_columns(cause=cause).with_columns(avoidable=avoid).select("contact_id", "cause", "avoidable")
    return ctx._m("causes", build)
