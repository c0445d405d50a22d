"""Web security baseline: response headers, per-area request body limits, and which
client address to believe behind a proxy."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


HSTS = "max-age=31536000; includeSubDomains"


def register(app: Flask) -> None:
    trust_proxies(app)
    app.before_request(limit_request_body)
    app.after_request(set_security_headers)


def trust_proxies(app: Flask) -> None:
    """Behind `TRUSTED_PROXY_HOPS` proxies, the client is the address the nearest of them
    saw (X-Forwarded-For), and the scheme is theirs: rate limits then count per client
    instead of the whole world sharing the proxy's budget. With 0 (no proxy) the
    headers are ignored, so a client cannot choose its own address."""
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def limit_request_body() -> None:
    """Public portal forms get a small body limit; staff (uploads) the large one; the
    image-bank API one photo (and its form fields)."""
    if request.blueprint == "api":
        request.max_content_length = current_app.config["MAX_UPLOAD_FILE_BYTES"] + 1024 * 1024
    elif request.blueprint != "admin":
        request.max_content_length = current_app.config["PORTAL_MAX_CONTENT_LENGTH"]


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("HTTPS_ONLY"):
        # HTTPS only from now on (production runs behind TLS; see docs/operations.md).
        headers.setdefault("Strict-Transport-Security", HSTS)
    # Pages and files here can hold personal data: no cache may keep a copy.
    # Only our own static assets (CSS, JS, icons) may be cached.
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    return response
