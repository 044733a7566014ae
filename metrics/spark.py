"""PySpark behind the Backend interface: ``local[*]`` in tests, a cluster master or a Spark Connect URL
in production. The same narwhals definitions run unchanged.

Tables come from the frames handed over (uploaded once per refresh), from a folder of
``<table>.parquet`` (``parquet_folder``; a path every executor can read), or — with ``database`` —
from the Spark catalog (``spark.table("<database>.orders")`` …), so events already in a lakehouse
are never pulled into Python; only the KPI figures come back.

Install with the ``spark`` extra (``pyspark[connect]``): without grpc, importing great-expectations
in a process that has pyspark exits it silently (seen here); the connect extra brings grpc.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from metrics.portable import Frame, lazy, typed

SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",  # every definition reads timestamps as UTC instants
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.ansi.enabled": "false",
}


class SparkBackend:
    name = "spark"

    def __init__(self, master: str | None = None, remote: str | None = None, database: str | None = None,
                 conf: dict[str, str] | None = None, parquet_folder: Path | None = None) -> None:
        from pyspark.sql import SparkSession  # optional heavy dependency (the spark extra)

        builder = SparkSession.builder.appName("wismo")
        builder = builder.remote(remote) if remote else builder.master(master or "local[*]")
        for k, v in {**SESSION_CONF, **(conf or {})}.items():
            builder = builder.config(k, v)
        self.spark = builder.getOrCreate()
        self.database = database
        self.parquet = parquet_folder.resolve() if parquet_folder is not None else None
        self.remote = remote

    def table(self, name: str) -> Frame | None:
        if self.database:
            return typed(lazy(self.spark.table(f"{self.database}.{name}")), name)
        if self.parquet is not None and (self.parquet / f"{name}.parquet").exists():
            path = str(self.parquet / f"{name}.parquet")
            df = self.spark.read.parquet(path)
            try:
                df.schema  # noqa: B018 - Spark Connect resolves the path on the server only when asked
            except Exception as err:
                if "PATH_NOT_FOUND" not in str(err):
                    raise
                raise ValueError(f"the Spark server ({self.remote or 'the cluster'}) cannot see {path}: it reads "
                                 "files at the same path on its own machines (a shared volume, HDFS or object "
                                 "storage), or load the folder into the store and leave out --source") from None
            return typed(lazy(df), name)
        return None

    def frame(self, df: pl.DataFrame) -> Frame:
        return lazy(self.spark.createDataFrame(df.to_arrow()))

    def collect(self, lf: Frame) -> pl.DataFrame:
        return _utc(lf.collect(backend="polars").to_native())

    def materialise(self, lf: Frame) -> Frame:
        """Cut the plan: derived facts are reused by many measures (local checkpoints keep Spark from
        re-planning them each time)."""
        return lazy(lf.to_native().localCheckpoint())


def _utc(df: pl.DataFrame) -> pl.DataFrame:
    """Spark hands timestamps back in the session zone: label them UTC like every other engine."""
    return df.with_columns([pl.col(c).dt.replace_time_zone("UTC") if dt.time_zone is None else
                            pl.col(c).dt.convert_time_zone("UTC")
                            for c, dt in df.schema.items() if isinstance(dt, pl.Datetime)])
