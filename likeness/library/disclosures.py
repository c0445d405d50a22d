"""The disclosure register: every photo that leaves the organisation, and taking it back.

A disclosure is recorded for each share link, each channel download (the recipient named
by staff) and each publication staff record (a website URL, a social post, a print run,
a file sent to a named third party), with a snapshot of the faces on the photo: who they
were tagged to, and whether they were blurred in what left. Answers to access requests
name these recipients (Art. 15(1)(c)); a breach can be traced to the people in it.

When consent is withdrawn or expires, or a photo is objected to, restricted, rectified
or erased, every disclosure of the photos concerned gets a take-down task for staff and,
where we know the recipient's address, an Art. 19 notice worded for the reason.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, select

from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.integrations import events
from likeness.library import consent_status
from likeness.models import (
    Asset,
    Channel,
    Disclosure,
    DisclosureFace,
    DisclosureKind,
    RecipientNotice,
    ShareLink,
    ShareLinkAsset,
    TakedownReason,
    TakedownTask,
    utcnow,
)
from likeness.platform import audit, mail
from likeness.platform.actor import SYSTEM, Actor
from likeness.platform.jobs import job
from likeness.platform.uow import use_case


def record(
    asset: Asset, *, kind: DisclosureKind, channel: str, recipient_name: str,
    blurred_face_ids: Iterable[int] = (), recipient_email: str | None = None,
    location: str | None = None, share_link_id: int | None = None, actor: Actor,
) -> Disclosure:
    """Register that `asset` left the organisation (in the current unit of work)."""
    blurred = set(blurred_face_ids)
    disclosure = Disclosure(
        kind=kind.value, asset_id=asset.id, asset_sha256=asset.sha256, channel=channel,
        recipient_name=recipient_name.strip()[:200], recipient_email=recipient_email,
        location=(location or "").strip()[:2000] or None, share_link_id=share_link_id,
        recorded_by_id=actor.staff_id, disclosed_at=utcnow(),
    )
    disclosure.faces = [
        DisclosureFace(face_id=face.id, person_id=face.person_id, top=face.top,
                       right=face.right, bottom=face.bottom, left=face.left,
                       blurred=face.id in blurred or face.is_always_blurred)
        for face in asset.faces if not face.is_not_a_face
    ]
    db.session.add(disclosure)
    db.session.flush()
    audit.record("disclosure.recorded", actor=actor, subject=f"asset:{asset.id}",
                 details={"kind": kind.value, "channel": channel, "disclosure": disclosure.id})
    return disclosure


@use_case
def record_publication(
    asset_id: int, *, channel: str, recipient_name: str, location: str,
    recipient_email: str | None = None, actor: Actor,
) -> Disclosure:
    """Staff record where a photo was published or sent (website, post, print run, ...)."""
    asset = db.session.get(Asset, asset_id)
    if asset is None:
        raise NotFound(_("No such photo."))
    if channel not in {c.value for c in Channel}:
        raise InvalidInput(_("Choose the channel the photo was used on."))
    if not recipient_name.strip() or not location.strip():
        raise InvalidInput(_("Say who received the photo and where it was published."))
    if asset.is_restricted:
        raise InvalidInput(_("This photo is restricted and may not be used."))
    blockers = consent_status.for_asset(asset.id).blockers(channel)
    return record(asset, kind=DisclosureKind.PUBLICATION, channel=channel,
                  recipient_name=recipient_name, recipient_email=recipient_email,
                  location=location, blurred_face_ids=blockers, actor=actor)


def of_asset(asset_id: int) -> list[Disclosure]:
    return list(db.session.scalars(select(Disclosure).where(Disclosure.asset_id == asset_id)
                                   .order_by(Disclosure.disclosed_at.desc())))


def showing(face_ids: Iterable[int], person_id: int | None) -> list[Disclosure]:
    """Disclosures of photos on which these faces (or the person) were visible."""
    face_ids = list(face_ids)
    condition: ColumnElement[bool] | None = (DisclosureFace.face_id.in_(face_ids)
                                             if face_ids else None)
    if person_id is not None:
        by_person = DisclosureFace.person_id == person_id
        condition = by_person if condition is None else condition | by_person
    if condition is None:
        return []
    query = (select(Disclosure).join(DisclosureFace)
             .where(condition, DisclosureFace.blurred.is_(False))
             .distinct().order_by(Disclosure.disclosed_at))
    return list(db.session.scalars(query))


def take_down(
    asset_ids: Iterable[int], channels: Iterable[str], *, reason: TakedownReason,
    actor: Actor, request_id: int | None = None, quitclaim_id: int | None = None,
    note: str | None = None,
) -> list[TakedownTask]:
    """Revoke live share links and open a take-down task for every disclosure of these
    photos on these channels, with an Art. 19 notice to each known recipient (in the
    current unit of work); `note` says why in staff's terms. Returns the tasks."""
    asset_ids, channels = list(set(asset_ids)), list(set(channels))
    if not asset_ids or not channels:
        return []
    if reason != TakedownReason.RECTIFICATION:  # a correction does not stop the use
        revoke_links(asset_ids, channels, reason=note or reason.value, actor=actor)
    disclosures = db.session.scalars(select(Disclosure).where(
        Disclosure.asset_id.in_(asset_ids), Disclosure.channel.in_(channels))).all()
    tasks, notified = [], set()
    for disclosure in disclosures:
        task = TakedownTask(disclosure_id=disclosure.id, reason=reason.value,
                            request_id=request_id, quitclaim_id=quitclaim_id)
        db.session.add(task)
        tasks.append(task)
        # One notice per recipient and link (a link may share several photos).
        key = (disclosure.recipient_email, disclosure.share_link_id or disclosure.id)
        if disclosure.recipient_email and key not in notified:
            notified.add(key)
            notice = RecipientNotice(share_link_id=disclosure.share_link_id,
                                     disclosure_id=disclosure.id, kind=reason.value,
                                     reason=note or reason.value)
            db.session.add(notice)
            db.session.flush()
            send_recipient_notice.later(notice.id)
    db.session.flush()
    if tasks:
        audit.record("disclosure.takedown_opened", actor=actor,
                     details={"tasks": len(tasks), "reason": reason.value,
                              "notices": len(notified)})
    return tasks


def revoke_links(asset_ids: list[int], channels: list[str], *, reason: str,
                  actor: Actor) -> None:
    """Switch off every live share link for these photos on these channels."""
    links = db.session.scalars(
        select(ShareLink).join(ShareLinkAsset, ShareLinkAsset.share_link_id == ShareLink.id)
        .where(ShareLinkAsset.asset_id.in_(asset_ids), ShareLink.channel.in_(channels),
               ShareLink.revoked_at.is_(None)).distinct()).all()
    for link in links:
        link.revoked_at = utcnow()
        link.revoke_reason = reason
        events.share_revoked(link.id, db.session.scalars(select(ShareLinkAsset.asset_id).where(
            ShareLinkAsset.share_link_id == link.id)), link.channel)
        audit.record("share.revoked", actor=actor, subject=f"share:{link.id}",
                     details={"reason": reason})


def open_tasks() -> list[tuple[TakedownTask, Disclosure]]:
    rows = db.session.execute(
        select(TakedownTask, Disclosure).join(Disclosure)
        .where(TakedownTask.done_at.is_(None)).order_by(TakedownTask.created_at)).all()
    return [(task, disclosure) for task, disclosure in rows]


@use_case
def complete_task(task_id: int, *, note: str = "", actor: Actor) -> TakedownTask:
    task = db.session.get(TakedownTask, task_id)
    if task is None:
        raise NotFound(_("No such task."))
    if task.done_at is None:
        task.done_at = utcnow()
        task.done_by_id = actor.staff_id
        task.note = note.strip()[:2000] or None
        audit.record("disclosure.takedown_done", actor=actor, subject=f"takedown:{task.id}")
    return task


@job
@use_case
def send_recipient_notice(notice_id: int) -> None:
    """Job: tell a recipient to stop using what we disclosed (Art. 19). Idempotent."""
    notice = db.session.get(RecipientNotice, notice_id)
    if notice is None or notice.sent_at is not None:
        return
    disclosure = (db.session.get(Disclosure, notice.disclosure_id)
                  if notice.disclosure_id else None)
    if disclosure is None or not disclosure.recipient_email:
        return
    mail.queue_email(disclosure.recipient_email, "recipient_notice", language="nl",
                     disclosure=disclosure, kind=notice.kind or TakedownReason.WITHDRAWAL)
    notice.sent_at = utcnow()
    audit.record("disclosure.recipient_notified", actor=SYSTEM,
                 subject=f"disclosure:{disclosure.id}")
