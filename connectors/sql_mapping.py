"""SQL mappings: a file of named ``SELECT``s, one per contract table, over the extract files of one folder,
run by DuckDB in a sandbox — the staging-model idea users know from dbt, without a new language.

```sql
-- table: orders
SELECT DISTINCT order_id, customer_unique_id AS customer_id, 'web' AS channel,
       strptime(purchased, '%Y-%m-%d %H:%M:%S') AS placed_at, ...
FROM olist_orders WHERE order_id IS NOT NULL;
-- table: shipments
SELECT ...
```

Each extract file of the folder (CSV — every column read as text, so ids keep their leading zeros —,
Parquet, JSON, JSON Lines, gzipped or not) is a table named after the file (``olist_orders.csv`` →
``olist_orders``). The files are read first; then the connection loses every access to files, the network
and extensions (``enable_external_access = false``, locked), so a mapping reads nothing but its folder's
extracts and writes nothing: ``read_csv('/etc/passwd')``, ``COPY … TO``, ``ATTACH`` and ``INSTALL`` are
refused. Each ``SELECT``'s rows go through the same contract checks and all-or-nothing load as any extract.
A SQL error names the mapping file, the table and the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from connectors.staging import Issue, Staged
from core.contract import TABLES

MARK = re.compile(r"^[ \t]*--[ \t]*table:[ \t]*([^\s(]+).*$", re.MULTILINE)  # text after the name is a comment
READERS = {".csv": "read_csv({}, all_varchar = true, header = true)", ".tsv": "read_csv({}, all_varchar = true, "
           "header = true, delim = '\t')", ".parquet": "read_parquet({})", ".json": "read_json_auto({})",
           ".jsonl": "read_json_auto({}, format = 'newline_delimited')",
           ".ndjson": "read_json_auto({}, format = 'newline_delimited')"}


@dataclass(frozen=True)
class Statement:
    table: str
    sql: str
    line: int  # where the SELECT starts in the mapping file (1-based)


def is_sql(path: Path) -> bool:
    return path.suffix.lower() == ".sql"


def read_statements(path: Path) -> list[Statement]:
    """The file's ``-- table: NAME`` sections; ValueError naming the line for a table that is not the
    contract's, a table named twice or a file without sections."""
    text = path.read_text(encoding="utf-8")
    marks = list(MARK.finditer(text))
    if not marks:
        raise ValueError(f"{path.name}: no '-- table: NAME' line; put one before each SELECT")
    out: list[Statement] = []
    for i, m in enumerate(marks):
        line = text.count("\n", 0, m.start()) + 1
        table = m.group(1)
        if table not in TABLES:
            raise ValueError(f"{path.name} line {line}: {table!r} is not a contract table ({', '.join(TABLES)})")
        if any(s.table == table for s in out):
            raise ValueError(f"{path.name} line {line}: a second SELECT for {table}")
        body = text[m.end():marks[i + 1].start() if i + 1 < len(marks) else len(text)]
        sql = body.strip().rstrip(";").strip()
        if not sql:
            raise ValueError(f"{path.name} line {line}: no SELECT after '-- table: {table}'")
        lead = body[:len(body) - len(body.lstrip())]
        out.append(Statement(table, sql, line + lead.count("\n")))
    return out


def relation(path: Path) -> tuple[str, str] | None:
    """The table name an extract file is known by in the SQL, and its reader (None: not an extract)."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    base = name.removesuffix(".gz")
    suffix = Path(base).suffix
    if suffix not in READERS or (gz and suffix == ".parquet"):
        return None
    return re.sub(r"\W", "_", base.removesuffix(suffix)), READERS[suffix]


def _connect():  # type: ignore[no-untyped-def]
    import duckdb

    return duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                              "autoload_known_extensions": False})


def run(folder: Path, mapping: Path) -> Staged:
    """The contract frames the mapping's SELECTs make from the folder's extracts, with an issue per error."""
    import duckdb

    try:
        statements = read_statements(mapping)
    except (ValueError, UnicodeDecodeError) as err:
        return Staged({}, [Issue(str(mapping), 0, "", "", "bad_mapping", str(err))])
    con = _connect()
    root = folder.resolve()
    known: dict[str, str] = {}
    issues: list[Issue] = []
    try:
        for path in sorted(folder.iterdir()):
            named = relation(path)
            if named is None or not path.is_file():
                continue
            if not path.resolve().is_relative_to(root):
                issues.append(Issue(str(path), 0, "", path.name, "outside_folder",
                                    f"{path.name} is a link leading outside {folder}: copy the file in instead"))
                continue
            name, reader = named
            try:
                sql = f'CREATE TABLE "{name}" AS SELECT * FROM {reader.format("$1")}'  # noqa: S608 - name is \w only
                con.execute(sql, [str(path)])
            except duckdb.Error as err:
                issues.append(Issue(str(path), 0, "", path.name, "unreadable", f"{path.name}: {_first(err)}"))
                continue
            known[name] = path.name
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        frames: dict[str, pl.DataFrame] = {}
        notes: dict[str, int] = {}
        for s in statements:
            try:
                result = con.sql(s.sql)
                if result is None:
                    raise ValueError("is not a SELECT")
                df = result.pl()
            except (duckdb.Error, ValueError) as err:
                offset = re.search(r"LINE (\d+):", str(err))
                line = s.line + (int(offset.group(1)) - 1 if offset else 0)
                issues.append(Issue(str(mapping), line, s.table, "", "sql_error",
                                    f"{mapping.name} line {line} ({s.table}): {_first(err)}"
                                    + (f" — tables here: {', '.join(sorted(known)) or 'none'}"
                                       if "does not exist" in str(err) else "")))
                continue
            missing = [c.name for c in TABLES[s.table].columns if c.name not in df.columns and not c.optional]
            if missing:
                issues.append(Issue(str(mapping), s.line, s.table, ", ".join(missing), "missing_column",
                                    f"{mapping.name} line {s.line} ({s.table}): the SELECT makes no "
                                    f"{', '.join(missing)} (name each contract column with AS)"))
                continue
            contract = [c.name for c in TABLES[s.table].columns if c.name in df.columns]
            frames[s.table] = df.select(contract)
            extra = [c for c in df.columns if c not in contract]
            notes[f"{mapping.name}: {s.table} from the SELECT at line {s.line}"
                  + (f" (columns not in the contract left out: {', '.join(extra)})" if extra else "")] = df.height
        return Staged(frames, issues, notes)
    finally:
        con.close()


def _first(err: Exception) -> str:
    return str(err).strip().splitlines()[0]
