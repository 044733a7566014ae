"""What a check found: a rule, its severity, and the failing rows with their values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["blocking", "warning"]


@dataclass
class Finding:
    """One rule on one column of one table. Passed rules are findings too (failing == 0).

    ``rows`` are 1-based data rows of ``file`` (header excluded). A rule about the
    whole table (a missing column, freshness) fails with ``whole_table=True``.
    """

    table: str
    file: str
    rule: str
    severity: Severity
    column: str
    checked_rows: int
    message: str
    rows: list[int] = field(default_factory=list)
    values: list[str | None] = field(default_factory=list)
    whole_table: bool = False

    @property
    def failing(self) -> int:
        return len(self.rows) or int(self.whole_table)

    @property
    def passed(self) -> bool:
        return self.failing == 0
