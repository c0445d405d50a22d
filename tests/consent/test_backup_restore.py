"""Backups and restores: an old backup never brings withdrawn consent back."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from likeness.consent import withdrawal
from likeness.library import people
from likeness.models import Asset, AuditEvent, Face, Person, Quitclaim, QuitclaimStatus
from likeness.platform import audit, backup, backup_crypto
from likeness.platform.actor import person_actor
from likeness.platform.storage import asset_path, instance_dir, storage
from tests.support.helpers import run_jobs
from tests.support.scenarios import invite_and_open, sign


def _cli(app: Flask, *args: str) -> Any:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def test_a_restore_brings_data_and_files_back_and_keeps_later_withdrawals(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, tmp_path: Path,
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    assert sign(client, path, channels=["website", "print"],
                face_recognition="allow").status_code == 302
    run_jobs()
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    quitclaim_id, pdf_path = quitclaim.id, quitclaim.pdf_path
    person_id = tagged_barack.person.id
    archive = tmp_path / "backup.tar.gz"
    _cli(app, "backup", "--output", str(archive))
    assert archive.stat().st_mode & 0o777 == 0o600

    # After the backup: the person withdraws; staff add someone; a file goes missing.
    withdrawal.withdraw(quitclaim_id, actor=person_actor(person_id))
    people.create("Someone New", actor=librarian)
    photo = db.session.scalars(select(Face)).first().asset
    asset_path(photo.sha256).unlink()

    output = _cli(app, "restore", "--yes", str(archive)).output
    assert "withdrawals_reapplied: 1" in output
    db.session.expire_all()

    restored = db.session.get(Quitclaim, quitclaim_id)
    assert restored.status == QuitclaimStatus.WITHDRAWN  # the withdrawal stands
    assert restored.biometric_withdrawn_at is not None
    assert db.session.scalar(select(func.count()).select_from(Face).where(
        Face.person_id == person_id, Face.template_ciphertext.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(Person).where(
        Person.name == "Someone New")) == 0
    assert asset_path(photo.sha256).exists()
    assert (instance_dir() / pdf_path).exists()
    # The chain moved back by a recorded re-anchor: no false alarm, and it is on record.
    assert audit.verify().ok
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"audit.reanchored", "backup.restored", "quitclaim.withdrawal_reapplied"} <= actions
    assert "after restore, withdrawals" in output


def test_a_second_restore_of_the_same_backup_does_not_withdraw_a_newer_quitclaim_with_that_id(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, tmp_path: Path,
):
    archive = tmp_path / "before-signing.tar.gz"
    _cli(app, "backup", "--output", str(archive))
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    assert sign(client, path, channels=["website"]).status_code == 302
    first = db.session.scalars(select(Quitclaim)).one()
    withdrawal.withdraw(first.id, actor=person_actor(tagged_barack.person.id))
    _cli(app, "restore", "--yes", str(archive))  # the quitclaim is gone again
    db.session.expire_all()
    assert db.session.scalars(select(Quitclaim)).all() == []
    mailbox.messages.clear()
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    assert sign(client, path, channels=["website"]).status_code == 302
    second = db.session.scalars(select(Quitclaim)).one()
    second_id = second.id
    later = tmp_path / "after-signing-again.tar.gz"
    _cli(app, "backup", "--output", str(later))
    output = _cli(app, "restore", "--yes", str(later)).output
    assert "withdrawals_reapplied: 0" in output
    db.session.expire_all()
    assert db.session.get(Quitclaim, second_id).status == QuitclaimStatus.SIGNED
    _cli(app, "verify-audit")


def test_an_archive_that_is_not_a_backup_is_refused(app: Flask, tmp_path: Path):
    bogus = tmp_path / "x.tar.gz"
    bogus.write_bytes(b"not an archive")
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(bogus)])
    assert result.exit_code != 0
    assert "not a sealed Likeness backup" in result.output


def test_an_old_backup_cannot_bring_an_erased_face_back(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any, tmp_path: Path,
):
    import numpy as np
    from PIL import Image

    from likeness.faces import engine
    from likeness.models import Asset
    from tests.support.scenarios import (
        carry_out_for_person,
        latest_request,
        submit_request,
        verify_by_email,
    )

    archive = tmp_path / "before-erasure.tar.gz"
    _cli(app, "backup", "--output", str(archive))
    officer = make_staff("privacy_officer")
    submit_request(client, type_="erasure", details="Remove me")
    verify_by_email(client, mailbox)
    erasure = latest_request(db)
    carry_out_for_person(erasure.id, tagged_barack.person.id, officer, erasure_choice="blur")
    run_jobs()

    output = _cli(app, "restore", "--yes", str(archive)).output
    assert "erasures_reapplied: " in output
    db.session.expire_all()
    person = db.session.get(Person, tagged_barack.person.id)
    assert person.is_suppressed  # the restored row said otherwise; the ledger wins
    assert db.session.scalar(select(func.count()).select_from(Face).where(
        Face.person_id == person.id)) == 0
    obama = db.session.get(Asset, tagged_barack.obama_asset)
    assert all(f.is_always_blurred for f in obama.faces)
    with Image.open(asset_path(obama.sha256)) as stored:  # the backup's unblurred file...
        assert engine.detect(np.asarray(stored.convert("RGB"))) == []  # ...burnt again


def test_a_file_deleted_while_the_backup_runs_is_left_out_not_fatal(
    app: Flask, db: Any, upload: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
):
    (asset_id,) = upload("obama.jpg")
    store = storage()
    listed = store.keys

    def keys_then_one_erased(prefix: str) -> Iterator[str]:
        yield from listed(prefix)
        if prefix == "assets/":  # listed, then erased before the backup read it
            yield "assets/zz/erased-meanwhile.jpg"

    monkeypatch.setattr(store, "keys", keys_then_one_erased)
    archive = tmp_path / "backup.tar.gz"
    output = _cli(app, "backup", "--output", str(archive)).output
    assert "1 files deleted while the backup ran" in output
    plain = tmp_path / "unsealed.tar.gz"
    backup_crypto.unseal(archive, plain)  # with the key, as a restore does
    with tarfile.open(plain) as backup:
        names = backup.getnames()
        manifest = json.loads(backup.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert manifest["files_vanished"] == 1
    original = asset_path(db.session.get(Asset, asset_id).sha256).relative_to(instance_dir())
    assert f"files/{original.as_posix()}" in names
    assert not any("erased-meanwhile" in name for name in names)


def test_a_restore_stopped_half_way_blocks_the_next_until_recovered_and_is_undone(
    app: Flask, db: Any, upload: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
):
    upload("obama.jpg")
    archive = tmp_path / "backup.tar.gz"
    _cli(app, "backup", "--output", str(archive))
    store = storage()
    store.write("assets/zz/after-the-backup.jpg", b"a photo added after the backup")

    # The process dies after the files were swapped, before the commit: nothing runs
    # the undo (no rollback hook), the database rolls back by itself.
    monkeypatch.setattr(backup, "on_rollback", lambda hook: None)

    def killed() -> None:
        raise RuntimeError("the process was killed here")

    monkeypatch.setitem(backup._HOOKS, "killed", killed)
    assert app.test_cli_runner().invoke(args=["restore", "--yes", str(archive)]).exit_code != 0
    assert not store.exists("assets/zz/after-the-backup.jpg")  # set aside, stranded
    monkeypatch.delitem(backup._HOOKS, "killed")

    refused = app.test_cli_runner().invoke(args=["restore", "--yes", str(archive)])
    assert refused.exit_code != 0 and "flask recover-restore" in refused.output
    assert "files put back" in _cli(app, "recover-restore").output
    assert store.read("assets/zz/after-the-backup.jpg") == b"a photo added after the backup"
    assert not list(store.keys("pre-restore-"))
    assert "nothing to do" in _cli(app, "recover-restore").output
    _cli(app, "restore", "--yes", str(archive))  # and restores work again


def test_recovery_after_a_committed_restore_only_removes_its_leftovers(
    app: Flask, db: Any, upload: Any, tmp_path: Path,
):
    upload("obama.jpg")
    archive = tmp_path / "backup.tar.gz"
    _cli(app, "backup", "--output", str(archive))
    _cli(app, "restore", "--yes", str(archive))
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "backup.restored")).one()
    restore_id = event.details["restore"]
    files_now = sorted(storage().keys("assets/"))
    # It died after its commit, before removing the old files and its marker.
    storage().write(f"pre-restore-{restore_id}/assets/zz/old.jpg", b"the old file")
    (instance_dir() / backup.RESTORING_MARKER).write_text(json.dumps({"restore": restore_id}))

    assert "had committed" in _cli(app, "recover-restore").output
    assert sorted(storage().keys("assets/")) == files_now  # the restored files stay
    assert not list(storage().keys("pre-restore-"))
