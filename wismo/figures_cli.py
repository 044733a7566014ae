"""``wismo kpis`` and ``wismo causes``: the figures from a folder or a store, on the engine of choice. Kept apart
from the other commands so that running them imports only the engine and the inputs' readers (wismo/entry.py
sends them here without loading the rest: no store models, load checks, workspace or brief renderers)."""

from __future__ import annotations

import json
from typing import Annotated

import polars as pl
import typer

from metrics.catalogue import load_catalogue
from metrics.costs import default_costs
from metrics.engine import COST_MEASURES, Request, compute, context, cost_figures
from metrics.engine import causes as attribute
from metrics.engines import open_backend
from services.sources import SourceError, inputs
from wismo.context import EXIT_USAGE, Commands, as_of, engine, settings, store

figures_app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, cls=Commands)


def _kpi_text(df: pl.DataFrame, fmt: str) -> str:
    """The exact output format of ``wismo kpis`` (kept stable: acceptance checks read it)."""
    cat = load_catalogue()
    scaled = {k.id for k in cat.kpis if cat.measure(k.numerator).scale != 1} | set(COST_MEASURES)  # not counts
    out = df.with_columns(
        period_start=pl.col("period_start").dt.strftime("%Y-%m-%d"),
        numerator=pl.when(pl.col("kpi").is_in(list(scaled))).then(pl.col("numerator").cast(pl.String))
        .otherwise(pl.col("numerator").cast(pl.Int64).cast(pl.String)),
        denominator=pl.col("denominator").cast(pl.Int64).cast(pl.String),
    )
    if fmt == "json":
        recs = out.with_columns(numerator=df["numerator"], denominator=df["denominator"].cast(pl.Int64)).to_dicts()
        for r in recs:
            if r["kpi"] not in scaled:
                r["numerator"] = int(r["numerator"])
        return json.dumps(recs, indent=1)
    if fmt == "table":
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, tbl_hide_dataframe_shape=True):
            return str(out)
    return out.write_csv()


@figures_app.command()
def kpis(
    at: Annotated[str, typer.Option("--as-of", help="Use only what was known at this time (ISO 8601).")],
    source: Annotated[str | None, typer.Option(help="A folder of contract files or a database URL "
                                                    "(default: the configured store).")] = None,
    grain: Annotated[str, typer.Option(help="day, week or month.")] = "week",
    by: Annotated[str, typer.Option(help="all, node or carrier (or channel: the order's sales channel).")] = "all",
    fmt: Annotated[str, typer.Option("--format", help="csv, json or table.")] = "csv",
    engine_name: Annotated[str | None, typer.Option("--engine", help="polars, duckdb, spark or pushdown (inside the "
                                                                 "PostgreSQL store); default WISMO_ENGINE or "
                                                                 "polars.")] = None,
    kpi: Annotated[list[str] | None, typer.Option("--kpi", help="Only this KPI or supporting measure (repeatable), "
                                                                "e.g. ontime_delivery, feed_conflict_rate, "
                                                                "status_message_accuracy, notice_split, "
                                                                "avoidable_wismo_cost; default: the ten below.")]
    = None,
) -> None:
    """The eight KPIs plus wismo_agent_contact_rate and avoidable_wismo_share, per period and dimension
    (or the measures named with --kpi: any of the catalogue's, or the money measures wismo_cost,
    avoidable_wismo_cost and avoidable_cost_per_100).

    CSV columns: kpi,period_start,dimension,dimension_value,numerator,denominator,value.
    A row per KPI, period and dimension value with a non-zero numerator or denominator;
    value is empty when the denominator is 0. For wismo_cost and avoidable_wismo_cost the numerator is
    the money, the denominator the contacts it sums and the value the money; costs are the store's
    governed ones (the defaults in metrics/costs.yaml with --source)."""
    when = as_of(at)
    assert when is not None
    url = settings().database_url
    cat = load_catalogue()
    known = [c.id for c in cat.kpis] + list(COST_MEASURES)
    for k in kpi or []:
        if k not in known:
            raise typer.BadParameter(f"unknown KPI {k!r}; known: {', '.join(known)}", param_hint="--kpi")
    asked = tuple(kpi or ())
    money = tuple(k for k in asked if k in COST_MEASURES)
    try:
        be = open_backend(engine(engine_name), store_url=url, source=source)
        ctx = context(inputs(be, source, url), when, grain, backend=be)
        parts = []
        if not money or len(money) < len(asked):
            parts.append(compute(ctx, Request(as_of=when, grain=grain, cut=by,
                                              kpis=tuple(k for k in asked if k not in COST_MEASURES))))
        if money:
            if source:
                rates = default_costs()
            else:
                from services import governed

                rates = governed.costs(store())
            parts.append(cost_figures(ctx, Request(as_of=when, grain=grain, cut=by, kpis=money), rates))
        df = pl.concat(parts)
    except (SourceError, ValueError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    typer.echo(_kpi_text(df, fmt), nl=False)


@figures_app.command()
def causes(
    at: Annotated[str, typer.Option("--as-of", help="Use only what was known at this time (ISO 8601).")],
    source: Annotated[str | None, typer.Option(help="A folder of contract files or a database URL "
                                                    "(default: the configured store).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    engine_name: Annotated[str | None, typer.Option("--engine", help="polars, duckdb, spark or pushdown (inside the "
                                                                 "PostgreSQL store); default WISMO_ENGINE or "
                                                                 "polars.")] = None,
) -> None:
    """The cause of every WISMO contact known at as-of: columns contact_id,cause,avoidable.

    avoidable is true or false, and empty for unlinked contacts."""
    when = as_of(at)
    assert when is not None
    url = settings().database_url
    try:
        be = open_backend(engine(engine_name), store_url=url, source=source)
        df = attribute(inputs(be, source, url), when, backend=be)
    except (SourceError, ValueError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if fmt == "json":
        typer.echo(df.write_json())
        return
    out = df.with_columns(avoidable=pl.when(pl.col("avoidable")).then(pl.lit("true"))
                          .when(~pl.col("avoidable")).then(pl.lit("false")))
    typer.echo(out.write_csv(), nl=False)
