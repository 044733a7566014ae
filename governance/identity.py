"""Who is using the dashboard, and with which role: decided from what the request carries, never from
what a visitor can forge.

1. **OIDC** (Streamlit's ``st.login``, configured in ``.streamlit/secrets.toml``): the signed-in user's
   e-mail; nobody is anyone until signed in.
2. **A trusted reverse proxy**: its identity header, believed only on a request from an address in
   ``WISMO_TRUSTED_PROXIES``.
3. **This machine**: a browser on loopback is the local user (admin when no roles are configured).
4. **Anyone else**: a viewer, told that the dashboard is read-only until sign-in is configured.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from core.settings import Settings
from governance.service import Actor

READ_ONLY = ("Read-only: this dashboard is reached over the network and no sign-in is configured (OIDC in "
             ".streamlit/secrets.toml, or a trusted proxy): everyone is a viewer.")


@dataclass(frozen=True)
class Identity:
    actor: Actor
    how: str  # oidc | proxy | local | anonymous
    note: str = ""  # what the user should be told (a read-only dashboard says why)


def is_loopback(ip: str | None) -> bool:
    """A request from this machine (no address at all: a test harness in-process)."""
    if not ip:
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def trusted(ip: str | None, proxies: list[str]) -> bool:
    if not ip:
        return False
    try:
        addr = ipaddress.ip_address(ip)
        return any(addr in ipaddress.ip_network(p, strict=False) for p in proxies)
    except ValueError:
        return False


def resolve(settings: Settings, *, client_ip: str | None, headers: Mapping[str, str], oidc: bool,
            oidc_user: str | None) -> Identity | None:
    """The visitor's identity; None when OIDC is configured and nobody is signed in yet."""
    if oidc:
        if not oidc_user:
            return None
        return Identity(Actor(oidc_user, settings.role_of(oidc_user, local=False)), "oidc")
    if settings.identity_header and trusted(client_ip, settings.trusted_proxies):
        name = headers.get(settings.identity_header)
        if name:
            return Identity(Actor(name, settings.role_of(name, local=False)), "proxy")
    if is_loopback(client_ip):
        name = settings.who()
        return Identity(Actor(name, settings.role_of(name, local=True)), "local")
    return Identity(Actor(f"visitor from {client_ip}", "viewer"), "anonymous", READ_ONLY)
