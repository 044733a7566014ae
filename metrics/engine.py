"""One engine for every KPI in the catalogue.

``compute`` takes the contract tables as polars frames (from a folder or the store),
an as-of, a grain (day, week, month), a cut (all, node, carrier) and optional
filters, and returns per KPI, period and dimension value the numerator, the
denominator and their ratio. Numerators and denominators are sums of unit-level
counts; the value is divided last; a zero denominator gives null.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import narwhals as nw
import polars as pl

from core.contract import CONTACT_CHANNELS, HANDLED_BY, TABLES, contract_schema
from metrics.catalogue import Catalogue, RuleSet, load_catalogue, load_rules
from metrics.causes import RULES, attribute
from metrics.context import Context, with_dim
from metrics.costs import Costs
from metrics.portable import Backend, Frame, PolarsBackend, exact_div, period_start, ts
from metrics.units import SNAPSHOT_UNIT_SETS, UNIT_SET_FUNCTIONS, units

GRAINS = ("day", "week", "month")
CUTS = ("all", "node", "carrier", "channel")  # channel: the order's sales channel (beyond the spec)
RESULT_SCHEMA = {
    "kpi": pl.String, "period_start": pl.Date, "dimension": pl.String, "dimension_value": pl.String,
    "numerator": pl.Float64, "denominator": pl.Float64, "value": pl.Float64,
}


@dataclass(frozen=True)
class Filters:
    """Optional slices: order channel, node, carrier (as the unit is attributed), period range."""

    channels: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    carriers: tuple[str, ...] = ()
    start: dt.date | None = None  # first period_start kept
    end: dt.date | None = None  # last period_start kept

    def apply(self, frame: Frame) -> Frame:
        if self.channels:
            frame = frame.filter(nw.col("channel").is_in(list(self.channels)))
        if self.nodes:
            frame = frame.filter(nw.col("node").is_in(list(self.nodes)))
        if self.carriers:
            frame = frame.filter(nw.col("carrier").is_in(list(self.carriers)))
        return frame


@dataclass
class Request:
    as_of: dt.datetime
    grain: str = "week"
    cut: str = "all"
    kpis: tuple[str, ...] = ()
    filters: Filters = field(default_factory=Filters)

    def __post_init__(self) -> None:
        if self.grain not in GRAINS:
            raise ValueError(f"grain must be one of {GRAINS}, not {self.grain!r}")
        if self.cut not in CUTS:
            raise ValueError(f"cut must be one of {CUTS}, not {self.cut!r}")
        if self.as_of.tzinfo is None:
            raise ValueError("as_of needs a time zone (UTC)")


# Contract columns no figure reads (the order timeline reads some of them from the store itself). The engine's
# tables leave them out, so that a figure that starts to read one fails at once, by name, rather than reading
# nulls where a source skipped it; and a source read only for the figures skips them (``ENGINE_COLUMNS``): at
# 1M orders the scans' ids, locations and carrier wording are half of the scans' memory.
UNREAD: dict[str, tuple[str, ...]] = {
    "nodes": ("name", "node_type", "region"), "carriers": ("name",), "orders": ("customer_id",),
    "order_lines": ("sku", "quantity"), "shipments": ("service_level", "tracking_number"),
    "tracking_events": ("event_id", "location", "raw_status"),
}
ENGINE_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(c for c in contract_schema(name) if c not in UNREAD.get(name, ())) for name in TABLES}


def complete(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Every contract table present with the columns the engine reads (``ENGINE_COLUMNS``), each in its
    contract type (a missing table or column → empty/null)."""
    out = {}
    for name in TABLES:
        schema = {c: t for c, t in contract_schema(name).items() if c in ENGINE_COLUMNS[name]}
        df = tables.get(name)
        if df is None:
            out[name] = pl.DataFrame(schema=schema)
            continue
        missing = [pl.lit(None, dtype).alias(c) for c, dtype in schema.items() if c not in df.columns]
        out[name] = df.with_columns(missing).select([pl.col(c).cast(t) for c, t in schema.items()])
    return out


def check_definitions(catalogue: Catalogue, rules: RuleSet) -> None:
    """The catalogue's measures count unit sets the engine has, and every cause rule but the fallback is
    implemented: a definition naming something the engine cannot compute fails here, by name."""
    unknown = sorted({m.unit_set for m in catalogue.measures} - set(UNIT_SET_FUNCTIONS))
    if unknown:
        raise ValueError(f"catalogue.yaml names unit sets the engine does not have: {unknown}")
    missing = [c.id for c in rules.causes[:-1] if c.id not in RULES]
    if missing:
        raise ValueError(f"rules.yaml names causes no rule implements: {missing}")


def context(tables: dict[str, pl.DataFrame] | None, as_of: dt.datetime, grain: str = "week",
            rules: RuleSet | None = None, backend: Backend | None = None,
            overrides: dict[str, pl.DataFrame] | None = None,
            periods_from: dict[str, dt.datetime] | None = None) -> Context:
    """``tables=None``: the backend holds the tables itself (pushdown into a database, a Spark catalog).
    ``overrides``: tables used instead of the backend's own even when it holds them (the carriers with
    their governed SLAs). ``periods_from``: per grain, the first period wanted (the snapshot measures are
    evaluated from there; earlier periods of the others come out all the same)."""
    raw = complete(tables) if tables is not None else {}
    if overrides:
        raw |= {n: df for n, df in complete(overrides).items() if n in overrides}
    return Context(raw=raw, as_of=as_of.astimezone(dt.UTC), rules=rules or load_rules(),
                   backend=backend or PolarsBackend(), grain=grain, prefer_raw=frozenset(overrides or ()),
                   periods_from=dict(periods_from or {}))


def aggregate(ctx: Context, unit_set: str, cut: str, columns: list[str], filters: Filters) -> pl.DataFrame:
    """Sum the measure columns of a unit set per (period_start, dim)."""
    frame = filters.apply(units(ctx, unit_set, cut, columns))
    if unit_set not in SNAPSHOT_UNIT_SETS:
        # no ``ts <= as_of`` here: each unit set holds only units known at as-of, and a unit's period
        # may lie after it (a shipment delivered early counts in the period of its later promise date)
        if ctx.grain in ctx.periods_from:  # an incremental refresh: the earlier periods are kept, not wanted
            frame = frame.filter(nw.col("ts") >= ts(ctx.periods_from[ctx.grain]))
        frame = frame.with_columns(period_start=period_start(nw.col("ts"), ctx.grain))
    # cut "all": its dim is a constant, and SQL engines refuse a constant GROUP BY key
    keys = ["period_start"] if cut == "all" else ["period_start", "dim"]
    agg = frame.group_by(*keys).agg(*[nw.col(c).sum().cast(nw.Int64) for c in columns])
    df = ctx.backend.collect(agg)
    if cut == "all":
        df = df.with_columns(dim=pl.lit("all"))
    df = df.with_columns(pl.col("period_start").dt.replace_time_zone(None).dt.date(),
                         pl.col("dim").cast(pl.String), *[pl.col(c).cast(pl.Int64) for c in columns])
    if filters.start:
        df = df.filter(pl.col("period_start") >= filters.start)
    if filters.end:
        df = df.filter(pl.col("period_start") <= filters.end)
    return df.sort("period_start", "dim")


def compute(tables: dict[str, pl.DataFrame] | Context | None, request: Request, catalogue: Catalogue | None = None,
            rules: RuleSet | None = None, backend: Backend | None = None) -> pl.DataFrame:
    """KPI rows: kpi, period_start, dimension, dimension_value, numerator, denominator, value."""
    cat = catalogue or load_catalogue()
    ctx = tables if isinstance(tables, Context) else context(tables, request.as_of, request.grain, rules, backend)
    if ctx.as_of != request.as_of.astimezone(dt.UTC):
        raise ValueError(f"the context is as of {ctx.as_of:%Y-%m-%dT%H:%M:%S%z}, the request as of "
                         f"{request.as_of:%Y-%m-%dT%H:%M:%S%z}")
    if ctx.grain != request.grain:
        ctx = ctx.at_grain(request.grain)
    check_definitions(cat, ctx.rules)
    kpis = [cat.kpi(k) for k in (request.kpis or tuple(cat.cli_kpis))]
    needed = {m.unit_set for k in kpis for m in (cat.measure(k.numerator), cat.measure(k.denominator))}
    # every measure column of a unit set is summed, so that its units serve every request on the context
    columns = {u: sorted({m.column for m in cat.measures if m.unit_set == u}) for u in needed}
    sums = {u: aggregate(ctx, u, request.cut, columns[u], request.filters) for u in sorted(needed)}
    parts = []
    for k in kpis:
        num_m, den_m = cat.measure(k.numerator), cat.measure(k.denominator)
        num = sums[num_m.unit_set].select("period_start", "dim",
                                          exact_div(pl.col(num_m.column), num_m.scale).alias("numerator"))
        den = sums[den_m.unit_set].select("period_start", "dim",
                                          exact_div(pl.col(den_m.column), den_m.scale).alias("denominator"))
        both = num.join(den, on=["period_start", "dim"], how="full", coalesce=True).with_columns(
            pl.col("numerator").fill_null(0.0), pl.col("denominator").fill_null(0.0))
        both = both.filter((pl.col("numerator") != 0) | (pl.col("denominator") != 0)).with_columns(
            value=pl.when(pl.col("denominator") != 0).then(pl.col("numerator") / pl.col("denominator")),
            kpi=pl.lit(k.id), dimension=pl.lit(request.cut))
        parts.append(both.rename({"dim": "dimension_value"}))
    if not parts:
        return pl.DataFrame(schema=RESULT_SCHEMA)
    out = pl.concat([p.select(list(RESULT_SCHEMA)) for p in parts], how="vertical_relaxed")
    order = {k.id: i for i, k in enumerate(kpis)}
    return (out.with_columns(_o=pl.col("kpi").replace_strict(order, return_dtype=pl.Int32))
            .sort("_o", "period_start", "dimension_value").drop("_o").cast(RESULT_SCHEMA))  # type: ignore[arg-type]  # polars' stub wants a wider mapping type


def causes(tables: dict[str, pl.DataFrame] | Context | None, as_of: dt.datetime, rules: RuleSet | None = None,
           backend: Backend | None = None) -> pl.DataFrame:
    """contact_id, cause, avoidable for every WISMO contact known at as-of, sorted by contact_id."""
    ctx = tables if isinstance(tables, Context) else context(tables, as_of, rules=rules, backend=backend)
    return ctx.backend.collect(attribute(ctx)).sort("contact_id")


# ---- what WISMO demand costs (issue 20, part 1), from the same engine ------------------------------------

# id → (what is summed, what it is divided by): a money total with its contacts, or money per shipped order
COST_MEASURES = {"wismo_cost": ("cost", "contacts"), "avoidable_wismo_cost": ("avoidable_cost", "avoidable"),
                 "avoidable_cost_per_100": ("avoidable_cost", "shipped")}


def cost_figures(tables: dict[str, pl.DataFrame] | Context | None, request: Request, costs: Costs,
                 rules: RuleSet | None = None, backend: Backend | None = None) -> pl.DataFrame:
    """The money measures in ``request.kpis`` (COST_MEASURES) as KPI rows. ``wismo_cost``: what the WISMO contacts
    created in the period cost (numerator) and how many they were (denominator); ``avoidable_wismo_cost``: the
    same over the avoidable ones; for both, value is the money. ``avoidable_cost_per_100``: avoidable cost /
    KPI 1's shipped orders (value per order, shown ×100 like the per-100 KPIs). A contact costs the governed
    amount for its channel and handler (metrics/costs.py); the cut is its order's, as for the causes."""
    ctx = tables if isinstance(tables, Context) else context(tables, request.as_of, request.grain, rules, backend)
    ctx = ctx if ctx.grain == request.grain else ctx.at_grain(request.grain)
    wanted = [k for k in request.kpis if k in COST_MEASURES]
    rates = ctx.backend.frame(pl.DataFrame([{"contact_channel": c, "handled_by": h, "rate": costs.rate(c, h)}
                                            for c in CONTACT_CHANNELS for h in HANDLED_BY]))
    c = ctx.known("contacts").filter(nw.col("reason") == "order_status").select(
        "contact_id", "order_id", "created_at", "channel", "handled_by")
    c = (ctx.attach_order_dims(c).join(attribute(ctx).select("contact_id", "avoidable"), on="contact_id", how="left")
         .join(rates, on=["contact_channel", "handled_by"], how="left")
         .with_columns(nw.col("rate").fill_null(0.0), hit=nw.col("avoidable").fill_null(False)))
    c = c.with_columns(avoidable_cost=nw.when(nw.col("hit")).then(nw.col("rate")).otherwise(0.0),
                       avoidable_n=nw.when(nw.col("hit")).then(1).otherwise(0))
    c = request.filters.apply(with_dim(c, request.cut)).with_columns(
        period_start=period_start(nw.col("created_at"), ctx.grain))
    keys = ["period_start"] if request.cut == "all" else ["period_start", "dim"]
    df = ctx.backend.collect(c.group_by(*keys).agg(
        nw.col("rate").sum().alias("cost"), nw.len().alias("contacts"),
        nw.col("avoidable_cost").sum(), nw.col("avoidable_n").sum().alias("avoidable")))
    if request.cut == "all":
        df = df.with_columns(dim=pl.lit("all"))
    df = df.with_columns(pl.col("period_start").dt.replace_time_zone(None).dt.date(), pl.col("dim").cast(pl.String))
    shipped = compute(ctx, Request(as_of=request.as_of, grain=request.grain, cut=request.cut,
                                   kpis=("wismo_contact_rate",), filters=request.filters)).select(
        "period_start", pl.col("dimension_value").alias("dim"), pl.col("denominator").alias("shipped"))
    df = df.join(shipped, on=["period_start", "dim"], how="full", coalesce=True).with_columns(
        *[pl.col(x).cast(pl.Float64).fill_null(0.0) for x in ("cost", "contacts", "avoidable_cost", "avoidable",
                                                               "shipped")]).with_columns(
        pl.col("cost").round(2), pl.col("avoidable_cost").round(2))  # money to the cent
    if request.filters.start:
        df = df.filter(pl.col("period_start") >= request.filters.start)
    if request.filters.end:
        df = df.filter(pl.col("period_start") <= request.filters.end)
    parts = []
    for kid in wanted:
        num, den = COST_MEASURES[kid]
        part = df.select("period_start", pl.col("dim").alias("dimension_value"), pl.col(num).alias("numerator"),
                         pl.col(den).alias("denominator")).filter(
            (pl.col("numerator") != 0) | (pl.col("denominator") != 0))
        value = (pl.when(pl.col("denominator") != 0).then(pl.col("numerator") / pl.col("denominator"))
                 if den == "shipped" else pl.col("numerator"))
        parts.append(part.with_columns(value=value, kpi=pl.lit(kid), dimension=pl.lit(request.cut)))
    if not parts:
        return pl.DataFrame(schema=RESULT_SCHEMA)
    out = pl.concat([p.select(list(RESULT_SCHEMA)) for p in parts], how="vertical_relaxed")
    order = {k: i for i, k in enumerate(wanted)}
    return (out.with_columns(_o=pl.col("kpi").replace_strict(order, return_dtype=pl.Int32))
            .sort("_o", "period_start", "dimension_value").drop("_o").cast(RESULT_SCHEMA))  # type: ignore[arg-type]  # as in compute
