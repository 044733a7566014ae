"""Help-desk imports on real exports (Zendesk API responses recorded from Zendesk's own staging accounts by
its Ruby client's test suite, MIT; see tests/fixtures/vendors/PROVENANCE.md) and on the shapes real pipelines
produce around them (JSON Lines with Airbyte and Singer envelopes, incremental wrappers, side-loaded metric
sets). Every count and value below was read off the fixture by hand."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.contacts import parse, parse_many

HELPDESK = Path(__file__).parents[1] / "fixtures" / "vendors" / "helpdesk"
REAL = HELPDESK / "real"
PAGE = REAL / "zendesk_tickets_page_2015.json"  # GET /api/v2/tickets: 100 tickets, none tagged, 99 via api
REQUESTED = REAL / "zendesk_requested_tickets_2015.json"  # a requester's tickets: 100, 14 closed, none tagged
LEGACY = REAL / "zendesk_legacy_export_2012.json.gz"  # /api/v2/exports/tickets: 545 rows, 99 Deleted


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def row(staged, contact_id: str) -> tuple:  # type: ignore[no-untyped-def]
    df = staged.frames["contacts"]
    return df.filter(df["contact_id"] == contact_id).rows()[0]


def test_a_real_tickets_page_imports_untagged_and_api_tickets_with_counted_defaults():
    """100 tickets, none tagged: all 100 take reason `other` (counted); 99 came through the API (default
    channel email, counted), ticket 1 through the web form (email by the table). Ticket 1: pending,
    rating 'unoffered' (none); ticket 94: new, created 2012-09-08T00:00:21Z by requester 20014192."""
    got = parse("zendesk", PAGE)
    assert not got.issues and got.frames["contacts"].height == 100
    assert got.notes["records read from zendesk_tickets_page_2015.json"] == 100
    assert got.notes["reason set to the default 'other' (no tag or intent)"] == 100
    assert got.notes["channel 'api' set to the default 'email'"] == 99
    assert row(got, "zd-1") == ("zd-1", None, "20014182", "email", "agent", "other", utc("2012-09-06 20:15:09"),
                                None, None)
    assert row(got, "zd-94") == ("zd-94", None, "20014192", "email", "agent", "other", utc("2012-09-08 00:00:21"),
                                 None, None)


def test_closed_tickets_without_a_solved_time_have_no_resolution_time():
    """The 14 closed tickets of the requested page carry no metric set: resolved_at stays empty (their
    updated_at, e.g. 2012-09-12 for ticket 7 created 2007-09-08, is not a resolution). 'offered' is no rating."""
    got = parse("zendesk", REQUESTED)
    df = got.frames["contacts"]
    assert df.height == 100 and df["resolved_at"].null_count() == 100
    assert row(got, "zd-7") == ("zd-7", None, "20014192", "email", "agent", "other", utc("2007-09-08 20:19:04"),
                                None, None)


def test_the_legacy_full_export_is_read_and_deleted_tickets_are_left_out():
    """545 rows: 99 Deleted left out → 446 contacts; 'Web service' (444 kept) is the API channel, 'Web form'
    (2) the web form; 445 untagged + 1 tagged 'sample zendesk' take `other`; 65 closed carry solved_at.
    Ticket 35: 09:42:13 −08:00 → 17:42:13Z, solved 18:17:06Z, rated Good → 5. Ticket 99: 16:00:42 −08:00
    → 00:00:42Z next day, new."""
    got = parse("zendesk", LEGACY)
    df = got.frames["contacts"]
    assert not got.issues and df.height == 446
    assert got.notes["left out: status deleted"] == 99
    assert got.notes["channel 'api' set to the default 'email'"] == 444
    assert got.notes["reason set to the default 'other' (no tag or intent)"] == 445
    assert got.notes["reason set to the default 'other' (tags/intents not in the reasons table)"] == 1
    assert df["resolved_at"].is_not_null().sum() == 65
    assert row(got, "zd-35") == ("zd-35", None, "20014192", "email", "agent", "other", utc("2012-09-07 17:42:13"),
                                 utc("2012-09-07 18:17:06"), 5)
    assert row(got, "zd-99") == ("zd-99", None, "20014192", "email", "agent", "other", utc("2007-09-10 00:00:42"),
                                 None, None)


def _tickets(path: Path) -> list[dict]:
    return json.loads(path.read_text())["tickets"]


def test_json_lines_with_airbyte_and_singer_envelopes(tmp_path):
    """The page's 100 real tickets as an Airbyte record stream (gzipped) and as Singer messages with a
    state line: the same 100 contacts as the page itself."""
    tickets = _tickets(PAGE)
    airbyte = tmp_path / "tickets.jsonl.gz"
    with gzip.open(airbyte, "wt") as f:
        for t in tickets:
            f.write(json.dumps({"type": "RECORD", "record": {"stream": "tickets", "data": t,
                                                             "emitted_at": 1720179485472}}) + "\n")
    singer = tmp_path / "singer.jsonl"
    singer.write_text("\n".join([json.dumps({"type": "SCHEMA", "stream": "tickets", "schema": {}, "key_properties": ["id"]}),
                                 *(json.dumps({"type": "RECORD", "stream": "tickets", "record": t}) for t in tickets),
                                 json.dumps({"type": "STATE", "value": {"bookmarks": {"tickets": {"updated_at": "x"}}}})]))
    expected = parse("zendesk", PAGE).frames["contacts"].sort("contact_id")
    for path in (airbyte, singer):
        got = parse("zendesk", path)
        assert not got.issues and got.frames["contacts"].sort("contact_id").equals(expected)


def test_incremental_wrappers_repeats_and_side_loaded_metric_sets(tmp_path):
    """A cursor export (after_cursor, end_of_stream) and a time-based one (end_time) holding the same real
    ticket 7 twice — the later copy wins — and a side-loaded metric set giving ticket 7 its solved time."""
    t7 = next(t for t in _tickets(REQUESTED) if t["id"] == 7)
    cursor = tmp_path / "cursor.json"
    cursor.write_text(json.dumps({"tickets": [t7, {**t7, "status": "solved"}], "after_cursor": "MTU3",
                                  "before_cursor": None, "end_of_stream": True,
                                  "metric_sets": [{"id": 1, "ticket_id": 7, "solved_at": "2012-09-11T23:59:00Z"}]}))
    timed = tmp_path / "time.json"
    timed.write_text(json.dumps({"tickets": [t7], "count": 1, "end_time": 1347408085, "end_of_stream": True}))
    got = parse_many("zendesk", [cursor])
    assert got.frames["contacts"].rows() == [("zd-7", None, "20014192", "email", "agent", "other",
                                              utc("2007-09-08 20:19:04"), utc("2012-09-11 23:59:00"), None)]
    assert got.notes["left out: an earlier copy of the same ticket"] == 1
    assert got.notes["solved times from metric sets"] == 1
    assert parse("zendesk", timed).frames["contacts"]["resolved_at"].to_list() == [None]


def test_the_sample_ticket_is_not_a_contact(tmp_path):
    """Ticket 1 of the real page as newer accounts hold it (via sample_ticket): left out and counted."""
    page = json.loads(PAGE.read_text())
    page["tickets"][0]["via"]["channel"] = "sample_ticket"
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    got = parse("zendesk", path)
    assert got.frames["contacts"].height == 99 and "zd-1" not in got.frames["contacts"]["contact_id"].to_list()
    assert got.notes["left out: channel sample_ticket (Zendesk's own sample ticket, made when the account is "
                     "created)"] == 1


def test_gorgias_leaves_out_what_is_not_a_customer_contact():
    """8 tickets: 2003 opened by an agent, 2004 an internal note, 2005 spam, 2006 trashed → left out.
    2001 untagged email → other; 2002 tag wismo via api → order_status, email by default, closed at a time
    with no offset (read as UTC, warned); 2007 Aircall + intent shipping/status → phone, order_status, 5;
    2008 twitter untagged → social, other."""
    got = parse("gorgias", HELPDESK / "gorgias_account_shapes.json")
    assert not got.issues
    assert got.frames["contacts"].sort("contact_id").rows() == [
        ("gg-2001", None, "51", "email", "agent", "other", dt.datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=dt.UTC),
         None, None),
        ("gg-2002", None, "52", "email", "agent", "order_status", utc("2026-01-05 10:00"), utc("2026-01-05 11:00"),
         None),
        ("gg-2007", None, "57", "phone", "agent", "order_status", utc("2026-01-05 16:00"), utc("2026-01-05 16:10"), 5),
        ("gg-2008", None, "58", "social", "agent", "other", utc("2026-01-05 17:00"), None, None),
    ]
    n = got.notes
    assert (n["left out: opened by an agent"], n["left out: spam"], n["left out: trashed"]) == (1, 1, 1)
    assert n["left out: channel internal-note (An internal note between agents)"] == 1
    assert n["channel 'api' set to the default 'email'"] == 1 and n["records read from gorgias_account_shapes.json"] == 8
    assert [(w.row, w.field, w.rule) for w in got.warnings] == [(2, "resolved_at", "time_without_offset")]


def test_a_message_webhook_body_names_itself():
    got = parse("gorgias", HELPDESK / "gorgias_message_webhook.json")
    assert not got.issues and got.frames["contacts"].height == 0
    assert got.notes["left out: a message of ticket 2001, not a ticket"] == 1


def test_a_file_with_no_ticket_is_said_not_passed_in_silence(tmp_path):
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"users": [{"id": 1, "name": "Ana", "created_at": "2026-01-01T00:00:00Z"}]}))
    got = parse("zendesk", path)
    assert [(i.rule, i.message) for i in got.issues] == [
        ("no_tickets", "users.json holds no zendesk ticket: is it a zendesk export?")]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.integers(0, 199), min_size=1, max_size=40, unique=True))
def test_any_subset_of_a_real_export_imports_and_passes_the_load_checks(picks, tmp_path_factory):
    """Any subset of the two real pages' tickets maps without an issue, and its contacts pass the load's
    checks (no blocking finding)."""
    from connectors.staging import write_folder
    from services.loading import run_checks
    from store import open_store

    tickets = _tickets(PAGE) + _tickets(REQUESTED)
    tmp = tmp_path_factory.mktemp("subset")
    src = tmp / "export.json"
    src.write_text(json.dumps({"tickets": [tickets[i] for i in picks]}))
    got = parse("zendesk", src)
    assert not got.issues and got.frames["contacts"].height == len({tickets[i]["id"] for i in picks})
    folder = write_folder(got.frames, tmp / "contract")[0].parent
    report = run_checks(folder, open_store(f"sqlite:///{tmp}/s.db"), dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert not report.blocking, [f.message for f in report.blocking]


@pytest.mark.parametrize("files", [[PAGE, REQUESTED], [LEGACY]], ids=["two pages", "legacy export"])
def test_real_exports_load_in_one_command(files, tmp_path, monkeypatch):
    """Through `wismo import contacts` into a new store: the two pages (100 + 100, 14 tickets in both) → 186
    contacts; the legacy export → 446. The summary is printed before the load."""
    from typer.testing import CliRunner

    from store import bulk, open_store
    from tests.conftest import fresh_settings
    from wismo.cli import app

    url = f"sqlite:///{tmp_path}/import.db"
    monkeypatch.setenv("WISMO_DATABASE_URL", url)
    monkeypatch.setenv("WISMO_IMPORTS_DIR", str(tmp_path / "imports"))
    fresh_settings()
    result = CliRunner().invoke(app, ["import", "contacts", "--format", "zendesk", *map(str, files)])
    assert result.exit_code == 0, result.output
    expected = 186 if len(files) == 2 else 446
    assert bulk.read_sql(open_store(url), "SELECT count(*) AS n FROM contacts")["n"][0] == expected
    assert f"contacts mapped: {expected}" in result.output
