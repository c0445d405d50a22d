"""Backups are sealed: encrypted and authenticated with BACKUP_KEY, their hash in the
audit chain. A changed, cut, foreign or unencrypted archive is refused before anything
is extracted, and the data stays as it was."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from likeness.library import people
from likeness.models import AuditEvent, Person
from likeness.platform import backup_crypto
from likeness.platform.storage import instance_dir


def _cli(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def archive(app: Flask, db: Any, tagged_barack: Any, librarian: Any, tmp_path: Path) -> Path:
    path = tmp_path / "backup.sealed"
    result = _cli(app, "backup", "--output", str(path))
    assert result.exit_code == 0, result.output
    people.create("Added After The Backup", actor=librarian)
    return path


def _unchanged(db: Any) -> bool:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Person).where(
        Person.name == "Added After The Backup")) == 1


def _nothing_extracted() -> bool:
    return not any(p.name.startswith("restore-") for p in instance_dir().iterdir())


def test_a_backup_is_sealed_and_its_hash_is_in_the_audit_chain_and_checked_at_restore(
    app: Flask, db: Any, archive: Path,
):
    raw = archive.read_bytes()
    assert raw.startswith(backup_crypto.MAGIC)
    assert b"\x1f\x8b" not in raw[:len(backup_crypto.MAGIC) + 2]  # no gzip in clear
    assert b"barack@example.org" not in raw and b"Barack" not in raw
    sha256 = backup_crypto.file_sha256(archive)
    recorded = [e.details for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "backup.created"))]
    assert [d["sha256"] for d in recorded] == [sha256]

    result = _cli(app, "restore", "--yes", str(archive))
    assert result.exit_code == 0, result.output
    assert f"sha256 {sha256}, sealed and verified" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Person).where(
        Person.name == "Added After The Backup")) == 0
    restored = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "backup.restored")).one()
    assert restored.details["sha256"] == sha256
    # The restored chain is older than the backup, yet it stays restorable.
    again = _cli(app, "restore", "--yes", str(archive))
    assert again.exit_code == 0, again.output


def test_a_tampered_archive_is_refused_before_anything_is_extracted(
    app: Flask, db: Any, archive: Path, tmp_path: Path,
):
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    tampered = tmp_path / "tampered.sealed"
    tampered.write_bytes(bytes(raw))
    sha256 = backup_crypto.file_sha256(tampered)
    # Unknown to the audit chain: refused at once.
    refused = _cli(app, "restore", "--yes", str(tampered))
    assert refused.exit_code != 0
    assert "is not a backup this installation recorded" in refused.output
    # Even when the operator vouches for the hash, the seal does not verify.
    refused = _cli(app, "restore", "--yes", "--sha256", sha256, str(tampered))
    assert refused.exit_code != 0
    assert "does not verify" in refused.output and "Nothing was restored" in refused.output
    assert _unchanged(db) and _nothing_extracted()


def test_a_cut_short_archive_is_refused(app: Flask, db: Any, archive: Path, tmp_path: Path):
    cut = tmp_path / "cut.sealed"
    cut.write_bytes(archive.read_bytes()[:-100])
    refused = _cli(app, "restore", "--yes", "--sha256", backup_crypto.file_sha256(cut),
                   str(cut))
    assert refused.exit_code != 0 and "does not verify" in refused.output
    assert _unchanged(db)


def test_an_archive_sealed_with_another_key_is_refused(
    app: Flask, db: Any, archive: Path, tmp_path: Path,
):
    from likeness.platform.app_state import forget

    key_file = Path(app.config["INSTANCE_PATH"]) / "backup-key"
    key_file.unlink()
    forget("likeness.backup_key")  # another key: made afresh on next use
    refused = _cli(app, "restore", "--yes", str(archive))
    assert refused.exit_code != 0 and "does not verify" in refused.output
    assert _unchanged(db)


def test_an_unencrypted_archive_with_a_planted_admin_is_refused(
    app: Flask, db: Any, archive: Path, tmp_path: Path,
):
    """The old plain tar.gz format, holding an admin row someone planted."""
    plain = tmp_path / "planted.tar.gz"
    manifest = {"format": "likeness-backup/1", "revision": None, "rows": {"staff_user": 1},
                "folders": []}
    row = {"id": 999, "email": "intruder@example.org", "role": "admin"}
    with tarfile.open(plain, "w:gz") as tar:
        for name, data in (("manifest.json", json.dumps(manifest).encode()),
                           ("database/staff_user.jsonl", json.dumps(row).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    for args in (["restore", "--yes", str(plain)],
                 ["restore", "--yes", "--sha256", backup_crypto.file_sha256(plain),
                  str(plain)]):
        refused = _cli(app, *args)
        assert refused.exit_code != 0
        assert "not a sealed Likeness backup" in refused.output
    assert _unchanged(db) and _nothing_extracted()
