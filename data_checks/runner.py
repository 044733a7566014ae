"""Run every check of a load over a dataset folder: parse, GE suites, references, warnings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl
from tqdm import tqdm

from core.contract import TABLES
from core.dataset import ROW, FileProblem, Limits, SourceFile, read_raw
from data_checks import parse, relations, suites
from data_checks.findings import Finding


@dataclass
class CheckReport:
    as_of: dt.datetime
    files: list[SourceFile]
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)  # typed, with __row
    findings: list[Finding] = field(default_factory=list)
    rows_read: dict[str, int] = field(default_factory=dict)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "blocking" and not f.passed]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning" and not f.passed]

    @property
    def ok(self) -> bool:
        return not self.blocking

    def rejects(self) -> pl.DataFrame:
        """Every failing row: file, row, table, rule, severity, column, value."""
        recs: list[tuple[object, ...]] = []
        for f in self.findings:
            if f.passed:
                continue
            if f.whole_table:
                recs.append((f.file, None, f.table, f.rule, f.severity, f.column, None, f.message))
            for r, v in zip(f.rows, f.values or [None] * len(f.rows), strict=False):
                recs.append((f.file, r, f.table, f.rule, f.severity, f.column, v, f.message))
        return pl.DataFrame(recs, schema={"file": pl.String, "row": pl.Int64, "table": pl.String,
                                          "rule": pl.String, "severity": pl.String, "column": pl.String,
                                          "value": pl.String, "message": pl.String}, orient="row")


def file_problem_finding(p: FileProblem, table: str) -> Finding:
    return Finding(table, p.file, p.rule, "blocking", p.column, 0, p.message,
                   rows=[p.row] if p.row else [], whole_table=not p.row)


def check(files: list[SourceFile], stored: relations.StoreRows, as_of: dt.datetime,
          progress: bool = False, earliest: dt.date = parse.EARLIEST, limits: Limits | None = None,
          newest_stored_scan: dt.datetime | None = None) -> CheckReport:
    """Every rule on ``files``: types, text lengths, times (before ``earliest``: blocking), the contract's
    expectations, columns not in the contract (warning), references and the cross-table warnings.
    ``stored``: the store's rows a load's rows name; ``newest_stored_scan``: its newest tracking event."""
    report = CheckReport(as_of=as_of, files=files)
    paths = {f.table: str(f.path) for f in files}
    for src in (tqdm(files, desc="checking", unit="table", leave=False) if progress else files):
        table = TABLES[src.table]
        try:
            raw = read_raw(src, limits)
        except FileProblem as p:
            report.findings.append(file_problem_finding(p, src.table))
            continue
        report.rows_read[src.table] = raw.height
        extra = [c for c in raw.columns if c != ROW and c not in table.names]
        report.findings += [Finding(src.table, str(src.path), "extra_column", "warning", c, raw.height,
                                    "column is not in the contract: not loaded", whole_table=True) for c in extra]
        typed, found = parse.parse_table(table, raw, str(src.path))
        found += parse.time_findings(table, typed, raw, str(src.path), earliest)
        skip = {(f.column, r) for f in found if f.severity == "blocking" for r in f.rows}
        found += suites.validate(src.table, typed, raw, str(src.path), skip)
        report.findings += found
        report.frames[src.table] = typed
    if any(f.rule == "required_column" and not f.passed for f in report.findings):
        return report  # references need the columns; the report already refuses the load
    report.findings += relations.references(report.frames, paths, stored)
    report.findings += relations.warnings(report.frames, paths, stored, as_of, newest_stored_scan)
    return report
