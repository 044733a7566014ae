"""Signal versus noise: is a KPI's latest movement real, or the wobble its volume makes anyway?

Statistical process control on each KPI's own history (the trailing periods before the latest, at most 12):

- **Percent KPIs** (a share of units: on-time activation, inventory accuracy, coverage, FCR, CSAT …): a
  **p-chart**. Centre p̄ = Σ numerators / Σ denominators of the trailing periods; limits for the latest
  period p̄ ± 3·√(p̄(1 − p̄) / n), n its denominator. The 95 % interval of a single value is Wilson's score
  interval (it stays inside 0–1 and is honest at small n).
- **Rates per 100 orders** (WISMO contacts per shipped order: counts of events, possibly several per order):
  a **u-chart**. Centre ū = Σ numerators / Σ denominators; limits ū ± 3·√(ū / n). The 95 % interval of a
  value treats the count as Poisson, on the square-root scale (Anscombe): ((√(x + 3/8) ± 1.96/2)² − 3/8) / n.
- **Days** (average age of open exceptions: a mean whose per-unit spread the figures do not keep): an
  **individuals (XmR) chart** of the period values. Centre x̄; limits x̄ ± 2.66 · mean moving range.

The latest value is a **significant shift** when it lies outside the limits, or when it and the seven
periods before it all lie on one side of the centre (a run of 8, Western Electric rule 4 / Nelson rule 2).
Otherwise it is **within normal variation**. Fewer than 6 trailing periods with a value: **too little
history** to judge. Pure: frames and numbers in, words out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_HISTORY = 6
TRAIL = 12
RUN = 8
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Signal:
    verdict: str  # "significant shift" | "within normal variation" | "too little history"
    centre: float | None = None
    lower: float | None = None
    upper: float | None = None
    why: str = ""  # for a shift: "outside the control limits" or "8 periods on one side of the centre"

    @property
    def significant(self) -> bool:
        return self.verdict == "significant shift"


def wilson(num: float, den: float, z: float = Z95) -> tuple[float, float] | None:
    """Wilson's score interval of a proportion num/den."""
    if den <= 0:
        return None
    p = num / den
    centre = (p + z * z / (2 * den)) / (1 + z * z / den)
    half = z * math.sqrt(p * (1 - p) / den + z * z / (4 * den * den)) / (1 + z * z / den)
    return max(0.0, centre - half), min(1.0, centre + half)


def poisson_rate(num: float, den: float, z: float = Z95) -> tuple[float, float] | None:
    """An interval of a rate num/den with a Poisson count num (Anscombe's square-root approximation)."""
    if den <= 0:
        return None
    root = math.sqrt(num + 3 / 8)
    lo = max(0.0, (max(0.0, root - z / 2)) ** 2 - 3 / 8)
    return lo / den, ((root + z / 2) ** 2 - 3 / 8) / den


def interval(unit: str, num: float | None, den: float | None) -> tuple[float, float] | None:
    """The 95 % interval of one period's value, by the KPI's unit (none for days: see the module)."""
    if num is None or den is None or unit == "days":
        return None
    return wilson(num, den) if unit == "percent" else poisson_rate(num, den)


def judge(unit: str, history: list[tuple[float | None, float | None, float | None]]) -> Signal:
    """The latest of ``history`` (oldest first; each (numerator, denominator, value)) against the limits the
    periods before it set."""
    points = [(n, d, v) for n, d, v in history if v is not None and d]
    if len(points) < MIN_HISTORY + 1:
        return Signal("too little history")
    *before, (num, den, value) = points[-(TRAIL + 1):]
    assert value is not None and den is not None
    if unit == "days":
        xs = [v for _, _, v in before if v is not None]
        centre = sum(xs) / len(xs)
        mr = sum(abs(a - b) for a, b in zip(xs[1:], xs[:-1], strict=False)) / (len(xs) - 1)
        lower, upper = centre - 2.66 * mr, centre + 2.66 * mr
    else:
        total_n = sum(n or 0.0 for n, _, _ in before)
        total_d = sum(d or 0.0 for _, d, _ in before)
        centre = total_n / total_d
        spread = math.sqrt(centre * (1 - centre) / den) if unit == "percent" else math.sqrt(centre / den)
        lower, upper = centre - 3 * spread, centre + 3 * spread
    if not lower <= value <= upper:
        return Signal("significant shift", centre, lower, upper, "outside the control limits")
    last = [v for _, _, v in points[-RUN:]]
    if len(last) == RUN and (all(v is not None and v > centre for v in last)
                             or all(v is not None and v < centre for v in last)):
        return Signal("significant shift", centre, lower, upper, f"{RUN} periods on one side of the centre")
    return Signal("within normal variation", centre, lower, upper)
