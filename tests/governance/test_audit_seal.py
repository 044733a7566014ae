"""The keyed audit chain and its anchor: what someone with write access to the database (but not to the audit
key or the anchor file) can do to the trail, and that ``verify`` names each of it — tail deletion (one row,
three rows), a row re-hashed with plain SHA-256, a chain re-keyed with the forger's own key, an inserted row,
an edited row, and governed settings that no longer match the audited history."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from governance.audit import Anchor, AuditKeyError, Seal, canonical
from governance.service import AUDIT_FIELDS, Actor, Governance, _canonical_time

ADMIN, VIEWER = Actor("ana", "admin"), Actor("vic", "viewer")


@pytest.fixture
def seal(tmp_path: Path) -> Seal:
    return Seal(tmp_path / "audit", "store.audit-anchor")


@pytest.fixture
def gov(store, seal):  # type: ignore[no-untyped-def]
    """A seeded workspace (3 rows) with two threshold changes and a carrier-free target change (rows 4–6)."""
    g = Governance(store, ADMIN, seal=seal)
    g.seed_if_empty()
    g.set_thresholds(stale_scan_hours=36, reason="peak season")  # version 1, row 4
    g.set_target("wismo_contact_rate", 0.05, 0.08, reason="tighter")  # version 2, row 5
    g.set_thresholds(stale_scan_hours=30, reason="carrier feeds improved")  # version 3, row 6
    assert g.verify() == []
    return g


def _rows(g: Governance) -> list[dict]:
    return g.audit()


def _fields(r: dict) -> list:
    f = [r[k] for k in AUDIT_FIELDS]
    f[1] = _canonical_time(r["at"] if isinstance(r["at"], str) else r["at"].isoformat())
    return f


def _rewrite(g: Governance, start: int, mac, scheme: str, edit=None) -> None:  # type: ignore[no-untyped-def]
    """What a forger with database access does: edit a row, then recompute every hash from ``start`` on."""
    rows = _rows(g)
    with g.store.engine.begin() as conn:
        prev = rows[start - 2]["hash"] if start > 1 else "0" * 64
        for r in rows[start - 1:]:
            if edit:
                r = edit(r)
            r = r | {"prev_hash": prev}
            new = mac(canonical(_fields(r)))
            conn.execute(text("UPDATE gov_audit SET prev_hash = :p, hash = :h, scheme = :s, new_value = :n "
                              "WHERE seq = :q"), {"p": "tmp-" + str(r["seq"]), "h": new, "s": scheme,
                                                  "n": r["new_value"], "q": r["seq"]})
            prev = new
    rows2 = _rows(g)  # prev_hash is unique: set the real links once every row has its new hash = _rows(g)
    with g.store.engine.begin() as conn:
        prev = rows2[start - 2]["hash"] if start > 1 else "0" * 64
        for r in rows2[start - 1:]:
            conn.execute(text("UPDATE gov_audit SET prev_hash = :p WHERE seq = :q"), {"p": prev, "q": r["seq"]})
            prev = r["hash"]


def _plain(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("deleted", [1, 3])
def test_deleting_the_newest_rows_is_named(gov, deleted):
    """Deleting the newest rows leaves a valid shorter chain; the anchor file and the settings in force tell."""
    with gov.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM gov_audit WHERE seq > :n"), {"n": 6 - deleted})
    problems = Governance(gov.store, VIEWER, seal=gov.seal).verify()
    span = "row 6" if deleted == 1 else "rows 4–6"
    assert f"{span}, recorded as the head outside the database, {'is' if deleted == 1 else 'are'} missing: " \
           "the newest rows were deleted" in problems
    # the deleted changes' settings versions are still in force, with nothing on the trail for them
    assert "thresholds version 3 is in force in the store but not on the audit trail (added outside the app, " \
           "or its audit row was deleted)" in problems
    assert len([p for p in problems if "not on the audit trail" in p]) == deleted


def test_tail_deletion_is_named_by_a_head_quoted_from_a_brief_even_without_the_anchor_file(gov):
    """With the anchor file gone too, the head printed in a brief footer (``--anchor``) still tells."""
    quoted = Anchor.parse(gov.head())
    with gov.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM gov_audit WHERE seq = 6"))
        conn.execute(text("DELETE FROM gov_settings_versions WHERE version = 3"))  # the forger tidies up too
    assert gov.seal.anchor_path is not None
    gov.seal.anchor_path.unlink()
    problems = Governance(gov.store, VIEWER, seal=gov.seal).verify([quoted])
    assert problems[0].startswith("the anchor file ") and problems[0].endswith(
        "is missing: whether the newest rows were deleted cannot be told")
    assert "row 6, recorded as the head outside the database, is missing: the newest rows were deleted" in problems


def test_a_row_edited_and_rehashed_with_plain_sha256_is_named(gov):
    """Editing row 5 (the target) and recomputing plain SHA-256 hashes from there does not pass."""
    def edit(r: dict) -> dict:
        return r | {"new_value": r["new_value"].replace("0.05", "0.5")} if r["seq"] == 5 else r
    _rewrite(gov, 5, _plain, "sha256", edit)
    problems = gov.verify()
    assert "row 5 carries an unkeyed hash after the keyed chain began (forged)" in problems
    assert "row 6 carries an unkeyed hash after the keyed chain began (forged)" in problems


def test_the_whole_chain_rehashed_is_named_by_the_anchor(gov):
    """Re-hashing every row as a plain chain (as if it predated the key) is caught by the recorded heads."""
    _rewrite(gov, 1, _plain, "sha256")
    problems = gov.verify()
    assert problems == ["rows 1–6 are not what store.audit-anchor recorded as the head: the chain was rewritten"]


def test_a_chain_rekeyed_with_the_forgers_own_key_is_named(gov):
    key = b"m" * 64
    _rewrite(gov, 1, lambda d: hmac.new(key, d, hashlib.sha256).hexdigest(), "hmac-sha256:0123456789ab")
    problems = gov.verify()
    assert problems[0].startswith("row 1 was written with another key (0123456789ab) than the one here (")


def test_an_inserted_row_is_named(gov):
    """A row appended by hand with a plausible MAC-looking hash: wrong key id, or wrong MAC."""
    last = _rows(gov)[-1]
    with gov.store.engine.begin() as conn:
        conn.execute(text("INSERT INTO gov_audit (seq, at, actor, role, action, entity, entity_id, old_value, "
                          "new_value, reason, outcome, prev_hash, hash, scheme) VALUES (7, :at, 'ana', 'admin', "
                          "'update checklist', 'checklist', 'Q01', '{}', '{\"status\": \"yes\"}', '', 'done', "
                          ":prev, :h, :s)"),
                     {"at": last["at"], "prev": last["hash"], "h": "f" * 64, "s": last["scheme"]})
    assert gov.verify() == ["row 7 was changed after it was written"]


def test_an_edited_row_is_named(gov):
    with gov.store.engine.begin() as conn:
        conn.execute(text("UPDATE gov_audit SET reason = 'nothing to see' WHERE seq = 4"))
    assert gov.verify() == ["row 4 was changed after it was written"]


def test_settings_in_force_match_the_audited_history(gov):
    """A threshold payload edited in place, a version added without the app, and one deleted are each named."""
    with gov.store.engine.begin() as conn:
        payload = json.loads(conn.execute(text("SELECT payload FROM gov_settings_versions WHERE version = 3"))
                             .scalar_one())
        payload["stale_scan_hours"] = 400
        conn.execute(text("UPDATE gov_settings_versions SET payload = :p WHERE version = 3"),
                     {"p": json.dumps(payload, sort_keys=True)})
    assert gov.verify() == ["thresholds version 3 was changed after it was audited"]
    with gov.store.engine.begin() as conn:
        conn.execute(text("INSERT INTO gov_settings_versions (version, kind, created_at, created_by, reason, "
                          "payload) SELECT 4, kind, created_at, created_by, reason, payload FROM "
                          "gov_settings_versions WHERE version = 3"))
        conn.execute(text("DELETE FROM gov_settings_versions WHERE version = 2"))
    problems = gov.verify()
    assert "thresholds version 4 is in force in the store but not on the audit trail (added outside the app, or " \
           "its audit row was deleted)" in problems
    assert "targets version 2 is on the audit trail but missing from the store (deleted: an older setting is in " \
           "force)" in problems


def test_the_key_lives_outside_the_database_and_is_generated_once(gov, seal):
    """The generated key is a 0600 file in the audit folder; no row holds it; the anchor file holds each head."""
    path = seal.key_path
    assert path is not None and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text().strip()
    assert len(key) == 64
    with gov.store.engine.connect() as conn:
        dumped = json.dumps([dict(r) for r in conn.execute(text("SELECT * FROM gov_audit")).mappings()], default=str)
    assert key not in dumped
    assert [a.seq for a in seal.anchors()] == [1, 2, 3, 4, 5, 6]


def test_a_missing_key_refuses_writes_and_never_forks_the_chain(gov, seal):
    """Without the key the chain was written with, a change is refused and nothing is written."""
    assert seal.key_path is not None
    saved = seal.key_path.read_text()
    seal.key_path.unlink()
    before = len(_rows(gov))
    with pytest.raises(AuditKeyError, match="which is not here"):
        gov.update_checklist("Q01", status="yes", reason="x")
    assert len(_rows(gov)) == before and gov.checklist()[0]["status"] == "not_assessed"
    assert not seal.key_path.exists()  # no new key was made
    assert gov.verify()[0].startswith("no audit key here")
    seal.key_path.write_text(saved)
    assert gov.verify() == []


def test_a_configured_key_is_used_and_a_short_one_refused(store, tmp_path):
    secret = "s" * 40
    g = Governance(store, ADMIN, seal=Seal(tmp_path / "a", secret=secret))
    g.seed_if_empty()
    mine = Seal(tmp_path / "a", secret=secret)
    assert _rows(g)[-1]["scheme"] == mine.scheme(secret.encode())
    assert not (tmp_path / "a" / "audit.key").exists()  # nothing generated: the key is the setting
    assert Governance(store, VIEWER, seal=Seal(tmp_path / "a", secret="t" * 40)).verify()[0].startswith(
        "row 1 was written with another key")
    with pytest.raises(AuditKeyError, match="at least 32 characters"):
        Governance(store, VIEWER, seal=Seal(tmp_path / "a", secret="short")).verify()


def test_rows_written_before_the_key_are_sealed_by_the_first_keyed_row(store, seal):
    """An installation upgraded from the plain chain: its old rows check as before, new rows are keyed."""
    g = Governance(store, ADMIN, seal=seal)
    g.seed_if_empty()
    _rewrite(g, 1, _plain, "sha256")  # what the three seeding rows looked like before the upgrade
    assert seal.anchor_path is not None and seal.key_path is not None
    seal.anchor_path.unlink()
    seal.key_path.unlink()  # the installation never had a key
    assert g.verify() == []
    g.update_checklist("Q01", status="partly", reason="after the upgrade")
    assert [r["scheme"].split(":")[0] for r in _rows(g)] == ["sha256", "sha256", "sha256", "hmac-sha256"]
    assert g.verify() == []


def test_the_head_as_quoted(gov):
    """The head a reader can check later (brief footer, alerts, export): '#SEQ MAC' with 16 hex characters."""
    head = gov.head()
    assert head == f"#6 {_rows(gov)[-1]['hash'][:16]}"
    assert Anchor.parse(head) == Anchor(6, _rows(gov)[-1]["hash"][:16], "--anchor")
    assert Anchor.parse(f"6:{_rows(gov)[-1]['hash']}").seq == 6
    with pytest.raises(ValueError, match="SEQ:MAC"):
        Anchor.parse("6:abc")
