"""One definition of a control's effectiveness: its tested status and the status of the KPIs it protects."""

from __future__ import annotations

import pytest

from governance.effectiveness import effectiveness


@pytest.mark.parametrize(("tested", "kpis", "verdict", "off", "watch"), [
    ("operating", {"a": "green", "b": "amber"}, "effective", (), ("b",)),  # watch is named, not a failure
    ("operating", {"a": "green", "b": "red"}, "not effective", ("b",), ()),  # tested, but the outcome is off
    ("designed", {"a": "green"}, "unproven", (), ()),  # in place, never shown to work
    ("not_tested", {"a": "none"}, "unproven", (), ()),
    ("not_tested", {"a": "red", "b": "red"}, "not effective", ("a", "b"), ()),
    ("failed", {"a": "green"}, "not effective", (), ()),  # a failed test is enough
])
def test_the_verdict_from_the_two_facts(tested, kpis, verdict, off, watch):
    e = effectiveness(tested, kpis)
    assert (e.verdict, e.off_target, e.watch, e.tested) == (verdict, off, watch, tested)
    assert e.status == {"effective": "green", "unproven": "amber", "not effective": "red"}[verdict]
