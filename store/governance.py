"""The governance workspace's persistence: checklist, risks and controls, actions, RACI, peak review,
governed settings versions and the audit log, as named statements. The rules (roles, the audit chain,
validation) live in governance/service.py; each change and its audit row share one transaction, which
the service opens with ``transaction``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from store.db import Store
from store.errors import WrittenMeanwhile

__all__ = ["Connection"]  # the type of the transaction the service holds while it writes and audits

# the entity kinds whose rows the service edits by id, and their tables
TABLES = {"checklist": "gov_checklist", "risk": "gov_risks", "action": "gov_actions", "peak": "gov_peak_review"}
ORDER = {"gov_checklist": "id", "gov_risks": "id", "gov_actions": "due_date, id", "gov_peak_review": "id",
         "gov_raci": "subject_kind, subject_id, function", "gov_audit": "seq"}


@contextmanager
def transaction(store: Store) -> Iterator[Connection]:
    """One transaction; what ``after_commit`` registered on it runs once it has committed."""
    with store.engine.begin() as conn:
        conn.info["after_commit"] = []
        yield conn
        todo = conn.info.pop("after_commit")
    for fn in todo:
        fn()


@contextmanager
def first_writer(store: Store) -> Iterator[Connection]:
    """A transaction writing rows another session may be writing at the same moment (seeding an empty
    workspace): if the other commits them first, this one rolls back and raises ``WrittenMeanwhile``."""
    try:
        with transaction(store) as conn:
            yield conn
    except IntegrityError as err:
        raise WrittenMeanwhile(f"another session wrote the same rows first: {str(err.orig)[:200]}") from None


def after_commit(conn: Connection, fn: Callable[[], None]) -> None:
    """Run ``fn`` when the transaction ``conn`` belongs to has committed (never if it rolls back)."""
    conn.info["after_commit"].append(fn)


def rows(store: Store, table: str) -> list[dict[str, Any]]:
    """Every row of a governance table, in its natural order."""
    order = ORDER[table]  # only the known tables
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}")).mappings()]  # noqa: S608


def count(conn: Connection, table: str) -> int:
    ORDER[table]  # only the known tables
    return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608


def row(conn: Connection, kind: str, entity_id: str) -> dict[str, Any] | None:
    got = conn.execute(text(f"SELECT * FROM {TABLES[kind]} WHERE id = :id"), {"id": entity_id}).mappings().first()  # noqa: S608
    return dict(got) if got else None


def update(conn: Connection, kind: str, entity_id: str, changes: dict[str, Any]) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in changes)  # column names from the service's own field lists
    conn.execute(text(f"UPDATE {TABLES[kind]} SET {sets} WHERE id = :id"), changes | {"id": entity_id})  # noqa: S608


def insert(conn: Connection, kind: str, values: dict[str, Any]) -> None:
    cols = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    conn.execute(text(f"INSERT INTO {TABLES[kind]} ({cols}) VALUES ({marks})"), values)  # noqa: S608


def insert_raci(conn: Connection, kind: str, subject: str, function: str, letter: str) -> None:
    conn.execute(text("INSERT INTO gov_raci (subject_kind, subject_id, function, letter) VALUES (:k, :s, :f, :l)"),
                 {"k": kind, "s": subject, "f": function, "l": letter})


def raci_letter(conn: Connection, kind: str, subject: str, function: str) -> str | None:
    got = conn.execute(text("SELECT letter FROM gov_raci WHERE subject_kind = :k AND subject_id = :s "
                            "AND function = :f"), {"k": kind, "s": subject, "f": function}).first()
    return str(got[0]) if got else None


def set_raci(conn: Connection, kind: str, subject: str, function: str, letter: str) -> None:
    conn.execute(text("UPDATE gov_raci SET letter = :l WHERE subject_kind = :k AND subject_id = :s "
                      "AND function = :f"), {"l": letter, "k": kind, "s": subject, "f": function})


# ---- the audit log ----------------------------------------------------------------------------------


def lock_audit(conn: Connection) -> None:
    """Serialise writers of the audit chain (SQLite serialises every writer already)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE gov_audit IN EXCLUSIVE MODE"))


def audit_head(conn: Connection) -> tuple[int, str, str] | None:
    """(seq, hash, scheme) of the newest audit row."""
    got = conn.execute(text("SELECT seq, hash, scheme FROM gov_audit ORDER BY seq DESC LIMIT 1")).first()
    return (int(got[0]), str(got[1]), str(got[2])) if got else None


def append_audit(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(text("INSERT INTO gov_audit (seq, at, actor, role, action, entity, entity_id, old_value, "
                      "new_value, reason, outcome, prev_hash, hash, scheme) VALUES (:seq, :at, :actor, :role, "
                      ":action, :entity, :entity_id, :old, :new, :reason, :outcome, :prev, :hash, :scheme)"), values)


# ---- governed settings --------------------------------------------------------------------------------


def new_settings_version(conn: Connection, kind: str, by: str, reason: str, payload: dict[str, Any]) -> int:
    """A new whole version of a governed setting; returns its number."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE gov_settings_versions IN EXCLUSIVE MODE"))
    last = conn.execute(text("SELECT max(version) FROM gov_settings_versions")).scalar_one()
    version = int(last or 0) + 1
    conn.execute(text("INSERT INTO gov_settings_versions (version, kind, created_at, created_by, reason, payload) "
                      "VALUES (:v, :k, :at, :by, :r, :p)"),
                 {"v": version, "k": kind, "at": dt.datetime.now(dt.UTC), "by": by, "r": reason,
                  "p": json.dumps(payload, sort_keys=True)})
    return version


def settings_versions(store: Store) -> list[dict[str, Any]]:
    """Every governed settings version, oldest first (kind, version, payload)."""
    with store.engine.connect() as conn:
        got = conn.execute(text("SELECT version, kind, created_at, created_by, reason, payload "
                                "FROM gov_settings_versions ORDER BY version")).mappings()
        return [dict(r) | {"payload": json.loads(r["payload"])} for r in got]
