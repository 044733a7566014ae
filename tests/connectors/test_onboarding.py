"""What the onboarding page shows, before anything is loaded: mapped rows, issues, the load's checks."""

from __future__ import annotations

from pathlib import Path

from connectors import onboarding
from store import open_store

HELPDESK = Path(__file__).parents[1] / "fixtures" / "vendors" / "helpdesk"


def test_preview_and_checks_of_a_zendesk_export_write_nothing(tmp_path):
    """Four contacts map; against a store without orders O1 and O2 the reference rule blocks (2 rows);
    the store stays empty."""
    store = open_store(f"sqlite:///{tmp_path}/s.db")
    staged = onboarding.preview("contacts", "zendesk", HELPDESK / "zendesk_tickets.json", store)
    assert not staged.issues and staged.frames["contacts"].height == 4
    checks = onboarding.check(staged, store)
    blocking = checks.filter(checks["severity"] == "blocking")
    assert blocking.select("table", "rule", "column", "failing rows").rows() == [
        ("contacts", "reference", "order_id", 2)]
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM contacts").scalar_one() == 0


def test_a_suggested_mapping_previews_an_extract(tmp_path):
    src = tmp_path / "oms.csv"
    src.write_text("order_id,customer_id,placed_at,channel,delivery_method\nA1,C1,2025-07-15T09:00:00Z,web,ship\n")
    from connectors.mapping import suggest

    store = open_store(f"sqlite:///{tmp_path}/s.db")
    staged = onboarding.preview("extract", None, src, store, suggest(src, "orders"))
    assert staged.frames["orders"].row(0, named=True)["placed_at"] == "2025-07-15T09:00:00Z"  # ISO with Z: as is
    assert onboarding.mapping_table("aftership").height > 50


def test_required_values_the_mapping_leaves_empty_are_named_before_the_checks():
    """Two contacts mapped, one without a reason: named as a gap, not 'every value mapped'."""
    import polars as pl

    from connectors.onboarding import gaps
    from connectors.staging import Staged

    df = pl.DataFrame({"contact_id": ["a", "b"], "customer_id": ["k", "k"], "channel": ["email", "chat"],
                       "handled_by": ["agent", "bot"], "reason": ["other", None],
                       "created_at": ["2026-01-01T00:00:00Z"] * 2})
    assert gaps(Staged({"contacts": df})) == [
        "1 of 2 contacts row(s) have no reason, which the contract requires: map a column to it, give a default, "
        "or leave such rows out"]
