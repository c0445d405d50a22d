"""The access answer's consultation log includes what concerned the person: the tagging of
their faces and the searches for them, not only views and downloads of the photos."""

from __future__ import annotations

import json
import zipfile
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from likeness.platform.storage import instance_dir
from tests.support.scenarios import (
    carry_out_for_person,
    latest_request,
    send_answer,
    submit_request,
    verify_by_email,
)


def test_tagging_and_searches_for_the_person_are_in_the_log(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    make_staff: Any
):
    officer = make_staff("privacy_officer")
    submit_request(client, type_="access", details="The gala")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    carry_out_for_person(subject_request.id, tagged_barack.person.id, officer)
    send_answer(subject_request.id, officer)
    db.session.refresh(subject_request)

    archive = zipfile.ZipFile(instance_dir() / subject_request.export_zip_path)
    log = json.loads(archive.read("data.json"))["who_handled_your_photos"]
    what = [(e["what"], e["who"]) for e in log]
    assert what.count(("face.tagged", "librarian")) == 2  # both photos, tagged by a librarian
    assert ("request.search_started", "privacy_officer") in what
    tagged_photos = {e.get("photo") for e in log if e["what"] == "face.tagged"}
    assert tagged_photos == {"obama.jpg", "two_people.jpg"}
    text = " ".join(page.extract_text() for page in PdfReader(
        instance_dir() / subject_request.response_pdf_path).pages)
    assert "Nothing was recorded." not in text
    assert "tagged" in text and "searched for" in text
