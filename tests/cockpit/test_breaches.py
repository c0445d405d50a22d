"""The breach log: affected people from the disclosure register's snapshot, the 72-hour
clock, the decision and the notice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from likeness.cockpit import breaches
from likeness.errors import InvalidInput
from likeness.library import sharing
from likeness.models import utcnow
from likeness.platform import audit
from likeness.platform.actor import share_actor
from tests.cockpit import factories
from tests.support.helpers import run_jobs


def test_a_breach_of_a_share_link_lists_exactly_the_people_whose_faces_were_in_it(
    app: Flask, db: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    jane, john, bystander = (factories.person(db, "Jane Doe", "jane@example.org"),
                             factories.person(db, "John Roe"), factories.person(db, "Not Shared"))
    shared_a, shared_b, other = (factories.asset(db, faces=3), factories.asset(db, faces=2),
                                 factories.asset(db, faces=1))
    factories.tag(db, shared_a.faces[0], jane)
    factories.tag(db, shared_a.faces[1], john)
    factories.tag(db, shared_b.faces[0], jane)
    factories.tag(db, other.faces[0], bystander)
    for who in (jane, john):  # they consented to the website; the others are blurred
        factories.quitclaim(db, who, [shared_a, shared_b], valid_until=utcnow().date()
                            + timedelta(days=365))
    # Creating the link puts both photos in the register, with the faces as they left:
    # Jane and John visible, the untagged faces blurred for the recipient.
    link, _token = sharing.create([shared_a.id, shared_b.id], channel="website",
                                  recipient_name="Dagblad", recipient_email=None, actor=officer)
    # Tagged after it left: the snapshot, not today's tags, says who was in it.
    factories.tag(db, shared_a.faces[2], bystander)
    factories.disclosure(db, other, recipient="Someone else")
    audit.record("share.viewed", actor=share_actor(link.id), subject=f"asset:{shared_a.id}")
    audit.record("share.viewed", actor=share_actor(link.id), subject=f"asset:{shared_b.id}")
    db.session.commit()

    breach = breaches.record(discovered_at=utcnow() - timedelta(hours=5),
                             description="The link was posted on a public forum.",
                             share_link_ids=[link.id], actor=officer)
    found = breaches.affected(breach)
    assert [p.name for p in found.people] == ["Jane Doe", "John Roe"]
    assert found.untagged_faces == 0  # untagged faces went out blurred
    assert found.blurred_faces == 2  # shared_a's third face, shared_b's second
    assert found.disclosures == 2 and found.link_views == 2
    assert breach.reference.startswith("BR-")
    assert 66 < breaches.hours_left(breach) <= 67


def test_a_photo_that_leaked_outside_the_register_counts_its_faces_now(
    app: Flask, db: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    jane = factories.person(db, "Jane Doe")
    photo = factories.asset(db, faces=2)
    factories.tag(db, photo.faces[0], jane)
    db.session.commit()
    breach = breaches.record(discovered_at=utcnow(), description="Laptop stolen",
                             asset_ids=[photo.id], actor=officer)
    found = breaches.affected(breach)
    assert [p.name for p in found.people] == ["Jane Doe"] and found.untagged_faces == 1


def test_decision_notice_and_clock(app: Flask, db: Any, make_staff: Any, mailbox: Any):
    officer = make_staff("privacy_officer")
    jane = factories.person(db, "Jane Doe", "jane@example.org")
    nameless = factories.person(db, "No Address")
    photo = factories.asset(db, faces=2)
    factories.tag(db, photo.faces[0], jane)
    factories.tag(db, photo.faces[1], nameless)
    printed = factories.disclosure(db, photo, recipient="Printer")
    db.session.commit()
    breach = breaches.record(discovered_at=utcnow() - timedelta(hours=80),
                             description="Proofs sent to the wrong printer.",
                             disclosure_ids=[printed.id], actor=officer)
    assert breaches.hours_left(breach) < 0  # overdue
    with pytest.raises(InvalidInput, match="reasons"):
        breaches.decide(breach.id, notify_authority=True, notify_subjects=True, reasons=" ",
                        actor=officer)
    breaches.decide(breach.id, notify_authority=True, notify_subjects=True,
                    reasons="Portraits with names: high risk.",
                    likely_consequences="Your portrait may be printed elsewhere.",
                    measures_taken="The printer destroyed the proofs.",
                    late_reasons="The printer told us only after three days.", actor=officer)
    breaches.authority_notified(breach.id, "AP-12345", actor=officer)
    assert breaches.hours_left(breach) is None
    assert breaches.notify_people(breach.id, actor=officer) == 1
    run_jobs()
    (message,) = mailbox.to("jane@example.org")
    body = message.get_payload(decode=True).decode()
    assert "Proofs sent to the wrong printer." in body and breach.reference in body
    with pytest.raises(InvalidInput):
        breaches.notify_people(breach.id, actor=officer)
    breaches.close(breach.id, actor=officer)
    assert breach.status == "closed"


@pytest.mark.parametrize(("fields", "message"), [
    ({"description": ""}, "Describe"),
    ({"discovered_at_offset": 2}, "future"),
    ({"share_link_ids": [424242]}, "no share link"),
    ({"asset_ids": [424242]}, "no photo"),
])
def test_a_bad_breach_record_is_refused_clearly(
    app: Flask, db: Any, make_staff: Any, fields: dict[str, Any], message: str
):
    values: dict[str, Any] = {"description": "Something", **fields}
    offset = values.pop("discovered_at_offset", 0)
    with pytest.raises(InvalidInput, match=message):
        breaches.record(discovered_at=utcnow() + timedelta(hours=offset),
                        actor=make_staff("privacy_officer"), **values)
