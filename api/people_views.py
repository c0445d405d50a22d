"""People, invitations, requests and the events feed."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from api.access import blueprint, integration_id, key_actor, requires_scope
from api.asset_views import check_external_id
from api.schemas import (
    EventsQuery,
    EventsSchema,
    InvitationResultSchema,
    InvitationSchema,
    RequestResultSchema,
    RequestSchema,
    SubjectResultSchema,
    SubjectSchema,
)
from likeness.consent import invitations
from likeness.dsr import intake
from likeness.errors import InvalidInput
from likeness.integrations import assets, events, permissions, subjects
from likeness.models import Scope


@blueprint.route("/subjects/<string:external_ref>", methods=["PUT"])
@requires_scope(Scope.SUBJECTS_WRITE)
@blueprint.arguments(SubjectSchema)
@blueprint.response(200, SubjectResultSchema, description="The person was updated.")
@blueprint.alt_response(201, schema=SubjectResultSchema, description="The person is new.")
def put_subject(body: dict[str, Any], external_ref: str) -> tuple[dict[str, Any], int]:
    """A person under the image bank's opaque reference, with contact details for
    invitations. 409 for someone erased at their request (or their address)."""
    check_external_id(external_ref, field="external_ref")
    saved = subjects.put(integration_id(), external_ref, subjects.Contact(**body),
                         actor=key_actor())
    return ({"external_ref": external_ref, "person_ref": permissions.person_ref(saved.person_id)},
            201 if saved.created else 200)


@blueprint.route("/invitations", methods=["POST"])
@requires_scope(Scope.SUBJECTS_WRITE)
@blueprint.arguments(InvitationSchema)
@blueprint.response(201, InvitationResultSchema)
def post_invitation(body: dict[str, Any]) -> dict[str, Any]:
    """Email the person a quitclaim invitation for these photos and channels."""
    person_id = subjects.invitable_person_id(integration_id(), body["external_ref"])
    known = assets.asset_ids_for(integration_id(), body["external_ids"])
    missing = [e for e in body["external_ids"] if e not in known]
    if missing:
        raise InvalidInput(_("Not registered: %(ids)s", ids=", ".join(missing[:10])[:300]),
                           field="external_ids")
    invitation = invitations.invite(
        person_id, sorted(set(known.values())), body["channels"],
        validity_months=body["validity_months"], language=body["language"],
        third_parties=body["third_parties"], actor=key_actor())
    return {"invitation_id": invitation.id, "expires_at": invitation.expires_at}


@blueprint.route("/requests", methods=["POST"])
@requires_scope(Scope.REQUESTS_WRITE)
@blueprint.arguments(RequestSchema)
@blueprint.response(202, RequestResultSchema)
def post_request(body: dict[str, Any]) -> dict[str, Any]:
    """A data-subject request that reached the image bank. The same rules as the portal:
    the moment it is stored is its receipt, and the person confirms it through the link
    emailed to them before anything is done."""
    request = intake.submit(intake.Intake(
        type=body["type"], name=body["name"], email=body["email"],
        details=body["details"] or _("Received through the image bank."),
        language=body["language"]))
    return {"reference": request.reference, "status": request.status,
            "received_at": request.received_at, "due_on": request.due_on}


@blueprint.route("/events", methods=["GET"])
@requires_scope(Scope.ASSETS_READ)
@blueprint.arguments(EventsQuery, location="query")
@blueprint.response(200, EventsSchema)
def get_events(query: dict[str, Any]) -> dict[str, Any]:
    """Consent events for this image bank's photos, oldest first, after a cursor."""
    cursor = query["after"]
    found = events.after(integration_id(), int(cursor), limit=query["limit"])
    return {"events": [events.present(e) for e in found],
            "next_cursor": str(found[-1].id) if found else cursor}
