"""Vendor tracking payloads → contract events: statuses per the mapping tables, times in UTC, duplicates.

Expected times are worked out by hand from the payloads (zone offsets on those dates noted)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from connectors.config import status_map
from connectors.tracking import parse

VENDORS = Path(__file__).parents[1] / "fixtures" / "vendors"


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def events(vendor: str, *files: str, **kw) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    got = parse(vendor, [VENDORS / vendor / f for f in files], **kw)
    assert not got.problems, got.problems
    return got.events


def test_aftership_real_checkpoints_local_to_the_checkpoint():
    """UPS India → US (2014): 'BILLING INFORMATION RECEIVED' 2014-10-30T10:05:48 in India (IST, +05:30) →
    04:35:48Z; delivered 2014-11-03T09:56:00 in San Francisco (PST, −08:00, DST ended 2 Nov) → 17:56:00Z;
    received_at is the checkpoint's created_at."""
    ev = events("aftership", "after_ship_tracking_delivered.json")
    first, last = ev.row(0, named=True), ev.row(-1, named=True)
    assert (first["status"], first["raw_status"], first["event_at"]) == ("info_received", "InfoReceived",
                                                                         utc("2014-10-30 04:35:48"))
    assert first["received_at"] == utc("2014-11-03 15:36:41")
    assert (last["status"], last["event_at"], last["location"]) == ("delivered", utc("2014-11-03 17:56:00"),
                                                                   "SAN FRANCISCO, CA, US")
    assert ev.height == 15 and ev["status"].value_counts().sort("status").rows() == [
        ("delivered", 1), ("in_transit", 12), ("info_received", 1), ("out_for_delivery", 1)]


def test_aftership_state_without_country_and_no_location():
    """USPS (2014): 'NORTH BRANCH, MN' with no country is Minnesota (Central, CDT −05:00 in June):
    2014-06-30T14:03:00 → 19:03:00Z. The first two checkpoints have no location at all: they take the
    zone of the nearest checkpoint that has one (MN), and say so."""
    got = parse("aftership", [VENDORS / "aftership" / "after_ship_tracking_in_transit.json"])
    ev = got.events
    mn = ev.filter(pl.col("location") == "NORTH BRANCH, MN").sort("event_at").row(0, named=True)
    assert mn["event_at"] == utc("2014-06-30 19:03:00") and mn["zone"] == "America/Chicago"
    first = ev.filter(pl.col("location").is_null()).sort("event_at")
    assert first["zone_source"].to_list() == ["adjacent checkpoint"] * 2
    assert first["event_at"][0] == utc("2014-06-29 05:00:01")  # 00:00:01 CDT
    assert got.notes["time zone taken from the adjacent checkpoint"] == 2


def test_aftership_documented_webhook_with_subtags_and_offsets():
    """Offsets are honoured; Exception_004 (customs delay) is an exception, Exception_011 (returned to
    sender) is returned; InfoReceived_001 is info_received; the vendor codes stay in raw_status."""
    ev = events("aftership", "docs_webhook.json")
    assert ev.select("status", "raw_status", "event_at").rows() == [
        ("info_received", "InfoReceived/InfoReceived_001", utc("2024-03-01 01:00:00")),
        ("in_transit", "InTransit/InTransit_002", utc("2024-03-01 10:30:00")),
        ("exception", "Exception/Exception_004", utc("2024-03-03 06:15:00")),
        ("returned", "Exception/Exception_011", utc("2024-03-10 04:00:00"))]


def test_easypost_times_are_utc_and_received_not_before_the_tracker():
    """EasyPost datetimes are UTC. A scan dated before the tracker existed (test-mode trackers script
    scans a month back) counts as received when the tracker was created (2024-05-01T10:00Z);
    weather_delay is an exception, return_to_sender/return is returned."""
    ev = events("easypost", "docs_event.json")
    assert ev.select("status", "raw_status", "event_at", "received_at").rows() == [
        ("info_received", "pre_transit/status_update", utc("2024-04-30 08:00"), utc("2024-05-01 10:00")),
        ("in_transit", "in_transit/arrived_at_facility", utc("2024-05-01 14:00"), utc("2024-05-01 14:00")),
        ("exception", "in_transit/weather_delay", utc("2024-05-02 09:30"), utc("2024-05-02 09:30")),
        ("returned", "return_to_sender/return", utc("2024-05-04 11:45"), utc("2024-05-04 11:45"))]


def test_easypost_real_tracker_and_error_tracker():
    """The delivered test tracker: 8 details, the delivered one dated 2023-04-19T05:29:33Z; the error tracker has one
    'error' detail, which is not a carrier scan: left out and counted."""
    got = parse("easypost", sorted((VENDORS / "easypost").glob("easypost_*.json")))
    assert not got.problems
    delivered = got.events.filter(pl.col("status") == "delivered")
    assert delivered.select("tracking_number", "event_at").rows() == [
        ("9400100104262210322148", utc("2023-04-19 05:29:33"))]
    assert got.notes["error/unknown: not a carrier scan, left out"] + got.notes["error: not a carrier scan, left out"] == 1


def test_shippo_local_clock_labelled_utc():
    """Shippo's status_date is the location's wall clock labelled Z. Real USPS (Dec 2016, PST −08:00):
    DELIVERED 2016-12-08T15:19:00Z in Berkeley → 23:19:00Z, received 2016-12-09T01:40:17.515Z. The
    tracking_status repeats the last history entry: kept once."""
    ev = events("shippo", "shippo_track_test_create_webhook_0e30e9ee_0.json")
    d = ev.filter(pl.col("status") == "delivered").row(0, named=True)
    assert d["event_at"] == utc("2016-12-08 23:19:00") and d["received_at"] == utc("2016-12-09 01:40:17.515")
    assert ev.height == 11 and ev.filter(pl.col("raw_status") == "UNKNOWN")["status"].unique().to_list() == [
        "info_received"]


def test_shippo_documented_webhook_substatus_and_summer_time():
    """Substatus decides: package_accepted → in_transit, delayed → exception, package_lost → exception.
    July: San Francisco PDT −07:00 (15:30 → 22:30Z), Denver MDT −06:00 (13:00 → 19:00Z), Chicago CDT
    −05:00 (10:00 → 15:00Z)."""
    ev = events("shippo", "docs_webhook.json")
    assert ev.select("status", "raw_status", "event_at").rows() == [
        ("info_received", "PRE_TRANSIT/information_received", utc("2024-07-01 15:00")),
        ("in_transit", "TRANSIT/package_accepted", utc("2024-07-01 22:30")),
        ("exception", "TRANSIT/delayed", utc("2024-07-02 19:00")),
        ("exception", "FAILURE/package_lost", utc("2024-07-03 15:00"))]


def test_exact_duplicates_are_dropped():
    """The same tracking in two files (after_ship_trackings.json holds 1ZA2207X0444990982 too): its 15
    scans once."""
    one = events("aftership", "after_ship_tracking_delivered.json")
    both = parse("aftership", [VENDORS / "aftership" / f for f in ("after_ship_tracking_delivered.json",
                                                                   "after_ship_trackings.json")])
    again = both.events.filter(pl.col("tracking_number") == "1ZA2207X0444990982")
    assert again.height == one.height == 15 and both.notes["exact duplicate scans dropped"] >= 15


def _wrap(vendor: str, main: str, fine: str | None) -> dict:
    """One tracking object of the vendor's documented shape with one scan of the given codes."""
    if vendor == "aftership":
        return {"tracking_number": "T1", "slug": "ups", "checkpoints": [
            {"checkpoint_time": "2024-01-10T10:00:00+00:00", "created_at": "2024-01-10T10:05:00+00:00",
             "tag": main, "subtag": fine, "message": "m"}]}
    if vendor == "easypost":
        status, _, detail = (fine or main).partition("/")
        return {"tracking_code": "T1", "carrier": "USPS", "created_at": "2024-01-01T00:00:00Z", "tracking_details": [
            {"status": status, "status_detail": detail or None, "datetime": "2024-01-10T10:00:00Z", "message": "m",
             "tracking_location": {"city": None, "state": None, "country": None}}]}
    return {"tracking_number": "T1", "carrier": "usps", "tracking_history": [
        {"object_id": "x", "object_created": "2024-01-10T19:00:00Z", "status": main,
         "substatus": {"code": fine} if fine else None, "status_date": "2024-01-10T10:00:00Z",
         "location": {"city": "Austin", "state": "TX", "country": "US"}}]}


def _rows() -> list[tuple[str, str, str | None, str | None]]:
    out = []
    for vendor in ("aftership", "easypost", "shippo"):
        m = status_map(vendor)
        parent = {"aftership": lambda c: c.split("_")[0], "easypost": lambda c: c.split("/")[0],
                  "shippo": lambda c: "TRANSIT"}[vendor]
        out += [(vendor, r.code, None, r.status) for r in m.main]
        out += [(vendor, parent(r.code), r.code, r.status) for r in m.fine]
    return out


@pytest.mark.parametrize(("vendor", "main", "fine", "expected"), _rows(),
                         ids=[f"{v}:{f or m}" for v, m, f, _ in _rows()])
def test_every_mapping_row(tmp_path, vendor, main, fine, expected):
    """Each row of each vendor's table, as a scan in the vendor's shape: mapped to its status, or (no
    status) left out as not a scan."""
    path = tmp_path / "one.json"
    path.write_text(json.dumps(_wrap(vendor, main, fine)))
    got = parse(vendor, [path])
    assert not got.problems
    assert got.events["status"].to_list() == ([expected] if expected else [])


def test_unknown_codes_are_reported_not_guessed(tmp_path):
    """An AfterShip tag nobody documented is an issue naming file, record, value and what to do; an
    unknown Shippo substatus under a known status uses the status and says so."""
    path = tmp_path / "odd.json"
    path.write_text(json.dumps([_wrap("aftership", "Teleported", None)]))
    got = parse("aftership", [path])
    assert got.events.height == 0
    (p,) = got.problems
    assert (p.file, p.row, p.field, p.value, p.rule) == (str(path), 1, "status", "Teleported", "unknown_status")
    assert "connectors/config/aftership.yaml" in p.message
    path.write_text(json.dumps(_wrap("shippo", "TRANSIT", "package_teleported")))
    got = parse("shippo", [path])
    assert got.events["status"].to_list() == ["in_transit"]
    assert any("package_teleported" in n for n in got.notes)


def test_a_local_time_with_no_known_zone(tmp_path):
    """A checkpoint in Mexico (several zones, no state table) with no other checkpoint: reported; with
    --default-tz America/Mexico_City (CST −06:00 in January) 10:00 → 16:00Z."""
    doc = {"tracking_number": "MX1", "slug": "dhl", "checkpoints": [
        {"checkpoint_time": "2024-01-10T10:00:00", "created_at": "2024-01-10T18:00:00+00:00", "country_iso3": "MEX",
         "tag": "InTransit"}]}
    path = tmp_path / "mx.json"
    path.write_text(json.dumps(doc))
    got = parse("aftership", [path])
    assert [p.rule for p in got.problems] == ["unknown_zone"] and got.events.height == 0
    got = parse("aftership", [path], default_tz="America/Mexico_City")
    assert got.events["event_at"].to_list() == [utc("2024-01-10 16:00")]
