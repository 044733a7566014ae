"""Supporting facts for the drill-down pages, computed at refresh from the same definitions.

- ``event_latency``: p50/p90 of received_at − event_at per carrier and period (ranked in the engine).
- ``exception_facts``: each exception's notice coverage (KPI 5 terms) and hours to the first notice.
- ``contact_causes``: every WISMO contact's cause with its order's node, carrier and sales channel as
  the figures attribute them (so a drill-down slices contacts exactly as the KPI cube does).
- ``contact_states``: every contact's cause (WISMO only) and the state of its order when it was made:
  ``exception`` (an exception open at t), ``late`` (promise date passed, order not complete at t),
  ``on_track`` otherwise, ``unlinked`` without an order; and, for the contacts KPI 6 judges, whether
  each was resolved with no repeat.
- ``feed_conflicts``: each shipment whose carrier feed and order system disagree, with the kinds of
  disagreement (``units.feed_shipments``).
- ``message_checks``: each status message the source of truth did not support when it was sent, with the
  source that decided and when (if ever) it recorded the fact (``units.status_messages``).
"""

from __future__ import annotations

import narwhals as nw
import polars as pl

from metrics.causes import attribute, promise_missed
from metrics.context import UNASSIGNED, Context, distinct_events, proactive_notices
from metrics.portable import Frame, exact_div, linear_quantiles, micros_between, period_start, ts
from metrics.units import CONFLICT_KINDS, exception_notices, fcr_contacts, feed_shipments, status_messages

US_PER_HOUR = 3_600_000_000


def contact_causes(ctx: Context) -> pl.DataFrame:
    linked = attribute(ctx).join(ctx.known("contacts").select("contact_id", "order_id"), on="contact_id",
                                 how="left")
    out = ctx.attach_order_dims(linked).select("contact_id", "cause", "avoidable", "node", "carrier", "channel")
    return ctx.backend.collect(out).sort("contact_id")


def event_latency(ctx: Context) -> pl.DataFrame:
    """Feed latency (received_at − event_at, exact to the microsecond) per carrier and period, and over all carriers:
    events, p50 and p90 in hours — computed by the engine; only the groups come back."""
    first = min(ctx.periods_from.values(), default=None)  # an incremental refresh: earlier periods are kept

    def scans() -> Frame:
        """Each scan once with its carrier and latency, from the earliest period any grain wants: the same
        for every grain, so computed once."""
        ev = distinct_events(ctx.known("tracking_events"))
        if first is not None:
            ev = ev.filter(nw.col("event_at") >= ts(first))
        return ev.join(ctx.known("shipments").select("shipment_id", "carrier_id"), on="shipment_id",
                       how="inner").select("carrier_id", "event_at",
                                           latency_us=micros_between(nw.col("received_at"), nw.col("event_at")))

    ev = ctx._m("latency_scans", scans)
    if ctx.grain in ctx.periods_from:
        ev = ev.filter(nw.col("event_at") >= ts(ctx.periods_from[ctx.grain]))
    ev = ev.with_columns(period_start=period_start(nw.col("event_at"), ctx.grain))
    q = {"p50": (1, 2), "p90": (9, 10)}
    per_carrier = ctx.backend.collect(linear_quantiles(ev, ["carrier_id", "period_start"], "latency_us", q))
    overall = ctx.backend.collect(linear_quantiles(ev, ["period_start"], "latency_us", q))
    out = pl.concat([per_carrier.select("carrier_id", "period_start", "n", "p50", "p90"),
                     overall.select(pl.lit("all").alias("carrier_id"), "period_start", "n", "p50", "p90")])
    return (out.with_columns(grain=pl.lit(ctx.grain), events=pl.col("n").cast(pl.UInt32),
                             p50_hours=exact_div(pl.col("p50"), US_PER_HOUR),
                             p90_hours=exact_div(pl.col("p90"), US_PER_HOUR),
                             period_start=pl.col("period_start").dt.replace_time_zone(None).dt.date())
            .select("grain", "carrier_id", "period_start", "events", "p50_hours", "p90_hours")
            .sort("grain", "carrier_id", "period_start"))


def exception_facts(ctx: Context) -> pl.DataFrame:
    units = exception_notices(ctx, "all")
    first_notice = (ctx.known("exceptions").select("exception_id", "order_id", "opened_at")
                    .join(proactive_notices(ctx), on="order_id", how="inner")
                    .filter(nw.col("sent_at") >= nw.col("opened_at"))
                    .group_by("exception_id").agg(nw.col("sent_at").min().alias("first_notice_at")))
    x = (units.join(first_notice, on="exception_id", how="left")
         .join(ctx.known("exceptions").select("exception_id", "exception_type", "owner_team", "resolved_at",
                                              "shipment_id"), on="exception_id", how="left")
         .with_columns(us_to_notice=micros_between(nw.col("first_notice_at"), nw.col("opened_at"))))
    df = ctx.backend.collect(x.select(
        "exception_id", "order_id", "shipment_id", "exception_type", "owner_team", nw.col("node").alias("node_id"),
        nw.col("carrier").alias("carrier_id"), "opened_at", "resolved_at", "first_notice_at", "us_to_notice",
        "covered", "decided"))
    # hours from the engine's exact integer microseconds, divided here: engines round a division's last bit
    # differently
    return df.with_columns(pl.col("covered").cast(pl.Boolean), pl.col("decided").cast(pl.Boolean),
                           pl.col("carrier_id").fill_null(UNASSIGNED),
                           hours_to_notice=exact_div(pl.col("us_to_notice"), US_PER_HOUR)).select(
        "exception_id", "order_id", "shipment_id", "exception_type", "owner_team", "node_id", "carrier_id",
        "opened_at", "resolved_at", "first_notice_at", "hours_to_notice", "covered", "decided").sort("exception_id")


def contact_states(ctx: Context) -> pl.DataFrame:
    c = ctx.known("contacts").select("contact_id", "order_id", nw.col("created_at").alias("t"))
    late = promise_missed(ctx, c).with_columns(late=nw.lit(True))
    exc = ctx.known("exceptions").select("order_id", "opened_at", "resolved_at")
    t = nw.col("t")
    open_exc = (c.join(exc, on="order_id", how="inner")
                .filter((nw.col("opened_at") <= t) & (nw.col("resolved_at").is_null() | (nw.col("resolved_at") > t)))
                .select("contact_id").unique().with_columns(in_exception=nw.lit(True)))
    linked = ctx.known("orders").select("order_id").with_columns(linked=nw.lit(True))
    states = (c.join(linked, on="order_id", how="left").join(open_exc, on="contact_id", how="left")
              .join(late, on="contact_id", how="left").join(attribute(ctx), on="contact_id", how="left")
              .join(fcr_contacts(ctx, "all").select("contact_id", "resolved_no_repeat"), on="contact_id", how="left")
              .with_columns(state_at_contact=nw.when(nw.col("linked").is_null()).then(nw.lit("unlinked"))
                            .when(nw.col("in_exception").fill_null(False)).then(nw.lit("exception"))
                            .when(nw.col("late").fill_null(False)).then(nw.lit("late"))
                            .otherwise(nw.lit("on_track"))))
    df = ctx.backend.collect(states.select("contact_id", "cause", "avoidable", "state_at_contact",
                                           "resolved_no_repeat"))
    return df.with_columns(fcr_resolved=pl.col("resolved_no_repeat").cast(pl.Boolean)).drop(
        "resolved_no_repeat").sort("contact_id")


def feed_conflicts(ctx: Context) -> pl.DataFrame:
    """Shipments with a feed conflict: its kinds (comma-separated, in CONFLICT_KINDS' order) and the two
    sources' delivered times."""
    s = ctx.backend.collect(feed_shipments(ctx, "all").filter(nw.col("conflict") == 1).select(
        "shipment_id", "order_id", "node_id", "carrier_id", nw.col("ts").alias("handed_over_at"), "delivered_at",
        nw.col("delivered_event_at").alias("delivered_scan_at"), *CONFLICT_KINDS))
    kinds = pl.concat_str([pl.when(pl.col(k) == 1).then(pl.lit(k)) for k in CONFLICT_KINDS], separator=",",
                          ignore_nulls=True)
    return s.with_columns(kinds=kinds).drop(CONFLICT_KINDS).sort("shipment_id")


def message_checks(ctx: Context) -> pl.DataFrame:
    """Status messages sent that the source of truth did not support at sent_at."""
    m = status_messages(ctx, "all").filter(nw.col("supported") == 0).select(
        "notification_id", "order_id", "shipment_id", "notification_type", "sent_at", "node_id", "carrier_id",
        "decider", "recorded_at")
    return ctx.backend.collect(m).sort("notification_id")
