"""Targets, cause-rule thresholds and carrier milestone SLAs in force: the repo's defaults (and the
carriers table) overlaid with the newest governed versions in the store (written, audited and
versioned by the governance workspace).

The newest governed version N that changes figures (thresholds or carrier SLAs) turns rule-set
version ``2025.1`` into ``2025.1+gN``, which every refresh records with its figures.
"""

from __future__ import annotations

import json

import polars as pl
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
    sla_version, _ = current(store, "carrier_slas")
    newest = max(v for v in (version, sla_version, 0) if v is not None)
    if not newest:
        return base
    return RuleSet.model_validate({**base.model_dump(), "version": f"{base.version}+g{newest}",
                                   "thresholds": {**base.thresholds.model_dump(), **payload}})


def carrier_slas(store: Store) -> dict[str, dict]:
    """Governed milestone SLAs per carrier: activation_sla_hours, stale_scan_hours, escalation_contact."""
    return current(store, "carrier_slas")[1]


def apply_carrier_slas(tables: dict[str, pl.DataFrame], slas: dict[str, dict]) -> dict[str, pl.DataFrame]:
    """The tables with each governed activation SLA in place of the carriers table's own. Pure."""
    hours = {c: v["activation_sla_hours"] for c, v in slas.items() if v.get("activation_sla_hours") is not None}
    if not hours or "carriers" not in tables:
        return tables
    carriers = tables["carriers"].with_columns(
        activation_sla_hours=pl.col("carrier_id").replace_strict(hours, default=pl.col("activation_sla_hours"),
                                                                 return_dtype=pl.Float64))
    return tables | {"carriers": carriers}


def effective_targets(store: Store) -> dict[str, Target]:
    targets = {k.id: k.target for k in load_catalogue().kpis}
    _, payload = current(store, "targets")
    return targets | {k: Target.model_validate(v) for k, v in payload.items() if k in targets}


def target_key(kpi_id: str, dimension: str = "all", value: str = "all") -> str:
    """How a target is keyed in the governed targets: ``kpi`` overall, ``kpi@node=N1`` for one slice."""
    return kpi_id if dimension == "all" else f"{kpi_id}@{dimension}={value}"


def slice_targets(store: Store) -> dict[tuple[str, str, str], Target]:
    """Governed targets for one node or carrier: {(kpi, dimension, value): target}."""
    _, payload = current(store, "targets")
    out = {}
    for key, v in payload.items():
        if "@" in key:
            kpi, rest = key.split("@", 1)
            dimension, value = rest.split("=", 1)
            out[(kpi, dimension, value)] = Target.model_validate(v)
    return out
