"""Help-desk ticket exports (Zendesk, Gorgias) → the contract's ``contacts`` rows.

What maps to what (tags and intents → reason, channels, satisfaction → csat_score, bot markers,
where the order id is, what is not a customer contact) lives in connectors/config/<vendor>.yaml; pass
another file to fit a help desk set up differently. Real help desks leave most tickets untagged and
create many through the API: a ticket whose tags name no reason takes the configured default reason,
an unlisted channel the default channel, and both are counted in the summary. Deleted, spam and
trashed tickets, message objects, the vendor's sample ticket and (by default) tickets an agent opened
are left out and counted by reason. Every record read is accounted for: mapped, left out, or an issue
(an issue's ticket is never written). Pure.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from connectors.config import CONFIG
from connectors.staging import Issue, Staged, read_json
from core.contract import CONTACT_CHANNELS, CONTACT_REASONS

VENDORS = ("zendesk", "gorgias")
PREFIX = {"zendesk": "zd", "gorgias": "gg"}  # contact ids: the ticket id behind the help desk's prefix
SCHEMA: dict[str, Any] = {"contact_id": pl.String, "order_id": pl.String, "customer_id": pl.String, "channel": pl.String,
          "handled_by": pl.String, "reason": pl.String, "created_at": pl.Datetime("us", "UTC"),
          "resolved_at": pl.Datetime("us", "UTC"), "csat_score": pl.Int64}
NO_RATING = {"", "offered", "unoffered", "none", "not offered"}
# Zendesk's legacy full export (/api/v2/exports/tickets) names channels in words
LEGACY_VIA = {"web form": "web", "mail": "email", "web service": "api", "chat": "chat", "voice": "voice",
              "twitter": "twitter", "facebook post": "facebook", "facebook message": "facebook",
              "sample ticket": "sample_ticket", "closed ticket": "closed_ticket", "ticket sharing": "ticket_sharing"}


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    match: str
    rationale: str
    reason: str | None = None
    channel: str | None = None
    score: int | None = None


class HelpDeskMap(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    vendor: str
    reasons: tuple[Rule, ...]
    channels: tuple[Rule, ...]
    satisfaction: tuple[Rule, ...]
    bot_tags: tuple[str, ...] = ()
    bot_channels: tuple[str, ...] = ()
    order_field_id: int | str | None = None
    order_tag_pattern: str | None = None
    #: the reason of a ticket none of whose tags or intents is in ``reasons`` (None: such a ticket is an issue)
    default_reason: str | None = "other"
    #: the channel of a ticket whose channel is not in ``channels`` (None: such a ticket is an issue)
    default_channel: str | None = "email"
    #: custom fields (ids) whose values are read as reason labels, beside tags and intents
    reason_field_ids: tuple[int | str, ...] = ()
    #: ticket statuses that are not customer contacts (compared in lower case)
    leave_out_statuses: tuple[str, ...] = ("deleted",)
    #: channels that are not customer contacts (the vendor's sample ticket, internal notes)
    leave_out_channels: tuple[Rule, ...] = ()
    #: count tickets an agent opened (outbound) as contacts (Gorgias ``from_agent``)
    include_agent_started: bool = False
    source: str = ""  # the file it was read from, named in messages

    @field_validator("default_reason", "default_channel")
    @classmethod
    def _in_contract(cls, v: str | None, info: ValidationInfo) -> str | None:
        allowed = CONTACT_REASONS if info.field_name == "default_reason" else CONTACT_CHANNELS
        if v is not None and v not in allowed:
            raise ValueError(f"{info.field_name} {v!r} is not one of {', '.join(allowed)}")
        return v


def load_map(vendor: str, path: Path | None = None) -> HelpDeskMap:
    if vendor not in VENDORS:
        raise ValueError(f"unknown format {vendor!r}: one of {', '.join(VENDORS)}")
    source = path or CONFIG / f"{vendor}.yaml"
    raw = yaml.safe_load(source.read_text())
    shown = f"connectors/config/{vendor}.yaml" if path is None else str(path)
    try:
        return HelpDeskMap.model_validate({**raw, "source": shown})
    except ValueError as err:
        raise ValueError(f"{shown}: {err}") from None


@dataclass(frozen=True)
class _Ticket:
    id: str
    created: str | None
    resolved: str | None
    channel: str
    labels: list[str]  # intents first, then tags, then the named custom fields' values
    tags: list[str]
    customer: str
    order: str | None
    satisfaction: str
    left_out: str | None  # why this is not a customer contact


def _zendesk(t: dict, m: HelpDeskMap, solved_by_id: dict[str, str]) -> _Ticket:
    tags = [str(x) for x in t.get("tags") or []]
    fields = {str(f.get("id")): f.get("value") for f in t.get("custom_fields") or t.get("fields") or []
              if isinstance(f, dict)}
    order = fields.get(str(m.order_field_id)) if m.order_field_id is not None else None
    # a real solved time only: the metric set (inline or side-loaded) or a solved_at field; never updated_at,
    # which moves with every later change to the ticket
    solved = (t.get("metric_set") or {}).get("solved_at") or solved_by_id.get(str(t.get("id"))) or t.get("solved_at")
    values = [str(fields[str(k)]) for k in m.reason_field_ids if fields.get(str(k))]
    via = t.get("via")
    channel = str((via.get("channel") if isinstance(via, dict) else via) or "")
    status = str(t.get("status") or "").lower()
    return _Ticket(str(t.get("id")), t.get("created_at"), solved, channel, tags + values, tags,
                   str(t.get("requester_id") or t.get("submitter_id") or ""), str(order) if order else None,
                   str((t.get("satisfaction_rating") or {}).get("score") or ""),
                   f"status {status}" if status in m.leave_out_statuses else None)


def _legacy(r: dict) -> dict:
    """A row of Zendesk's legacy full export (``results`` with flat fields) as an API ticket."""
    def when(v: object) -> str | None:
        if not v:
            return None
        try:
            return dt.datetime.strptime(str(v), "%Y-%m-%d %H:%M:%S %z").isoformat()
        except ValueError:
            return str(v)

    via = str(r.get("via") or "").strip().lower()
    score = str(r.get("satisfaction_score") or "").strip().lower()
    return {"id": r.get("id"), "created_at": when(r.get("created_at")), "solved_at": when(r.get("solved_at")),
            "via": {"channel": LEGACY_VIA.get(via, via.replace(" ", "_"))}, "status": r.get("status"),
            "tags": str(r.get("current_tags") or "").split(), "requester_id": r.get("req_id"),
            "satisfaction_rating": {"score": score}}


def _gorgias(t: dict, m: HelpDeskMap) -> _Ticket:
    def names(items: object) -> list[str]:
        return [str(i.get("name") if isinstance(i, dict) else i) for i in (items if isinstance(items, list) else [])]

    intents = names(t.get("intents"))
    for msg in t.get("messages") or []:
        if isinstance(msg, dict):
            intents += names(msg.get("intents"))
    tags = names(t.get("tags"))
    customer = t.get("customer") or {}
    meta = t.get("meta") or {}
    order = meta.get(str(m.order_field_id)) if m.order_field_id is not None else None
    fields = {str(k): v for k, v in meta.items()} if isinstance(meta, dict) else {}
    values = [str(fields[str(k)]) for k in m.reason_field_ids if fields.get(str(k))]
    survey = t.get("satisfaction_survey") or {}
    status = str(t.get("status") or "").lower()
    left_out = ("spam" if t.get("spam") else "trashed" if t.get("trashed_datetime") else
                f"status {status}" if status in m.leave_out_statuses else
                "opened by an agent" if _from_agent(t) and not m.include_agent_started else None)
    return _Ticket(str(t.get("id")), t.get("created_datetime"), t.get("closed_datetime"), str(t.get("channel") or ""),
                   intents + tags + values, tags, str(customer.get("id") or customer.get("email") or ""),
                   str(order) if order else None, str(survey.get("score") or ""), left_out)


def _from_agent(t: dict) -> bool:
    """Whether the ticket's first message came from the company (an outbound ticket, not a contact)."""
    if "from_agent" in t:
        return bool(t["from_agent"])
    first = t.get("first_message") or next(iter(t.get("messages") or []), None)
    return bool(isinstance(first, dict) and first.get("from_agent"))


def _utc(text: str) -> tuple[dt.datetime, bool]:
    """The instant in UTC, and whether the text named its offset."""
    t = dt.datetime.fromisoformat(str(text))
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone(dt.UTC), t.tzinfo is not None


@dataclass
class _Found:
    tickets: list[dict]
    messages: list[dict]
    solved: dict[str, str]  # ticket id → solved_at, from side-loaded or separate metric sets
    legacy: int


def _kind(vendor: str, d: dict) -> str | None:
    if vendor == "zendesk":
        if "req_id" in d and "current_tags" in d and "created_at" in d and str(d.get("id")).isdigit():
            return "legacy"  # (its field_headers carry the same keys, with words as values)
        if "ticket_id" in d and "solved_at" in d:
            return "metric"
        if "via" in d and "created_at" in d and "id" in d and "ticket_id" not in d and (
                "requester_id" in d or "tags" in d):
            return "ticket"
        return None
    if "ticket_id" in d and "created_datetime" in d and ("from_agent" in d or "sender" in d):
        return "message"
    if "created_datetime" in d and "channel" in d and "id" in d and "ticket_id" not in d:
        return "ticket"
    return None


def _find(vendor: str, doc: object) -> _Found:
    """Every ticket wherever it sits (API pages, cursor and time-based incremental wrappers, webhook bodies,
    Airbyte and Singer record envelopes, lists of any of them), with the metric sets beside them."""
    found = _Found([], [], {}, 0)
    stack: list[object] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack += reversed(node)
            continue
        if not isinstance(node, dict):
            continue
        kind = _kind(vendor, node)
        if kind == "ticket":
            found.tickets.append(node)
        elif kind == "legacy":
            found.tickets.append(_legacy(node))
            found.legacy += 1
        elif kind == "message":
            found.messages.append(node)
        elif kind == "metric":
            if node.get("solved_at"):
                found.solved[str(node.get("ticket_id"))] = str(node["solved_at"])
        else:
            stack += reversed(list(node.values()))
    return found


def parse(vendor: str, path: Path, mapping: HelpDeskMap | None = None) -> Staged:
    return parse_many(vendor, [path], mapping)


def parse_many(vendor: str, paths: list[Path], mapping: HelpDeskMap | None = None) -> Staged:
    """The contacts of every file (JSON, JSON Lines, gzip of either), with a summary that accounts for every
    record read: mapped, defaulted, left out (and why) or an issue."""
    m = mapping or load_map(vendor)
    issues: list[Issue] = []
    warnings: list[Issue] = []
    notes: Counter[str] = Counter()
    mapped: dict[str, dict] = {}  # contact id → row; a later copy of a ticket replaces the earlier
    seen: set[str] = set()
    for path in paths:
        try:
            doc = read_json(path)
        except ValueError as err:
            issues.append(Issue(str(path), 0, "", "", "unreadable", f"{path.name} {err}"))
            continue
        found = _find(vendor, doc)
        read = len(found.tickets) + len(found.messages)
        notes[f"records read from {path.name}"] += read
        if found.legacy:
            notes["of them rows of Zendesk's legacy full export"] += found.legacy
        if found.solved:
            notes["solved times from metric sets"] += len(found.solved)
        for msg in found.messages:
            notes[f"left out: a message of ticket {msg.get('ticket_id')}, not a ticket"] += 1
        if read == 0:
            issues.append(Issue(str(path), 0, "", "", "no_tickets",
                                f"{path.name} holds no {vendor} ticket: is it a {vendor} export?"))
        _rows(vendor, m, path, found, issues, warnings, notes, seen, mapped)
    df = pl.DataFrame(list(mapped.values()), schema=SCHEMA)
    notes["contacts mapped"] = df.height
    if issues:
        notes["records with an issue (not written)"] = len({(i.file, i.row) for i in issues if i.row})
    return Staged({"contacts": df}, issues, dict(notes), warnings)


def _rows(vendor: str, m: HelpDeskMap, path: Path, found: _Found, issues: list[Issue], warnings: list[Issue],
          notes: Counter[str], seen: set[str], mapped: dict[str, dict]) -> None:
    pattern = re.compile(m.order_tag_pattern) if m.order_tag_pattern else None
    bot = {*m.bot_tags}
    leave_channels = {r.match: r.rationale for r in m.leave_out_channels}
    for n, raw in enumerate(found.tickets, start=1):
        t = _zendesk(raw, m, found.solved) if vendor == "zendesk" else _gorgias(raw, m)
        bad = False

        def issue(fld: str, value: str, rule: str, message: str, _n: int = n, _id: str = t.id) -> None:
            nonlocal bad
            bad = True
            issues.append(Issue(str(path), _n, fld, value, rule, f"ticket {_id}: {message}"))

        key = f"{PREFIX[vendor]}-{t.id}"
        if key in seen:  # incremental exports repeat a ticket each time it changes: the later copy wins
            notes["left out: an earlier copy of the same ticket"] += 1
            mapped.pop(key, None)
        seen.add(key)
        left_out = t.left_out or (f"channel {t.channel} ({leave_channels[t.channel]})"
                                  if t.channel in leave_channels else None)
        if left_out:
            notes[f"left out: {left_out}"] += 1
            continue
        reason = next((r.reason for r in m.reasons if r.match in t.labels), None)
        if reason is None:
            if m.default_reason is None:
                issue("reason", ", ".join(t.labels) or "(no tags)", "unknown_reason",
                      f"none of its tags/intents is in {m.source} reasons, and it sets no default_reason")
            else:
                reason = m.default_reason
                why = "no tag or intent" if not t.labels else "tags/intents not in the reasons table"
                notes[f"reason set to the default {reason!r} ({why})"] += 1
        channel = next((r.channel for r in m.channels if r.match == t.channel), None)
        if channel is None:
            if m.default_channel is None:
                issue("channel", t.channel, "unknown_channel",
                      f"channel {t.channel!r} is not in {m.source} channels, and it sets no default_channel")
            else:
                channel = m.default_channel
                notes[f"channel {t.channel or '(none)'!r} set to the default {channel!r}"] += 1
        score = None
        if t.satisfaction.lower() not in NO_RATING:
            score = next((r.score for r in m.satisfaction if r.match.lower() == t.satisfaction.lower()), None)
            if score is None:
                issue("satisfaction", t.satisfaction, "unknown_rating", f"rating not in {m.source} satisfaction")
        order = t.order
        if order is None and pattern:
            order = next((g.group(1) for tag in t.tags if (g := pattern.match(tag))), None)
        times: dict[str, dt.datetime | None] = {}
        for name, value in (("created_at", t.created), ("resolved_at", t.resolved)):
            times[name] = None
            if not value:
                continue
            try:
                times[name], offset = _utc(value)
            except ValueError:
                issue(name, str(value), "bad_time", f"{value!r} is not an ISO 8601 time")
                continue
            if not offset:
                warnings.append(Issue(str(path), n, name, str(value), "time_without_offset",
                                      f"ticket {t.id}: {value!r} names no offset: read as UTC"))
                notes["times without an offset, read as UTC"] += 1
        if times["created_at"] is None and not t.created:
            issue("created_at", "", "missing_time", "no creation time")
        if bad:
            continue
        handled = "bot" if (bot & set(t.tags)) or t.channel in m.bot_channels else "agent"
        mapped[key] = {"contact_id": key, "order_id": order, "customer_id": t.customer or None, "channel": channel,
                       "handled_by": handled, "reason": reason, **times, "csat_score": score}
