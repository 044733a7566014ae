"""Feed conflicts, status-message accuracy and the communication scenarios as a user meets them: the carrier page,
the order page, the communication page's matrix, the brief and a governed hierarchy change. The store holds the
hand-worked fixture of tests/metrics/test_truth.py (as of 10 Mar 2026; the reporting week is that of 2 Mar)."""

from __future__ import annotations

import polars as pl

from tests.metrics.test_truth import AS_OF, DATA
from tests.pages.test_pages import app_env, make_store, run_page  # noqa: F401 - app_env is a fixture

STORE_AS_OF = f"{AS_OF:%Y-%m-%d %H:%M}"


def texts(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def frame_of(at, column: str) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """The table with this column (AppTest does not expose dataframe keys)."""
    return pl.from_pandas(next(d.value for d in at.dataframe if column in d.value.columns).reset_index(drop=True))


def test_the_carrier_page_counts_conflicts_and_lists_unsupported_messages(app_env):  # noqa: F811
    make_store(app_env, DATA, STORE_AS_OF)
    at = run_page("carriers", kpi="feed_conflict_rate", carrier_detail="C1")
    assert not at.exception, [e.message for e in at.exception]
    kinds = {k: n for n, k in frame_of(at, "kind").rows()}
    # C1 in the week of 2 Mar: S2, S3 (two kinds) and S4 (two kinds)
    assert kinds == {"Delivered in the order system, no carrier delivered scan": 1,
                     "Scanned delivered by the carrier, not delivered in the order system": 1,
                     "Scanned as moving after a delivered scan": 1,
                     "Delivered times further apart than the tolerance": 1,
                     "Shipped, no carrier scan within the activation SLA": 1}
    messages = frame_of(at, "why")
    assert sorted(messages["order_id"].to_list()) == ["O1", "O2", "O4"]  # M2, M3, M5
    assert any("premature: the carrier's scans recorded it 5 min later" == w for w in messages["why"].to_list())


def test_the_order_page_names_the_conflict_and_the_message(app_env):  # noqa: F811
    make_store(app_env, DATA, STORE_AS_OF)
    at = run_page("order", order="O3")
    assert not at.exception, [e.message for e in at.exception]
    shown = texts(at)
    assert ("Shipment S3: Scanned delivered by the carrier, not delivered in the order system; Scanned as moving "
            "after a delivered scan.") in shown
    at = run_page("order", order="O2")
    assert "Delivered message sent 4 Mar 12:10 UTC: sent although the carrier's scans had not recorded it." in texts(at)


def test_the_communication_page_shows_the_scenario_matrix(app_env):  # noqa: F811
    make_store(app_env, DATA, STORE_AS_OF)
    at = run_page("communication")
    assert not at.exception, [e.message for e in at.exception]
    matrix = frame_of(at, "Scenario")
    rows = {r["Scenario"]: r for r in matrix.iter_rows(named=True)}
    assert list(rows) == ["Standard transit", "Split shipment", "Backorder or substitution", "Pickup", "Delay",
                          "Other exception"]
    assert rows["Standard transit"]["Network"] == "■ 20.0% of 5"  # 1 of 5, red against ≥ 97 %
    assert rows["Split shipment"]["Network"] == "● 100.0% of 1"
    assert rows["Backorder or substitution"]["One"] == "■ 0.0% of 1"  # node N1 is named "One"
    assert rows["Pickup"]["Deadline"] == "4 h" and rows["Delay"]["Target"] == "≥ 90.0%"


def test_the_brief_carries_accuracy_conflicts_and_scenarios(app_env):  # noqa: F811
    from reporting.brief import gather
    from store import open_store

    make_store(app_env, DATA, STORE_AS_OF)
    brief = gather(open_store(app_env), "2026-W10", today=AS_OF.date())
    assert brief.trust == [
        "Status messages the source of truth supported: 57.1% (target ≥ 98.0%); worst carrier One 50.0%.",
        "Shipments with conflicting status feeds: 60.0% (target ≤ 3.0%); worst carrier One 75.0%."]
    assert brief.scenarios.startswith("Communication scenarios below target: backorder or substitution 0.0% of 1 "
                                      "(target ≥ 90.0%); other exception 0.0% of 1 (target ≥ 90.0%); standard "
                                      "transit 20.0% of 5 (target ≥ 97.0%)")


def test_an_admin_records_the_hierarchy_a_new_rule_version_and_new_figures(app_env):  # noqa: F811
    from core.settings import EngineConfig
    from governance.service import Actor, Governance
    from metrics.views import View
    from services import figures, governed
    from services.refresh import coverage, refresh
    from store import open_store

    make_store(app_env, DATA, STORE_AS_OF)
    store = open_store(app_env)
    value = lambda: figures.figures(store, ["status_message_accuracy"], View())["numerator"].to_list()  # noqa: E731
    assert value() == [4.0]
    gov = Governance(store, Actor("ana", "admin"), on_figures_changed=lambda: refresh(store, EngineConfig()))
    truth = gov.source_of_truth()[1]
    version = gov.set_source_of_truth({"delivered": {"sources": ["order_system"], "tolerance_hours": 24}},
                                      reason="the order system confirms lockers")
    assert governed.rules(store).version == f"2025.1+g{version}" and not coverage(store).stale
    assert value() == [5.0]  # M3 is now supported (test_truth.py)
    assert gov.source_of_truth()[1] == truth | {"delivered": {"sources": ["order_system"], "tolerance_hours": 24.0}}
    assert gov.audit()[-1]["action"] == "set source_of_truth"


def test_the_cli_records_the_hierarchy_and_refuses_an_unknown_source(app_env):  # noqa: F811
    from typer.testing import CliRunner

    from wismo.cli import app

    make_store(app_env, DATA, STORE_AS_OF)
    runner = CliRunner()
    ok = runner.invoke(app, ["governance", "set-truth", "delivered", "--sources", "order_system", "--tolerance", "12",
                             "--reason", "lockers are confirmed by the order system"])
    assert ok.exit_code == 0, ok.output
    assert "delivered believed from order_system within 12 h" in ok.output
    bad = runner.invoke(app, ["governance", "set-truth", "delivered", "--sources", "pigeon", "--tolerance", "12",
                              "--reason", "x"])
    assert bad.exit_code != 0 and "sources are one or more of carrier_scan" in bad.output
