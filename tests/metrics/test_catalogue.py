"""The definitions themselves: ids as in the spec, measures that resolve, a definition on every KPI."""

from __future__ import annotations

import pytest
import yaml

from metrics.catalogue import Catalogue, load_catalogue, load_rules
from metrics.units import UNIT_SET_FUNCTIONS

SPEC_KPIS = ["wismo_contact_rate", "tracking_activation_ontime", "inventory_accuracy", "order_exception_rate",
             "notification_coverage", "first_contact_resolution", "exception_age_days", "csat_post_purchase"]


def test_catalogue_loads_with_the_spec_ids():
    """The eight KPIs carry the spec's ids and numbers; the CLI set adds the two supporting ratios."""
    cat = load_catalogue()
    assert [k.id for k in cat.kpis if k.number] == SPEC_KPIS
    assert [k.number for k in cat.kpis if k.number] == list(range(1, 9))
    assert cat.cli_kpis == [*SPEC_KPIS, "wismo_agent_contact_rate", "avoidable_wismo_share"]
    assert {"ontime_delivery", "stale_in_transit"} <= {k.id for k in cat.kpis}


def test_every_measure_has_a_unit_set_and_every_kpi_a_definition():
    """Measures name implemented unit sets; every KPI says in words what it measures."""
    cat = load_catalogue()
    assert {m.unit_set for m in cat.measures} <= set(UNIT_SET_FUNCTIONS)
    assert all(len(k.definition) > 60 for k in cat.kpis)


@pytest.mark.parametrize(("mutate", "says"), [
    (lambda d: d["kpis"].append(dict(d["kpis"][0])), "duplicate KPI ids"),
    (lambda d: d["kpis"][0].update(numerator="nope"), "measure 'nope' is not declared"),
    (lambda d: d["kpis"][1]["target"].update(green=0.5, red=0.9), "worse than red"),
])
def test_a_broken_catalogue_is_refused(mutate, says):
    """Duplicate ids, unresolved measures, unknown unit sets and inverted targets fail on load."""
    from metrics.catalogue import HERE

    data = yaml.safe_load((HERE / "catalogue.yaml").read_text())
    mutate(data)
    with pytest.raises(ValueError, match=says):
        Catalogue.model_validate(data)


def test_definitions_naming_what_the_engine_lacks_are_refused_by_name():
    """A measure counting a unit set the engine does not have, or a cause no rule implements, is refused
    before anything is computed."""
    from metrics.catalogue import HERE, RuleSet
    from metrics.engine import check_definitions

    data = yaml.safe_load((HERE / "catalogue.yaml").read_text())
    data["measures"][0].update(unit_set="nowhere")
    with pytest.raises(ValueError, match=r"unit sets the engine does not have: \['nowhere'\]"):
        check_definitions(Catalogue.model_validate(data), load_rules())
    rules = load_rules().model_dump()
    rules["causes"] = list(rules["causes"])
    rules["causes"].insert(1, {"id": "moon_phase", "avoidable": True, "label": "Moon phase",
                               "description": "The moon was full when the customer asked."})
    with pytest.raises(ValueError, match="no rule implements: \\['moon_phase'\\]"):
        check_definitions(load_catalogue(), RuleSet.model_validate(rules))
    check_definitions(load_catalogue(), load_rules())


def test_rule_set_is_versioned_with_the_spec_defaults():
    """Thresholds default to the spec's values; the causes are the spec's, in its order."""
    rules = load_rules()
    assert rules.version
    assert rules.thresholds.model_dump() == {"activation_sla_hours": 24, "stale_scan_hours": 48,
                                             "notify_window_hours": 24, "repeat_window_days": 7,
                                             # the communication scenarios' deadlines (ours, docs/metrics.md)
                                             "transit_notice_hours": 4, "split_notice_hours": 24,
                                             "backorder_notice_hours": 24, "pickup_notice_hours": 4}
    assert rules.truth["delivered"].sources == ("carrier_scan", "order_system")
    assert [c.id for c in rules.causes][0] == "unlinked" and rules.causes[-1].id == "true_demand"


def test_status_against_target():
    """Green at or better than green, red worse than red, amber between; direction respected."""
    cat = load_catalogue()
    up, down = cat.kpi("tracking_activation_ontime"), cat.kpi("wismo_contact_rate")
    assert [up.status(v) for v in (0.95, 0.92, 0.89)] == ["green", "amber", "red"]
    assert [down.status(v) for v in (0.06, 0.07, 0.091)] == ["green", "amber", "red"]
    assert down.display(0.0712) == "7.12 per 100" and up.display(0.9512) == "95.1%"
    assert down.display_change(-0.0125) == "-1.25 per 100" and up.display_change(0.019) == "+1.9 pts"
    assert down.judge_change(-0.0125) == "better" and up.judge_change(-0.019) == "worse"
    assert cat.kpi("exception_age_days").display(15.25) == "15.2 days"  # round half to even, as Python formats
