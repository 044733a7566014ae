"""Materialised figures: every catalogue KPI for every grain and cut, every contact's cause, and the
drill-down facts, computed in one pass (services/refresh.py writes them to the store, so that no page
scans raw events).

Nothing is summed from smaller slices: each grain and cut is computed from the units
(snapshot measures, split orders under two nodes and windows measured from as-of would
otherwise come out wrong).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.catalogue import RuleSet, load_catalogue
from metrics.engine import CUTS, GRAINS, Request, compute, context
from metrics.portable import Backend
from metrics.supporting import (
    contact_causes,
    contact_states,
    event_latency,
    exception_facts,
    feed_conflicts,
    message_checks,
)


def build(tables: dict[str, pl.DataFrame] | None, as_of: dt.datetime, rules: RuleSet,
          engine: Backend, run_id: str = "",
          overrides: dict[str, pl.DataFrame] | None = None,
          periods_from: dict[str, dt.datetime] | None = None) -> dict[str, pl.DataFrame]:
    """The materialised tables: every catalogue KPI for every grain and cut, causes and the
    drill-down facts. Pure (given the engine). ``tables=None``: the engine holds the tables;
    ``overrides`` replace some of them all the same (the carriers with their governed SLAs);
    ``periods_from``: per grain, the first period wanted (an incremental refresh: earlier rows may
    come out incomplete and are to be dropped)."""
    kpis = tuple(k.id for k in load_catalogue().kpis)
    parts, latency = [], []
    out: dict[str, pl.DataFrame] = {}
    base = context(tables, as_of, GRAINS[0], rules, engine, overrides, periods_from)
    for grain in GRAINS:
        ctx = base.at_grain(grain)  # derived facts and unit sets are computed once, not once per grain
        for cut in CUTS:
            parts.append(compute(ctx, Request(as_of=as_of, grain=grain, cut=cut, kpis=kpis))
                         .with_columns(grain=pl.lit(grain)))
        latency.append(event_latency(ctx))
        if not out:
            out["contact_causes"] = contact_causes(ctx)
            out["contact_states"] = contact_states(ctx).select("contact_id", "state_at_contact", "fcr_resolved")
            out["exception_facts"] = exception_facts(ctx)
            out["feed_conflicts"] = feed_conflicts(ctx)
            out["message_checks"] = message_checks(ctx)
    out["kpi_cube"] = pl.concat(parts).select(
        "kpi", "grain", "dimension", "dimension_value", "period_start", "numerator", "denominator", "value")
    out["carrier_latency"] = pl.concat(latency)
    return {k: v.with_columns(run_id=pl.lit(run_id)) for k, v in out.items()}
