"""Serving under concurrent use: N real browser sessions (Chromium contexts on loopback) clicking
through the dashboard's pages at once, against one `streamlit run` server.

    python -m benchmarks.serving --store sqlite:////path/to/store.db [--sessions 20] [--rounds 2]

A page time runs from the click on the sidebar link to the page's own content being on screen with
the script finished (Streamlit's ``data-test-script-state="notRunning"``). An error is an exception
box on the page, a "page not found", or a page that does not finish within the timeout. The
reference is the same click-through by a single session, measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).parents[1]
CHROMIUM = "/usr/bin/chromium"
# (sidebar link, the page's title, text the page shows when its figures are drawn)
PAGES = [("Overview", "WISMO command centre", "Reduction or deflection?"),
         ("Demand drivers", "Demand drivers", "WISMO contacts by cause"),
         ("Fulfillment nodes", "Fulfillment nodes", "Scorecard"), ("Carriers", "Carriers", "Scorecard"),
         ("Exceptions", "Exceptions", "Open exceptions at as-of"),
         ("Customer communication", "Customer communication", "Coverage by exception type"),
         ("Customer care", "Customer care", "By contact channel"), ("Data quality", "Data quality", "Loads"),
         ("Governance", "Governance", "Evaluation checklist")]
TIMEOUT_MS = 60_000


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(store: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "WISMO_DATABASE_URL": store}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                             str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("the dashboard did not start")


async def _settled(page, title: str, ready: str) -> None:  # type: ignore[no-untyped-def]
    await page.locator("h1", has_text=title).first.wait_for(timeout=TIMEOUT_MS)
    await page.get_by_text(ready, exact=False).first.wait_for(timeout=TIMEOUT_MS)
    await page.wait_for_function(
        "document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'",
        timeout=TIMEOUT_MS)


async def session(browser, url: str, rounds: int, out: list, errors: list, who: int) -> None:  # type: ignore[no-untyped-def]
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await ctx.new_page()
    try:
        t = time.perf_counter()
        await page.goto(url + "/")
        await _settled(page, *PAGES[0][1:])
        out.append(("first visit", time.perf_counter() - t))
        for _ in range(rounds):
            for link, title, ready in PAGES[1:] + PAGES[:1]:
                t = time.perf_counter()
                try:
                    await page.locator("[data-testid=stSidebarNav]").get_by_role("link", name=link).click(
                        timeout=TIMEOUT_MS)
                    await _settled(page, title, ready)
                    elapsed = time.perf_counter() - t
                    if await page.locator("[data-testid=stException]").count():
                        errors.append((who, link, "exception on the page"))
                    elif await page.get_by_text("Page not found").count():
                        errors.append((who, link, "page not found"))
                    out.append((link, elapsed))
                except Exception as err:  # noqa: BLE001 - a timeout or a crash is an error to report
                    errors.append((who, link, f"{type(err).__name__}: {str(err).splitlines()[0][:120]}"))
    finally:
        await ctx.close()


async def run(url: str, sessions: int, rounds: int) -> tuple[list, list, float]:
    from playwright.async_api import async_playwright

    out: list = []
    errors: list = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                "--disable-dev-shm-usage"])
        started = time.perf_counter()
        await asyncio.gather(*(session(browser, url, rounds, out, errors, i) for i in range(sessions)))
        wall = time.perf_counter() - started
        await browser.close()
    return out, errors, wall


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def report(label: str, out: list, errors: list, wall: float) -> dict:
    clicks = [s for name, s in out if name != "first visit"]
    firsts = [s for name, s in out if name == "first visit"]
    print(f"\n## {label}: {len(clicks)} page switches in {wall:.1f} s, {len(errors)} error(s)")
    print(f"  {'page':24} {'n':>4} {'p50':>7} {'p95':>7} {'max':>7}")
    for link, _, _ in PAGES:
        xs = [s for name, s in out if name == link]
        if xs:
            print(f"  {link:24} {len(xs):4d} {pct(xs, .5):6.2f}s {pct(xs, .95):6.2f}s {max(xs):6.2f}s")
    if firsts:
        print(f"  {'first visit (cold)':24} {len(firsts):4d} {pct(firsts, .5):6.2f}s {pct(firsts, .95):6.2f}s "
              f"{max(firsts):6.2f}s")
    p50, p95 = pct(clicks, .5), pct(clicks, .95)
    print(f"  all page switches: p50 {p50:.2f} s, p95 {p95:.2f} s (target p95 < 2 s, no errors)")
    for e in errors[:10]:
        print(f"  ERROR session {e[0]} {e[1]}: {e[2]}")
    return {"p50": p50, "p95": p95, "errors": len(errors), "n": len(clicks)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True, help="SQLAlchemy URL of a loaded, refreshed store")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2, help="click-throughs of every page per session")
    args = ap.parse_args()
    proc, url = serve(args.store)
    try:
        one = report("reference: 1 session", *asyncio.run(run(url, 1, args.rounds)))
        many = report(f"{args.sessions} simultaneous sessions", *asyncio.run(run(url, args.sessions, args.rounds)))
        ratio = many["p95"] / one["p95"] if one["p95"] else float("nan")
        print(f"\n  p95 with {args.sessions} sessions {many['p95']:.2f} s = {ratio:.1f}× the single session's "
              f"{one['p95']:.2f} s; errors {many['errors']}; "
              f"{'meets' if many['errors'] == 0 and many['p95'] < 2 else 'misses'} the target")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
