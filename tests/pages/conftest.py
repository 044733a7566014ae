"""AppTest runs start as a served app does after its first request: with app.py's router active.

Streamlit treats a ``pages/`` folder as a legacy multipage app until ``st.navigation`` has run once
in the process; a server flips that once, on its first request (``ui.frame.routed`` handles that
request). AppTest resets the flag on every run, which would send every run through the legacy
path first and drop widget events on the rerun. The browser tests cover the real first request.
"""

from __future__ import annotations

import pytest
from streamlit.runtime.pages_manager import PagesManager


@pytest.fixture(autouse=True)
def _router_active(monkeypatch: pytest.MonkeyPatch) -> None:
    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
