"""The KPI catalogue and the rule set, loaded from YAML and validated on load."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.contract import TABLES

HERE = Path(__file__).parent

class Measure(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    unit_set: str
    column: str
    agg: Literal["sum"]
    scale: float = 1.0  # the sum is divided by this (milliseconds → days)


class Target(BaseModel):
    model_config = ConfigDict(frozen=True)
    green: float
    red: float


UNIT_WORDS = {"per_100": "per 100 shipped orders", "percent": "%", "days": "days"}
# what a target may be, in the units people read: a target outside it is a unit mistake (5 typed for 0.05)
DISPLAY_RANGE = {"per_100": (0.0, 100.0), "percent": (0.0, 100.0), "days": (0.0, 365.0)}
UNIT_SHORT = {"per_100": "per 100", "percent": "%", "days": "days"}
UNIT_SUFFIX = {"per_100": "per_100", "percent": "pct", "days": "days"}  # in numeric downloads' column names


class Kpi(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    number: int | None = None
    title: str
    short: str = Field(max_length=14)  # a column header (the title is its tooltip)
    definition: str = Field(min_length=20)
    unit: Literal["per_100", "percent", "days"]
    decimals: int = Field(ge=0, le=4)
    good: Literal["up", "down"]
    numerator: str
    denominator: str
    target: Target
    cuts: tuple[Literal["node", "carrier"], ...] = ("node", "carrier")
    cli: bool = False
    snapshot: bool = False
    needs: tuple[str, ...] = ()  # inputs without which the figure is an artefact: "table" or "table.column"
    scenario: str | None = None  # a communication scenario's coverage (the communication page's matrix)

    @field_validator("needs")
    @classmethod
    def _contract_inputs(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for need in v:
            table, _, column = need.partition(".")
            if table not in TABLES or (column and column not in {c.name for c in TABLES[table].columns}):
                raise ValueError(f"needs {need!r}: no such contract table or column")
        return v

    @property
    def scenario_label(self) -> str:
        """A communication scenario's name as a row label ("Split shipment"): its title after the prefix."""
        return self.title.split(": ", 1)[-1].capitalize()

    @property
    def scale(self) -> float:
        """Multiplier from the stored ratio to what people read (per 100, percent, days)."""
        return 100.0 if self.unit in ("per_100", "percent") else 1.0

    @property
    def unit_words(self) -> str:
        return UNIT_WORDS[self.unit]

    def from_display(self, value: float) -> float:
        """A value typed in the units people read (per 100, %, days) as the stored ratio."""
        return value / self.scale

    def check_target(self, green: float, red: float) -> None:
        """Refuse a target that is not finite, outside the unit's range, or whose green is worse than its red;
        the message speaks in the units people read."""
        lo, hi = DISPLAY_RANGE[self.unit]
        unit = UNIT_SHORT[self.unit]
        for name, v in (("green", green), ("red", red)):
            shown = v * self.scale
            if not math.isfinite(shown) or not lo <= shown <= hi:
                raise ValueError(f"{self.title}: a {name} target of {shown:g} {unit} is outside {lo:g}–{hi:g} {unit} "
                                 f"(targets are typed in {unit}: 5 means {self.display(5 / self.scale)})")
        if (self.good == "up" and green < red) or (self.good == "down" and green > red):
            better = "higher" if self.good == "up" else "lower"
            raise ValueError(f"{self.title}: the green target {self.display(green)} must be {better} than (or equal "
                             f"to) the red one {self.display(red)}: {better} is better")

    def display_parts(self, value: float | None) -> tuple[str, str]:
        """The number and its unit apart ("13.74", "per 100"), for a tile that sets them in two sizes."""
        if value is None:
            return "–", ""
        return f"{value * self.scale:.{self.decimals}f}", {"per_100": "per 100", "percent": "%", "days": "days"}[self.unit]

    def display(self, value: float | None) -> str:
        """The value as people read it, with its unit: "13.74 per 100", "82.4%", "15.3 days"."""
        if value is None:
            return "–"
        v = f"{value * self.scale:.{self.decimals}f}"
        return {"per_100": f"{v} per 100", "percent": f"{v}%", "days": f"{v} days"}[self.unit]

    def display_change(self, change: float | None) -> str:
        """A difference of two values, with its unit: "+4.99 per 100", "-1.9 pts", "+3.4 days"."""
        if change is None:
            return "–"
        v = f"{change * self.scale:+.{self.decimals}f}"
        return {"per_100": f"{v} per 100", "percent": f"{v} pts", "days": f"{v} days"}[self.unit]

    def judge_change(self, change: float | None) -> str:
        """better / worse / unchanged, by which direction is good (a fall in contacts is better)."""
        if change is None or round(change * self.scale, self.decimals) == 0:
            return "unchanged"
        return "better" if (change > 0) == (self.good == "up") else "worse"

    def gap(self, value: float | None, target: Target | None = None) -> float | None:
        """How far the value is worse than its green target, relative to it (negative: better): the order of
        worst first."""
        if value is None:
            return None
        green = (target or self.target).green
        base = abs(green) or 1.0
        return (value - green) / base if self.good == "down" else (green - value) / base

    def status(self, value: float | None, target: Target | None = None) -> str:
        """red / amber / green against the target (green at or better than green, red worse than red)."""
        if value is None:
            return "none"
        t = target or self.target

        def better(a: float, b: float) -> bool:
            return a >= b if self.good == "up" else a <= b

        if better(value, t.green):
            return "green"
        if better(value, t.red):
            return "amber"
        return "red"


# How a status reads and shows, wherever it is drawn (dashboard, brief): words, and colours from the
# Okabe–Ito palette (distinguishable with the common colour-vision deficiencies).
STATUS_WORD = {"green": "on target", "amber": "watch", "red": "off target", "none": "no data"}
STATUS_COLOUR = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00", "none": "#999999"}


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True)
    measures: tuple[Measure, ...]
    kpis: tuple[Kpi, ...]

    @model_validator(mode="after")
    def _resolves(self) -> Catalogue:
        ids = [m.id for m in self.measures]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate measure ids: {sorted({i for i in ids if ids.count(i) > 1})}")
        kids = [k.id for k in self.kpis]
        if len(set(kids)) != len(kids):
            raise ValueError(f"duplicate KPI ids: {sorted({i for i in kids if kids.count(i) > 1})}")
        for k in self.kpis:
            for ref in (k.numerator, k.denominator):
                if ref not in ids:
                    raise ValueError(f"KPI {k.id}: measure {ref!r} is not declared")
            if k.good == "up" and k.target.green < k.target.red or k.good == "down" and k.target.green > k.target.red:
                raise ValueError(f"KPI {k.id}: green target {k.target.green} is worse than red {k.target.red}")
        return self

    def kpi(self, kpi_id: str) -> Kpi:
        for k in self.kpis:
            if k.id == kpi_id:
                return k
        raise KeyError(f"unknown KPI {kpi_id!r}; known: {', '.join(k.id for k in self.kpis)}")

    def measure(self, measure_id: str) -> Measure:
        return next(m for m in self.measures if m.id == measure_id)

    @property
    def cli_kpis(self) -> list[str]:
        return [k.id for k in self.kpis if k.cli]

    @property
    def scenarios(self) -> list[Kpi]:
        """The communication scenarios' coverage measures, in the catalogue's order."""
        return [k for k in self.kpis if k.scenario]


MAX_HOURS = 720.0  # 30 days: a longer SLA or window is a unit error (minutes typed as hours)
MAX_DAYS = 90.0


class Thresholds(BaseModel):
    """The cause-rule and KPI thresholds: finite, positive, and within a sane range (a governed change
    outside it is refused before it is stored)."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)
    activation_sla_hours: float = Field(24, gt=0, le=MAX_HOURS)
    stale_scan_hours: float = Field(48, gt=0, le=MAX_HOURS)
    notify_window_hours: float = Field(24, gt=0, le=MAX_HOURS)
    repeat_window_days: float = Field(7, gt=0, le=MAX_DAYS)
    # communication scenarios (metrics/units.py: scenario_units): the hours within which a notice covers the
    # trigger. Delay and other exceptions take notify_window_hours (KPI 5's rule).
    transit_notice_hours: float = Field(4, gt=0, le=MAX_HOURS)
    split_notice_hours: float = Field(24, gt=0, le=MAX_HOURS)
    backorder_notice_hours: float = Field(24, gt=0, le=MAX_HOURS)
    pickup_notice_hours: float = Field(4, gt=0, le=MAX_HOURS)


# The source-of-truth hierarchy: for each fact a customer is told, which systems are believed, most trusted
# first, and within how many hours two of them agree (the brief's first control; governed, versioned).
TRUTH_FACTS = ("order_status", "inventory", "shipped", "in_transit", "out_for_delivery", "delivered", "exception")
TRUTH_SOURCES = ("carrier_scan", "order_system", "warehouse", "inventory_system", "care")
MAX_TOLERANCE_HOURS = 168.0


class TruthRule(BaseModel):
    model_config = ConfigDict(frozen=True, allow_inf_nan=False)
    sources: tuple[Literal["carrier_scan", "order_system", "warehouse", "inventory_system", "care"], ...] = Field(
        min_length=1)
    tolerance_hours: float = Field(ge=0, le=MAX_TOLERANCE_HOURS, strict=True)  # a bool is not a number of hours

    @field_validator("sources")
    @classmethod
    def _unique(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError(f"a source is listed twice: {', '.join(v)}")
        return v


class Cause(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    avoidable: bool | None
    label: str = Field(min_length=3)
    description: str = Field(min_length=10)


class RuleSet(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str
    thresholds: Thresholds
    causes: tuple[Cause, ...]
    truth: dict[str, TruthRule]

    @model_validator(mode="after")
    def _known(self) -> RuleSet:
        ids = [c.id for c in self.causes]
        if len(set(ids)) != len(ids) or len(ids) < 2:
            raise ValueError(f"cause ids must be unique, with a fallback last: {ids}")
        if set(self.truth) != set(TRUTH_FACTS):
            raise ValueError(f"the source-of-truth hierarchy names each of {', '.join(TRUTH_FACTS)} once")
        return self

    def believed(self, fact: str) -> TruthRule:
        return self.truth[fact]

    def avoidable(self, cause: str) -> bool | None:
        return next(c.avoidable for c in self.causes if c.id == cause)

    @property
    def fallback(self) -> str:
        """The cause of a contact no rule matches (the last one)."""
        return self.causes[-1].id

    @property
    def labels(self) -> dict[str, str]:
        return {c.id: c.label for c in self.causes}

    @property
    def display_order(self) -> list[str]:
        """Avoidable causes in rule order, then true demand, then unlinked: how lists and charts order them."""
        return ([c.id for c in self.causes if c.avoidable] + [c.id for c in self.causes if c.avoidable is False]
                + [c.id for c in self.causes if c.avoidable is None])


@lru_cache(maxsize=4)
def load_catalogue(path: Path = HERE / "catalogue.yaml") -> Catalogue:
    return Catalogue.model_validate(yaml.safe_load(path.read_text()))


@lru_cache(maxsize=4)
def load_rules(path: Path = HERE / "rules.yaml") -> RuleSet:
    return RuleSet.model_validate(yaml.safe_load(path.read_text()))
