"""The register and the DPIA classify the face recognition under the EU AI Act (post
remote biometric identification, Annex III) and list the deployer's duties."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def _text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def test_the_register_and_the_dpia_classify_the_face_recognition(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    logged_in("privacy_officer")
    for path in ("/admin/cockpit/register", "/admin/cockpit/dpia"):
        page = _text(client, path)
        assert "post remote biometric identification" in page
        assert "Annex III, point 1(a)" in page and "Human oversight" in page
        assert "required only of public bodies" in page
    app.config["CONTROLLER_TYPE"] = "public"
    try:
        page = _text(client, "/admin/cockpit/register")
        assert "required before first use, because the organisation is a public body" in page
    finally:
        app.config["CONTROLLER_TYPE"] = "private"
