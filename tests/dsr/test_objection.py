"""An objection is decided: upheld or rejected, the person told before the restriction ends.

With a live share link, so the Art. 19 notice (whose reason is long) is written too: on
PostgreSQL its old String(40) column failed here.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from likeness.dsr import actions, locate, objection, objection_scope, scope
from likeness.errors import InvalidInput
from likeness.library import sharing, tagging
from likeness.models import Asset, Face, OutgoingEmail, RecipientNotice, ShareLink
from likeness.platform.storage import instance_dir
from tests.support.helpers import run_jobs
from tests.support.scenarios import (
    approve_wider_scope,
    latest_request,
    record_identity_check,
    send_answer,
    submit_request,
    verify_by_email,
)


def _objection_with_a_shared_photo(client: FlaskClient, db: Any, mailbox: Any, upload: Any,
                                   librarian: Any, officer: Any) -> tuple[Any, int, ShareLink]:
    (asset_id,) = upload("obama.jpg")
    link, _token = sharing.create([asset_id], channel="website", recipient_name="Newspaper",
                                  recipient_email="desk@newspaper.example", actor=librarian)
    submit_request(client, type_="objection", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    scope.set_scope(subject_request.id, collections=[], date_from=None, date_until=None,
                    library_wide_reason="One photo", actor=officer)
    approve_wider_scope(subject_request.id)
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    (match, _face, _asset), = locate.candidates(subject_request.id)
    locate.decide(match.id, "confirmed", actor=officer)
    record_identity_check(subject_request.id, officer)  # his face is tagged to nobody
    objection_scope.confirm(subject_request.id, ["all"], actor=officer)
    actions.perform(subject_request.id, actor=officer)
    run_jobs()
    assert db.session.get(Asset, asset_id).is_restricted
    notice = db.session.scalars(select(RecipientNotice)).one()
    assert notice.reason == objection.RESTRICTION_REASON and len(notice.reason) > 40
    assert mailbox.to("desk@newspaper.example")  # Art. 19 notice sent
    return subject_request, asset_id, link


def _answer_text(subject_request: Any) -> str:
    pdf = PdfReader(instance_dir() / subject_request.response_pdf_path)
    return " ".join(page.extract_text() for page in pdf.pages)


def test_an_upheld_objection_erases_him_from_the_photos_then_lifts_the_restriction(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, upload: Any, librarian: Any,
    make_staff: Any,
):
    officer = make_staff("privacy_officer")
    subject_request, asset_id, _link = _objection_with_a_shared_photo(
        client, db, mailbox, upload, librarian, officer)
    mailbox.messages.clear()
    objection.decide(subject_request.id, upheld=True, actor=officer)
    face = db.session.scalars(select(Face).where(Face.asset_id == asset_id)).one()
    assert face.is_always_blurred and face.person_id is None
    assert db.session.get(Asset, asset_id).is_restricted  # not before he is told
    run_jobs()  # the answer is drafted
    assert db.session.get(Asset, asset_id).is_restricted  # still: staff have not sent it
    send_answer(subject_request.id, officer)  # emailed, then the restriction lifted
    db.session.refresh(subject_request)
    answer = [m for m in mailbox.to("barack@example.org") if "answer" in m["Subject"]]
    assert answer
    mail_text = " ".join(answer[0].get_payload(decode=True).decode().split())
    assert "We upheld your objection: your face is blurred" in mail_text
    assert "did not uphold" not in mail_text
    assert not db.session.get(Asset, asset_id).is_restricted
    email = db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.then_job == objection.lift_restriction.name)).one()
    assert email.sent_at is not None and email.sent_at <= subject_request.restriction_lifted_at
    assert "We uphold your objection" in _answer_text(subject_request)


def test_a_rejected_objection_states_the_grounds_and_tells_him_first(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, upload: Any, librarian: Any,
    make_staff: Any,
):
    officer = make_staff("privacy_officer")
    subject_request, asset_id, _link = _objection_with_a_shared_photo(
        client, db, mailbox, upload, librarian, officer)
    with pytest.raises(InvalidInput, match="compelling legitimate grounds"):
        objection.decide(subject_request.id, upheld=False, actor=officer)
    grounds = "The photo documents a public ceremony of historic importance."
    objection.decide(subject_request.id, upheld=False, grounds=grounds, actor=officer)
    assert db.session.get(Asset, asset_id).is_restricted
    mailbox.messages.clear()
    send_answer(subject_request.id, officer)
    db.session.refresh(subject_request)
    assert not db.session.get(Asset, asset_id).is_restricted
    answer = [m for m in mailbox.to("barack@example.org") if "answer" in m["Subject"]]
    mail_text = " ".join(answer[0].get_payload(decode=True).decode().split())
    assert "We did not uphold your objection: the photos we restricted" in mail_text
    assert "your face is blurred" not in mail_text
    text = " ".join(_answer_text(subject_request).split())
    assert "We do not uphold your objection" in text and grounds in text
    # True to what happened: nothing stopped, the grounds, and the remedies.
    assert "override your interests, rights and freedoms (Art. 21(1) GDPR)" in text
    assert "We therefore did not stop using the photos in which you appear" in text
    assert "lodge a complaint with the Autoriteit Persoonsgegevens or go to court" in text
    assert "district court" in text  # the remedies section, for a private controller
    assert "We uphold your objection" not in text and "is blurred in every copy" not in text
    assert "What you objected to" in text
    face = db.session.scalars(select(Face).where(Face.asset_id == asset_id)).one()
    assert not face.is_always_blurred


def test_a_restricted_photo_is_not_shared_or_suggested_but_still_found_for_him(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, upload: Any, librarian: Any,
    make_staff: Any, policy_all: None,
):
    officer = make_staff("privacy_officer")
    subject_request, asset_id, _link = _objection_with_a_shared_photo(
        client, db, mailbox, upload, librarian, officer)
    from likeness.errors import Forbidden

    with pytest.raises(Forbidden):
        sharing.create([asset_id], channel="website", recipient_name="Other",
                       recipient_email=None, actor=librarian)
    (other,) = upload("obama3.jpg")
    restricted_face = db.session.scalars(select(Face).where(Face.asset_id == asset_id)).one()
    with pytest.raises(InvalidInput, match="restricted"):  # Art. 18(2): no tagging either
        tagging.tag_new_person(restricted_face.id, "Barack Obama", actor=librarian)
    # Had it been tagged before the restriction, it still would not feed suggestions.
    from likeness.models import Person

    barack = Person(name="Barack Obama")
    db.session.add(barack)
    db.session.flush()
    restricted_face.person_id = barack.id
    db.session.commit()
    new_face = db.session.scalars(select(Face).where(Face.asset_id == other)).one()
    assert tagging.suggest([new_face.id], actor=librarian) == {}  # not from the restricted one
    # His own next request still finds the restricted photo.
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    second = latest_request(db)
    locate.start(second.id, actor=officer)
    run_jobs()
    assert restricted_face.id in {f.id for _m, f, _a in locate.candidates(second.id)}
