"""The image-bank API, /api/v1: machine clients with API keys (see docs/api.md).

Every route needs a valid key and the scope its view declares with `@requires_scope`,
checked once in `before_request`: a view that declares none is refused (fail closed).
Errors are RFC 9457 problem details (likeness.web.problem). The blueprint is exempt
from CSRF (no cookies are involved) and rate-limited per key.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Request, Response, current_app, g, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from marshmallow import Schema
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from likeness.extensions import db, limiter
from likeness.integrations import keys, usage
from likeness.models import Scope
from likeness.platform.actor import NamedActor
from likeness.platform.text import has_control_characters
from likeness.web import problem


class MultipartParser(FlaskParser):
    """webargs with one more location, `multipart`: the form fields and the files of a
    multipart/form-data body together (a photo with its facts)."""

    __location_map__ = dict(multipart="load_multipart", **FlaskParser.__location_map__)

    def load_multipart(self, req: Request, schema: Schema) -> Any:
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = MultipartParser()
    # Documented as one multipart/form-data request body.
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "multipart": "multipart/form-data"}


log = logging.getLogger(__name__)

blueprint = ApiBlueprint("api", __name__, description="The image bank asks Likeness.")

F = TypeVar("F", bound=Callable[..., Any])

# Open without a key: none (the document and its viewer are served outside this blueprint).
PUBLIC_ENDPOINTS: set[str] = set()
_BEARER = re.compile(r"^Bearer ([^\s]+)$")


def requires_scope(scope: Scope) -> Callable[[F], F]:
    """Mark a view as needing `scope`. Enforced in `authenticate` below."""

    def mark(view: F) -> F:
        view.required_scope = scope  # type: ignore[attr-defined]
        return view

    return mark


def presented_key() -> str | None:
    match = _BEARER.match(request.headers.get("Authorization", ""))
    return match.group(1) if match else None


def rate_limit_key() -> str:
    """Count per key (its public prefix); requests without a well-formed key per address."""
    match = keys.KEY_PATTERN.match(presented_key() or "")
    return f"apikey:{match.group(1)}" if match else f"ip:{get_remote_address()}"


# Counted before authentication (Flask-Limiter checks first), so a flood of bad keys is
# throttled too.
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_limit_key)(blueprint)


@blueprint.before_request
def authenticate() -> ResponseReturnValue | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if any(isinstance(v, str) and has_control_characters(v)
           for v in (request.view_args or {}).values()):
        return problem.response(400, _("An id of the image bank is plain text."))
    view = current_app.view_functions.get(request.endpoint or "")
    scope = getattr(view, "required_scope", None)
    try:
        key = keys.find_key(presented_key())
    except keys.ApiKeyRefused as refused:
        return problem.response(refused.status, refused.reason,
                                headers={"WWW-Authenticate": 'Bearer realm="likeness"'})
    rule = request.url_rule.rule if request.url_rule else request.path
    try:
        if scope is None:
            raise keys.ApiKeyRefused(403, _("This operation is not open to API keys."))
        keys.require_scope(key, scope)
    except keys.ApiKeyRefused as refused:
        # A known key used beyond its scopes is a use too: audited, as refused.
        g.api_use = (key, rule, True)
        return problem.response(refused.status, refused.reason)
    g.api_key_id = key.id
    g.integration_id = key.integration_id
    g.api_use = (key, rule, False)
    return None


@blueprint.after_request
def audit_use(response: Response) -> Response:
    """Record the key's use before the answer leaves, in the transaction of the view's
    reads (one commit per call). No record, no answer: a 503 instead."""
    use = g.pop("api_use", None)
    if use is None:
        return response
    key, rule, refused = use
    try:
        usage.record_call(key, request.method, rule, refused=refused)
    except Exception:
        db.session.rollback()
        log.exception("API call not recorded; answer withheld")
        return problem.response(503, _("This call could not be recorded, so it is not "
                                       "answered. Please try again later."))
    return response


def key_actor() -> NamedActor:
    """The key of this request as the actor of what it changes (audited as apikey:<id>)."""
    return NamedActor(f"apikey:{g.api_key_id}")


def integration_id() -> int:
    """The integration of the key this request came with."""
    return int(g.integration_id)
