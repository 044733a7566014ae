"""Text from data, in a real browser: a carrier named like a link, a node named like an e-mail address and a
web address, an escalation contact that is an address. Shown as text on every page that names them; no <a>
element leads anywhere the data chose, and no script runs."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import polars as pl
import pytest

from tests.browser.test_browser import browser, open_page, served, settled, shot  # noqa: F401 - the browser fixture

pytestmark = pytest.mark.browser

LINK = '<a href="https://evil.example/">PCW</a>'
NODE = "ops@evil.example www.evil.example"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from governance.service import Actor, Governance
    from store import open_store
    from tests.pages.test_pages import fixture_frames, make_store

    tmp = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{tmp}/hostile.db"
    frames = fixture_frames((NODE, "Main St store"))
    frames["carriers"] = frames["carriers"].with_columns(name=pl.Series([LINK, "Two"]))
    make_store(url, frames)
    Governance(open_store(url), Actor("ana", "admin")).set_carrier_sla(
        "C1", escalation_contact="https://evil.example/escalate mallory@evil.example", reason="test")
    with served({**os.environ, "WISMO_DATABASE_URL": url}) as base:
        yield base


@pytest.mark.parametrize(("path", "ready", "shown"), [
    ("/carriers?kpi=tracking_activation_ontime&carrier_detail=C1", "Milestone SLA", "https://evil.example/"),
    ("/nodes?node_detail=N1", "ranked by", NODE),
    ("/overview", "Reduction or deflection?", ""),
])
def test_text_from_data_never_becomes_a_link(hostile, browser, path, ready, shown):  # noqa: F811
    page = open_page(browser, hostile + path, ready)
    settled(page)
    main = page.locator('[data-testid="stMain"]')
    hrefs = [a.get_attribute("href") or "" for a in main.locator("a").all()]
    assert not [h for h in hrefs if "evil.example" in h or h.startswith("mailto:")], hrefs
    if shown:
        # the text is there, as text (read without the invisible word joiners that keep it from autolinking);
        # the detail below the ranking is drawn a moment after the heading the page is ready by
        deadline = time.time() + 30
        while shown not in main.inner_text().replace("\u2060", "") and time.time() < deadline:
            page.wait_for_timeout(500)
        assert shown in main.inner_text().replace("\u2060", "")
        hrefs = [a.get_attribute("href") or "" for a in main.locator("a").all()]
        assert not [h for h in hrefs if "evil.example" in h or h.startswith("mailto:")], hrefs
    assert page.evaluate("typeof window.__pwned") == "undefined"
    shot(page, "hostile-text-" + path.strip("/").split("?")[0])
    page.close()
