"""The signed-quitclaim PDF: the evidence of what was shown, chosen and signed."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from likeness.extensions import db
from likeness.library import blur, collection_settings
from likeness.library.renditions import Purpose, render
from likeness.models import Asset, Person, Quitclaim
from likeness.platform.clock import AMSTERDAM
from likeness.platform.pdf import data_uri, render_pdf, sha256
from likeness.platform.storage import storage


def write(quitclaim: Quitclaim) -> tuple[str, str]:
    """Render and store the PDF; returns (path relative to the instance folder, sha256)."""
    person = db.session.get(Person, quitclaim.person_id)
    asset_ids = [a.asset_id for a in quitclaim.assets]
    assets = list(db.session.scalars(select(Asset).where(Asset.id.in_(asset_ids))
                                     .order_by(Asset.id)))
    photos = [data_uri(photo_of(asset, quitclaim.person_id), "image/jpeg") for asset in assets]
    content = render_pdf(
        "quitclaim.html",
        language=quitclaim.language,
        quitclaim=quitclaim,
        person=person,
        channels=[c.channel for c in quitclaim.channels],
        photos=photos,
        care_setting=collection_settings.reveals_health(asset_ids),
        dependent=bool(person and person.is_dependent),
        signature=(data_uri(quitclaim.signature_png, "image/png")
                   if quitclaim.signature_png else None),
        guardian_signature=(data_uri(quitclaim.guardian_signature_png, "image/png")
                            if quitclaim.guardian_signature_png else None),
        signed_at_local=quitclaim.signed_at.astimezone(AMSTERDAM),
        organisation=current_app.config["ORGANISATION_NAME"],
    )
    digest = sha256(content)
    relative = f"pdf/quitclaims/quitclaim-{quitclaim.id}-{digest[:12]}.pdf"
    storage().write(relative, content)
    return relative, digest


def photo_of(asset: Asset, person_id: int) -> bytes:
    key = render(asset, Purpose.THUMBNAIL, blur.everyone_but(asset.id, person_id))
    return storage().read(key)
