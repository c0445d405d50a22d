"""Errors of the image-bank API as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from typing import Any

from flask import Response, json, request
from werkzeug.http import HTTP_STATUS_CODES

API_PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"


def is_api_request() -> bool:
    """The request is for the API (also a path under it that matches no route)."""
    return request.path.startswith(API_PREFIX)


def response(status: int, detail: str | None = None, *, errors: Any = None,
             headers: dict[str, str] | None = None) -> Response:
    """A problem document: `type`, `title`, `status`, `detail`, and per-field `errors`
    when the input did not validate."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    result = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        result.headers[name] = value
    return result
