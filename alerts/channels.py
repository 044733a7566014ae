"""Where alerts go: JSON webhooks (Slack/Teams incoming-webhook compatible) and e-mail over SMTP.

A channel's ``send`` raises on failure; ``deliver`` retries it with backoff (tenacity) and returns
what happened, so a failing channel is reported and retried on the next run, never dropped.

Secrets: a webhook's path and query are its secret (Slack, Teams), so a webhook is only ever named, printed or
stored as scheme://host (``where``), and every error text is passed through ``redact`` before it is printed or
stored. E-mail goes over STARTTLS (or implicit TLS) by default; without TLS the password is never sent to a
host other than this machine unless WISMO_SMTP_PLAIN_AUTH says so.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import urlsplit

import requests
from tenacity import Retrying, stop_after_attempt, wait_exponential

from alerts.evaluate import Breach
from core.settings import Settings


class Channel(Protocol):
    @property
    def name(self) -> str: ...  # stable and free of secrets: it is stored with every delivery

    def send(self, breach: Breach) -> None: ...


def payload(b: Breach) -> dict:
    """``text`` is what Slack and Teams incoming webhooks show; ``alert`` carries the fields for machines."""
    return {"text": b.message, "alert": {
        "key": b.key, "kind": b.kind, "kpi": b.kpi, "title": b.title, "dimension": b.dimension,
        "value": b.dimension_value, "week": b.period_start.isoformat(), "figure": b.value,
        "figure_text": b.value_text, "threshold": b.threshold, "threshold_text": b.threshold_text,
        "severity": b.severity, "owner": list(b.owner), "escalation": b.escalation, "link": b.link,
        "audit_head": b.audit_head}}


class DeliveryError(RuntimeError):
    """A channel failed; the message names where (scheme://host) and why, never a secret."""


_URL = re.compile(r"\b([a-z][a-z0-9+.-]*://[^/\s?#'\"<>]+)[^\s'\"<>]*", re.IGNORECASE)
_BARE_PATH = re.compile(r"(\burl: )(/[^\s'\"<>]*)")  # urllib3: "Max retries exceeded with url: /services/T/B/x"


def redact(text: str) -> str:
    """Text with every URL cut to scheme://host and every bare request path removed."""
    return _BARE_PATH.sub(r"\1[path hidden]", _URL.sub(r"\1", text))


def where(url: str) -> str:
    """A URL as it may be shown: scheme://host[:port], nothing after."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")


@dataclass(frozen=True)
class Webhook:
    url: str = field(repr=False)
    timeout: float = 5.0

    @property
    def name(self) -> str:  # the URL's path is often the secret (Slack): keep the host and a digest only
        return f"webhook:{urlsplit(self.url).hostname}#{hashlib.sha256(self.url.encode()).hexdigest()[:8]}"

    def send(self, breach: Breach) -> None:
        try:
            response = requests.post(self.url, json=payload(breach), timeout=self.timeout)
        except requests.RequestException as err:
            raise DeliveryError(f"{type(err).__name__} reaching {where(self.url)}") from None
        if response.status_code >= 400:
            raise DeliveryError(f"HTTP {response.status_code} {response.reason} from {where(self.url)}")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Email:
    host: str
    port: int = 25
    sender: str = "wismo@localhost"
    to: tuple[str, ...] = ()
    recipients: dict[str, list[str]] = field(default_factory=dict)  # responsible function → addresses
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = True  # upgrade the connection before anything else is said (off: a relay on this machine)
    implicit_tls: bool = False  # SMTPS (port 465): TLS from the first byte
    plain_auth: bool = False  # send the password without TLS to a host other than this machine (explicit opt-out)
    cafile: str = ""  # a CA bundle to trust besides the system's (a company relay's own CA)
    timeout: float = 10.0

    @property
    def name(self) -> str:
        return f"email:{self.host}:{self.port}"

    def addresses(self, breach: Breach) -> list[str]:
        got = list(self.to)
        for function in breach.owner:
            got += self.recipients.get(function, [])
        if "@" in breach.escalation:
            got.append(breach.escalation)
        return sorted(set(got))

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cafile or None)

    def send(self, breach: Breach) -> None:
        to = self.addresses(breach)
        if not to:
            raise ValueError("no recipient: set WISMO_ALERT_TO or WISMO_ALERT_RECIPIENTS")
        tls = self.starttls or self.implicit_tls
        if self.user and not tls and not self.plain_auth and not _loopback(self.host):
            raise DeliveryError(f"refused to send the SMTP password to {self.host} without TLS: turn "
                                "WISMO_SMTP_STARTTLS back on (or set WISMO_SMTP_PLAIN_AUTH=true to accept the risk)")
        msg = EmailMessage()
        msg["From"], msg["To"] = self.sender, ", ".join(to)
        msg["Subject"] = f"[WISMO {breach.severity}] {breach.title} · {breach.where}"
        msg.set_content(breach.message + "\n" + (f"\nGovernance audit head: {breach.audit_head} (check it with "
                                                  f"`wismo governance verify --anchor`)\n" if breach.audit_head else ""))
        smtp = (smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._tls())
                if self.implicit_tls else smtplib.SMTP(self.host, self.port, timeout=self.timeout))
        with smtp:
            if self.starttls and not self.implicit_tls:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise DeliveryError(f"{self.host}:{self.port} does not offer STARTTLS: use a relay that does, "
                                        "or set WISMO_SMTP_STARTTLS=false for a relay on this machine")
                smtp.starttls(context=self._tls())
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(msg)


@dataclass(frozen=True)
class Outcome:
    channel: str
    ok: bool
    attempts: int
    error: str


def deliver(channel: Channel, breach: Breach, attempts: int = 3, wait_max: float = 2.0) -> Outcome:
    tries = 0
    try:
        for attempt in Retrying(stop=stop_after_attempt(attempts), reraise=True,
                                wait=wait_exponential(multiplier=0.25, max=wait_max)):
            with attempt:
                tries = attempt.retry_state.attempt_number
                channel.send(breach)
    except Exception as err:  # noqa: BLE001 - any failure of a channel is reported, not raised
        return Outcome(channel.name, False, tries, redact(f"{type(err).__name__}: {err}")[:500])
    return Outcome(channel.name, True, tries, "")


def configured(s: Settings) -> list[Channel]:
    """The channels the settings name (WISMO_ALERT_WEBHOOKS, WISMO_SMTP_HOST …)."""
    out: list[Channel] = [Webhook(u) for u in s.alert_webhooks]
    if s.smtp_host:
        out.append(Email(s.smtp_host, s.smtp_port, s.alert_from, tuple(s.alert_to), s.alert_recipients,
                         s.smtp_user, s.smtp_password.get_secret_value(), s.smtp_starttls, s.smtp_ssl,
                         s.smtp_plain_auth, s.smtp_ca_file))
    return out
