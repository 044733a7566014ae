"""Which targets and SLAs the latest figures breach. Reads the figures the dashboard shows.

- every KPI target overall (the overview's tiles: the reporting week's value, or the newest before it);
- every target set for one node or carrier (``wismo governance set-target --node/--carrier``);
- every carrier's milestone SLAs: tracking activation within the carrier's SLA hours, scans not stale,
  delivery by the promised date, each against its KPI target (or that carrier's own target).

Amber (worse than green) is a warning, red (worse than red) is critical. With ``significant`` (the optional
rule, WISMO_ALERT_SIGNIFICANT), a KPI whose latest value moved the worse way outside the control limits of its
own history (metrics/signal.py) is a warning too, whatever its target says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

import polars as pl

from metrics.catalogue import Target, load_catalogue
from metrics.views import View
from services import figures, governed
from store.db import Store

CARRIER_MILESTONES = ("tracking_activation_ontime", "stale_in_transit", "ontime_delivery")
SEVERITY = {"amber": "warning", "red": "critical"}
RANK = {"warning": 1, "critical": 2}
PAGES = {"all": "", "node": "nodes", "carrier": "carriers"}  # the overview is the default page, at /


@dataclass(frozen=True)
class Breach:
    kind: str  # kpi_target | carrier_sla
    kpi: str
    title: str
    dimension: str
    dimension_value: str
    period_start: dt.date
    value: float
    value_text: str
    threshold: float
    threshold_text: str
    severity: str
    owner: tuple[str, ...]
    escalation: str
    link: str
    audit_head: str = ""  # the governance audit head when evaluated ('#SEQ MAC'): a reader can verify against it

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.kpi}:{self.dimension}:{self.dimension_value}"

    @property
    def where(self) -> str:
        return "overall" if self.dimension == "all" else f"{self.dimension} {self.dimension_value}"

    @property
    def message(self) -> str:
        if self.kind == "significant_shift":
            return (f"[{self.severity.upper()}] {self.title} ({self.where}) is {self.value_text} in the week of "
                    f"{self.period_start:%Y-%m-%d}: worse, and outside its normal variation (control limit "
                    f"{self.threshold_text}) — a real deterioration, not noise. "
                    f"Owner: {', '.join(self.owner) or 'unassigned'}. {self.link}")
        what = "target" if self.kind == "kpi_target" else "carrier milestone SLA"
        return (f"[{self.severity.upper()}] {self.title} ({self.where}) is {self.value_text} in the week of "
                f"{self.period_start:%Y-%m-%d}: {what} {self.threshold_text} breached. "
                f"Owner: {', '.join(self.owner) or 'unassigned'}"
                + (f"; escalate to {self.escalation}" if self.escalation else "") + f". {self.link}")


def link(base_url: str, kpi: str, dimension: str, value: str) -> str:
    params = {} if dimension == "all" else {"kpi": kpi, f"{dimension}_detail": value}
    url = f"{base_url.rstrip('/')}/{PAGES[dimension]}"
    return url + (f"?{urlencode(params)}" if params else "")


def breaches(store: Store, base_url: str, owners: dict[str, list[str]],
             significant: bool = False) -> tuple[list[Breach], dt.date | None]:
    """Every breach in the latest figures, and the week they are for. ``owners``: KPI id → the
    functions Responsible for it (the RACI)."""
    cat = load_catalogue()
    status = figures.status(store)
    if status.run is None:
        return [], None
    view = View(grain="week")
    period = figures.reporting_period(store, view, status.as_of)
    if period is None:
        return [], None
    targets, sliced, slas = governed.targets(store), governed.slice_targets(store), governed.carrier_slas(store)
    out: list[Breach] = []

    def judge(kind: str, kpi_id: str, dimension: str, value_name: str, when: dt.date | None, value: float | None,
              target: Target) -> None:
        k = cat.kpi(kpi_id)
        colour = k.status(value, target)
        if colour not in SEVERITY or value is None or when is None:
            return
        threshold = target.green if colour == "amber" else target.red
        word = "≤" if k.good == "down" else "≥"
        out.append(Breach(kind, kpi_id, k.title, dimension, value_name, when, value, k.display(value),
                          threshold, f"{word} {k.display(threshold)}", SEVERITY[colour],
                          tuple(owners.get(kpi_id) or owners.get(CARRIER_MILESTONES[0], [])
                                if kind == "carrier_sla" else owners.get(kpi_id, [])),
                          slas.get(value_name, {}).get("escalation_contact", "") if dimension == "carrier" else "",
                          link(base_url, kpi_id, dimension, value_name)))

    for t in figures.tiles(store, view, period):
        judge("kpi_target", t.kpi.id, "all", "all", t.period, t.value, t.target)
        sig = t.signal
        if (significant and sig is not None and sig.significant and t.judgement == "worse" and t.value is not None
                and t.period is not None and sig.why == "outside the control limits"):
            # the limit crossed: the lower one for a KPI where up is good, the upper one where down is good
            limit = (sig.lower if t.kpi.good == "up" else sig.upper) or 0.0
            out.append(Breach("significant_shift", t.kpi.id, t.kpi.title, "all", "all", t.period, t.value,
                              t.kpi.display(t.value), limit, t.kpi.display(limit), "warning",
                              tuple(owners.get(t.kpi.id, [])), "", link(base_url, t.kpi.id, "all", "all")))

    def newest(kpi_id: str, dimension: str, value: str) -> tuple[dt.date | None, float | None]:
        df = figures.figures(store, [kpi_id], view, dimension, [value]).filter(
            (pl.col("period_start") <= period) & pl.col("value").is_not_null()).sort("period_start")
        return (df["period_start"][-1], df["value"][-1]) if df.height else (None, None)

    for (kpi_id, dimension, value), target in sorted(sliced.items()):
        kind = "carrier_sla" if dimension == "carrier" and kpi_id in CARRIER_MILESTONES else "kpi_target"
        judge(kind, kpi_id, dimension, value, *newest(kpi_id, dimension, value), target)
    for carrier in figures.dimension_values(store)["carrier"]:
        for kpi_id in CARRIER_MILESTONES:
            if (kpi_id, "carrier", carrier) not in sliced:
                judge("carrier_sla", kpi_id, "carrier", carrier, *newest(kpi_id, "carrier", carrier),
                      targets[kpi_id])
    return out, period
