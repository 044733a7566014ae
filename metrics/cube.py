"""Materialised figures: ``wismo refresh`` computes every catalogue KPI for every grain and cut,
and every contact's cause, into the store, so that no page scans raw events.

Nothing is summed from smaller slices: each grain and cut is computed from the units
(snapshot measures, split orders under two nodes and windows measured from as-of would
otherwise come out wrong). The run records its as-of, rule version, engine and time.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass

import polars as pl

from core.contract import TABLES
from metrics.catalogue import RuleSet, load_catalogue
from metrics.engine import CUTS, GRAINS, Request, compute, context
from metrics.portable import Backend
from metrics.portable import backend as make_backend
from store import bulk
from store.db import Store

CUBE_KEYS = {"kpi_cube": ("kpi", "grain", "dimension", "dimension_value", "period_start"),
             "contact_causes": ("contact_id",), "contact_states": ("contact_id",),
             "carrier_latency": ("grain", "carrier_id", "period_start"), "exception_facts": ("exception_id",),
             "metric_runs": ("run_id",)}
REPLACED = [t for t in CUBE_KEYS if t != "metric_runs"]


@dataclass(frozen=True)
class RefreshResult:
    run_id: str
    as_of: dt.datetime
    rule_version: str
    seconds: float
    figures: int
    causes: int


def default_as_of(store: Store) -> dt.datetime:
    """The newer of the newest landed load's as-of and the last refresh's (so a re-refresh after a
    governed change keeps the figures' as-of); now when there is neither."""
    found = []
    for sql in ("SELECT max(as_of) AS a FROM load_runs WHERE status = 'landed'",
                "SELECT max(as_of) AS a FROM metric_runs"):
        got = bulk.read_sql(store, sql, {"a": pl.Datetime("us", "UTC")})
        if got.height and got["a"][0] is not None:
            found.append(got["a"][0])
    return max(found) if found else dt.datetime.now(dt.UTC).replace(microsecond=0)


def build(tables: dict[str, pl.DataFrame] | None, as_of: dt.datetime, rules: RuleSet,
          engine: str | Backend = "polars", run_id: str = "",
          overrides: dict[str, pl.DataFrame] | None = None) -> dict[str, pl.DataFrame]:
    """The materialised tables: every catalogue KPI for every grain and cut, causes and the
    drill-down facts. Pure (given the engine). ``tables=None``: the engine holds the tables;
    ``overrides`` replace some of them all the same (the carriers with their governed SLAs)."""
    from metrics.supporting import contact_causes, contact_states, event_latency, exception_facts

    kpis = tuple(k.id for k in load_catalogue().kpis)
    parts, latency = [], []
    out: dict[str, pl.DataFrame] = {}
    be = make_backend(engine) if isinstance(engine, str) else engine
    base = context(tables, as_of, GRAINS[0], rules, be, overrides)
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
    out["kpi_cube"] = pl.concat(parts).select(
        "kpi", "grain", "dimension", "dimension_value", "period_start", "numerator", "denominator", "value")
    out["carrier_latency"] = pl.concat(latency)
    return {k: v.with_columns(run_id=pl.lit(run_id)) for k, v in out.items()}


def refresh(store: Store, as_of: dt.datetime | None = None, rules: RuleSet | None = None,
            engine: str = "polars") -> RefreshResult:
    """Recompute the figures into the store, replacing the previous ones in one transaction.

    Without ``rules``, the rules in force are used: the repo's defaults with the newest governed
    thresholds (metrics/governed.py)."""
    from metrics.engines import open_backend
    from metrics.governed import apply_carrier_slas, carrier_slas, effective_rules

    rules = rules or effective_rules(store)
    as_of = as_of or default_as_of(store)
    started = time.perf_counter()
    run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    slas = carrier_slas(store)
    tables: dict[str, pl.DataFrame] | None
    overrides: dict[str, pl.DataFrame] | None = None
    be = open_backend(engine, store_url=store.url.render_as_string(hide_password=False))
    if all(be.table(t) is not None for t in TABLES):
        # the engine holds the tables (inside PostgreSQL, a Spark catalog): only the carriers, with their
        # governed SLAs, go over from here
        tables, overrides = None, apply_carrier_slas({"carriers": be.collect(be.table("carriers"))}, slas)  # type: ignore[arg-type]
    else:
        tables = apply_carrier_slas({t: bulk.read_table(store, t) for t in TABLES}, slas)
    try:
        built = build(tables, as_of, rules, be, run_id, overrides)
    finally:
        close = getattr(be, "close", None)
        if close:
            close()
    seconds = time.perf_counter() - started
    figures, n_causes = built["kpi_cube"].height, built["contact_causes"].height
    built["metric_runs"] = pl.DataFrame(
        [{"run_id": run_id, "started_at": dt.datetime.now(dt.UTC), "seconds": seconds, "as_of": as_of,
          "rule_version": rules.version, "engine": engine, "figures": figures, "causes": n_causes}],
        schema_overrides={"started_at": pl.Datetime("us", "UTC"), "as_of": pl.Datetime("us", "UTC")})
    bulk.write(store, built, CUBE_KEYS, list(CUBE_KEYS), replace=REPLACED)
    return RefreshResult(run_id, as_of, rules.version, seconds, figures, n_causes)


def latest_run(store: Store) -> dict | None:
    got = bulk.read_sql(store, "SELECT run_id, started_at, seconds, as_of, rule_version, engine, figures, causes "
                               "FROM metric_runs ORDER BY started_at DESC LIMIT 1",
                        {"started_at": pl.Datetime("us", "UTC"), "as_of": pl.Datetime("us", "UTC")})
    return got.row(0, named=True) if got.height else None
