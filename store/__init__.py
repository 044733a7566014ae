"""The store: SQLAlchemy models, Alembic migrations and bulk I/O for the contract tables.

Chosen by configuration (``WISMO_DATABASE_URL``); the default is SQLite in WAL mode.
"""

from store.db import Store, open_store, safe_url

__all__ = ["Store", "open_store", "safe_url"]
