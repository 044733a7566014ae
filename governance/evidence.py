"""What the data says about each of the brief's ten checklist questions, next to the human answer.

Each answer: ``text`` (what the data shows, in words), ``period`` (what it covers), ``supports_yes`` (whether
the data backs a "yes"; None when there is nothing to judge yet) and ``judgement`` (what the data cannot
show, left to the meeting). A "yes" the data does not back is flagged on the governance page and in the
export. The thresholds below are the bar a "yes" must clear; docs/governance.md lists them.

``gather`` reads the store (the figures, the workspace); ``judge`` is pure, so each rule has a hand-worked
test (tests/governance/test_evidence.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from metrics import views
from metrics.catalogue import Kpi, Target, load_catalogue
from metrics.views import View
from services import figures, governed
from store import queries
from store.db import Store

ATTRIBUTION_YES = 0.80  # Q3: share of WISMO contacts with a cause (an order to attribute it to)
PROMISE_MISSED_YES = 0.20  # Q4: share of attributed WISMO contacts caused by a missed promise, at most
ACTIVATION_BREACH_YES = 0.10  # Q5: share of decided orders late on tracking activation, newest week, at most
CHECK_PASS_YES = 0.95  # Q10: share of the newest load's rules that passed
PEAK_FRESH_DAYS = 90  # Q8: a peak review item counts as done when reviewed within this many days
WEEKS = 4  # Q4, Q6, Q7: the newest complete weeks looked at


@dataclass(frozen=True)
class Answer:
    text: str
    supports_yes: bool | None
    period: str = "now"
    judgement: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "supports_yes": self.supports_yes, "period": self.period,
                "judgement": self.judgement}


@dataclass
class Inputs:
    """What the ten answers are judged on (gathered from the store; built by hand in the tests)."""

    today: dt.date
    owner_named: bool
    raci_gaps: list[str]  # subjects without exactly one A or without an R
    truth_version: int | None
    truth_facts: int
    contacts: int  # WISMO contacts with a cause (all time)
    linked: int
    recent_causes: dict[str, int]  # cause → WISMO contacts in the newest weeks
    period: str  # the newest weeks, in words
    inventory: tuple[float | None, str, Target]  # value, status, target in force (the reporting week)
    activation: tuple[int, int, int, int] | None  # carriers monitored, carriers, late, decided (newest week)
    escalation_named: int
    scenarios: pl.DataFrame  # the network's scenario coverage over the newest weeks (scenario_frame)
    coverage_green: float  # the notification-coverage target in force
    peak: list[dict[str, Any]]
    deflection_figures: int
    checks: tuple[int, int] | None  # newest load's rules: passed, total
    audit_intact: bool
    activation_week: str = ""
    # status messages the source of truth supported over the newest weeks: value, status, target in force
    accuracy: tuple[float | None, str, Target] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def judge(i: Inputs) -> dict[str, Answer]:
    out: dict[str, Answer] = {}
    gaps = ", ".join(i.raci_gaps[:4]) + (" …" if len(i.raci_gaps) > 4 else "")
    out["Q01"] = Answer(
        ("executive owner named" if i.owner_named else "no executive owner named yet (the seed's placeholder)")
        + ("; every KPI and control has one Accountable and a Responsible" if not i.raci_gaps
           else f"; RACI incomplete for {gaps}"),
        i.owner_named and not i.raci_gaps, judgement="whether the owner has authority across the functions")
    recorded = (f"source-of-truth hierarchy recorded as version {i.truth_version} for {i.truth_facts} facts"
                if i.truth_version else
                "no source-of-truth hierarchy recorded yet (the proposal on this page is unconfirmed)")
    acc = load_catalogue().kpi("status_message_accuracy")
    if i.accuracy is not None and i.accuracy[0] is not None:
        value, status, target = i.accuracy
        out["Q02"] = Answer(f"{recorded}; status messages it supported when sent: {acc.display(value)} (target ≥ "
                            f"{acc.display(target.green)})", i.truth_version is not None and status == "green",
                            i.period, "whether status messages are generated from it")
    else:
        out["Q02"] = Answer(recorded, i.truth_version is not None,
                            judgement="whether status messages are generated from it")
    if i.contacts:
        share = i.linked / i.contacts
        out["Q03"] = Answer(f"{share:.0%} of {i.contacts:,} WISMO contacts carry a cause code (the rest name no order)",
                            share >= ATTRIBUTION_YES, "all loaded contacts")
    else:
        out["Q03"] = Answer("no WISMO contacts yet", None)
    value, status, target = i.inventory
    linked = sum(n for c, n in i.recent_causes.items() if c != "unlinked")
    missed = i.recent_causes.get("promise_missed", 0)
    inv = load_catalogue().kpi("inventory_accuracy")
    if value is None or not linked:
        out["Q04"] = Answer("no inventory-accuracy figure or attributed contacts to judge by yet", None, i.period)
    else:
        out["Q04"] = Answer(
            f"inventory accuracy at promising {inv.display(value)} (target ≥ {inv.display(target.green)}); missed "
            f"promises caused {missed / linked:.0%} of {linked:,} attributed WISMO contacts",
            status == "green" and missed / linked <= PROMISE_MISSED_YES, i.period)
    if i.activation:
        monitored, carriers, late, decided = i.activation
        rate = late / decided if decided else 0.0
        out["Q05"] = Answer(
            f"activation SLA measured for {monitored} of {carriers} carriers: {late:,} of {decided:,} decided orders "
            f"late ({rate:.0%}); escalation named for {i.escalation_named} of {carriers} carriers",
            monitored >= carriers and rate <= ACTIVATION_BREACH_YES and i.escalation_named >= carriers,
            i.activation_week)
    else:
        out["Q05"] = Answer("no tracking-activation figures by carrier yet", None)
    judged = i.scenarios.filter(pl.col("decided") > 0)
    if judged.height:
        parts = [f"{r['label'].lower()} {r['coverage']:.0%}" for r in judged.iter_rows(named=True)]
        out["Q06"] = Answer("customers told in time by scenario: " + ", ".join(parts),
                            bool((judged["coverage"] >= i.coverage_green).all()), i.period,
                            "whether the rules themselves are written down and agreed")
    else:
        out["Q06"] = Answer("no scenario was triggered in the period", None, i.period)
    stock = i.scenarios.filter((pl.col("scenario") == "backorder") & (pl.col("decided") > 0))
    if stock.height:
        r = stock.row(0, named=True)
        out["Q07"] = Answer(f"{r['covered']:,} of {r['decided']:,} lines backordered, substituted or cancelled for stock "
                            f"were told to the customer before they asked ({r['coverage']:.0%})",
                            r["coverage"] >= i.coverage_green, i.period, "whether the workflow is standard")
    else:
        out["Q07"] = Answer("no stock problem on a line in the period", None, i.period)
    fresh = [p for p in i.peak if p["status"] == "yes" and p.get("reviewed_on")
             and (i.today - _date(p["reviewed_on"])).days <= PEAK_FRESH_DAYS]
    out["Q08"] = Answer(f"{len(fresh)} of {len(i.peak)} pre-peak review items done and dated within "
                        f"{PEAK_FRESH_DAYS} days", bool(i.peak) and len(fresh) == len(i.peak),
                        judgement="the quality of the playbooks behind them")
    out["Q09"] = Answer("the overview shows all-channel, agent-handled and avoidable WISMO rates side by side with a "
                        "reduction-or-deflection verdict" if i.deflection_figures else "no deflection figures yet",
                        bool(i.deflection_figures) if i.deflection_figures else None)
    if i.checks:
        passed, total = i.checks
        rate = passed / total if total else 0.0
        out["Q10"] = Answer(f"newest load passed {rate:.0%} of {total} data checks; audit chain "
                            f"{'intact' if i.audit_intact else 'BROKEN'}",
                            rate >= CHECK_PASS_YES and i.audit_intact, judgement="policy consistency across channels")
    else:
        out["Q10"] = Answer("audit chain " + ("intact" if i.audit_intact else "BROKEN") + "; no load checked yet",
                            None if i.audit_intact else False)
    return out


def gather(store: Store, *, owner_named: bool, raci: list[dict[str, Any]], truth: tuple[int | None, dict[str, Any]],
           peak: list[dict[str, Any]], audit_intact: bool, today: dt.date) -> Inputs:
    """The inputs from the store: the workspace's own rows are handed in by the service."""
    status = figures.status(store)
    as_of = status.as_of
    week = View(grain="week")
    period = figures.reporting_period(store, week, as_of) if as_of else None
    n, linked = queries.cause_counts(store)
    targets = governed.targets(store)
    if period is not None and as_of is not None:
        first = views.shift(period, "week", -(WEEKS - 1))
        since, until = views.start_of(first), min(as_of, views.start_of(views.shift(period, "week", 1)))
        words = views.Window(first, period, "week", "span").words
        recent = (queries.cause_contacts(store).filter((pl.col("created_at") >= since) & (pl.col("created_at") < until))
                  .group_by("cause").len())
        causes = dict(recent.iter_rows())
        weeks = View(grain="week", start=first, end=period)
        scen = scenario_frame(figures.scenario_matrix(store, weeks, "node"))
        tile = figures.tiles(store, week, period, ["inventory_accuracy"])[0]
        inventory = (tile.value, tile.status, tile.target)
        accuracy = window_value(figures.figures(store, ["status_message_accuracy"], weeks),
                                load_catalogue().kpi("status_message_accuracy"), targets["status_message_accuracy"])
    else:
        words, causes, scen, accuracy = "", {}, coverage_empty(), None
        inventory = (None, "none", targets["inventory_accuracy"])
    act = queries.kpi_rows(store, "week", "carrier").filter(pl.col("kpi") == "tracking_activation_ontime")
    carriers = queries.dimension_values(store)["carrier"]
    activation, act_week = None, ""
    if act.height:
        newest: dt.date = max(act["period_start"].to_list())
        rows = act.filter((pl.col("period_start") == newest) & pl.col("dimension_value").is_in(carriers))
        decided = float(rows["denominator"].sum())
        activation = (rows.height, len(carriers), int(decided - float(rows["numerator"].sum())), int(decided))
        act_week = views.period_words(newest, "week")
    slas = governed.carrier_slas(store)
    load = queries.latest_load(store)
    checks = None
    if load:
        results = queries.check_results(store, load.load_id)
        checks = (results.filter(pl.col("failing_rows") == 0).height, results.height)
    return Inputs(
        today=today, owner_named=owner_named, raci_gaps=raci_gaps(raci), truth_version=truth[0],
        truth_facts=len(truth[1]), contacts=n, linked=linked, recent_causes=causes, period=words,
        inventory=inventory, activation=activation, activation_week=act_week,
        escalation_named=sum(1 for c in carriers if slas.get(c, {}).get("escalation_contact")), scenarios=scen,
        coverage_green=targets["notification_coverage"].green, peak=peak,
        deflection_figures=queries.kpi_count(store, ("wismo_agent_contact_rate", "avoidable_wismo_rate"), "week",
                                             "all"),
        checks=checks, audit_intact=audit_intact, accuracy=accuracy)


def scenario_frame(matrix: pl.DataFrame) -> pl.DataFrame:
    """The network's rows of the scenario matrix (figures.scenario_matrix) as the evidence reads them."""
    cat = load_catalogue()
    net = matrix.filter((pl.col("dimension_value") == "all") & pl.col("value").is_not_null())  # no data: not judged
    keys = {k.id: (k.scenario, k.scenario_label) for k in cat.scenarios}
    return pl.DataFrame([{"scenario": keys[r["kpi"]][0], "triggered": int(r["decided"]), "decided": int(r["decided"]),
                          "covered": int(r["covered"]), "label": keys[r["kpi"]][1], "coverage": r["value"]}
                         for r in net.iter_rows(named=True)], schema=coverage_empty().schema)


def window_value(rows: pl.DataFrame, kpi: Kpi, target: Target) -> tuple[float | None, str, Target] | None:
    """A ratio KPI over several periods (Σ numerators / Σ denominators) with its status; None without a figure
    (or when its inputs are not loaded: every value null)."""
    judged = rows.filter(pl.col("value").is_not_null())
    den = float(judged["denominator"].sum()) if judged.height else 0.0
    if not den:
        return None
    value = float(judged["numerator"].sum()) / den
    return value, kpi.status(value, target), target


def coverage_empty() -> pl.DataFrame:
    return pl.DataFrame(schema={"scenario": pl.String, "triggered": pl.Int64, "decided": pl.Int64,
                                "covered": pl.Int64, "label": pl.String, "coverage": pl.Float64})


def raci_gaps(raci: list[dict[str, Any]]) -> list[str]:
    """The KPIs and controls without exactly one Accountable, or without a Responsible."""
    letters: dict[str, list[str]] = {}
    for r in raci:
        letters.setdefault(f"{r['subject_kind']} {r['subject_id']}", []).append(r["letter"])
    return sorted(s for s, ls in letters.items() if ls.count("A") != 1 or "R" not in ls)


def contradicted(checklist: list[dict[str, Any]], found: dict[str, dict[str, Any]]) -> set[str]:
    """Questions answered "yes" that the data does not back."""
    return {q["id"] for q in checklist if q["status"] == "yes" and found.get(q["id"], {}).get("supports_yes") is False}


def _date(v: Any) -> dt.date:
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])
