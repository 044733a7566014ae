"""One definition, four engines: polars (in memory, and streaming from Parquet files), DuckDB, PySpark
(local mode) and pushed down into a real PostgreSQL must give identical numerators, denominators and
causes.

Every engine reads the same rows: the datasets are written to a throwaway PostgreSQL store (which the
pushdown engine computes in) and read back for the other three. The datasets:

- ``yearend``: demo data from 8 Dec 2025 over 5 weeks — ISO week 2026-W01 starts 29 Dec 2025 —
  written as CSV with contact times at −08:00 and scan times at +05:30, parsed as a load parses them;
- ``wismo``: the hand-worked KPI 1 fixture (tests/metrics/test_kpis.py), with a split order;
- ``causes``: one order per cause rule and precedence case (tests/metrics/test_causes.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from core.contract import TABLES
from metrics.catalogue import load_catalogue
from metrics.engine import Request, causes, compute, context
from metrics.portable import DuckDBBackend, PolarsBackend
from store import bulk, open_store
from tests import pg
from tests.pages.test_pages import make_store

KPIS = tuple(k.id for k in load_catalogue().kpis)
COLS = ["kpi", "period_start", "dimension", "dimension_value", "numerator", "denominator"]
YEAREND_CASES = [("week", "all"), ("week", "node"), ("week", "carrier"), ("week", "channel"), ("day", "all"),
                 ("month", "all")]
WISMO_CASES = [("week", "all"), ("week", "node"), ("week", "carrier"), ("week", "channel")]


def _yearend(tmp: Path) -> tuple[dict[str, pl.DataFrame], dt.datetime]:
    from services.demo import DemoConfig, generate, write
    from services.sources import read_folder

    cfg = DemoConfig(orders=500, weeks=5, seed=13, start=dt.date(2025, 12, 8))
    folder = tmp / "yearend"
    write(generate(cfg), folder, "csv", cfg.seed)
    for table, col, zone in (("contacts", "created_at", "America/Los_Angeles"),
                             ("tracking_events", "event_at", "Asia/Kolkata")):
        df = pl.read_csv(folder / f"{table}.csv", infer_schema=False)
        local = [dt.datetime.fromisoformat(v).astimezone(ZoneInfo(zone)).isoformat() for v in df[col]]
        df.with_columns(pl.Series(col, local)).write_csv(folder / f"{table}.csv")
    assert "-08:00" in (folder / "contacts.csv").read_text() and "+05:30" in (folder / "tracking_events.csv").read_text()
    return _fractions(read_folder(folder)), cfg.as_of - dt.timedelta(hours=5)


FRACTIONS = {"exceptions": ("opened_at", "resolved_at"), "tracking_events": ("event_at", "received_at"),
             "notifications": ("sent_at",), "shipments": ("delivered_at",), "contacts": ("created_at",)}


def _fractions(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Sub-second parts on both sides of .5 s (0.000137 … 0.999863, varying by row) on the times that ages,
    latencies and windows read: PostgreSQL's EXTRACT(SECOND) carries a fraction that a cast rounds."""
    out = dict(tables)
    for table, cols in FRACTIONS.items():
        frac = pl.duration(microseconds=(pl.int_range(pl.len()) * 274_863 + 137) % 1_000_000)
        out[table] = tables[table].with_columns([pl.col(c) + frac for c in cols])
    return out


def _subsecond() -> tuple[dict[str, pl.DataFrame], dt.datetime]:
    """The hand-worked early-delivery, sub-second age and sub-second latency fixtures in one dataset."""
    from tests.metrics.test_kpis import EARLY, SUBSECOND_AGES
    from tests.metrics.test_supporting import SUBSECOND
    from tests.pages.test_pages import fixture_frames

    base = fixture_frames()
    merged = {t: pl.concat([d[t] for d in (EARLY, SUBSECOND_AGES, SUBSECOND, {"orders": base["orders"]}) if t in d])
              for t in ("orders", "shipments", "tracking_events", "exceptions")}
    merged["orders"] = merged["orders"].unique("order_id", keep="first").sort("order_id")
    return {"nodes": base["nodes"], "carriers": base["carriers"]} | merged, dt.datetime(2026, 1, 10, tzinfo=dt.UTC)


def _datasets(tmp: Path) -> dict[str, tuple[dict[str, pl.DataFrame], dt.datetime]]:
    from tests.metrics.test_causes import ALL, AS_OF
    from tests.metrics.test_kpis import WISMO
    from tests.pages.test_pages import fixture_frames

    return {"yearend": _yearend(tmp), "wismo": (WISMO | fixture_frames(), dt.datetime(2026, 1, 10, tzinfo=dt.UTC)),
            "causes": (ALL, AS_OF), "subsecond": _subsecond()}


@pytest.fixture(scope="module")
def stores(pg_admin, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Each dataset in its own PostgreSQL database, and the rows as read back (every engine's input)."""
    out = {}
    with pg.database(pg_admin) as a, pg.database(pg_admin) as b, pg.database(pg_admin) as c, \
            pg.database(pg_admin) as d:
        for (name, (frames, as_of)), url in zip(_datasets(tmp_path_factory.mktemp("engines")).items(), (a, b, c, d),
                                               strict=True):
            make_store(url, {t: df for t, df in frames.items() if t in TABLES}, as_of=as_of.strftime("%Y-%m-%d %H:%M"))
            store = open_store(url)
            out[name] = (url, {t: bulk.read_table(store, t) for t in TABLES}, as_of)
            store.engine.dispose()
        yield out


@pytest.fixture(scope="module")
def spark():  # type: ignore[no-untyped-def]
    from metrics.spark import SparkBackend

    be = SparkBackend(master="local[2]", conf={"spark.sql.shuffle.partitions": "2"})
    yield be
    be.spark.stop()


def _engine(name: str, url: str, spark_backend, tables=None, tmp: Path | None = None):  # type: ignore[no-untyped-def]
    if name == "duckdb":
        return DuckDBBackend()
    if name == "polars-streaming":  # the tables as Parquet files, scanned in place; derived facts on disk
        assert tables is not None and tmp is not None
        for t, df in tables.items():
            df.write_parquet(tmp / f"{t}.parquet")
        return PolarsBackend(parquet_folder=tmp)
    if name == "spark":
        return spark_backend
    from metrics.pushdown import PushdownBackend

    return PushdownBackend(url)


def _run(name: str, url: str, tables, as_of, spark_backend, grain: str, cut: str,  # type: ignore[no-untyped-def]
         tmp: Path) -> pl.DataFrame:
    be = _engine(name, url, spark_backend, tables, tmp)
    try:
        ctx = context(None if name == "pushdown" else tables, as_of, grain, backend=be)
        return compute(ctx, Request(as_of=as_of, grain=grain, cut=cut, kpis=KPIS)).select(COLS)
    finally:
        if name == "pushdown":
            be.close()


ENGINES = ["duckdb", "polars-streaming", pytest.param("spark", marks=pytest.mark.xdist_group("spark")),  # one Spark session
           pytest.param("pushdown", marks=pytest.mark.xdist_group("pushdown"))]
CASES = ([("yearend", g, c) for g, c in YEAREND_CASES] + [("wismo", g, c) for g, c in WISMO_CASES]
         + [("subsecond", "week", "all"), ("subsecond", "week", "carrier")])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("dataset", "grain", "cut"), CASES, ids=[f"{d}-{g}-{c}" for d, g, c in CASES])
def test_every_kpi_identical(stores, spark, engine, dataset, grain, cut, tmp_path):
    url, tables, as_of = stores[dataset]
    reference = compute(tables, Request(as_of=as_of, grain=grain, cut=cut, kpis=KPIS),
                        backend=PolarsBackend()).select(COLS)
    got = _run(engine, url, tables, as_of, spark, grain, cut, tmp_path)
    assert reference.height > 0
    if dataset == "yearend":
        assert set(reference["kpi"]) == set(KPIS)  # every catalogue KPI has figures to compare
    assert got.equals(reference), got.join(reference, on=COLS, how="anti").head(10)
    if dataset == "yearend" and grain == "week":
        assert dt.date(2025, 12, 29) in reference["period_start"].to_list()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dataset", ["causes", "yearend", "wismo"])
def test_every_cause_identical(stores, spark, engine, dataset, tmp_path):
    url, tables, as_of = stores[dataset]
    reference = causes(tables, as_of, backend=PolarsBackend())
    be = _engine(engine, url, spark, tables, tmp_path)
    try:
        got = causes(context(None if engine == "pushdown" else tables, as_of, backend=be), as_of)
    finally:
        if engine == "pushdown":
            be.close()
    assert reference.height > 0 and got.equals(reference)
    if dataset == "causes":
        assert len(set(reference["cause"])) >= 7  # every rule fires in the causes fixture


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dataset", ["yearend", "subsecond"])
def test_drill_down_facts_identical(stores, spark, engine, dataset, tmp_path):
    """What the refresh writes beside the cube — each contact's cause with its order's node, carrier and
    channel, each exception's hours to its first notice, and feed-latency quantiles per carrier and week
    (ranked in the engine) — the same everywhere, to the microsecond."""
    from metrics.supporting import contact_causes, event_latency, exception_facts

    url, tables, as_of = stores[dataset]
    ref_ctx = context(tables, as_of, backend=PolarsBackend())
    reference = (contact_causes(ref_ctx), event_latency(ref_ctx), exception_facts(ref_ctx))
    be = _engine(engine, url, spark, tables, tmp_path)
    try:
        ctx = context(None if engine == "pushdown" else tables, as_of, backend=be)
        got = (contact_causes(ctx), event_latency(ctx), exception_facts(ctx))
    finally:
        if engine == "pushdown":
            be.close()
    if dataset == "yearend":
        assert reference[0].height > 50 and reference[1].height > 10 and reference[2].height > 20
        assert reference[2]["hours_to_notice"].drop_nulls().len() > 10
    assert got[0].equals(reference[0])
    assert got[2].equals(reference[2]), got[2].join(reference[2], on=list(reference[2].columns), how="anti")
    assert got[1].drop("p50_hours", "p90_hours").equals(reference[1].drop("p50_hours", "p90_hours"))
    for col in ("p50_hours", "p90_hours"):  # the same ranks; the last bits of a float may differ by engine
        assert (got[1][col] - reference[1][col]).abs().max() < 1e-9  # type: ignore[operator]
