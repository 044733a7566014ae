"""The audit chain's seal: a keyed MAC per row and an anchor for the head kept outside the database.

Each audit row's ``hash`` is HMAC-SHA256, under a key that never enters the database, over the row's fields
and the previous row's MAC. Someone who can write to the database but does not hold the key cannot edit,
insert or re-hash rows without ``verify`` naming them. Deleting the newest rows leaves a valid shorter
chain, so the head (its sequence number and MAC) is also written, after every commit, to an append-only
anchor file beside the store, and printed in every brief, alert and governance export: ``verify`` checks
every anchor it can find (the file, and any ``--anchor SEQ:MAC`` a reader copies from a brief).

The key: ``WISMO_AUDIT_KEY`` (a secret of at least 32 characters) or, failing that, the file ``audit.key``
in the audit folder, generated with 256 random bits on the first audited change (mode 0600). The audit
folder is ``WISMO_AUDIT_DIR``, by default the folder of an embedded SQLite store, else ``./data``. Rows
written before the keyed chain existed carry ``scheme = sha256``: they are checked as before, and the first
keyed row seals them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.settings import Settings
from store.db import Store

LEGACY = "sha256"
KEY_FILE = "audit.key"
DEFAULT_FOLDER = Path("data")  # the audit folder of a store that is not an embedded SQLite file
ANCHOR_SHOWN = 16  # hex characters of a MAC printed in briefs and alerts (64 bits: a forger holds no key)


class AuditKeyError(RuntimeError):
    """The audit key is missing or is not the one the chain was written with."""


def canonical(fields: list[Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, default=str).encode()


def legacy_hash(fields: list[Any]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def payload_digest(payload: dict[str, Any]) -> str:
    """The digest of a governed settings version's payload, carried on its audit row."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Anchor:
    seq: int
    mac: str  # the full MAC, or a prefix of it (at least 16 hex characters) copied from a brief
    where: str  # where it was found, for the message

    @classmethod
    def parse(cls, text: str, where: str = "--anchor") -> Anchor:
        """``SEQ:MAC`` as printed in a brief footer (``#SEQ MAC`` also accepted)."""
        seq, _, mac = text.strip().lstrip("#").replace(" ", ":", 1).partition(":")
        mac = mac.strip().lower()
        if not seq.isdigit() or len(mac) < ANCHOR_SHOWN or any(c not in "0123456789abcdef" for c in mac):
            raise ValueError(f"an anchor is SEQ:MAC with at least {ANCHOR_SHOWN} hex characters, not {text!r}")
        return cls(int(seq), mac, where)


@dataclass(frozen=True)
class Seal:
    """Where the key and the anchor file live; the key is read (or generated) on first use."""

    folder: Path | None  # None: an in-memory store; an ephemeral key, no anchor file
    anchor_name: str = "audit-anchor.log"
    secret: str = ""  # WISMO_AUDIT_KEY

    @classmethod
    def for_store(cls, store: Store, *, folder: Path | None = None, secret: str = "") -> Seal:
        """The seal of ``store``: the audit folder (``folder``, else the SQLite file's folder, else ./data) and
        the anchor named after the database, so two stores in one folder keep apart."""
        u = store.url
        if store.dialect == "sqlite":
            if not u.database or u.database == ":memory:":
                return cls(folder, "audit-anchor.log", secret) if folder else cls(None, secret=secret or _EPHEMERAL)
            path = Path(u.database)
            return cls(folder or path.parent, f"{path.name}.audit-anchor", secret)
        name = "-".join(str(p) for p in (u.host or "local", u.port or "", u.database or "") if p)
        return cls(folder or DEFAULT_FOLDER, f"audit-anchor-{name}.log", secret)

    @classmethod
    def configured(cls, store: Store, settings: Settings) -> Seal:
        """The seal the settings ask for (WISMO_AUDIT_KEY, WISMO_AUDIT_DIR) for ``store``."""
        return cls.for_store(store, folder=settings.audit_dir, secret=settings.audit_key.get_secret_value())

    # ---- the key --------------------------------------------------------------------------------------

    @property
    def key_path(self) -> Path | None:
        return None if self.folder is None else self.folder / KEY_FILE

    def key(self, *, create: bool) -> bytes | None:
        """The key: the setting, else the key file (generated when ``create`` and absent), else None."""
        if self.secret:
            if len(self.secret) < 32:
                raise AuditKeyError("WISMO_AUDIT_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)")
            return self.secret.encode()
        path = self.key_path
        assert path is not None  # noqa: S101 - an in-memory seal always has a secret
        if path.exists():
            return path.read_text().strip().encode()
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
        return path.read_text().strip().encode()

    def key_id(self, key: bytes) -> str:
        """A short public name of a key (not the key): which key wrote a row."""
        return hmac.new(key, b"wismo audit key id", hashlib.sha256).hexdigest()[:12]

    def scheme(self, key: bytes) -> str:
        return f"hmac-sha256:{self.key_id(key)}"

    def mac(self, key: bytes, fields: list[Any]) -> str:
        return hmac.new(key, canonical(fields), hashlib.sha256).hexdigest()

    def where_key(self) -> str:
        return "WISMO_AUDIT_KEY" if self.secret and self.folder is not None else str(self.key_path)

    # ---- the anchor -----------------------------------------------------------------------------------

    @property
    def anchor_path(self) -> Path | None:
        return None if self.folder is None else self.folder / self.anchor_name

    def record(self, seq: int, mac: str) -> None:
        """Append the new head to the anchor file (after the commit; one line, opened for appending)."""
        path = self.anchor_path
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        line = f"{seq} {mac} {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}\n"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as f:
            f.write(line)

    def anchors(self) -> list[Anchor]:
        """Every head the anchor file recorded (unreadable lines are skipped and reported by ``verify``)."""
        path = self.anchor_path
        if path is None or not path.exists():
            return []
        found = []
        for n, line in enumerate(path.read_text().splitlines(), 1):
            parts = line.split()
            if len(parts) >= 2 and parts[0].isdigit():
                found.append(Anchor(int(parts[0]), parts[1].lower(), f"{path.name} line {n}"))
        return found


_EPHEMERAL = secrets.token_hex(32)  # an in-memory store lives as long as this process


def shown(seq: int, mac: str) -> str:
    """The head as printed in briefs, alerts and exports: ``#SEQ MACPREFIX`` (``verify --anchor`` reads it)."""
    return f"#{seq} {mac[:ANCHOR_SHOWN]}"
