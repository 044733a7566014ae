"""Proactive communication by scenario (the brief's communication rules; checklist questions 6 and 7).

Each scenario has a trigger in the data, the notice types that cover it, and a deadline (the governed
notify window). A unit is **covered** when a non-failed notice of those types on the same order was sent
between the trigger and the deadline, and before the customer's first contact on the order after the
trigger. It is **decided** once covered, once the deadline has passed, or once such a contact exists —
the rule of KPI 5, applied to every scenario.

| scenario       | trigger (a unit)                                                  | notices that cover it          |
|----------------|-------------------------------------------------------------------|--------------------------------|
| standard transit | a shipment handed to the carrier (``shipped_at``)                 | shipment confirmation          |
| split shipment | an order's second shipment labelled                               | partial shipment               |
| backorder / substitution | a line backordered, substituted or cancelled for stock (``outcome_at``) | backorder, substitution |
| delay          | a carrier or weather delay exception opened                       | delay, exception               |
| exception      | any other exception opened                                        | the proactive types            |

Pure: frames in (the contract tables as known at as-of), one row per scenario out.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.contract import PROACTIVE_TYPES

SCENARIOS = {
    "standard_transit": ("Standard transit", ("shipment_confirmation",)),
    "split_shipment": ("Split shipment", ("partial_shipment",)),
    "backorder": ("Backorder or substitution", ("backorder", "substitution")),
    "delay": ("Delay", ("delay", "exception")),
    "exception": ("Other exception", PROACTIVE_TYPES),
}
DELAY_TYPES = ("carrier_delay", "weather_delay")
STOCK_OUTCOMES = ("backordered", "substituted", "cancelled_oos")
UTC_US = pl.Datetime("us", "UTC")


def covered(units: pl.DataFrame, notices: pl.DataFrame, contacts: pl.DataFrame, window_hours: float,
            as_of: dt.datetime) -> pl.DataFrame:
    """``units``: unit_id, order_id, at (the trigger). ``notices``: order_id, sent_at (non-failed, of the covering
    types). ``contacts``: order_id, created_at. Adds covered and decided (booleans)."""
    window = dt.timedelta(hours=window_hours)
    first_contact = (units.join(contacts, on="order_id", how="inner").filter(pl.col("created_at") >= pl.col("at"))
                     .group_by("unit_id").agg(pl.col("created_at").min().alias("first_contact")))
    u = units.join(first_contact, on="unit_id", how="left")
    hit = (u.join(notices, on="order_id", how="inner")
           .filter((pl.col("sent_at") >= pl.col("at")) & (pl.col("sent_at") <= pl.col("at") + window)
                   & (pl.col("first_contact").is_null() | (pl.col("sent_at") < pl.col("first_contact"))))
           .select("unit_id").unique().with_columns(covered=pl.lit(True)))
    u = u.join(hit, on="unit_id", how="left").with_columns(pl.col("covered").fill_null(False))
    return u.with_columns(decided=pl.col("covered") | (pl.col("at") + window <= as_of)
                          | pl.col("first_contact").is_not_null())


def coverage(tables: dict[str, pl.DataFrame], as_of: dt.datetime, since: dt.datetime, window_hours: float,
             exceptions: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per scenario: units triggered in [since, as-of], decided, covered, and covered / decided (null without a
    decided unit). ``tables``: shipments, order_lines, notifications, contacts as known at as-of;
    ``exceptions``: the exception facts (exception_type, opened_at, covered, decided) the refresh wrote."""
    def known(df: pl.DataFrame, col: str) -> pl.DataFrame:
        return df.filter(pl.col(col) <= as_of)

    ships = known(tables["shipments"], "label_created_at")
    contacts = known(tables["contacts"], "created_at").select("order_id", "created_at").drop_nulls("order_id")
    notes = known(tables["notifications"], "sent_at").filter(pl.col("status") != "failed")

    def notices(kinds: tuple[str, ...]) -> pl.DataFrame:
        return notes.filter(pl.col("notification_type").is_in(list(kinds))).select("order_id", "sent_at")

    in_window = (pl.col("at") >= since) & (pl.col("at") <= as_of)
    transit = (ships.filter(pl.col("shipped_at").is_not_null() & (pl.col("shipped_at") <= as_of))
               .select(unit_id="shipment_id", order_id="order_id", at="shipped_at").filter(in_window))
    second = (ships.sort("label_created_at", "shipment_id").with_columns(n=pl.int_range(pl.len()).over("order_id"))
              .filter(pl.col("n") == 1).select(unit_id="order_id", order_id="order_id", at="label_created_at")
              .filter(in_window))
    lines = tables["order_lines"].filter(pl.col("line_outcome").is_in(list(STOCK_OUTCOMES))
                                         & (pl.col("outcome_at") <= as_of))
    stock = lines.select(unit_id=pl.col("order_id") + ":" + pl.col("line_id"), order_id="order_id",
                         at="outcome_at").filter(in_window)
    rows = []
    for key, units in (("standard_transit", transit), ("split_shipment", second), ("backorder", stock)):
        got = covered(units.with_columns(pl.col("at").cast(UTC_US)), notices(SCENARIOS[key][1]), contacts,
                      window_hours, as_of)
        rows.append((key, got.height, int(got["decided"].sum()), int((got["covered"] & got["decided"]).sum())))
    facts = exceptions if exceptions is not None else pl.DataFrame(
        schema={"exception_type": pl.String, "opened_at": UTC_US, "covered": pl.Boolean, "decided": pl.Boolean})
    facts = facts.filter((pl.col("opened_at") >= since) & (pl.col("opened_at") <= as_of))
    for key, cond in (("delay", pl.col("exception_type").is_in(list(DELAY_TYPES))),
                      ("exception", ~pl.col("exception_type").is_in(list(DELAY_TYPES)))):
        got = facts.filter(cond)
        rows.append((key, got.height, int(got["decided"].sum()), int((got["covered"] & got["decided"]).sum())))
    out = pl.DataFrame(rows, schema={"scenario": pl.String, "triggered": pl.Int64, "decided": pl.Int64,
                                     "covered": pl.Int64}, orient="row")
    return out.with_columns(label=pl.col("scenario").replace_strict({k: v[0] for k, v in SCENARIOS.items()}),
                            coverage=pl.when(pl.col("decided") > 0).then(pl.col("covered") / pl.col("decided")))
