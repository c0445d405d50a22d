"""XMP sidecars through the API: the same sidecar as `flask export-xmp` (release status,
opaque person references, never a name; likeness.library.xmp_export), plus the API
permission URL of the photo (`xmpRights:WebStatement`, which needs a key to read).

Off by default, per integration (`Integration.xmp_export`, set by an admin). Each read
describes the photo as it is now, so a withdrawal or expiry shows in the next read; the
image bank learns of one from the events feed. The sidecar kept in storage for
`flask export-xmp` is left alone: this one names an image bank's id.
"""

from __future__ import annotations

from flask_babel import gettext as _

from likeness.errors import Conflict, Forbidden
from likeness.extensions import db
from likeness.integrations import keys
from likeness.library import xmp_export
from likeness.models import Asset, AssetStatus
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case


@use_case
def sidecar(integration_id: int, asset_id: int, permission_url: str, *,
            actor: Actor) -> bytes:
    """The photo's XMP sidecar for this image bank; audited as an export."""
    if not keys.get_integration(integration_id).xmp_export:
        raise Forbidden(_("XMP export is off for this image bank; an admin can turn it "
                          "on on the integration's page."))
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.status != AssetStatus.INDEXED:
        raise Conflict(_("The faces on this photo are not known yet; try again later."))
    tags = xmp_export.describe(asset)
    tags["WebStatement"] = permission_url
    data = xmp_export.render(tags)
    audit.record("api.xmp_exported", actor=actor, subject=f"asset:{asset.id}",
                 details={"integration": integration_id, "status": tags["ModelReleaseStatus"],
                          "regions": len(tags.get("ImageRegion", []))})
    return data
