"""An erasure holds on every machine: erased with one instance folder, an older backup
restored with another, the person stays erased (S3 on loopback, shared ledger)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import delete, func, select

from likeness.app import create_app
from likeness.dsr import actions, casework, locate
from likeness.faces import engine
from likeness.library import sharing, suppression
from likeness.models import (
    Asset,
    ErasureLedgerEntry,
    Face,
    OutgoingEmail,
    Person,
    ShareLink,
    SubjectRequest,
    TakedownTask,
)
from likeness.platform.storage import asset_key, storage
from tests.conftest import make_config
from tests.platform.test_object_storage import (  # noqa: F401 (fixtures)
    CREDENTIALS,
    _objects,
    bucket,
    s3_endpoint,
)
from tests.support.helpers import run_jobs
from tests.support.scenarios import (
    invite_and_open,
    latest_request,
    send_answer,
    submit_request,
    verify_by_email,
)


@pytest.fixture
def app_overrides(s3_endpoint: str, bucket: str) -> dict[str, Any]:  # noqa: F811
    return {"STORAGE": "s3", "S3_BUCKET": bucket, "S3_PREFIX": "library",
            "S3_ENDPOINT_URL": s3_endpoint, **CREDENTIALS}


def _machine_b(app: Flask, tmp_path: Path, smtp_server: Any,
               app_overrides: dict[str, Any]) -> Flask:
    """Another machine: its own instance folder; the database, the bucket and the keys
    are shared."""
    config = {**make_config(tmp_path / "machine-b", app.config["SQLALCHEMY_DATABASE_URI"],
                            app.config["REDIS_URL"], smtp_server[0]),
              **app_overrides, "FACE_KEY_FILE": app.config["FACE_KEY_FILE"],
              "AUDIT_KEY_FILE": str(Path(app.config["INSTANCE_PATH"]) / "audit-key")}
    return create_app(config)


def _restore_on(machine: Flask, archive: Path) -> Any:
    return machine.test_cli_runner().invoke(args=["restore", "--yes", str(archive)])


def _erase(client: FlaskClient, mailbox: Any, db: Any, person_id: int, officer: Any) -> int:
    submit_request(client, type_="erasure", details="Remove me")
    verify_by_email(client, mailbox)
    erasure = latest_request(db)
    locate.link_person(erasure.id, person_id, actor=officer)
    locate.start(erasure.id, actor=officer)
    run_jobs()
    for match, _f, _a in locate.candidates(erasure.id):
        locate.decide(match.id, "confirmed", actor=officer, erasure_choice="blur")
    actions.perform(erasure.id, actor=officer)
    run_jobs()  # the ledger copy goes to the bucket
    return erasure.id


def _access_answered(client: FlaskClient, mailbox: Any, db: Any, person_id: int,
                     officer: Any) -> SubjectRequest:
    submit_request(client, type_="access", details="The gala", language="en")
    verify_by_email(client, mailbox)
    access = latest_request(db)
    locate.link_person(access.id, person_id, actor=officer)
    locate.start(access.id, actor=officer)
    run_jobs()
    for match, _f, _a in locate.candidates(access.id):
        locate.decide(match.id, "confirmed", actor=officer)
    actions.perform(access.id, actor=officer)
    send_answer(access.id, officer)
    casework.close(access.id, actor=officer)
    db.session.refresh(access)
    return access


def _faces_in_stored(sha256: str) -> int:
    with Image.open(io.BytesIO(storage().read(asset_key(sha256)))) as stored:
        return len(engine.detect(np.asarray(stored.convert("RGB"))))


def test_an_older_backup_restored_on_another_machine_keeps_the_erasure(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any, tmp_path: Path, smtp_server: Any,
    app_overrides: dict[str, Any], s3_endpoint: str, bucket: str,  # noqa: F811
):
    officer = make_staff("privacy_officer")
    person_id = tagged_barack.person.id
    invite_and_open(client, mailbox, tagged_barack, librarian)  # a stored e-mail to him
    sharing.create([tagged_barack.group_asset], channel="website", recipient_name="Agency",
                   recipient_email="agency@example.org", actor=librarian)
    access = _access_answered(client, mailbox, db, person_id, officer)
    export_key = access.export_zip_path
    assert export_key and storage().exists(export_key)
    obama = db.session.get(Asset, tagged_barack.obama_asset)
    assert _faces_in_stored(obama.sha256) == 1
    archive = tmp_path / "before-erasure.tar.gz"
    assert app.test_cli_runner().invoke(args=["backup", "--output", str(archive)]).exit_code == 0

    erasure_id = _erase(client, mailbox, db, person_id, officer)
    reference = db.session.get(SubjectRequest, erasure_id).reference
    tasks_before = db.session.scalar(select(func.count()).select_from(TakedownTask).where(
        TakedownTask.request_id == erasure_id))
    assert tasks_before >= 1
    assert any(k.startswith("library/ledger/erasures/") for k in _objects(s3_endpoint, bucket))

    machine_b = _machine_b(app, tmp_path, smtp_server, app_overrides)
    result = _restore_on(machine_b, archive)
    assert result.exit_code == 0, result.output
    assert "erasure_entries_restored: " in result.output
    db.session.expire_all()

    person = db.session.get(Person, person_id)
    assert person.is_suppressed
    assert (person.name, person.email, person.date_of_birth) == (suppression.ERASED_NAME,
                                                                 None, None)
    assert db.session.scalar(select(func.count()).select_from(Face).where(
        Face.person_id == person_id)) == 0
    obama = db.session.get(Asset, tagged_barack.obama_asset)
    assert all(f.is_always_blurred and f.template_ciphertext is None for f in obama.faces)
    assert _faces_in_stored(obama.sha256) == 0  # the archive's unblurred file: burnt again
    # No earlier export and no e-mail to him comes back.
    assert not storage().exists(export_key)
    assert db.session.get(SubjectRequest, access.id).export_zip_path is None
    assert db.session.scalars(select(OutgoingEmail).where(
        func.lower(OutgoingEmail.recipient) == "barack@example.org")).all() == []
    # The link that showed the photo stays off; the erasure request and its tasks remain.
    assert all(link.revoked_at is not None for link in db.session.scalars(select(ShareLink)))
    carried = db.session.scalars(select(SubjectRequest).where(
        SubjectRequest.reference == reference)).one()
    assert carried.type == "erasure"
    assert db.session.scalar(select(func.count()).select_from(TakedownTask).where(
        TakedownTask.request_id == carried.id)) == tasks_before


def test_the_shared_ledger_alone_brings_the_erasure_back(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    make_staff: Any, tmp_path: Path, smtp_server: Any, app_overrides: dict[str, Any],
):
    """The database lost its ledger rows too (a restore into a fresh database): the
    copies in the bucket are enough."""
    officer = make_staff("privacy_officer")
    archive = tmp_path / "before-erasure.tar.gz"
    assert app.test_cli_runner().invoke(args=["backup", "--output", str(archive)]).exit_code == 0
    _erase(client, mailbox, db, tagged_barack.person.id, officer)
    db.session.execute(delete(ErasureLedgerEntry))
    db.session.commit()

    result = _restore_on(_machine_b(app, tmp_path, smtp_server, app_overrides), archive)
    assert result.exit_code == 0, result.output
    assert "erasure_entries_restored: 0" not in result.output
    db.session.expire_all()
    assert db.session.get(Person, tagged_barack.person.id).is_suppressed
    obama = db.session.get(Asset, tagged_barack.obama_asset)
    assert _faces_in_stored(obama.sha256) == 0


def test_a_shared_ledger_that_cannot_be_read_stops_the_restore_and_changes_nothing(
    app: Flask, db: Any, tagged_barack: Any, librarian: Any, tmp_path: Path,
    smtp_server: Any, app_overrides: dict[str, Any],
):
    from likeness.library import people

    archive = tmp_path / "backup.tar.gz"
    assert app.test_cli_runner().invoke(args=["backup", "--output", str(archive)]).exit_code == 0
    people.create("Added Later", actor=librarian)
    storage().write("ledger/erasures/" + "0" * 64 + ".json", b"{not the entry it names")

    result = _restore_on(_machine_b(app, tmp_path, smtp_server, app_overrides), archive)
    assert result.exit_code != 0
    assert "ledger" in result.output and "cannot be read" in result.output
    assert "Nothing was restored" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Person).where(
        Person.name == "Added Later")) == 1


def test_a_ledger_copy_that_fails_is_retried_until_the_store_answers(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, monkeypatch: pytest.MonkeyPatch,
    s3_endpoint: str, bucket: str,  # noqa: F811
):
    from likeness.consent import withdrawal
    from likeness.models import OutboxJob, OutboxStatus, Quitclaim
    from likeness.platform import outbox, shared_ledger
    from likeness.platform.actor import person_actor
    from likeness.platform.storage import StorageUnavailable
    from tests.support.scenarios import sign

    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    assert sign(client, path, channels=["website"]).status_code == 302
    run_jobs()
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    store = shared_ledger.ledger_store()
    working_write = store.write

    def unreachable(key: str, data: bytes) -> None:
        raise StorageUnavailable("the object store did not answer")

    monkeypatch.setattr(store, "write", unreachable)
    withdrawal.withdraw(quitclaim.id, actor=person_actor(tagged_barack.person.id))
    run_jobs()
    copy = db.session.scalars(select(OutboxJob).where(
        OutboxJob.job_name == shared_ledger.publish.name)).one()
    assert copy.status != OutboxStatus.DONE and copy.last_error == "StorageUnavailable"
    assert not any("ledger/withdrawals/" in k for k in _objects(s3_endpoint, bucket))

    monkeypatch.setattr(store, "write", working_write)  # the store answers again
    outbox.sweep()
    run_jobs()
    db.session.expire_all()
    assert db.session.get(OutboxJob, copy.id).status == OutboxStatus.DONE
    (entry,) = shared_ledger.read("withdrawals")
    assert entry["quitclaim_id"] == quitclaim.id
