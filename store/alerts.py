"""The alerts' state and deliveries: what is open, what each channel got, upserted in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Row, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from store.db import Store
from store.models import Alert, AlertDelivery

ALERTS: Table = Alert.__table__  # type: ignore[assignment]  # declarative __table__ is typed FromClause
DELIVERIES: Table = AlertDelivery.__table__  # type: ignore[assignment]  # (idem)


def known(store: Store) -> dict[str, Row[Any]]:
    """Every alert ever raised, by key."""
    with store.engine.connect() as conn:
        return {r.alert_key: r for r in conn.execute(select(ALERTS)).all()}


def delivered(store: Store) -> list[tuple[str, str, str, dt.datetime | str]]:
    """(alert key, channel, severity, attempted at) of every successful delivery."""
    with store.engine.connect() as conn:
        got = conn.execute(select(DELIVERIES.c.alert_key, DELIVERIES.c.channel, DELIVERIES.c.severity,
                                  DELIVERIES.c.attempted_at).where(DELIVERIES.c.ok)).all()
    return [(r[0], r[1], r[2], r[3]) for r in got]


def save(store: Store, rows: list[dict[str, Any]], cleared: list[str], now: dt.datetime) -> None:
    """Upsert the open alerts and close the cleared ones, in one transaction."""
    with store.engine.begin() as conn:
        if rows:
            stmt = (postgresql.insert if store.dialect == "postgresql" else sqlite.insert)(ALERTS).values(rows)
            stmt = stmt.on_conflict_do_update(index_elements=["alert_key"], set_={
                c: stmt.excluded[c] for c in rows[0] if c != "alert_key"})
            conn.execute(stmt)
        if cleared:
            conn.execute(update(ALERTS).where(ALERTS.c.alert_key.in_(cleared)).values(state="cleared", cleared_at=now))


def record_delivery(store: Store, *, alert_key: str, channel: str, severity: str, attempts: int, ok: bool,
                    error: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(DELIVERIES.insert().values(alert_key=alert_key, channel=channel, severity=severity,
                                                attempted_at=dt.datetime.now(dt.UTC), attempts=attempts, ok=ok,
                                                error=error))


def deliveries(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(DELIVERIES).order_by(DELIVERIES.c.id)).mappings()]
