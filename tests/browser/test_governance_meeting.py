"""The governance workspace as a meeting uses it, in real Chromium: an editor sets a target in the unit the page
shows (with a preview, refused in the wrong unit) and closes an action; a viewer gets no input at all."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from governance.service import Actor, Governance
from services.governed import targets
from store import open_store
from tests.browser.test_browser import CHROMIUM, ROOT, settled, shot
from tests.browser.test_sign_in import wait_for
from tests.pages.test_pages import fixture_frames, make_store
from tests.pg import free_port

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    """The hand-worked fixture, with one action that was due yesterday."""
    url = f"sqlite:///{tmp_path_factory.mktemp('gov')}/gov.db"
    make_store(url, fixture_frames())
    g = Governance(open_store(url), Actor("ana", "admin"))
    g.seed_if_empty()
    g.add_action("Escalate carrier Two's late scans", "carrier_management", dt.date.today() - dt.timedelta(days=1),
                 dt.date.today() - dt.timedelta(days=8), reason="meeting", serves="R3")
    return url


def serve(url: str, user: str, role: str) -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    port = free_port()
    env = {**os.environ, "WISMO_DATABASE_URL": url, "WISMO_USER": user, "WISMO_ROLES": json.dumps({user: role})}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
                             "--server.headless", "true", "--server.address", "127.0.0.1"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/_stcore/health")
    return proc, base


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture
def editor(store_url) -> Iterator[str]:  # type: ignore[no-untyped-def]
    proc, base = serve(store_url, "eli", "editor")
    yield base
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def viewer(store_url) -> Iterator[str]:  # type: ignore[no-untyped-def]
    proc, base = serve(store_url, "vic", "viewer")
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def page_at(browser, url: str, ready: str):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(url)
    page.get_by_text(ready).first.wait_for(timeout=60_000)
    settled(page)
    return page


def test_an_editor_sets_a_target_in_per_100_and_closes_an_action(editor, browser, store_url):
    """Typing 5 in the per-100 field previews the status and stores 0.05; typing 500 is refused with the unit's
    range. Closing the overdue action with a note clears the overview's overdue count."""
    page = page_at(browser, f"{editor}/governance", "Owner and RACI")
    page.get_by_role("tab", name="Targets and rules").click()
    field = page.get_by_label("On target at or below (per 100)")
    field.fill("500")
    field.press("Tab")
    page.get_by_text("is outside 0–100 per 100").first.wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Set the target").is_disabled()
    field.fill("5")
    field.press("Tab")
    red = page.get_by_label("Off target when above (per 100)")
    red.fill("8")
    red.press("Tab")
    preview = page.get_by_text("WISMO contacts per 100 shipped orders would stay off target")
    preview.first.wait_for(timeout=30_000)  # 200.00 per 100 in the week of 29 Dec against ≤ 5.00
    assert "against ≤ 5.00 per 100" in preview.first.inner_text()
    page.locator(".st-key-gov_target_reason input").fill("tighter after the carrier review")
    page.get_by_role("button", name="Set the target").click()
    page.get_by_text("on target at ≤ 5.00 per 100").first.wait_for(timeout=30_000)  # the confirmation
    shot(page, "governance-target")
    assert targets(open_store(store_url))["wismo_contact_rate"].green == pytest.approx(0.05)

    overview = page_at(browser, f"{editor}/overview", "Reduction or deflection?")
    assert overview.get_by_text("1 governance action(s) overdue.").count() == 1
    page.get_by_role("tab", name="Actions").click()
    page.get_by_text("1 action(s) overdue.").first.wait_for(timeout=30_000)
    form = page.locator('[data-testid="stForm"]', has_text="Update the action")
    form.locator('[data-testid="stSelectbox"]', has_text="Now").click()
    page.locator('[role="option"]', has_text="Done").first.click()
    form.get_by_label("Closing note").fill("carrier Two scans hourly since the call")
    form.get_by_role("button", name="Update the action").click()
    page.get_by_text("action done").first.wait_for(timeout=30_000)
    shot(page, "governance-action-closed")
    overview.reload()
    overview.get_by_text("Reduction or deflection?").first.wait_for(timeout=60_000)
    settled(overview)
    assert overview.get_by_text("governance action(s) overdue").count() == 0
    page.close()
    overview.close()


def test_a_viewer_has_no_input_and_meeting_mode_shows_one_section(viewer, browser):
    """A viewer's governance page holds no input, select, text area or form in any tab; meeting mode shows one
    section in large type with the next one a link away."""
    page = page_at(browser, f"{viewer}/governance", "Owner and RACI")
    main = page.locator('[data-testid="stMain"]')
    for tab in ("Owner and RACI", "The ten questions", "Risks and controls", "Carrier SLAs", "Targets and rules",
                "Actions", "Peak readiness", "Audit trail"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(300)
    assert main.locator("input, select, textarea, [data-testid=stForm], [data-testid=stSelectbox]").count() == 0
    assert page.get_by_text("vic · viewer").count() >= 1
    page.goto(f"{viewer}/governance?meeting=1&section=risks")
    page.get_by_text("Risks and controls").first.wait_for(timeout=60_000)
    settled(page)
    page.locator("section.gv").nth(5).wait_for(timeout=30_000)  # the cards are drawn after the heading
    assert page.locator("section.gv").count() == 6  # the six risks, one card each
    page.get_by_role("link", name="Carrier SLAs →").wait_for(timeout=30_000)  # drawn after the cards
    assert page.get_by_role("link", name="Carrier SLAs →").count() == 1
    shot(page, "governance-meeting")
    page.close()
