"""Vendor tracking payloads (AfterShip, EasyPost, Shippo) → contract ``tracking_events`` rows.

Accepts what the vendors' APIs and webhooks send: one tracking object, a list, or any envelope
around them (``{"data": {"tracking": …}}``, ``{"trackings": […]}``, an EasyPost ``Event`` with its
``result``, a Shippo webhook's ``data``): every object shaped like the vendor's tracking object is
taken, wherever it sits.

Times:
- a time with an offset is converted to UTC;
- AfterShip's ``checkpoint_time`` has no offset: it is the checkpoint's local time, so the
  checkpoint's country/state give its zone (connectors/config/timezones.yaml);
- Shippo's ``status_date`` is labelled UTC but is the local clock at the location: read as local;
- a checkpoint without a usable location takes the zone of the nearest checkpoint of the same
  tracking that has one (reported as inferred), else ``default_tz`` if given, else it is reported;
- ``received_at`` is when the vendor recorded the scan (AfterShip checkpoint ``created_at``,
  Shippo ``object_created``); EasyPost gives no receipt time per scan, so a scan dated before the
  tracker existed counts as received when the tracker was created, a later one at its scan time.

Pure: files in, frames and a list of problems out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from connectors.config import status_map, zones
from connectors.staging import Issue, Staged, read_json

VENDORS = ("aftership", "easypost", "shippo")
EVENT_SCHEMA: dict[str, Any] = {"event_id": pl.String, "tracking_number": pl.String, "carrier": pl.String, "status": pl.String,
                "event_at": pl.Datetime("us", "UTC"), "received_at": pl.Datetime("us", "UTC"),
                "location": pl.String, "raw_status": pl.String, "zone": pl.String, "zone_source": pl.String,
                "file": pl.String, "record": pl.Int64}


@dataclass
class Imported:
    events: pl.DataFrame
    problems: list[Issue] = field(default_factory=list)  # row: the tracking object's position in its file
    notes: Counter = field(default_factory=Counter)  # what was done that the user should know
    trackings: int = 0

    @property
    def delivered(self) -> pl.DataFrame:
        """The first delivered scan per tracking number: the shipment's delivered time."""
        return (self.events.filter(pl.col("status") == "delivered").group_by("tracking_number")
                .agg(delivered_at=pl.col("event_at").min()).sort("tracking_number"))


@dataclass
class _Raw:
    """One checkpoint as the vendor gave it, before mapping."""

    main: str | None
    fine: str | None
    raw_status: str
    when: str | None
    local_clock: bool  # the time is the location's wall clock whatever its label says
    received: str | None
    country: str
    state: str
    city: str
    message: str


# ---- finding the vendor's tracking objects -----------------------------------------------------------


def _shape(vendor: str, obj: dict) -> bool:
    if vendor == "aftership":
        return "checkpoints" in obj and "tracking_number" in obj
    if vendor == "easypost":
        return "tracking_details" in obj and "tracking_code" in obj
    return "tracking_history" in obj and "tracking_number" in obj


def find(vendor: str, doc: object) -> Iterator[dict]:
    """Every tracking object of the vendor in a JSON document, in document order."""
    if isinstance(doc, dict):
        if _shape(vendor, doc):
            yield doc
            return
        for v in doc.values():
            yield from find(vendor, v)
    elif isinstance(doc, list):
        for v in doc:
            yield from find(vendor, v)


# ---- per vendor: tracking object → raw checkpoints ------------------------------------------------------


def _s(v: object) -> str:
    return "" if v is None else str(v).strip()


def _aftership(t: dict) -> tuple[str, str, list[_Raw]]:
    out = []
    for cp in t.get("checkpoints") or []:
        tag, sub = _s(cp.get("tag")) or None, _s(cp.get("subtag")) or None
        out.append(_Raw(tag, sub, f"{tag}/{sub}" if sub else _s(tag), _s(cp.get("checkpoint_time")) or None, False,
                        _s(cp.get("created_at")) or _s(t.get("updated_at")) or None,
                        _s(cp.get("country_iso3")) or _s(cp.get("country_name")), _s(cp.get("state")),
                        _s(cp.get("city")), _s(cp.get("message"))))
    return _s(t.get("tracking_number")), _s(t.get("slug")), out


def _easypost(t: dict) -> tuple[str, str, list[_Raw]]:
    created = _s(t.get("created_at")) or None
    out = []
    for d in t.get("tracking_details") or []:
        loc = d.get("tracking_location") or {}
        status, detail = _s(d.get("status")) or None, _s(d.get("status_detail"))
        out.append(_Raw(status, f"{status}/{detail}" if detail else None, f"{status}/{detail}" if detail else _s(status),
                        _s(d.get("datetime")) or None, False, created, _s(loc.get("country")), _s(loc.get("state")),
                        _s(loc.get("city")), _s(d.get("message"))))
    return _s(t.get("tracking_code")), _s(t.get("carrier")), out


def _shippo(t: dict) -> tuple[str, str, list[_Raw]]:
    history = list(t.get("tracking_history") or [])
    current = t.get("tracking_status")
    if current and current.get("object_id") not in {h.get("object_id") for h in history}:
        history.append(current)
    out = []
    for h in history:
        loc = h.get("location") or {}
        sub = h.get("substatus")
        code = _s(sub.get("code") if isinstance(sub, dict) else sub) or None
        status = _s(h.get("status")) or None
        out.append(_Raw(status, code, f"{status}/{code}" if code else _s(status), _s(h.get("status_date")) or None,
                        True, _s(h.get("object_created")) or None, _s(loc.get("country")), _s(loc.get("state")),
                        _s(loc.get("city")), _s(h.get("status_details"))))
    return _s(t.get("tracking_number")), _s(t.get("carrier")), out


EXTRACT = {"aftership": _aftership, "easypost": _easypost, "shippo": _shippo}


# ---- time zones ---------------------------------------------------------------------------------


def zone_of(country: str, state: str) -> str | None:
    countries, states = zones()
    c, s = country.upper(), state.upper()
    if c in states:
        z = states[c].get(s)
        return z.zone if z else None
    if c in countries:
        return countries[c].zone
    if not c and s:  # a state without a country: only if exactly one country knows that state code
        hits = {t[s].zone for t in states.values() if s in t}
        return hits.pop() if len(hits) == 1 else None
    return None


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("z", "Z"))


def _utc(text: str, zone: str | None) -> dt.datetime:
    t = _instant(text)
    if t.tzinfo is None or zone is not None:
        t = t.replace(tzinfo=ZoneInfo(zone or "UTC"))
    return t.astimezone(dt.UTC)


# ---- the import ---------------------------------------------------------------------------------------


def parse(vendor: str, files: list[Path], default_tz: str | None = None) -> Imported:
    """Every checkpoint of every tracking object in ``files`` as contract tracking events (with the
    tracking number beside each), exact duplicates dropped; what could not be mapped in ``problems``."""
    if vendor not in VENDORS:
        raise ValueError(f"unknown format {vendor!r}: one of {', '.join(VENDORS)}")
    if default_tz:
        ZoneInfo(default_tz)  # raises on an unknown zone name
    smap = status_map(vendor)
    rows: list[dict] = []
    problems: list[Issue] = []
    notes: Counter = Counter()
    trackings = 0
    for path in files:
        try:
            doc = read_json(path)
        except ValueError as err:
            problems.append(Issue(str(path), 0, "", "", "unreadable", str(err)))
            continue
        found = list(find(vendor, doc))
        if not found:
            notes[f"{path.name}: no {vendor} tracking object"] += 1
        for n, obj in enumerate(found, start=1):
            trackings += 1
            number, carrier, raws = EXTRACT[vendor](obj)

            def problem(fld: str, value: str, rule: str, message: str, _n: int = n, _num: str = number,
                        _file: str = str(path)) -> None:
                problems.append(Issue(_file, _n, fld, value, rule, f"tracking {_num or '?'}: {message}"))

            if not number:
                problem("tracking_number", "", "missing", "the tracking object has no tracking number")
                continue
            rows += _events(vendor, smap, path, n, number, carrier, raws, default_tz, problem, notes)
    events = pl.DataFrame(rows, schema=EVENT_SCHEMA) if rows else pl.DataFrame(schema=EVENT_SCHEMA)
    before = events.height
    events = events.unique("event_id", keep="first", maintain_order=True).sort("tracking_number", "event_at",
                                                                              "event_id")
    if before > events.height:
        notes["exact duplicate scans dropped"] += before - events.height
    return Imported(events, problems, notes, trackings)


def _events(vendor, smap, path, n, number, carrier, raws, default_tz, problem, notes) -> list[dict]:  # type: ignore[no-untyped-def]  # one tracking object's parts, passed through
    resolved = [zone_of(r.country, r.state) if (r.country or r.state) else None for r in raws]
    out = []
    for i, r in enumerate(raws):
        outcome, row, note = smap.lookup(r.main, r.fine)
        if note:
            notes[note] += 1
        if outcome == "unknown":
            problem("status", r.raw_status, "unknown_status",
                    f"{vendor} status {r.raw_status!r} is not in connectors/config/{vendor}.yaml: add a row for it")
            continue
        if outcome == "not_a_scan":
            notes[f"{r.raw_status}: not a carrier scan, left out"] += 1
            continue
        if not r.when:
            problem("time", "", "missing_time", f"checkpoint {i + 1} has no time")
            continue
        try:
            stamp = _instant(r.when)
        except ValueError:
            problem("time", r.when, "bad_time", f"checkpoint {i + 1}: {r.when!r} is not an ISO 8601 time")
            continue
        zone, source = None, "offset"
        if stamp.tzinfo is None or r.local_clock:
            zone, source = resolved[i], "location"
            if zone is None:
                near = sorted((abs(j - i), j) for j, z in enumerate(resolved) if z is not None)
                if near:
                    zone, source = resolved[near[0][1]], "adjacent checkpoint"
                    notes["time zone taken from the adjacent checkpoint"] += 1
                elif default_tz:
                    zone, source = default_tz, "--default-tz"
                    notes["time zone from --default-tz"] += 1
                else:
                    where = ", ".join(x for x in (r.city, r.state, r.country) if x) or "no location"
                    problem("time", r.when, "unknown_zone",
                            f"checkpoint {i + 1} has a local time and {where}: no time zone for it in "
                            "connectors/config/timezones.yaml (add one, or pass --default-tz)")
                    continue
        event_at = _utc(r.when, zone)
        received = event_at
        if r.received:
            try:
                received = _utc(r.received, None)
            except ValueError:
                problem("received", r.received, "bad_time", f"checkpoint {i + 1}: {r.received!r} is not a time")
                continue
        if vendor == "easypost":
            received = max(event_at, received)
        location = ", ".join(x for x in (r.city, r.state, r.country) if x) or None
        digest = hashlib.sha256("|".join([vendor, number, r.raw_status, r.when, location or "", r.message])
                                .encode()).hexdigest()[:20]
        out.append({"event_id": f"{vendor[:2]}-{digest}", "tracking_number": number, "carrier": carrier,
                    "status": row.status, "event_at": event_at, "received_at": received,  # type: ignore[union-attr]  # row is set: a missing one `continue`s above
                    "location": location, "raw_status": r.raw_status, "zone": zone or "UTC",
                    "zone_source": source, "file": str(path), "record": n})
    return out


def to_contract(imported: Imported, shipments: pl.DataFrame, place_all: bool = False) -> Staged:
    """Contract tables from an import and the store's shipments (``shipment_id``, ``tracking_number`` and
    the rest of their columns): each event gets its shipment by tracking number; a shipment the vendor
    reports delivered gets that time as ``delivered_at``. A tracking number no shipment (or more than
    one) carries is an issue — its events cannot be loaded — unless ``place_all`` (writing files to
    inspect), which keeps them with an empty ``shipment_id``."""
    issues: list[Issue] = []
    notes = dict(imported.notes)
    known = shipments.group_by("tracking_number").agg(pl.col("shipment_id").sort()).sort("tracking_number")
    ev = imported.events.join(known, on="tracking_number", how="left")
    unplaced = (ev.filter(pl.col("shipment_id").is_null() | (pl.col("shipment_id").list.len() > 1))
                .group_by("tracking_number").agg(pl.col("shipment_id").first(), pl.col("file").first(),
                                                 pl.col("record").first()).sort("tracking_number"))
    for number, ids, file, record in unplaced.iter_rows():
        why = ("no shipment in the store has this tracking number" if ids is None
               else f"shipments {', '.join(ids)} share this tracking number")
        if place_all:
            notes[f"tracking {number}: {why} (shipment_id left empty)"] = 1
        else:
            issues.append(Issue(file, record, "tracking_number", number, "unknown_tracking_number",
                                f"tracking {number}: {why}"))
    one = pl.col("shipment_id").list.len() == 1
    placed = ev.filter(one | pl.lit(place_all)).with_columns(
        shipment_id=pl.when(one).then(pl.col("shipment_id").list.first()))
    events = placed.select("event_id", "shipment_id", "status", "event_at", "received_at", "location", "raw_status",
                           "tracking_number")
    frames = {"tracking_events": events}
    delivered = imported.delivered.join(shipments, on="tracking_number", how="inner").filter(
        pl.col("delivered_at_right").is_null() | (pl.col("delivered_at_right") != pl.col("delivered_at")))
    if delivered.height:
        frames["shipments"] = delivered.drop("delivered_at_right").select(shipments.columns).sort("shipment_id")
        notes["shipments given their delivered time"] = frames["shipments"].height
    return Staged(frames, [*imported.problems, *issues], notes)
