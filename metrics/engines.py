"""Choosing an engine and where its input comes from, by configuration (WISMO_ENGINE, WISMO_SPARK_*)
or by ``--engine``:

| engine   | reads                                                           | computes              |
|----------|-----------------------------------------------------------------|-----------------------|
| polars   | the store, a contract folder or a database URL, into memory; with WISMO_POLARS_STREAMING a folder's ``<table>.parquet`` files in place | in this process (streaming: derived facts on disk) |
| duckdb   | the same; a folder's ``<table>.parquet`` files directly         | in this process, spills to disk |
| spark    | frames handed over, a folder's Parquet files, or a Spark catalog database | local[*], a cluster or Spark Connect |
| pushdown | the PostgreSQL store's own tables                               | inside PostgreSQL     |

``inputs`` returns the contract tables to hand over, or None when the engine reads them itself.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from metrics.portable import ENGINES, Backend
from metrics.portable import backend as make


def open_backend(name: str | None = None, *, store_url: str | None = None, source: str | None = None) -> Backend:
    from core.settings import get_settings

    s = get_settings()
    name = name or s.engine
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r} ({', '.join(ENGINES)})")
    folder = Path(source) if source and "://" not in source else None
    if name == "spark":
        return make("spark", master=s.spark_master or None, remote=s.spark_remote or None,
                    database=s.spark_database or None, parquet_folder=folder, conf=s.spark_conf or None)
    if name == "pushdown":
        url = source if source and "://" in source else store_url or s.database_url
        if folder is not None:
            raise ValueError("pushdown computes inside the store's database: give a PostgreSQL URL, not a folder")
        return make("pushdown", url=url)
    if name == "polars" and s.polars_streaming and folder is not None:
        return make("polars", parquet_folder=folder, temp_directory=s.spill_dir or None)
    if name == "duckdb":
        return make("duckdb", parquet_folder=folder, memory_limit=s.duckdb_memory_limit or None,
                    temp_directory=s.spill_dir or None)
    return make(name)


def inputs(be: Backend, source: str | None) -> dict[str, pl.DataFrame] | None:
    """What to hand the engine: nothing when it holds every table itself, else the tables read from
    ``source`` (a folder, a database URL or the configured store)."""
    from core.contract import TABLES
    from services.sources import read

    if all(be.table(t) is not None for t in TABLES):
        return None
    return read(source)
