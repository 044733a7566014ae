"""The workspace in words: the audit trail as from → to, actions worst first, the RACI with names."""

from __future__ import annotations

import datetime as dt

from governance.readable import actions_table, audit_table, raci_matrix


def test_the_audit_trail_reads_who_when_and_what_changed_from_to():
    rows = [{"seq": 1, "at": "2026-01-05 09:00:00", "actor": "eli", "role": "editor", "action": "update checklist",
             "entity": "checklist", "entity_id": "Q03", "old_value": '{"status": "not_assessed"}',
             "new_value": '{"status": "partly"}', "reason": "cause codes cover 6 of 8", "outcome": "done"},
            {"seq": 2, "at": "2026-01-05 09:05:00+00:00", "actor": "vic", "role": "viewer", "action": "update targets",
             "entity": "targets", "entity_id": "wismo_contact_rate", "old_value": "null",
             "new_value": '{"green": 0.05, "red": 0.08}', "reason": "", "outcome": "refused"}]
    got = audit_table(rows)
    assert got["seq"].to_list() == [2, 1]  # newest first
    first = got.row(1, named=True)
    assert (first["who"], first["did"], first["what"], first["change"], first["outcome"]) == (
        "eli (editor)", "answered a question", "Q03", "status: Not assessed → Partly", "Done")
    assert got.row(0, named=True)["change"] == "green: 0.05; red: 0.08" and got.row(0, named=True)["outcome"] == "Refused"


def test_actions_list_overdue_first_then_by_due_date_then_the_closed():
    today = dt.date(2026, 1, 12)
    acts = [{"id": "A1", "text": "later", "owner": "retail", "due_date": dt.date(2026, 2, 1), "status": "open",
             "serves": "wismo_contact_rate"},
            {"id": "A2", "text": "late", "owner": "carrier_management", "due_date": dt.date(2026, 1, 9),
             "status": "in_progress", "serves": "R3"},
            {"id": "A3", "text": "done", "owner": "retail", "due_date": dt.date(2026, 1, 1), "status": "done",
             "closing_note": "ok"}]
    got = actions_table(acts, today, {"R3": "Fragmented carrier data obscures shipment progress."})
    assert got["id"].to_list() == ["A2", "A1", "A3"] and got["overdue"].to_list() == [True, False, False]
    assert got["serves"].to_list()[:2] == ["Risk R3: Fragmented carrier data obscures shipment progress.",
                                           "WISMO contacts per 100 shipped orders"]
    assert got["status"].to_list() == ["In progress", "Open", "Done"] and got["owner"][0] == "Carrier management"


def test_the_raci_reads_with_titles_and_function_names():
    raci = [{"subject_kind": "kpi", "subject_id": "csat_post_purchase", "function": "it_digital", "letter": "C"},
            {"subject_kind": "control", "subject_id": "R1", "function": "it_digital", "letter": "R"}]
    got = raci_matrix(raci, {"R1": "Maintain a documented source-of-truth hierarchy."})
    assert got["subject"].to_list() == ["Customer satisfaction on post-purchase contacts",
                                        "Control R1: Maintain a documented source-of-truth hierarchy."]
    assert got["IT / digital"].to_list() == ["C", "R"]
