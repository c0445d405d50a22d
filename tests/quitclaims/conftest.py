from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageDraw
from sqlalchemy import select

from likeness.models import Face, Person
from likeness.services import quitclaims, tagging
from tests.conftest import csrf_token_from
from tests.faces.conftest import run_jobs


def drawn_signature(seed: int = 1) -> str:
    """A PNG like the signing page's canvas makes: strokes on a transparent background."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(40, 150), (120, 40 + seed), (200, 160), (300, 50), (420, 140)],
              fill=(17, 17, 17, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def link_in(message: Any, marker: str) -> str:
    """The path of the first link in an email body that contains `marker`."""
    body = message.get_payload(decode=True) if not message.is_multipart() else \
        message.get_payload(0).get_payload(decode=True)
    text = body.decode()
    match = re.search(r"https?://[^\s]+(" + re.escape(marker) + r"[^\s]*)", text)
    assert match, text
    return match.group(1)


@dataclass
class Scenario:
    person: Person
    obama_asset: int
    group_asset: int


@pytest.fixture
def tagged_barack(app: Flask, db: Any, upload: Any, librarian: Any) -> Scenario:
    """obama.jpg and two_people.jpg indexed; the obama faces tagged to Barack."""
    obama, group = upload("obama.jpg", "two_people.jpg")
    faces = {a: db.session.scalars(select(Face).where(Face.asset_id == a)
                                   .order_by(Face.left)).all() for a in (obama, group)}
    tagging.tag_new_person(faces[obama][0].id, "Barack Obama", actor=librarian)
    person = db.session.get(Person, faces[obama][0].person_id)
    person.email = "barack@example.org"
    person.date_of_birth = date(1961, 8, 4)
    db.session.commit()
    tagging.tag(faces[group][0].id, person.id, actor=librarian)
    return Scenario(person, obama, group)


def invite_and_open(client: FlaskClient, mailbox: Any, scenario: Scenario, librarian: Any,
                    channels: list[str] | None = None) -> str:
    """Invite through the service, deliver the mail, return the signing path."""
    quitclaims.invite(
        scenario.person.id, [scenario.obama_asset, scenario.group_asset],
        channels or ["website", "social_media", "print"], validity_months=60,
        language="en", actor=librarian,
    )
    run_jobs()
    (message,) = mailbox.to(scenario.person.email)
    return link_in(message, "/quitclaim/sign/")


def sign(client: FlaskClient, path: str, **fields: Any) -> Any:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    data = {"csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "signer_name": "Barack Obama", "signature": drawn_signature()}
    data.update(fields)
    return client.post(path, data=data)
