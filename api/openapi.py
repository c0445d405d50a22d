"""The OpenAPI document of /api/v1, generated from the routes and schemas (flask-smorest).

`flask openapi write docs/openapi.json` writes it; tests/integrations/test_openapi.py fails when
the committed document and the code disagree. The app serves it at /api/v1/openapi.json
and a self-hosted viewer at /api/v1/docs.
"""

from __future__ import annotations

import http
from typing import Any

from flask import Flask
from flask_smorest import Api
from flask_smorest.spec import prepare_response
from marshmallow import Schema, fields

from likeness.web import problem


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict(metadata={"description": "Per field (by location), what is wrong."})


class OpenApi(Api):
    """flask-smorest's Api with our error shape, and without its app-wide JSON error
    handler: the app's own handlers (likeness.web.error_pages) answer API paths with
    problem details and every other path with an error page."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Flask) -> None:
        super().__init__(app, spec_kwargs={"security": [{"apiKey": []}]})
        self.spec.components.security_scheme("apiKey", {
            "type": "http", "scheme": "bearer",
            "description": "An API key made on the Integrations page: lk_<prefix>_<secret>."})

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        """Every error response is documented as problem+json (as it is sent)."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problem.MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, problem.MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)
