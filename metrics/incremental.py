"""Incremental refresh, the pure part: how far back new data or a later as-of can change a figure, which
periods to recompute, and which materialised rows the recomputation replaces (services/refresh.py runs it,
store/scope.py reads the rows it needs).

Why it is exact. Every unit a figure counts belongs to one order *family* (an order and every row that
names it; a contact without an order, to its customer's later contacts) and is placed in a period by one of
its family's timestamps. A unit's value depends only on its family, the carriers and nodes, the rules and
the as-of. So, between a previous refresh at ``a0`` and one at ``a1 ≥ a0`` with the same rules, a unit can
change only if its family was written by a load since, or holds a timestamp, or a deadline measured from
one (an SLA, a notice window, the repeat window, a promised date's end, a stale-scan threshold), after
``a0``: a timestamp after ``a0 − lookback``. The *cutoff* is the earliest timestamp of any such family
(and ``a0 − lookback`` itself, where the snapshot measures' open period lies, and the loads' earliest
timestamp minus the lookback, for the repeats a contact without an order makes of its customer's earlier
contacts). Each grain recomputes its periods from the one holding the cutoff; every period before it is
kept. The recomputation reads every family with a timestamp from ``start − lookback`` (``start``: the
earliest recomputed period start over the grains) and every family with an exception or shipment still open
then (the snapshot measures count those in every later period): every unit of a recomputed period, with its
whole family, is among them. tests/services/test_incremental_refresh.py checks the result equals a full
refresh on random splits of data into a base and a later delta.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from core.contract import FAMILY
from metrics.catalogue import RuleSet
from metrics.engine import GRAINS
from metrics.portable import start_of

# the materialised tables keyed by one entity, and the source table and column that entity comes from
ENTITY_FACTS = {"contact_causes": ("contacts", "contact_id"), "contact_states": ("contacts", "contact_id"),
                "exception_facts": ("exceptions", "exception_id"), "feed_conflicts": ("shipments", "shipment_id"),
                "message_checks": ("notifications", "notification_id")}
PERIOD_FACTS = ("kpi_cube", "carrier_latency")  # keyed by grain and period_start
GUESS_SPAN = dt.timedelta(days=14)  # how long a family is assumed to live when choosing what to read first


def lookback(rules: RuleSet, carriers: pl.DataFrame) -> dt.timedelta:
    """The longest time any definition measures from a timestamp (thresholds, carrier SLAs, the truth
    tolerance), plus a day for a date's end (the promised delivery date ends at the next midnight)."""
    th = rules.thresholds
    hours = [float(v) for k, v in th.model_dump().items() if k.endswith("_hours")]
    hours.append(float(th.repeat_window_days) * 24)
    hours += [float(t.tolerance_hours) for t in rules.truth.values()]
    if "activation_sla_hours" in carriers.columns:
        hours += [float(h) for h in carriers["activation_sla_hours"].drop_nulls().to_list()]
    return dt.timedelta(hours=max(hours)) + dt.timedelta(days=1)


def _times(df: pl.DataFrame) -> list[str]:
    return [c for c, t in df.schema.items() if isinstance(t, pl.Datetime) or t == pl.Date]


def family_floor(tables: Mapping[str, pl.DataFrame], touched: pl.Series, since: dt.datetime) -> dt.datetime | None:
    """The earliest timestamp (a date: its start) of any family the loads ``touched`` or with a timestamp at or
    after ``since``. ``tables`` must hold every such family whole (store/scope.py ``read_families`` from a time
    no later than ``since``)."""
    ship_order = tables["shipments"].select("shipment_id", "order_id")
    rows = {t: tables[t] for t in FAMILY}
    rows["tracking_events"] = tables["tracking_events"].join(ship_order, on="shipment_id", how="inner")
    stamp = pl.Datetime("us", "UTC")

    def span(df: pl.DataFrame) -> pl.DataFrame:
        cols = [pl.col(c).cast(stamp) for c in _times(df)]
        return (df.filter(pl.col("order_id").is_not_null())
                .select("order_id", first=pl.min_horizontal(cols), last=pl.max_horizontal(cols)))

    per = pl.concat([span(df) for df in rows.values()]).group_by("order_id").agg(
        pl.col("first").min(), pl.col("last").max())
    changed = per.filter((pl.col("last") >= since) | pl.col("order_id").is_in(touched.implode()))
    got = changed["first"].min()
    assert got is None or isinstance(got, dt.datetime)
    return got


def cutoff(previous_as_of: dt.datetime, look: dt.timedelta, loads_from: dt.datetime | None,
           family_floor: dt.datetime | None) -> dt.datetime:
    """The earliest time a figure can have changed (see the module's docstring)."""
    found: list[dt.datetime | None] = [previous_as_of - look, family_floor]
    if loads_from is not None:
        found.append(loads_from - look)
    return min(t for t in found if t is not None)


def starts(cut: dt.datetime) -> dict[str, dt.datetime]:
    """Per grain, the start of the first period to recompute."""
    return {g: start_of(cut, g) for g in GRAINS}


def read_from(cut: dt.datetime, look: dt.timedelta) -> dt.datetime:
    """From which time the recomputation reads families, for a cutoff: the earliest recomputed period
    start, less the lookback (a unit placed by a deadline measured from an earlier timestamp)."""
    return min(starts(cut).values()) - look


def keep_recomputed(built: Mapping[str, pl.DataFrame], first: Mapping[str, dt.datetime]) -> dict[str, pl.DataFrame]:
    """The period tables cut to the recomputed periods of each grain; the entity tables as they are."""
    out = dict(built)
    for table in PERIOD_FACTS:
        df = built[table]
        keep = pl.lit(False)
        for grain, start in first.items():
            keep = keep | ((pl.col("grain") == grain) & (pl.col("period_start") >= start))
        out[table] = df.filter(keep)
    return out


def replaced_keys(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Per entity table, the keys of every entity recomputed (its rows are replaced, or removed when the
    entity no longer has one: a conflict resolved, a message now supported)."""
    return {fact: tables[source].select(pl.col(col)).unique() for fact, (source, col) in ENTITY_FACTS.items()}
