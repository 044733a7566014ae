"""Help-desk ticket exports (Zendesk, Gorgias) → the contract's ``contacts`` rows.

What maps to what (tags and intents → reason, channels, satisfaction → csat_score, bot markers,
where the order id is) lives in connectors/config/<vendor>.yaml; pass another file to fit a help
desk set up differently. A ticket whose reason or channel is not in the table is reported. Pure.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict

from connectors.config import CONFIG
from connectors.staging import Issue, Staged, read_json

VENDORS = ("zendesk", "gorgias")
PREFIX = {"zendesk": "zd", "gorgias": "gg"}  # contact ids: the ticket id behind the help desk's prefix
SCHEMA: dict[str, Any] = {"contact_id": pl.String, "order_id": pl.String, "customer_id": pl.String, "channel": pl.String,
          "handled_by": pl.String, "reason": pl.String, "created_at": pl.Datetime("us", "UTC"),
          "resolved_at": pl.Datetime("us", "UTC"), "csat_score": pl.Int64}
NO_RATING = {"", "offered", "unoffered", "none"}


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    match: str
    rationale: str
    reason: str | None = None
    channel: str | None = None
    score: int | None = None


class HelpDeskMap(BaseModel):
    model_config = ConfigDict(frozen=True)
    vendor: str
    reasons: tuple[Rule, ...]
    channels: tuple[Rule, ...]
    satisfaction: tuple[Rule, ...]
    bot_tags: tuple[str, ...] = ()
    bot_channels: tuple[str, ...] = ()
    order_field_id: int | str | None = None
    order_tag_pattern: str | None = None


def load_map(vendor: str, path: Path | None = None) -> HelpDeskMap:
    if vendor not in VENDORS:
        raise ValueError(f"unknown format {vendor!r}: one of {', '.join(VENDORS)}")
    return HelpDeskMap.model_validate(yaml.safe_load((path or CONFIG / f"{vendor}.yaml").read_text()))


@dataclass(frozen=True)
class _Ticket:
    id: str
    created: str | None
    resolved: str | None
    channel: str
    labels: list[str]  # intents first, then tags, then custom field values
    tags: list[str]
    customer: str
    order: str | None
    satisfaction: str


def _zendesk(t: dict, m: HelpDeskMap) -> _Ticket:
    tags = [str(x) for x in t.get("tags") or []]
    fields = {str(f.get("id")): f.get("value") for f in t.get("custom_fields") or t.get("fields") or []}
    order = fields.get(str(m.order_field_id)) if m.order_field_id is not None else None
    solved = (t.get("metric_set") or {}).get("solved_at")
    if not solved and t.get("status") in ("solved", "closed"):
        solved = t.get("updated_at")  # the export has no solved time without metric_sets: last update
    values = [str(v) for v in fields.values() if isinstance(v, str) and v]
    return _Ticket(str(t.get("id")), t.get("created_at"), solved, str((t.get("via") or {}).get("channel") or ""),
                   tags + values, tags, str(t.get("requester_id") or t.get("submitter_id") or ""),
                   str(order) if order else None, str((t.get("satisfaction_rating") or {}).get("score") or ""))


def _gorgias(t: dict, m: HelpDeskMap) -> _Ticket:
    def names(items: object) -> list[str]:
        return [str(i.get("name") if isinstance(i, dict) else i) for i in (items if isinstance(items, list) else [])]

    intents = names(t.get("intents"))
    for msg in t.get("messages") or []:
        intents += names(msg.get("intents"))
    tags = names(t.get("tags"))
    customer = t.get("customer") or {}
    meta = t.get("meta") or {}
    order = meta.get(str(m.order_field_id)) if m.order_field_id is not None else None
    survey = t.get("satisfaction_survey") or {}
    return _Ticket(str(t.get("id")), t.get("created_datetime"), t.get("closed_datetime"), str(t.get("channel") or ""),
                   intents + tags, tags, str(customer.get("id") or customer.get("email") or ""),
                   str(order) if order else None, str(survey.get("score") or ""))


def _utc(text: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(str(text))
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _is_ticket(vendor: str, obj: dict) -> bool:
    if vendor == "zendesk":
        return "via" in obj and "created_at" in obj and "id" in obj and "tags" in obj
    return "created_datetime" in obj and "channel" in obj and "id" in obj


def _find(vendor: str, doc: object) -> list[dict]:
    if isinstance(doc, dict):
        if _is_ticket(vendor, doc):
            return [doc]
        return [t for v in doc.values() for t in _find(vendor, v)]
    if isinstance(doc, list):
        return [t for v in doc for t in _find(vendor, v)]
    return []


def parse(vendor: str, path: Path, mapping: HelpDeskMap | None = None) -> Staged:
    m = mapping or load_map(vendor)
    try:
        doc = read_json(path)
    except ValueError as err:
        return Staged({"contacts": pl.DataFrame(schema=SCHEMA)}, [Issue(str(path), 0, "", "", "unreadable", str(err))])
    tickets = _find(vendor, doc)
    issues: list[Issue] = []
    rows = []
    pattern = re.compile(m.order_tag_pattern) if m.order_tag_pattern else None
    bot = {*m.bot_tags}
    for n, raw in enumerate(tickets, start=1):
        t = (_zendesk if vendor == "zendesk" else _gorgias)(raw, m)

        def issue(fld: str, value: str, rule: str, message: str, _n: int = n, _id: str = t.id) -> None:
            issues.append(Issue(str(path), _n, fld, value, rule, f"ticket {_id}: {message}"))

        reason = next((r.reason for r in m.reasons if r.match in t.labels), None)
        if reason is None:
            issue("reason", ", ".join(t.labels) or "(no tags)", "unknown_reason",
                  f"none of its tags/intents is in connectors/config/{vendor}.yaml reasons")
        channel = next((r.channel for r in m.channels if r.match == t.channel), None)
        if channel is None:
            issue("channel", t.channel, "unknown_channel", f"channel {t.channel!r} is not in the channels table")
        score = None
        if t.satisfaction.lower() not in NO_RATING:
            score = next((r.score for r in m.satisfaction if r.match == t.satisfaction), None)
            if score is None:
                issue("satisfaction", t.satisfaction, "unknown_rating", "rating not in the satisfaction table")
        order = t.order
        if order is None and pattern:
            order = next((g.group(1) for tag in t.tags if (g := pattern.match(tag))), None)
        times = {}
        for name, value in (("created_at", t.created), ("resolved_at", t.resolved)):
            try:
                times[name] = _utc(value) if value else None
            except ValueError:
                issue(name, str(value), "bad_time", f"{value!r} is not an ISO 8601 time")
                times[name] = None
        if times["created_at"] is None:
            if not t.created:
                issue("created_at", "", "missing_time", "no creation time")
            continue
        handled = "bot" if (bot & set(t.tags)) or t.channel in m.bot_channels else "agent"
        rows.append({"contact_id": f"{PREFIX[vendor]}-{t.id}", "order_id": order, "customer_id": t.customer or None,
                     "channel": channel,
                     "handled_by": handled, "reason": reason, **times,
                     "csat_score": score})
    df = pl.DataFrame(rows, schema=SCHEMA)
    notes = {f"tickets read from {path.name}": len(tickets)}
    return Staged({"contacts": df}, issues, notes)
