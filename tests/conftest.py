"""Shared fixtures: stores on SQLite and on a real PostgreSQL, the tiny dataset, snapshots."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests import pg

FIXTURES = Path(__file__).parent / "fixtures"
CONTRACT_TABLES = ["nodes", "carriers", "orders", "order_lines", "shipments", "tracking_events",
                   "exceptions", "notifications", "contacts"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-golden", action="store_true",
                     help="Rewrite the golden KPI tables from the current code (review the diff!).")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what needs more than this process: a PostgreSQL cluster, Chromium, or the four-engine suite
    (Spark, PostgreSQL). `make check` leaves those out; `make test` runs everything."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        param = getattr(getattr(item, "callspec", None), "params", {})
        if "pg_admin" in names or param.get("store_url") == "postgres":
            item.add_marker(pytest.mark.postgres)
        if "/tests/engines/" in str(item.path):
            item.add_marker(pytest.mark.engines)


def fresh_settings() -> None:
    """The next command reads WISMO_* again (the CLI reads its settings and opens its store once)."""
    from wismo import context

    context.settings.cache_clear()
    context.store.cache_clear()


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes to ./data: the configured store and rejects live in the test's folder."""
    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite:///{tmp_path}/env-store.db")
    monkeypatch.setenv("WISMO_REJECTS_DIR", str(tmp_path / "rejects"))
    monkeypatch.setattr("governance.audit.DEFAULT_FOLDER", tmp_path / "audit")  # a PostgreSQL store's audit key
    fresh_settings()


@pytest.fixture(autouse=True, scope="session")
def _page_errors_in_full() -> None:
    """A failing page test shows its traceback (users get "none", see .streamlit/config.toml)."""
    from streamlit import config

    config.set_option("client.showErrorDetails", "full")


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[str]:
    with pg.cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/store.db"
    else:
        with pg.database(request.getfixturevalue("pg_admin")) as url:
            yield url


@pytest.fixture
def store(store_url: str):  # type: ignore[no-untyped-def]
    from store import open_store

    s = open_store(store_url)
    yield s
    s.engine.dispose()


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A copy of the tiny valid dataset, free to be spoiled by the test."""
    dst = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", dst)
    return dst


def snapshot(store) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    """Every row of every contract table, sorted: equal snapshots mean an unchanged store."""
    out = {}
    with store.engine.connect() as conn:
        for t in CONTRACT_TABLES:
            rows = conn.execute(text(f"SELECT * FROM {t}")).all()  # noqa: S608
            out[t] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def edit_csv(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell (``row`` is the 1-based data row) of a CSV file."""
    import csv

    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows[row][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
