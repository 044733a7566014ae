"""Who a dashboard visitor is: OIDC when configured, a proxy's header only from a trusted proxy, the local
user only on this machine, everyone else a read-only viewer."""

from __future__ import annotations

from core.settings import Settings
from governance.identity import READ_ONLY, resolve

HEADERS = {"X-Forwarded-User": "eli"}


def settings(**kw: object) -> Settings:
    return Settings(user="ops", identity_header="X-Forwarded-User", trusted_proxies=["10.0.0.5", "10.1.0.0/16"],
                    **kw)  # type: ignore[arg-type]  # pydantic-settings takes the fields as keywords


def test_oidc_requires_sign_in_and_maps_the_signed_in_user_to_a_role():
    """With OIDC configured nobody is anyone until signed in; a signed-in user gets the configured role, and
    with no roles configured a signed-in user is a viewer (not admin)."""
    s = settings(roles={"ana@example.com": "admin"})
    assert resolve(s, client_ip="10.0.0.5", headers=HEADERS, oidc=True, oidc_user=None) is None
    got = resolve(s, client_ip="203.0.113.9", headers=HEADERS, oidc=True, oidc_user="ana@example.com")
    assert got is not None and (got.actor.name, got.actor.role, got.how) == ("ana@example.com", "admin", "oidc")
    got = resolve(settings(), client_ip="127.0.0.1", headers={}, oidc=True, oidc_user="bob@example.com")
    assert got is not None and got.actor.role == "viewer"


def test_the_identity_header_is_believed_only_from_a_trusted_proxy():
    """From 10.1.2.3 (in 10.1.0.0/16) the header names the user; from anywhere else it is ignored."""
    s = settings(roles={"eli": "editor"})
    got = resolve(s, client_ip="10.1.2.3", headers=HEADERS, oidc=False, oidc_user=None)
    assert got is not None and (got.actor.name, got.actor.role, got.how) == ("eli", "editor", "proxy")
    forged = resolve(s, client_ip="203.0.113.9", headers=HEADERS, oidc=False, oidc_user=None)
    assert forged is not None and forged.actor.role == "viewer" and forged.how == "anonymous"
    assert forged.note == READ_ONLY


def test_the_local_user_is_admin_only_on_this_machine_with_no_roles_configured():
    """A browser on loopback is the local user (admin with no roles); from the network, a viewer."""
    local = resolve(settings(), client_ip="127.0.0.1", headers={}, oidc=False, oidc_user=None)
    assert local is not None and (local.actor.name, local.actor.role, local.note) == ("ops", "admin", "")
    remote = resolve(settings(), client_ip="192.0.2.2", headers={}, oidc=False, oidc_user=None)
    assert remote is not None and remote.actor.role == "viewer" and remote.note == READ_ONLY
    assert resolve(settings(), client_ip="::1", headers={}, oidc=False, oidc_user=None).actor.role == "admin"  # type: ignore[union-attr]
