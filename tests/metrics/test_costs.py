"""The cost of WISMO demand (issue 20, part 1), hand-worked on the tiny fixture at as-of 10 Mar 2026.

Two WISMO contacts in the week of 2 Mar: C1 (chat, bot, on O2: avoidable) and C2 (phone, agent, no order:
unlinked, not avoidable). Default costs (metrics/costs.yaml): chat/bot 0.40, phone/agent 4.80 → all WISMO
contacts 5.20, avoidable 0.40; 2 shipped orders (O1, O2) → 20.00 avoidable per 100 shipped orders.
After an admin sets chat/bot to 1.00 USD: avoidable 1.00, all 5.80, 50.00 per 100.
"""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from tests.conftest import FIXTURES, fresh_settings

AS_OF = "2026-03-10T00:00:00Z"


@pytest.fixture
def tiny_store(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from store import open_store
    from wismo.cli import app

    url = f"sqlite:///{tmp_path}/s.db"
    monkeypatch.setenv("WISMO_DATABASE_URL", url)
    fresh_settings()
    assert CliRunner().invoke(app, ["load", str(FIXTURES / "tiny"), "--as-of", AS_OF]).exit_code == 0
    return open_store(url)


def test_costs_by_cause_and_the_executive_line(tiny_store):
    from metrics.costs import cost_words
    from metrics.views import CAUSE_LABELS, View
    from services.figures import demand_cost

    by_cause, rates = demand_cost(tiny_store, View(grain="week"), dt.date(2026, 3, 2))
    assert [(r["avoidable"], r["contacts"], round(r["cost"], 2)) for r in by_cause.iter_rows(named=True)] == [
        (False, 1, 4.80), (True, 1, 0.40)]
    line = cost_words(by_cause, rates, 2.0, "in the week", CAUSE_LABELS)
    assert line.startswith("Avoidable WISMO cost in the week: EUR 0.40 of EUR 5.20 for all WISMO contacts "
                           "(EUR 20.00 per 100 shipped orders); most from ")


def test_an_admin_changes_a_cost_audited_and_the_figures_follow(tiny_store, monkeypatch):
    from metrics.views import View
    from services.figures import demand_cost
    from wismo.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["governance", "set-cost", "chat", "bot", "1", "--currency", "USD",
                             "--reason", "new automation contract"])
    assert ok.exit_code == 0, ok.output
    by_cause, rates = demand_cost(tiny_store, View(grain="week"), dt.date(2026, 3, 2))
    assert rates.currency == "USD" and round(float(by_cause["cost"].sum()), 2) == 5.80
    assert round(float(by_cause.filter(by_cause["avoidable"])["cost"].sum()), 2) == 1.00
    verify = runner.invoke(app, ["governance", "verify"])
    assert verify.exit_code == 0 and "audit chain intact" in verify.output
    for bad, says in ((["pigeon", "agent", "3"], "channel 'pigeon' is not one of"),
                      (["chat", "bot", "5000"], "is not an amount from 0 to 1,000"),
                      (["chat", "bot", "1", "--currency", "euro"], "is not an ISO 4217 code")):
        refused = runner.invoke(app, ["governance", "set-cost", *bad, "--reason", "x"])
        assert refused.exit_code == 1 and says in refused.output
    monkeypatch.setenv("WISMO_ROLES", '{"ana": "admin"}')
    monkeypatch.setenv("WISMO_USER", "vic")
    fresh_settings()
    viewer = runner.invoke(app, ["governance", "set-cost", "chat", "bot", "2", "--reason", "x"])
    assert viewer.exit_code == 1 and "may not change costs" in viewer.output


def test_the_brief_carries_the_cost_line(tiny_store):
    from reporting.brief import gather

    brief = gather(tiny_store, "2026-W10")
    assert brief.cost.startswith("Avoidable WISMO cost in the week: EUR 0.40 of EUR 5.20")


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_wismo_kpis_gives_the_money_measures_by_id(engine):
    """The same hand-worked week from the contract files, on both portable engines: all WISMO contacts 5.20 over
    2, avoidable 0.40 over 1, 0.40 / 2 shipped orders = 0.2 per order (20.00 per 100); by carrier the avoidable
    C1 sits under O2's carrier CB. The default output does not change."""
    from wismo.cli import app

    runner = CliRunner()
    args = ["kpis", "--source", str(FIXTURES / "tiny"), "--as-of", AS_OF, "--engine", engine]
    got = runner.invoke(app, [*args, "--kpi", "wismo_cost", "--kpi", "avoidable_wismo_cost",
                              "--kpi", "avoidable_cost_per_100"])
    assert got.exit_code == 0, got.output
    assert got.output.splitlines()[1:] == ["wismo_cost,2026-03-02,all,all,5.2,2,5.2",
                                           "avoidable_wismo_cost,2026-03-02,all,all,0.4,1,0.4",
                                           "avoidable_cost_per_100,2026-03-02,all,all,0.4,2,0.2"]
    by = runner.invoke(app, [*args, "--kpi", "avoidable_wismo_cost", "--by", "carrier"])
    assert by.output.splitlines()[1:] == ["avoidable_wismo_cost,2026-03-02,carrier,CB,0.4,1,0.4"]
    default = runner.invoke(app, args).output
    assert "cost" not in default and default.startswith("kpi,period_start,")
