"""What the data says about the checklist questions it can answer, next to the human answer.

Each entry: ``text`` (the evidence in words) and ``supports_yes`` (whether the data backs a
"yes"). A "yes" the data does not back is flagged on the governance page and in the export.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from store import queries
from store.db import Store

ATTRIBUTION_YES = 0.80  # share of WISMO contacts with a cause other than "unlinked"
ACTIVATION_BREACH_YES = 0.10  # share of decided orders late on tracking activation, newest week
CHECK_PASS_YES = 0.95  # share of the newest load's rules that passed


def evidence(store: Store, audit_intact: bool) -> dict[str, dict]:
    out: dict[str, dict] = {}
    n, linked = queries.cause_counts(store)
    if n:
        share = linked / n
        out["Q03"] = {"text": f"{share:.0%} of {n:,} WISMO contacts carry a cause code (the rest have no order)",
                      "supports_yes": share >= ATTRIBUTION_YES}
    act = queries.kpi_rows(store, "week", "carrier").filter(pl.col("kpi") == "tracking_activation_ontime")
    if act.height:
        week: dt.date = max(act["period_start"].to_list())
        rows = act.filter(pl.col("period_start") == week)
        carriers = len(queries.dimension_values(store)["carrier"])
        decided = float(rows["denominator"].sum())
        late = decided - float(rows["numerator"].sum())
        rate = late / decided if decided else 0.0
        out["Q05"] = {"text": f"activation SLA monitored for {rows.height} of {carriers} carriers; week of {week}: "
                              f"{late:,.0f} of {decided:,.0f} decided orders breached it ({rate:.0%})",
                      "supports_yes": rows.height >= carriers and rate <= ACTIVATION_BREACH_YES}
    deflection = queries.kpi_count(store, ("wismo_agent_contact_rate", "avoidable_wismo_rate"), "week", "all")
    out["Q09"] = {"text": "the overview shows all-channel, agent-handled and avoidable WISMO rates side by side "
                          "with a reduction-or-deflection verdict" if deflection else "no deflection figures yet",
                  "supports_yes": bool(deflection)}
    load = queries.latest_load(store)
    if load:
        checks = queries.check_results(store, load.load_id)
        total, passed = checks.height, checks.filter(pl.col("failing_rows") == 0).height
        rate = passed / total if total else 0.0
        out["Q10"] = {"text": f"newest load passed {rate:.0%} of {total} data checks; audit chain "
                              f"{'intact' if audit_intact else 'BROKEN'}",
                      "supports_yes": rate >= CHECK_PASS_YES and audit_intact}
    return out


def contradicted(checklist: list[dict], found: dict[str, dict]) -> set[str]:
    """Questions answered "yes" that the data does not back."""
    return {q["id"] for q in checklist if q["status"] == "yes" and not found.get(q["id"], {}).get("supports_yes", True)}
