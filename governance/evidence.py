"""What the data says about the checklist questions it can answer, next to the human answer.

Each entry: ``text`` (the evidence in words) and ``supports_yes`` (whether the data backs a
"yes"). A "yes" the data does not back is flagged on the governance page and in the export.
"""

from __future__ import annotations

from sqlalchemy import text

from store.db import Store

ATTRIBUTION_YES = 0.80  # share of WISMO contacts with a cause other than "unlinked"
ACTIVATION_BREACH_YES = 0.10  # share of decided orders late on tracking activation, newest week
CHECK_PASS_YES = 0.95  # share of the newest load's rules that passed


def _one(store: Store, sql: str) -> tuple:
    with store.engine.connect() as conn:
        row = conn.execute(text(sql)).first()
    return tuple(row) if row else ()


def evidence(store: Store, audit_intact: bool) -> dict[str, dict]:
    out: dict[str, dict] = {}
    n, linked = _one(store, "SELECT count(*), sum(CASE WHEN cause <> 'unlinked' THEN 1 ELSE 0 END) "
                            "FROM contact_causes") or (0, 0)
    if n:
        share = (linked or 0) / n
        out["Q03"] = {"text": f"{share:.0%} of {n:,} WISMO contacts carry a cause code (the rest have no order)",
                      "supports_yes": share >= ATTRIBUTION_YES}
    week = _one(store, "SELECT max(period_start) FROM kpi_cube WHERE kpi = 'tracking_activation_ontime' "
                       "AND grain = 'week' AND dimension = 'carrier'")
    if week and week[0] is not None:
        with store.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT dimension_value, numerator, denominator FROM kpi_cube WHERE kpi = 'tracking_activation_ontime' "
                "AND grain = 'week' AND dimension = 'carrier' AND period_start = :p"), {"p": week[0]}).all()
            carriers = conn.execute(text("SELECT count(*) FROM carriers")).scalar_one()
        decided = sum(r[2] for r in rows)
        late = sum(r[2] - r[1] for r in rows)
        rate = late / decided if decided else 0.0
        out["Q05"] = {"text": f"activation SLA monitored for {len(rows)} of {carriers} carriers; week of {week[0]}: "
                              f"{late:,.0f} of {decided:,.0f} decided orders breached it ({rate:.0%})",
                      "supports_yes": len(rows) >= carriers and rate <= ACTIVATION_BREACH_YES}
    agent = _one(store, "SELECT count(*) FROM kpi_cube WHERE kpi IN ('wismo_agent_contact_rate', "
                        "'avoidable_wismo_rate') AND grain = 'week' AND dimension = 'all'")
    if agent:
        out["Q09"] = {"text": "the overview shows all-channel, agent-handled and avoidable WISMO rates side by side "
                              "with a reduction-or-deflection verdict" if agent[0] else "no deflection figures yet",
                      "supports_yes": bool(agent[0])}
    load = _one(store, "SELECT load_id FROM load_runs ORDER BY finished_at DESC LIMIT 1")
    if load:
        with store.engine.connect() as conn:
            total, passed = conn.execute(text(
                "SELECT count(*), sum(CASE WHEN failing_rows = 0 THEN 1 ELSE 0 END) FROM check_results "
                "WHERE load_id = :id"), {"id": load[0]}).one()
        rate = (passed or 0) / total if total else 0.0
        out["Q10"] = {"text": f"newest load passed {rate:.0%} of {total} data checks; audit chain "
                              f"{'intact' if audit_intact else 'BROKEN'}",
                      "supports_yes": rate >= CHECK_PASS_YES and audit_intact}
    return out


def contradicted(checklist: list[dict], found: dict[str, dict]) -> set[str]:
    """Questions answered "yes" that the data does not back."""
    return {q["id"] for q in checklist if q["status"] == "yes" and not found.get(q["id"], {}).get("supports_yes", True)}
