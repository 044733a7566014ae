"""A property-style fuzz of the CSV reader through `wismo load`: random truncation, random bytes and random
quoting in a contract file. Whatever the bytes, the command ends by itself with exit 0 (landed) or 1 (refused),
never a traceback; a refused load leaves the store exactly as it was; every line it prints is bounded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from store import open_store
from tests.conftest import FIXTURES, fresh_settings, snapshot
from wismo.cli import app

runner = CliRunner()
FILES = ("orders.csv", "contacts.csv", "tracking_events.csv", "carriers.csv")


def truncate(data: bytes, draw: st.DrawFn) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


def random_bytes(data: bytes, draw: st.DrawFn) -> bytes:
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]


def random_quote(data: bytes, draw: st.DrawFn) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        out.insert(draw(st.integers(0, len(out))), ord(draw(st.sampled_from(['"', "'", ",", "\n", "\r"]))))
    return bytes(out)


@st.composite
def spoiled(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(FILES))
    data = (FIXTURES / "tiny" / name).read_bytes()
    how = draw(st.sampled_from([truncate, random_bytes, random_quote]))
    return name, how(data, draw)


@pytest.fixture
def loaded(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path}/fuzz.db"
    monkeypatch.setenv("WISMO_DATABASE_URL", url)
    fresh_settings()
    first = runner.invoke(app, ["load", str(FIXTURES / "tiny"), "--as-of", "2026-03-10T00:00:00Z"])
    assert first.exit_code == 0, first.output
    return url, tmp_path


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=spoiled())
def test_any_bytes_end_in_a_clean_exit_and_a_refusal_changes_nothing(loaded, case):  # type: ignore[no-untyped-def]
    url, tmp = loaded
    name, data = case
    folder = Path(tmp) / "spoiled"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(FIXTURES / "tiny", folder)
    (folder / name).write_bytes(data)
    store = open_store(url)
    before = snapshot(store)
    out = runner.invoke(app, ["load", str(folder), "--as-of", "2026-03-10T00:00:00Z"])
    assert out.exit_code in (0, 1), (out.exit_code, out.output[-2000:])
    assert out.exception is None or isinstance(out.exception, SystemExit), repr(out.exception)
    assert "Traceback" not in out.output
    assert max((len(line) for line in out.output.splitlines()), default=0) <= 600, out.output[-2000:]
    if out.exit_code == 1:
        assert "REFUSED" in out.output
        assert snapshot(store) == before
    store.engine.dispose()
