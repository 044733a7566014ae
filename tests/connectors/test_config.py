"""The mapping tables: valid, every row reasoned, every zone real, and docs/connectors.md current."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from connectors.config import TRACKING_STATUSES, status_map, zones
from connectors.contacts import load_map
from core.contract import TABLES


def test_docs_page_is_generated_from_the_tables():
    from connectors.docs import markdown

    assert (Path(__file__).parents[2] / "docs" / "connectors.md").read_text() == markdown()


def test_tracking_tables_map_onto_contract_statuses_with_reasons():
    for vendor in ("aftership", "easypost", "shippo"):
        m = status_map(vendor)
        for row in (*m.main, *m.fine):
            assert row.status is None or row.status in TRACKING_STATUSES
            assert len(row.rationale) >= 5
        codes = [r.code for r in (*m.main, *m.fine)]
        assert len(codes) == len(set(codes)), vendor


def test_every_zone_exists():
    countries, states = zones()
    for z in [*countries.values(), *(s for t in states.values() for s in t.values())]:
        ZoneInfo(z.zone)


def test_help_desk_tables_use_contract_values():
    reasons = next(c for c in TABLES["contacts"].columns if c.name == "reason").values
    channels = next(c for c in TABLES["contacts"].columns if c.name == "channel").values
    for vendor in ("zendesk", "gorgias"):
        m = load_map(vendor)
        assert {r.reason for r in m.reasons} <= set(reasons)
        assert {r.channel for r in m.channels} <= set(channels)
        assert all(1 <= (r.score or 0) <= 5 for r in m.satisfaction)
