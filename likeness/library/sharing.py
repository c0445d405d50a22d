"""Share links to recipients outside the organisation (each one in the disclosure register;
revocation and the Art. 19 notices are in `likeness.library.disclosures`)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from likeness.errors import Conflict, Forbidden, Gone, InvalidInput, NotFound
from likeness.extensions import db
from likeness.faces.engine import Box
from likeness.library import consent_status, disclosures
from likeness.library.downloads import NOT_INDEXED
from likeness.library.renditions import Purpose, render
from likeness.models import (
    Asset,
    AssetStatus,
    Channel,
    DisclosureKind,
    ShareLink,
    ShareLinkAsset,
    utcnow,
)
from likeness.platform import audit
from likeness.platform.actor import Actor, share_actor
from likeness.platform.uow import use_case


@use_case
def create(
    asset_ids: list[int], *, channel: str, recipient_name: str,
    recipient_email: str | None, actor: Actor, days: int = 30,
) -> tuple[ShareLink, str]:
    """A new link; returns it and its token (only the token's hash is stored)."""
    if channel not in {c.value for c in Channel}:
        raise InvalidInput(_("Unknown channel."))
    asset_ids = sorted(set(asset_ids))
    if not asset_ids:
        raise InvalidInput(_("Choose one or more photos first."))
    found = set(db.session.scalars(select(Asset.id).where(Asset.id.in_(asset_ids))))
    if found != set(asset_ids):
        raise NotFound(_("A chosen photo no longer exists; choose the photos again."))
    if db.session.scalar(select(Asset.id).where(Asset.id.in_(asset_ids),
                                                Asset.is_restricted.is_(True)).limit(1)):
        raise Forbidden(_("This photo is restricted and may not be shared."))
    if db.session.scalar(select(Asset.id).where(
            Asset.id.in_(asset_ids), Asset.status != AssetStatus.INDEXED).limit(1)):
        raise Conflict(str(NOT_INDEXED))
    token = secrets.token_urlsafe(24)
    link = ShareLink(
        token_sha256=hashlib.sha256(token.encode()).hexdigest(),
        channel=channel,
        recipient_name=recipient_name,
        recipient_email=recipient_email,
        created_by_id=actor.staff_id,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(link)
    db.session.flush()
    db.session.add_all(ShareLinkAsset(share_link_id=link.id, asset_id=a) for a in asset_ids)
    for asset in db.session.scalars(select(Asset).where(Asset.id.in_(asset_ids))):
        # In the register with the faces it shows: those without consent go out blurred.
        disclosures.record(
            asset, kind=DisclosureKind.SHARE_LINK, channel=channel,
            recipient_name=recipient_name, recipient_email=recipient_email,
            share_link_id=link.id, actor=actor,
            blurred_face_ids=consent_status.for_asset(asset.id).blockers(channel))
    audit.record("share.created", actor=actor, subject=f"share:{link.id}",
                 details={"assets": len(asset_ids), "channel": channel})
    return link, token


def open_link(token: str) -> tuple[ShareLink, list[int]]:
    """The live link behind a token and its (unrestricted) asset ids; 404 / 410 otherwise."""
    link = db.session.scalar(select(ShareLink).where(
        ShareLink.token_sha256 == hashlib.sha256(token.encode()).hexdigest()))
    if link is None:
        raise NotFound(_("This link does not exist."))
    if link.revoked_at is not None or link.expires_at < utcnow():
        raise Gone(_("This link is no longer valid."))
    asset_ids = list(db.session.scalars(
        select(ShareLinkAsset.asset_id).join(Asset, Asset.id == ShareLinkAsset.asset_id)
        .where(ShareLinkAsset.share_link_id == link.id, Asset.is_restricted.is_(False),
               # being indexed again (a retry): its faces are not known until it is done
               Asset.status == AssetStatus.INDEXED)
        .order_by(ShareLinkAsset.asset_id)))
    return link, asset_ids


@use_case
def rendition(token: str, asset_id: int) -> str:
    """A shared photo as the recipient may see it: every face without consent for the
    link's channel blurred. Audited as a disclosure."""
    link, asset_ids = open_link(token)
    if asset_id not in asset_ids:
        raise NotFound(_("This photo is not part of the link."))
    asset = db.session.get(Asset, asset_id)
    if asset is None:
        raise NotFound(_("This photo is not part of the link."))
    state = consent_status.for_asset(asset.id)
    blockers = set(state.blockers(link.channel))
    blur = [Box(*f.box) for f in asset.faces if f.id in blockers or f.is_always_blurred]
    audit.record("share.viewed", actor=share_actor(link.id), subject=f"asset:{asset.id}",
                 details={"faces_blurred": len(blur)})
    return render(asset, Purpose.SHARE, blur)


def with_photo_counts(limit: int = 500) -> list[tuple[ShareLink, int]]:
    """Share links, newest first, with the number of photos each one shows (the breach
    form ticks the ones that leaked)."""
    photos = (select(func.count()).where(ShareLinkAsset.share_link_id == ShareLink.id)
              .correlate(ShareLink).scalar_subquery())
    rows = db.session.execute(select(ShareLink, photos).order_by(ShareLink.id.desc())
                              .limit(limit)).all()
    return [(link, count) for link, count in rows]
