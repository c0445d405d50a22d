"""Signing links: every way a link can be wrong gets its own clear page, and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from likeness.consent import invitations
from likeness.models import Quitclaim, QuitclaimInvitation, utcnow
from likeness.platform import tokens
from tests.support.helpers import link_in, run_jobs
from tests.support.scenarios import invite_and_open, sign

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`


def _no_quitclaims(db: Any) -> bool:
    return db.session.scalar(select(func.count()).select_from(Quitclaim)) == 0


def test_tampered_link_is_400(app: Flask, client: FlaskClient, db: Any, mailbox: Any,
                              tagged_barack: Any, librarian: Any):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    tampered = path[:-3] + ("abc" if not path.endswith("abc") else "xyz")
    response = client.get(tampered)
    assert response.status_code == 400
    assert "This link is not valid" in response.get_data(as_text=True)
    assert client.post(tampered, data={"signer_name": "x"}).status_code == 400
    assert _no_quitclaims(db)


def test_a_link_made_for_something_else_is_400(app: Flask, client: FlaskClient, db: Any,
                                               tagged_barack: Any, librarian: Any):
    other = tokens.make(tokens.Purpose.MANAGE_CONSENT, {"i": 1, "g": 1})
    assert client.get(f"/quitclaim/sign/{other}").status_code == 400
    assert _no_quitclaims(db)


def test_link_of_another_invitation_only_opens_that_invitation(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    first = db.session.scalars(select(QuitclaimInvitation)).one()
    invitations.cancel(first.id, actor=librarian)
    # A second, live invitation does not make the first link work.
    invitations.invite(tagged_barack.person.id, [tagged_barack.obama_asset], ["website"],
                      actor=librarian)
    response = client.get(path)
    assert response.status_code == 410
    assert "withdrawn by the organisation" in response.get_data(as_text=True)
    assert _no_quitclaims(db)


def test_expired_link_is_410(app: Flask, client: FlaskClient, db: Any, mailbox: Any,
                             tagged_barack: Any, librarian: Any):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    with time_machine.travel(utcnow() + timedelta(days=15)):
        response = client.get(path)
        assert response.status_code == 410
        assert "expired" in response.get_data(as_text=True)
    assert _no_quitclaims(db)


def test_resend_makes_the_old_link_410_and_the_new_one_work(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    old = invite_and_open(client, mailbox, tagged_barack, librarian)
    invitation = db.session.scalars(select(QuitclaimInvitation)).one()
    mailbox.messages.clear()
    invitations.resend(invitation.id, actor=librarian)
    run_jobs()
    new = link_in(mailbox.to("barack@example.org")[0], "/quitclaim/sign/")
    assert client.get(old).status_code == 410
    assert sign(client, new, channels=["website"]).status_code == 302


def test_opening_does_not_consume_the_link(app: Flask, client: FlaskClient, db: Any,
                                           mailbox: Any, tagged_barack: Any, librarian: Any):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    for _ in range(3):
        assert client.get(path).status_code == 200
    assert sign(client, path, channels=["website"]).status_code == 302


def test_photo_of_another_invitation_is_404(app: Flask, client: FlaskClient, db: Any,
                                            mailbox: Any, tagged_barack: Any, librarian: Any,
                                            upload: Any):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    (other,) = upload("biden.jpg")
    assert client.get(f"{path}/photo/{other}.jpg").status_code == 404
