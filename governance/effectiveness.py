"""One definition of a control's effectiveness, used by the governance page, the brief and the export.

Two facts, one verdict:

- **tested**: the control's status as the owner last recorded it — operating (tested and working),
  designed (in place, not yet shown to work), not tested, failed;
- **outcome**: whether the KPIs it protects are on target now (the worst of their statuses).

| tested \\ KPIs it protects | none off target      | one or more off target |
|----------------------------|----------------------|------------------------|
| operating                  | effective            | not effective          |
| designed, not tested       | unproven             | not effective          |
| failed                     | not effective        | not effective          |

A KPI on watch (amber) does not make a control ineffective; it is named beside the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

VERDICT_COLOUR = {"effective": "green", "unproven": "amber", "not effective": "red"}


@dataclass(frozen=True)
class Effectiveness:
    verdict: str  # effective | unproven | not effective
    tested: str  # the control's status: operating | designed | not_tested | failed
    off_target: tuple[str, ...]  # protected KPIs off target (red)
    watch: tuple[str, ...]  # protected KPIs on watch (amber)
    no_data: tuple[str, ...]  # protected KPIs without a figure

    @property
    def status(self) -> str:
        """The verdict as a status colour (green, amber, red)."""
        return VERDICT_COLOUR[self.verdict]


def effectiveness(control_status: str, kpi_status: dict[str, str]) -> Effectiveness:
    """``kpi_status``: each protected KPI's status now (green, amber, red, none)."""
    off = tuple(k for k, s in kpi_status.items() if s == "red")
    watch = tuple(k for k, s in kpi_status.items() if s == "amber")
    none = tuple(k for k, s in kpi_status.items() if s == "none")
    if control_status == "failed" or off:
        verdict = "not effective"
    elif control_status == "operating":
        verdict = "effective"
    else:
        verdict = "unproven"
    return Effectiveness(verdict, control_status, off, watch, none)
