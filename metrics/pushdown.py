"""Pushdown: the same narwhals definitions computed inside PostgreSQL, through SQLFrame (a PySpark
DataFrame API that writes SQL). The contract tables are read where they are; each derived fact is
kept in a temporary table in the database; only small results (the KPI figures, causes, facts the
dashboard reads) come back to Python.

Derived facts are kept as unlogged tables in a schema of their own (``wismo_run_<id>``), dropped
when the backend is closed: SQLFrame resolves columns through the catalog, which does not show
another session's view of temporary tables reliably.

Two gaps closed here: SQLFrame's PostgreSQL session has no Spark conf, so narwhals cannot ask it for
the session time zone (the connection is set to UTC and the session says so); and it cannot hand
results over as Arrow, so results are read with the SQL it generates.
"""

from __future__ import annotations

import itertools
import time
import types
import uuid
from urllib.parse import unquote, urlsplit

import narwhals as nw
import polars as pl

from metrics.portable import Frame, lazy

_ids = itertools.count(1)


class PushdownBackend:
    name = "pushdown"

    def __init__(self, url: str, materialise: bool = True, schema: str = "public") -> None:
        u = urlsplit(url)
        backend = u.scheme.split("+")[0]
        if backend not in ("postgresql", "postgres"):
            raise ValueError(f"pushdown computes inside PostgreSQL; the store is {backend or url!r}")
        import psycopg2  # optional heavy dependencies (the pushdown extra)
        from sqlframe.base.session import _BaseSession  # (the pushdown extra)
        from sqlframe.postgres import PostgresSession  # (the pushdown extra)

        self.conn = psycopg2.connect(host=u.hostname, port=u.port or 5432, dbname=unquote(u.path.lstrip("/")),
                                     user=unquote(u.username or ""), password=unquote(u.password or ""))
        self.conn.autocommit = True
        with self.conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
        _BaseSession._instance = None  # SQLFrame keeps one session per process: this backend gets its own
        self.session = PostgresSession(conn=self.conn)
        self.session.conf = types.SimpleNamespace(get=lambda key, default=None: "UTC")
        self.schema = schema  # where the store's tables are (names are schema-qualified throughout)
        self.keep = materialise
        self.sql_seconds = 0.0
        self.work = f"wismo_run_{uuid.uuid4().hex[:10]}"
        if materialise:
            with self.conn.cursor() as cur:
                cur.execute(f"CREATE SCHEMA {self.work}")

    def table(self, name: str) -> Frame | None:
        return lazy(self.session.read.table(f"{self.schema}.{name}"))

    def frame(self, df: pl.DataFrame) -> Frame:
        """Small frames only (the period calendar, the governed carriers): sent as VALUES, nulls as NULL."""
        ddl = ", ".join(f"{c} {_spark_type(t)}" for c, t in df.schema.items())
        return lazy(self.session.createDataFrame(df.rows(), schema=ddl))

    def sql(self, lf: Frame) -> str:
        # unoptimised: SQLFrame's optimiser inlines constant columns into GROUP BY, which PostgreSQL refuses
        return str(lf.to_native().sql(dialect="postgres", optimize=False, pretty=False))

    def collect(self, lf: Frame) -> pl.DataFrame:
        started = time.perf_counter()
        with self.conn.cursor() as cur:
            cur.execute(self.sql(lf))
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
        self.sql_seconds += time.perf_counter() - started
        if not rows:
            return pl.DataFrame(schema={n: _polars(t) for n, t in lf.collect_schema().items()})
        df = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
        if any(t == pl.Null for t in df.schema.values()):  # a column of nulls only: its type from the plan
            schema = lf.collect_schema()
            df = df.with_columns([pl.col(c).cast(_polars(schema[c])) for c, t in df.schema.items() if t == pl.Null])
        return df.with_columns([pl.col(c).dt.convert_time_zone("UTC") for c, t in df.schema.items()
                                if isinstance(t, pl.Datetime) and t.time_zone])

    def materialise(self, lf: Frame) -> Frame:
        """A derived fact used by many measures becomes a temporary table (dropped with the connection)."""
        if not self.keep:
            return lf
        name = f"{self.work}.fact_{next(_ids)}"
        with self.conn.cursor() as cur:
            cur.execute(f"CREATE UNLOGGED TABLE {name} AS {self.sql(lf)}")
            cur.execute(f"ANALYZE {name}")
        return lazy(self.session.read.table(name))

    def close(self) -> None:
        if not self.conn.closed:
            if self.keep:
                with self.conn.cursor() as cur:
                    cur.execute(f"DROP SCHEMA IF EXISTS {self.work} CASCADE")
            self.conn.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001,S110 - interpreter shutdown: the server drops nothing else
            pass


def _spark_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        return "timestamp"
    return {pl.Date: "date", pl.Boolean: "boolean", pl.Int64: "bigint", pl.Int32: "int", pl.Float64: "double",
            pl.UInt32: "bigint"}.get(dtype.base_type(), "string")


def _polars(dtype: object) -> pl.DataType:
    """The polars type of a narwhals column type (for an empty result)."""
    d = nw.dtypes
    if isinstance(dtype, d.Datetime):
        return pl.Datetime("us", "UTC")
    for nw_type, pl_type in ((d.Date, pl.Date()), (d.Boolean, pl.Boolean()), (d.String, pl.String()),
                             (d.Float64, pl.Float64()), (d.Float32, pl.Float64())):
        if isinstance(dtype, nw_type):
            return pl_type
    if dtype.is_integer():  # type: ignore[attr-defined]  # the narwhals dtype class has it; its stub does not
        return pl.Int64()
    return pl.String()
