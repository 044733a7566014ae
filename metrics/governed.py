"""Targets and cause-rule thresholds in force: the repo's defaults overlaid with the newest
governed version in the store (written, audited and versioned by the governance workspace).

A governed thresholds version N turns rule-set version ``2025.1`` into ``2025.1+g N``, which every
refresh records with its figures.
"""

from __future__ import annotations

import json

from sqlalchemy import text

from metrics.catalogue import RuleSet, Target, load_catalogue, load_rules
from store.db import Store


def current(store: Store, kind: str) -> tuple[int | None, dict]:
    """(version, payload) of the newest governed setting of ``kind``; (None, {}) when there is none."""
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT version, payload FROM gov_settings_versions WHERE kind = :k "
                                "ORDER BY version DESC LIMIT 1"), {"k": kind}).first()
    return (int(row[0]), json.loads(row[1])) if row else (None, {})


def effective_rules(store: Store) -> RuleSet:
    base = load_rules()
    version, payload = current(store, "thresholds")
    if version is None:
        return base
    return RuleSet.model_validate({**base.model_dump(), "version": f"{base.version}+g{version}",
                                   "thresholds": {**base.thresholds.model_dump(), **payload}})


def effective_targets(store: Store) -> dict[str, Target]:
    targets = {k.id: k.target for k in load_catalogue().kpis}
    _, payload = current(store, "targets")
    return targets | {k: Target.model_validate(v) for k, v in payload.items() if k in targets}
