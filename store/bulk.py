"""Bulk I/O: typed polars frames in and out of the store, in one transaction per write.

Every table is upserted (``ON CONFLICT … DO UPDATE``), all inside one transaction:
either every table of a load lands or none does, and loading the same rows twice
changes nothing.

PostgreSQL goes through ADBC (COPY into a temporary staging table, then one
``INSERT … SELECT``). SQLite goes through Python's own ``sqlite3``: ADBC's SQLite driver
bundles a second copy of the SQLite library, and two copies in one process corrupt each
other's view of a WAL database (POSIX locks are per process), which we saw happen. So a
large table is staged by ADBC in *another process* (``store.stage``: an Arrow file in, a
staging SQLite file out, never the store), then attached and upserted with one
``INSERT … SELECT … ON CONFLICT`` inside the store's transaction; small tables keep
``executemany``. See docs/architecture.md.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from core.contract import Columns, contract_schema
from store.db import Store
from store.errors import explain

SQLITE_TS = "%Y-%m-%d %H:%M:%S%.6f"  # SQLAlchemy's SQLite DateTime storage format

def _to_sql(df: pl.DataFrame, dialect: str) -> pl.DataFrame:
    if dialect != "sqlite":
        return df
    out = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.Datetime):
            out.append(pl.col(name).dt.convert_time_zone("UTC").dt.strftime(SQLITE_TS))
        elif dtype == pl.Date:
            out.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif dtype == pl.Null:
            out.append(pl.col(name).cast(pl.String))
        else:
            out.append(pl.col(name))
    return df.select(out)


def from_sql(df: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Cast what the database returned to the contract's polars types."""
    out = []
    for name in df.columns:
        want = schema.get(name)
        have = df.schema[name]
        col = pl.col(name)
        if want is None or have == want:
            out.append(col)
        elif isinstance(want, pl.Datetime):
            if isinstance(have, pl.Datetime):
                out.append((col.dt.convert_time_zone("UTC") if have.time_zone else col.dt.replace_time_zone("UTC"))
                           .dt.cast_time_unit("us"))
            else:
                out.append(col.cast(pl.String).str.to_datetime(SQLITE_TS, strict=False, time_unit="us")
                           .dt.replace_time_zone("UTC"))
        elif want == pl.Date and have in (pl.String, pl.Null):
            out.append(col.cast(pl.String).str.to_date("%Y-%m-%d"))
        else:
            out.append(col.cast(want))
    return df.select(out)


def read_sql(store: Store, sql: str, schema: Mapping[str, pl.DataType] | None = None) -> pl.DataFrame:
    """Run a query without parameters (internal, fixed SQL only) and return a frame."""
    if store.dialect == "sqlite":
        raw = store.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute(sql)
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
            cur.close()
        finally:
            raw.close()
        df = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
    else:
        conn = store.adbc_connect()
        try:
            cur = conn.cursor()
            cur.execute(sql)
            got = pl.from_arrow(cur.fetch_arrow_table())
            cur.close()
        finally:
            conn.close()
        assert isinstance(got, pl.DataFrame)
        df = got
    return from_sql(df, schema or {})


def read_table(store: Store, table: str, columns: Iterable[str] | None = None) -> pl.DataFrame:
    """A contract table from the store, typed as the contract says."""
    schema = contract_schema(table)
    cols = list(columns) if columns is not None else list(schema)
    unknown = set(cols) - set(schema)
    if unknown:
        raise KeyError(f"{table} has no column {sorted(unknown)}")
    sql = f"SELECT {', '.join(cols)} FROM {table}"  # noqa: S608 - names come from the contract
    df = read_sql(store, sql, schema)
    if df.height == 0:
        return pl.DataFrame(schema={c: schema[c] for c in cols})
    return df


MATCH_CHUNK = 5_000  # key values per query (SQLite allows 32,766 bound values in one statement)
MATCH_LIMIT = 200_000  # more distinct keys than this: the table is read whole and filtered here


def read_matching(store: Store, table: str, columns: Iterable[str], key: str, values: pl.Series) -> pl.DataFrame:
    """A contract table's ``columns`` (with ``key``) for the rows whose ``key`` is one of ``values``: a load's
    cross-table rules read the few store rows its own rows name (through the key's index) instead of every row
    of the table. Many keys: the table whole, filtered here."""
    from sqlalchemy import bindparam, text  # noqa: PLC0415 - the bulk paths above need no SQLAlchemy Core

    schema = contract_schema(table)
    cols = list(dict.fromkeys([key, *columns]))
    unknown = set(cols) - set(schema)
    if unknown:
        raise KeyError(f"{table} has no column {sorted(unknown)}")
    wanted = values.drop_nulls().unique().sort().cast(pl.String).to_list()
    empty = pl.DataFrame(schema={c: schema[c] for c in cols})
    if not wanted:
        return empty
    if len(wanted) > MATCH_LIMIT:
        return read_table(store, table, cols).filter(pl.col(key).cast(pl.String).is_in(wanted))
    stmt = text(f"SELECT {', '.join(cols)} FROM {table} WHERE {key} IN :keys").bindparams(  # noqa: S608 - contract names
        bindparam("keys", expanding=True))
    rows: list[tuple[Any, ...]] = []
    with store.engine.connect() as conn:
        for i in range(0, len(wanted), MATCH_CHUNK):
            rows += [tuple(r) for r in conn.execute(stmt, {"keys": wanted[i:i + MATCH_CHUNK]}).all()]
    if not rows:
        return empty
    return from_sql(pl.DataFrame(rows, schema=cols, orient="row", infer_schema_length=None), schema)


def _placeholder(dtype: pl.DataType) -> str:
    if dtype == pl.Boolean or dtype.is_integer():
        return "0"
    if dtype.is_float():
        return "0.5"
    return "'x'"


def read_queries(store: Store, queries: Mapping[str, tuple[str, Mapping[str, pl.DataType]]],
                 setup: Iterable[str] = (), many: bool = True) -> dict[str, pl.DataFrame]:
    """Fixed queries (internal SQL, literals inlined) read in one snapshot, after ``setup`` statements (TEMP
    tables only); each result typed by its schema (its columns, in order). SQLite: by ADBC in another process
    (store/unload.py) when ``many`` rows are expected — several times quicker for millions of rows —,
    else (or when that fails) by this process's driver, which plans selective queries better;
    PostgreSQL: by ADBC."""
    setup = list(setup)
    if store.dialect == "sqlite" and not many:
        return _read_in_process(store, queries, setup)
    if store.dialect == "sqlite":
        try:
            return _unload(store, queries, setup)
        except (RuntimeError, OSError):  # the other process failed: read the slow way
            return _read_in_process(store, queries, setup)
    conn = store.adbc_connect()
    try:
        cur = conn.cursor()
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")

        def arrow(_schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
            got = pl.from_arrow(cur.fetch_arrow_table())
            assert isinstance(got, pl.DataFrame)
            return got

        out = _run(cur, setup, queries, arrow)
        cur.close()
        conn.rollback()
    finally:
        conn.close()
    return out


def _run(cur: Any, setup: list[str], queries: Mapping[str, tuple[str, Mapping[str, pl.DataType]]],
         fetch: Callable[[Mapping[str, pl.DataType]], pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The setup statements, then each query fetched and typed, on one cursor."""
    for sql in setup:
        cur.execute(sql)
    out = {}
    for name, (sql, schema) in queries.items():
        cur.execute(sql)
        got = fetch(schema)
        out[name] = from_sql(got, schema) if got.height else pl.DataFrame(schema=schema)
    return out


def _unload(store: Store, queries: Mapping[str, tuple[str, Mapping[str, pl.DataType]]],
            setup: list[str]) -> dict[str, pl.DataFrame]:
    db = store.url.database
    if not db or db == ":memory:":
        raise RuntimeError("an in-memory store has no file to read from another process")
    folder = Path(tempfile.mkdtemp(prefix="wismo-unload-"))
    try:
        wrapped = {}
        for name, (sql, schema) in queries.items():
            first = ", ".join(f"{_placeholder(t)} AS {_word(c)}" for c, t in schema.items())
            wrapped[name] = (f"SELECT 1 AS _sentinel, {first} UNION ALL "  # noqa: S608 - internal SQL
                             f"SELECT 0, * FROM ({sql})")
        job = folder / "job.json"
        job.write_text(json.dumps({"db": str(Path(db).resolve()), "setup": setup, "queries": wrapped,
                                   "out": str(folder)}))
        proc = subprocess.run([sys.executable, "-m", "store.unload", str(job)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"reading the rows failed: {proc.stderr.strip()[-500:]}")
        out = {}
        for name, (_sql, schema) in queries.items():
            df = pl.read_ipc(folder / f"{name}.arrow")
            df = df.filter(pl.col("_sentinel") == 0).drop("_sentinel")
            out[name] = from_sql(df, schema) if df.height else pl.DataFrame(schema=schema)
        return out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# what Python's sqlite3 returns for each contract type: times and dates as the text SQLAlchemy stored, flags as
# 0 or 1 (from_sql casts them to the contract's types)
_WIRE: dict[pl.DataType, pl.DataType] = {pl.Int64(): pl.Int64(), pl.Boolean(): pl.Int64(), pl.Float64(): pl.Float64()}


def _read_in_process(store: Store, queries: Mapping[str, tuple[str, Mapping[str, pl.DataType]]],
                     setup: list[str]) -> dict[str, pl.DataFrame]:
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")

        def rows(schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
            got = cur.fetchall()
            if not got:
                return pl.DataFrame(schema=schema)
            try:  # the types SQLite hands back for the contract's, given: no pass over the rows to infer them
                return pl.DataFrame(got, schema={c: _WIRE.get(t, pl.String()) for c, t in schema.items()},
                                    orient="row")
            except (TypeError, pl.exceptions.PolarsError):  # a value of another type: let polars infer them
                return pl.DataFrame(got, schema=list(schema), orient="row", infer_schema_length=None)

        out = _run(cur, setup, queries, rows)
        cur.execute("ROLLBACK")
        cur.close()
    finally:
        raw.close()
    return out


def read_tables(store: Store, tables: Iterable[str], columns: Columns | None = None) -> dict[str, pl.DataFrame]:
    """Contract tables whole (only ``columns`` where given), typed, read in one snapshot (by ADBC: see
    ``read_queries``)."""
    queries = {}
    for table in tables:
        schema = wanted(table, columns)
        queries[table] = (f"SELECT {', '.join(schema)} FROM {table}", schema)  # noqa: S608 - contract names
    return read_queries(store, queries)


def wanted(table: str, columns: Columns | None) -> dict[str, pl.DataType]:
    """The table's contract columns and types, only those in ``columns`` where it names the table."""
    schema = contract_schema(table)
    keep = (columns or {}).get(table)
    return dict(schema) if keep is None else {c: t for c, t in schema.items() if c in keep}


def _upsert_sql(table: str, cols: list[str], key: tuple[str, ...], source: str) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in key)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    col_list = ", ".join(cols)
    return (f"INSERT INTO {table} ({col_list}) {source} "  # noqa: S608 - names come from the contract
            f"ON CONFLICT ({', '.join(key)}) {action}")


def write(store: Store, frames: Mapping[str, pl.DataFrame], keys: Mapping[str, tuple[str, ...]],
          order: Iterable[str], after_table: Callable[[str], None] | None = None,
          replace: Iterable[str] = (), remove: Mapping[str, pl.DataFrame] | None = None,
          remove_from: Mapping[str, Mapping[str, dt.date]] | None = None) -> dict[str, int]:
    """Upsert every frame in one transaction; returns rows written per table.

    ``order`` lists the tables parents first. Before writing, in the same transaction: tables in
    ``replace`` are emptied; for each table in ``remove``, the rows whose key (the frame's one column)
    is in the frame are deleted; for each table in ``remove_from`` (``{grain: start}``), its rows of
    that grain with ``period_start`` at or after ``start``. ``after_table`` is called after each table is
    written, inside the transaction (progress reporting, fault injection in tests).
    """
    todo = [(t, frames[t]) for t in order if t in frames and frames[t].height > 0]
    clear = [f"DELETE FROM {t}" for t in replace]  # noqa: S608 - fixed table names
    for table, starts in (remove_from or {}).items():
        clear += [f"DELETE FROM {table} WHERE grain = '{_word(grain)}' "  # noqa: S608 - names and dates we made
                  f"AND period_start >= {_day(store.dialect, start)}" for grain, start in starts.items()]
    gone = [(t, df) for t, df in (remove or {}).items() if df.height > 0]
    if store.dialect == "sqlite":
        return _write_sqlite(store, todo, keys, after_table, clear, gone)
    return _write_adbc(store, todo, keys, after_table, clear, gone)


def _word(name: str) -> str:
    if not name.isidentifier():
        raise ValueError(f"not a name: {name!r}")
    return name


def _day(dialect: str, d: dt.date) -> str:
    """A date as a SQL literal in the store's own storage format (SQLite keeps dates as ISO text)."""
    day = dt.date(d.year, d.month, d.day).isoformat()
    return f"'{day}'" if dialect == "sqlite" else f"DATE '{day}'"


def _remove_sql(table: str, column: str, source: str) -> str:
    return f"DELETE FROM {table} WHERE {_word(column)} IN (SELECT {column} FROM {source})"  # noqa: S608


STAGE_ROWS = 100_000  # from here a table is staged by ADBC in another process: below, executemany is as quick


def _stage(todo: list[tuple[str, pl.DataFrame]], folder: Path) -> Path | None:
    """The large frames in a staging SQLite file written by another process (``store.stage``); None if none."""
    big = [(t, df) for t, df in todo if df.height >= STAGE_ROWS]
    if not big:
        return None
    for table, df in big:
        _to_sql(df, "sqlite").write_ipc(folder / f"{table}.arrow", compat_level=pl.CompatLevel.oldest())
    target = folder / "stage.db"
    proc = subprocess.run([sys.executable, "-m", "store.stage", str(folder), str(target)], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"staging the rows failed: {proc.stderr.strip()[-500:]}")
    return target


Gone = list[tuple[str, pl.DataFrame]]  # (table, the keys of the rows to delete)


def _write_sqlite(store: Store, todo: list[tuple[str, pl.DataFrame]], keys: Mapping[str, tuple[str, ...]],
                  after_table: Callable[[str], None] | None, clear: list[str], gone: Gone) -> dict[str, int]:
    folder = Path(tempfile.mkdtemp(prefix="wismo-stage-"))
    try:
        staged = _stage(todo, folder)
        return _upsert_sqlite(store, todo, keys, after_table, clear, staged, gone)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _upsert_sqlite(store: Store, todo: list[tuple[str, pl.DataFrame]], keys: Mapping[str, tuple[str, ...]],
                   after_table: Callable[[str], None] | None, clear: list[str], staged: Path | None,
                   gone: Gone) -> dict[str, int]:
    raw = store.engine.raw_connection()
    dbapi = raw.driver_connection
    assert dbapi is not None
    old = dbapi.isolation_level
    dbapi.isolation_level = None  # we issue BEGIN/COMMIT ourselves
    cur = dbapi.cursor()
    written: dict[str, int] = {}
    attached = False
    try:
        if staged is not None:
            cur.execute("ATTACH DATABASE ? AS stage", (str(staged),))  # outside the transaction, as SQLite needs
            attached = True
        in_stage = ({r[0] for r in cur.execute("SELECT name FROM stage.sqlite_master WHERE type = 'table'")}
                    if attached else set())
        cur.execute("BEGIN IMMEDIATE")
        for sql in clear:
            cur.execute(sql)
        for table, df in gone:
            col = _word(df.columns[0])
            cur.execute(f"CREATE TEMPORARY TABLE gone_{table} ({col} TEXT)")
            cur.executemany(f"INSERT INTO gone_{table} VALUES (?)", df.select(col).iter_rows())  # noqa: S608
            cur.execute(_remove_sql(table, col, f"temp.gone_{table}"))
            cur.execute(f"DROP TABLE temp.gone_{table}")
        for table, df in todo:
            if table in in_stage:
                cur.execute(_upsert_sql(table, df.columns, keys[table],
                                        f"SELECT {', '.join(df.columns)} FROM stage.{table} WHERE true"))  # noqa: S608
            else:
                marks = ", ".join("?" for _ in df.columns)
                sql = _upsert_sql(table, df.columns, keys[table], f"VALUES ({marks})")
                cur.executemany(sql, _to_sql(df, "sqlite").iter_rows())
            written[table] = df.height
            if after_table:
                after_table(table)
        cur.execute("COMMIT")
    except BaseException as err:
        if dbapi.in_transaction:  # a lock never taken leaves nothing to roll back
            cur.execute("ROLLBACK")
        problem = explain(err, store.url) if isinstance(err, Exception) else None
        if problem is not None:
            raise problem from None
        raise
    finally:
        if attached:
            cur.execute("DETACH DATABASE stage")
        cur.close()
        dbapi.isolation_level = old
        raw.close()
    return written


def _write_adbc(store: Store, todo: list[tuple[str, pl.DataFrame]], keys: Mapping[str, tuple[str, ...]],
                after_table: Callable[[str], None] | None, clear: list[str], gone: Gone) -> dict[str, int]:
    conn = store.adbc_connect()
    written: dict[str, int] = {}
    try:
        cur = conn.cursor()
        for sql in clear:
            cur.execute(sql)
        for table, df in gone:
            col = _word(df.columns[0])
            cur.execute(f"DROP TABLE IF EXISTS gone_{table}")
            cur.adbc_ingest(f"gone_{table}", df.select(col).to_arrow(), mode="create", temporary=True)
            cur.execute(_remove_sql(table, col, f"gone_{table}"))
            cur.execute(f"DROP TABLE gone_{table}")
        for table, df in todo:
            stage = f"stage_{table}"
            cur.execute(f"DROP TABLE IF EXISTS {stage}")
            cur.adbc_ingest(stage, df.to_arrow(), mode="create", temporary=True)
            cur.execute(_upsert_sql(table, df.columns, keys[table],
                                    f"SELECT {', '.join(df.columns)} FROM {stage} WHERE true"))  # noqa: S608
            cur.execute(f"DROP TABLE {stage}")
            written[table] = df.height
            if after_table:
                after_table(table)
        cur.close()
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()
    return written
