"""`wismo alerts` against real receivers on loopback: one alert per breach, sent once, retried, reported.

The fixture (tests/metrics/test_kpis.py WISMO, as of 2026-01-10), reporting week 2025-12-29:
- WISMO contacts per 100 shipped orders: K1–K4 on O1, O2 shipped → 2.0, worse than red 0.09 → critical;
- tracking activation: O1 and O2 are past their SLA with no scan at all → 0/2 = 0.0 < red 0.90 → critical;
  by carrier: C1 (O1, O2's primary S2a) 0.0 in the week; C2's newest week with a value is 12-22 (O3, 0/1);
- first-contact resolution: no contact in the fixture is resolved → 0.0 < red 0.75 → critical;
- no other KPI has a value worse than green (or has no value) in that week.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from alerts.channels import Email, Webhook
from alerts.service import run
from store import open_store
from tests.alerts.receivers import closed_port, smtp, webhook
from tests.pages.test_pages import fixture_frames, make_store
from wismo.cli import app

runner = CliRunner()
EXPECTED = {
    "kpi_target:wismo_contact_rate:all:all": (2.0, 0.09, "critical", ("customer_care",)),
    "kpi_target:tracking_activation_ontime:all:all": (0.0, 0.90, "critical", ("carrier_management",)),
    "kpi_target:first_contact_resolution:all:all": (0.0, 0.75, "critical", ("customer_care",)),
    "carrier_sla:tracking_activation_ontime:carrier:C1": (0.0, 0.90, "critical", ("carrier_management",)),
    "carrier_sla:tracking_activation_ontime:carrier:C2": (0.0, 0.90, "critical", ("carrier_management",)),
}
BASE = "http://wismo.example:8501"


def _made(url: str):  # type: ignore[no-untyped-def]
    make_store(url, fixture_frames())
    s = open_store(url)
    yield s
    s.engine.dispose()


@pytest.fixture
def store(tmp_path):  # type: ignore[no-untyped-def]
    yield from _made(f"sqlite:///{tmp_path}/alerts.db")


@pytest.fixture
def any_store(store_url):  # type: ignore[no-untyped-def]
    """SQLite and a real PostgreSQL (the alerts' upserts differ by dialect)."""
    yield from _made(store_url)


def _env(monkeypatch, store, **settings: str) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import fresh_settings

    monkeypatch.setenv("WISMO_DATABASE_URL", store.url.render_as_string(hide_password=False))
    monkeypatch.setenv("WISMO_PUBLIC_URL", BASE)
    for k, v in settings.items():
        monkeypatch.setenv(f"WISMO_{k.upper()}", v)
    fresh_settings()


def test_one_alert_per_breach_then_nothing_on_the_second_run(any_store, monkeypatch):
    """Five breaches (hand-worked above) → five posts with value, threshold, owner and deep link; the
    second run posts nothing; the store keeps them open."""
    store = any_store
    with webhook() as hook:
        _env(monkeypatch, store, alert_webhooks=f'["{hook.url}"]')
        first = runner.invoke(app, ["alerts"])
        assert first.exit_code == 0, first.output
        assert "5 new" in first.output and "sent 5, failed 0" in first.output
        got = {p["alert"]["key"]: p["alert"] for p in hook.posts}
        assert len(hook.posts) == 5
        assert {k: (a["figure"], a["threshold"], a["severity"], tuple(a["owner"])) for k, a in got.items()} == EXPECTED
        wismo = got["kpi_target:wismo_contact_rate:all:all"]
        assert wismo["link"] == f"{BASE}/" and wismo["week"] == "2025-12-29"
        assert wismo["figure_text"] == "200.00 per 100" and wismo["threshold_text"] == "≤ 9.00 per 100"
        c2 = got["carrier_sla:tracking_activation_ontime:carrier:C2"]
        assert c2["week"] == "2025-12-22"
        assert c2["link"] == f"{BASE}/carriers?kpi=tracking_activation_ontime&carrier_detail=C2"
        assert all(p["text"].startswith("[CRITICAL]") for p in hook.posts)  # what Slack/Teams show
        assert all(re.fullmatch(r"#\d+ [0-9a-f]{16}", p["alert"]["audit_head"]) for p in hook.posts)

        second = runner.invoke(app, ["alerts"])
        assert second.exit_code == 0, second.output
        assert "0 new" in second.output and "5 still open from an earlier run" in second.output
        assert len(hook.posts) == 5
    with store.engine.connect() as conn:
        states = conn.execute(text("SELECT state, count(*) FROM alerts GROUP BY state")).all()
        sent = conn.execute(text("SELECT count(*) FROM alert_deliveries WHERE ok")).scalar_one()
    assert states == [("open", 5)] and sent == 5


def test_clear_reopen_and_escalate(any_store):
    """Tracking activation is 0 % in the week. A target of ≥ 0 % / 0 % puts it on green: the alert clears. ≥ 10 % /
    0 % makes it amber: a new warning is sent. ≥ 20 % / 10 % makes it red: it escalates and is sent again. Same
    severity twice: once. (The carriers' milestone alerts follow the same target; only the overall one is
    counted here.)"""
    from governance.service import Actor, Governance

    store = any_store
    gov = Governance(store, Actor("ana", "admin"))
    key = "kpi_target:tracking_activation_ontime:all:all"
    mine = lambda found: [b for b in found if b.key == key]  # noqa: E731
    with webhook() as hook:
        ch = [Webhook(hook.url)]
        run(store, ch, BASE)
        gov.set_target("tracking_activation_ontime", green=0.0, red=0.0, reason="test")
        r = run(store, ch, BASE)
        assert key in r.cleared and not mine(b for b, _ in r.sent)
        gov.set_target("tracking_activation_ontime", green=0.1, red=0.0, reason="test")
        r = run(store, ch, BASE)
        assert [b.key for b in mine(r.opened)] == [key] and [b.severity for b in mine(b for b, _ in r.sent)] == [
            "warning"]
        r = run(store, ch, BASE)
        assert not mine(b for b, _ in r.sent)
        gov.set_target("tracking_activation_ontime", green=0.2, red=0.1, reason="test")
        r = run(store, ch, BASE)
        assert [b.key for b in mine(r.escalated)] == [key] and [b.severity for b in mine(b for b, _ in r.sent)] == [
            "critical"]
        assert [p["alert"]["severity"] for p in hook.posts if p["alert"]["key"] == key] == [
            "critical", "warning", "critical"]


def test_node_target_where_set(store):
    """A target for node N1 only: N1 has K1 K2 on O1 O2 in the week → 1.0, worse than red 0.5 → critical,
    linked to the node's drill-down. N2 has no target of its own: no node alert for it."""
    from governance.service import Actor, Governance

    Governance(store, Actor("ana", "editor")).set_target("wismo_contact_rate", green=0.2, red=0.5, reason="t",
                                                          dimension="node", value="N1")
    r = run(store, [], BASE)
    node = [b for b in r.opened if b.dimension == "node"]
    assert [(b.dimension_value, b.value, b.threshold, b.severity) for b in node] == [("N1", 1.0, 0.5, "critical")]
    assert node[0].link == f"{BASE}/nodes?kpi=wismo_contact_rate&node_detail=N1"


def test_unreachable_channel_is_retried_reported_and_due_again(store, monkeypatch):
    """Nothing listens: every delivery is tried 3 times, recorded as failed, and the command exits 1.
    The next run, with the channel back, sends all five."""
    dead = f"http://127.0.0.1:{closed_port()}/hook"
    _env(monkeypatch, store, alert_webhooks=f'["{dead}"]')
    result = runner.invoke(app, ["alerts"])
    assert result.exit_code == 1
    assert "sent 0, failed 5" in result.output and "after 3 attempt(s)" in result.output
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), min(attempts) FROM alert_deliveries WHERE NOT ok")).one() == (5, 3)
    with webhook() as hook:
        r = run(store, [Webhook(hook.url)], BASE)
        assert len(r.sent) == 5 and len(hook.posts) == 5


def test_a_flaky_channel_succeeds_on_retry(store):
    """The receiver answers 500 twice, then 200: the first alert goes out on its third attempt."""
    with webhook(fail_first=2) as hook:
        r = run(store, [Webhook(hook.url)], BASE)
    assert r.ok and r.sent[0][1].attempts == 3 and len(hook.posts) == 5


def test_email_goes_to_the_responsible_function(store):
    """SMTP on loopback: every alert to the default list, carrier-management alerts also to its address."""
    with smtp() as box:
        mail = Email("127.0.0.1", box.port, "wismo@example.com", ("ops@example.com",),
                     {"carrier_management": ["cm@example.com"]}, starttls=False)  # a relay on this machine
        r = run(store, [mail], BASE)
        assert r.ok and len(box.messages) == 5
    activation = [m for m in box.messages if "tracking activation" in m["body"]]
    assert len(activation) == 3 and all(sorted(m["to"]) == ["cm@example.com", "ops@example.com"] for m in activation)
    assert all("Subject: [WISMO critical]" in m["body"] for m in box.messages)


def test_dry_run_changes_and_sends_nothing(store, monkeypatch):
    with webhook() as hook:
        _env(monkeypatch, store, alert_webhooks=f'["{hook.url}"]')
        result = runner.invoke(app, ["alerts", "--dry-run"])
        assert result.exit_code == 0 and "dry run: 5 delivery(ies) due" in result.output
        assert hook.posts == []
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alerts")).scalar_one() == 0


def test_the_webhook_name_keeps_no_secret():
    assert "SECRET" not in Webhook("https://hooks.slack.com/services/T0/B0/SECRET").name
    assert "SECRET" not in repr(Webhook("https://hooks.slack.com/services/T0/B0/SECRET"))


@pytest.mark.parametrize("secret_in", ["path", "query"])
@pytest.mark.parametrize("failure", ["http_error", "unreachable"])
def test_a_webhook_token_is_never_printed_or_stored(store, monkeypatch, secret_in, failure):
    """A Slack-style token in the URL's path or a Teams-style one in its query: a failing delivery prints and
    stores scheme://host only — in the FAILED lines, in alert_deliveries.error, anywhere in the output."""
    token = "xoxb-T000-B000-s3cr3tT0ken"
    tail = f"/services/T000/B000/{token}" if secret_in == "path" else f"/webhookb2/in?sig={token}&api-version=1"
    with webhook(fail_first=100) as hook:
        port = hook.url.split(":")[2].split("/")[0] if failure == "http_error" else str(closed_port())
        _env(monkeypatch, store, alert_webhooks=f'["http://127.0.0.1:{port}{tail}"]')
        result = runner.invoke(app, ["alerts"])
    assert result.exit_code == 1 and "failed 5" in result.output
    assert token not in result.output and "T000" not in result.output
    expected = (f"DeliveryError: HTTP 500 Internal Server Error from http://127.0.0.1:{port}" if failure == "http_error"
                else f"DeliveryError: ConnectionError reaching http://127.0.0.1:{port}")
    assert expected in result.output
    with store.engine.connect() as conn:
        errors = [r[0] for r in conn.execute(text("SELECT error FROM alert_deliveries"))]
    assert errors and all(e == expected for e in errors)


def test_redact_cuts_every_url_to_its_host():
    """Whatever a library puts in an exception: URLs keep scheme://host[:port], bare request paths go."""
    from alerts.channels import redact

    raw = ("HTTPConnectionPool(host='hooks.example', port=443): Max retries exceeded with url: /services/T/B/tok "
           "(Caused by ...); 404 Client Error: Not Found for url: https://hooks.example:8443/services/T/B/tok?x=1")
    got = redact(raw)
    assert "tok" not in got and "/services" not in got
    assert "with url: [path hidden]" in got and "for url: https://hooks.example:8443" in got


def test_email_uses_starttls_by_default_and_sends_the_password_only_over_it(store):
    """A relay offering STARTTLS (certificate from a throwaway CA) and asking for a login: the default channel
    upgrades first, so the server sees the password only over TLS; the mail arrives."""
    import ssl

    import trustme

    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    with ca.cert_pem.tempfile() as cafile, smtp(tls=server_ctx, users={"wismo": "pw"}) as box:
        mail = Email("127.0.0.1", box.port, "wismo@example.com", ("ops@example.com",), user="wismo", password="pw",
                     cafile=cafile)
        r = run(store, [mail], BASE)
    assert r.ok and len(box.messages) == 5
    assert box.logins and all(over_tls for _, _, over_tls in box.logins)


def test_a_relay_without_starttls_is_refused_by_default(store):
    """The default (STARTTLS on) against a relay that offers none: nothing is sent, and the error says what to
    do; a password is never sent in clear."""
    with smtp(users={"wismo": "pw"}) as box:
        r = run(store, [Email("127.0.0.1", box.port, to=("ops@example.com",), user="wismo", password="pw")], BASE)
    assert not r.ok and box.messages == [] and box.logins == []
    assert r.failed[0][1].error == (f"DeliveryError: 127.0.0.1:{box.port} does not offer STARTTLS: use a relay that "
                                    "does, or set WISMO_SMTP_STARTTLS=false for a relay on this machine")


def test_a_password_without_tls_goes_only_to_this_machine(store):
    """STARTTLS turned off: a login to a remote host is refused before connecting, unless explicitly allowed."""
    remote = Email("192.0.2.10", 25, to=("ops@example.com",), user="wismo", password="pw", starttls=False,
                   timeout=0.5)
    r = run(store, [remote], BASE, attempts=1)
    assert r.failed[0][1].error.startswith(
        "DeliveryError: refused to send the SMTP password to 192.0.2.10 without TLS")
    with smtp(users={"wismo": "pw"}) as box:  # a relay on this machine: allowed
        r = run(store, [Email("127.0.0.1", box.port, to=("ops@example.com",), user="wismo", password="pw",
                              starttls=False)], BASE)
    assert r.ok and set(box.logins) == {("wismo", "pw", False)}


def test_the_optional_rule_alerts_a_significant_deterioration_even_on_target(store, monkeypatch):
    """CSAT at 82 % is on target (≥ 80 %), but a week before it was 95 % and its control limits are
    [88 %, 99 %]: outside them, the worse way — one warning with the lower limit, only with the rule on.
    A shift the better way, or a run of 8 inside the limits, raises nothing."""
    import dataclasses
    import datetime as dt

    from alerts import evaluate
    from metrics.signal import Signal

    real = evaluate.figures.tiles

    def shifted(why: str, value: float):  # type: ignore[no-untyped-def]
        def tiles(*args, **kwargs):  # type: ignore[no-untyped-def]
            out = real(*args, **kwargs)
            return [dataclasses.replace(t, value=value, previous=0.95, status=t.kpi.status(value, t.target),
                                        period=dt.date(2025, 12, 29),
                                        signal=Signal("significant shift", 0.935, 0.88, 0.99, why))
                    if t.kpi.id == "csat_post_purchase" else t for t in out]
        return tiles

    monkeypatch.setattr(evaluate.figures, "tiles", shifted("outside the control limits", 0.82))
    without, _ = evaluate.breaches(store, "http://wismo.example:8501", {"csat_post_purchase": ["customer_care"]})
    assert not [b for b in without if b.kind == "significant_shift"]
    found, _ = evaluate.breaches(store, "http://wismo.example:8501", {"csat_post_purchase": ["customer_care"]},
                                 significant=True)
    shifts = [b for b in found if b.kind == "significant_shift"]
    assert [(b.kpi, b.severity, b.value_text, b.threshold_text, b.owner) for b in shifts] == [
        ("csat_post_purchase", "warning", "82.0%", "88.0%", ("customer_care",))]
    assert "worse, and outside its normal variation (control limit 88.0%)" in shifts[0].message
    assert shifts[0].key == "significant_shift:csat_post_purchase:all:all"
    monkeypatch.setattr(evaluate.figures, "tiles", shifted("8 periods on one side of the centre", 0.90))
    quiet, _ = evaluate.breaches(store, "http://wismo.example:8501", {}, significant=True)
    assert not [b for b in quiet if b.kind == "significant_shift"]
