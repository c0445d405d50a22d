"""The signing page forgives like the request form (issue 27, rough spots): switching the
language keeps what was typed and ticked, including the faces marked."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.consent import invitations
from likeness.library import people
from likeness.models import Face
from tests.support.helpers import csrf_token_from


def test_a_language_switch_keeps_the_name_the_channels_and_the_marks(
    app: Flask, client: FlaskClient, db: Any, upload: Any, librarian: Any,
):
    (group,) = upload("two_people.jpg")
    barack = people.create("Barack Obama", actor=librarian, email="barack@example.org")
    invitation = invitations.invite(barack.id, [group], ["website", "print"], language="en",
                                    actor=librarian)
    path = f"/quitclaim/sign/{invitations.invitation_token(invitation)}"
    face = db.session.scalars(select(Face).where(Face.asset_id == group)).first()
    page = client.get(path).get_data(as_text=True)
    assert 'form="sign-form"' in page  # the switcher sends this form along

    switched = client.post(f"/lang/nl?next={path}", data={
        "csrf_token": csrf_token_from(page), "signer_name": "Barack Obama",
        "channels": ["print"], "my_faces": [str(face.id)], "signature_kind": "typed"},
        follow_redirects=True)
    html = switched.get_data(as_text=True)
    assert switched.status_code == 200 and '<html lang="nl"' in html
    assert 'value="Barack Obama"' in html
    assert '<input checked id="channels-1" name="channels" type="checkbox" value="print">' \
        in html
    assert '<input id="channels-0" name="channels" type="checkbox" value="website">' in html
    assert f'value="{face.id}" id="my-face-{face.id}" checked' in html
    # Kept once: a plain reload shows the empty form again.
    assert 'value="Barack Obama"' not in client.get(path).get_data(as_text=True)
