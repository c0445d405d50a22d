"""People who work for the organisation are marked as dependent signers: staff see the
EDPB 05/2020 warning that an employee's consent is rarely free, and the consent text
tells the person that saying no has no consequences for their work."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from likeness.models import Quitclaim
from likeness.platform.storage import instance_dir
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import invite_and_open, sign

PROMISE = "Whether I agree or not has no consequences for my work"


def test_an_employee_is_marked_warned_about_and_told_refusal_is_free(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, logged_in: Any
):
    logged_in("librarian")
    person_id = tagged_barack.person.id
    page = client.get(f"/admin/people/{person_id}").get_data(as_text=True)
    assert "EDPB" not in page
    saved = client.post(f"/admin/people/{person_id}/details", data={
        "csrf_token": csrf_token_from(page), "email": "barack@example.org",
        "date_of_birth": "1961-08-04", "is_dependent": "y"}, follow_redirects=True)
    assert saved.status_code == 200
    page = " ".join(saved.get_data(as_text=True).split())
    assert "EDPB Guidelines 05/2020" in page and "rarely free" in page

    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    signing = " ".join(client.get(path).get_data(as_text=True).split())
    assert PROMISE in signing
    assert sign(client, path, channels=["website"]).status_code == 302
    run_jobs()
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    data = (instance_dir() / quitclaim.pdf_path).read_bytes()
    text = " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(io.BytesIO(data)).pages)
    assert PROMISE in text
