"""The KPI catalogue and the rule set, loaded from YAML and validated on load."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class Kpi(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    number: int | None = None
    title: str
    definition: str = Field(min_length=20)
    unit: Literal["per_100", "percent", "days"]
    format: str
    good: Literal["up", "down"]
    numerator: str
    denominator: str
    target: Target
    cli: bool = False
    snapshot: bool = False

    def display(self, value: float | None) -> str:
        if value is None:
            return "–"
        return self.format.format(value * 100 if self.unit == "per_100" else value)

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

    @model_validator(mode="after")
    def _known(self) -> RuleSet:
        ids = [c.id for c in self.causes]
        if len(set(ids)) != len(ids) or len(ids) < 2:
            raise ValueError(f"cause ids must be unique, with a fallback last: {ids}")
        return self

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
