"""Web security baseline: response headers and per-area request body limits."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

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


def register(app: Flask) -> None:
    app.before_request(limit_request_body)
    app.after_request(set_security_headers)


def limit_request_body() -> None:
    """Public portal forms get a small body limit; staff (uploads) the large one."""
    if request.blueprint != "admin":
        request.max_content_length = current_app.config["PORTAL_MAX_CONTENT_LENGTH"]


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    # Pages and files here can hold personal data: no cache may keep a copy.
    # Only our own static assets (CSS, JS, icons) may be cached.
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    return response
