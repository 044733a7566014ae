"""A fresh server with many sessions starting at once: every page of every session renders without an error.

Sessions are Streamlit clients on the app's own websocket (benchmarks/serving.py): they ask for a page and wait
for its script to finish, with no pause, so the first script runs of the process overlap. Pages once failed with
"partially initialized module 'pandas'" (imported lazily by two threads at once; app.py imports it first), and
the governance page with a duplicate key (two sessions seeding the new workspace at once).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from benchmarks import serving
from tests.browser.test_browser import ROOT, served

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_twelve_sessions_starting_together_on_a_fresh_server_see_no_error(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "WISMO_DATABASE_URL": f"sqlite:///{tmp_path}/demo.db",
           "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": "full"}  # the error itself, not Streamlit's redacted notice
    subprocess.run([sys.executable, "-m", "wismo.cli", "demo", "--orders", "2000", "--weeks", "8", "--out",
                    str(tmp_path / "demo"), "--load"], env=env, check=True, capture_output=True, cwd=ROOT)
    monkeypatch.setitem(serving.THINK, "seconds", 0)  # no pause between pages
    with served(env) as url:
        visits, errors, _ = asyncio.run(serving.run_ws(url, sessions=12, rounds=1))
    assert errors == []
    assert len(visits) == 12 * (1 + len(serving.WS_PAGES))  # each session: its first visit, then every page
