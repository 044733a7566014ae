"""What a check found: a rule, its severity, and the failing rows with their values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["blocking", "warning"]

# How to fix a failing rule, in words (the CLI prints it under the rule; docs/mappings.md has the recipes).
FIXES = {
    "reference": "add the {ref} rows these point at (a {ref} file in the folder), or derive them in a SQL "
                 "mapping: SELECT DISTINCT {column} … (docs/mappings.md)",
    "not_null": "{column} is required: fill it, leave such rows out (WHERE {column} IS NOT NULL) or give a "
                "default (COALESCE) in a mapping",
    "required_column": "the file has no {column} column: rename the source's column to it in a mapping "
                       "(wismo mapping suggest FILE --table {table})",
    "enum": "map the source's values onto the contract's with a values table (YAML mapping) or CASE (SQL mapping)",
    "timestamp": "write times as ISO 8601 (2025-07-01T10:00:00Z), or give their format and zone in a mapping",
    "primary_key": "each key must be unique: keep one row per key (SELECT DISTINCT, or the newest row) before "
                   "loading",
    "range": "the value is outside the contract's range for {column}: check its unit (hours, not minutes?)",
    "inf": "a number that is not finite: leave the value empty instead",
    "time_before_floor": "a placeholder date (1900-01-01, 0001-01-01)? leave the time empty, or lower "
                         "WISMO_EARLIEST_DATE if the date is real",
    "text_too_long": "text over 1,000 characters: is a column shifted (a quote not closed) in the source?",
}


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

    def fix(self, ref: str = "") -> str:
        """How to fix this rule's failures, in words ("" when there is no general advice)."""
        hint = FIXES.get(self.rule, "")
        return hint.format(table=self.table, column=self.column, ref=ref or "referenced")
