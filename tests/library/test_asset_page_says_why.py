"""The asset page says why (issue 27, rough spots): no "looks like" suggestions under the
default template policy is the policy at work, not a fault, and the page says so."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def test_no_suggestions_under_the_default_policy_is_explained(
    app: Flask, client: FlaskClient, db: Any, upload: Any, logged_in: Any,
):
    (group,) = upload("two_people.jpg")
    logged_in("librarian")
    page = client.get(f"/admin/assets/{group}").get_data(as_text=True)
    assert "No suggestions of who these faces are: under the default template policy" in page
    assert page.count('class="tag-form"') == 2


def test_with_recognition_for_every_face_the_explanation_is_not_shown(
    app: Flask, client: FlaskClient, db: Any, upload: Any, logged_in: Any, policy_all: None,
):
    (group,) = upload("two_people.jpg")
    logged_in("librarian")
    page = client.get(f"/admin/assets/{group}").get_data(as_text=True)
    assert "No suggestions of who these faces are" not in page
