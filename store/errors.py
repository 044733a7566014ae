"""What went wrong with the store, in one line a person can act on.

The drivers' own errors are long (a connection failure is a hundred lines of traceback) and name no cause a
user knows. ``explain`` turns the two that happen in real use into one sentence — another writer holding
the lock, a database that cannot be reached — with the password hidden; anything else is not the store's to
explain and is returned as None.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL

BUSY_SECONDS = 30  # PRAGMA busy_timeout: how long a writer waits for another one (store/db.py)


class StoreError(RuntimeError):
    """The store could not be used; the message is one line and holds no secret."""


class StoreBusy(StoreError):
    """Another writer held the store's lock for longer than a writer waits."""


class StoreUnreachable(StoreError):
    """The database could not be reached (down, wrong host or port, refused credentials)."""


class WrittenMeanwhile(StoreError):
    """Another session wrote a row with the same key first; this transaction wrote nothing."""


_LOCKED = ("database is locked", "database table is locked")
_UNREACHABLE = ("could not connect", "connection refused", "connection to server", "could not translate host",
                "name or service not known", "timeout expired", "password authentication failed",
                "no password supplied", "does not exist", "unable to open database file", "server closed")


def _root(err: BaseException) -> BaseException:
    return err.orig if isinstance(err, sa_exc.DBAPIError) and err.orig is not None else err


def where(url: URL) -> str:
    """host:port of a server, or the file of an embedded store; with user and database, never the password."""
    if url.get_backend_name() == "sqlite":
        return f"the file {url.database}"
    host = f"{url.host or 'localhost'}:{url.port or 5432}"
    return f"{host} ({url.username or ''}@{url.host or 'localhost'}/{url.database or ''}, password hidden)"


def explain(err: BaseException, url: URL | None = None) -> StoreError | None:
    """The store's problem behind ``err`` in one line, or None when ``err`` is not a store problem."""
    if isinstance(err, StoreError):
        return err
    root = _root(err)
    text = str(root).lower()
    if isinstance(root, sqlite3.OperationalError | sa_exc.OperationalError) or "operationalerror" in type(
            root).__name__.lower() or type(root).__module__.startswith(("psycopg", "adbc")):
        if any(s in text for s in _LOCKED):
            return StoreBusy(f"the store is locked by another writer; waited {BUSY_SECONDS} s. Nothing was written: "
                             "run the command again when the other load or refresh has finished")
        if any(s in text for s in _UNREACHABLE):
            lines = [ln.strip() for ln in str(root).strip().splitlines() if ln.strip()]
            reason = lines[0].removeprefix("connection failed: ") if lines else type(root).__name__
            reason = reason.replace(url.password, "***") if url is not None and url.password else reason
            return StoreUnreachable(f"cannot reach the database at {where(url) if url else 'the configured URL'}: "
                                    f"{reason[:200]}")
    return None
