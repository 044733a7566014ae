"""Serving under concurrent use: N sessions clicking through the dashboard's pages at once, against
one `streamlit run` server on loopback.

    python -m benchmarks.serving --store sqlite:////path/to/store.db [--sessions 20] [--rounds 2]
        [--clients websocket|browser]

- ``websocket`` (default): each session is a Streamlit client speaking the app's own websocket
  protocol (protobuf BackMsg/ForwardMsg): it asks for a page and waits for the script to finish. This
  measures the server, which is what a deployment sizes.
- ``browser``: each session is a real Chromium context clicking the sidebar links; a page time runs
  to the page's title and content being on screen with the script finished. On a 2-core machine the
  20 browsers' software rendering takes most of the CPU, so this measures the client as much as the
  server.

An error is an exception element in the page, a "page not found", a script that does not finish
within the timeout, or a dropped connection. The reference is the same click-through by a single
session, measured in the same run.
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
        step = 0
        for _ in range(rounds):
            for link, title, ready in PAGES[1:] + PAGES[:1]:
                step += 1
                await think(who, step)
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


# ---- websocket clients ----------------------------------------------------------------------------

WS_PAGES = {"Overview": "", "Demand drivers": "drivers", "Fulfillment nodes": "nodes",  # overview: the default, at /
            "Carriers": "carriers", "Exceptions": "exceptions", "Customer communication": "communication",
            "Customer care": "care", "Data quality": "quality", "Governance": "governance"}


THINK = {"seconds": 3.0}  # a user's pause between clicks (each pause drawn from 0.5×–1.5× of it)


async def think(who: int, step: int) -> None:
    import random

    if THINK["seconds"] > 0:
        await asyncio.sleep(THINK["seconds"] * random.Random(who * 1000 + step).uniform(0.5, 1.5))


async def ws_session(url: str, rounds: int, out: list, errors: list, who: int) -> None:
    """One client on the app's websocket: request each page in turn, wait for its script to finish."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    # no client pings: a busy server answers late, and a dropped connection would count as its error
    ws = await connect(url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"],  # type: ignore[list-item]
                       max_size=None, open_timeout=TIMEOUT_MS / 1000, ping_interval=None)

    async def visit(page_name: str) -> tuple[float, str | None]:
        msg = BackMsg()
        msg.rerun_script.page_name = page_name
        msg.rerun_script.query_string = ""
        t = time.perf_counter()
        await ws.send(msg.SerializeToString())
        problem = None
        deadline = t + TIMEOUT_MS / 1000
        while True:
            raw = await asyncio.wait_for(ws.recv(), timeout=max(0.1, deadline - time.perf_counter()))
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element" and \
                    fwd.delta.new_element.WhichOneof("type") == "exception":
                problem = "exception on the page: " + fwd.delta.new_element.exception.message[:300]
            elif kind == "page_not_found":
                problem = "page not found"
            elif kind == "script_finished":
                status = fwd.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    problem = "script failed to compile"
                return time.perf_counter() - t, problem

    try:
        elapsed, problem = await visit("")
        out.append(("first visit", elapsed))
        step = 0
        for _ in range(rounds):
            for link, name in list(WS_PAGES.items())[1:] + list(WS_PAGES.items())[:1]:
                step += 1
                await think(who, step)
                try:
                    elapsed, problem = await visit(name)
                except Exception as err:  # noqa: BLE001 - a timeout or a dropped connection is an error
                    errors.append((who, link, f"{type(err).__name__}: {err}"[:160]))
                    continue
                out.append((link, elapsed))
                if problem:
                    errors.append((who, link, problem))
    finally:
        await ws.close()


async def run_ws(url: str, sessions: int, rounds: int) -> tuple[list, list, float]:
    out: list = []
    errors: list = []
    started = time.perf_counter()
    await asyncio.gather(*(ws_session(url, rounds, out, errors, i) for i in range(sessions)))
    return out, errors, time.perf_counter() - started


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


def refresh(store: str) -> None:
    """A new run of the figures while the server runs (its cached figures belong to the previous run)."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "wismo.entry", "refresh"], env={**os.environ, "WISMO_DATABASE_URL": store},
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    print(f"\n# wismo refresh: {time.perf_counter() - t:.1f} s; the sessions arrive now, every cached figure stale")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True, help="SQLAlchemy URL of a loaded, refreshed store")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2, help="click-throughs of every page per session")
    ap.add_argument("--clients", choices=["websocket", "browser"], default="websocket")
    ap.add_argument("--after-refresh", action="store_true",
                    help="cold pages: after the single session's reference, run `wismo refresh` (a new run: every "
                         "cached figure is stale) and let the sessions arrive at once")
    ap.add_argument("--think", type=float, default=3.0,
                    help="seconds a user pauses between clicks (drawn from 0.5×–1.5×); 0: a stress test")
    args = ap.parse_args()
    THINK["seconds"] = args.think
    go = run_ws if args.clients == "websocket" else run
    proc, url = serve(args.store)
    try:
        print(f"# serving: {args.clients} clients, {args.rounds} round(s) of {len(PAGES)} pages each, "
              f"{args.think:g} s think time between clicks")
        one = report("reference: 1 session", *asyncio.run(go(url, 1, args.rounds)))
        if args.after_refresh:
            refresh(args.store)
        many = report(f"{args.sessions} simultaneous sessions", *asyncio.run(go(url, args.sessions, args.rounds)))
        ratio = many["p95"] / one["p95"] if one["p95"] else float("nan")
        print(f"\n  p95 with {args.sessions} sessions {many['p95']:.2f} s = {ratio:.1f}× the single session's "
              f"{one['p95']:.2f} s; errors {many['errors']}; "
              f"{'meets' if many['errors'] == 0 and many['p95'] < 2 else 'misses'} the target")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
