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


def test_money_beside_the_hours():
    """With costs: an agent contact 4.80 (phone), a bot one 0.40 (chat). promise_missed: 20 × 4.80 + 10 × 0.40
    = 100.00 over 30 contacts → 3.333… each; 1,500 projected → 5,000.00, 750 after closing half → 2,500.00.
    true_demand: 5 × 4.80 + 5 × 0.40 = 26.00 / 10 = 2.60 each; 500 → 1,300.00 either way."""
    from metrics.costs import default_costs

    priced = CONTACTS.with_columns(contact_channel=pl.when(pl.col("handled_by") == "agent").then(pl.lit("phone"))
                                   .otherwise(pl.lit("chat")))
    out = {r["cause"]: r for r in scenario(scenario_rates(priced, 1000, default_costs()), 50_000, 6,
                                           {"promise_missed": 0.5}).to_dicts()}
    assert round(out["promise_missed"]["projected_cost"], 6) == 5000.0
    assert round(out["promise_missed"]["cost_after_fix"], 6) == 2500.0
    assert round(out["true_demand"]["projected_cost"], 6) == round(out["true_demand"]["cost_after_fix"], 6) == 1300.0
