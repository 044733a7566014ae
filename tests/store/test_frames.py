"""The figure frames a refresh keeps for the pages (store/frames.py): every reader gives the same frame from
them as from the tables, on SQLite and PostgreSQL; a refresh writes them and a load records its newest scan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from sqlalchemy import text

from core.settings import EngineConfig
from services.demo import DemoConfig, generate
from services.loading import load
from services.refresh import refresh
from store import frames, queries

CFG = DemoConfig(orders=400, weeks=6, seed=5)


def _readers(store) -> dict[str, object]:  # type: ignore[no-untyped-def]
    some = queries.message_checks(store)["order_id"][0]
    carrier = queries.feed_conflicts(store)["carrier_id"][0]
    out: dict[str, object] = {f"kpi {g} {d}": queries.kpi_rows(store, g, d) for g in ("day", "week", "month")
                              for d in ("all", "node", "carrier", "channel")}
    out |= {"kpi one node": queries.kpi_rows(store, "week", "node", queries.dimension_values(store)["node"][0]),
            "latency": queries.carrier_latency(store, "week"), "causes": queries.cause_contacts(store),
            "exceptions": queries.exception_facts(store), "care": queries.care_contacts(store),
            "conflicts": queries.feed_conflicts(store), "conflicts of a carrier": queries.feed_conflicts(
                store, carrier=carrier), "checks": queries.message_checks(store),
            "checks of an order": queries.message_checks(store, order_id=some),
            "dimension values": queries.dimension_values(store)}
    return out


def _same(a: object, b: object, ordered: bool) -> bool:
    if not isinstance(a, pl.DataFrame) or not isinstance(b, pl.DataFrame):
        return a == b
    if a.schema != b.schema:
        return False
    return a.equals(b) if ordered else a.sort(a.columns, nulls_last=True).equals(b.sort(b.columns, nulls_last=True))


def _demo(tmp_path: Path) -> tuple[dict[str, pl.DataFrame], Path]:
    data = generate(CFG)
    folder = tmp_path / "demo"
    folder.mkdir()
    for table, df in data.items():
        df.write_parquet(folder / f"{table}.parquet")
    return data, folder


def test_readers_give_the_same_from_frames_as_from_tables(store, tmp_path: Path) -> None:
    _, folder = _demo(tmp_path)
    assert load(folder, store, user="t", as_of=CFG.as_of, rejects_dir=tmp_path / "r").landed
    run = refresh(store, EngineConfig(name="polars"), as_of=CFG.as_of)
    kept = frames.read_run(store, run.run_id)
    assert kept is not None and set(kept) == set(frames.NAMES)
    assert kept["contact_causes"].height == run.causes > 0
    from_frames = _readers(store)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM figure_frames"))
    assert frames.read(store, "kpi_cube") is None
    from_tables = _readers(store)
    for name, got in from_frames.items():
        ordered = name.startswith(("conflicts", "checks"))  # the listings are newest first
        assert _same(got, from_tables[name], ordered), name
        if isinstance(got, pl.DataFrame):
            assert got.height > 0, name


def test_a_load_records_its_newest_scan(store, tmp_path: Path) -> None:
    data, folder = _demo(tmp_path)
    assert queries.newest_scan(store) is None
    assert load(folder, store, user="t", as_of=CFG.as_of, rejects_dir=tmp_path / "r").landed
    newest = data["tracking_events"]["received_at"].max()
    assert isinstance(newest, dt.datetime)
    assert queries.newest_scan(store) == newest
    with store.engine.connect() as conn:  # from the load's own record, not a scan of the events
        assert conn.execute(text("SELECT count(*) FROM load_runs WHERE newest_scan IS NOT NULL")).scalar() == 1
