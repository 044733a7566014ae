"""The governance service layer: every write checks the actor's role here (not only in the UI),
and every change or refused attempt is appended to a hash-chained audit log.

Roles: ``viewer`` reads; ``editor`` changes governance content (checklist, risks, actions, RACI,
peak review, KPI targets); ``admin`` also changes what alters the figures (cause-rule thresholds,
carrier SLAs) and names the executive owner. Roles themselves come from configuration. A refused write raises ``PermissionError`` and is
recorded with outcome ``refused``.

The audit chain: each row's ``hash`` is an HMAC over its own fields and the previous row's MAC, under a key
kept outside the database, and the head is anchored outside it too (governance/audit.py), so a row edited,
inserted, re-hashed or deleted outside the app is named by ``verify``, which also checks that the governed
settings in force are the ones the audit trail recorded.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from governance.audit import LEGACY, Anchor, AuditKeyError, Seal, legacy_hash, payload_digest, shown
from governance.effectiveness import effectiveness
from governance.evidence import contradicted, gather, judge
from metrics.catalogue import (
    MAX_HOURS,
    MAX_TOLERANCE_HOURS,
    TRUTH_FACTS,
    TRUTH_SOURCES,
    UNIT_SHORT,
    Target,
    Thresholds,
    TruthRule,
    load_catalogue,
    load_rules,
)
from metrics.costs import Costs
from metrics.governed import target_key
from metrics.views import View
from services import figures, governed
from store import governance as db
from store import queries
from store.db import Store
from store.errors import WrittenMeanwhile
from store.governance import Connection

ROLES = ("viewer", "editor", "admin")
STATUSES = ("yes", "partly", "no", "not_assessed")
CONTROL_STATUSES = ("designed", "operating", "not_tested", "failed")
ACTION_STATUSES = ("open", "in_progress", "done", "dropped")
CLOSED = ("done", "dropped")
TRUTH_FACT_WORDS = {"order_status": "Order status (placed, cancelled)", "inventory": "Inventory available to promise",
                    "shipped": "Shipped", "in_transit": "In transit", "out_for_delivery": "Out for delivery",
                    "delivered": "Delivered", "exception": "Exception"}
GENESIS = "0" * 64
SEED = Path(__file__).parent / "seed.yaml"
NEEDS = {"checklist": "editor", "risk": "editor", "action": "editor", "raci": "editor", "peak": "editor",
         "targets": "editor", "roles": "admin", "source_of_truth": "admin",
         "thresholds": "admin", "costs": "admin", "import": "editor"}
RACI = ("R", "A", "C", "I")


@dataclass(frozen=True)
class Actor:
    name: str
    role: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r} (viewer, editor, admin)")

    def may(self, needed: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(needed)


AUDIT_FIELDS = ("seq", "at", "actor", "role", "action", "entity", "entity_id", "old_value", "new_value", "reason",
                "outcome", "prev_hash")


class Governance:
    """The workspace as one actor sees and changes it. ``on_figures_changed`` is called after a change that
    alters the figures (a threshold, a carrier's activation SLA): the entry point passes a refresh with the
    engine the installation chose."""

    def __init__(self, store: Store, actor: Actor, on_figures_changed: Callable[[], object] | None = None,
                 seal: Seal | None = None) -> None:
        self.store, self.actor = store, actor
        self.on_figures_changed = on_figures_changed
        self.seal = seal or Seal.for_store(store)

    # ---- reading ----------------------------------------------------------------------------------

    def checklist(self) -> list[dict]:
        return db.rows(self.store, "gov_checklist")

    def risks(self) -> list[dict]:
        return [r | {"kpis": json.loads(r["kpis"])} for r in db.rows(self.store, "gov_risks")]

    def actions(self) -> list[dict]:
        return db.rows(self.store, "gov_actions")

    def peak_review(self) -> list[dict]:
        return db.rows(self.store, "gov_peak_review")

    def update_peak_item(self, item_id: str, *, status: str | None = None, notes: str | None = None,
                         reviewed_on: dt.date | None = None, reason: str = "") -> dict:
        """A pre-peak review item's status and notes; a new status is dated today unless ``reviewed_on`` says."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        if status is not None and reviewed_on is None:
            reviewed_on = dt.date.today()
        return self._update("peak", item_id, {"status": status, "notes": notes, "reviewed_on": reviewed_on}, reason)

    def raci(self) -> list[dict]:
        return db.rows(self.store, "gov_raci")

    def responsible(self, subject_kind: str, subject_id: str) -> list[str]:
        """The functions Responsible for a KPI or control (alerts go to them)."""
        return [r["function"] for r in self.raci() if (r["subject_kind"], r["subject_id"], r["letter"])
                == (subject_kind, subject_id, "R")]

    def set_raci(self, subject_kind: str, subject_id: str, function: str, letter: str, reason: str = "") -> None:
        if letter not in RACI:
            raise ValueError(f"letter must be one of {RACI}")
        key = f"{subject_kind}:{subject_id}:{function}"
        self._guard("raci", key, {"letter": letter}, reason)
        with db.transaction(self.store) as conn:
            old = db.raci_letter(conn, subject_kind, subject_id, function)
            if old is None:
                raise KeyError(f"no RACI row for {key}")
            db.set_raci(conn, subject_kind, subject_id, function, letter)
            self._append(conn, "update raci", "raci", key, {"letter": old}, {"letter": letter}, reason, "done")

    def audit(self) -> list[dict]:
        return db.rows(self.store, "gov_audit")

    def head(self) -> str:
        """The audit head as printed in briefs, alerts and exports (``#SEQ MAC``), or '' before any change."""
        rows = self.audit()
        return shown(int(rows[-1]["seq"]), rows[-1]["hash"]) if rows else ""

    def verify(self, anchors: list[Anchor] | tuple[Anchor, ...] = ()) -> list[str]:
        """Problems in the audit trail: rows edited, inserted or re-hashed (MAC mismatch), deleted (gaps, broken
        links, a missing anchored head), and governed settings that differ from what the trail recorded.
        Checks the anchor file beside the store and the ``anchors`` given (copied from a brief or alert)."""
        rows = self.audit()
        key = self.seal.key(create=False)
        scheme = self.seal.scheme(key) if key else None
        problems: list[str] = []
        prev, expect, keyed = GENESIS, 1, False
        for r in rows:
            seq = int(r["seq"])
            if seq != expect:
                problems.append(f"rows {expect}–{seq - 1} are missing (deleted)")
            if r["prev_hash"] != prev:
                problems.append(f"row {seq} does not follow the row before it (a row was deleted or replaced)")
            fields = [r[f] for f in AUDIT_FIELDS]
            fields[1] = _canonical_time(r["at"] if isinstance(r["at"], str)
                                        else r["at"].astimezone(dt.UTC).isoformat())
            row_scheme = r.get("scheme") or LEGACY
            if row_scheme == LEGACY:
                if keyed:
                    problems.append(f"row {seq} carries an unkeyed hash after the keyed chain began (forged)")
                elif legacy_hash(fields) != r["hash"]:
                    problems.append(f"row {seq} was changed after it was written")
            else:
                keyed = True
                if key is None:
                    problems.append(f"no audit key here ({self.seal.where_key()}): rows from {seq} on cannot be "
                                    "checked; restore the key the chain was written with")
                    break
                if row_scheme != scheme:
                    problems.append(f"row {seq} was written with another key ({row_scheme.split(':')[-1]}) than "
                                    f"the one here ({self.seal.key_id(key)}): forged, or the key was replaced")
                elif not hmac.compare_digest(self.seal.mac(key, fields), str(r["hash"])):
                    problems.append(f"row {seq} was changed after it was written")
            prev, expect = r["hash"], seq + 1
        path, key_file = self.seal.anchor_path, self.seal.key_path
        if rows and path is not None and not path.exists() and (keyed or (key_file is not None and key_file.exists())):
            problems.append(f"the anchor file {path} is missing: whether the newest rows were deleted cannot be told")
        problems += _anchors_checked(rows, [*self.seal.anchors(), *anchors])
        problems += _settings_checked(rows, db.settings_versions(self.store))
        return problems

    # ---- writing ----------------------------------------------------------------------------------

    def _append(self, conn: Connection, action: str, entity: str, entity_id: str, old: Any, new: Any, reason: str,
                outcome: str) -> None:
        db.lock_audit(conn)
        last = db.audit_head(conn)
        key = self.seal.key(create=last is None or last[2] == LEGACY)
        if key is None or (last is not None and last[2] not in (LEGACY, self.seal.scheme(key))):
            written = last[2].split(":")[-1] if last else "?"
            raise AuditKeyError(f"the audit chain was written with key {written}, which is not here "
                                f"({self.seal.where_key()}): restore it (or set WISMO_AUDIT_KEY); nothing was changed")
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        fields = [seq, _canonical_time(at.isoformat()), self.actor.name, self.actor.role, action, entity, entity_id,
                  json.dumps(old, default=str, sort_keys=True), json.dumps(new, default=str, sort_keys=True),
                  reason, outcome, prev]
        mac = self.seal.mac(key, fields)
        db.append_audit(conn, {"seq": seq, "at": at, "actor": self.actor.name, "role": self.actor.role, "action": action,
                               "entity": entity, "entity_id": entity_id, "old": fields[7], "new": fields[8],
                               "reason": reason, "outcome": outcome, "prev": prev, "hash": mac,
                               "scheme": self.seal.scheme(key)})
        db.after_commit(conn, lambda: self.seal.record(seq, mac))

    def _guard(self, kind: str, entity_id: str, new: Any, reason: str) -> None:
        if not self.actor.may(NEEDS[kind]):
            with db.transaction(self.store) as conn:
                self._append(conn, f"update {kind}", kind, entity_id, None, new, reason, "refused")
            raise PermissionError(f"{self.actor.name} ({self.actor.role}) may not change {kind}: "
                                  f"needs {NEEDS[kind]}; the attempt is recorded")

    def _update(self, kind: str, entity_id: str, changes: dict, reason: str) -> dict:
        changes = {k: v for k, v in changes.items() if v is not None}
        self._guard(kind, entity_id, changes, reason)
        with db.transaction(self.store) as conn:
            row = db.row(conn, kind, entity_id)
            if row is None:
                raise KeyError(f"no {kind} {entity_id!r}")
            old = {k: row[k] for k in changes}
            db.update(conn, kind, entity_id, changes)
            self._append(conn, f"update {kind}", kind, entity_id, old, changes, reason, "done")
        return changes

    def update_checklist(self, item_id: str, *, status: str | None = None, owner: str | None = None,
                         evidence: str | None = None, notes: str | None = None,
                         next_review: dt.date | None = None, reason: str = "") -> dict:
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        return self._update("checklist", item_id, {
            "status": status, "owner": owner, "evidence": evidence, "notes": notes, "next_review": next_review},
            reason)

    def update_risk(self, risk_id: str, *, control_status: str | None = None, owner: str | None = None,
                    last_tested: dt.date | None = None, control: str | None = None, reason: str = "") -> dict:
        if control_status is not None and control_status not in CONTROL_STATUSES:
            raise ValueError(f"control status must be one of {CONTROL_STATUSES}")
        return self._update("risk", risk_id, {
            "control_status": control_status, "owner": owner, "last_tested": last_tested, "control": control}, reason)

    def add_risk(self, risk: str, control: str, owner: str, kpis: list[str], reason: str = "") -> str:
        """A new risk with its control (editors)."""
        unknown = set(kpis) - {k.id for k in load_catalogue().kpis}
        if unknown:
            raise ValueError(f"unknown KPIs {sorted(unknown)}")
        existing = [r["id"] for r in self.risks()]
        risk_id = f"R{max([int(i[1:]) for i in existing if i[1:].isdigit()] or [0]) + 1}"
        new = {"id": risk_id, "risk": risk, "control": control, "owner": owner, "control_status": "not_tested",
               "kpis": kpis}
        self._guard("risk", risk_id, new, reason)
        with db.transaction(self.store) as conn:
            db.insert(conn, "risk", new | {"kpis": json.dumps(kpis), "last_tested": None})
            self._append(conn, "add risk", "risk", risk_id, None, new, reason, "done")
        return risk_id

    def executive_owner(self) -> str:
        _, payload = queries.governed_setting(self.store, "executive_owner")
        return payload.get("name") or yaml.safe_load(SEED.read_text())["executive_owner"]

    def set_executive_owner(self, name: str, reason: str = "") -> int:
        """Name the executive owner of post-purchase visibility (admin only)."""
        self._guard("roles", "executive_owner", {"name": name}, reason)
        return self._new_version("executive_owner", "executive_owner", {"name": self.executive_owner()},
                                 {"name": name}, {"name": name}, reason)

    def add_action(self, text_: str, owner: str, due_date: dt.date, meeting_date: dt.date, reason: str = "",
                   serves: str = "") -> str:
        """A decision or action of a meeting (editors), open, with the KPI or risk it serves (may be '')."""
        if not text_.strip():
            raise ValueError("an action needs words: what is to be done")
        if serves and serves not in {k.id for k in load_catalogue().kpis} | {r["id"] for r in self.risks()}:
            raise ValueError(f"{serves!r} is neither a KPI nor a risk")
        action_id = "A-" + uuid.uuid4().hex[:8]
        new = {"id": action_id, "meeting_date": meeting_date, "text": text_, "owner": owner, "due_date": due_date,
               "status": "open", "serves": serves, "closing_note": "", "closed_at": None}
        self._guard("action", action_id, new, reason)
        with db.transaction(self.store) as conn:
            db.insert(conn, "action", new)
            self._append(conn, "add action", "action", action_id, None, new, reason, "done")
        return action_id

    def update_action(self, action_id: str, *, status: str | None = None, owner: str | None = None,
                      due_date: dt.date | None = None, closing_note: str | None = None, reason: str = "") -> dict:
        """Move an action open → in progress → done or dropped (editors). Closing needs a closing note; a
        closed action stays closed (a new one is added instead)."""
        if status is not None and status not in ACTION_STATUSES:
            raise ValueError(f"an action's status is one of {', '.join(ACTION_STATUSES)}")
        current = next((a for a in self.actions() if a["id"] == action_id), None)
        if current is None:
            raise KeyError(f"no action {action_id!r}")
        if current["status"] in CLOSED and status is not None and status != current["status"]:
            raise ValueError(f"action {action_id} is already {current['status']}: add a new action instead")
        closed_at = None
        if status in CLOSED and status != current["status"]:
            if not (closing_note or "").strip():
                raise ValueError("closing an action needs a closing note: what was done, or why it was dropped")
            closed_at = dt.date.today()
        return self._update("action", action_id, {"status": status, "owner": owner, "due_date": due_date,
                                                  "closing_note": closing_note, "closed_at": closed_at}, reason)

    def close_action(self, action_id: str, note: str, *, dropped: bool = False, reason: str = "") -> dict:
        """Done (or dropped) with a closing note."""
        return self.update_action(action_id, status="dropped" if dropped else "done", closing_note=note,
                                  reason=reason or note)

    def overdue(self, today: dt.date) -> list[dict]:
        return [a for a in self.actions() if a["status"] not in CLOSED and _date(a["due_date"]) < today]

    def source_of_truth(self) -> tuple[int | None, dict[str, Any]]:
        """(version, hierarchy) of the source-of-truth hierarchy in force; (None, the rule set's default) until
        an admin records one."""
        version, payload = queries.governed_setting(self.store, "source_of_truth")
        default = {f: r.model_dump(mode="json") for f, r in load_rules().truth.items()}
        return (version, default | payload) if version else (None, default)

    def set_source_of_truth(self, hierarchy: dict[str, Any], reason: str = "") -> int:
        """Record which source is believed for each fact and the hours within which sources agree (admin). It
        changes the feed-conflict and message-accuracy figures: a new rule version, then a refresh."""
        self._guard("source_of_truth", "hierarchy", hierarchy, reason)
        unknown = set(hierarchy) - set(TRUTH_FACTS)
        if unknown or not hierarchy:
            raise ValueError(f"facts are {', '.join(TRUTH_FACTS)}; not {sorted(unknown)}")
        for fact, rule in hierarchy.items():  # the rule set's own model decides what a rule may be
            try:
                TruthRule.model_validate(rule)
            except ValidationError as err:
                field = str(err.errors()[0]["loc"][0]) if err.errors()[0]["loc"] else ""
                raise ValueError(f"{fact}: sources are one or more of {', '.join(TRUTH_SOURCES)}, each once"
                                 if field != "tolerance_hours" else
                                 f"{fact}: a tolerance of {rule.get('tolerance_hours')} hours is outside "
                                 f"0–{MAX_TOLERANCE_HOURS:g}") from None
        old = self.source_of_truth()[1]
        full = old | {f: {"sources": list(r["sources"]), "tolerance_hours": float(r["tolerance_hours"])}
                      for f, r in hierarchy.items()}
        version = self._new_version("source_of_truth", "hierarchy", old, full, full, reason)
        self._figures_changed()
        return version

    # ---- governed settings (admin only): a change is a new version, audited ------------------------

    def _new_version(self, kind: str, entity_id: str, old: Any, new: Any, payload: dict, reason: str) -> int:
        with db.transaction(self.store) as conn:
            version = db.new_settings_version(conn, kind, self.actor.name, reason, payload)
            self._append(conn, f"set {kind}", kind, entity_id, old,
                         new | {"version": version, "payload_sha256": payload_digest(payload)}, reason, "done")
        return version

    def set_target(self, kpi_id: str, green: float, red: float, reason: str = "", dimension: str = "all",
                   value: str = "all") -> int:
        """A new targets version with this KPI's red/amber/green thresholds (as ratios: the CLI and the page
        convert what people type in per 100, % or days), range-checked, overall or for one node or
        carrier (``dimension``/``value``; alerts evaluate those slices). Editors: targets are governance
        content; the cause-rule thresholds and carrier SLAs that change figures are admin-only."""
        kpi = load_catalogue().kpi(kpi_id)
        key = target_key(kpi_id, dimension, value)
        new = {"green": green, "red": red}
        self._guard("targets", key, new, reason)
        kpi.check_target(green, red)
        if dimension != "all":
            if dimension not in ("node", "carrier"):
                raise ValueError("a slice target is for a node or a carrier")
            if not queries.exists(self.store, dimension, value):
                raise KeyError(f"no {dimension} {value!r} in the store")
        overall = governed.targets(self.store)[kpi_id]
        old = governed.slice_targets(self.store).get((kpi_id, dimension, value), overall).model_dump()
        _, payload = queries.governed_setting(self.store, "targets")
        return self._new_version("targets", key, old, new, payload | {key: Target(**new).model_dump()}, reason)

    def set_cost(self, channel: str, handled_by: str, amount: float, currency: str | None = None,
                 reason: str = "") -> int:
        """What one contact of ``channel`` handled by ``handled_by`` costs (admin): a new costs version,
        audited; the currency of every amount changes with ``currency``. Figures are not recomputed: the
        cost is read with them."""
        key = f"{channel}/{handled_by}"
        self._guard("costs", key, {"amount": amount, "currency": currency}, reason)
        current = governed.costs(self.store)
        rates = {c: dict(by) for c, by in current.per_contact.items()}
        rates.setdefault(channel, {})[handled_by] = amount
        try:  # validates channel, handler, range and currency
            new = Costs(currency=currency or current.currency, per_contact=rates)
        except ValidationError as err:
            raise ValueError("; ".join(e["msg"].removeprefix("Value error, ") for e in err.errors())) from None
        old = {"amount": current.rate(channel, handled_by), "currency": current.currency}
        return self._new_version("costs", key, old, {"amount": amount, "currency": new.currency},
                                 new.model_dump(), reason)

    def set_thresholds(self, reason: str = "", **changes: float) -> int:
        """A new thresholds version for the cause rules and KPI windows (admin only); then the figures are
        recomputed (``on_figures_changed``)."""
        unknown = set(changes) - set(Thresholds.model_fields)
        if unknown:
            raise ValueError(f"unknown thresholds {sorted(unknown)}; known: {sorted(Thresholds.model_fields)}")
        self._guard("thresholds", "rules", changes, reason)
        current_values = governed.rules(self.store).thresholds.model_dump()
        old = {k: current_values[k] for k in changes}
        try:
            payload = Thresholds.model_validate(current_values | changes).model_dump()
        except ValidationError as err:
            raise ValueError("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in err.errors())) from None
        version = self._new_version("thresholds", "rules", old, changes, payload, reason)
        self._figures_changed()
        return version

    def _figures_changed(self) -> None:
        if self.on_figures_changed is not None:
            self.on_figures_changed()

    def set_carrier_sla(self, carrier_id: str, *, activation_sla_hours: float | None = None,
                        stale_scan_hours: float | None = None, escalation_contact: str | None = None,
                        reason: str = "") -> int:
        """A carrier's milestone SLA (admin only): activation hours feed tracking activation and the
        not-activated cause (the figures are recomputed); stale-scan hours and the escalation contact are
        shown with its breaches."""
        changes = {k: v for k, v in (("activation_sla_hours", activation_sla_hours),
                                     ("stale_scan_hours", stale_scan_hours),
                                     ("escalation_contact", escalation_contact)) if v is not None}
        self._guard("thresholds", carrier_id, changes, reason)
        for k in ("activation_sla_hours", "stale_scan_hours"):
            if k in changes and not 0 < float(changes[k]) <= MAX_HOURS:  # NaN fails both comparisons
                raise ValueError(f"{k} must be a number of hours above 0 and at most {MAX_HOURS:g}, "
                                 f"not {changes[k]}")
        if not queries.exists(self.store, "carrier", carrier_id):
            raise KeyError(f"no carrier {carrier_id!r} in the store")
        _, payload = queries.governed_setting(self.store, "carrier_slas")
        old = payload.get(carrier_id, {})
        version = self._new_version("carrier_slas", carrier_id, old, changes,
                                    payload | {carrier_id: old | changes}, reason)
        if "activation_sla_hours" in changes:
            self._figures_changed()
        return version

    def seed_if_empty(self) -> bool:
        """Seed what is empty from the brief: the ten questions and six risks, and the RACI (also for a
        workspace created before RACI existed). Each seeding is recorded in the audit log. Sessions opening
        a new workspace at the same moment seed it once: the first to commit does, the others find it seeded."""
        try:
            return self._seed()
        except WrittenMeanwhile:
            return self._seed()

    def _seed(self) -> bool:
        seed = yaml.safe_load(SEED.read_text())
        seeded = False
        with db.first_writer(self.store) as conn:
            if not db.count(conn, "gov_checklist"):
                for q in seed["checklist"]:
                    db.insert(conn, "checklist", q | {"status": "not_assessed", "evidence": "", "next_review": None,
                                                      "notes": ""})
                for r in seed["risks"]:
                    db.insert(conn, "risk", r | {"kpis": json.dumps(r["kpis"]), "control_status": "not_tested",
                                                 "last_tested": None})
                self._append(conn, "seed", "workspace", "brief", None,
                             {"checklist": len(seed["checklist"]), "risks": len(seed["risks"])},
                             "seeded from the brief on first use", "done")
                seeded = True
            if not db.count(conn, "gov_peak_review"):
                for p in seed["peak_review"]:
                    db.insert(conn, "peak", p | {"status": "not_assessed", "notes": ""})
                self._append(conn, "seed", "peak_review", "brief", None, {"items": len(seed["peak_review"])},
                             "pre-peak review items from the brief", "done")
                seeded = True
            if not db.count(conn, "gov_raci"):
                raci = [("kpi", kpi, f, _letter(f, responsible))
                        for kpi, responsible in seed["kpi_responsible"].items() for f in seed["functions"]]
                raci += [("control", r["id"], f, _letter(f, r["owner"])) for r in seed["risks"]
                         for f in seed["functions"]]
                for kind, subject, function, letter in raci:
                    db.insert_raci(conn, kind, subject, function, letter)
                self._append(conn, "seed", "raci", "defaults", None, {"raci": len(raci)},
                             "default RACI: owner R, retail A, IT/digital C, others I", "done")
                seeded = True
        return seeded

    def import_(self, data: dict, reason: str) -> dict[str, int]:
        """Apply an export-shaped document (e.g. from a spreadsheet): checklist answers, control statuses,
        RACI letters, peak review and new actions. Each change goes through the same role checks and
        audit as in the app; unchanged values are skipped. Returns changes per section."""
        counts = {"checklist": 0, "risks": 0, "raci": 0, "peak_review": 0, "actions": 0}
        current = {q["id"]: q for q in self.checklist()}
        for q in data.get("checklist", []):
            old = current.get(q.get("id"))
            fields = {k: q[k] for k in ("status", "owner", "evidence", "notes") if k in q and old and q[k] != old[k]}
            if old and fields:
                self.update_checklist(q["id"], **fields, reason=reason)
                counts["checklist"] += 1
        risks = {r["id"]: r for r in self.risks()}
        for r in data.get("risks", []):
            old = risks.get(r.get("id"))
            fields = {k: r[k] for k in ("control_status", "owner", "control") if k in r and old and r[k] != old[k]}
            if old and fields:
                self.update_risk(r["id"], **fields, reason=reason)
                counts["risks"] += 1
        raci = {(x["subject_kind"], x["subject_id"], x["function"]): x["letter"] for x in self.raci()}
        for x in data.get("raci", []):
            key = (x.get("subject_kind"), x.get("subject_id"), x.get("function"))
            if key in raci and x.get("letter") != raci[key]:
                self.set_raci(str(key[0]), str(key[1]), str(key[2]), x["letter"], reason=reason)
                counts["raci"] += 1
        for kpi_id, t in (data.get("targets") or {}).items():
            kpi = load_catalogue().kpi(kpi_id)
            if t.get("unit") != UNIT_SHORT[kpi.unit]:
                raise ValueError(f"targets.{kpi_id}: give green and red with \"unit\": \"{UNIT_SHORT[kpi.unit]}\" "
                                 f"(the export's shape), not {t.get('unit')!r}")
            green, red = kpi.from_display(float(t["green"])), kpi.from_display(float(t["red"]))
            if Target(green=green, red=red) != governed.targets(self.store)[kpi_id]:
                self.set_target(kpi_id, green=green, red=red, reason=reason)
                counts["targets"] = counts.get("targets", 0) + 1
        peak = {p["id"]: p for p in self.peak_review()}
        for p in data.get("peak_review", []):
            old = peak.get(p.get("id"))
            fields = {k: p[k] for k in ("status", "notes") if k in p and old and p[k] != old[k]}
            if old and fields:
                self.update_peak_item(p["id"], **fields, reason=reason)
                counts["peak_review"] += 1
        existing = self.actions()
        known = {a["id"] for a in existing} | {(a["text"], a["owner"], str(_date(a["due_date"]))) for a in existing}
        for a in data.get("actions", []):
            same = (a.get("text"), a.get("owner", ""), str(_date(a["due_date"]))) if a.get("due_date") else None
            if a.get("id") not in known and same not in known and a.get("text"):
                self.add_action(a["text"], a.get("owner", ""), _date(a["due_date"]),
                                _date(a.get("meeting_date") or a["due_date"]), reason=reason,
                                serves=a.get("serves", ""))
                counts["actions"] += 1
            elif a.get("id") in known and a.get("status") in CLOSED:
                old_a = next(x for x in existing if x["id"] == a["id"])
                if old_a["status"] not in CLOSED:
                    self.update_action(a["id"], status=a["status"], closing_note=a.get("closing_note", ""),
                                       reason=reason)
                    counts["actions"] += 1
        return counts

    def owner_named(self) -> bool:
        return self.executive_owner() != yaml.safe_load(SEED.read_text())["executive_owner"]

    def evidence(self, today: dt.date | None = None) -> dict[str, dict]:
        """What the data says per checklist question (see governance/evidence.py)."""
        inputs = gather(self.store, owner_named=self.owner_named(), raci=self.raci(), truth=self.source_of_truth(),
                        peak=self.peak_review(), audit_intact=not self.verify(), today=today or dt.date.today())
        return {q: a.as_dict() for q, a in judge(inputs).items()}

    def kpi_statuses(self) -> dict[str, str]:
        """Each KPI's status (green, amber, red, none) in the overview's reporting week."""
        status = figures.status(self.store)
        if status.as_of is None:
            return {}
        week = View(grain="week")
        period = figures.reporting_period(self.store, week, status.as_of)
        return {t.kpi.id: t.status for t in figures.tiles(self.store, week, period)} if period else {}

    def controls(self, statuses: dict[str, str] | None = None) -> list[dict]:
        """Every risk with its control and the control's effectiveness (governance/effectiveness.py): the one
        definition the page, the brief and the export use."""
        statuses = self.kpi_statuses() if statuses is None else statuses
        out = []
        for r in self.risks():
            e = effectiveness(r["control_status"], {k: statuses.get(k, "none") for k in r["kpis"]})
            out.append(r | {"effectiveness": e})
        return out

    def export(self) -> dict:
        problems = self.verify()
        checklist, found = self.checklist(), self.evidence()
        flagged = contradicted(checklist, found)
        for q in checklist:
            q["data_evidence"] = found.get(q["id"], {}).get("text", "")
            q["evidence_period"] = found.get(q["id"], {}).get("period", "")
            q["yes_contradicted_by_data"] = q["id"] in flagged
        rules = governed.rules(self.store)
        cat, truth = load_catalogue(), self.source_of_truth()
        risks = [{k: v for k, v in r.items() if k != "effectiveness"}
                 | {"effective": r["effectiveness"].verdict, "kpis_off_target": list(r["effectiveness"].off_target)}
                 for r in self.controls()]
        return {"executive_owner": self.executive_owner(), "checklist": checklist, "risks": risks,
                "actions": self.actions(), "raci": self.raci(), "peak_review": self.peak_review(),
                "targets": {k: {"green": round(v.green * cat.kpi(k).scale, 6), "red": round(v.red * cat.kpi(k).scale, 6),
                                "unit": UNIT_SHORT[cat.kpi(k).unit]} for k, v in governed.targets(self.store).items()},
                "source_of_truth": {"version": truth[0], "hierarchy": truth[1]},
                "carrier_slas": governed.carrier_slas(self.store),
                "rules": {"version": rules.version, "thresholds": rules.thresholds.model_dump()},
                "audit": self.audit(), "audit_chain": {"intact": not problems, "problems": problems,
                                                        "head": self.head()}}


def _letter(function: str, responsible: str) -> str:
    """Default RACI: the owner is R, retail (the executive owner's function) A, IT/digital C, others I."""
    if function == responsible:
        return "R"
    return {"retail": "A", "it_digital": "C"}.get(function, "I")


def _canonical_time(iso: str) -> str:
    """One text form of a UTC instant whatever the database returned (SQLite text or a datetime)."""
    t = dt.datetime.fromisoformat(iso.replace(" ", "T"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def _date(v: Any) -> dt.date:
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def _anchors_checked(rows: list[dict], anchors: list[Anchor]) -> list[str]:
    """Heads recorded outside the database that the chain no longer holds: deleted or rewritten rows."""
    held = {int(r["seq"]): str(r["hash"]) for r in rows}
    missing = sorted({a.seq for a in anchors if a.seq not in held})
    rewritten: dict[str, set[int]] = {}
    for a in anchors:
        if a.seq in held and not held[a.seq].startswith(a.mac):
            rewritten.setdefault(a.where.split(" line ")[0], set()).add(a.seq)
    problems = []
    if missing:
        problems.append(f"{_span(missing)}, recorded as the head outside the database, "
                        f"{'is' if len(missing) == 1 else 'are'} missing: the newest rows were deleted")
    for where, seqs in sorted(rewritten.items()):
        problems.append(f"{_span(sorted(seqs))} {'is' if len(seqs) == 1 else 'are'} not what {where} recorded as "
                        "the head: the chain was rewritten")
    return problems


def _span(seqs: list[int]) -> str:
    """'row 6', 'rows 4–6' or 'rows 2, 5 and 6'."""
    if len(seqs) == 1:
        return f"row {seqs[0]}"
    if seqs == list(range(seqs[0], seqs[-1] + 1)):
        return f"rows {seqs[0]}–{seqs[-1]}"
    return "rows " + ", ".join(map(str, seqs[:-1])) + f" and {seqs[-1]}"


def _settings_checked(rows: list[dict], versions: list[dict]) -> list[str]:
    """Governed settings versions the audit trail does not account for: added or changed outside the app, or
    deleted (an older version is in force than the trail says)."""
    audited: dict[int, tuple[str, str | None]] = {}
    for r in rows:
        if r["outcome"] == "done" and str(r["action"]).startswith("set "):
            new = json.loads(r["new_value"] or "null")
            if isinstance(new, dict) and isinstance(new.get("version"), int):
                audited[new["version"]] = (str(r["entity"]), new.get("payload_sha256"))
    problems, stored = [], {int(v["version"]): v for v in versions}
    for version, v in sorted(stored.items()):
        got = audited.get(version)
        if got is None:
            problems.append(f"{v['kind']} version {version} is in force in the store but not on the audit trail "
                            "(added outside the app, or its audit row was deleted)")
        elif got[1] and got[1] != payload_digest(v["payload"]):
            problems.append(f"{v['kind']} version {version} was changed after it was audited")
    for version, (kind, _) in sorted(audited.items()):
        if version not in stored:
            problems.append(f"{kind} version {version} is on the audit trail but missing from the store (deleted: "
                            "an older setting is in force)")
    return problems
