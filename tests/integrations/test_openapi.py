"""The OpenAPI document is generated from the code, committed, and served with a
self-hosted viewer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.browser import chromium, live_server

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def _spec(app: Flask) -> dict:
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return json.loads(json.dumps(api.spec.to_dict(), default=str))


def test_the_committed_document_matches_the_code(app: Flask):
    # After changing a route or schema: flask openapi write docs/openapi.json
    assert json.loads(DOCUMENT.read_text()) == _spec(app)


def test_every_api_route_is_documented_with_its_key_and_problem_errors(app: Flask):
    spec = _spec(app)
    documented = {(path, method.upper()) for path, ops in spec["paths"].items()
                  for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented
    assert spec["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    assert "application/problem+json" in spec["components"]["responses"]["DEFAULT_ERROR"][
        "content"]


def test_the_document_and_its_viewer_are_served_without_a_cdn(client: FlaskClient):
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200 and document.get_json()["openapi"].startswith("3.")
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/static/js/api-docs.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from elsewhere
    assert client.get("/static/js/api-docs.js").status_code == 200


@pytest.mark.browser
def test_the_viewer_shows_every_operation_in_a_browser_without_outside_requests(
        committed_app: Flask):
    with live_server(committed_app) as base, chromium() as page:
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith(base) else None)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "/api/v1/docs")
        page.locator(".api-operation").first.wait_for()
        headings = page.locator(".api-operation h2").all_inner_texts()
        spec = json.loads(DOCUMENT.read_text())
        expected = {f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops
                    if m != "parameters"}
        assert set(headings) == expected
        assert page.get_by_text("consented", exact=False).first.is_visible()
        assert outside == [] and errors == []
