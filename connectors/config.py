"""The mapping tables (connectors/config/*.yaml) as typed data: one row per vendor code, each with
the contract value it maps to and why."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from core.contract import TABLES

CONFIG = Path(__file__).parent / "config"
TRACKING_STATUSES = tuple(next(c for c in TABLES["tracking_events"].columns if c.name == "status").values or ())


class Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    status: str | None  # None: not a carrier scan (left out and counted)
    rationale: str = Field(min_length=5)

    def model_post_init(self, _context: object) -> None:
        if self.status is not None and self.status not in TRACKING_STATUSES:
            raise ValueError(f"{self.code}: {self.status!r} is not a contract tracking status {TRACKING_STATUSES}")


class StatusMap(BaseModel):
    """Two levels per vendor: the main status (AfterShip tag, EasyPost status, Shippo status) and a
    finer code that decides when it is listed (AfterShip subtag, EasyPost status/status_detail,
    Shippo substatus)."""

    model_config = ConfigDict(frozen=True)
    vendor: str
    main: tuple[Row, ...]
    fine: tuple[Row, ...]
    fine_complete: bool  # every documented finer code is listed (else the finer table holds overrides only)

    def lookup(self, main: str | None, fine: str | None) -> tuple[str, Row | None, str]:
        """(outcome, row, note): outcome is 'mapped', 'not_a_scan' or 'unknown'."""
        by_fine = {r.code: r for r in self.fine}
        by_main = {r.code: r for r in self.main}
        note = ""
        if fine and fine in by_fine:
            row = by_fine[fine]
        elif main and main in by_main:
            row = by_main[main]
            if fine and self.fine_complete:
                note = f"finer code {fine!r} is not in the table: its status {main!r} was used"
        else:
            return "unknown", None, ""
        return ("not_a_scan" if row.status is None else "mapped"), row, note


@cache
def status_map(vendor: str) -> StatusMap:
    path = CONFIG / f"{vendor}.yaml"
    if not path.exists():
        raise ValueError(f"no tracking mapping for {vendor!r} (known: aftership, easypost, shippo)")
    raw = yaml.safe_load(path.read_text())
    main_key, fine_key = {"aftership": ("tags", "subtags"), "easypost": ("statuses", "details"),
                          "shippo": ("statuses", "substatuses")}[vendor]
    return StatusMap(vendor=vendor, main=tuple(Row(**r) for r in raw[main_key]),
                     fine=tuple(Row(**r) for r in raw[fine_key]), fine_complete=vendor != "easypost")


class Zone(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    zone: str
    rationale: str


@cache
def zones() -> tuple[dict[str, Zone], dict[str, dict[str, Zone]]]:
    """({country code (ISO 2 or 3): zone}, {country code: {state code: zone}})."""
    raw = yaml.safe_load((CONFIG / "timezones.yaml").read_text())
    countries: dict[str, Zone] = {}
    for r in raw["countries"]:
        z = Zone(code=r["country"], zone=r["zone"], rationale=r["rationale"])
        countries[r["country"]] = countries[r["iso3"]] = z
    states: dict[str, dict[str, Zone]] = {}
    for country, d in raw["subdivisions"].items():
        table = {s["code"]: Zone(**s) for s in d["states"]}
        states[country] = states[d["iso3"]] = table
    return countries, states
