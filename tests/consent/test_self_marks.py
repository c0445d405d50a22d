"""Inviting by collection when nobody is tagged yet (issue 27, wrong result 2): the invite
form says on how many photos the person is tagged, the signer marks the numbered faces
that are them, staff confirm the marks in one list, and only then does the quitclaim
reach those faces."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.library import consent_status, people
from likeness.library import upload as uploads
from likeness.models import AuditEvent, Face, Quitclaim, TagProposal
from tests.support.helpers import FIXTURES, csrf_token_from, link_in, run_jobs
from tests.support.scenarios import sign

COLLECTION = "Gala 2026"


def _collection(librarian: Any, *names: str) -> dict[str, int]:
    ids = {}
    for name in names:
        result = uploads.add_photo((FIXTURES / name).read_bytes(), name, actor=librarian,
                                   collection=COLLECTION)
        assert result.ok, result.error
        ids[name] = result.asset_id
    run_jobs()
    return ids


def _faces(db: Any, asset_id: int) -> list[Face]:
    db.session.expire_all()
    return list(db.session.scalars(select(Face).where(Face.asset_id == asset_id)
                                   .order_by(Face.left, Face.top)))


def _invite_by_collection(client: FlaskClient, person_id: int) -> str:
    """The invite form, by collection: it asks first, with the count; returns that page."""
    form = client.get("/admin/quitclaims/invite").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(form), "person": f"Barack Obama (#{person_id})",
            "asset_mode": "collection", "collection": COLLECTION,
            "channels": ["website", "print"], "validity_years": "5", "language": "en"}
    asked = client.post("/admin/quitclaims/invite", data=data)
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    sent = client.post("/admin/quitclaims/invite", data={**data, "confirmed": "yes"})
    assert sent.status_code == 302
    return page


def test_the_signer_marks_their_face_and_consent_applies_once_staff_confirm(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, librarian: Any, logged_in: Any,
):
    photos = _collection(librarian, "obama.jpg", "two_people.jpg", "biden.jpg")
    barack = people.create("Barack Obama", actor=librarian, email="barack@example.org")
    db.session.commit()
    logged_in("librarian")

    asked = _invite_by_collection(client, barack.id)
    assert "Barack Obama is tagged on 0 of 3 photos." in asked
    assert "can mark the ones that are them" in asked
    assert "their consent applies to a face once you confirm it" in asked
    run_jobs()
    (message,) = mailbox.to("barack@example.org")
    path = link_in(message, "/quitclaim/sign/")

    page = client.get(path).get_data(as_text=True)
    assert "Which faces are you?" in page
    # Every face tagged to nobody is offered, numbered per photo, as a labelled checkbox.
    offered = re.findall(r'name="my_faces" value="(\d+)" id="my-face-\d+"', page)
    all_faces = [f for name in photos for f in _faces(db, photos[name])]
    assert sorted(map(int, offered)) == sorted(f.id for f in all_faces)
    assert page.count("Face 1 is me") == 3 and "Face 2 is me" in page
    assert page.count('class="face-outline"') == len(all_faces)
    assert re.search(r'<svg class="mark-photo-image"[^>]+role="img" aria-label="Photo 2, '
                     r'2 blurred faces with their numbers"', page)

    (own,) = _faces(db, photos["obama.jpg"])
    response = sign(client, path, channels=["website"], my_faces=[str(own.id)],
                    date_of_birth="1961-08-04")
    assert response.status_code == 302
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    # A mark is not a tag: the face stays untagged and red until staff confirm.
    assert _faces(db, photos["obama.jpg"])[0].person_id is None
    lights = consent_status.for_assets([photos["obama.jpg"]])[photos["obama.jpg"]]
    assert lights.faces[own.id]["website"] == "red"
    (proposal,) = db.session.scalars(select(TagProposal)).all()
    assert (proposal.face_id, proposal.person_id, proposal.quitclaim_id) == (
        own.id, barack.id, quitclaim.id)

    listing = client.get("/admin/tag-proposals").get_data(as_text=True)
    assert "Barack Obama" in listing and "obama.jpg" in listing
    assert f'src="/admin/faces/{own.id}/crop.jpg"' in listing
    assert client.get("/admin/quitclaims").get_data(as_text=True).count(
        "1 face marked by a signer is waiting for your check") == 1
    done = client.post("/admin/tag-proposals", data={
        "csrf_token": csrf_token_from(listing), "decision": "confirm_all",
        "shown": [str(proposal.id)]}, follow_redirects=True)
    assert "1 face tagged; the signer&#39;s consent now applies to it." in done.get_data(
        as_text=True)
    assert "No faces are waiting for a decision." in done.get_data(as_text=True)

    (own,) = _faces(db, photos["obama.jpg"])
    assert own.person_id == barack.id and own.tag_source == "confirmed"
    lights = consent_status.for_assets([photos["obama.jpg"]])[photos["obama.jpg"]]
    assert lights.faces[own.id]["website"] == "green"
    assert lights.faces[own.id]["print"] == "red"  # not signed for print
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"tag.proposed_by_signer", "tag.proposal_confirmed", "face.tagged"} <= actions


def test_a_signer_may_mark_none_and_staff_may_reject(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, librarian: Any, logged_in: Any,
):
    photos = _collection(librarian, "two_people.jpg")
    barack = people.create("Barack Obama", actor=librarian, email="barack@example.org")
    db.session.commit()
    logged_in("librarian")
    _invite_by_collection(client, barack.id)
    run_jobs()
    path = link_in(mailbox.to("barack@example.org")[0], "/quitclaim/sign/")
    first, second = _faces(db, photos["two_people.jpg"])

    # Marking a face that was not offered (made up) is an error at the marks; nothing
    # is signed, and the ticks and the name come back.
    refused = sign(client, path, channels=["website"], my_faces=[str(first.id), "999999"],
                   date_of_birth="1961-08-04")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "One of the faces you marked is not on these photos any more." in page
    assert f'value="{first.id}" id="my-face-{first.id}" checked' in page
    assert db.session.scalars(select(Quitclaim)).first() is None

    assert sign(client, path, channels=["website"], my_faces=[str(second.id)],
                date_of_birth="1961-08-04").status_code == 302
    listing = client.get("/admin/tag-proposals").get_data(as_text=True)
    (proposal,) = db.session.scalars(select(TagProposal)).all()
    token = csrf_token_from(listing)
    nothing = client.post("/admin/tag-proposals", data={"csrf_token": token,
                                                        "decision": "reject"},
                          follow_redirects=True)
    assert "Tick at least one proposal." in nothing.get_data(as_text=True)
    client.post("/admin/tag-proposals", data={"csrf_token": token, "decision": "reject",
                                              "proposal": [str(proposal.id)]})
    db.session.expire_all()
    assert db.session.get(TagProposal, proposal.id).status == "rejected"
    assert all(f.person_id is None for f in _faces(db, photos["two_people.jpg"]))


def test_tagged_on_every_photo_says_consent_applies_at_once(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, librarian: Any, logged_in: Any,
):
    from likeness.library import tagging

    photos = _collection(librarian, "obama.jpg")
    barack = people.create("Barack Obama", actor=librarian, email="barack@example.org")
    (face,) = _faces(db, photos["obama.jpg"])
    tagging.tag(face.id, barack.id, actor=librarian)
    logged_in("librarian")
    asked = _invite_by_collection(client, barack.id)
    assert "Barack Obama is tagged on 1 of 1 photos." in asked
    assert "Their consent applies to their tagged faces as soon as they sign." in asked
    run_jobs()
    page = client.get(link_in(mailbox.to("barack@example.org")[0], "/quitclaim/sign/"))
    assert "Which faces are you?" not in page.get_data(as_text=True)  # nothing to mark


def test_a_guardian_is_asked_which_faces_are_the_child(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, librarian: Any,
):
    from datetime import date

    from dateutil.relativedelta import relativedelta

    from likeness.consent import invitations

    photos = _collection(librarian, "two_people.jpg")
    emma = people.create("Emma Example", actor=librarian, email="emma@example.org",
                         date_of_birth=date.today() - relativedelta(years=10),
                         guardian_email="parent@example.org")
    invitations.invite(emma.id, [photos["two_people.jpg"]], ["website"], language="en",
                       actor=librarian)
    run_jobs()
    page = client.get(link_in(mailbox.to("parent@example.org")[0], "/quitclaim/sign/"))
    html = page.get_data(as_text=True)
    assert "Which faces are Emma Example?" in html
    assert "Face 1 is Emma Example" in html and "Face 2 is Emma Example" in html
    assert "Face 1 is me" not in html
