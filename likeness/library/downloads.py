"""Downloading an asset for a channel: only what consent allows there."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from likeness.errors import Conflict, Forbidden, InvalidInput
from likeness.faces.engine import Box
from likeness.library import catalogue, consent_status, disclosures
from likeness.library.renditions import Purpose, render
from likeness.models import Channel, DisclosureKind
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case
from likeness.translation import lazy_gettext as _l

# Until detection has run, nobody knows which faces to blur: nothing leaves unblurred.
NOT_INDEXED = _l("This photo is still being checked for faces (or the check failed): it can "
                 "be downloaded or shared once its faces are known.")


@use_case
def for_channel(asset_id: int, channel: str, *, recipient_name: str = "",
                actor: Actor) -> str:
    """The full-size rendition for `channel`: every face without consent there is blurred,
    or the download is refused when `DOWNLOAD_WITHOUT_CONSENT` is `refuse`. Outside
    internal use the photo leaves the organisation: the recipient is named and the
    download goes into the disclosure register."""
    if channel not in {c.value for c in Channel}:
        raise InvalidInput(_("Choose the channel the photo is for."))
    leaves = channel != Channel.INTERNAL
    if leaves and not recipient_name.strip():
        raise InvalidInput(_("Name who receives the photo: the download is recorded in the "
                             "disclosure register."))
    asset = catalogue.get(asset_id)
    if asset.is_restricted:
        raise Forbidden(_("This photo is restricted and may not be used."))
    state = consent_status.for_asset(asset.id)
    if not state.indexed:
        raise Conflict(str(NOT_INDEXED))
    blockers = set(state.blockers(channel))
    if blockers and current_app.config["DOWNLOAD_WITHOUT_CONSENT"] == "refuse":
        raise Forbidden(_("This photo may not be used for this channel: %(n)d face(s) "
                          "without consent.", n=len(blockers)))
    blur = [Box(*f.box) for f in asset.faces if f.id in blockers or f.is_always_blurred]
    if leaves:
        disclosures.record(asset, kind=DisclosureKind.DOWNLOAD, channel=channel,
                           recipient_name=recipient_name, blurred_face_ids=blockers,
                           actor=actor)
    audit.record("asset.downloaded", actor=actor, subject=f"asset:{asset.id}",
                 details={"channel": channel, "faces_blurred": len(blur)})
    return render(asset, Purpose.DOWNLOAD, blur)
