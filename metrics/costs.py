"""The cost of WISMO demand: what each contact costs by channel and handler (governed, metrics/costs.yaml
the default), summed over the attributed WISMO contacts of a period — all of them, and the avoidable ones
by cause. Pure: the contacts come in as a frame (``store.queries.cause_contacts`` rows)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from core.contract import CONTACT_CHANNELS, HANDLED_BY

HERE = Path(__file__).parent
MAX_COST = 1_000.0  # per contact, in the currency: more is a unit error (cents? a month's salary?)


class Costs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    currency: str
    per_contact: dict[str, dict[str, float]]

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        if len(v) != 3 or not v.isalpha() or not v.isupper():
            raise ValueError(f"currency {v!r} is not an ISO 4217 code such as EUR or USD")
        return v

    @field_validator("per_contact")
    @classmethod
    def _rates(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for channel, by in v.items():
            if channel not in CONTACT_CHANNELS:
                raise ValueError(f"channel {channel!r} is not one of {', '.join(CONTACT_CHANNELS)}")
            for handler, amount in by.items():
                if handler not in HANDLED_BY:
                    raise ValueError(f"handled_by {handler!r} is not one of {', '.join(HANDLED_BY)}")
                if not isinstance(amount, (int, float)) or not 0 <= float(amount) <= MAX_COST:
                    raise ValueError(f"{channel}/{handler}: {amount!r} is not an amount from 0 to {MAX_COST:,.0f}")
        return v

    def rate(self, channel: str, handled_by: str) -> float:
        return float(self.per_contact.get(channel, {}).get(handled_by, 0.0))

    def money(self, amount: float) -> str:
        """An amount with its currency, as people write it: "EUR 1,234.50"."""
        return f"{self.currency} {amount:,.2f}"


@lru_cache(maxsize=1)
def default_costs() -> Costs:
    return Costs.model_validate(yaml.safe_load((HERE / "costs.yaml").read_text()))


def effective_costs(payload: dict[str, Any]) -> Costs:
    """The governed costs (a whole setting, or nothing yet) over the defaults."""
    base = default_costs()
    if not payload:
        return base
    rates = {c: dict(by) for c, by in base.per_contact.items()}
    for channel, by in (payload.get("per_contact") or {}).items():
        rates.setdefault(channel, {}).update(by)
    return Costs(currency=payload.get("currency", base.currency), per_contact=rates)


def priced(contacts: pl.DataFrame, costs: Costs) -> pl.DataFrame:
    """The contacts (with contact_channel and handled_by) with what each costs, as ``rate``."""
    rates = pl.DataFrame([{"contact_channel": c, "handled_by": h, "rate": costs.rate(c, h)}
                          for c in CONTACT_CHANNELS for h in HANDLED_BY])
    return contacts.join(rates, on=["contact_channel", "handled_by"], how="left").with_columns(
        pl.col("rate").fill_null(0.0))


def demand_cost(contacts: pl.DataFrame, costs: Costs, start: dt.datetime, end: dt.datetime) -> pl.DataFrame:
    """Per cause, the attributed WISMO contacts created in [start, end) and what they cost: cause,
    avoidable, contacts, cost; the most costly first (ties by cause)."""
    df = contacts.filter((pl.col("created_at") >= start) & (pl.col("created_at") < end))
    return (priced(df, costs).group_by("cause").agg(avoidable=pl.col("avoidable").any(), contacts=pl.len(),
                                                    cost=pl.col("rate").sum())
            .sort(["cost", "cause"], descending=[True, False]))


def cost_words(by_cause: pl.DataFrame, costs: Costs, shipped: float | None, when: str,
               labels: dict[str, str]) -> str:
    """One line for an executive: the avoidable WISMO cost of the period, of all WISMO contacts, per 100
    shipped orders, and the costliest avoidable cause."""
    if by_cause.height == 0:
        return f"No WISMO contacts {when}: no cost."
    total = float(by_cause["cost"].sum())
    avoidable = by_cause.filter(pl.col("avoidable"))
    spent = float(avoidable["cost"].sum())
    per_100 = f" ({costs.money(spent / shipped * 100)} per 100 shipped orders)" if shipped else ""
    top = (f"; most from {labels.get(avoidable['cause'][0], avoidable['cause'][0]).lower()} "
           f"({costs.money(float(avoidable['cost'][0]))})" if avoidable.height else "")
    return (f"Avoidable WISMO cost {when}: {costs.money(spent)} of {costs.money(total)} for all WISMO "
            f"contacts{per_100}{top}.")
