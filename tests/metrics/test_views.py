"""The overview's plain-words verdict on reduction versus deflection, on hand-made series."""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.views import verdict

WEEKS = [dt.date(2025, 11, 3) + dt.timedelta(weeks=i) for i in range(8)]


def series(all_ch: list[float], agent: list[float], avoid: list[float]) -> pl.DataFrame:
    rows = []
    for name, values in (("All channels", all_ch), ("Agent-handled", agent), ("Avoidable", avoid)):
        rows += [{"period_start": w, "series": name, "per_100": v} for w, v in zip(WEEKS, values, strict=True)]
    return pl.DataFrame(rows)


def test_bot_share_up_and_avoidable_flat_is_deflection():
    """All-channel flat at 10, agents 8 → 6 (80% → 60% share), avoidable flat at 5: deflection."""
    s = series([10] * 8, [8] * 4 + [6] * 4, [5] * 8)
    assert verdict(s, WEEKS[-1]).startswith("Deflection, not reduction")
    assert "agents handled 60% of them (was 80%)" in verdict(s, WEEKS[-1])


def test_fewer_contacts_and_fewer_avoidable_is_reduction():
    """All 10 → 8 (−20%), avoidable 5 → 3 (−40%): real reduction."""
    s = series([10] * 4 + [8] * 4, [8] * 4 + [6.4] * 4, [5] * 4 + [3] * 4)
    text = verdict(s, WEEKS[-1])
    assert text.startswith("Real reduction") and "+0%" not in text and "-20%" in text and "-40%" in text


def test_rising_and_short_history():
    """All 10 → 12 with the agent share unchanged is rising demand; fewer than 8 weeks cannot be judged."""
    assert verdict(series([10] * 4 + [12] * 4, [8] * 4 + [9.6] * 4, [5] * 8), WEEKS[-1]).startswith("WISMO demand is rising")
    assert verdict(series([10] * 8, [8] * 8, [5] * 8), WEEKS[6]) == "Not enough history to judge yet."
