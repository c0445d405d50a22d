from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.models import Face, SubjectRequest
from tests.conftest import FIXTURES, csrf_token_from
from tests.faces.conftest import run_jobs
from tests.quitclaims.conftest import link_in

LIBRARY = ["obama.jpg", "obama3.jpg", "obama_small.jpg", "two_people.jpg", "biden.jpg"]


@pytest.fixture
def library(app: Flask, upload: Any) -> dict[str, int]:
    """The library of the acceptance test: asset id by file name, all indexed."""
    return dict(zip(LIBRARY, upload(*LIBRARY), strict=True))


def submit_request(client: FlaskClient, *, type_: str = "access", selfie: str | None = None,
                   details: str = "", email: str = "barack@example.org") -> Any:
    page = client.get("/request")
    data: dict[str, Any] = {
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "type": type_,
        "name": "Barack Obama", "email": email, "details": details, "language": "en",
    }
    if selfie:
        data["selfie"] = (io.BytesIO((FIXTURES / selfie).read_bytes()), selfie)
        data["selfie_consent"] = "y"
    return client.post("/request", data=data, content_type="multipart/form-data")


def verify_by_email(client: FlaskClient, mailbox: Any, email: str = "barack@example.org") -> str:
    """Open the verification link from the email and confirm; returns the status path."""
    run_jobs()
    message = [m for m in mailbox.to(email) if "please confirm" in m["Subject"].lower()][-1]
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
