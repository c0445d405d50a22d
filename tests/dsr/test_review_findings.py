"""Item 8 (requests side): key rotation reaches the request's selfie template and old keys
can be retired; an erased face cannot be tagged to someone new; status replies are
throttled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.dsr import actions, locate
from likeness.errors import Conflict
from likeness.library import face_keys
from likeness.models import Face, Match, SubjectRequest
from likeness.platform.actor import CLI
from tests.dsr.test_locate_and_act import _located
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import (
    latest_request,
    record_identity_check,
    submit_request,
    verify_by_email,
)


def _selfie_key_version(request: SubjectRequest) -> int:
    assert request.selfie_template_ciphertext is not None
    return int.from_bytes(request.selfie_template_ciphertext[:2], "big")


def test_rotation_reencrypts_request_selfies_and_then_the_old_key_retires(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, library: dict[str, int],
    make_staff: Any,
):
    officer = make_staff("privacy_officer")
    subject_request = _located(client, mailbox, db, officer, "access")
    assert _selfie_key_version(subject_request) == 1
    with pytest.raises(Conflict, match="rotate first"):
        face_keys.retire(1, actor=CLI)

    result = app.test_cli_runner().invoke(args=["rotate-face-key"])
    assert result.exit_code == 0, result.output
    db.session.refresh(subject_request)
    assert _selfie_key_version(subject_request) == 2
    assert face_keys.templates_on(1) == 0

    retired = app.test_cli_runner().invoke(args=["retire-face-key", "1"])
    assert retired.exit_code == 0, retired.output
    keys = json.loads(Path(app.config["FACE_KEY_FILE"]).read_text())
    assert list(keys) == ["2"]
    # The search still works on the new key alone.
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    assert subject_request.search_status == "done"


def test_an_erased_face_cannot_be_tagged_to_a_new_person(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, library: dict[str, int],
    make_staff: Any, logged_in: Any,
):
    officer = make_staff("privacy_officer")
    subject_request = _located(client, mailbox, db, officer, "erasure")
    for match in db.session.scalars(select(Match).where(Match.request_id == subject_request.id)):
        locate.decide(match.id, "confirmed", actor=officer, erasure_choice="blur")
    record_identity_check(subject_request.id, officer)  # his faces are tagged to nobody
    actions.perform(subject_request.id, actor=officer, decision="")
    erased = db.session.scalars(select(Face).where(Face.is_always_blurred.is_(True))).first()
    assert erased is not None

    logged_in("librarian")
    page = client.get(f"/admin/assets/{erased.asset_id}")
    response = client.post(f"/admin/faces/{erased.id}/tag", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "person": "Someone Else",
    }, follow_redirects=True)
    assert "was erased at the person" in response.get_data(as_text=True)
    db.session.refresh(erased)
    assert erased.person_id is None


def test_status_replies_are_throttled(app: Flask, client: FlaskClient, db: Any, mailbox: Any):
    submit_request(client, details="At the summer party")
    status_path = verify_by_email(client, mailbox)
    assert latest_request(db) is not None
    statuses = []
    for n in range(12):
        page = client.get(status_path)
        statuses.append(client.post(status_path, data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "body": f"answer {n}"}).status_code)
    assert statuses[:10] == [302] * 10 and statuses[10:] == [429, 429]
