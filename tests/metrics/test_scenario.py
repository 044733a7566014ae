"""The peak scenario calculator on a hand-made set of contacts."""

from __future__ import annotations

import polars as pl

from metrics.views import scenario, scenario_rates

# 1,000 shipped orders; 30 promise_missed (20 by agents), 10 true_demand (5 by agents)
CONTACTS = pl.DataFrame({
    "cause": ["promise_missed"] * 30 + ["true_demand"] * 10,
    "handled_by": ["agent"] * 20 + ["bot"] * 10 + ["agent"] * 5 + ["bot"] * 5,
})


def test_rates_per_shipped_order_and_agent_share():
    """promise_missed: 30/1000 = 0.03 per order, 2/3 by agents; true_demand: 0.01, half by agents."""
    rates = scenario_rates(CONTACTS, 1000)
    got = {r["cause"]: (r["contacts"], round(r["per_order"], 6), round(r["agent_share"], 6))
           for r in rates.to_dicts()}
    assert got == {"promise_missed": (30, 0.03, 0.666667), "true_demand": (10, 0.01, 0.5)}


def test_peak_projection_and_closing_a_cause():
    """50,000 peak orders, 6 min per agent contact: promise_missed 1,500 contacts, 1,000 by agents = 100 h;
    closing half of it leaves 750 contacts and 50 h. True demand: 500 contacts, 250 by agents = 25 h."""
    out = {r["cause"]: r for r in scenario(scenario_rates(CONTACTS, 1000), 50_000, 6,
                                           {"promise_missed": 0.5}).to_dicts()}
    pm, td = out["promise_missed"], out["true_demand"]
    assert round(pm["projected_contacts"], 6) == 1500 and round(pm["projected_agent_hours"], 6) == 100
    assert round(pm["after_fix"], 6) == 750 and round(pm["agent_hours_after_fix"], 6) == 50
    assert round(td["projected_contacts"], 6) == 500 and round(td["projected_agent_hours"], 6) == 25
    assert td["after_fix"] == td["projected_contacts"]
