"""Identity fails closed (issue 20, section 1): a confirmed face that nothing ties to the
requester's verified identity blocks carrying out and sending, until the person on file
confirms or a privacy officer records a check; addresses staff register are confirmed by
link before anything goes to them."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from likeness.dsr import (
    actions,
    answer,
    casework,
    identity,
    intake,
    links,
    locate,
    objection_scope,
    scope,
)
from likeness.errors import Forbidden, InvalidInput
from likeness.library import tagging
from likeness.models import (
    Asset,
    AuditEvent,
    Face,
    Person,
    RequestAction,
    SubjectRequest,
    utcnow,
)
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import (
    approve_wider_scope,
    latest_request,
    submit_request,
    verify_by_email,
)

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`

IMPOSTOR = "mallory@example.org"
STRANGER_SECRETS = ("Biden", "Joseph", "joe@example.org", "biden.jpg")


def _page(client: FlaskClient, request_id: int) -> str:
    response = client.get(f"/admin/requests/{request_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _everything_sent_to(mailbox: Any, address: str) -> str:
    parts = []
    for message in mailbox.to(address):
        parts.append(message["Subject"])
        for part in message.walk():
            payload = part.get_payload(decode=True)
            if payload:
                parts.append(payload.decode(errors="replace"))
    return "\n".join(parts)


def _search_and_confirm(request_id: int, officer: Any) -> None:
    scope.set_scope(request_id, collections=[], date_from=None, date_until=None,
                    library_wide_reason="The requester named no event.", actor=officer)
    approve_wider_scope(request_id)
    locate.start(request_id, actor=officer)
    run_jobs()
    for match, _face, _asset in locate.candidates(request_id):
        locate.decide(match.id, "confirmed", actor=officer)


def _carry_out_button(page: str) -> str:
    found = re.search(r"<button[^>]*>Carry out and prepare the answer</button>", page)
    assert found, "no Carry out button"
    return found.group(0)


@pytest.mark.parametrize("stranger", ["untagged", "tagged without an address",
                                      "tagged with another address"])
@pytest.mark.parametrize("type_", ["access", "erasure", "objection", "restriction"])
def test_an_impostor_with_a_strangers_photo_gets_nothing_about_the_stranger(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, upload: Any, librarian: Any,
    logged_in: Any, stranger: str, type_: str,
):
    (biden,) = upload("biden.jpg")
    face = db.session.scalars(select(Face).where(Face.asset_id == biden)).one()
    if stranger != "untagged":
        tagging.tag_new_person(face.id, "Joseph Biden", actor=librarian)
        person = db.session.get(Person, face.person_id)
        person.email = "joe@example.org" if stranger.endswith("another address") else None
        db.session.commit()
    officer = logged_in("privacy_officer")
    submit_request(client, type_=type_, selfie="biden.jpg", name="Mallory", email=IMPOSTOR)
    verify_by_email(client, mailbox, IMPOSTOR)
    subject_request = latest_request(db)
    if type_ == "objection":  # its next step is then carrying out (one step at a time)
        objection_scope.confirm(subject_request.id, ["all"], actor=officer)
    _search_and_confirm(subject_request.id, officer)
    assert locate.confirmed(subject_request.id)  # staff did confirm the stranger's face

    reason = {"untagged": "tagged to nobody",
              "tagged without an address": "Joseph Biden has no address on file",
              "tagged with another address": "address on file differs"}[stranger]
    with pytest.raises(InvalidInput, match=reason):
        actions.perform(subject_request.id, actor=officer)
    # The case page says why, in the step bar, and the button cannot be pressed.
    page = _page(client, subject_request.id)
    bar = page[page.index('class="case-steps"'):page.index("</nav>", page.index("case-steps"))]
    assert "Carrying out is not possible yet" in bar and reason in bar
    assert " disabled" in _carry_out_button(page)
    # Posting anyway (no JavaScript, or a crafted form) asks nothing and does nothing.
    response = client.post(f"/admin/requests/{subject_request.id}/perform",
                           data={"csrf_token": csrf_token_from(page), "confirmed": "yes"},
                           follow_redirects=True)
    assert reason in response.get_data(as_text=True)
    assert not casework.carried_out(subject_request.id)
    assert db.session.scalars(select(RequestAction).where(
        RequestAction.request_id == subject_request.id)).all() == []
    db.session.expire_all()
    assert not db.session.get(Asset, biden).is_restricted
    assert db.session.get(Face, face.id).person_id == (
        None if stranger == "untagged" else face.person_id)

    # The only way on is a refusal: it reaches the impostor and says nothing of the stranger.
    casework.refuse(subject_request.id, "We could not establish that the photos show you.",
                    actor=officer)
    run_jobs()
    answer.send(subject_request.id, actor=officer)
    run_jobs()
    sent = _everything_sent_to(mailbox, IMPOSTOR)
    for secret in STRANGER_SECRETS:
        assert secret not in sent
    db.session.refresh(subject_request)
    assert subject_request.export_zip_path is None
    base = "/request/status/" + links.status_token(subject_request)
    pdf = PdfReader(io.BytesIO(client.get(base + "/response.pdf").data))
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "could not establish" in text
    for secret in STRANGER_SECRETS:
        assert secret not in text
    assert not pdf.pages[0].images


def test_a_genuine_requester_with_untagged_faces_is_answered_after_a_recorded_check(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, upload: Any, logged_in: Any,
    make_staff: Any,
):
    upload("obama.jpg", "two_people.jpg")  # nobody is tagged: the usual case
    officer = logged_in("privacy_officer")
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    _search_and_confirm(subject_request.id, officer)
    assert len(locate.confirmed(subject_request.id)) == 2
    with pytest.raises(InvalidInput, match="2 confirmed faces are tagged to nobody"):
        actions.perform(subject_request.id, actor=officer)

    # The requester is told a check is needed, and how; never asked for an ID copy.
    page = _page(client, subject_request.id)
    told = client.post(f"/admin/requests/{subject_request.id}/ask-for-check",
                       data={"csrf_token": csrf_token_from(page), "method": "video_call"},
                       follow_redirects=True)
    assert "an identity check is needed" in told.get_data(as_text=True)
    run_jobs()
    (asked,) = [m for m in mailbox.to("barack@example.org") if "check your identity" in
                m["Subject"]]
    body = asked.get_payload(decode=True).decode()
    assert "video call" in body and "do not send copies of identity documents" in body

    # Only a privacy officer records a check, with a named method and why it suffices.
    with pytest.raises(Forbidden):
        identity.record_identity_check(
            subject_request.id, method="video_call", outcome="confirmed",
            why="I know him from the office, that is enough.", actor=make_staff("librarian"))
    with pytest.raises(InvalidInput, match="at least a sentence"):
        identity.record_identity_check(subject_request.id, method="video_call",
                                       outcome="confirmed", why="ok", actor=officer)
    with pytest.raises(InvalidInput, match="Choose how"):
        identity.record_identity_check(
            subject_request.id, method="passport copy", outcome="confirmed",
            why="He sent a copy of his passport by email.", actor=officer)
    # A check that did not confirm him keeps everything closed.
    identity.record_identity_check(
        subject_request.id, method="event_questions", outcome="failed",
        why="He could not say where the gala was held or who spoke.", actor=officer)
    with pytest.raises(InvalidInput, match="did not confirm the requester"):
        actions.perform(subject_request.id, actor=officer)

    page = _page(client, subject_request.id)
    recorded = client.post(f"/admin/requests/{subject_request.id}/identity-check", data={
        "csrf_token": csrf_token_from(page), "method": "video_call", "outcome": "confirmed",
        "why": "On a video call I compared him with both photos; it is clearly him.",
    }, follow_redirects=True)
    text = recorded.get_data(as_text=True)
    assert "Identity check recorded." in text
    recorded_check = text[text.index('class="identity-check"'):]
    recorded_check = recorded_check[:recorded_check.index("</dd>")]
    assert "Video call: I compared the person with the photos · confirmed" in recorded_check
    assert "clearly him" in recorded_check and officer.email in recorded_check
    assert " disabled" not in _carry_out_button(text)
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "request.identity_checked").order_by(AuditEvent.id.desc())).first()
    assert event.details == {"method": "video_call", "outcome": "confirmed"}
    assert event.actor == f"staff:{officer.id}"

    actions.perform(subject_request.id, actor=officer)
    run_jobs()
    answer.send(subject_request.id, actor=officer)
    run_jobs()
    assert [m for m in mailbox.to("barack@example.org") if "answer" in m["Subject"]]
    db.session.refresh(subject_request)
    assert subject_request.export_zip_path


def test_carry_out_is_disabled_while_no_search_ran(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any
):
    officer = logged_in("privacy_officer")
    submit_request(client, type_="erasure", details="The summer gala 2026")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    page = _page(client, subject_request.id)
    assert "No search has run yet" in page
    assert " disabled" in _carry_out_button(page)
    with pytest.raises(InvalidInput, match="No search has run yet"):
        actions.perform(subject_request.id, actor=officer)
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    page = _page(client, subject_request.id)
    assert "No search has run yet" not in page
    assert " disabled" not in _carry_out_button(page)


def _register(officer: Any, email: str, via: str = "phone") -> SubjectRequest:
    return intake.register(intake.Registration(
        type="access", name="Caller", received_via=via,
        received_at=utcnow() - timedelta(hours=1), details="Photos of the 2026 gala",
        language="en", email=email), actor=officer)


def test_an_address_given_by_phone_gets_nothing_before_it_is_confirmed_by_link(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any
):
    officer = logged_in("privacy_officer")
    registered = _register(officer, "caller@example.org")
    assert registered.email_verified_at is None
    run_jobs()
    (only,) = mailbox.to("caller@example.org")
    assert "Please confirm" in only["Subject"] and "/request/verify/" in str(only)
    assert "/request/status/" not in str(only)
    with pytest.raises(InvalidInput, match="not confirmed yet"):
        casework.send_message(registered.id, "We found two photos.", actor=officer)

    locate.start(registered.id, actor=officer)  # staff may search: that sends nothing
    run_jobs()
    actions_page = _page(client, registered.id)
    assert "registered for this request is not confirmed yet" in actions_page
    with pytest.raises(InvalidInput, match="not confirmed yet"):
        actions.perform(registered.id, actor=officer)
    casework.refuse(registered.id, "Test of a refusal to an unconfirmed address.",
                    actor=officer)
    run_jobs()
    page = _page(client, registered.id)
    assert re.search(r"<button type=\"submit\" disabled[^>]*>Send the answer", page)
    with pytest.raises(InvalidInput, match="not confirmed yet"):
        answer.send(registered.id, actor=officer)
    assert len(mailbox.to("caller@example.org")) == 1

    verify_by_email(client, mailbox, "caller@example.org")
    answer.send(registered.id, actor=officer)
    run_jobs()
    assert [m for m in mailbox.to("caller@example.org") if "answer" in m["Subject"]]


def test_a_request_without_an_address_is_answered_by_post_after_a_check(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any
):
    officer = logged_in("privacy_officer")
    registered = _register(officer, "", via="letter")
    locate.start(registered.id, actor=officer)
    run_jobs()
    with pytest.raises(InvalidInput, match="no email address"):
        actions.perform(registered.id, actor=officer)
    with pytest.raises(InvalidInput, match="postal address"):
        identity.record_identity_check(
            registered.id, method="in_person", outcome="confirmed",
            why="She came to the desk and I compared her with the photos.", actor=officer)
    identity.record_identity_check(
        registered.id, method="in_person", outcome="confirmed",
        why="She came to the desk and I compared her with the photos.",
        address="Dorpsstraat 1, 1234 AB Ergens", actor=officer)
    actions.perform(registered.id, actor=officer)
    run_jobs()
    page = _page(client, registered.id)
    assert "Mark as sent by post" in page and "Dorpsstraat 1, 1234 AB Ergens" in page
    answer.send(registered.id, actor=officer)
    db.session.refresh(registered)
    assert registered.answer_sent_at is not None
