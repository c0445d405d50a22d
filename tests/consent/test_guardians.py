"""Guardians act only for children, and only when they say so (GDPR Art. 8, UAVG art. 5).

A parent's address counts for a child's consent while the child is under 16, and for a
request filed explicitly for the child while the child is under 18 and staff checked the
relationship. Never for an adult, never "as myself", never at an unknown age.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from likeness.consent import invitations
from likeness.dsr import actions, answer_content, casework, identity, links, locate, scope
from likeness.errors import InvalidInput
from likeness.models import Person, SubjectRequest
from likeness.platform.clock import today as amsterdam_today
from tests.support.helpers import csrf_token_from, link_in, run_jobs
from tests.support.scenarios import (
    approve_wider_scope,
    latest_request,
    send_answer,
    sign,
    submit_request,
    verify_by_email,
)

PARENT = "michelle@example.org"


def _child(db: Any, person: Person, *, born: date | None, own: str | None) -> Person:
    person.name = "Malia Obama"
    person.email = own
    person.date_of_birth = born
    person.guardian_name = "Michelle Obama"
    person.guardian_email = PARENT
    db.session.commit()
    return person


def _everything_sent_to(mailbox: Any, address: str) -> str:
    parts = []
    for message in mailbox.to(address):
        parts.append(message["Subject"])
        for part in message.walk():
            payload = part.get_payload(decode=True)
            if payload:
                parts.append(payload.decode(errors="replace"))
    return "\n".join(parts)


def _parents_request(client: FlaskClient, db: Any, mailbox: Any, officer: Any,
                     on_behalf: str) -> SubjectRequest:
    """The parent files an access request with a photo of the child and the search runs;
    staff confirm what it found and link the child."""
    fields = ({"on_behalf": "child", "subject_name": "Malia", "stated_relationship": "mother"}
              if on_behalf == "child" else {})
    submit_request(client, type_="access", selfie="obama2.jpg", name="Michelle Obama",
                   email=PARENT, **fields)
    verify_by_email(client, mailbox, PARENT)
    request = latest_request(db)
    scope.set_scope(request.id, collections=[], date_from=None, date_until=None,
                    library_wide_reason="The requester named no event", actor=officer)
    approve_wider_scope(request.id)  # beyond what was named: a second person approves
    locate.start(request.id, actor=officer)
    run_jobs()
    for match, _face, _asset in locate.candidates(request.id):
        locate.decide(match.id, "confirmed", actor=officer)
    return request


@pytest.mark.parametrize("on_behalf", ["self", "child"])
def test_a_parent_gets_nothing_about_an_adult_child(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any, on_behalf: str,
):
    adult = _child(db, tagged_barack.person, born=amsterdam_today() - relativedelta(years=25),
                   own="malia@example.org")
    invitations.invite(adult.id, [tagged_barack.obama_asset], ["website"], language="en",
                       actor=librarian)
    run_jobs()
    # She allows face recognition: a refusal would keep her face out of every scan.
    sign(client, link_in(mailbox.to("malia@example.org")[0], "/quitclaim/sign/"),
         channels=["website"], signer_name="Malia Obama", face_recognition="allow")
    run_jobs()
    officer = make_staff("privacy_officer")
    request = _parents_request(client, db, mailbox, officer, on_behalf)
    assert locate.confirmed(request.id)  # the photo does find the adult child
    locate.link_person(request.id, adult.id, actor=officer)
    if on_behalf == "child":
        identity.record_relationship_check(request.id, note="Birth certificate shown",
                                           actor=officer)

    assert not identity.established(request)
    why = ("filed as themselves" if on_behalf == "self"
           else "Malia Obama is 18 or older: a parent or guardian no longer acts for them")
    assert any(why in reason for reason in identity.blockers(request))
    with pytest.raises(InvalidInput, match=why):
        actions.perform(request.id, actor=officer)
    assert not answer_content.gather(request).disclose
    casework.refuse(request.id, "We could not establish that you may act for this person.",
                    actor=officer)
    send_answer(request.id, officer)

    # Not on the consent side either: the parent's address opens nothing of an adult's.
    page = client.get("/consent")
    client.post("/consent", data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
                                  "email": PARENT})
    run_jobs()
    sent = _everything_sent_to(mailbox, PARENT)
    assert "/consent/manage/" not in sent
    born = adult.date_of_birth.isoformat() if adult.date_of_birth else "never"
    for secret in ("Malia", "malia@example.org", born, "obama.jpg", "quitclaim"):
        assert secret not in sent
    db.session.refresh(request)
    base = "/request/status/" + links.status_token(request)
    pdf = PdfReader(io.BytesIO(client.get(base + "/response.pdf").data))
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "could not establish" in text
    for secret in ("Malia", "malia@example.org", "obama.jpg"):
        assert secret not in text
    assert not pdf.pages[0].images


def _filed_for(client: FlaskClient, db: Any, mailbox: Any, officer: Any, person: Person,
               on_behalf: str) -> SubjectRequest:
    fields = ({"on_behalf": "child", "subject_name": "Malia", "stated_relationship": "mother"}
              if on_behalf == "child" else {})
    submit_request(client, type_="access", details="School trip, spring 2026",
                   name="Michelle Obama", email=PARENT, **fields)
    verify_by_email(client, mailbox, PARENT)
    request = latest_request(db)
    locate.link_person(request.id, person.id, actor=officer)
    if on_behalf == "child":
        identity.record_relationship_check(request.id, note="Family register extract seen",
                                           actor=officer)
    return request


BIRTHDAY = date(2010, 3, 1)


@pytest.mark.parametrize(("today", "on_behalf", "counts"), [
    (date(2028, 2, 29), "child", True),    # 17: the parent may still file for the child
    (date(2028, 3, 1), "child", False),    # the 18th birthday: no longer
    (date(2028, 2, 29), "self", False),    # 17, but filed "as myself": never
    (date(2025, 6, 1), "self", False),     # 15, "as myself": never either
])
def test_the_parents_address_counts_only_for_a_child_and_only_when_filed_for_them(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    make_staff: Any, today: date, on_behalf: str, counts: bool,
):
    officer = make_staff("privacy_officer")
    with time_machine.travel(datetime(today.year, today.month, today.day, 10,
                                      tzinfo=UTC), tick=False):
        child = _child(db, tagged_barack.person, born=BIRTHDAY, own=None)
        request = _filed_for(client, db, mailbox, officer, child, on_behalf)
        assert identity.established(request) is counts
        if counts:
            locate.start(request.id, actor=officer)  # acting needs a search first
            run_jobs()
            actions.perform(request.id, actor=officer)
        else:
            with pytest.raises(InvalidInput, match="filed as themselves|18 or older"):
                actions.perform(request.id, actor=officer)


def test_without_a_date_of_birth_the_parents_address_does_not_count(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    make_staff: Any,
):
    officer = make_staff("privacy_officer")
    child = _child(db, tagged_barack.person, born=None, own=None)
    child.is_minor = True  # staff think so, but the age is not on file
    db.session.commit()
    request = _filed_for(client, db, mailbox, officer, child, "child")
    assert not identity.established(request)
    assert "No date of birth of Malia Obama is on file" in " ".join(identity.blockers(request))
    with pytest.raises(InvalidInput, match="no address on file"):
        identity.ask_person_to_confirm(request.id, actor=officer)
    assert db.session.scalars(select(SubjectRequest)).all() == [request]
