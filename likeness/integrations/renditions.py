"""A rendition for the image bank with every face not allowed on the channel blurred.

Only on channels where blurred publication is allowed (`API_BLURRED_CHANNELS`; none by
default: closed). The faces to blur are those the permission decision does not allow
(so a face with an erasure pending is blurred even if a quitclaim still covers it) and
those blurred in every rendition anyway. A photo that is restricted, under a legal hold
or whose faces are not known yet gets no rendition at all.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from likeness.errors import Conflict, Forbidden
from likeness.extensions import db
from likeness.faces.engine import Box
from likeness.integrations import permissions
from likeness.integrations.permissions import Code, Decision
from likeness.library import disclosures
from likeness.library.renditions import Purpose, render
from likeness.models import Asset, Channel, DisclosureKind, Integration
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case


def blurred_channels() -> set[str]:
    raw = current_app.config.get("API_BLURRED_CHANNELS", "")
    return {c.strip() for c in raw.split(",") if c.strip()}


@use_case
def for_channel(integration_id: int, asset_id: int, channel: str, *, actor: Actor) -> str:
    """The storage key of the full-size rendition for `channel`, faces not allowed there
    blurred. Outside internal use it is a disclosure to the image bank's organisation."""
    if channel not in blurred_channels():
        raise Forbidden(_("Blurred publication is not allowed on this channel."))
    decision = permissions.decide([asset_id], [channel])[(asset_id, channel)]
    codes = {r.code for r in decision.reasons}
    if Code.NOT_INDEXED in codes:
        raise Conflict(_("The faces on this photo are not known yet; try again later."))
    if codes & {Code.RESTRICTED, Code.LEGAL_HOLD}:
        raise Forbidden(_("This photo may not be used at all, blurred or not."))
    asset = db.session.get(Asset, asset_id)
    integration = db.session.get(Integration, integration_id)
    if asset is None or integration is None:
        raise Conflict(_("This photo is no longer in the library."))
    blurred = [f for f in decision.faces if f.decision != Decision.ALLOWED
               or any(r.code == Code.BLURRED for r in f.reasons)]
    if channel != Channel.INTERNAL:
        disclosures.record(asset, kind=DisclosureKind.DOWNLOAD, channel=channel,
                           recipient_name=integration.name,
                           blurred_face_ids=[f.face_id for f in blurred], actor=actor)
    audit.record("api.rendition", actor=actor, subject=f"asset:{asset.id}",
                 details={"channel": channel, "faces_blurred": len(blurred)})
    boxes = [Box(f.box.top, f.box.right, f.box.bottom, f.box.left) for f in blurred]
    return render(asset, Purpose.DOWNLOAD, boxes)
