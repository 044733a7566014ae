"""Governed targets and thresholds: admin only, versioned, audited, and used by the figures."""

from __future__ import annotations

import re

import pytest

from core.settings import EngineConfig
from governance.service import Actor, Governance
from metrics import views
from metrics.catalogue import Target, load_catalogue
from services import figures
from services.governed import rules as effective_rules
from services.governed import targets as effective_targets
from services.refresh import refresh
from store import bulk
from tests.metrics.build import frames, t
from tests.metrics.test_causes import CARRIERS, CASES, merge
from tests.pages.test_pages import make_store

ADMIN, EDITOR = Actor("ana", "admin"), Actor("eli", "editor")


def admin(store) -> Governance:  # type: ignore[no-untyped-def]
    """The workspace as an admin, recomputing the figures (in memory) after a change that alters them, as
    the CLI and the dashboard do with the configured engine."""
    return Governance(store, ADMIN, on_figures_changed=lambda: refresh(store, EngineConfig()))


def _url(store) -> str:  # type: ignore[no-untyped-def]
    return store.url.render_as_string(hide_password=False)


def test_target_change_is_versioned_audited_and_changes_the_status(store):
    """Tracking activation, week of 29 Dec: 3 of 6 decided orders on time (tests/metrics/test_kpis.py) = 50 %: red
    against ≥ 95 / 90 %, green against ≥ 50 / 40 %; the preview says so before the change."""
    from tests.metrics.test_kpis import ACTIVATION

    make_store(_url(store), dict(ACTIVATION))
    period = t("2025-12-29 00:00").date()
    tile = figures.tiles(store, views.View(), period, ["tracking_activation_ontime"])[0]
    assert (tile.value, tile.status) == (0.5, "red")
    new = Target(green=0.5, red=0.4)
    assert views.target_preview(tile, new) == (
        "Orders with on-time tracking activation would move from off target to on target in the period of "
        "29 Dec 2025 (50.0% against ≥ 50.0%).")
    g = Governance(store, ADMIN)
    version = g.set_target("tracking_activation_ontime", green=0.5, red=0.4, reason="fixture scale")
    assert version == 1 and effective_targets(store)["tracking_activation_ontime"].green == 0.5
    tile = figures.tiles(store, views.View(), period, ["tracking_activation_ontime"])[0]
    assert tile.status == "green" and tile.target.red == 0.4
    last = g.audit()[-1]
    assert (last["action"], last["entity_id"], last["actor"]) == ("set targets", "tracking_activation_ontime", "ana")
    assert '"green": 0.95' in last["old_value"] and '"green": 0.5' in last["new_value"]
    assert g.verify() == []


@pytest.mark.parametrize(("kpi", "green", "red", "says"), [
    ("wismo_contact_rate", 500, 600, "a green target of 500 per 100 is outside 0–100 per 100"),
    ("tracking_activation_ontime", 120, 90, "a green target of 120 % is outside 0–100 %"),
    ("exception_age_days", -1, 3, "a green target of -1 days is outside 0–365 days"),
    ("csat_post_purchase", 70, 80, "the green target 70.0% must be higher than"),
    ("wismo_contact_rate", 9, 6, "the green target 9.00 per 100 must be lower than"),
    ("order_exception_rate", float("nan"), 20, "outside 0–100 %"),
])
def test_targets_are_typed_in_the_units_people_read_and_range_checked(store, kpi, green, red, says):
    """Every unit: a value outside its range, or a green worse than its red, is refused with the words of the
    unit, and nothing is stored."""
    k = load_catalogue().kpi(kpi)
    with pytest.raises(ValueError, match=re.escape(says)):
        Governance(store, EDITOR).set_target(kpi, green=k.from_display(green), red=k.from_display(red), reason="x")
    assert effective_targets(store)[kpi] == k.target


def test_units_convert_both_ways():
    """5 per 100 is 0.05; 95 % is 0.95; 3 days is 3."""
    cat = load_catalogue()
    assert cat.kpi("wismo_contact_rate").from_display(5) == 0.05
    assert cat.kpi("tracking_activation_ontime").from_display(95) == 0.95
    assert cat.kpi("exception_age_days").from_display(3) == 3


def test_who_may_change_targets_and_thresholds(store):
    """Editors change targets, not thresholds (refusal audited); viewers neither; green worse than red refused."""
    assert Governance(store, EDITOR).set_target("wismo_contact_rate", green=0.05, red=0.08, reason="new") == 1
    with pytest.raises(PermissionError):
        Governance(store, EDITOR).set_thresholds(stale_scan_hours=60)
    with pytest.raises(PermissionError):
        Governance(store, Actor("vic", "viewer")).set_target("wismo_contact_rate", green=0.04, red=0.08)
    assert Governance(store, EDITOR).audit()[-1]["outcome"] == "refused"
    with pytest.raises(ValueError, match="must be higher than"):
        Governance(store, ADMIN).set_target("tracking_activation_ontime", green=0.8, red=0.9)


def test_threshold_change_makes_a_new_rule_version_and_refreshes(store):
    """ST1 has had no scan for 60.5 h: stale at the default 48 h, true demand once the threshold is 72 h."""
    data = frames(**merge(CASES["ST1"][0], {"carriers": CARRIERS}))
    make_store(_url(store), data)
    cause = lambda: bulk.read_sql(store, "SELECT cause FROM contact_causes")["cause"].to_list()  # noqa: E731
    assert cause() == ["tracking_stale"]
    version = admin(store).set_thresholds(stale_scan_hours=72, reason="peak: carriers scan less often")
    assert effective_rules(store).version == f"2025.1+g{version}"
    assert cause() == ["true_demand"]
    runs = bulk.read_sql(store, "SELECT rule_version FROM metric_runs ORDER BY started_at")["rule_version"].to_list()
    assert runs[-1] == f"2025.1+g{version}"
    with pytest.raises(ValueError, match="unknown thresholds"):
        Governance(store, ADMIN).set_thresholds(stale_hours=10)


def test_cli_set_target_respects_roles(tmp_path, monkeypatch):
    """The single local user (no roles configured) may set a target; a configured viewer may not."""
    from typer.testing import CliRunner

    from tests.conftest import fresh_settings
    from wismo.cli import app

    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite:///{tmp_path}/s.db")
    monkeypatch.setenv("WISMO_USER", "vic")
    fresh_settings()
    runner = CliRunner()
    ok = runner.invoke(app, ["governance", "set-target", "wismo_contact_rate", "--green", "5", "--red", "8",
                             "--reason", "new baseline"])
    assert ok.exit_code == 0 and "targets version 1" in ok.output and "≤ 5.00 per 100" in ok.output
    from services.governed import targets
    from store import open_store

    assert targets(open_store(f"sqlite:///{tmp_path}/s.db"))["wismo_contact_rate"].green == 0.05
    wrong = runner.invoke(app, ["governance", "set-target", "wismo_contact_rate", "--green", "500", "--red", "600",
                                "--reason", "typo"])
    assert wrong.exit_code == 1 and "outside 0–100 per 100" in wrong.output
    monkeypatch.setenv("WISMO_ROLES", '{"ana": "admin"}')
    fresh_settings()
    refused = runner.invoke(app, ["governance", "set-target", "wismo_contact_rate", "--green", "0.04", "--red",
                                  "0.08", "--reason", "try"])
    assert refused.exit_code == 1 and "vic (viewer) may not change targets" in refused.output


def test_carrier_activation_sla_feeds_the_figures(store):
    """C1's SLA 24 h → 26 h: P2 (first scan at 25 h) turns on time, week of 29 Dec 3/6 → 4/6 (by hand:
    P1 P2 P3 P8 on time; P6, P9 late; P4, P7 still pending at as-of)."""
    from tests.metrics.test_kpis import ACTIVATION

    make_store(_url(store), dict(ACTIVATION))
    sql = ("SELECT period_start, numerator, denominator FROM kpi_cube WHERE kpi = 'tracking_activation_ontime' "
           "AND grain = 'week' AND dimension = 'all' ORDER BY period_start")
    assert bulk.read_sql(store, sql).rows()[0][1:] == (3.0, 6.0)
    version = admin(store).set_carrier_sla("C1", activation_sla_hours=26, escalation_contact="ops@c1",
                                           reason="contract amendment")
    assert bulk.read_sql(store, sql).rows()[0][1:] == (4.0, 6.0)
    assert effective_rules(store).version == f"2025.1+g{version}"
    with pytest.raises(KeyError, match="no carrier"):
        Governance(store, ADMIN).set_carrier_sla("ZZ", activation_sla_hours=10)


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 1e308, 0.0, -4.0, 721.0])
def test_non_finite_or_absurd_thresholds_and_slas_are_refused_before_they_are_stored(store, value):
    """inf, NaN, 1e308, zero, negative or over 30 days: refused with the name of the setting, and no new
    version is written (so no refresh can die on it later)."""
    make_store(_url(store), {"carriers": frames(carriers=CARRIERS)["carriers"]})
    gov = Governance(store, ADMIN)
    with pytest.raises(ValueError, match="activation_sla_hours"):
        gov.set_thresholds(activation_sla_hours=value, reason="typo")
    with pytest.raises(ValueError, match="activation_sla_hours"):
        gov.set_carrier_sla(CARRIERS[0]["carrier_id"], activation_sla_hours=value, reason="typo")
    assert effective_rules(store).version == "2025.1"
    assert bulk.read_sql(store, "SELECT count(*) AS n FROM gov_settings_versions")["n"][0] == 0
