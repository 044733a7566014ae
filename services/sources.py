"""Where the engine's input comes from: a folder in the contract format, or a store.

Both give the nine contract tables as typed polars frames; the engine never sees a
database session.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from core.contract import TABLES
from core.dataset import ROW, FileProblem, discover, read_raw
from data_checks.parse import parse_table
from metrics.engines import holds_tables
from metrics.portable import Backend
from store import bulk, open_store


class SourceError(Exception):
    pass


def read_folder(folder: Path) -> dict[str, pl.DataFrame]:
    """Parse a folder's files into contract types (no load checks: use ``wismo check`` for those)."""
    out = {}
    try:
        files = discover(folder)
        for src in files:
            typed, findings = parse_table(TABLES[src.table], read_raw(src), str(src.path))
            bad = [f for f in findings if f.severity == "blocking" and not f.passed]
            if bad:
                f = bad[0]
                raise SourceError(f"{f.file}: row {f.rows[0]} column {f.column}: {f.message} ({f.values[0]!r}); "
                                  "run `wismo check` for the full report")
            out[src.table] = typed.drop(ROW)
    except FileProblem as p:
        raise SourceError(str(p)) from None
    return out


def read_store(url: str) -> dict[str, pl.DataFrame]:
    store = open_store(url)
    return {t: bulk.read_table(store, t) for t in TABLES}


def read(source: str | None, store_url: str) -> dict[str, pl.DataFrame]:
    """A folder path, a database URL, or (None) the store at ``store_url``."""
    if source and "://" not in source:
        path = Path(source)
        if not path.is_dir():
            raise SourceError(f"{source}: no such folder (give a folder of contract files or a database URL)")
        return read_folder(path)
    return read_store(source or store_url)


def inputs(be: Backend, source: str | None, store_url: str) -> dict[str, pl.DataFrame] | None:
    """What to hand the engine: nothing when it holds every table itself, else the tables read from
    ``source`` (a folder, a database URL or the store)."""
    if holds_tables(be, tuple(TABLES)):
        return None
    return read(source, store_url)
