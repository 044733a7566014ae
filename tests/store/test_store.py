"""The store: schema from migrations, models that mirror the contract, WAL, crash safety, readers."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import inspect, text

from core.contract import TABLES
from services.loading import counts, load
from store import open_store, safe_url
from store.models import CONTRACT_MODELS
from tests.conftest import snapshot

AS_OF = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)


def test_models_mirror_the_contract():
    """Every contract table has a model with the same columns, nullability and primary key."""
    assert set(CONTRACT_MODELS) == set(TABLES)
    for name, model in CONTRACT_MODELS.items():
        cols = model.__table__.columns
        assert [c.name for c in cols] == TABLES[name].names, name
        for c in TABLES[name].columns:
            assert cols[c.name].nullable == c.nullable, (name, c.name)
        assert tuple(k.name for k in model.__table__.primary_key.columns) == TABLES[name].key


def test_migrations_create_every_table(store):
    """A new store is migrated to head: contract tables plus load bookkeeping."""
    names = store.table_names()
    assert set(TABLES) | {"load_runs", "check_results", "rejected_rows", "alembic_version"} <= names
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_default_store_is_sqlite_in_wal_mode_under_data(tmp_path, monkeypatch):
    """With no configuration the store is ./data/wismo.db in WAL mode, created on first use."""
    from tests.conftest import fresh_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WISMO_DATABASE_URL")
    fresh_settings()
    from wismo.context import store

    s = store()
    assert Path(s.url.database) == tmp_path / "data" / "wismo.db"
    with s.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    assert "orders" in inspect(s.engine).get_table_names()


def test_url_password_is_masked():
    """The only printable form of a URL hides its password."""
    shown = safe_url("postgresql://wismo:s3cret@db.example:5432/wismo")
    assert "s3cret" not in shown and "***" in shown


def test_crash_mid_load_leaves_the_store_as_it_was(store_url, store, tiny, tmp_path):
    """A process that dies (os._exit) after writing some tables inside the load leaves no trace."""
    assert load(tiny, store, user="t", as_of=AS_OF, rejects_dir=tmp_path).landed
    before = snapshot(store)
    spoiled = tmp_path / "more"
    spoiled.mkdir()
    (spoiled / "orders.csv").write_text(
        "order_id,customer_id,channel,placed_at,promised_delivery_date,delivery_method,cancelled_at\n"
        "O9,K9,web,2026-03-04T09:00:00Z,2026-03-08,ship,\n")
    (spoiled / "contacts.csv").write_text(
        "contact_id,order_id,customer_id,channel,handled_by,reason,created_at,resolved_at,csat_score\n"
        "C9,O9,K9,chat,agent,order_status,2026-03-05T10:00:00Z,,\n")
    script = textwrap.dedent(f"""
        import datetime as dt, os
        from pathlib import Path
        from store import bulk, open_store
        from services.loading import load
        original = bulk.write
        def dying(store, frames, keys, order, after_table=None):
            def die(table):
                if table == "orders":
                    os._exit(9)  # the process dies inside the open transaction
            return original(store, frames, keys, order, after_table=die)
        bulk.write = dying
        load(Path({str(spoiled)!r}), open_store({store_url!r}), user="t",
             as_of=dt.datetime(2026, 3, 10, tzinfo=dt.UTC), rejects_dir=Path({str(tmp_path)!r}))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9, proc.stderr
    assert snapshot(open_store(store_url)) == before


def test_reader_never_sees_half_a_load(store_url, store, tmp_path):
    """While a large load runs in another process, a reader never errors and sees before or after."""
    from services.demo import DemoConfig, generate, write

    cfg = DemoConfig(orders=4000, weeks=6, seed=11)
    folder = tmp_path / "demo"
    write(generate(cfg), folder, "csv", cfg.seed)
    assert set(counts(store).values()) == {0}
    writer = subprocess.Popen(
        [sys.executable, "-m", "wismo.cli", "load", str(folder), "--as-of", cfg.as_of.isoformat()],
        env={**__import__("os").environ, "WISMO_DATABASE_URL": store_url},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = set()
    reader = open_store(store_url)
    while writer.poll() is None:
        seen.add(tuple(counts(reader).values()))
        time.sleep(0.01)
    out, err = writer.communicate()
    assert writer.returncode == 0, err
    after = tuple(counts(reader).values())
    assert after[2] == 4000
    assert seen <= {tuple([0] * len(TABLES)), after}, seen


def test_data_contract_doc_is_current():
    """docs/data-contract.md is what core/contract.py generates."""
    from core.contract import markdown

    assert (Path(__file__).parents[2] / "docs" / "data-contract.md").read_text() == markdown()


def test_bulk_reads_keep_types_when_a_column_starts_with_thousands_of_nulls(store, monkeypatch):
    """ADBC's SQLite driver guesses a column's type from the first rows: a cancelled_at that is empty for
    the first 3,000 orders and set later must still come back as timestamps, and the in-process fallback
    must give the same frame (SQLite; PostgreSQL reads by ADBC with the database's own types)."""
    import polars as pl

    from store import bulk

    n = 3_000
    orders = pl.DataFrame({
        "order_id": [f"O{i:05d}" for i in range(n + 2)], "customer_id": "C1", "channel": "web",
        "placed_at": [dt.datetime(2026, 3, 1, tzinfo=dt.UTC)] * (n + 2),
        "promised_delivery_date": [dt.date(2026, 3, 5)] * (n + 2), "delivery_method": "ship_to_home",
        "cancelled_at": [None] * n + [dt.datetime(2026, 3, 2, 10, 30, 0, 123456, tzinfo=dt.UTC)] * 2},
        schema_overrides={"cancelled_at": pl.Datetime("us", "UTC"), "placed_at": pl.Datetime("us", "UTC")})
    bulk.write(store, {"orders": orders}, {"orders": TABLES["orders"].key}, ["orders"])
    got = bulk.read_tables(store, ["orders"])["orders"].sort("order_id")
    assert got.schema == orders.schema
    assert got.equals(orders)
    if store.dialect == "sqlite":  # the other process itself, not its fallback
        from core.contract import contract_schema

        sql = f"SELECT {', '.join(contract_schema('orders'))} FROM orders"
        direct = bulk._unload(store, {"o": (sql, contract_schema("orders"))}, [])["o"]
        assert direct.sort("order_id").equals(orders)

        def refuse(*_a, **_k):  # type: ignore[no-untyped-def]
            raise RuntimeError("no other process")

        monkeypatch.setattr(bulk, "_unload", refuse)
        assert bulk.read_tables(store, ["orders"])["orders"].sort("order_id").equals(orders)
