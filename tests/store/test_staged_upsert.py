"""Large SQLite upserts are staged by ADBC in another process and applied with INSERT … SELECT … ON CONFLICT inside
the store's transaction. Forced here on the tiny dataset (every table staged): the store holds exactly what the
row-by-row path writes, a second load of changed rows updates them, and a failure inside the transaction leaves
the store as it was."""

from __future__ import annotations

import datetime as dt

import pytest

from services.loading import load
from store import bulk, open_store
from tests.conftest import snapshot

AS_OF = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)


@pytest.fixture
def two_stores(tmp_path):  # type: ignore[no-untyped-def]
    return open_store(f"sqlite:///{tmp_path}/rows.db"), open_store(f"sqlite:///{tmp_path}/staged.db")


def test_staged_rows_equal_row_by_row_rows(two_stores, tiny, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    rows, staged = two_stores
    assert load(tiny, rows, user="t", as_of=AS_OF, rejects_dir=tmp_path).landed
    monkeypatch.setattr(bulk, "STAGE_ROWS", 1)
    assert load(tiny, staged, user="t", as_of=AS_OF, rejects_dir=tmp_path).landed
    assert snapshot(staged) == snapshot(rows)
    # the same files again change nothing; a changed row is updated, not duplicated
    assert load(tiny, staged, user="t", as_of=AS_OF, rejects_dir=tmp_path).landed
    assert snapshot(staged) == snapshot(rows)
    orders = (tiny / "orders.csv").read_text().splitlines()
    first = orders[1].split(",")
    first[2] = "app" if first[2] != "app" else "web"
    (tiny / "orders.csv").write_text("\n".join([orders[0], ",".join(first), *orders[2:]]) + "\n")
    assert load(tiny, staged, user="t", as_of=AS_OF, rejects_dir=tmp_path).landed
    with staged.engine.connect() as conn:
        got = conn.exec_driver_sql("SELECT channel, count(*) FROM orders WHERE order_id = ?", (first[0],)).one()
    assert got == (first[2], 1)


def test_a_failure_after_a_staged_table_leaves_the_store_as_it_was(two_stores, tiny, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    _, staged = two_stores
    monkeypatch.setattr(bulk, "STAGE_ROWS", 1)
    assert load(tiny, staged, user="t", as_of=AS_OF, rejects_dir=tmp_path).landed
    before = snapshot(staged)
    frames = {t: bulk.read_table(staged, t) for t in ("orders", "contacts")}
    frames["orders"] = frames["orders"].with_columns(channel=frames["orders"]["channel"].str.replace(r".*", "phone"))

    def die(table: str) -> None:
        if table == "orders":
            raise RuntimeError("the disk filled up")
    with pytest.raises(RuntimeError, match="disk"):
        bulk.write(staged, frames, {"orders": ("order_id",), "contacts": ("contact_id",)}, ["orders", "contacts"],
                   after_table=die)
    assert snapshot(open_store(str(staged.url))) == before
