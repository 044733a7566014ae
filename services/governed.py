"""The governed settings in force, read from the store: targets, the rule set with its thresholds and
version, carrier milestone SLAs (metrics/governed.py resolves them against the repo's defaults)."""

from __future__ import annotations

from typing import Any

from metrics import governed
from metrics.catalogue import RuleSet, Target
from metrics.costs import Costs, effective_costs
from store import queries
from store.db import Store


def rules(store: Store) -> RuleSet:
    return governed.effective_rules(queries.governed_setting(store, "thresholds"),
                                    queries.governed_setting(store, "carrier_slas"),
                                    queries.governed_setting(store, "source_of_truth"))


def carrier_slas(store: Store) -> dict[str, dict[str, Any]]:
    """Governed milestone SLAs per carrier: activation_sla_hours, stale_scan_hours, escalation_contact."""
    return queries.governed_setting(store, "carrier_slas")[1]


def targets(store: Store) -> dict[str, Target]:
    return governed.effective_targets(queries.governed_setting(store, "targets")[1])


def slice_targets(store: Store) -> dict[tuple[str, str, str], Target]:
    return governed.slice_targets(queries.governed_setting(store, "targets")[1])


def costs(store: Store) -> Costs:
    """What a contact costs by channel and handler: the governed costs over metrics/costs.yaml."""
    return effective_costs(queries.governed_setting(store, "costs")[1])
