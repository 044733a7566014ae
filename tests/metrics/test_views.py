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


# ---- comparison periods, worst first, freshness: the review journey's computations ---------------------------

import datetime as dt  # noqa: E402

from metrics.catalogue import Target, load_catalogue  # noqa: E402
from metrics.views import (  # noqa: E402
    cause_comparison,
    comparison,
    freshness,
    numeric,
    shift,
    tiles,
    window_value,
    worst_first,
)

UTC = dt.UTC
CAT = load_catalogue()


def test_comparison_windows_name_their_periods():
    """Week of 29 Dec 2025: the period before is 22 Dec; the 4 before are 1–22 Dec; a year before is the week of
    30 Dec 2024 (52 weeks back). March 2026 against a year before: March 2025; shifting a month crosses years."""
    p = dt.date(2025, 12, 29)
    assert comparison(p, "week", "prev").words == "week of 22 Dec 2025"
    four = comparison(p, "week", "4")
    assert (four.first, four.last, four.words) == (dt.date(2025, 12, 1), dt.date(2025, 12, 22),
                                                   "weeks of 1 Dec – 22 Dec 2025")
    assert comparison(p, "week", "yoy").first == dt.date(2024, 12, 30)
    assert comparison(dt.date(2026, 3, 1), "month", "yoy").words == "March 2025"
    assert shift(dt.date(2026, 1, 1), "month", -1) == dt.date(2025, 12, 1)


def test_a_window_sums_numerators_and_denominators_before_dividing():
    """Weeks of 1–22 Dec with 1/10, 3/10, 0/0 and 4/20: (1+3+0+4) / (10+10+0+20) = 0.2 — not the mean of ratios."""
    rows = pl.DataFrame({"period_start": [dt.date(2025, 12, d) for d in (1, 8, 15, 22, 29)],
                         "numerator": [1.0, 3.0, 0.0, 4.0, 9.0], "denominator": [10.0, 10.0, 0.0, 20.0, 10.0]})
    assert window_value(rows, comparison(dt.date(2025, 12, 29), "week", "4")) == 0.2
    assert window_value(rows, comparison(dt.date(2025, 12, 22), "week", "yoy")) is None


def test_a_tile_judges_its_change_by_which_direction_is_good():
    """WISMO 0.13 this week against 0.18 the week before: −5.00 per 100, better (a fall in contacts is good)."""
    fig = pl.DataFrame({"kpi": ["wismo_contact_rate"] * 2, "period_start": [dt.date(2025, 12, 22), dt.date(2025, 12, 29)],
                        "dimension_value": ["all"] * 2, "numerator": [18.0, 13.0], "denominator": [100.0, 100.0],
                        "value": [0.18, 0.13]})
    [tile] = tiles(fig, {"wismo_contact_rate": Target(green=0.06, red=0.09)}, dt.date(2025, 12, 29),
                   ["wismo_contact_rate"])
    assert (tile.status, tile.delta_text(), tile.judgement) == ("red", "-5.00 per 100", "better")
    assert tile.change_words() == "-5.00 per 100 (better) against the week of 22 Dec 2025"


def test_worst_first_orders_by_distance_from_target_and_puts_nobody_last():
    """Inventory accuracy, green ≥ 98 %: B 90 % (8 pts short) before A 95 %; C has no value; 'unattributed' (no
    order: nobody to manage) goes last whatever its value."""
    card = pl.DataFrame({"node": ["A", "B", "C", "unattributed"], "inventory_accuracy": [0.95, 0.90, None, 0.10]})
    got = worst_first(card, "node", CAT.kpi("inventory_accuracy"), Target(green=0.98, red=0.95))
    assert got["node"].to_list() == ["B", "A", "C", "unattributed"]


def test_freshness_is_judged_by_the_calendar():
    """Now 1 Dec 2026; figures as of 5 Jan 2026 with the newest scan 4 Jan and a load landed today: amber, saying
    how old; a refused load after the landed one is red and named; fresh figures are green."""
    now = dt.datetime(2026, 12, 1, 8, tzinfo=UTC)
    old = freshness(now, as_of=dt.datetime(2026, 1, 5, tzinfo=UTC), newest_scan=dt.datetime(2026, 1, 4, tzinfo=UTC),
                    landed_at=now, refused_after_landed=None, stale_words="", stale_hours=48)
    assert old.level == "amber"
    assert old.reasons == ("the figures are as of 5 Jan 2026, 330 days ago",
                           "the newest carrier scan arrived 331 days ago (older than 48 h is stale)")
    refused = freshness(now, as_of=now, newest_scan=now, landed_at=now, refused_after_landed="L7",
                        stale_words="", stale_hours=48)
    assert refused.level == "red" and "the newest load (L7) was refused" in refused.reasons[0]
    assert freshness(now, as_of=now - dt.timedelta(hours=3), newest_scan=now - dt.timedelta(hours=5),
                     landed_at=now, refused_after_landed=None, stale_words="", stale_hours=48).level == "green"


def test_causes_this_period_against_the_comparison_per_period():
    """This week: 3 promise missed, 1 true demand; the 4 weeks before: 8 promise missed, 4 stale → 2.0 and 1.0 per
    week. Avoidable causes first, most this week first."""
    at = lambda d: dt.datetime(2025, 12, d, 12, tzinfo=UTC)  # noqa: E731
    rows = ([("promise_missed", at(29))] * 3 + [("true_demand", at(30))] + [("promise_missed", at(10))] * 8
            + [("tracking_stale", at(3))] * 4)
    contacts = pl.DataFrame({"cause": [c for c, _ in rows], "created_at": [t for _, t in rows]})
    got = cause_comparison(contacts, (at(29).replace(hour=0), dt.datetime(2026, 1, 5, tzinfo=UTC)),
                           (dt.datetime(2025, 12, 1, tzinfo=UTC), at(29).replace(hour=0)), 4)
    assert got.select("cause", "this_period", "comparison").rows() == [
        ("promise_missed", 3, 2.0), ("tracking_stale", 0, 1.0), ("true_demand", 1, 0.0)]


def test_downloads_are_numbers_with_the_unit_in_the_column_name():
    card = pl.DataFrame({"node": ["A"], "wismo_contact_rate": [0.1374], "wismo_contact_rate__status": ["red"],
                         "exception_age_days": [15.3], "exception_age_days__status": ["red"]})
    got = numeric(card, "node", ["wismo_contact_rate", "exception_age_days"])
    assert got.columns == ["node", "wismo_contact_rate_per_100", "wismo_contact_rate_status",
                           "exception_age_days_days", "exception_age_days_status"]
    assert abs(got["wismo_contact_rate_per_100"][0] - 13.74) < 1e-9
