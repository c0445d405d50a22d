"""Webhook endpoints (`webhooks:manage`) and closing take-down tasks (`assets:write`)."""

from __future__ import annotations

from typing import Any

from api.access import blueprint, integration_id, key_actor, requires_scope
from api.webhook_schemas import (
    EndpointCreatedSchema,
    EndpointInSchema,
    EndpointsSchema,
    SecretSchema,
    TakedownSchema,
)
from likeness.integrations import takedowns, webhooks
from likeness.models import Scope, WebhookEndpoint


@blueprint.route("/webhooks", methods=["GET"])
@requires_scope(Scope.WEBHOOKS_MANAGE)
@blueprint.response(200, EndpointsSchema)
def list_webhooks() -> dict[str, Any]:
    """This image bank's webhook endpoints (never their secrets)."""
    return {"endpoints": [_present(e) for e in webhooks.endpoints_of(integration_id())]}


@blueprint.route("/webhooks", methods=["POST"])
@requires_scope(Scope.WEBHOOKS_MANAGE)
@blueprint.arguments(EndpointInSchema)
@blueprint.response(201, EndpointCreatedSchema)
def create_webhook(body: dict[str, Any]) -> dict[str, Any]:
    """Register an endpoint; the answer holds its signing secret, shown this once."""
    new = webhooks.create_endpoint(integration_id(), body["url"], body["event_types"],
                                   actor=key_actor())
    return {**_present(new.endpoint), "secret": new.secret}


@blueprint.route("/webhooks/<int:endpoint_id>/rotate", methods=["POST"])
@requires_scope(Scope.WEBHOOKS_MANAGE)
@blueprint.response(200, SecretSchema)
def rotate_webhook_secret(endpoint_id: int) -> dict[str, Any]:
    """A new secret; the previous one keeps signing too for the overlap period."""
    new = webhooks.rotate_secret(endpoint_id, integration_id=integration_id(),
                                 actor=key_actor())
    return {"id": new.endpoint.id, "secret": new.secret,
            "previous_secret_until": new.endpoint.previous_secret_until}


@blueprint.route("/webhooks/<int:endpoint_id>", methods=["DELETE"])
@requires_scope(Scope.WEBHOOKS_MANAGE)
@blueprint.response(204)
def delete_webhook(endpoint_id: int) -> None:
    """Remove the endpoint (and its delivery log)."""
    webhooks.delete_endpoint(endpoint_id, integration_id=integration_id(), actor=key_actor())


@blueprint.route("/takedowns/<int:task_id>/done", methods=["POST"])
@requires_scope(Scope.ASSETS_WRITE)
@blueprint.response(200, TakedownSchema)
def takedown_done(task_id: int) -> dict[str, Any]:
    """The image bank removed the copies a `subject.erased` event named (idempotent)."""
    task = takedowns.complete(task_id, integration_id=integration_id(), actor=key_actor())
    return {"id": task.id, "reason": task.reason, "external_ids": task.external_ids or [],
            "done_at": task.done_at}


def _present(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"id": endpoint.id, "url": endpoint.url, "event_types": endpoint.event_types,
            "enabled": endpoint.is_active, "disabled_reason": endpoint.disabled_reason,
            "created_at": endpoint.created_at}
