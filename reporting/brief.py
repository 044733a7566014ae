"""The weekly executive brief's content: what the overview and the other pages show for one week,
gathered from the same read side (services/figures.py), so the numbers are the dashboard's.

``gather`` reads the store; everything it returns is plain data the renderers lay out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import polars as pl

from governance.service import Actor, Governance
from metrics import views
from metrics.catalogue import load_catalogue
from metrics.costs import cost_words
from metrics.views import View
from services import figures, governed
from store.db import Store

WORST = 3  # nodes and carriers listed by avoidable contacts per 100 shipped orders


@dataclass(frozen=True)
class KpiLine:
    id: str
    title: str
    value: str
    target: str
    status: str
    change: str  # against the comparison window, with its unit
    judgement: str  # better / worse / unchanged
    period: dt.date | None  # when the value is for an earlier week than the brief's (e.g. FCR's window)
    spark: list[float]  # display units, oldest first
    good: str
    green: float  # target in display units, for the sparkline's reference line
    lacks: str = ""  # for "no data": the inputs the store lacks, in words
    signal: str = ""  # "significant shift" / "within normal variation" (metrics/signal.py); "" without history


@dataclass(frozen=True)
class CauseLine:
    cause: str
    label: str
    avoidable: bool
    this_week: int
    last_week: float  # in the comparison window, per week

    @property
    def change(self) -> float:
        return self.this_week - self.last_week


@dataclass(frozen=True)
class SliceLine:
    name: str
    value: str  # avoidable WISMO contacts per 100 shipped orders
    shipped: int
    status: str


@dataclass
class Brief:
    week: str  # ISO week, e.g. 2025-W52
    period: dt.date
    as_of: dt.datetime
    rule_version: str
    run_id: str
    executive_owner: str
    kpis: list[KpiLine]
    verdict: str
    causes: list[CauseLine]
    worst_nodes: list[SliceLine]
    worst_carriers: list[SliceLine]
    backlog_open: int
    backlog_buckets: list[tuple[str, int]]
    backlog_avg_age: float | None
    backlog_over_7d: int
    loads: list[dict]
    checklist: dict[str, int]
    controls_not_effective: list[dict]
    overdue_actions: list[dict]
    stale: str = ""  # what is wrong with the figures ('' when they cover the newest load and rules in force)
    compared_with: str = "week before"  # the comparison window in words
    audit_head: str = ""  # the governance audit head ('#SEQ MAC'): `wismo governance verify --anchor` checks it
    cost: str = ""  # the week's avoidable WISMO cost in one line (metrics/costs.py)
    trust: list[str] = field(default_factory=list)  # status-message accuracy and feed conflicts, a line each
    scenarios: str = ""  # the communication scenarios off target, in one line
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))

    @property
    def footer(self) -> str:
        return (f"Figures as of {self.as_of:%Y-%m-%d %H:%M} UTC · rules {self.rule_version} · run {self.run_id} · "
                f"generated {self.generated_at:%Y-%m-%d %H:%M} UTC"
                + (f" · audit head {self.audit_head}" if self.audit_head else ""))


def iso_week(day: dt.date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def week_start(week: str) -> dt.date:
    """Monday of an ISO week written YYYY-Www."""
    if re.fullmatch(r"\d{4}-W\d{2}", week):
        try:
            return dt.date.fromisoformat(f"{week}-1")
        except ValueError:
            pass
    raise ValueError(f"week {week!r} is not an ISO week such as 2025-W52")


def gather(store: Store, week: str | None = None, today: dt.date | None = None, compare: str = "prev") -> Brief:
    """The brief for ``week`` (default: the overview's reporting week, the newest complete one) from
    the figures in the store, each KPI and cause against the ``compare`` window (metrics/views.py)."""
    status = figures.status(store)
    run, as_of = status.run, status.as_of
    if run is None or as_of is None:
        raise LookupError("no figures in the store yet: load data (wismo load / wismo demo --load) first")
    view = View(grain="week")
    period = week_start(week) if week else figures.reporting_period(store, view, as_of)
    if period is None:
        raise LookupError("no weekly figures in the store")
    known = figures.figures(store, ["wismo_contact_rate"], view)["period_start"].to_list()
    if period not in known:
        raise LookupError(f"no figures for the week starting {period} (figures cover "
                          f"{min(known)} to {max(known)})" if known else "no weekly figures in the store")

    kpis = []
    tiles = figures.tiles(store, view, period, compare=compare)
    missing = figures.missing_inputs(store)
    for t in tiles:
        k = t.kpi
        kpis.append(KpiLine(k.id, k.title, k.display(t.value), k.display(t.target.green), t.status,
                            t.delta_text() or "–", t.judgement, t.period if t.period != period else None,
                            [v * k.scale for v in t.spark if v is not None], k.good, t.target.green * k.scale,
                            views.needs_words(missing[k.id]) if missing.get(k.id) else "",
                            t.signal.verdict if t.signal and t.signal.verdict != "too little history" else ""))
    window = views.comparison(period, "week", compare)

    verdict = views.verdict(figures.deflection(store, view), period, "week")
    causes = _causes(store, period, compare)
    by_cause, rates = figures.demand_cost(store, view, period)
    headline = next((t for t in tiles if t.kpi.id == "wismo_contact_rate" and t.period == period), None)
    cost = cost_words(by_cause, rates, headline.denominator if headline else None, "in the week",
                      views.CAUSE_LABELS)
    worst = {d: _worst(store, view, d, period) for d in ("node", "carrier")}
    trust = _trust(store, view, period, missing)
    the_week = View(grain="week", start=period, end=period)
    scenarios = views.scenario_line(figures.scenario_matrix(store, the_week, "node"), governed.targets(store))
    open_now = views.backlog(figures.exception_facts(store), as_of)
    buckets = views.bucket_counts(open_now)
    loads = _week_loads(store, period, as_of)
    gov = Governance(store, Actor("brief", "viewer"))
    gov.seed_if_empty()  # a store that never opened the workspace gets the brief's checklist and risks
    checklist = {s: 0 for s in ("yes", "partly", "no", "not_assessed")}
    for item in gov.checklist():
        checklist[item["status"]] = checklist.get(item["status"], 0) + 1
    controls = [{"id": r["id"], "control": r["control"], "status": r["effectiveness"].verdict,
                 "tested": r["control_status"], "off_target": list(r["effectiveness"].off_target), "owner": r["owner"]}
                for r in gov.controls() if r["effectiveness"].verdict != "effective"]
    overdue = [{"id": a["id"], "text": a["text"], "owner": a["owner"], "due": str(a["due_date"])[:10]}
               for a in gov.overdue(today or dt.date.today())]
    return Brief(
        week=iso_week(period), period=period, as_of=as_of, rule_version=run.rule_version, run_id=run.run_id,
        executive_owner=gov.executive_owner(), kpis=kpis, verdict=verdict, causes=causes, cost=cost, trust=trust,
        scenarios=scenarios,
        worst_nodes=worst["node"], worst_carriers=worst["carrier"], backlog_open=open_now.height,
        backlog_buckets=list(buckets.select("bucket", "count").iter_rows()),
        backlog_avg_age=float(open_now["age_days"].cast(pl.Float64).sum()) / open_now.height if open_now.height else None,
        backlog_over_7d=open_now.filter(pl.col("age_days") >= 7).height,
        loads=loads, checklist=checklist, controls_not_effective=controls, overdue_actions=overdue,
        stale=status.coverage.words(), compared_with=window.words, audit_head=gov.head())


def _trust(store: Store, view: View, period: dt.date, missing: dict[str, tuple[str, ...]]) -> list[str]:
    """Can the statuses customers see be trusted: message accuracy and feed conflicts in the week, with the
    worst carrier (none for a measure whose inputs are not loaded)."""
    cat, targets, names = load_catalogue(), governed.targets(store), figures.names(store).get("carrier", {})
    lines = []
    for kid in ("status_message_accuracy", "feed_conflict_rate"):
        if missing.get(kid):
            lines.append(f"{cat.kpi(kid).title}: no data ({views.needs_words(missing[kid])}).")
            continue
        overall = figures.figures(store, [kid], view).filter(pl.col("period_start") == period)
        by = figures.figures(store, [kid], view, "carrier").filter(pl.col("period_start") == period)
        value = overall["value"][0] if overall.height else None
        lines.append(views.trust_line(cat.kpi(kid), value, targets[kid], by, names))
    return lines


def _causes(store: Store, period: dt.date, compare: str) -> list[CauseLine]:
    """WISMO contacts by cause created in the week and, per week, in the comparison window (as the overview
    counts them)."""
    rows = figures.cause_comparison(store, View(grain="week", compare=compare), period)
    return [CauseLine(r["cause"], r["cause_label"], bool(r["avoidable"]), int(r["this_period"]), r["comparison"])
            for r in rows.iter_rows(named=True)]


def _worst(store: Store, view: View, dimension: str, period: dt.date) -> list[SliceLine]:
    """The nodes (or carriers) with the most avoidable WISMO contacts per 100 shipped orders in the week."""
    kpi = load_catalogue().kpi("avoidable_wismo_rate")
    df = figures.figures(store, ["avoidable_wismo_rate"], view, dimension).filter(
        (pl.col("period_start") == period) & pl.col("value").is_not_null()
        & (pl.col("dimension_value") != "unassigned"))
    df = df.sort(["value", "dimension_value"], descending=[True, False]).head(WORST)
    target = governed.targets(store)[kpi.id]
    return [SliceLine(r["dimension_value"], kpi.display(r["value"]), int(r["denominator"]),
                      kpi.status(r["value"], target)) for r in df.iter_rows(named=True)]


def _week_loads(store: Store, period: dt.date, as_of: dt.datetime) -> list[dict]:
    """The week's loads: those whose data is as of a time in the week (its Monday to the next, inclusive);
    when there are none, the newest load the figures include (as-of at or before theirs)."""
    start = dt.datetime.combine(period, dt.time(), dt.UTC)
    end = start + dt.timedelta(days=7)
    loads = figures.loads(store, 500)
    week = loads.filter((pl.col("as_of") >= start) & (pl.col("as_of") <= end))
    if week.height == 0:
        week = loads.filter(pl.col("as_of") <= as_of).head(1)
    return [{"load_id": r["load_id"], "finished_at": r["finished_at"], "status": r["status"],
             "warnings": int(r["warnings"] or 0), "blocking_failures": int(r["blocking_failures"] or 0)}
            for r in week.iter_rows(named=True)]
