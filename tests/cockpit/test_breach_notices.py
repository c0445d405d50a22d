"""What the breach notices say (Art. 33/34): written for the breach, the DPO contact and
advice, the guardian addressed as the guardian, sent only after the decision, a public
communication for the unreachable, and the privacy officers alerted at 48 hours."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from likeness.cockpit import breach_alerts, breaches, transparency
from likeness.errors import InvalidInput
from likeness.models import Setting, utcnow
from tests.cockpit import factories
from tests.support.helpers import run_jobs

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`

CONSEQUENCES = "Strangers may recognise you in a waiting room of the clinic."
MEASURES = "We took the album offline and asked the forum to remove the post."
ADVICE = "Tell us if you see the photo anywhere; we will have it removed."


def _leak(db: Any, officer: Any, *people: Any, hours_ago: int = 5) -> Any:
    photo = factories.asset(db, faces=len(people) + 1)  # one face nobody identified
    for face, who in zip(photo.faces, people, strict=False):
        factories.tag(db, face, who)
    db.session.commit()
    return breaches.record(discovered_at=utcnow() - timedelta(hours=hours_ago),
                           description="An album was posted on a forum.",
                           asset_ids=[photo.id], actor=officer)


def _body(message: Any) -> str:
    return message.get_payload(decode=True).decode()


def test_the_notice_says_what_this_breach_means_with_the_dpo_and_advice(
    app: Flask, db: Any, make_staff: Any, mailbox: Any
):
    officer = make_staff("privacy_officer")
    db.session.add(Setting(key=transparency.DPO_CONTACT, value="fg@ziekenhuis.example"))
    jane = factories.person(db, "Jane Doe", "jane@example.org")
    breach = _leak(db, officer, jane)
    with pytest.raises(InvalidInput, match="likely consequences"):
        breaches.decide(breach.id, notify_authority=True, notify_subjects=True,
                        reasons="High risk.", actor=officer)
    breaches.decide(breach.id, notify_authority=True, notify_subjects=True,
                    reasons="High risk.", likely_consequences=CONSEQUENCES,
                    measures_taken=MEASURES, advice=ADVICE, actor=officer)
    breaches.notify_people(breach.id, actor=officer)
    run_jobs()
    (message,) = mailbox.to("jane@example.org")
    body = _body(message)
    for text in (CONSEQUENCES, MEASURES, ADVICE, "fg@ziekenhuis.example", breach.reference):
        assert text in body
    assert "Jane Doe" in body
    # No fixed reassurance that may be untrue for this breach.
    assert "stopped the leak" not in body and "lek gedicht" not in body


def test_a_child_s_notice_goes_to_the_guardian_addressed_as_the_guardian(
    app: Flask, db: Any, make_staff: Any, mailbox: Any
):
    officer = make_staff("privacy_officer")
    child = factories.person(db, "Sasha Obama", "sasha@example.org")
    child.date_of_birth = date.today() - timedelta(days=365 * 10)
    child.guardian_name, child.guardian_email = "Michelle Obama", "michelle@example.org"
    breach = _leak(db, officer, child)
    breaches.decide(breach.id, notify_authority=False, notify_subjects=True,
                    reasons="Children's portraits.", likely_consequences=CONSEQUENCES,
                    measures_taken=MEASURES, actor=officer)
    assert breaches.notify_people(breach.id, actor=officer) == 1
    run_jobs()
    assert mailbox.to("sasha@example.org") == []
    (message,) = mailbox.to("michelle@example.org")
    body = _body(message)
    assert "Michelle Obama" in body.splitlines()[0]  # the salutation names the guardian
    assert "Sasha Obama" in body and "ouder of voogd" in body  # the child, third person
    assert "Sasha Obama" in message["Subject"]


def test_no_notice_to_the_people_without_the_decision_to_notify_them(
    app: Flask, db: Any, make_staff: Any, mailbox: Any
):
    officer = make_staff("privacy_officer")
    jane = factories.person(db, "Jane Doe", "jane@example.org")
    breach = _leak(db, officer, jane)
    with pytest.raises(InvalidInput, match="decision"):
        breaches.notify_people(breach.id, actor=officer)
    breaches.decide(breach.id, notify_authority=False, notify_subjects=False,
                    reasons="Blurred copies only: no risk.", actor=officer)
    with pytest.raises(InvalidInput, match="decision"):
        breaches.notify_people(breach.id, actor=officer)
    with pytest.raises(InvalidInput, match="decision"):
        breaches.communicate_publicly(breach.id, "Website", actor=officer)
    run_jobs()
    assert mailbox.to("jane@example.org") == []


def test_a_late_notification_to_the_authority_needs_its_reasons(
    app: Flask, db: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    breach = _leak(db, officer, factories.person(db, "Jane Doe"), hours_ago=90)
    breaches.decide(breach.id, notify_authority=True, notify_subjects=False,
                    reasons="Risk.", likely_consequences=CONSEQUENCES,
                    measures_taken=MEASURES, actor=officer)
    with pytest.raises(InvalidInput, match="72 hours"):
        breaches.authority_notified(breach.id, "AP-1", actor=officer)
    breaches.decide(breach.id, notify_authority=True, notify_subjects=False,
                    reasons="Risk.", likely_consequences=CONSEQUENCES,
                    measures_taken=MEASURES, late_reasons="Found during a weekend audit.",
                    actor=officer)
    assert breaches.authority_notified(breach.id, "AP-1", actor=officer).authority_reference \
        == "AP-1"


def test_people_who_cannot_be_reached_are_told_publicly(
    app: Flask, db: Any, make_staff: Any, logged_in: Any, client: FlaskClient
):
    officer = logged_in("privacy_officer")
    breach = _leak(db, officer, factories.person(db, "No Address"))
    assert breaches.affected(breach).unreachable == 2  # no address, and one unidentified
    breaches.decide(breach.id, notify_authority=True, notify_subjects=True, reasons="Risk.",
                    likely_consequences=CONSEQUENCES, measures_taken=MEASURES,
                    actor=officer)
    page = client.get(f"/admin/cockpit/breaches/{breach.id}").get_data(as_text=True)
    assert "cannot be reached by e-mail" in page and CONSEQUENCES in page
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(f"/admin/cockpit/breaches/{breach.id}/public",
                           data={"csrf_token": token, "text": "Notice on our website, "
                                 "news page, from 7 December."}, follow_redirects=True)
    assert response.status_code == 200
    assert "Notice on our website, news page, from 7 December." in response.get_data(
        as_text=True)
    db.session.refresh(breach)
    assert breach.public_communication_at is not None


def test_the_privacy_officers_are_alerted_once_at_48_hours(
    app: Flask, db: Any, make_staff: Any, mailbox: Any
):
    first, second = make_staff("privacy_officer"), make_staff("privacy_officer")
    librarian = make_staff("librarian")
    young = _leak(db, first, factories.person(db, "A"), hours_ago=47)
    old = _leak(db, first, factories.person(db, "B"), hours_ago=49)
    decided = _leak(db, first, factories.person(db, "C"), hours_ago=60)
    breaches.decide(decided.id, notify_authority=False, notify_subjects=False,
                    reasons="No risk: blurred.", actor=first)
    assert breach_alerts.alert_officers() == 1
    assert breach_alerts.alert_officers() == 0  # once
    run_jobs()
    for officer in (first, second):
        (message,) = mailbox.to(officer.email)
        assert old.reference in message["Subject"]
    assert mailbox.to(librarian.email) == []
    assert young.officers_alerted_at is None and decided.officers_alerted_at is None
    assert breach_alerts.alert_officers(now=utcnow() + timedelta(hours=2)) == 1  # `young`
