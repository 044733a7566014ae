"""Targets, cause-rule thresholds and carrier milestone SLAs in force: the repo's defaults overlaid with
the newest governed versions (written, audited and versioned by the governance workspace). Pure: the
services read the versions from the store and hand them here.

The newest governed version N that changes figures (thresholds, carrier SLAs or the source-of-truth hierarchy) turns rule-set version
``2025.1`` into ``2025.1+gN``, which every refresh records with its figures.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from metrics.catalogue import RuleSet, Target, load_catalogue, load_rules

Payload = dict[str, Any]


def effective_rules(thresholds: tuple[int | None, Payload], slas: tuple[int | None, Payload],
                    truth: tuple[int | None, Payload] = (None, {})) -> RuleSet:
    """The rule set in force, from the newest (version, payload) of the thresholds, the carrier SLAs and the
    source-of-truth hierarchy."""
    base = load_rules()
    newest = max(v for v in (thresholds[0], slas[0], truth[0], 0) if v is not None)
    if not newest:
        return base
    return RuleSet.model_validate({**base.model_dump(), "version": f"{base.version}+g{newest}",
                                   "thresholds": {**base.thresholds.model_dump(), **thresholds[1]},
                                   "truth": {**base.model_dump()["truth"], **truth[1]}})


def apply_carrier_slas(tables: dict[str, pl.DataFrame], slas: Payload) -> dict[str, pl.DataFrame]:
    """The tables with each governed activation SLA in place of the carriers table's own."""
    hours = {c: v["activation_sla_hours"] for c, v in slas.items() if v.get("activation_sla_hours") is not None}
    if not hours or "carriers" not in tables:
        return tables
    carriers = tables["carriers"].with_columns(
        activation_sla_hours=pl.col("carrier_id").replace_strict(hours, default=pl.col("activation_sla_hours"),
                                                                 return_dtype=pl.Float64))
    return tables | {"carriers": carriers}


def effective_targets(payload: Payload) -> dict[str, Target]:
    """Every KPI's target in force: the catalogue's, overlaid with the governed ones."""
    targets = {k.id: k.target for k in load_catalogue().kpis}
    return targets | {k: Target.model_validate(v) for k, v in payload.items() if k in targets}


def target_key(kpi_id: str, dimension: str = "all", value: str = "all") -> str:
    """How a target is keyed in the governed targets: ``kpi`` overall, ``kpi@node=N1`` for one slice."""
    return kpi_id if dimension == "all" else f"{kpi_id}@{dimension}={value}"


def slice_targets(payload: Payload) -> dict[tuple[str, str, str], Target]:
    """Governed targets for one node or carrier: {(kpi, dimension, value): target}."""
    out = {}
    for key, v in payload.items():
        if "@" in key:
            kpi, rest = key.split("@", 1)
            dimension, value = rest.split("=", 1)
            out[(kpi, dimension, value)] = Target.model_validate(v)
    return out
