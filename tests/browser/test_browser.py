"""The dashboard in real headless Chromium (Debian's, driven by Playwright), served by `streamlit run`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.pg import free_port

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
ROOT = Path(__file__).parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
STORES: dict[str, str] = {}  # served URL → the store it serves
TEMP: dict[str, Path] = {}  # served URL → its temporary folder
PAGES = ["overview", "drivers", "nodes", "carriers", "exceptions", "communication", "care", "quality", "order"]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A store with a small demo, loaded and refreshed, served on a free loopback port."""
    tmp = tmp_path_factory.mktemp("browser")
    (tmp / "tmp").mkdir()
    env = {**os.environ, "WISMO_DATABASE_URL": f"sqlite:///{tmp}/demo.db", "TMPDIR": str(tmp / "tmp"),
           "WISMO_UPLOAD_MAX_ROWS": "100000", "WISMO_IMPORTS_DIR": str(tmp / "imports")}
    subprocess.run([sys.executable, "-m", "wismo.cli", "demo", "--orders", "3000", "--weeks", "10", "--out",
                    str(tmp / "demo"), "--load"], env=env, check=True, capture_output=True, cwd=ROOT)
    with served(env) as url:
        STORES[url] = env["WISMO_DATABASE_URL"]
        TEMP[url] = tmp / "tmp"
        yield url


@contextmanager
def served(env: dict[str, str]) -> Iterator[str]:
    """The dashboard on a free loopback port with ``env``, up (healthy) until the block ends."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                             str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium missing: `make setup-test` installs Debian's chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


def open_page(browser, url: str, ready_text: str):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    page.goto(url)
    page.get_by_text(ready_text, exact=False).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    return page


def settled(page, timeout: int = 90_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until no rerun is in flight (Streamlit marks the page's elements inert during a rerun)."""
    try:
        page.wait_for_function("document.querySelectorAll('[inert]:not([data-testid=stExpanderDetails])"
                               ":not([data-testid=stTabPanel])').length === 0",
                               timeout=timeout)  # a closed expander's body, a tab not shown: inert for good
    except Exception:
        shot(page, "not-settled")
        print(page.evaluate("Array.from(document.querySelectorAll('[inert]')).map(e => e.outerHTML.slice(0, 300))"))
        raise


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """The whole page: Streamlit scrolls an inner container, so the viewport is made as tall as the content."""
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("Math.max(...Array.from(document.querySelectorAll('[data-testid=stMain] *'))"
                           ".map(e => e.scrollHeight), 0)")
    if size and height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 60, 8000)})
        page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    if size:
        page.set_viewport_size(size)


READY = {"overview": "Reduction or deflection?", "drivers": "WISMO contacts by cause", "nodes": "the worst",
         "carriers": "the worst", "exceptions": "Open exceptions at as-of", "communication": "Coverage by exception type",
         "care": "By contact channel", "quality": "Loads", "order": "Type an order id"}


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_without_an_exception(server, browser, name):
    """Each page, opened by its URL on the running server, shows its content and no exception block."""
    page = open_page(browser, f"{server}/{name}", READY[name])
    shot(page, name)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_deep_link_restores_filters(server, browser):
    """A pasted link with grain and node opens the same view in a new browser context."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/overview?grain=month&node=DC-EWR")
    page.get_by_text("node Newark DC").first.wait_for(timeout=60_000)
    assert page.locator("h3").first.inner_text() == "August 2025 · node Newark DC"  # 10 weeks from 7 Jul 2025
    shot(page, "deep_link")
    context.close()


def test_chart_click_drills_down_to_contacts_and_order(server, browser):
    """Clicking a cause's bar lists its contacts and keeps the cause in the URL."""
    page = open_page(browser, f"{server}/drivers", READY["drivers"])
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    bar = chart.locator("g.point path").first
    bar.wait_for(timeout=30_000)
    box = bar.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 5)
    page.get_by_text("Contacts:").first.wait_for(timeout=30_000)
    assert "cause=" in page.url
    shot(page, "drill_down")
    page.close()


def test_from_a_red_tile_to_the_worst_node_to_one_order_in_three_clicks(server, browser):
    """Click 1: an off-target tile's "Worst nodes" link opens the node page ranked on that KPI with the worst node
    opened. Click 2: a row of the avoidable contacts behind it. Click 3: "Open order" — the order's timeline."""
    page = open_page(browser, f"{server}/overview", READY["overview"])
    red = page.locator('section.wt[data-status="red"]').first
    red.wait_for(timeout=30_000)
    kpi = red.get_attribute("data-kpi")
    red.locator("a", has_text="Worst nodes").click()  # 1
    page.get_by_text("— the worst").first.wait_for(timeout=60_000)
    settled(page)
    assert "/nodes" in page.url and f"kpi={kpi}" in page.url
    shot(page, "tile_to_node")
    grid = page.locator('[data-testid="stDataFrame"]').nth(1)  # the ranking is first; the contacts second
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 55)  # 2: the first row's selection box (cells are a canvas)
    link = page.get_by_role("link", name="Open order")
    link.wait_for(timeout=30_000)
    link.click()  # 3
    page.get_by_text("Promised by:").first.wait_for(timeout=60_000)
    assert "/order" in page.url and "order=" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
    shot(page, "order_timeline")
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_tiles_status_is_its_colour_in_both_themes(server, browser, scheme):
    """An off-target tile and an on-target tile differ in colour (their border, as the browser computes it), and
    each carries its status in words; the same in the dark theme."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(f"{server}/overview")
    page.locator("section.wt").first.wait_for(timeout=60_000)

    def colour(status: str) -> str:
        tile = page.locator(f'section.wt[data-status="{status}"]').first
        assert status.replace("red", "off target").replace("green", "on target") in tile.inner_text()
        return str(tile.evaluate("e => getComputedStyle(e).borderLeftColor"))

    red, green = colour("red"), colour("green")
    assert red == "rgb(213, 94, 0)" and green == "rgb(0, 158, 115)"
    background = page.evaluate("getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
    assert (background == "rgb(15, 17, 22)") == (scheme == "dark")  # the theme followed the browser
    shot(page, f"overview-{scheme}")
    context.close()


def test_overview_deep_link_keeps_its_filters(server, browser):
    """/overview with a grain and a comparison in the URL opens the overview with them (not "Page not found")."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/overview?grain=month&compare=yoy")
    page.locator("section.wt").first.wait_for(timeout=60_000)
    assert page.get_by_text("Page not found").count() == 0
    assert "grain=month" in page.url and "compare=yoy" in page.url
    assert page.get_by_text("Changes against the").first.inner_text().startswith("Changes against the ")
    context.close()


def test_downloads_are_numbers(server, browser, tmp_path):
    """The node ranking's CSV parses as numbers, each column named with its unit."""
    import polars as pl

    page = open_page(browser, f"{server}/nodes?kpi=wismo_contact_rate", "— the worst")
    settled(page)
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name="Download CSV").first.click()
    path = tmp_path / "nodes.csv"
    got.value.save_as(path)
    df = pl.read_csv(path)
    assert df.schema["wismo_contact_rate_per_100"] == pl.Float64 and df.schema["inventory_accuracy_pct"] == pl.Float64
    assert df.height >= 5
    page.close()


THEMED_PAGES = ["overview", "drivers", "nodes", "carriers", "exceptions", "communication", "care", "governance",
                "quality", "order?order=O00285", "onboarding"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1440, 390])
def test_screenshots_of_every_page(server, browser, scheme, width):
    """Every page at 1440 and 390 px in both themes, saved under test-artifacts/browser/pages/ to be looked at;
    none shows an exception, and at 1440 px none needs a horizontal scroll."""
    context = browser.new_context(viewport={"width": width, "height": 900 if width > 1000 else 844},
                                  color_scheme=scheme)
    page = context.new_page()
    for name in THEMED_PAGES:
        page.goto(f"{server}/{name}")
        page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        settled(page)
        assert page.locator('[data-testid="stException"]').count() == 0, name
        if width > 1000:
            wide = page.evaluate("Array.from(document.querySelectorAll('[data-testid=stMainBlockContainer]'))"
                                 ".map(e => e.scrollWidth - e.clientWidth)")
            assert max(wide) <= 1, (name, wide)
        shot(page, f"pages/{name.split('?')[0]}-{width}-{scheme}")
    context.close()


def test_editing_a_checklist_item_shows_in_the_audit_trail(server, browser):
    """In the governance page an editor (the local user) answers Q03 'partly' in the questions tab; the change
    is on the audit trail tab in words (status: Not assessed → Partly) with its reason; the chain still checks."""
    page = open_page(browser, f"{server}/governance", "The ten questions")
    page.get_by_role("tab", name="The ten questions").click()

    def choose(label: str, option: str) -> None:
        box = page.locator('[data-testid="stSelectbox"]', has_text=label).first
        box.click()
        page.locator('[role="option"]', has_text=option).first.click()
        page.wait_for_timeout(300)

    choose("Question", "Q03")
    choose("Answer", "Partly")
    page.get_by_label("Reason for the change").first.fill("cause codes cover 6 of 8 causes")
    page.locator('[data-testid="stFormSubmitButton"] button', has_text="Save the answer").first.click()
    page.get_by_text("Q03 answered “Partly”").first.wait_for(timeout=30_000)  # the toast after the rerun
    page.get_by_role("tab", name="Audit trail").click()
    assert page.get_by_text("Audit chain intact: no row edited").count() == 1
    grid = page.locator('[role="gridcell"]')  # the table's accessible copy of its cells
    grid.filter(has_text="cause codes cover 6 of 8 causes").first.wait_for(state="attached", timeout=30_000)
    assert grid.filter(has_text="status: Not assessed → Partly").count() == 1
    shot(page, "governance_edit")
    page.close()


def test_overview_downloads_the_weekly_brief(server, browser, tmp_path):
    """The overview's download button gives the two-page PDF brief of the week the page reports."""
    from pypdf import PdfReader

    page = open_page(browser, server + "/", "Reduction or deflection?")  # the default page lives at /
    button = page.get_by_role("button", name="Brief")
    settled(page)
    label = button.first.inner_text()
    with page.expect_download(timeout=60_000) as got:
        button.first.click()
    path = tmp_path / "brief.pdf"
    got.value.save_as(path)
    assert got.value.suggested_filename.startswith("wismo-brief-") and path.read_bytes()[:5] == b"%PDF-"
    reader = PdfReader(path)
    week = label.split("Brief ", 1)[1].split(" ", 1)[0]
    assert len(reader.pages) == 2 and f"WISMO weekly brief · {week}" in reader.pages[0].extract_text()
    page.close()


def test_html_brief_reads_on_a_phone(server, browser, tmp_path):
    """The HTML brief at a phone's width (390 px): nothing wider than the screen."""
    env = {**os.environ, "WISMO_DATABASE_URL": STORES[server]}
    out = tmp_path / "brief.html"
    subprocess.run([sys.executable, "-m", "wismo.cli", "brief", "--out", str(out)], env=env, check=True,
                   capture_output=True, cwd=ROOT)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(out.as_uri())
    page.get_by_text("Reduction or deflection?").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "brief-phone")
    page.close()


def json_upload(page):  # type: ignore[no-untyped-def]
    """The uploader once the page has switched to JSON (until the rerun ends, the extract's uploader is there
    too)."""
    upload = page.locator("input[type=file][accept*='.json']")
    upload.wait_for(state="attached", timeout=30_000)
    page.locator("input[type=file][accept*='.parquet']").wait_for(state="detached", timeout=30_000)
    return upload


def test_onboarding_upload_preview_and_checks(server, browser):
    """Upload a Zendesk export: the mapped contacts and 'Every value mapped'; the load's checks run
    before anything is loaded (the demo store has no orders O1/O2, so the reference rule refuses)."""
    page = open_page(browser, server + "/onboarding", "Data onboarding")
    page.get_by_text("Help-desk tickets JSON").click()
    json_upload(page).set_input_files(
        str(ROOT / "tests" / "fixtures" / "vendors" / "helpdesk" / "zendesk_tickets.json"))
    page.get_by_text("contacts: 4 mapped rows").wait_for(timeout=30_000)
    page.get_by_text("Every value mapped.").wait_for()
    page.get_by_role("button", name="Run the load's checks").click()
    page.get_by_text("1 blocking rule(s) fail: the load would be refused.").wait_for(timeout=60_000)
    # which rule: tests/connectors/test_onboarding.py (grid cells are drawn on a canvas)
    shot(page, "onboarding")
    page.close()
    left = [p.name for p in TEMP[server].iterdir() if p.name.startswith(("wismo-upload-", "wismo-onboarding-"))]
    assert left == []  # each run's copy of the upload and its staged check are gone


@pytest.mark.parametrize("width", [1440, 390])
def test_a_real_gzipped_zendesk_export_shows_what_was_read_before_loading(server, browser, width):
    """Zendesk's real legacy export (gzipped): 446 contacts mapped, and the summary accounts for the 545 rows
    read — 99 deleted left out, 445 untagged given `other`, 444 API tickets given `email` — before any load."""
    page = browser.new_page(viewport={"width": width, "height": 1800})
    page.goto(server + "/onboarding")
    page.get_by_text("Help-desk tickets JSON").first.wait_for(timeout=60_000)
    page.get_by_text("Help-desk tickets JSON").click()
    json_upload(page).set_input_files(
        str(ROOT / "tests" / "fixtures" / "vendors" / "helpdesk" / "real" / "zendesk_legacy_export_2012.json.gz"))
    page.get_by_text("contacts: 446 mapped rows").wait_for(timeout=30_000)
    for line in ("records read from zendesk_legacy_export_2012.json.gz: 545", "left out: status deleted: 99",
                 "reason set to the default 'other' (no tag or intent): 445",
                 "channel 'api' set to the default 'email': 444", "contacts mapped: 446"):
        page.get_by_text(line).wait_for()
    page.get_by_text("Nothing refused: every record read is mapped, given a default or left out").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"onboarding-helpdesk-{width}")
    page.close()


def test_a_sql_mapping_in_the_browser_reads_the_upload_and_nothing_else(server, browser):
    """An editor uploads a denormalised export and maps it with SQL: a SELECT reaching for /etc/passwd is
    refused by the sandbox (one line, nothing read); the orders SELECT of the fixture's mapping gives 4 rows."""
    extract = ROOT / "tests" / "fixtures" / "extracts" / "denormalised"
    page = open_page(browser, server + "/onboarding", "Data onboarding")
    page.locator("input[type=file]").set_input_files(str(extract / "orders_export.csv"))
    page.get_by_text("Contract table it feeds").wait_for(timeout=30_000)
    page.get_by_text("SQL", exact=True).click()
    box = page.get_by_label("SQL mapping", exact=False)
    box.wait_for(timeout=30_000)
    box.fill("-- table: nodes\nSELECT * FROM read_csv('/etc/passwd')")
    box.press("Control+Enter")
    page.get_by_text("1 value(s) could not be mapped").wait_for(timeout=30_000)
    cell = page.locator("[role=gridcell]", has_text="mapping.sql line 2 (nodes): Permission Error")
    cell.first.wait_for(state="attached", timeout=30_000)  # the issues grid: drawn on a canvas, cells in the DOM
    assert page.get_by_text("root:x:0:0").count() == 0 and page.locator("[role=gridcell]", has_text="root:").count() == 0
    orders = (extract / "mapping.sql").read_text().split("-- table: orders")[1].split("-- table:")[0]
    box.fill("-- table: orders" + orders)
    box.press("Control+Enter")
    page.get_by_text("orders: 4 mapped rows").wait_for(timeout=30_000)
    shot(page, "onboarding-sql")
    page.close()


def test_an_upload_that_would_expand_past_the_limit_is_refused_before_reading(server, browser, tmp_path):
    """A 200,000-row Parquet file of a few kilobytes (one long text, repeated): refused from its metadata with
    the limit named (the server's WISMO_UPLOAD_MAX_ROWS is 100,000), and nothing of it stays on disk."""
    import polars as pl

    bomb = tmp_path / "export.parquet"
    pl.DataFrame({"order_id": pl.repeat("x" * 200, 200_000, eager=True)}).write_parquet(bomb, compression="zstd")
    page = open_page(browser, server + "/onboarding", "Data onboarding")
    page.locator("input[type=file]").set_input_files(str(bomb))
    page.get_by_text("The file cannot be used: export.parquet holds 200,000 rows, more than the 100,000").wait_for(
        timeout=30_000)
    shot(page, "onboarding-refused")
    page.close()
    assert not [p for p in TEMP[server].iterdir() if p.name.startswith("wismo-upload-")]
