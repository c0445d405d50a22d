"""The /api/v1 routes: thin, one service call each."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

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
    asset_id = assets.asset_id_for(integration_id(), external_id)
    decision = permissions.decide([asset_id], [query["channel"]])[(asset_id, query["channel"])]
    return _json(_present(external_id, decision, {}))


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
    checked_at = utcnow().isoformat()
    results = []
    reasons: dict[permissions.Reason, dict[str, Any]] = {}
    for external_id in external_ids:
        for channel in channels:
            asset_id = known.get(external_id)
            if asset_id is None:
                results.append({"external_id": external_id, "channel": channel,
                                "decision": permissions.Decision.UNKNOWN,
                                "reasons": [{"code": "not_registered"}], "faces": [],
                                "valid_until": None, "checked_at": checked_at})
            else:
                results.append(_present(external_id, decisions[(asset_id, channel)], reasons))
    return _json({"results": results})


# The answers are written as JSON by hand, in the shape of PermissionSchema (the
# document's), because marshmallow's dump took most of a bulk answer's time; the
# OpenAPI test and the schema-driven fuzz run check the shape. Decisions and codes are
# string enums, written as their values. A reason met twice in one answer (an unknown
# face, one quitclaim on several channels) is one dict, shared: the tree has no cycles,
# so the encoder need not look for them.


def _json(body: dict[str, Any]) -> Response:
    return current_app.response_class(
        json.dumps(body, separators=(",", ":"), check_circular=False),
        mimetype="application/json")


def _present(external_id: str, decision: permissions.AssetDecision,
             reasons: dict[permissions.Reason, dict[str, Any]]) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "channel": decision.channel,
        "decision": decision.decision,
        "reasons": _reasons(decision.reasons, reasons),
        "faces": [{"face_id": f.face_id,
                   "box": {"top": f.box[0], "right": f.box[1], "bottom": f.box[2],
                           "left": f.box[3]},
                   "decision": f.decision,
                   "reasons": _reasons(f.reasons, reasons),
                   "valid_until": None if f.valid_until is None else f.valid_until.isoformat()}
                  for f in decision.faces],
        "valid_until": _day(decision.valid_until),
        "checked_at": decision.checked_at.isoformat(),
    }


def _reasons(reasons: list[permissions.Reason],
             made: dict[permissions.Reason, dict[str, Any]]) -> list[dict[str, Any]]:
    """The reasons as JSON objects, each made once per answer (`made`)."""
    out = []
    for reason in reasons:
        body = made.get(reason)
        if body is None:
            body = made[reason] = _reason(reason)
        out.append(body)
    return out


def _reason(reason: permissions.Reason) -> dict[str, Any]:
    return {"code": reason.code, "person_ref": reason.person_ref,
            "quitclaim_id": reason.quitclaim_id, "valid_until": _day(reason.valid_until)}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
