"""Staff forms use the error-summary pattern (issue 27, rough spots): a form that comes
back says what to fix in one list at the top, each item a link to its field, and the
field says it too."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.support.helpers import csrf_token_from


def _summary(html: str) -> list[tuple[str, str]]:
    found = re.search(r'<div class="error-summary" id="error-summary"(.*?)</div>', html, re.S)
    assert found, "no error summary"
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', found.group(1))


def test_registering_a_request_with_gaps_lists_them_linked_to_their_fields(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any,
):
    logged_in("privacy_officer")
    page = client.get("/admin/requests/new").get_data(as_text=True)
    response = client.post("/admin/requests/new", data={
        "csrf_token": csrf_token_from(page), "type": "access", "received_via": "letter",
        "received_at": "", "name": "", "language": "nl"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    anchors = [anchor for anchor, _text in _summary(html)]
    assert "received_at" in anchors and "name" in anchors
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="name"[^>]*>', html).group(0)


def test_a_breach_without_a_description_is_summarised(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any,
):
    logged_in("privacy_officer")
    page = client.get("/admin/cockpit/breaches").get_data(as_text=True)
    response = client.post("/admin/cockpit/breaches", data={
        "csrf_token": csrf_token_from(page), "discovered_at": "", "description": ""})
    assert response.status_code == 400
    assert _summary(response.get_data(as_text=True))


def test_a_wrong_two_factor_code_is_said_at_the_code_field(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any,
):
    logged_in("viewer")  # a role that may set up two-factor without having it yet
    page = client.get("/admin/two-factor").get_data(as_text=True)
    response = client.post("/admin/two-factor", data={"csrf_token": csrf_token_from(page),
                                                     "code": "000000"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert [anchor for anchor, _text in _summary(html)] == ["code"]
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="code"[^>]*>', html).group(0)
