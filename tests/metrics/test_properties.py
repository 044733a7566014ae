"""Properties on generated data: roll-ups sum parts, node rows sum to the total, the future changes nothing."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.catalogue import load_catalogue
from metrics.engine import Request, compute
from services.demo import DemoConfig, generate

KPIS = tuple(k.id for k in load_catalogue().kpis)
SNAPSHOT = {k.id for k in load_catalogue().kpis if k.snapshot}
SPLIT_UNDER_NODES = {"order_exception_rate"}  # units that may count under two nodes
CFG = DemoConfig(orders=700, weeks=10, seed=21)


@lru_cache(maxsize=1)
def data() -> dict[str, pl.DataFrame]:
    return generate(CFG)


as_ofs = st.integers(min_value=10 * 24, max_value=70 * 24).map(lambda h: CFG.start_at + dt.timedelta(hours=h))
quick = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@quick
@given(as_of=as_ofs)
def test_a_month_is_the_sum_of_its_days(as_of):
    """For every KPI but the snapshots, a month's numerator and denominator are the sums over its days."""
    kpis = tuple(k for k in KPIS if k not in SNAPSHOT)
    days = compute(data(), Request(as_of=as_of, grain="day", kpis=kpis))
    months = compute(data(), Request(as_of=as_of, grain="month", kpis=kpis))
    summed = (days.with_columns(period_start=pl.col("period_start").dt.truncate("1mo"))
              .group_by("kpi", "period_start").agg(pl.col("numerator").sum(), pl.col("denominator").sum()))
    joined = months.join(summed, on=["kpi", "period_start"], how="full", suffix="_days")
    assert joined.filter((pl.col("numerator") != pl.col("numerator_days"))
                         | (pl.col("denominator") != pl.col("denominator_days"))).height == 0
    assert joined["numerator"].null_count() == 0 and joined["numerator_days"].null_count() == 0


@quick
@given(as_of=as_ofs, grain=st.sampled_from(["day", "week", "month"]))
def test_all_equals_the_sum_of_nodes_where_units_have_one_node(as_of, grain):
    """The all row equals the sum of node rows for every KPI whose unit sits under one node."""
    kpis = tuple(k for k in KPIS if k not in SPLIT_UNDER_NODES)
    total = compute(data(), Request(as_of=as_of, grain=grain, cut="all", kpis=kpis))
    nodes = compute(data(), Request(as_of=as_of, grain=grain, cut="node", kpis=kpis))
    summed = nodes.group_by("kpi", "period_start").agg(pl.col("numerator").sum(), pl.col("denominator").sum())
    joined = total.join(summed, on=["kpi", "period_start"], how="full", suffix="_nodes")
    diff = joined.filter(((pl.col("numerator") - pl.col("numerator_nodes")).abs() > 1e-9)
                         | (pl.col("denominator") != pl.col("denominator_nodes")))
    assert diff.height == 0, diff


def _later(frames: dict[str, pl.DataFrame], as_of: dt.datetime) -> dict[str, pl.DataFrame]:
    """The same data plus facts that all happen after as-of: new orders with their whole story,
    and later resolutions, deliveries and scans of existing things."""
    shift = as_of - CFG.start_at + dt.timedelta(hours=1)
    ids = {"order_id", "shipment_id", "event_id", "exception_id", "notification_id", "contact_id", "customer_id"}
    out = {}
    for name, df in frames.items():
        if name in ("nodes", "carriers"):
            out[name] = df
            continue
        later = df.with_columns(
            [pl.col(c) + shift for c, t in df.schema.items() if isinstance(t, pl.Datetime)]
            + [pl.col(c) + dt.timedelta(days=shift.days + 1) for c, t in df.schema.items() if t == pl.Date]
            + [(pl.lit("Z") + pl.col(c)).alias(c) for c in df.columns if c in ids])
        out[name] = pl.concat([df, later])
    ex = out["exceptions"]
    out["exceptions"] = ex.with_columns(resolved_at=pl.coalesce("resolved_at", pl.lit(as_of + dt.timedelta(hours=2))))
    sh = out["shipments"]
    out["shipments"] = sh.with_columns(delivered_at=pl.coalesce("delivered_at", pl.lit(as_of + dt.timedelta(hours=3))))
    return out


@quick
@given(as_of=as_ofs, grain=st.sampled_from(["day", "week", "month"]), cut=st.sampled_from(["all", "node", "carrier"]))
def test_rows_after_as_of_change_nothing(as_of, grain, cut):
    """Adding orders, scans, contacts and resolutions timestamped after as-of changes no figure."""
    cutoff = {n: df.filter(pl.all_horizontal(
        [pl.col(c).is_null() | (pl.col(c) <= as_of) for c, t in df.schema.items() if isinstance(t, pl.Datetime)]
        or [pl.lit(True)])) for n, df in data().items()}
    req = Request(as_of=as_of, grain=grain, cut=cut, kpis=KPIS)
    assert compute(cutoff, req).equals(compute(_later(cutoff, as_of), req))
