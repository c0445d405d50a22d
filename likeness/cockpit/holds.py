"""Legal holds: keep a photo, a collection or a person's records although retention or a
deletion would remove them (e.g. the Archives Act for a public body).

A hold blocks retention purges and photo deletion, never the deletion of face templates:
an archive keeps photos, not biometric data. An erasure that a hold blocks is answered
as an Art. 17(3)(b) exception with the hold's reason (see `exception_text`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, or_, select

from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.models import Asset, Face, HoldScope, LegalHold, Person, utcnow
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case


@dataclass(frozen=True)
class HeldSet:
    """Everything under an active hold, for checking many items at once."""

    asset_ids: frozenset[int]
    collections: frozenset[str]
    person_ids: frozenset[int]

    def holds_person(self, person_id: int | None) -> bool:
        return person_id is not None and person_id in self.person_ids


def active() -> list[LegalHold]:
    return list(db.session.scalars(select(LegalHold).where(LegalHold.released_at.is_(None))
                                   .order_by(LegalHold.placed_at.desc(), LegalHold.id.desc())))


def released(limit: int = 50) -> list[LegalHold]:
    return list(db.session.scalars(select(LegalHold).where(LegalHold.released_at.is_not(None))
                                   .order_by(LegalHold.released_at.desc()).limit(limit)))


def held() -> HeldSet:
    holds = active()
    return HeldSet(
        asset_ids=frozenset(h.asset_id for h in holds if h.asset_id is not None),
        collections=frozenset(h.collection for h in holds if h.collection),
        person_ids=frozenset(h.person_id for h in holds if h.person_id is not None),
    )


def held_asset_ids() -> set[int]:
    """Every photo a hold keeps: held photos, photos of held collections, and photos on
    which a held person is tagged."""
    state = held()
    ids = set(state.asset_ids)
    if state.collections:
        ids.update(db.session.scalars(select(Asset.id).where(
            Asset.collection.in_(state.collections))))
    if state.person_ids:
        ids.update(db.session.scalars(select(Face.asset_id).where(
            Face.person_id.in_(state.person_ids))))
    return ids


def blocking_asset(asset_id: int) -> LegalHold | None:
    """The active hold that keeps this photo (on it, its collection, or a person tagged on
    it), or None. Photo deletion and retention purges must stop when this is not None."""
    asset = db.session.get(Asset, asset_id)
    if asset is None:
        return None
    conditions: list[ColumnElement[bool]] = [LegalHold.asset_id == asset.id]
    if asset.collection:
        conditions.append(LegalHold.collection == asset.collection)
    people = select(Face.person_id).where(Face.asset_id == asset.id,
                                          Face.person_id.is_not(None))
    conditions.append(LegalHold.person_id.in_(people))
    return _first_active(conditions)


def blocking_person(person_id: int) -> LegalHold | None:
    """The active hold on this person's records, or None."""
    return _first_active([LegalHold.person_id == person_id])


def exception_text(hold: LegalHold) -> str:
    """How an erasure answer states the exception (Art. 17(3)(b)), with the hold's reason."""
    return _("Kept because we are legally obliged to (Art. 17(3)(b) GDPR): %(reason)s",
             reason=hold.reason)


def describe(hold: LegalHold) -> str:
    """What the hold is on, for pages and lists (pseudonymous, no names)."""
    if hold.scope == HoldScope.ASSET:
        return _("Photo #%(id)d", id=hold.asset_id or 0)
    if hold.scope == HoldScope.COLLECTION:
        return _("Collection “%(name)s”", name=hold.collection or "")
    return _("Person #%(id)d", id=hold.person_id or 0)


@use_case
def place(scope: HoldScope | str, target: str, reason: str, *, actor: Actor) -> LegalHold:
    """Put a photo (`target` its id), a collection (its name) or a person (id) on hold."""
    try:
        scope = HoldScope(scope)
    except ValueError as exc:
        raise InvalidInput(_("Choose what the hold is on.")) from exc
    reason, target = reason.strip(), target.strip()
    if not reason:
        raise InvalidInput(_("A legal hold needs its reason (for instance the law that "
                             "requires keeping it)."))
    hold = LegalHold(scope=scope.value, reason=reason[:2000], placed_by_id=actor.staff_id)
    if scope == HoldScope.COLLECTION:
        if not target or db.session.scalar(select(Asset.id).where(
                Asset.collection == target).limit(1)) is None:
            raise InvalidInput(_("There is no collection with that name."))
        hold.collection = target[:200]
    else:
        model = Asset if scope == HoldScope.ASSET else Person
        target_id = int(target) if target.isdigit() and len(target) < 10 else None
        if target_id is None or db.session.get(model, target_id) is None:
            raise InvalidInput(_("There is no photo with that number.")
                               if scope == HoldScope.ASSET
                               else _("There is no person with that number."))
        if scope == HoldScope.ASSET:
            hold.asset_id = target_id
        else:
            hold.person_id = target_id
    db.session.add(hold)
    db.session.flush()
    audit.record("hold.placed", actor=actor, subject=_subject(hold),
                 details={"hold": hold.id})
    return hold


@use_case
def release(hold_id: int, note: str, *, actor: Actor) -> LegalHold:
    hold = db.session.get(LegalHold, hold_id)
    if hold is None:
        raise NotFound(_("No such legal hold."))
    if not note.strip():
        raise InvalidInput(_("Say why the hold ends."))
    if hold.released_at is None:
        hold.released_at = utcnow()
        hold.released_by_id = actor.staff_id
        hold.release_note = note.strip()[:2000]
        audit.record("hold.released", actor=actor, subject=_subject(hold),
                     details={"hold": hold.id})
    return hold


def _first_active(conditions: list[ColumnElement[bool]]) -> LegalHold | None:
    return db.session.scalars(select(LegalHold).where(
        LegalHold.released_at.is_(None), or_(*conditions))
        .order_by(LegalHold.id).limit(1)).first()


def _subject(hold: LegalHold) -> str:
    if hold.asset_id is not None:
        return f"asset:{hold.asset_id}"
    if hold.person_id is not None:
        return f"person:{hold.person_id}"
    return f"hold:{hold.id}"
