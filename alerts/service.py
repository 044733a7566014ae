"""One alerts run: evaluate, reconcile with the open alerts in the store, send what is due.

De-duplication: an alert is keyed by what breached and where (not by week). While it stays open
each channel gets it once, and again only if it escalates from warning to critical; when the
figures clear it, it closes, and a later breach opens it anew. A failed delivery is recorded and
is due again on the next run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from alerts.channels import Channel, Outcome, deliver
from alerts.evaluate import RANK, Breach, breaches
from governance.service import Actor, Governance
from store import alerts as state
from store import queries
from store.db import Store


@dataclass
class Report:
    week: dt.date | None
    opened: list[Breach] = field(default_factory=list)
    escalated: list[Breach] = field(default_factory=list)
    still_open: list[Breach] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    sent: list[tuple[Breach, Outcome]] = field(default_factory=list)
    failed: list[tuple[Breach, Outcome]] = field(default_factory=list)
    due: list[tuple[Breach, str]] = field(default_factory=list)  # (breach, channel) due: what a dry run would send

    @property
    def ok(self) -> bool:
        return not self.failed


def owners(store: Store) -> tuple[dict[str, list[str]], str]:
    """KPI id → the functions Responsible for it in the governance RACI; and the audit head it was read at."""
    gov = Governance(store, Actor("alerts", "viewer"))
    gov.seed_if_empty()
    out: dict[str, list[str]] = {}
    for r in gov.raci():
        if r["subject_kind"] == "kpi" and r["letter"] == "R":
            out.setdefault(r["subject_id"], []).append(r["function"])
    return out, gov.head()


def run(store: Store, channels: list[Channel], base_url: str, *, dry_run: bool = False, attempts: int = 3,
        now: dt.datetime | None = None, significant: bool = False) -> Report:
    now = now or dt.datetime.now(dt.UTC)
    responsible, head = owners(store)
    found, week = breaches(store, base_url, responsible, significant)
    found = [replace(b, audit_head=head) for b in found]
    report = Report(week)
    meta = queries.latest_run(store)
    known = state.known(store)
    sent_ok = state.delivered(store)
    first_seen: dict[str, dt.datetime] = {}
    rows = []
    for b in found:
        old = known.get(b.key)
        if old is not None and old.state == "open":
            first_seen[b.key] = _utc(old.first_seen_at)
            (report.escalated if RANK[b.severity] > RANK[old.severity] else report.still_open).append(b)
        else:
            first_seen[b.key] = now
            report.opened.append(b)
        rows.append({"alert_key": b.key, "kind": b.kind, "kpi": b.kpi, "dimension": b.dimension,
                     "dimension_value": b.dimension_value, "state": "open", "severity": b.severity,
                     "period_start": b.period_start, "value": b.value, "threshold": b.threshold,
                     "owner": ", ".join(b.owner), "link": b.link, "message": b.message,
                     "first_seen_at": first_seen[b.key], "last_seen_at": now, "cleared_at": None,
                     "as_of": meta.as_of if meta else now, "rule_version": meta.rule_version if meta else ""})
    open_keys = {b.key for b in found}
    report.cleared = sorted(k for k, r in known.items() if r.state == "open" and k not in open_keys)

    for b in found:
        for ch in channels:
            done = any(k == b.key and c == ch.name and RANK.get(s, 0) >= RANK[b.severity]
                       and _utc(at) >= first_seen[b.key] for k, c, s, at in sent_ok)
            if not done:
                report.due.append((b, ch.name))
    if dry_run:
        return report

    state.save(store, rows, report.cleared, now)  # the alerts' state first, in one transaction
    by_name = {ch.name: ch for ch in channels}
    for b, name in report.due:  # then each delivery, recorded as it happens
        outcome = deliver(by_name[name], b, attempts)
        state.record_delivery(store, alert_key=b.key, channel=name, severity=b.severity, attempts=outcome.attempts,
                              ok=outcome.ok, error=outcome.error)
        (report.sent if outcome.ok else report.failed).append((b, outcome))
    return report


def _utc(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):  # SQLite hands timestamps back as text
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
