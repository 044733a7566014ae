"""``wismo load`` and ``wismo check``: validate a dataset folder, then land it whole or not at all.

A refused load writes no contract row. It is still recorded (``load_runs`` with
status ``refused``, its ``check_results`` and ``rejected_rows``) so the data
quality page can show what was refused and why, and it writes a rejects CSV.
A landed load writes every table, its check results and its run record in one
transaction; its warnings' rows go to a warnings CSV beside the rejects. Both CSVs are safe to open in a
spreadsheet: a cell that starts with = + - @ (a formula) is written with a leading apostrophe.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from tqdm import tqdm

from core.contract import LOAD_ORDER, TABLES, contract_schema
from core.dataset import ROW, FileProblem, Limits, discover, ignored
from core.settings import EngineConfig
from data_checks.findings import Finding
from data_checks.parse import EARLIEST
from data_checks.relations import StoreRows
from data_checks.runner import CheckReport, check, file_problem_finding
from services.refresh import RefreshResult, refresh
from store import bulk, queries
from store.db import Store
from store.errors import StoreBusy

MAX_WARNING_ROWS_KEPT = 1000  # per rule and column; blocking rows are all kept
BOOKKEEPING_KEYS = {"load_runs": ("load_id",), "check_results": ("id",), "rejected_rows": ("id",)}
TOUCH_KEYS = {"load_touches": ("load_id", "kind", "key")}
MAX_TOUCHES = 200_000  # a load touching more orders than this is followed by a full refresh
REFERENCE = ("nodes", "carriers")


def touches(load_id: str, frames: dict[str, pl.DataFrame],
            stored: StoreRows) -> tuple[str, dt.datetime | None, pl.DataFrame]:
    """What a load touches, for the next refresh to recompute only that (services/refresh.py): the orders
    (and, for tracking events, the shipments) whose rows it writes, and the earliest timestamp among them.
    Scope "all" (a full refresh next) when it changes a node or carrier, or touches more than
    MAX_TOUCHES orders."""
    empty = pl.DataFrame(schema={"load_id": pl.String, "kind": pl.String, "key": pl.String})
    for table in REFERENCE:
        if table in frames and frames[table].height:
            cols = list(frames[table].columns)
            key = TABLES[table].key[0]
            changed = frames[table].join(stored(table, cols, key, frames[table][key]).select(cols), on=cols,
                                         how="anti", nulls_equal=True)
            if changed.height:
                return "all", None, empty
    orders = [frames[t].select(key=pl.col("order_id")) for t in
              ("orders", "order_lines", "shipments", "exceptions", "notifications", "contacts") if t in frames]
    order_keys = pl.concat(orders).drop_nulls().unique() if orders else pl.DataFrame(schema={"key": pl.String})
    ship_keys = (frames["tracking_events"].select(key=pl.col("shipment_id")).unique() if "tracking_events" in frames
                 else pl.DataFrame(schema={"key": pl.String}))
    if order_keys.height + ship_keys.height > MAX_TOUCHES:
        return "all", None, empty
    stamps = [frames[t].select(pl.col(c).cast(pl.Datetime("us", "UTC")).min()).item()
              for t, df in frames.items() for c, dtype in df.schema.items()
              if isinstance(dtype, pl.Datetime) or dtype == pl.Date]
    rows = pl.concat([order_keys.with_columns(kind=pl.lit("order")), ship_keys.with_columns(kind=pl.lit("shipment"))])
    return ("orders", min((s for s in stamps if s is not None), default=None),
            rows.select(load_id=pl.lit(load_id), kind="kind", key="key").sort("kind", "key"))


@dataclass
class LoadResult:
    load_id: str
    report: CheckReport
    landed: bool
    written: dict[str, int] = field(default_factory=dict)
    rejects_file: Path | None = None
    problem: FileProblem | None = None
    warnings_file: Path | None = None  # the rows behind the warnings of a landed load (None: no warning row)
    frames: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)  # the typed rows it wrote


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def stored_rows(store: Store | None) -> StoreRows:
    """The store's rows a load's rows name, for the cross-table rules (none without a store)."""

    def rows(table: str, cols: list[str], key: str, values: pl.Series) -> pl.DataFrame:
        if store is None:
            return pl.DataFrame(schema={c: contract_schema(table)[c] for c in dict.fromkeys([key, *cols])})
        return bulk.read_matching(store, table, cols, key, values)

    return rows


def run_checks(folder: Path, store: Store | None, as_of: dt.datetime, progress: bool = False,
               earliest: dt.date = EARLIEST, limits: Limits | None = None) -> CheckReport:
    """The load's checks on ``folder``; files that are not the contract's are named in a warning."""
    try:
        files = discover(folder)
    except FileProblem as p:
        report = CheckReport(as_of=as_of, files=[])
        report.findings.append(file_problem_finding(p, Path(p.file).name.split(".")[0]))
        return report
    report = check(files, stored_rows(store), as_of, progress=progress, earliest=earliest, limits=limits,
                   newest_stored_scan=queries.newest_scan(store) if store is not None else None)
    report.findings += [Finding(p.name, str(p), "not_a_contract_file", "warning", "", 0,
                                "is not a contract file (<table>.csv, .csv.gz, .csv.zst or .parquet): not loaded",
                                whole_table=True) for p in ignored(folder)]
    return report


def spreadsheet_safe(df: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as a formula (= + - @, tab or CR first) prefixed with an apostrophe,
    as spreadsheets expect (OWASP: CSV injection)."""
    text = [c for c, t in df.schema.items() if t == pl.String]
    return df.with_columns(pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + pl.col(c))
                           .otherwise(pl.col(c)).alias(c) for c in text)


def write_rows(report: CheckReport, severity: str, path: Path) -> Path | None:
    """The failing rows of ``severity`` as a spreadsheet-safe CSV at ``path``; None when there are none."""
    rows = report.rejects().filter(pl.col("severity") == severity)
    if rows.height == 0:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    spreadsheet_safe(rows).write_csv(path)
    return path


def _bookkeeping(load_id: str, report: CheckReport, status: str, user: str, source: str,
                 started: dt.datetime, written: dict[str, int]) -> dict[str, pl.DataFrame]:
    files = [{"file": str(f.path), "table": f.table, "sha256": f.sha256, "rows": report.rows_read.get(f.table, 0)}
             for f in report.files]
    run = pl.DataFrame([{
        # finished_at keeps its microseconds: coverage compares it with a refresh's start, and a load that lands
        # in the second a refresh started must not look covered by it
        "load_id": load_id, "started_at": started, "finished_at": dt.datetime.now(dt.UTC), "as_of": report.as_of,
        "status": status, "user_name": user, "source": source, "files": json.dumps(files),
        "row_counts": json.dumps(written), "blocking_failures": sum(f.failing for f in report.blocking),
        "warnings": sum(f.failing for f in report.warnings),
    }], schema_overrides={"started_at": pl.Datetime("us", "UTC"), "finished_at": pl.Datetime("us", "UTC"),
                          "as_of": pl.Datetime("us", "UTC")})
    results = pl.DataFrame([{
        "id": f"{load_id}:{f.table}:{f.rule}:{f.column}", "load_id": load_id, "table_name": f.table,
        "rule": f.rule, "severity": f.severity, "column_name": f.column, "checked_rows": f.checked_rows,
        "failing_rows": f.failing, "message": f.message,
    } for f in _merge(report.findings)], schema={
        "id": pl.String, "load_id": pl.String, "table_name": pl.String, "rule": pl.String, "severity": pl.String,
        "column_name": pl.String, "checked_rows": pl.Int64, "failing_rows": pl.Int64, "message": pl.String})
    rej = report.rejects()
    rej = rej.with_columns(_n=pl.int_range(pl.len()).over("rule", "column", "table")).filter(
        (pl.col("severity") == "blocking") | (pl.col("_n") < MAX_WARNING_ROWS_KEPT))
    rejected = rej.select(
        id=pl.lit(load_id + ":") + pl.int_range(pl.len()).cast(pl.String), load_id=pl.lit(load_id),
        file=pl.col("file"), row_number=pl.col("row").fill_null(0), table_name=pl.col("table"),
        column_name=pl.col("column"), rule=pl.col("rule"), severity=pl.col("severity"), value=pl.col("value"))
    return {"load_runs": run, "check_results": results, "rejected_rows": rejected}


def _merge(findings: list[Finding]) -> list[Finding]:
    """One finding per (table, rule, column): a rule may be evaluated in two places."""
    seen: dict[tuple[str, str, str], Finding] = {}
    for f in findings:
        k = (f.table, f.rule, f.column)
        if k in seen:
            g = seen[k]
            seen[k] = Finding(g.table, g.file, g.rule, g.severity, g.column, max(g.checked_rows, f.checked_rows),
                              g.message, g.rows + f.rows, g.values + f.values, g.whole_table or f.whole_table)
        else:
            seen[k] = f
    return list(seen.values())


def load(folder: Path, store: Store, *, user: str, as_of: dt.datetime | None = None,
         rejects_dir: Path = Path("data/rejects"), progress: bool = False, earliest: dt.date = EARLIEST,
         limits: Limits | None = None) -> LoadResult:
    """Check ``folder`` and land it whole, or refuse it and write nothing to the contract tables."""
    started = utcnow()
    as_of = as_of or started
    load_id = started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    report = run_checks(folder, store, as_of, progress=progress, earliest=earliest, limits=limits)
    source = str(folder.resolve())
    if not report.ok:
        rejects_dir.mkdir(parents=True, exist_ok=True)
        path = rejects_dir / f"{load_id}.rejects.csv"
        spreadsheet_safe(report.rejects().filter(pl.col("severity") == "blocking")).write_csv(path)
        book = _bookkeeping(load_id, report, "refused", user, source, started, {})
        bulk.write(store, book, BOOKKEEPING_KEYS, BOOKKEEPING_KEYS)
        return LoadResult(load_id, report, landed=False, rejects_file=path)

    frames = {t: df.drop(ROW).select(TABLES[t].names) for t, df in report.frames.items()}
    counts = {t: df.height for t, df in frames.items()}
    book = _bookkeeping(load_id, report, "landed", user, source, started, counts)
    scope, touched_from, touched = touches(load_id, frames, stored_rows(store))
    scans = frames.get("tracking_events")
    newest = scans["received_at"].max() if scans is not None and scans.height else None
    book["load_runs"] = book["load_runs"].with_columns(
        scope=pl.lit(scope), touched_from=pl.lit(touched_from, dtype=pl.Datetime("us", "UTC")),
        newest_scan=pl.lit(newest, dtype=pl.Datetime("us", "UTC")))
    book["load_touches"] = touched
    keys = {t: TABLES[t].key for t in frames} | BOOKKEEPING_KEYS | TOUCH_KEYS
    order = [*[t for t in LOAD_ORDER if t in frames], *BOOKKEEPING_KEYS, *TOUCH_KEYS]
    try:
        if progress:
            with tqdm(total=len(order), desc="writing", unit="table", leave=False) as bar:
                written = bulk.write(store, frames | book, keys, order, after_table=lambda _t: bar.update())
        else:
            written = bulk.write(store, frames | book, keys, order)
    except StoreBusy as busy:  # nothing was written; record the attempt if the lock has gone by now
        report.findings.append(Finding("", str(folder), "store_locked", "blocking", "", 0, str(busy), whole_table=True))
        try:
            bulk.write(store, _bookkeeping(load_id, report, "refused", user, source, started, {}), BOOKKEEPING_KEYS,
                       BOOKKEEPING_KEYS)
        except StoreBusy:
            raise StoreBusy(f"{busy} (the attempt could not be recorded either: the lock was still held)") from None
        raise
    return LoadResult(load_id, report, landed=True, written={t: n for t, n in written.items() if t in TABLES},
                      warnings_file=write_rows(report, "warning", rejects_dir / f"{load_id}.warnings.csv"),
                      frames=frames)


def counts(store: Store) -> dict[str, int]:
    """Rows per contract table, read in one statement: one consistent snapshot."""
    return queries.row_counts(store)


@dataclass
class LoadAndRefresh:
    load: LoadResult
    refresh: RefreshResult | None = None
    refresh_error: str | None = None  # the load landed, the figures were not recomputed (they are stale)


def _whole_store(store: Store, result: LoadResult) -> dict[str, pl.DataFrame] | None:
    """The load's own frames when they are the whole store (it was empty, and no other load landed since):
    the refresh then need not read back what was just written."""
    newest = queries.latest_load(store, "landed")
    counts = queries.row_counts(store)
    same = all(counts[t] == (result.frames[t].height if t in result.frames else 0) for t in counts)
    return result.frames if newest is not None and newest.load_id == result.load_id and same else None


def load_and_refresh(folder: Path, store: Store, *, user: str, engine: EngineConfig, as_of: dt.datetime | None = None,
                     rejects_dir: Path = Path("data/rejects"), progress: bool = False,
                     earliest: dt.date = EARLIEST, limits: Limits | None = None) -> LoadAndRefresh:
    """Check and land ``folder``, then recompute the figures with ``engine``. A refresh that fails leaves
    the load landed and the previous figures in place, marked stale (services/refresh.py ``coverage``);
    its error is returned, not raised, so the caller can say so."""
    was_empty = not any(queries.row_counts(store).values())
    result = load(folder, store, user=user, as_of=as_of, rejects_dir=rejects_dir, progress=progress,
                  earliest=earliest, limits=limits)
    if not result.landed:
        return LoadAndRefresh(result)
    try:
        return LoadAndRefresh(result, refresh(store, engine, tables=_whole_store(store, result) if was_empty
                                              else None))
    except Exception as err:  # noqa: BLE001 - any failure leaves the previous figures; it is reported
        return LoadAndRefresh(result, refresh_error=f"{type(err).__name__}: {err}")


__all__ = ["LoadAndRefresh", "LoadResult", "counts", "load", "load_and_refresh", "run_checks", "spreadsheet_safe",
           "write_rows"]
