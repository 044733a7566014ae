"""Opening the store: URL from settings, SQLite WAL pragmas, migrations on first use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url

from store.errors import BUSY_SECONDS, explain

MIGRATIONS = Path(__file__).parent / "migrations"


def safe_url(url: str | URL) -> str:
    """The URL with its password masked: the only form that may reach output or logs."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


@dataclass
class Store:
    """A migrated database reached by SQLAlchemy (schema, app queries) and ADBC (bulk I/O)."""

    url: URL
    engine: Engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        return safe_url(self.url)

    def adbc_connect(self) -> Any:
        """A new ADBC DB-API connection (autocommit off: one transaction until commit).

        PostgreSQL only: SQLite stays on Python's own sqlite3 (see store/bulk.py)."""
        if self.dialect == "postgresql":
            import adbc_driver_postgresql.dbapi as adbc_pg  # loads the libpq driver: only on PostgreSQL

            libpq = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            return adbc_pg.connect(libpq)
        raise NotImplementedError(f"bulk I/O is implemented for sqlite and postgresql, not {self.dialect}")

    def table_names(self) -> set[str]:
        return set(inspect(self.engine).get_table_names())


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op when it is there)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def schema_revision(store: Store) -> str | None:
    """The Alembic revision the store's schema is at."""
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def open_store(url: str | URL, *, migrate_schema: bool = True) -> Store:
    """Open (and on first use create and migrate) the store at ``url`` (the settings' database URL)."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        db = parsed.database
        if db and db != ":memory:":
            path = Path(db).expanduser().resolve()
            path.parent.mkdir(parents=True, exist_ok=True)
            parsed = parsed.set(database=str(path))
    elif parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate_schema:
        try:
            migrate(engine)
        except Exception as err:
            problem = explain(err, parsed)
            if problem is None:
                raise
            raise problem from None
    return Store(url=parsed, engine=engine)
