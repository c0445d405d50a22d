"""Scenarios several test packages play through: signing a quitclaim, filing a request."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from PIL import Image, ImageDraw
from sqlalchemy import select

from likeness.consent import invitations
from likeness.models import Face, Person, SubjectRequest
from tests.support.helpers import FIXTURES, csrf_token_from, link_in, run_jobs


def drawn_signature(seed: int = 1) -> str:
    """A PNG like the signing page's canvas makes: strokes on a transparent background."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(40, 150), (120, 40 + seed), (200, 160), (300, 50), (420, 140)],
              fill=(17, 17, 17, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@dataclass
class Scenario:
    person: Person
    obama_asset: int
    group_asset: int


def invite_and_open(client: FlaskClient, mailbox: Any, scenario: Scenario, librarian: Any,
                    channels: list[str] | None = None, recipient: str | None = None) -> str:
    """Invite through the service, deliver the mail (to the person, or `recipient`, e.g.
    the guardian), return the signing path."""
    channels = channels or ["website", "social_media", "print"]
    invitations.invite(
        scenario.person.id, [scenario.obama_asset, scenario.group_asset], channels,
        validity_months=60, language="en", actor=librarian,
        third_parties="Regional Newspaper" if "third_parties" in channels else "",
    )
    run_jobs()
    (message,) = mailbox.to(recipient or scenario.person.email)
    return link_in(message, "/quitclaim/sign/")


def sign(client: FlaskClient, path: str, **fields: Any) -> Any:
    """Sign on the portal form; `fields` adds or overrides form fields. Face recognition is
    a required choice: "never" unless the test chooses (`face_recognition="allow"`)."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    data = {"csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "signer_name": "Barack Obama", "signature": drawn_signature(),
            "face_recognition": "never"}
    data.update(fields)
    return client.post(path, data=data)


def submit_request(client: FlaskClient, *, type_: str = "access", selfie: str | None = None,
                   details: str = "", email: str = "barack@example.org",
                   name: str = "Barack Obama", **fields: Any) -> Any:
    """File a request on the portal form; `fields` adds or overrides form fields. An
    objection covers every use unless `objection_scope` says otherwise."""
    if type_ == "objection":
        fields.setdefault("objection_scope", "all")
    page = client.get("/request")
    data: dict[str, Any] = {
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "type": type_,
        "name": name, "email": email, "details": details, "language": "en", **fields,
    }
    if selfie:
        data["selfie"] = (io.BytesIO((FIXTURES / selfie).read_bytes()), selfie)
        data["selfie_consent"] = "y"
    return client.post("/request", data=data, content_type="multipart/form-data")


def verify_by_email(client: FlaskClient, mailbox: Any, email: str = "barack@example.org") -> str:
    """Open the verification link from the email and confirm; returns the status path."""
    run_jobs()
    message = [m for m in mailbox.to(email) if "/request/verify/" in str(m)][-1]
    path = link_in(message, "/request/verify/")
    page = client.get(path)
    response = client.post(path, data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    return response.headers["Location"]


def faces_by_file(db: Any, library: dict[str, int]) -> dict[str, list[Face]]:
    return {name: list(db.session.scalars(select(Face).where(Face.asset_id == asset_id)
                                          .order_by(Face.left)))
            for name, asset_id in library.items()}


def latest_request(db: Any) -> SubjectRequest:
    return db.session.scalars(select(SubjectRequest).order_by(SubjectRequest.id.desc())).first()


def reference_in(html: str) -> str:
    match = re.search(r"DSR-\d{4}-\d{6}", html)
    assert match, html
    return match.group(0)



def send_answer(request_id: int, officer: Any) -> None:
    """Staff review the drafted answer and send it (the job drafts it first)."""
    from likeness.dsr import answer

    run_jobs()
    answer.send(request_id, actor=officer)
    run_jobs()


def record_identity_check(request_id: int, officer: Any) -> None:
    """A privacy officer records a video call that confirmed the requester: confirmed faces
    tagged to nobody are then tied to them (`likeness.dsr.identity`)."""
    from likeness.dsr import identity

    identity.record_identity_check(
        request_id, method="video_call", outcome="confirmed",
        why="On a video call I compared the requester with each confirmed photo.",
        actor=officer)


def approve_wider_scope(request_id: int) -> None:
    """A second person (an admin, not the handler) approves a scope beyond what the
    requester named, as `likeness.dsr.scope` requires before the search."""
    import uuid

    from likeness.dsr import scope
    from likeness.staff import accounts

    approver, _ = accounts.create_staff(f"approver-{uuid.uuid4().hex[:6]}@example.org",
                                        "admin", password="correct horse 42")
    scope.approve(request_id, reason="The requester could not say where; a wider scan is "
                  "the only way to find the photos.", actor=approver)


def carry_out_for_person(request_id: int, person_id: int, officer: Any, *,
                         erasure_choice: str | None = None) -> None:
    """Link the request to the person, search, confirm every candidate (with this erasure
    choice) and carry the request out, as an officer on the case page would."""
    from likeness.dsr import actions, locate

    locate.link_person(request_id, person_id, actor=officer)
    locate.start(request_id, actor=officer)
    run_jobs()
    for match, _face, _asset in locate.candidates(request_id):
        if erasure_choice is None:
            locate.decide(match.id, "confirmed", actor=officer)
        else:
            locate.decide(match.id, "confirmed", actor=officer, erasure_choice=erasure_choice)
    actions.perform(request_id, actor=officer)
