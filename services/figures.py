"""The read side the dashboard, the brief and alerts share: the figures in the store (store/queries.py)
shaped by the pure views (metrics/views.py), with the targets and rules in force.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import polars as pl

from metrics import costs, views
from metrics.costs import Costs
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


_MISSING: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}


def missing_inputs(store: Store) -> dict[str, tuple[str, ...]]:
    """KPI id → the inputs it needs (catalogue ``needs``) that the store lacks; empty when its figure is a
    measurement. Probed once per refresh (the figures and the data they came from change together)."""
    run = queries.latest_run(store)
    key = (store.display_url, run.run_id if run else "none")
    if key not in _MISSING:
        kpis = views.load_catalogue().kpis
        have = queries.present(store, {n for k in kpis for n in k.needs})
        _MISSING.clear()
        _MISSING[key] = {k.id: tuple(n for n in k.needs if not have[n]) for k in kpis}
    return _MISSING[key]


def figures(store: Store, kpis: list[str], view: View, dimension: str = "all",
            values: list[str] | None = None) -> pl.DataFrame:
    """Figures of the KPIs at the view's grain and period range. ``dimension='all'`` honours the view's
    slice (its node, carrier or channel filter); ``node`` / ``carrier`` / ``channel`` give every value of
    that dimension (or ``values``). A KPI whose inputs are not in the store has no value ("no data")."""
    dim, val = view.slice if dimension == "all" else (dimension, None)
    rows = views.select_figures(queries.kpi_rows(store, view.grain, dim, val), kpis, view, values)
    return views.without_inputs(rows, missing_inputs(store))


def reporting_period(store: Store, view: View, as_of: dt.datetime | None) -> dt.date | None:
    """The newest complete period in the view (of the headline KPI's figures)."""
    return views.reporting_period(figures(store, ["wismo_contact_rate"], view), view.grain, as_of)


def tiles(store: Store, view: View, period: dt.date | None, kpis: list[str] = KPI_IDS,
          compare: str = "prev") -> list[Tile]:
    """The KPIs in the reporting period against the comparison window (the range filter limits what is shown,
    not what a period is compared with)."""
    unbounded = dataclasses.replace(view, start=None)
    return views.tiles(figures(store, kpis, unbounded), governed.targets(store), period, kpis, grain=view.grain,
                       compare=compare)


def deflection(store: Store, view: View) -> pl.DataFrame:
    return views.deflection(figures(store, views.DEFLECTION_KPIS, view))


def scorecard(store: Store, view: View, dimension: str, period: dt.date | None,
              kpis: list[str] | None = None) -> pl.DataFrame:
    unsliced = View(grain=view.grain, start=view.start, end=view.end)
    return views.scorecard(figures(store, kpis or KPI_IDS, unsliced, dimension), governed.targets(store),
                           dimension, period, kpis)


def ranked(store: Store, view: View, dimension: str, period: dt.date | None, kpi: str,
           kpis: list[str]) -> pl.DataFrame:
    """The node (or carrier) scorecard for the period, worst first on ``kpi`` (distance from its target),
    with each one's name."""
    card = scorecard(store, view, dimension, period, kpis)
    if card.height == 0:
        return card.with_columns(name=pl.lit(None, pl.String), gap=pl.lit(None, pl.Float64))
    k = views.load_catalogue().kpi(kpi)
    names = queries.names(store).get(dimension, {})
    card = card.with_columns(name=pl.col(dimension).replace_strict(names, default=pl.col(dimension)))
    if period is not None:  # each row's latest change judged against its own history (not the range shown)
        history = figures(store, [kpi], View(grain=view.grain), dimension)
        card = card.join(views.row_signals(history, k, period).rename({"dimension_value": dimension}), on=dimension,
                         how="left")
    else:
        card = card.with_columns(signal=pl.lit(None, pl.String))
    return views.worst_first(card, dimension, k, governed.targets(store)[kpi])


def cause_comparison(store: Store, view: View, period: dt.date) -> pl.DataFrame:
    """WISMO contacts by cause in ``period`` against the view's comparison window (per period)."""
    window = views.comparison(period, view.grain, view.compare)
    contacts = cause_contacts(store, dataclasses.replace(view, start=window.first, end=period))
    periods = len([p for p in _periods(window.first, window.last, view.grain)])
    return views.cause_comparison(
        contacts, (views.start_of(period), views.start_of(views.shift(period, view.grain, 1))),
        (views.start_of(window.first), views.start_of(views.shift(window.last, view.grain, 1))), periods)


def _periods(first: dt.date, last: dt.date, grain: str) -> list[dt.date]:
    out, p = [], first
    while p <= last:
        out.append(p)
        p = views.shift(p, grain, 1)
    return out


def milestones(store: Store, view: View, period: dt.date, carrier: str) -> views.Milestones:
    unsliced = View(grain=view.grain)
    return views.milestones(carrier, period, carrier_slas(store),
                            figures(store, ["tracking_activation_ontime"], unsliced, "carrier", [carrier]),
                            latency(store, unsliced))


def carrier_slas(store: Store) -> pl.DataFrame:
    return views.carrier_slas(queries.carriers(store), governed.carrier_slas(store), governed.rules(store).thresholds)


def latency(store: Store, view: View) -> pl.DataFrame:
    return views.in_periods(queries.carrier_latency(store, view.grain), view).sort("carrier_id", "period_start")


def cause_contacts(store: Store, view: View) -> pl.DataFrame:
    return views.cause_contacts(queries.cause_contacts(store), view)


def demand_cost(store: Store, view: View, period: dt.date) -> tuple[pl.DataFrame, Costs]:
    """What the period's attributed WISMO contacts cost, by cause (the view's slice), and the costs used."""
    rates = governed.costs(store)
    start = views.start_of(period)
    end = views.start_of(views.shift(period, view.grain, 1))
    return costs.demand_cost(cause_contacts(store, view), rates, start, end), rates


def feed_checks(store: Store, *, carrier: str | None = None, order_id: str | None = None,
                period: dt.date | None = None, grain: str = "week") -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the conflicted shipments, the unsupported status messages) of one carrier or order, in words; within a
    period when one is given (handed over, or sent, in it)."""
    conflicts = queries.feed_conflicts(store, carrier=carrier, order_id=order_id)
    checks = queries.message_checks(store, carrier=carrier, order_id=order_id)
    if period is not None:
        conflicts = views.in_period(conflicts, "handed_over_at", period, grain)
        checks = views.in_period(checks, "sent_at", period, grain)
    return views.conflict_listing(conflicts), views.message_listing(checks)


def scenario_matrix(store: Store, view: View, dimension: str) -> pl.DataFrame:
    """Each communication scenario's coverage over the view's periods, overall and per node or carrier."""
    kpis = [k.id for k in views.load_catalogue().scenarios]
    unsliced = View(grain=view.grain, start=view.start, end=view.end)
    return views.scenario_matrix(figures(store, kpis, unsliced), figures(store, kpis, unsliced, dimension),
                                 governed.targets(store), governed.slice_targets(store), dimension,
                                 frozenset(k for k, lacks in missing_inputs(store).items() if lacks))


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


def names(store: Store) -> dict[str, dict[str, str]]:
    """Node and carrier names by id."""
    return queries.names(store)


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
    return views.scenario_rates(contacts, float(shipped["denominator"].sum()), governed.costs(store))
