"""Incremental refresh equals a full refresh (issue 17, part 4).

A dataset is split at a random time into a base and a later delta, the way a daily extract arrives: rows
that appeared after the split, the rows that changed after it (a shipment shipped or delivered, a line's
outcome, an exception or contact resolved, an order cancelled: the base holds them as they stood), and a
random share of late rows (tracking scans, contacts, notices, exceptions, lines that arrive days after their
time). One store loads the base, refreshes at ``a0``, loads the delta and refreshes at ``a1 ≥ a0``
incrementally; the figures it holds must equal a full refresh of the same store at ``a1``: every KPI, grain,
cut and period, every cause and drill-down fact, on polars and on DuckDB.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.settings import EngineConfig
from services.demo import DemoConfig, generate, split
from services.loading import load
from services.refresh import refresh
from store import bulk, frames, open_store, queries
from store.db import Store

CFG = DemoConfig(orders=900, weeks=14, seed=11)
FIGURES = {"kpi_cube": ("kpi", "grain", "dimension", "dimension_value", "period_start"),
           "contact_causes": ("contact_id",), "contact_states": ("contact_id",),
           "carrier_latency": ("grain", "carrier_id", "period_start"), "exception_facts": ("exception_id",),
           "feed_conflicts": ("shipment_id",), "message_checks": ("notification_id",)}
@pytest.fixture(scope="module")
def data() -> dict[str, pl.DataFrame]:
    return generate(CFG)


def write(frames: dict[str, pl.DataFrame], folder: Path) -> Path:
    folder.mkdir(parents=True)
    for table, df in frames.items():
        if df.height:
            df.write_parquet(folder / f"{table}.parquet")
    return folder


def figures(store: Store) -> dict[str, pl.DataFrame]:
    out = {}
    for table, key in FIGURES.items():
        df = bulk.read_sql(store, f"SELECT * FROM {table}").drop("run_id")  # noqa: S608 - fixed names
        out[table] = df.sort(list(key))
    return out


def assert_frames_are_the_tables(store: Store) -> None:
    """The newest run's figure frames (what the pages read) equal the tables they stand for, row for row."""
    run = queries.latest_run(store)
    assert run is not None
    kept = frames.read_run(store, run.run_id)
    assert kept is not None
    whole = frames.from_store(store)  # the tables, read by SQL
    for name, key in frames.KEYS.items():
        assert kept[name].schema == whole[name].schema, name
        assert kept[name].sort(list(key)).equals(whole[name].sort(list(key))), name


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(split_day=st.integers(10, 95), split_hour=st.integers(0, 23), late=st.sampled_from([0.0, 0.05, 0.3]),
       late_days=st.sampled_from([1.0, 4.0, 60.0]),
       a0_after=st.integers(0, 30), a1_after=st.sampled_from([0, 1, 5, 26, 24 * 8]), seed=st.integers(0, 99))
def test_incremental_equals_full(data, tmp_path_factory, engine, split_day, split_hour, late, a0_after,
                                 a1_after, late_days, seed):
    at = CFG.start_at + dt.timedelta(days=split_day, hours=split_hour)
    a0 = at + dt.timedelta(hours=a0_after)
    a1 = a0 + dt.timedelta(hours=a1_after)
    base, delta = split(data, at, late, late_days, seed)
    work = tmp_path_factory.mktemp("inc")
    store = open_store(f"sqlite:///{work / 'store.db'}")
    eng = EngineConfig(name=engine)
    try:
        assert load(write(base, work / "base"), store, user="t", as_of=a0, rejects_dir=work / "r").landed
        first = refresh(store, eng, as_of=a0)
        assert first.recomputed_from is None  # no figures yet: a full refresh
        if any(df.height for df in delta.values()):
            got = load(write(delta, work / "delta"), store, user="t", as_of=a1, rejects_dir=work / "r")
            assert got.landed, got.report.findings
        inc = refresh(store, eng, as_of=a1)
        assert inc.recomputed_from is not None, inc.why_full
        assert_frames_are_the_tables(store)
        incremental = figures(store)
        full = refresh(store, eng, as_of=a1, full=True)
        assert full.recomputed_from is None
        assert_frames_are_the_tables(store)
        everything = figures(store)
    finally:
        store.engine.dispose()
    for table in FIGURES:
        assert incremental[table].equals(everything[table]), (
            table, incremental[table].join(everything[table], on=list(incremental[table].columns), how="anti"),
            everything[table].join(incremental[table], on=list(everything[table].columns), how="anti"))


LONG = DemoConfig(orders=700, weeks=16, seed=3)


@pytest.fixture(scope="module")
def long_data() -> dict[str, pl.DataFrame]:
    return generate(LONG)


def test_a_daily_delta_recomputes_recent_periods_only_on_both_stores(long_data, store_url, store, tmp_path):
    """One day's delta late in sixteen weeks: the figures equal a full refresh's, on SQLite and PostgreSQL;
    every period before the cutoff kept the previous run's rows; metric_runs says from when it recomputed."""
    a1 = LONG.as_of
    a0 = a1 - dt.timedelta(days=1)
    base, delta = split(long_data, a0, late=0.05, late_days=2.0, seed=1)
    eng = EngineConfig(name="polars")
    assert load(write(base, tmp_path / "base"), store, user="t", as_of=a0, rejects_dir=tmp_path / "r").landed
    first = refresh(store, eng, as_of=a0)
    assert load(write(delta, tmp_path / "delta"), store, user="t", as_of=a1, rejects_dir=tmp_path / "r").landed
    inc = refresh(store, eng, as_of=a1)
    assert inc.recomputed_from is not None, inc.why_full
    scopes = bulk.read_sql(store, "SELECT scope, touched_from FROM load_runs ORDER BY finished_at",
                           {"touched_from": pl.Datetime("us", "UTC")})
    assert scopes["scope"].to_list() == ["all", "orders"]  # the base brought the nodes and carriers
    stamps = [df[c].cast(pl.Datetime("us", "UTC")).min() for df in delta.values() for c, t in df.schema.items()
              if isinstance(t, pl.Datetime) or t == pl.Date]
    assert scopes["touched_from"][1] == min(s for s in stamps if s is not None)
    assert inc.recomputed_from > LONG.start_at + dt.timedelta(weeks=8)  # most of the history was kept
    cube = bulk.read_sql(store, "SELECT grain, period_start, run_id FROM kpi_cube", {"period_start": pl.Date()})
    old = cube.filter(pl.col("period_start") < pl.lit(inc.recomputed_from.date() - dt.timedelta(days=31)))
    assert old.height > 1000 and set(old["run_id"]) == {first.run_id}
    assert set(cube.filter(pl.col("period_start") >= pl.lit(a0.date()))["run_id"]) == {inc.run_id}
    runs = bulk.read_sql(store, "SELECT run_id, recomputed_from FROM metric_runs ORDER BY started_at")
    assert runs["recomputed_from"].to_list()[0] is None and runs["recomputed_from"].to_list()[1] is not None
    assert_frames_are_the_tables(store)
    incremental = figures(store)
    refresh(store, eng, as_of=a1, full=True)
    everything = figures(store)
    for table in FIGURES:
        assert incremental[table].equals(everything[table]), table


def test_what_forces_a_full_refresh(long_data, tmp_path):
    """No figures yet, the as-of moved back, the rules changed, a load that changed a carrier: each recomputes
    everything, and says why."""
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    eng = EngineConfig(name="polars")
    a0 = LONG.as_of - dt.timedelta(days=2)
    base, delta = split(long_data, a0)
    assert load(write(base, tmp_path / "base"), store, user="t", as_of=a0, rejects_dir=tmp_path / "r").landed
    assert "no figures yet" in refresh(store, eng, as_of=a0).why_full
    assert "moved back" in refresh(store, eng, as_of=a0 - dt.timedelta(hours=1)).why_full
    assert refresh(store, eng, as_of=a0).recomputed_from is not None  # nothing new, as-of forward again
    from governance.identity import Actor
    from governance.service import Governance

    Governance(store, Actor("ana", "admin")).set_thresholds(stale_scan_hours=60, reason="peak")
    assert "rules changed" in refresh(store, eng, as_of=a0).why_full
    carriers = base["carriers"].with_columns(activation_sla_hours=pl.lit(30.0))
    assert load(write({"carriers": carriers}, tmp_path / "carriers"), store, user="t", as_of=a0,
                rejects_dir=tmp_path / "r").landed
    assert "carrier" in refresh(store, eng, as_of=a0).why_full
    touched = bulk.read_sql(store, "SELECT scope FROM load_runs ORDER BY finished_at")["scope"].to_list()
    assert touched == ["all", "all"]  # the first load brought new nodes and carriers, the second changed one
    store.engine.dispose()


def test_a_first_load_refreshes_from_its_own_rows(tiny, tmp_path):
    """Into an empty store, the load hands what it wrote to the refresh instead of reading it back; the
    figures equal those of a refresh that reads the store; a second load reads the store as usual."""
    from services.loading import load_and_refresh

    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    eng = EngineConfig(name="polars")
    as_of = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
    got = load_and_refresh(tiny, store, user="t", engine=eng, as_of=as_of, rejects_dir=tmp_path / "r")
    assert got.refresh is not None and got.refresh.why_full == "the first load's rows, as loaded"
    handed = figures(store)
    refresh(store, eng, as_of=got.refresh.as_of, full=True)
    assert all(handed[t].equals(figures(store)[t]) for t in FIGURES)
    again = load_and_refresh(tiny, store, user="t", engine=eng, as_of=as_of, rejects_dir=tmp_path / "r")
    assert again.refresh is not None and again.refresh.why_full != "the first load's rows, as loaded"
    store.engine.dispose()
