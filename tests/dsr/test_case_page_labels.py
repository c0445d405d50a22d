"""The case page's text fields have visible labels that say where their text goes
(issue 27, rough spots): into the answer, to the person, or only to staff."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.support.scenarios import latest_request, submit_request, verify_by_email


def _label_and_hint(page: str, field_id: str) -> tuple[str, str]:
    label = re.search(rf'<label for="{field_id}">([^<]+)</label>', page)
    hint = re.search(rf'<p class="hint" id="{field_id}-hint">([^<]+)</p>', page)
    assert label and hint, field_id
    assert f'aria-describedby="{field_id}-hint"' in page
    return label.group(1), hint.group(1)


def test_every_text_field_says_where_its_text_goes(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any,
):
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    logged_in("privacy_officer")
    page = client.get(f"/admin/requests/{latest_request(db).id}").get_data(as_text=True)
    assert _label_and_hint(page, "note-body") == (
        "Internal note", "Only staff see this: it never goes to the person or into the answer.")
    assert _label_and_hint(page, "message-body") == (
        "Message to the person", "Emailed to the person and shown on their status page.")
    assert _label_and_hint(page, "refuse-reason")[1].startswith("Goes into the answer")
    assert _label_and_hint(page, "extend-reason")[1] == (
        "Emailed to the person with the new deadline.")
