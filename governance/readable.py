"""The workspace as people read it in a meeting: the audit trail as who/when/what changed from → to, the RACI
as a matrix with titles and function names, actions with what they serve and whether they are overdue.
Pure: rows in, frames out (the page lays them out; downloads keep the codes)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl

from core.words import WORDS, word
from metrics.catalogue import load_catalogue

ACTION_WORDS = {"add action": "added an action", "update action": "updated an action", "seed": "seeded",
                "update checklist": "answered a question", "update risk": "updated a control",
                "update raci": "changed the RACI", "update peak": "reviewed a peak item", "set targets": "set a target",
                "set thresholds": "changed a rule threshold", "set carrier_slas": "set a carrier SLA",
                "set executive_owner": "named the executive owner", "add risk": "added a risk",
                "set source_of_truth": "recorded the source-of-truth hierarchy"}


def subject_words(kind: str, subject: str, risks: dict[str, str]) -> str:
    """A RACI subject in words: a KPI's title, or the control of a risk."""
    if kind == "kpi":
        try:
            return load_catalogue().kpi(subject).title
        except KeyError:
            return subject
    return f"Control {subject}: {risks.get(subject, '')}".rstrip(": ")


def raci_matrix(raci: list[dict[str, Any]], risks: dict[str, str]) -> pl.DataFrame:
    """One row per KPI or control (in words), one column per function (in words), the letters in the cells."""
    if not raci:
        return pl.DataFrame()
    # words computed here, in Python, not inside polars (Python in polars' thread pool stalled a busy server)
    df = pl.DataFrame([r | {"subject": subject_words(r["subject_kind"], r["subject_id"], risks),
                            "function": word(r["function"])} for r in raci])
    wide = df.pivot(on="function", index=["subject_kind", "subject_id", "subject"], values="letter",
                    aggregate_function="first")
    return wide.sort("subject_kind", "subject_id", descending=[True, False]).drop("subject_kind")


def _changes(old: Any, new: Any) -> str:
    """What changed from → to, field by field ('status: not assessed → partly')."""
    if not isinstance(new, dict):
        return "" if new is None else str(new)
    old = old if isinstance(old, dict) else {}
    parts = []
    for k, v in new.items():
        if k in ("id", "version", "payload_sha256"):
            continue
        before = old.get(k)
        shown = lambda x: word(x) if isinstance(x, str) and x in WORDS else ("–" if x in (None, "") else str(x))  # noqa: E731
        parts.append(f"{k.replace('_', ' ')}: {shown(before)} → {shown(v)}" if k in old else
                     f"{k.replace('_', ' ')}: {shown(v)}")
    return "; ".join(parts)


def audit_table(audit: list[dict[str, Any]]) -> pl.DataFrame:
    """The audit trail, newest first: when, who (role), what they did, to what, from → to, why, outcome."""
    rows = []
    for r in reversed(audit):
        at = r["at"] if isinstance(r["at"], dt.datetime) else dt.datetime.fromisoformat(str(r["at"]).replace(" ", "T"))
        rows.append({"seq": int(r["seq"]), "when": at.replace(tzinfo=at.tzinfo or dt.UTC),
                     "who": f"{r['actor']} ({word(r['role']).lower()})",
                     "did": ACTION_WORDS.get(r["action"], r["action"].replace("_", " ")),
                     "what": str(r["entity_id"]),
                     "change": _changes(json.loads(r["old_value"] or "null"), json.loads(r["new_value"] or "null")),
                     "reason": r["reason"] or "", "outcome": word(r["outcome"])})
    return pl.DataFrame(rows, schema={"seq": pl.Int64, "when": pl.Datetime("us", "UTC"), "who": pl.String,
                                      "did": pl.String, "what": pl.String, "change": pl.String, "reason": pl.String,
                                      "outcome": pl.String})


def actions_table(actions: list[dict[str, Any]], today: dt.date, risks: dict[str, str]) -> pl.DataFrame:
    """Open actions first (overdue first, by due date), then the closed ones, in words."""
    cat = {k.id: k.title for k in load_catalogue().kpis}
    rows = []
    for a in actions:
        due = a["due_date"] if isinstance(a["due_date"], dt.date) else dt.date.fromisoformat(str(a["due_date"])[:10])
        closed = a["status"] in ("done", "dropped")
        serves = a.get("serves") or ""
        rows.append({"id": a["id"], "action": a["text"], "owner": word(a["owner"]), "due": due,
                     "status": word(a["status"]), "overdue": (not closed) and due < today,
                     "serves": cat.get(serves) or (f"Risk {serves}: {risks[serves]}" if serves in risks else serves),
                     "closing note": a.get("closing_note") or "", "_closed": closed})
    df = pl.DataFrame(rows, schema={"id": pl.String, "action": pl.String, "owner": pl.String, "due": pl.Date,
                                    "status": pl.String, "overdue": pl.Boolean, "serves": pl.String,
                                    "closing note": pl.String, "_closed": pl.Boolean})
    return df.sort(["_closed", "overdue", "due"], descending=[False, True, False]).drop("_closed")
