"""Inviting by collection, end to end in Chromium (issue 27, wrong result 2): staff are
told before sending that the person is tagged on none of the photos; on a phone the
signer finds themselves among numbered, blurred faces and marks one with the keyboard;
staff confirm the mark in one list, and the consent then applies to that face."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from likeness.consent import invitations
from likeness.demo import WING
from likeness.extensions import db
from likeness.library import consent_status
from likeness.models import Face, Person, QuitclaimInvitation
from tests.journeys import data
from tests.support.helpers import run_jobs

pytestmark = pytest.mark.browser


def test_a_signer_finds_themselves_in_a_collection_and_staff_confirm(
        demo_app: Any, journey: Any, mailbox: Any):
    email = data.staff("librarian")
    with journey(phone=False) as j:
        page = j.page
        data.log_in(j, email)
        page.goto(j.base + "/admin/quitclaims/invite")
        page.get_by_label("Name of a new person").fill("Michelle Example")
        page.get_by_label("Email", exact=True).fill("michelle@example.org")
        page.get_by_label("Date of birth").fill("1964-01-17")
        page.get_by_label("All photos of a collection (event)").check()
        page.get_by_label("Collection", exact=True).fill(WING)
        page.get_by_label("Language of the invitation").select_option("en")
        page.get_by_role("button", name="Send invitation").click()
        # Before anything is sent: the count, and what will happen.
        page.get_by_role("heading", name=f"Send the invitation for {WING}?").wait_for()
        assert page.get_by_text("Michelle Example is tagged on 0 of 2 photos.").is_visible()
        j.check("invite-by-collection-asks")
        page.get_by_role("button", name="Send invitation").click()
        page.get_by_text("Invitation sent.").wait_for()
    run_jobs()
    db.session.remove()
    michelle = db.session.scalars(select(Person).where(Person.name == "Michelle Example")).one()
    invitation = db.session.scalars(select(QuitclaimInvitation).where(
        QuitclaimInvitation.person_id == michelle.id)).one()
    path = f"/quitclaim/sign/{invitations.invitation_token(invitation)}"
    wing = sorted(invitation.asset_ids)
    # Her face: the untagged one on the group photo (the other is Sasha's).
    group = data.asset("two_people.jpg")
    (hers,) = db.session.scalars(select(Face).where(Face.asset_id == group.id,
                                                    Face.person_id.is_(None))).all()
    db.session.remove()

    with journey(phone=True) as j:
        page = j.page
        j.goto(path, "sign-find-yourself")
        marks = page.get_by_role("group", name="Which faces are you?")
        assert marks.get_by_role("img", name="blurred face").count() >= 1
        photo = marks.get_by_role("group", name=f"Photo {wing.index(group.id) + 1} of 2")
        box = photo.get_by_role("checkbox", name="Face 1 is me")
        assert box.get_attribute("value") == str(hers.id)
        j.tab_to(f"#my-face-{hers.id}")  # the keyboard reaches it, Space ticks it
        page.keyboard.press("Space")
        assert box.is_checked()
        page.get_by_label("Website").check()
        page.get_by_label("Never use face recognition on photos of me").check()
        page.get_by_label("Your full name").fill("Michelle Example")
        page.get_by_label("Type my name as my signature").check()
        j.check("face-marked", both=False)
        page.get_by_role("button", name="Sign", exact=True).click()
        page.get_by_role("heading", name="Thank you: your choices are saved").wait_for()

    run_jobs()
    db.session.remove()
    assert consent_status.for_assets([group.id])[group.id].faces[hers.id]["website"] == "red"
    db.session.remove()
    with journey(phone=False) as j:
        page = j.page
        data.log_in(j, email)
        page.goto(j.base + "/admin/quitclaims")
        page.get_by_role("link", name="1 face marked by a signer is waiting").click()
        page.wait_for_url("**/admin/tag-proposals")
        assert page.get_by_role("link", name="Michelle Example").is_visible()
        j.check("tag-proposals")
        page.get_by_role("checkbox", name="Michelle Example in two_people.jpg").check()
        page.get_by_role("button", name="Confirm the ticked faces").click()
        page.get_by_text("1 face tagged; the signer's consent now applies to it.").wait_for()
        assert page.get_by_text("No faces are waiting for a decision.").is_visible()
    db.session.remove()
    assert db.session.get(Face, hers.id).person_id == michelle.id
    assert consent_status.for_assets([group.id])[group.id].faces[hers.id]["website"] == "green"
