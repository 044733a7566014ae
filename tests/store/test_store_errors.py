"""A store that cannot be used says why in one line (exit 4), hides the password, writes nothing, and a load
refused by another writer's lock is recorded once the store can take the record."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from tests.alerts.receivers import closed_port
from tests.conftest import FIXTURES, fresh_settings, snapshot
from wismo.cli import app

runner = CliRunner()
AS_OF = ["--as-of", "2026-03-10T00:00:00Z"]


def one_line_error(output: str) -> str:
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, output
    assert "Traceback" not in output and "cannot rollback" not in output
    return errors[0]


@pytest.mark.parametrize("command", [["db", "status"], ["refresh"], ["load", str(FIXTURES / "tiny"), *AS_OF],
                                     ["governance", "verify"]])
def test_an_unreachable_database_is_one_line_with_the_password_hidden(monkeypatch, command):
    port = closed_port()
    monkeypatch.setenv("WISMO_DATABASE_URL", f"postgresql://wismo:s3cr3t-pw@127.0.0.1:{port}/wismo")
    fresh_settings()
    out = runner.invoke(app, command)
    assert out.exit_code == 4, out.output
    line = one_line_error(out.output)
    assert line.startswith(f"error: cannot reach the database at 127.0.0.1:{port} (wismo@127.0.0.1/wismo, "
                           "password hidden): ")
    assert "Connection refused" in line and "s3cr3t-pw" not in out.output


def test_a_store_locked_by_another_writer_is_one_line_and_unchanged(tmp_path, monkeypatch):
    """Another process holds the write lock for the whole command: the load's checks run, its write waits,
    then it says so in one line (exit 4) and the store is as it was."""
    monkeypatch.setattr("store.db.BUSY_SECONDS", 1)
    monkeypatch.setattr("store.errors.BUSY_SECONDS", 1)
    path = tmp_path / "locked.db"
    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite:///{path}")
    fresh_settings()
    assert runner.invoke(app, ["load", str(FIXTURES / "tiny"), *AS_OF]).exit_code == 0
    from wismo.context import store

    before = snapshot(store())
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        out = runner.invoke(app, ["load", str(FIXTURES / "tiny"), *AS_OF])
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert out.exit_code == 4, out.output
    assert one_line_error(out.output) == (
        "error: the store is locked by another writer; waited 1 s. Nothing was written: run the command again "
        "when the other load or refresh has finished (the attempt could not be recorded either: the lock was "
        "still held)")
    assert snapshot(store()) == before


def test_a_load_refused_by_the_lock_is_recorded_when_the_store_can_take_it(tmp_path, monkeypatch):
    """The data write meets the lock; by the time the attempt is recorded the lock has gone: the Data quality
    page lists a refused load with the rule store_locked, and no contract row was written."""
    from services import loading
    from store import bulk, open_store
    from store.errors import StoreBusy

    store = open_store(f"sqlite:///{tmp_path}/s.db")
    real, calls = bulk.write, []

    def busy_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[1].keys())
        if len(calls) == 1:
            raise StoreBusy("the store is locked by another writer; waited 30 s")
        return real(*args, **kwargs)

    monkeypatch.setattr(loading.bulk, "write", busy_once)
    with pytest.raises(StoreBusy):
        loading.load(FIXTURES / "tiny", store, user="t", rejects_dir=tmp_path)
    assert snapshot(store)["orders"] == []
    with store.engine.connect() as conn:
        runs = conn.execute(text("SELECT status, blocking_failures FROM load_runs")).all()
        rules = conn.execute(text("SELECT rule, message FROM check_results WHERE rule = 'store_locked'")).all()
    assert runs == [("refused", 1)]
    assert rules == [("store_locked", "the store is locked by another writer; waited 30 s")]
