"""What the data onboarding page shows, shaped here so the page is layout only: the mapping in force,
the mapped rows, the issues, and the load's own checks on them — before anything is loaded."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import yaml

from connectors import tracking
from connectors.config import CONFIG
from connectors.contacts import parse
from connectors.mapping import Mapping, apply_file
from connectors.sql_mapping import MARK, relation
from connectors.sql_mapping import run as run_sql
from connectors.staging import Staged, write_folder
from core.contract import TABLES
from core.dataset import Limits
from services.loading import run_checks, utcnow
from store import bulk
from store.db import Store

KINDS = {"extract": "CSV/Parquet extract (column mapping)", "tracking": "Carrier tracking JSON",
         "contacts": "Help-desk tickets JSON"}
FORMATS = {"tracking": ["aftership", "easypost", "shippo"], "contacts": ["zendesk", "gorgias"]}


def mapping_table(fmt: str) -> pl.DataFrame:
    """The vendor's mapping table as rows: level, code, maps to, rationale."""
    raw = yaml.safe_load((CONFIG / f"{fmt}.yaml").read_text())
    rows = []
    for level, items in raw.items():
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            continue
        for r in items:
            target = next((r[k] for k in ("status", "reason", "channel", "score") if k in r), None)
            left = "(not a scan: left out)" if "status" in r else "(not a customer contact: left out)"
            rows.append({"table": level, "code": str(r.get("code", r.get("match"))),
                         "maps to": left if target is None else str(target), "rationale": r.get("rationale", "")})
    for key, what in (("default_reason", "any other tags, or none"), ("default_channel", "any other channel")):
        if raw.get(key):
            rows.append({"table": key, "code": f"({what})", "maps to": str(raw[key]),
                         "rationale": "counted in the summary before anything is loaded"})
    return pl.DataFrame(rows, schema={"table": pl.String, "code": pl.String, "maps to": pl.String,
                                      "rationale": pl.String})


def preview(kind: str, fmt: str | None, path: Path, store: Store, mapping_text: str | None = None,
            limits: Limits | None = None) -> Staged:
    """The contract rows the file would become, and what could not be mapped. Reads the store's shipments
    for tracking (to place events); writes nothing. An extract larger than ``limits`` is refused (ValueError)
    before it is read."""
    if kind == "tracking":
        return tracking.to_contract(tracking.parse(fmt or "", [path]), bulk.read_table(store, "shipments"))
    if kind == "contacts":
        return parse(fmt or "", path)
    if mapping_text and MARK.search(mapping_text):  # a SQL mapping over the uploaded file
        sql = path.parent / "mapping.sql"
        sql.write_text(mapping_text, encoding="utf-8")
        return run_sql(path.parent, sql)
    m = Mapping.model_validate(yaml.safe_load(mapping_text or ""))
    df, issues = apply_file(m, path, limits)
    return Staged({m.table: df}, issues, {})


def gaps(staged: Staged) -> list[str]:
    """Required contract values the mapped rows lack (the load's checks would refuse those rows), in words."""
    out = []
    for table, df in staged.frames.items():
        for c in TABLES[table].columns:
            if c.nullable or c.optional:
                continue
            missing = df.height if c.name not in df.columns else df[c.name].null_count()
            if missing:
                out.append(f"{missing:,} of {df.height:,} {table} row(s) have no {c.name}, which the contract "
                           "requires: map a column to it, give a default, or leave such rows out")
    return out


def sql_template(path: Path, table: str) -> str:
    """A first SQL mapping for an uploaded file: its table name in the SQL and the contract's columns."""
    named = relation(path)
    source = named[0] if named else "extract"
    columns = ",\n       ".join(f"NULL AS {c.name}" for c in TABLES[table].columns if not c.optional)
    return (f"-- table: {table}\n-- replace each NULL with the column (or expression) of {path.name} it comes from\n"
            f"SELECT {columns}\nFROM {source}\n")


PREFIXES = ("wismo-upload-", "wismo-onboarding-")


@contextmanager
def scratch(prefix: str = "wismo-upload-") -> Iterator[Path]:
    """A temporary folder for one upload or one staged check, removed when the block ends (even on an error or
    when the page stops)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sweep(root: Path | None = None, older_than: dt.timedelta = dt.timedelta(hours=1)) -> list[Path]:
    """Remove upload and staging folders a killed server left behind (older than ``older_than``, so another
    server's live upload is left alone); returns what was removed."""
    root = root or Path(tempfile.gettempdir())
    cutoff = dt.datetime.now().timestamp() - older_than.total_seconds()
    gone = []
    for p in root.iterdir():
        if p.name.startswith(PREFIXES) and p.is_dir() and not p.is_symlink() and p.stat().st_mtime < cutoff:
            shutil.rmtree(p, ignore_errors=True)
            gone.append(p)
    return gone


def stage_to(staged: Staged, folder: Path) -> Path:
    write_folder(staged.frames, folder)
    return folder


def check(staged: Staged, store: Store, as_of: dt.datetime | None = None) -> pl.DataFrame:
    """The load's checks on the mapped rows (references resolve against the store): one row per rule."""
    with scratch("wismo-onboarding-") as folder:
        report = run_checks(stage_to(staged, folder), store, as_of or utcnow())
    rows = [{"table": f.table, "rule": f.rule, "severity": f.severity, "column": f.column,
             "failing rows": len(f.rows) if f.rows else (f.checked_rows if f.whole_table else 0),
             "message": f.message} for f in report.blocking + report.warnings]
    return pl.DataFrame(rows, schema={"table": pl.String, "rule": pl.String, "severity": pl.String,
                                      "column": pl.String, "failing rows": pl.Int64, "message": pl.String})
