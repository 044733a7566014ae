"""Help-desk exports → contacts, with hand-worked rows from the fixtures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from connectors.contacts import parse

HELPDESK = Path(__file__).parents[1] / "fixtures" / "vendors" / "helpdesk"


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_zendesk_tickets():
    """35436: tag wismo → order_status, order_O1 → O1, chat, good → 5, solved: resolved at updated_at.
    35437: refund → return_refund, 11:00+01:00 → 10:00Z, 'offered' is no rating, open: unresolved, no order.
    35438: where_is_my_order via answer_bot with answer_bot_resolved → bot, chat; solved_at from metric_set.
    35439: tracking → order_status, voice → phone, bad → 1, pending: unresolved."""
    got = parse("zendesk", HELPDESK / "zendesk_tickets.json")
    assert not got.issues
    rows = got.frames["contacts"].sort("contact_id").rows()
    assert rows == [
        ("zd-35436", "O1", "20978392", "chat", "agent", "order_status", utc("2026-01-02 09:15"), utc("2026-01-02 10:00"), 5),
        ("zd-35437", None, "20978393", "email", "agent", "return_refund", utc("2026-01-02 10:00"), None, None),
        ("zd-35438", "O2", "20978394", "chat", "bot", "order_status", utc("2026-01-03 08:00"), utc("2026-01-03 08:05"), None),
        ("zd-35439", None, "20978395", "phone", "agent", "order_status", utc("2026-01-03 15:30"), None, 1),
    ]


def test_zendesk_unmapped_tags_and_channel_are_reported():
    got = parse("zendesk", HELPDESK / "zendesk_unmapped.json")
    assert sorted((i.row, i.field, i.value, i.rule) for i in got.issues) == [
        (2, "channel", "carrier_pigeon", "unknown_channel"), (2, "reason", "vip", "unknown_reason")]


def test_gorgias_tickets_intents_first():
    """1001: intent shipping/status → order_status, tag order-O1 → O1, score 4. 1002: message intent
    shipping/delivery-issue → delivery_issue, auto-close tag → bot. 1003: Instagram DM → messaging,
    order/cancel → cancel_modify, 12:00−05:00 → 17:00Z, open."""
    got = parse("gorgias", HELPDESK / "gorgias_tickets.json")
    assert not got.issues
    assert got.frames["contacts"].sort("contact_id").rows() == [
        ("gg-1001", "O1", "42", "email", "agent", "order_status", utc("2026-01-03 08:00"), utc("2026-01-03 09:00"), 4),
        ("gg-1002", None, "43", "chat", "bot", "delivery_issue", utc("2026-01-03 10:00"), utc("2026-01-03 10:02"), None),
        ("gg-1003", None, "44", "messaging", "agent", "cancel_modify", utc("2026-01-04 17:00"), None, 2),
    ]
