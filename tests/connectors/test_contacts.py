"""Help-desk exports → contacts, with hand-worked rows from the fixtures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from connectors.contacts import parse

HELPDESK = Path(__file__).parents[1] / "fixtures" / "vendors" / "helpdesk"


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_zendesk_tickets():
    """35436: tag wismo → order_status, order_O1 → O1, chat, good → 5, solved but no solved time in the
    export: no resolution time (its updated_at is not one); custom field 27642 ('745') is not a reason.
    35437: refund → return_refund, 11:00+01:00 → 10:00Z, 'offered' is no rating, open: unresolved, no order.
    35438: where_is_my_order via answer_bot with answer_bot_resolved → bot, chat; solved_at from metric_set.
    35439: tracking → order_status, voice → phone, bad → 1, pending: unresolved."""
    got = parse("zendesk", HELPDESK / "zendesk_tickets.json")
    assert not got.issues
    rows = got.frames["contacts"].sort("contact_id").rows()
    assert rows == [
        ("zd-35436", "O1", "20978392", "chat", "agent", "order_status", utc("2026-01-02 09:15"), None, 5),
        ("zd-35437", None, "20978393", "email", "agent", "return_refund", utc("2026-01-02 10:00"), None, None),
        ("zd-35438", "O2", "20978394", "chat", "bot", "order_status", utc("2026-01-03 08:00"), utc("2026-01-03 08:05"), None),
        ("zd-35439", None, "20978395", "phone", "agent", "order_status", utc("2026-01-03 15:30"), None, 1),
    ]


def test_zendesk_unlisted_tags_and_channel_take_the_defaults_and_are_counted():
    """Ticket 2: tag vip is no reason → other; channel carrier_pigeon is not listed → email; both counted."""
    got = parse("zendesk", HELPDESK / "zendesk_unmapped.json")
    assert not got.issues
    assert got.frames["contacts"].sort("contact_id").select("contact_id", "channel", "reason").rows() == [
        ("zd-1", "chat", "order_status"), ("zd-2", "email", "other")]
    assert got.notes["reason set to the default 'other' (tags/intents not in the reasons table)"] == 1
    assert got.notes["channel 'carrier_pigeon' set to the default 'email'"] == 1


def strict(tmp_path: Path) -> Path:
    """The shipped Zendesk table without defaults: an unlisted tag or channel is an issue."""
    import yaml

    from connectors.config import CONFIG

    raw = yaml.safe_load((CONFIG / "zendesk.yaml").read_text())
    path = tmp_path / "my-zendesk.yaml"
    path.write_text(yaml.safe_dump({**raw, "default_reason": None, "default_channel": None}))
    return path


def test_without_defaults_unlisted_tags_and_channel_are_issues_naming_the_config_used(tmp_path):
    from connectors.contacts import load_map

    path = strict(tmp_path)
    got = parse("zendesk", HELPDESK / "zendesk_unmapped.json", load_map("zendesk", path))
    assert sorted((i.row, i.field, i.value, i.rule) for i in got.issues) == [
        (2, "channel", "carrier_pigeon", "unknown_channel"), (2, "reason", "vip", "unknown_reason")]
    assert all(str(path) in i.message for i in got.issues)
    assert got.frames["contacts"]["contact_id"].to_list() == ["zd-1"]  # the ticket with issues is not written


def test_a_default_outside_the_contract_is_refused(tmp_path):
    import pytest

    from connectors.contacts import load_map

    path = strict(tmp_path)
    path.write_text(path.read_text().replace("default_reason: null", "default_reason: wismo"))
    with pytest.raises(ValueError, match="default_reason 'wismo' is not one of order_status"):
        load_map("zendesk", path)


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
