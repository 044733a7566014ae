"""The one engine factory: an ``EngineConfig`` (resolved from the settings or ``--engine`` at the entry
point) and where the input lies give a ``Backend``.

| engine   | reads                                                           | computes              |
|----------|-----------------------------------------------------------------|-----------------------|
| polars   | frames handed over; with ``polars_streaming`` a folder's ``<table>.parquet`` files in place | in this process (streaming: derived facts on disk) |
| duckdb   | frames handed over; a folder's ``<table>.parquet`` files directly | in this process, spills to disk |
| spark    | frames handed over, a folder's Parquet files, or a Spark catalog database | local[*], a cluster or Spark Connect |
| pushdown | the PostgreSQL store's own tables                               | inside PostgreSQL     |
"""

from __future__ import annotations

from pathlib import Path

from core.settings import EngineConfig
from metrics.portable import Backend, DuckDBBackend, PolarsBackend


def open_backend(config: EngineConfig, *, store_url: str | None = None, source: str | None = None) -> Backend:
    """The engine of ``config``. ``source``: a folder of contract files or a database URL the figures come
    from (default: the store at ``store_url``)."""
    # absolute: a Spark Connect server (or a cluster) resolves a relative path against its own working folder
    folder = Path(source).resolve() if source and "://" not in source else None
    if config.name == "spark":
        from metrics.spark import SparkBackend  # optional heavy dependency (the spark extra)

        return SparkBackend(master=config.spark_master or None, remote=config.spark_remote or None,
                            database=config.spark_database or None, parquet_folder=folder,
                            conf=config.spark_conf or None)
    if config.name == "pushdown":
        from metrics.pushdown import PushdownBackend  # optional heavy dependency (the pushdown extra)

        url = source if source and "://" in source else store_url
        if folder is not None or url is None:
            raise ValueError("pushdown computes inside the store's database: give a PostgreSQL URL, not a folder")
        return PushdownBackend(url=url)
    if config.name == "duckdb":
        return DuckDBBackend(parquet_folder=folder, memory_limit=config.duckdb_memory_limit or None,
                             temp_directory=config.spill_dir or None)
    if config.polars_streaming and folder is not None:
        return PolarsBackend(parquet_folder=folder, temp_directory=config.spill_dir or None)
    return PolarsBackend()


def holds_tables(be: Backend, tables: tuple[str, ...]) -> bool:
    """Whether the engine reads every one of ``tables`` itself (a database, a catalog, Parquet files)."""
    return all(be.table(t) is not None for t in tables)
