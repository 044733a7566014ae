"""Where alerts go: JSON webhooks (Slack/Teams incoming-webhook compatible) and e-mail over SMTP.

A channel's ``send`` raises on failure; ``deliver`` retries it with backoff (tenacity) and returns
what happened, so a failing channel is reported and retried on the next run, never dropped.
"""

from __future__ import annotations

import hashlib
import smtplib
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


@dataclass(frozen=True)
class Webhook:
    url: str
    timeout: float = 5.0

    @property
    def name(self) -> str:  # the URL's path is often the secret (Slack): keep the host and a digest only
        return f"webhook:{urlsplit(self.url).hostname}#{hashlib.sha256(self.url.encode()).hexdigest()[:8]}"

    def send(self, breach: Breach) -> None:
        response = requests.post(self.url, json=payload(breach), timeout=self.timeout)
        response.raise_for_status()


@dataclass(frozen=True)
class Email:
    host: str
    port: int = 25
    sender: str = "wismo@localhost"
    to: tuple[str, ...] = ()
    recipients: dict[str, list[str]] = field(default_factory=dict)  # responsible function → addresses
    user: str = ""
    password: str = ""
    starttls: bool = False
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

    def send(self, breach: Breach) -> None:
        to = self.addresses(breach)
        if not to:
            raise ValueError("no recipient: set WISMO_ALERT_TO or WISMO_ALERT_RECIPIENTS")
        msg = EmailMessage()
        msg["From"], msg["To"] = self.sender, ", ".join(to)
        msg["Subject"] = f"[WISMO {breach.severity}] {breach.title} · {breach.where}"
        msg.set_content(breach.message + "\n" + (f"\nGovernance audit head: {breach.audit_head} (check it with "
                                                  f"`wismo governance verify --anchor`)\n" if breach.audit_head else ""))
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
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
        return Outcome(channel.name, False, tries, f"{type(err).__name__}: {err}"[:500])
    return Outcome(channel.name, True, tries, "")


def configured(s: Settings) -> list[Channel]:
    """The channels the settings name (WISMO_ALERT_WEBHOOKS, WISMO_SMTP_HOST …)."""
    out: list[Channel] = [Webhook(u) for u in s.alert_webhooks]
    if s.smtp_host:
        out.append(Email(s.smtp_host, s.smtp_port, s.alert_from, tuple(s.alert_to), s.alert_recipients,
                         s.smtp_user, s.smtp_password, s.smtp_starttls))
    return out
