"""Measured steps, each run in its own process by ``benchmarks.run`` so that wall time and peak
memory belong to that step alone. Each prints one JSON line: seconds, peak_mb and its own figures."""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

import polars as pl


def pg_fill(folder: str, url: str) -> None:
    """Put the Parquet files' rows into a PostgreSQL store (bulk COPY, no checks): pushdown's input."""
    from core.contract import LOAD_ORDER, TABLES
    from store import bulk, open_store

    t = time.perf_counter()
    store = open_store(url)
    rows = 0
    for name in LOAD_ORDER:  # one table at a time: at 10M orders all of them at once would not fit in memory
        frame = pl.read_parquet(Path(folder) / f"{name}.parquet")
        bulk.write(store, {name: frame}, {name: TABLES[name].key}, [name])
        rows += frame.height
        del frame
    _emit(time.perf_counter() - t, rows=rows)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _emit(seconds: float, **figures: object) -> None:
    print(json.dumps({"seconds": round(seconds, 3), "peak_mb": round(_peak_mb(), 1), **figures}, default=str))


def demo(orders: int, out: str, fmt: str) -> None:
    from services.demo import DemoConfig, generate, write

    t = time.perf_counter()
    frames = generate(DemoConfig(orders=orders))
    gen = time.perf_counter() - t
    write(frames, Path(out), fmt)
    _emit(time.perf_counter() - t, generate_seconds=round(gen, 3), rows=sum(f.height for f in frames.values()))


def load(folder: str, url: str, as_of: str) -> None:
    from services.loading import load as run_load
    from store import open_store

    store = open_store(url)
    t = time.perf_counter()
    result = run_load(Path(folder), store, user="bench", as_of=dt.datetime.fromisoformat(as_of),
                      rejects_dir=Path(folder) / "rejects")
    seconds = time.perf_counter() - t
    assert result.landed, [f.message for f in result.report.blocking]
    _emit(seconds, rows=sum(result.written.values()))


def adbc_insert(folder: str, url: str) -> None:
    """The reference: the same typed rows bulk-inserted by ADBC into empty tables, no checks."""
    from core.contract import TABLES
    from core.dataset import ROW, discover, read_raw
    from data_checks.parse import parse_table

    frames = {s.table: parse_table(TABLES[s.table], read_raw(s), str(s.path))[0].drop(ROW) for s in discover(Path(folder))}
    if url.startswith("sqlite"):
        import adbc_driver_sqlite.dbapi as adbc

        conn = adbc.connect(url.split("///", 1)[1])
        frames = {k: v.with_columns([pl.col(c).dt.strftime("%Y-%m-%d %H:%M:%S%.6f") for c, d in v.schema.items()
                                     if isinstance(d, pl.Datetime)]) for k, v in frames.items()}
    else:
        import adbc_driver_postgresql.dbapi as adbc

        conn = adbc.connect(url)
    t = time.perf_counter()
    cur = conn.cursor()
    rows = 0
    for name, df in frames.items():
        cur.adbc_ingest(f"ref_{name}", df.to_arrow(), mode="create")
        rows += df.height
    conn.commit()
    _emit(time.perf_counter() - t, rows=rows)


def raw_ingest(folder: str, url: str) -> None:
    """The end-to-end reference of `wismo load` (issue 17): polars reads the nine CSVs as text and ADBC ingests
    them into new SQLite tables: no parsing, checks, keys or figures."""
    import adbc_driver_sqlite.dbapi as adbc

    t = time.perf_counter()
    conn = adbc.connect(url.split("///", 1)[1])
    cur = conn.cursor()
    rows = 0
    for path in sorted(Path(folder).glob("*.csv")):
        df = pl.read_csv(path, infer_schema=False)
        cur.adbc_ingest(f"raw_{path.stem}", df.to_arrow(), mode="create")
        rows += df.height
    conn.commit()
    _emit(time.perf_counter() - t, rows=rows)


def engine(folder: str, as_of: str, name: str, url: str = "") -> None:
    """All KPIs (week × node and week × carrier) plus causes: polars from the Parquet files read into
    memory, or streaming (scanning them, derived facts on disk); DuckDB and Spark scanning the Parquet
    files where they are, with the settings a user gives them (WISMO_DUCKDB_MEMORY_LIMIT,
    WISMO_SPARK_CONF); pushdown inside PostgreSQL (``url``, already holding the same rows)."""
    from core.contract import TABLES
    from core.settings import Settings
    from metrics.engine import Request, causes, compute, context
    from metrics.engines import open_backend
    from metrics.portable import PolarsBackend

    t = time.perf_counter()
    when = dt.datetime.fromisoformat(as_of)
    if name == "polars":
        tables = {n: pl.read_parquet(Path(folder) / f"{n}.parquet") for n in TABLES}
        ctx = context(tables, when, "week", backend=PolarsBackend())
    elif name == "polars-streaming":  # what WISMO_POLARS_STREAMING gives `--source FOLDER`
        ctx = context(None, when, "week", backend=PolarsBackend(parquet_folder=Path(folder)))
    else:  # as a user's settings open it
        be = open_backend(Settings().engine_config(name), source=url if name == "pushdown" else folder)
        ctx = context(None, when, "week", backend=be)
    rows = 0
    for cut in ("node", "carrier"):
        rows += compute(ctx, Request(as_of=when, grain="week", cut=cut)).height
    n_causes = causes(ctx, when).height
    _emit(time.perf_counter() - t, rows=rows, causes=n_causes)


def _duckdb_views(folder: str):  # type: ignore[no-untyped-def]  # a duckdb connection
    """A DuckDB connection (UTC) with a view per contract table over the folder's Parquet files."""
    import duckdb

    from core.contract import TABLES

    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    for n in TABLES:
        con.execute(f"CREATE VIEW {n} AS SELECT * FROM read_parquet('{Path(folder) / (n + '.parquet')}')")
    return con


def reference(folder: str, as_of: str, cuts: str = "node,carrier", avoidable: str = "yes") -> None:
    """The hand-written DuckDB SQL of the ten figures `wismo kpis` prints on the same files, for each cut
    (``avoidable`` "no": the nine without the avoidable share and the cause cascade it needs)."""
    from benchmarks import reference_sql

    t = time.perf_counter()
    con = _duckdb_views(folder)
    rows = sum(reference_sql.run(con, cut, dt.datetime.fromisoformat(as_of), avoidable == "yes").height
               for cut in cuts.split(","))
    _emit(time.perf_counter() - t, rows=rows)


def reference_causes(folder: str, as_of: str, out: str = "") -> None:
    """The hand-written DuckDB SQL of the causes on the same files (``out``: also write them, to compare)."""
    from benchmarks import reference_sql

    t = time.perf_counter()
    con = _duckdb_views(folder)
    got = reference_sql.causes(con, dt.datetime.fromisoformat(as_of))
    seconds = time.perf_counter() - t
    if out:
        got.write_csv(out)
    _emit(seconds, rows=got.height)


def pages(url: str, repeat: int) -> None:
    """Server-side time to render each page (AppTest runs the script as the server would)."""
    import os

    os.environ["WISMO_DATABASE_URL"] = url
    from streamlit.testing.v1 import AppTest

    app = str(Path(__file__).parents[1] / "app.py")
    names = ["overview", "drivers", "nodes", "carriers", "exceptions", "communication", "care", "data_quality",
             "order"]
    import streamlit as st

    times: dict[str, float] = {}
    cold: dict[str, float] = {}
    for name in names:
        st.cache_data.clear()  # the first visitor after a refresh: nothing cached yet
        runs = []
        for _ in range(repeat + 1):
            at = AppTest.from_file(app, default_timeout=120)
            t = time.perf_counter()
            at.run()  # the router's default page is the overview
            if name != "overview":
                t = time.perf_counter()
                at.switch_page(f"pages/{name}.py")
                at.run()
            runs.append(time.perf_counter() - t)
            assert not at.exception, (name, [e.message for e in at.exception])
        cold[name] = round(runs[0], 3)
        times[name] = round(min(runs[1:]), 3)
    _emit(sum(times.values()), pages=times, cold=cold)


def split_demo(orders: int, weeks: int, out: str) -> None:
    """A demo of ``weeks`` split one day before its as-of: base/ (what had arrived, as it stood) and delta/
    (the last day's new and changed rows), as Parquet."""
    from services.demo import DemoConfig, generate, split

    t = time.perf_counter()
    cfg = DemoConfig(orders=orders, weeks=weeks)
    base, delta = split(generate(cfg), cfg.as_of - dt.timedelta(days=1))
    for name, frames in (("base", base), ("delta", delta)):
        folder = Path(out) / name
        folder.mkdir(parents=True, exist_ok=True)
        for table, df in frames.items():
            if df.height:
                df.write_parquet(folder / f"{table}.parquet")
    _emit(time.perf_counter() - t, base=sum(f.height for f in base.values()),
          delta=sum(f.height for f in delta.values()), delta_orders=delta["orders"].height)


def refresh(url: str, as_of: str, mode: str) -> None:
    """One refresh (``mode`` full or auto: incremental where it can be)."""
    from core.settings import EngineConfig
    from services.refresh import refresh as run_refresh
    from store import open_store

    store = open_store(url)
    t = time.perf_counter()
    got = run_refresh(store, EngineConfig(name="polars"), as_of=dt.datetime.fromisoformat(as_of), full=mode == "full")
    seconds = time.perf_counter() - t
    _emit(seconds, recomputed_from=got.recomputed_from, why_full=got.why_full, figures=got.figures)


def dump(url: str, out: str) -> None:
    """The store's figures as Parquet files in ``out``, to compare two refreshes (a process of its own, so that
    a refresh's peak memory is its own)."""
    from store import bulk, open_store

    store = open_store(url)
    t = time.perf_counter()
    Path(out).mkdir(parents=True, exist_ok=True)
    for table in ("kpi_cube", "contact_causes", "contact_states", "carrier_latency", "exception_facts",
                  "feed_conflicts", "message_checks"):
        bulk.read_sql(store, f"SELECT * FROM {table}").drop("run_id").write_parquet(  # noqa: S608
            Path(out) / f"{table}.parquet")
    _emit(time.perf_counter() - t)


if __name__ == "__main__":
    step, *args = sys.argv[1:]
    {"demo": demo, "load": load, "adbc_insert": adbc_insert, "raw_ingest": raw_ingest, "engine": engine,
     "reference": reference, "reference_causes": reference_causes, "pg_fill": pg_fill,
     "pages": pages, "split_demo": split_demo, "refresh": refresh, "dump": dump}[step](*[int(a) if a.isdigit() else a for a in args])
