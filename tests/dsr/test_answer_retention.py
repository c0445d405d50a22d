"""The access answer states the actual retention periods (Art. 15(1)(d)), as the
privacy notice prints them: never "as long as we need them"."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from likeness.cockpit import schedules
from likeness.platform.storage import instance_dir
from tests.support.scenarios import (
    carry_out_for_person,
    latest_request,
    send_answer,
    submit_request,
    verify_by_email,
)


def _answer_text(client: FlaskClient, mailbox: Any, db: Any, person_id: int, officer: Any,
                 language: str) -> str:
    submit_request(client, type_="access", details="The gala", language=language)
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    carry_out_for_person(subject_request.id, person_id, officer)
    send_answer(subject_request.id, officer)
    db.session.refresh(subject_request)
    reader = PdfReader(instance_dir() / subject_request.response_pdf_path)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ["are deleted 7 years after they were added to our image bank",
            "flagged for review 14 days later",
            "Export ZIPs of an answered request: deleted after 60 days",
            "Sent emails: deleted after 30 days"]),
    ("nl", ["worden 7 jaar nadat ze aan onze beeldbank zijn toegevoegd verwijderd",
            "14 dagen later gemarkeerd voor beoordeling",
            "60 dagen", "30 dagen"]),
])
def test_the_access_answer_states_the_configured_retention_periods(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    make_staff: Any, language: str, expected: list[str],
):
    officer = make_staff("privacy_officer")
    schedules.save({schedules.PHOTO_YEARS.key: 7, schedules.EXPIRED_REVIEW_DAYS.key: 14,
                    schedules.EXPORT_DAYS.key: 60}, actor=officer)
    text = _answer_text(client, mailbox, db, tagged_barack.person.id, officer, language)
    for words in expected:
        assert words in text, (words, text)
    assert "as long as we need them" not in text
    assert "zolang wij ze nodig hebben" not in text
