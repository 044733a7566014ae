"""Real receivers on loopback: an HTTP server that takes webhook posts and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass
class Hook:
    url: str
    posts: list[dict] = field(default_factory=list)
    calls: int = 0
    fail_first: int = 0  # answer 500 to this many calls first


@contextmanager
def webhook(fail_first: int = 0) -> Iterator[Hook]:
    hook = Hook("", fail_first=fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            hook.calls += 1
            if hook.calls <= hook.fail_first:
                self.send_response(500)
                self.end_headers()
                return
            hook.posts.append(json.loads(body))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/T000/SECRET"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    port: int
    messages: list = field(default_factory=list)
    logins: list = field(default_factory=list)  # (user, password, over TLS?) as the server saw each AUTH

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "body": envelope.content.decode("utf8", errors="replace")})
        return "250 OK"


@contextmanager
def smtp(tls: ssl.SSLContext | None = None, users: dict[str, str] | None = None) -> Iterator[Mailbox]:
    """An SMTP server on loopback; with ``tls`` it offers STARTTLS and refuses mail and AUTH before it; with
    ``users`` it asks for a login."""
    box = Mailbox(closed_port())

    def authenticate(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        user, password = auth_data.login.decode(), auth_data.password.decode()
        box.logins.append((user, password, session.ssl is not None))
        return AuthResult(success=(users or {}).get(user) == password)

    options = {"tls_context": tls, "require_starttls": True, "auth_require_tls": True} if tls else {
        "auth_require_tls": False}
    if users:
        options |= {"authenticator": authenticate}
    controller = Controller(box, hostname="127.0.0.1", port=box.port, **options)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
