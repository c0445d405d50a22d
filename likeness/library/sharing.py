"""Share links to recipients, their revocation, and the Art. 19 notices owed to them."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from likeness.consent import status as consent_status
from likeness.errors import Forbidden, Gone, InvalidInput, NotFound
from likeness.extensions import db
from likeness.faces.engine import Box
from likeness.library.renditions import Purpose, render
from likeness.models import (
    Asset,
    Channel,
    RecipientNotice,
    ShareLink,
    ShareLinkAsset,
    utcnow,
)
from likeness.platform import audit, mail, outbox
from likeness.platform.actor import SYSTEM, Actor, share_actor
from likeness.platform.jobs import job
from likeness.platform.uow import use_case


@use_case
def create(
    asset_ids: list[int], *, channel: str, recipient_name: str,
    recipient_email: str | None, actor: Actor, days: int = 30,
) -> tuple[ShareLink, str]:
    """A new link; returns it and its token (only the token's hash is stored)."""
    if channel not in {c.value for c in Channel}:
        raise InvalidInput(_("Unknown channel."))
    if db.session.scalar(select(Asset.id).where(Asset.id.in_(asset_ids),
                                                Asset.is_restricted.is_(True)).limit(1)):
        raise Forbidden(_("This photo is restricted and may not be shared."))
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
        .where(ShareLinkAsset.share_link_id == link.id, Asset.is_restricted.is_(False))
        .order_by(ShareLinkAsset.asset_id)))
    return link, asset_ids


@use_case
def rendition(token: str, asset_id: int) -> Path:
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


def revoke_for_assets(
    asset_ids: Iterable[int], channels: Iterable[str], *, reason: str, actor: Actor
) -> list[ShareLink]:
    """Revoke every live link that shares one of these assets on one of these channels,
    and queue an Art. 19 notice to each recipient (in the caller's unit of work)."""
    asset_ids, channels = list(asset_ids), list(channels)
    if not asset_ids or not channels:
        return []
    links = db.session.scalars(
        select(ShareLink)
        .join(ShareLinkAsset, ShareLinkAsset.share_link_id == ShareLink.id)
        .where(
            ShareLinkAsset.asset_id.in_(asset_ids),
            ShareLink.channel.in_(channels),
            ShareLink.revoked_at.is_(None),
        )
        .distinct()
    ).all()
    for link in links:
        link.revoked_at = utcnow()
        link.revoke_reason = reason
        notice = RecipientNotice(share_link_id=link.id, reason=reason)
        db.session.add(notice)
        db.session.flush()
        if link.recipient_email:
            outbox.add("send_recipient_notice", notice.id)
        audit.record("share.revoked", actor=actor, subject=f"share:{link.id}",
                      details={"reason": reason})
    return list(links)


@job("send_recipient_notice")
@use_case
def send_recipient_notice(notice_id: int) -> None:
    """Job: tell a recipient to stop using what we shared (Art. 19). Idempotent."""
    notice = db.session.get(RecipientNotice, notice_id)
    if notice is None or notice.sent_at is not None:
        return
    link = db.session.get(ShareLink, notice.share_link_id)
    if link is None or not link.recipient_email:
        return
    mail.queue_email(link.recipient_email, "recipient_notice", language="nl", link=link)
    notice.sent_at = utcnow()
    audit.record("share.recipient_notified", actor=SYSTEM, subject=f"share:{link.id}")
