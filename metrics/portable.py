"""Engines behind one small interface, and the portable idioms every definition uses.

Definitions are written once in narwhals and run on polars (default), DuckDB, PySpark
(metrics/spark.py) and inside PostgreSQL (metrics/pushdown.py), in a portable style: timestamps compared with
``dt.offset_by`` (never durations), first-per-group via min aggregates, counts
via when/then, ISO weeks from day truncation and the weekday (never strftime),
durations as integer microseconds (exact).
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import narwhals as nw
import polars as pl

from core.contract import contract_schema

UTC_US = nw.Datetime("us", "UTC")
Frame: TypeAlias = "nw.LazyFrame[Any]"  # a lazy frame of any backend (narwhals)


class Backend(Protocol):
    name: str

    def table(self, name: str) -> Frame | None:
        """A contract table the engine already holds (a database, a catalog), or None: use ``frame``."""
        ...

    def frame(self, df: pl.DataFrame) -> Frame: ...

    def collect(self, lf: Frame) -> pl.DataFrame: ...

    def materialise(self, lf: Frame) -> Frame: ...


class PolarsBackend:
    """polars in this process. Given a Parquet folder, the contract tables are scanned where they are and
    every derived fact is streamed to a Parquet file of its own (polars' streaming engine) instead of
    held in memory: slower, but memory stays bounded by the largest join rather than the data."""

    name = "polars"

    def __init__(self, parquet_folder: Path | None = None, temp_directory: str | None = None) -> None:
        self.parquet = parquet_folder
        self._parent = temp_directory  # the run's own folder is made under it, and removed with this engine
        self._spill: tempfile.TemporaryDirectory[str] | None = None
        self._facts = 0

    def table(self, name: str) -> Frame | None:
        if self.parquet is None or not (self.parquet / f"{name}.parquet").exists():
            return None
        return typed(nw.from_native(pl.scan_parquet(self.parquet / f"{name}.parquet")), name)

    def frame(self, df: pl.DataFrame) -> Frame:
        return nw.from_native(df.lazy())

    def collect(self, lf: Frame) -> pl.DataFrame:
        return collect_polars(lf)

    def materialise(self, lf: Frame) -> Frame:
        if self.parquet is None:
            return nw.from_native(self.collect(lf).lazy())
        if self._spill is None:
            self._spill = tempfile.TemporaryDirectory(prefix="wismo-polars-", dir=self._parent)
        self._facts += 1
        path = Path(self._spill.name) / f"fact_{self._facts}.parquet"
        lf.to_native().sink_parquet(path)
        return nw.from_native(pl.scan_parquet(path))


class DuckDBBackend:
    """DuckDB in this process (one machine, larger-than-memory work); session time zone UTC."""

    name = "duckdb"
    filters_in_place = True  # a table read from Parquet is filtered where it lies, not copied (Context.known)

    def __init__(self, memory_limit: str | None = None, parquet_folder: Path | None = None,
                 temp_directory: str | None = None) -> None:
        import duckdb  # heavy: imported only when the DuckDB engine is chosen

        self.con = duckdb.connect()
        self.con.execute("SET TimeZone='UTC'")
        if memory_limit:
            self.con.execute(f"SET memory_limit='{memory_limit}'")
        # where DuckDB spills what does not fit: a folder of this run's own (under ``temp_directory``, else
        # the system's temporary folder), removed with this engine
        self._spill = tempfile.TemporaryDirectory(prefix="wismo-duckdb-", dir=temp_directory)
        self.con.execute(f"SET temp_directory='{self._spill.name}'")
        self.parquet = parquet_folder
        self._facts = 0

    def table(self, name: str) -> Frame | None:
        """With a Parquet folder, ``<table>.parquet`` is scanned where it is (typed as written; run
        ``wismo check`` on it first): larger-than-memory data never passes through Python."""
        if self.parquet is None:
            return None
        path = self.parquet / f"{name}.parquet"
        if not path.exists():
            return None
        return typed(nw.from_native(self.con.read_parquet(str(path))), name)

    def frame(self, df: pl.DataFrame) -> Frame:
        return nw.from_native(self.con.from_arrow(df.to_arrow()))

    def collect(self, lf: Frame) -> pl.DataFrame:
        return collect_polars(lf)

    def materialise(self, lf: Frame) -> Frame:
        """A derived fact becomes a DuckDB table: it never passes through Python, and DuckDB's buffer
        manager spills it to ``temp_directory`` when memory runs short."""
        self._facts += 1
        name = f"wismo_fact_{self._facts}"
        lf.to_native().create(name)
        return nw.from_native(self.con.table(name))


def lazy(native: object) -> Frame:
    """A backend's native lazy frame (Spark, SQLFrame, DuckDB …) as a narwhals one."""
    return nw.from_native(native)


def collect_polars(lf: Frame) -> pl.DataFrame:
    """A lazy frame of any backend, computed and handed over as a polars frame."""
    out: pl.DataFrame = lf.collect(backend="polars").to_native()
    return out


def typed(lf: Frame, table: str) -> Frame:
    """A table read where it lies (Parquet, a catalog) in the contract's column order and types; a
    missing optional column comes out null."""
    have = set(lf.collect_schema().names())
    return lf.select([nw.col(c).cast(_nw_type(t)) if c in have else nw.lit(None, dtype=_nw_type(t)).alias(c)
                      for c, t in contract_schema(table).items()])


def _nw_type(dtype: pl.DataType) -> nw.dtypes.DType:
    if isinstance(dtype, pl.Datetime):
        return UTC_US
    return {pl.Date: nw.Date(), pl.Boolean: nw.Boolean(), pl.Int64: nw.Int64(), pl.Float64: nw.Float64()}.get(
        dtype.base_type(), nw.String())


# ---- idioms ------------------------------------------------------------------------------------


def ts(value: dt.datetime) -> nw.Expr:
    """A UTC timestamp literal."""
    return nw.lit(value.astimezone(dt.UTC), dtype=UTC_US)


def seconds(hours: float) -> str:
    """An ``offset_by`` string for a number of hours (exact to the second)."""
    if not math.isfinite(hours):  # the load's checks and the governed settings refuse these; a store
        raise ValueError(f"{hours} hours is not a finite number of hours: an activation SLA or threshold "  # written
                         "in the store is invalid; correct it and reload")  # before they did may hold one
    return f"{round(hours * 3600)}s"


def plus_hours(col: nw.Expr, hours: float) -> nw.Expr:
    return col.dt.offset_by(seconds(hours))


def plus_hours_by(col: nw.Expr, hours_col: nw.Expr, values: Iterable[float]) -> nw.Expr:
    """``col`` plus a per-row number of hours taken from a small known set of values."""
    out: nw.Expr | None = None
    for v in sorted(set(values)):
        out = (nw.when(hours_col == v).then(plus_hours(col, v)) if out is None
               else nw.when(hours_col == v).then(plus_hours(col, v)).otherwise(out))
    assert out is not None
    return out


def period_start(col: nw.Expr, grain: str) -> nw.Expr:
    """The start of the UTC day, ISO week (Monday) or calendar month holding ``col``."""
    day = col.dt.truncate("1d")
    if grain == "day":
        return day
    if grain == "month":
        return col.dt.truncate("1mo")
    if grain == "week":
        wd = col.dt.weekday()  # Monday = 1 … Sunday = 7 — except on PySpark, where narwhals gives Sunday 0
        out = day
        for k in range(2, 8):
            out = nw.when(wd == k).then(day.dt.offset_by(f"-{k - 1}d")).otherwise(out)
        return nw.when(wd == 0).then(day.dt.offset_by("-6d")).otherwise(out)
    raise ValueError(f"unknown grain {grain!r} (day, week or month)")


def epoch_us(col: nw.Expr) -> nw.Expr:
    """Microseconds since 1970-01-01T00:00Z from calendar parts (UTC sessions), exact on every engine:
    PySpark has no ``dt.timestamp`` nor ``total_*`` durations, every backend has year, ordinal day and
    clock parts. The whole seconds come from the timestamp truncated to the second: PostgreSQL's
    ``EXTRACT(SECOND …)`` carries the fraction, which a cast to an integer would round."""
    y = col.dt.year().cast(nw.Int64)
    days = ((y - 1970) * 365 + (y - 1969) // 4 - (y - 1901) // 100 + (y - 1601) // 400
            + col.dt.ordinal_day().cast(nw.Int64) - 1)
    secs = ((days * 24 + col.dt.hour().cast(nw.Int64)) * 60 + col.dt.minute().cast(nw.Int64)) * 60 \
        + col.dt.truncate("1s").dt.second().cast(nw.Int64)
    return secs * 1_000_000 + col.dt.microsecond().cast(nw.Int64)


def micros_between(later: nw.Expr, earlier: nw.Expr) -> nw.Expr:
    """Microseconds from ``earlier`` to ``later`` (negative when ``later`` is earlier): exact, as the
    contract's timestamps carry microseconds. Null when either is null."""
    return (epoch_us(later) - epoch_us(earlier)).cast(nw.Int64)


def linear_quantiles(frame: Frame, keys: list[str], value: str,
                     quantiles: dict[str, tuple[int, int]]) -> Frame:
    """Per group of ``keys``: the count of non-null ``value`` (an integer column) as ``n`` and, for each
    ``name: (num, den)``, its quantile ``num/den`` with linear interpolation (polars' ``"linear"``: the
    position q·(n−1) between the two ranked values around it), computed where the data is — ranks over
    windows and integer positions, so every engine gives the same figure and only the groups come back."""
    v = nw.col(value)
    ranked = frame.filter(~v.is_null()).with_columns(
        _r=(v.rank(method="ordinal").over(*keys) - 1).cast(nw.Int64), _n=v.count().over(*keys).cast(nw.Int64))
    parts: list[nw.Expr] = [nw.col("_n").min().alias("n")]
    r, last = nw.col("_r"), nw.col("_n") - 1
    for name, (num, den) in quantiles.items():
        lo, rem = (last * num) // den, (last * num) % den
        parts += [nw.when(r == lo).then(v).max().alias(f"_{name}_lo"),
                  nw.when(r == lo + nw.when(rem > 0).then(1).otherwise(0)).then(v).max().alias(f"_{name}_hi"),
                  rem.min().alias(f"_{name}_rem")]
    out = ranked.group_by(*keys).agg(*parts)
    return out.with_columns([
        (nw.col(f"_{name}_lo").cast(nw.Float64) + (nw.col(f"_{name}_hi") - nw.col(f"_{name}_lo")).cast(nw.Float64)
         * nw.col(f"_{name}_rem").cast(nw.Float64) / den).alias(name)
        for name, (_, den) in quantiles.items()]).select(*keys, "n", *quantiles)


def exact_div(expr: pl.Expr, by: float) -> pl.Expr:
    """``expr / by``, correctly rounded value by value. Polars divides a column by a scalar through its
    reciprocal once the column has two values or more (one last bit off in about a quarter of the cases),
    so a figure would change in its last bit with the number of rows beside it — a month's backlog age
    computed with one period or with four. Null stays null."""
    def div(s: pl.Series) -> pl.Series:
        out = pl.Series(s.name, s.cast(pl.Float64).to_numpy() / by)
        return out.fill_nan(None) if s.null_count() else out

    return expr.map_batches(div, return_dtype=pl.Float64)


def flag(cond: nw.Expr) -> nw.Expr:
    """A condition as a 0/1 count (null counts as 0)."""
    return nw.when(cond).then(1).otherwise(0).cast(nw.Int64)


def start_of(t: dt.datetime, grain: str) -> dt.datetime:
    """The start of the UTC day, ISO week (Monday) or calendar month holding ``t`` (aware, UTC)."""
    t = t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)
    d = dt.datetime(t.year, t.month, t.day, tzinfo=dt.UTC)
    if grain == "week":
        return d - dt.timedelta(days=d.weekday())
    if grain == "month":
        return d.replace(day=1)
    return d


def calendar(first: dt.datetime, as_of: dt.datetime, grain: str) -> pl.DataFrame:
    """Every period from the one holding ``first`` to the one holding ``as_of``, with its
    snapshot time: the end of the period, or as-of if earlier."""
    def next_of(d: dt.datetime) -> dt.datetime:
        if grain == "month":
            return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return d + dt.timedelta(days=7 if grain == "week" else 1)

    starts, snaps = [], []
    p = start_of(first, grain)
    while p <= as_of:
        starts.append(p)
        snaps.append(min(next_of(p), as_of))
        p = next_of(p)
    return pl.DataFrame({"period_start": starts, "snapshot": snaps},
                        schema={"period_start": pl.Datetime("us", "UTC"), "snapshot": pl.Datetime("us", "UTC")})
