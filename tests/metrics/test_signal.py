"""Signal versus noise (issue 20, part 2), worked by hand.

p-chart: 12 trailing weeks of 90 on-time of 100 → p̄ = 0.90; for a latest week of n = 100 the limits are
0.90 ± 3·√(0.9·0.1/100) = 0.90 ± 0.09 → [0.81, 0.99]. 85/100 is inside (noise); 80/100 is outside (a shift).
u-chart: 12 weeks of 10 contacts per 100 orders → ū = 0.10; n = 100: 0.10 ± 3·√(0.10/100) = 0.10 ± 0.0949.
XmR: values 3, 4, 3, 4, 3, 4 days → x̄ = 3.5, mean moving range 1 → limits 3.5 ± 2.66 = [0.84, 6.16].
"""

from __future__ import annotations

import math

import pytest

from metrics.signal import judge, poisson_rate, wilson


def weeks(values: list[tuple[float, float]]) -> list[tuple[float, float, float]]:
    return [(n, d, n / d) for n, d in values]


def test_wilson_interval_by_hand():
    """9/10: centre (0.9 + 1.92/10)/(1 + 3.84/10) = 0.789…, half 1.96·√(0.009 + 0.00096)/1.384 = 0.2234…"""
    lo, hi = wilson(9, 10)  # type: ignore[misc]
    assert lo == pytest.approx(0.5958, abs=1e-4) and hi == pytest.approx(0.9821, abs=1e-4)
    assert wilson(0, 0) is None and wilson(10, 10)[1] == pytest.approx(1.0)  # type: ignore[index]


def test_poisson_rate_interval_by_hand():
    """10 events over 100 orders: √10.375 = 3.2210; ((3.2210 ∓ 0.9800)² − 0.375)/100 = [0.0465, 0.1727]."""
    lo, hi = poisson_rate(10, 100)  # type: ignore[misc]
    root = math.sqrt(10.375)
    assert lo == pytest.approx(((root - 0.979982) ** 2 - 0.375) / 100, abs=1e-6)
    assert hi == pytest.approx(((root + 0.979982) ** 2 - 0.375) / 100, abs=1e-6)
    assert round(lo, 4) == 0.0465 and round(hi, 4) == 0.1727


def test_a_p_chart_tells_noise_from_a_shift():
    base = weeks([(90, 100)] * 12)
    noise = judge("percent", [*base, (85, 100, 0.85)])
    assert noise.verdict == "within normal variation"
    assert (round(noise.lower, 2), round(noise.upper, 2)) == (0.81, 0.99)  # type: ignore[arg-type]
    shift = judge("percent", [*base, (80, 100, 0.80)])
    assert shift.significant and shift.why == "outside the control limits"


def test_a_run_of_eight_on_one_side_is_a_shift_though_each_is_inside():
    """Six weeks at 0.90 and then eight at 0.88 (inside 0.90 ± 0.09 each): the centre of the 12 before the
    last is (6·90 + 6·88)/1200 = 0.89; the last eight are all below it."""
    history = weeks([(90, 100)] * 6 + [(88, 100)] * 8)
    got = judge("percent", history)
    assert got.significant and got.why == "8 periods on one side of the centre"


def test_a_u_chart_for_rates_per_order():
    base = weeks([(10, 100)] * 12)
    assert judge("per_100", [*base, (19, 100, 0.19)]).verdict == "within normal variation"  # 0.19 < 0.1949
    assert judge("per_100", [*base, (20, 100, 0.20)]).significant


def test_an_individuals_chart_for_days():
    base = [(None, 1.0, v) for v in (3.0, 4.0, 3.0, 4.0, 3.0, 4.0)]
    assert judge("days", [*base, (None, 1.0, 6.0)]).verdict == "within normal variation"  # ≤ 6.16
    assert judge("days", [*base, (None, 1.0, 6.5)]).significant


def test_too_little_history_is_said():
    assert judge("percent", weeks([(90, 100)] * 6)).verdict == "too little history"


def test_movers_list_significant_shifts_first():
    """Two tiles: A moved 50 % (noise), B moved 10 % (a shift): B first."""
    from metrics.catalogue import load_catalogue
    from metrics.signal import Signal
    from metrics.views import Tile, movers

    cat = load_catalogue()
    k = cat.kpi("inventory_accuracy")

    def tile(value: float, previous: float, verdict: str) -> Tile:
        return Tile(k, k.target, None, value, "green", None, None, [], None, previous, Signal(verdict))

    a, b = tile(0.6, 0.4, "within normal variation"), tile(0.99, 0.9, "significant shift")
    assert movers([a, b]) == [b, a]


def test_each_row_is_judged_against_its_own_history_and_intervals_are_drawn():
    """Carrier A: seven weeks at 10 of 100, then 40 of 100. p̄ = 0.10, n = 100, σ = √(0.1·0.9/100) = 0.03: limits
    0.01–0.19, so 0.40 is a significant shift. Carrier B: the same seven weeks, then 11 of 100: inside, and no
    run of 8 (the earlier weeks sit on the centre, not above it). Carrier C: three weeks only: not judged.
    Wilson's 95 % interval of 50 of 100: centre 0.5, half-width 1.96·√(0.25/100 + 1.96²/40000)/(1 + 1.96²/100)
    = 0.0962 → 0.4038–0.5962; none for days."""
    import datetime as dt

    import polars as pl

    from metrics.catalogue import load_catalogue
    from metrics.views import row_signals, with_interval

    weeks = [dt.date(2026, 1, 5) + dt.timedelta(weeks=i) for i in range(8)]
    rows = ([("A", w, 10.0, 100.0) for w in weeks[:7]] + [("A", weeks[7], 40.0, 100.0)]
            + [("B", w, 10.0, 100.0) for w in weeks[:7]] + [("B", weeks[7], 11.0, 100.0)]
            + [("C", w, 10.0, 100.0) for w in weeks[5:]])
    df = pl.DataFrame(rows, schema=["dimension_value", "period_start", "numerator", "denominator"], orient="row"
                      ).with_columns(value=pl.col("numerator") / pl.col("denominator"))
    kpi = load_catalogue().kpi("tracking_activation_ontime")
    got = dict(row_signals(df, kpi, weeks[7]).rows())
    assert got == {"A": "significant shift", "B": "within normal variation", "C": None}
    band = with_interval(pl.DataFrame({"numerator": [50.0], "denominator": [100.0], "value": [0.5]}), kpi)
    assert (round(band["lo"][0], 4), round(band["hi"][0], 4)) == (0.4038, 0.5962)
    age = with_interval(pl.DataFrame({"numerator": [5.0], "denominator": [2.0], "value": [2.5]}),
                        load_catalogue().kpi("exception_age_days"))
    assert age["lo"][0] is None
