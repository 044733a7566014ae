"""Signing in on a shared dashboard, in real Chromium against a real OpenID provider on loopback
(oidc-provider from the npm registry, tests/browser/oidc/), and what happens without sign-in."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from governance.identity import READ_ONLY
from tests.browser.test_browser import CHROMIUM, ROOT, shot
from tests.pg import free_port

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
OIDC = Path(__file__).parent / "oidc"


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


def serve(tmp: Path, port: int, address: str, extra: list[str], env_extra: dict[str, str]) -> subprocess.Popen:  # type: ignore[type-arg]
    env = {**os.environ, "WISMO_DATABASE_URL": f"sqlite:///{tmp}/empty.db", **env_extra}
    return subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
                             "--server.headless", "true", "--server.address", address, *extra],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def provider_and_app(tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The OpenID provider and the dashboard configured to sign in with it (an [auth] secrets file)."""
    assert (OIDC / "node_modules" / "oidc-provider").exists(), "run `make setup-test` (npm install in tests/browser/oidc)"
    op, app = free_port(), free_port()
    base = f"http://localhost:{app}"
    idp = subprocess.Popen(["node", "server.mjs"], cwd=OIDC, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, "PORT": str(op), "REDIRECT_URI": f"{base}/oauth2callback",
                                "POST_LOGOUT_URI": f"{base}/oauth2callback"})
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'''[auth]
redirect_uri = "{base}/oauth2callback"
cookie_secret = "a-long-random-test-cookie-secret-0123456789"
client_id = "wismo"
client_secret = "wismo-test-secret"
server_metadata_url = "http://127.0.0.1:{op}/.well-known/openid-configuration"
client_kwargs = {{ prompt = "login" }}  # Streamlit asks for select_account, which this provider does not offer
''')
    proc = serve(tmp_path, app, "127.0.0.1", ["--secrets.files", str(secrets)],
                 {"WISMO_ROLES": json.dumps({"ana@example.com": "admin"})})
    try:
        wait_for(f"http://127.0.0.1:{op}/.well-known/openid-configuration")
        wait_for(f"{base}/_stcore/health")
        yield base
    finally:
        proc.terminate()
        idp.terminate()
        proc.wait(timeout=20)
        idp.wait(timeout=20)


@pytest.fixture
def network_app(tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The dashboard on every interface with no sign-in, reached at this machine's network address."""
    ip = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    ip = [a for a in ip if "." in a and not a.startswith("127.")]
    if not ip:
        pytest.fail("this machine has no network address to reach the dashboard from")
    port = free_port()
    proc = serve(tmp_path, port, "0.0.0.0", [], {"WISMO_IDENTITY_HEADER": "X-Forwarded-User"})
    try:
        wait_for(f"http://127.0.0.1:{port}/_stcore/health")
        yield f"http://{ip[0]}:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def browser_page(p, width: int = 1440):  # type: ignore[no-untyped-def]
    b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                          args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
    return b, b.new_page(viewport={"width": width, "height": 900})


def test_a_user_signs_in_through_the_openid_provider_and_gets_their_role(provider_and_app):
    """Nobody sees figures before signing in; after the provider's login and consent the sidebar names the
    user with the role WISMO_ROLES gives them; signing out returns to the sign-in screen."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b, page = browser_page(p)
        page.goto(provider_and_app)
        page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        assert page.get_by_text("Executive review").count() == 0  # no navigation before sign-in
        shot(page, "sign_in")
        page.get_by_role("button", name="Sign in").click()
        page.locator("input[name=login]").wait_for(timeout=30_000)  # the provider's own login page
        page.fill("input[name=login]", "ana")
        page.fill("input[name=password]", "anything")
        page.locator("button[type=submit]").click()
        page.get_by_role("button", name="Continue").click()  # the provider's consent
        # the address is shown with an invisible word joiner after "@", so it never becomes a mailto link (#19.8)
        page.get_by_text(re.compile("^ana@\u2060example\\.com · admin$")).wait_for(timeout=60_000)
        assert page.locator("a[href^='mailto:']").count() == 0
        shot(page, "signed_in")
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="Yes, sign me out").click()  # the provider ends its session too
        page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        b.close()


def test_over_the_network_without_sign_in_everyone_is_a_read_only_viewer(network_app):
    """Served on every interface with neither OIDC nor a trusted proxy, a visitor from the network is a viewer
    and is told the dashboard is read-only — even when they send the identity header themselves."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b, page = browser_page(p)
        page.set_extra_http_headers({"X-Forwarded-User": "ana"})  # forged: no trusted proxy is configured
        page.goto(network_app)
        page.get_by_text(READ_ONLY[:40]).wait_for(timeout=60_000)
        assert page.get_by_text("· viewer").count() == 1
        assert page.get_by_text("ana · ").count() == 0
        shot(page, "read_only_network")
        b.close()
