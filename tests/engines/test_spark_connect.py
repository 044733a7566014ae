"""Spark Connect for real (a local Spark Connect server, started by PySpark): a relative folder is made absolute
before the server sees it, and a folder the server cannot see is one clear line, not PATH_NOT_FOUND."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES

pytestmark = [pytest.mark.engines, pytest.mark.xdist_group("spark")]


@pytest.fixture(scope="module")
def connect():  # type: ignore[no-untyped-def]
    from metrics.spark import SparkBackend

    be = SparkBackend(remote="local[1]", conf={"spark.sql.shuffle.partitions": "2"})
    yield be
    be.spark.stop()


@pytest.fixture
def parquet_folder(tmp_path):  # type: ignore[no-untyped-def]
    from services.sources import read_folder

    folder = tmp_path / "pq"
    folder.mkdir()
    for table, df in read_folder(FIXTURES / "tiny").items():
        df.write_parquet(folder / f"{table}.parquet")
    return folder


def test_a_relative_folder_reaches_the_server_as_an_absolute_path(connect, parquet_folder, monkeypatch):
    """The server keeps the working folder it started in; the command runs elsewhere and names `pq` (relative):
    the engine the settings open reads it all the same."""
    from core.settings import EngineConfig
    from metrics.engines import open_backend

    monkeypatch.chdir(parquet_folder.parent)
    be = open_backend(EngineConfig("spark", spark_remote="local[1]"), source="pq")
    assert be.spark is connect.spark  # type: ignore[attr-defined]  # the running Connect session
    orders = be.collect(be.table("orders"))  # type: ignore[arg-type]
    assert sorted(orders["order_id"].to_list()) == ["O1", "O2", "O3"]


def test_a_folder_the_server_cannot_see_is_one_line(connect, tmp_path, monkeypatch):
    from metrics.spark import SparkBackend

    missing = tmp_path / "only-here"
    monkeypatch.setattr(Path, "exists", lambda self: True)  # it exists on this machine, not on the server's
    be = SparkBackend.__new__(SparkBackend)
    be.spark, be.database, be.remote, be.parquet = connect.spark, None, "sc://spark.example:15002", missing
    with pytest.raises(ValueError, match=r"^the Spark server \(sc://spark.example:15002\) cannot see .*only-here"):
        be.table("orders")
