"""Security baseline and error pages, as a browser (or an attacker) would see them."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from likeness.app import create_app
from likeness.config import ConfigError


def test_home_explains_and_links_to_the_three_things_a_visitor_can_do(client: FlaskClient):
    response = client.get("/", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sign a quitclaim" in html
    assert "Make a request" in html
    assert "Manage my consent" in html
    for path in ("/quitclaim", "/request", "/consent"):
        assert f'href="{path}"' in html
        assert client.get(path).status_code == 200


def test_every_page_sends_the_security_headers(client: FlaskClient):
    response = client.get("/admin/login")
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client: FlaskClient):
    response = client.get("/static/css/likeness.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()


def test_session_cookie_is_httponly_and_samesite_lax(client: FlaskClient):
    response = client.get("/admin/login")
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_requires_a_secret_key(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"ENV_NAME": "production", "REDIS_URL": "redis://127.0.0.1:1/0"})


def test_production_cookies_are_secure(app: Flask, tmp_path, redis_url: str):
    from likeness.platform import embedded_redis

    production = create_app(
        {
            "ENV_NAME": "production",
            "DPO_CONTACT": "fg@example.org",
            "SECRET_KEY": "f3b1c9e07a5d4b2c8e6f0a1d3c5b7e9f2a4c6e8b0d1f3a5c7e9b1d3f5a7c9e0b",
            "TRUSTED_PROXY_HOPS": 0,
            "INSTANCE_PATH": str(tmp_path / "prod"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
            # Production needs Redis with a password; the embedded one (a unix socket of
            # its own) is the one that needs none.
            "REDIS_URL": redis_url if redis_url.startswith("unix://") else "",
        }
    )
    try:
        response = production.test_client().get("/admin/login")
    finally:
        embedded_redis.stop(tmp_path / "prod")
    cookie = _session_cookie(response, "__Host-likeness-session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def _session_cookie(response, name: str = "session=") -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(name))


def test_unknown_page_is_a_friendly_404(client: FlaskClient):
    response = client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "This page does not exist" in response.get_data(as_text=True)


def test_wrong_method_is_405(client: FlaskClient):
    response = client.get("/admin/logout")
    assert response.status_code == 405
    assert "cannot be used this way" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_400(client: FlaskClient):
    response = client.post("/admin/login", data={"email": "a@b.nl", "password": "x"})
    assert response.status_code == 400
    assert "Your form expired" in response.get_data(as_text=True)


def test_portal_body_limit_is_smaller_than_the_staff_limit(app: Flask, client: FlaskClient):
    app.config["PORTAL_MAX_CONTENT_LENGTH"] = 10_000
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    # A public form endpoint (outside the admin blueprint), as the portal's are.
    app.add_url_rule("/public-form", "public_form", lambda: "ok", methods=["POST"])
    medium = {"payload": "x" * 50_000}
    portal = client.post("/public-form", data=medium)
    assert portal.status_code == 413
    assert "larger than we accept" in portal.get_data(as_text=True)
    # The same body is accepted by the staff side (which then wants its CSRF token) ...
    assert client.post("/admin/login", data=medium).status_code == 400
    # ... up to the staff limit.
    assert client.post("/admin/login", data={"payload": "x" * 200_000}).status_code == 413


def test_unexpected_error_is_a_500_page_without_a_trace(app: Flask):
    def explode():
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", "explode", explode)
    response = app.test_client().get("/explode")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "secret internals" not in body
    assert "Traceback" not in body


def test_open_redirect_through_the_language_switcher_is_refused(client: FlaskClient):
    response = client.get("/lang/nl?next=//evil.example/x")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
