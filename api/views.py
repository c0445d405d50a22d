"""The /api/v1 routes: thin, one service call each."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response, current_app
from flask_babel import gettext as _

from api.access import blueprint, integration_id, requires_scope
from api.schemas import (
    MAX_PAIRS,
    BulkQuery,
    BulkResultSchema,
    ChannelQuery,
    PermissionSchema,
)
from likeness.errors import DomainError
from likeness.integrations import assets, permissions
from likeness.models import Scope, utcnow


class TooMany(DomainError):
    status = 413


@blueprint.route("/assets/<string:external_id>/permissions", methods=["GET"])
@requires_scope(Scope.ASSETS_READ)
@blueprint.arguments(ChannelQuery, location="query")
@blueprint.response(200, PermissionSchema)
def asset_permissions(query: dict[str, Any], external_id: str) -> Response:
    """May this photo be used on this channel? Per face, with reasons."""
    decision = permissions.decide_registered(integration_id(), external_id, query["channel"])
    if decision is None:
        raise assets.not_registered()
    return _json(_present(external_id, decision))


@blueprint.route("/permissions:query", methods=["POST"])
@requires_scope(Scope.ASSETS_READ)
@blueprint.arguments(BulkQuery)
@blueprint.response(200, BulkResultSchema)
def bulk_permissions(query: dict[str, Any]) -> Response:
    """Up to 1,000 (asset, channel) pairs at once; unregistered ids answer `unknown`."""
    external_ids = list(dict.fromkeys(query["external_ids"]))
    channels = list(dict.fromkeys(query["channels"]))
    if len(external_ids) * len(channels) > MAX_PAIRS:
        raise TooMany(_("Ask for at most %(n)d assets x channels at once.", n=MAX_PAIRS))
    known = assets.asset_ids_for(integration_id(), external_ids)
    decisions = permissions.decide(sorted(set(known.values())), channels)
    checked_at = utcnow()
    results = []
    for external_id in external_ids:
        for channel in channels:
            asset_id = known.get(external_id)
            if asset_id is None:
                results.append({"external_id": external_id, "channel": channel,
                                "decision": permissions.Decision.UNKNOWN,
                                "reasons": [{"code": "not_registered"}], "faces": [],
                                "valid_until": None, "checked_at": checked_at})
            else:
                results.append(_present(external_id, decisions[(asset_id, channel)]))
    return _json({"results": results})


# The answers are written by orjson, in the shape of PermissionSchema (the document's),
# because marshmallow's dump took most of a bulk answer's time: the decision's reasons
# and faces are slotted dataclasses whose fields are the schema's, which orjson writes
# in C (dates as ISO 8601, string enums as their values). Only the asset's own object
# is a dict here: it names the image bank's id, never ours. The OpenAPI test and the
# schema-driven fuzz run check the shape.


def _json(body: dict[str, Any]) -> Response:
    return current_app.response_class(orjson.dumps(body), mimetype="application/json")


def _present(external_id: str, decision: permissions.AssetDecision) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "channel": decision.channel,
        "decision": decision.decision,
        "reasons": decision.reasons,
        "faces": decision.faces,
        "valid_until": decision.valid_until,
        "checked_at": decision.checked_at,
    }
