"""A child on their own signing link, in a browser: typing an under-16 date of birth turns
the page into a request for the parent's address, and the link goes on to the parent."""

from __future__ import annotations

import pytest
from dateutil.relativedelta import relativedelta
from flask import Flask
from sqlalchemy import select

from likeness.consent import invitations
from likeness.extensions import db
from likeness.library import tagging, upload
from likeness.models import Face, Person, Quitclaim, QuitclaimInvitation
from likeness.platform.clock import today as amsterdam_today
from likeness.staff import accounts
from tests.support.browser import PHONE, chromium, live_server
from tests.support.helpers import FIXTURES, run_jobs

pytestmark = pytest.mark.browser


def test_a_child_on_a_phone_is_asked_for_the_parents_address(committed_app: Flask):
    librarian, _ = accounts.create_staff("lib@example.org", "librarian", password="library pass 1")
    asset_id = upload.add_photo((FIXTURES / "obama.jpg").read_bytes(), "obama.jpg",
                                 actor=librarian).asset_id
    run_jobs()  # the worker's session ends: reload what we hold
    librarian = accounts.find_by_email("lib@example.org")
    face = db.session.scalars(select(Face).where(Face.asset_id == asset_id)).one()
    tagging.tag_new_person(face.id, "Sasha", actor=librarian)
    person_id = face.person_id
    db.session.get(Person, person_id).email = "sasha@example.org"  # age not known
    db.session.commit()
    invitation = invitations.invite(person_id, [asset_id], ["website"], language="en",
                                   actor=librarian)
    token = invitations.invitation_token(invitation)
    born = (amsterdam_today() - relativedelta(years=12)).isoformat()

    with live_server(committed_app) as base, chromium(**PHONE) as page:
        page.goto(f"{base}/quitclaim/sign/{token}")
        parent_email = page.get_by_label("Email address of your parent or guardian")
        assert not parent_email.is_visible()  # an adult never sees it
        page.get_by_label("Website").check()
        page.get_by_label("Your date of birth").fill(born)
        parent_email.wait_for(state="visible")
        assert page.get_by_text("you cannot sign this yourself").is_visible()
        page.get_by_label("Full name of your parent or guardian").fill("Michelle Obama")
        parent_email.fill("michelle@example.org")
        page.get_by_role("button", name="Send the invitation to my parent or guardian").click()
        page.get_by_role("heading",
                         name="We sent the invitation to your parent or guardian").wait_for()

    db.session.rollback()
    assert db.session.scalars(select(Quitclaim)).all() == []
    statuses = {i.status: i.for_guardian for i in db.session.scalars(select(QuitclaimInvitation))}
    assert statuses == {"forwarded": False, "open": True}
    assert db.session.get(Person, person_id).guardian_email == "michelle@example.org"
