"""The read side the dashboard, the brief and alerts share: the figures in the store (store/queries.py)
shaped by the pure views (metrics/views.py), with the targets and rules in force.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import polars as pl

from metrics import views
from metrics.views import KPI_IDS, Tile, View
from services import governed
from services.refresh import Coverage, coverage
from store import queries
from store.db import Store


@dataclass(frozen=True)
class RunStatus:
    """What the figures in the store are: the newest refresh, the newest load attempt, whether the figures
    cover the newest landed load and the rules in force, and the newest carrier scan (when asked for)."""

    run: queries.RunRow | None
    load: queries.LoadRow | None
    coverage: Coverage
    newest_scan: dt.datetime | None = None

    @property
    def as_of(self) -> dt.datetime | None:
        return self.run.as_of if self.run else None

    @property
    def run_id(self) -> str:
        return self.run.run_id if self.run else "none"


def status(store: Store) -> RunStatus:
    """Bookkeeping rows only (cheap): callers poll it."""
    return RunStatus(queries.latest_run(store), queries.latest_load(store), coverage(store))


def figures(store: Store, kpis: list[str], view: View, dimension: str = "all",
            values: list[str] | None = None) -> pl.DataFrame:
    """Figures of the KPIs at the view's grain and period range. ``dimension='all'`` honours the view's
    slice (its node, carrier or channel filter); ``node`` / ``carrier`` / ``channel`` give every value of
    that dimension (or ``values``)."""
    dim, val = view.slice if dimension == "all" else (dimension, None)
    return views.select_figures(queries.kpi_rows(store, view.grain, dim, val), kpis, view, values)


def reporting_period(store: Store, view: View, as_of: dt.datetime | None) -> dt.date | None:
    """The newest complete period in the view (of the headline KPI's figures)."""
    return views.reporting_period(figures(store, ["wismo_contact_rate"], view), view.grain, as_of)


def tiles(store: Store, view: View, period: dt.date | None, kpis: list[str] = KPI_IDS) -> list[Tile]:
    return views.tiles(figures(store, kpis, view), governed.targets(store), period, kpis)


def deflection(store: Store, view: View) -> pl.DataFrame:
    return views.deflection(figures(store, views.DEFLECTION_KPIS, view))


def scorecard(store: Store, view: View, dimension: str, period: dt.date | None,
              kpis: list[str] | None = None) -> pl.DataFrame:
    unsliced = View(grain=view.grain, start=view.start, end=view.end)
    return views.scorecard(figures(store, kpis or KPI_IDS, unsliced, dimension), governed.targets(store),
                           dimension, period, kpis)


def carrier_slas(store: Store) -> pl.DataFrame:
    return views.carrier_slas(queries.carriers(store), governed.carrier_slas(store), governed.rules(store).thresholds)


def latency(store: Store, view: View) -> pl.DataFrame:
    return views.in_periods(queries.carrier_latency(store, view.grain), view).sort("carrier_id", "period_start")


def cause_contacts(store: Store, view: View) -> pl.DataFrame:
    return views.cause_contacts(queries.cause_contacts(store), view)


def exception_facts(store: Store) -> pl.DataFrame:
    return queries.exception_facts(store)


def care_contacts(store: Store, view: View) -> pl.DataFrame:
    return views.in_range(queries.care_contacts(store), "created_at", view)


def loads(store: Store, limit: int = 50) -> pl.DataFrame:
    return queries.loads(store, limit)


def check_summary(store: Store, load_id: str | None = None) -> pl.DataFrame:
    """Rules by table for one load (default the newest)."""
    if load_id is None:
        newest = queries.latest_load(store)
        if newest is None:
            return pl.DataFrame()
        load_id = newest.load_id
    return views.check_summary(queries.check_results(store, load_id))


def rejected(store: Store, limit: int = 500) -> pl.DataFrame:
    return queries.rejected(store, limit)


def order_timeline(store: Store, order_id: str) -> dict[str, pl.DataFrame]:
    return views.order_timeline(queries.order_rows(store, order_id))


def dimension_values(store: Store) -> dict[str, list[str]]:
    return queries.dimension_values(store)


def cause_rates(store: Store, view: View, as_of: dt.datetime | None, periods: int = 4) -> pl.DataFrame:
    """WISMO contacts per shipped order by cause over the last ``periods`` complete periods, with the
    share handled by agents: the basis of the peak scenario."""
    period = reporting_period(store, view, as_of)
    overall = View(grain=view.grain)
    shipped = figures(store, ["wismo_contact_rate"], overall).filter(pl.col("period_start") <= (period or dt.date.max))
    shipped = shipped.sort("period_start").tail(periods)
    if period is None or shipped.height == 0:
        return views.scenario_rates(pl.DataFrame(), 0.0)
    first = shipped["period_start"].min()
    assert isinstance(first, dt.date)
    contacts = cause_contacts(store, dataclasses.replace(overall, start=first, end=period))
    return views.scenario_rates(contacts, float(shipped["denominator"].sum()))
