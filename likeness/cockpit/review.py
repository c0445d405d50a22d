"""Photos flagged for review (their quitclaim ended): staff keep them, with a note, or
delete them. Deleting a photo honours legal holds."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from likeness.cockpit import holds
from likeness.errors import Conflict, InvalidInput, NotFound
from likeness.extensions import db
from likeness.library.renditions import invalidate
from likeness.models import Asset, ReviewFlag, utcnow
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.storage import asset_key, storage
from likeness.platform.uow import after_commit, use_case


def open_flags() -> list[tuple[ReviewFlag, Asset]]:
    return [(flag, asset) for flag, asset in db.session.execute(
        select(ReviewFlag, Asset).join(Asset, Asset.id == ReviewFlag.asset_id)
        .where(ReviewFlag.resolved_at.is_(None)).order_by(ReviewFlag.id)).all()]


@use_case
def keep(flag_id: int, note: str, *, actor: Actor) -> ReviewFlag:
    """The photo stays (e.g. a new quitclaim was asked for, or the faces are blurred)."""
    flag = _open_flag(flag_id)
    if not note.strip():
        raise InvalidInput(_("Say why the photo is kept."))
    _resolve(flag, "kept: " + note.strip()[:1900], actor)
    return flag


@use_case
def delete_photo(flag_id: int, *, actor: Actor) -> None:
    """Delete the flagged photo, unless a legal hold keeps it."""
    flag = _open_flag(flag_id)
    hold = holds.blocking_asset(flag.asset_id)
    if hold is not None:
        raise Conflict(_("This photo is on legal hold and may not be deleted: %(reason)s",
                         reason=hold.reason))
    asset = db.session.get(Asset, flag.asset_id)
    if asset is None:
        raise NotFound(_("No such photo."))
    _resolve(flag, "deleted", actor)
    asset_id, sha256 = asset.id, asset.sha256
    db.session.delete(asset)  # its flags go with it

    def remove_files() -> None:
        storage().delete(asset_key(sha256))
        invalidate(asset_id)

    after_commit(remove_files)
    audit.record("asset.deleted", actor=actor, subject=f"asset:{asset_id}",
                 details={"reason": "review after the quitclaim ended"})


def _open_flag(flag_id: int) -> ReviewFlag:
    flag = db.session.get(ReviewFlag, flag_id)
    if flag is None or flag.resolved_at is not None:
        raise NotFound(_("This photo is not waiting for review."))
    return flag


def _resolve(flag: ReviewFlag, resolution: str, actor: Actor) -> None:
    flag.resolved_at = utcnow()
    flag.resolved_by_id = actor.staff_id
    flag.resolution = resolution
    audit.record("review.resolved", actor=actor, subject=f"asset:{flag.asset_id}",
                 details={"flag": flag.id, "resolution": resolution.split(":")[0]})
