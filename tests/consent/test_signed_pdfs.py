"""The signed-quitclaim PDF and the answer to a request both carry the organisation's
PAdES signature, which any changed byte breaks."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.dsr import casework
from likeness.models import Quitclaim
from likeness.platform.storage import instance_dir
from tests.platform.test_pdf import _validate
from tests.support.helpers import run_jobs
from tests.support.scenarios import (
    invite_and_open,
    latest_request,
    sign,
    submit_request,
    verify_by_email,
)


def _assert_signed(data: bytes) -> None:
    status = _validate(data)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    middle = len(data) // 3
    tampered = data[:middle] + bytes([data[middle] ^ 0x20]) + data[middle + 1:]
    assert not _validate(tampered).intact


def test_the_signed_quitclaim_pdf_is_signed_by_the_organisation(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    assert sign(client, path, channels=["website"]).status_code == 302
    run_jobs()
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    _assert_signed((instance_dir() / quitclaim.pdf_path).read_bytes())


def test_the_answer_pdf_is_signed_by_the_organisation(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    submit_request(client, details="At the summer party 2026 in Utrecht")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    casework.refuse(subject_request.id, "The request is manifestly unfounded.", actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    _assert_signed((instance_dir() / subject_request.response_pdf_path).read_bytes())
