"""Portability (Art. 20): the person's own data in a documented, machine-readable export,
and (Art. 20(2)) sent straight to another organisation through a time-limited link."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from likeness.cockpit import retention, schedules
from likeness.dsr import export, portability, transmission
from likeness.faces import engine
from likeness.models import AuditEvent, utcnow
from likeness.platform.storage import instance_dir
from tests.support.helpers import csrf_token_from, link_in, run_jobs
from tests.support.scenarios import (
    carry_out_for_person,
    invite_and_open,
    latest_request,
    send_answer,
    sign,
    submit_request,
    verify_by_email,
)

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`

RECEIVER = "intake@newbank.example"


def _answered_portability(client: FlaskClient, mailbox: Any, db: Any, scenario: Any,
                          librarian: Any, officer: Any) -> tuple[Any, str]:
    """Barack signed a quitclaim, asked for his data, and was answered; returns the
    request and its status page path."""
    path = invite_and_open(client, mailbox, scenario, librarian, channels=["website"])
    assert sign(client, path, channels=["website"]).status_code == 302
    run_jobs()
    submit_request(client, type_="portability", details="For my new employer's image bank")
    status_path = verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    carry_out_for_person(subject_request.id, scenario.person.id, officer)
    send_answer(subject_request.id, officer)
    db.session.refresh(subject_request)
    return subject_request, status_path


def _transmit(client: FlaskClient, status_path: str, address: str, repeated: str) -> Any:
    page = client.get(status_path)
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(f"{status_path}/transmit",
                       data={"csrf_token": token, "address": address, "repeated": repeated})


def _data(archive_bytes: bytes) -> tuple[zipfile.ZipFile, dict[str, Any]]:
    archive = zipfile.ZipFile(io.BytesIO(archive_bytes))
    return archive, json.loads(archive.read(export.DATA_FILE))


def test_the_export_holds_only_the_persons_own_data_in_the_documented_schema(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any,
):
    officer = make_staff("privacy_officer")
    subject_request, _path = _answered_portability(client, mailbox, db, tagged_barack,
                                                   librarian, officer)
    archive, data = _data((instance_dir() / subject_request.export_zip_path).read_bytes())
    assert data["schema"] == "likeness-portability/1"
    assert data["person"]["name"] == "Barack Obama"
    assert data["person"]["date_of_birth"] == "1961-08-04"
    (consent,) = data["consents"]
    assert [c["channel"] for c in consent["channels"]] == ["website"]
    assert archive.read(consent["signed_pdf"]).startswith(b"%PDF")
    assert len(data["photos"]) == 2
    for photo in data["photos"]:
        assert photo["consent_per_channel"]["website"] in {"green", "amber"}
        assert photo["covered_by_consents"] == [consent["id"]]
        assert photo["tagged_at"] and photo["added_at"]
    (own,) = data["requests"]
    assert own["reference"] == subject_request.reference
    assert own["what_you_wrote"] == "For my new employer's image bank"
    # As it stood when the export was made: carried out, the answer being drafted.
    assert [h["status"] for h in own["history"]][-1] == "in_progress"
    # Nothing about anyone else: no staff, no recipients, no access log.
    text = json.dumps(data)
    assert librarian.email not in text and officer.email not in text
    assert not {"recipients", "who_handled_your_photos", "emails_sent_to_you"} & set(data)
    # The other man in the group photo is blurred, as in the access copy (Art. 20(4)).
    faces = []
    for photo in data["photos"]:
        with Image.open(io.BytesIO(archive.read(photo["file"]))) as copy:
            faces.append(len(engine.detect(np.asarray(copy.convert("RGB")))))
    assert sorted(faces) == [1, 1]


def test_a_link_mailed_to_the_receiving_controller_downloads_the_export_until_it_expires(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any,
):
    officer = make_staff("privacy_officer")
    subject_request, status_path = _answered_portability(client, mailbox, db, tagged_barack,
                                                         librarian, officer)
    page = client.get(status_path).get_data(as_text=True)
    assert "Send your data to another organisation" in page
    assert "The link works for 7 days." in page
    response = _transmit(client, status_path, RECEIVER, RECEIVER.upper())
    assert response.status_code == 302
    assert "We sent the organisation a link" in client.get(status_path).get_data(as_text=True)
    run_jobs()
    (message,) = mailbox.to(RECEIVER)
    assert "Article 20(2)" in message.get_payload(decode=True).decode()
    link = link_in(message, "/export/")
    download = client.get(link)
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    _archive, data = _data(download.data)
    assert data["schema"] == portability.SCHEMA
    assert data["person"]["name"] == "Barack Obama"
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject == f"request:{subject_request.id}"))]
    assert transmission.SENT in actions and transmission.DOWNLOADED in actions
    assert RECEIVER not in json.dumps([e.details for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == transmission.SENT))])

    with time_machine.travel(utcnow() + timedelta(days=8), tick=False):
        expired = client.get(link)
    assert expired.status_code == 410
    assert "This link has expired." in expired.get_data(as_text=True)


def test_the_link_stops_working_once_retention_deleted_the_export(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any,
):
    officer = make_staff("privacy_officer")
    subject_request, status_path = _answered_portability(client, mailbox, db, tagged_barack,
                                                         librarian, officer)
    assert _transmit(client, status_path, RECEIVER, RECEIVER).status_code == 302
    run_jobs()
    link = link_in(mailbox.to(RECEIVER)[0], "/export/")
    schedules.save({schedules.EXPORT_DAYS.key: 1}, actor=officer)
    later = datetime.now(UTC) + timedelta(days=2)
    retention.execute([p for p in retention.plan(later) if p.rule == "exports"])
    gone = client.get(link)
    assert gone.status_code == 410
    assert "no longer available" in gone.get_data(as_text=True)
    # Nothing left to send on either.
    assert "Send your data to another organisation" not in client.get(
        status_path).get_data(as_text=True)


def test_mistyped_invalid_and_erased_addresses_are_refused_with_a_clear_message(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any,
):
    from likeness.library import suppression

    officer = make_staff("privacy_officer")
    _request, status_path = _answered_portability(client, mailbox, db, tagged_barack,
                                                  librarian, officer)
    mismatch = _transmit(client, status_path, RECEIVER, "intake@newbank.exampel")
    assert mismatch.status_code == 400
    assert "The two addresses are not the same" in mismatch.get_data(as_text=True)
    invalid = _transmit(client, status_path, "intake-at-newbank", "intake-at-newbank")
    assert invalid.status_code == 400
    assert "This is not a valid email address." in invalid.get_data(as_text=True)
    empty = _transmit(client, status_path, "", "")
    assert empty.status_code == 400
    assert "Enter the email address of the organisation" in empty.get_data(as_text=True)

    erased = "gone@example.org"
    suppression_hash = suppression.keyed_hash(erased)
    _suppress(db, suppression_hash)
    refused = _transmit(client, status_path, erased, erased)
    assert refused.status_code == 400
    assert "We cannot send anything to this address." in refused.get_data(as_text=True)
    run_jobs()
    assert mailbox.to(RECEIVER) == [] and mailbox.to(erased) == []

    for _ in range(transmission.SENDS_PER_DAY):
        assert _transmit(client, status_path, RECEIVER, RECEIVER).status_code == 302
    too_many = _transmit(client, status_path, RECEIVER, RECEIVER)
    assert too_many.status_code == 400
    assert "you can send it again tomorrow" in too_many.get_data(as_text=True)


def test_a_tampered_link_is_refused(app: Flask, client: FlaskClient):
    response = client.get("/export/not-a-real-token")
    assert response.status_code == 400
    assert "This link is not valid." in response.get_data(as_text=True)


def _suppress(db: Any, address_hash: str) -> None:
    """An erased person's address on the suppression list, as erasure leaves it."""
    from likeness.models import ErasureKind, ErasureLedgerEntry

    db.session.add(ErasureLedgerEntry(kind=ErasureKind.PERSON_SUPPRESSED,
                                      facts={"address_hashes": [address_hash]}))
    db.session.commit()
