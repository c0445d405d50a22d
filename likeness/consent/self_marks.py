"""Signers who find themselves: "this is me" on the faces of the photos they sign for.

Under the lawful default the faces of a new collection are tagged to nobody, so the
signing page shows each untagged face as a numbered, pixelated outline and the signer
marks the ones that are them (or none). A mark is only a proposal: staff confirm it in
one list, and only the confirmed tag lets the quitclaim reach that face (consent status
follows tags, `likeness.library.consent_status`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.library import people, tagging
from likeness.models import (
    Asset,
    Face,
    Person,
    ProposalStatus,
    Quitclaim,
    TagProposal,
    TagSource,
    utcnow,
)
from likeness.platform import audit
from likeness.platform.actor import Actor, person_actor
from likeness.platform.uow import use_case


@dataclass(frozen=True)
class MarkableFace:
    number: int  # as drawn on the photo, from left to right
    face_id: int
    box: tuple[int, int, int, int]  # x, y, width, height in the photo's pixels


@dataclass(frozen=True)
class MarkablePhoto:
    number: int  # the photo's place on the signing page
    asset: Asset
    faces: list[MarkableFace]
    tagged_as_signer: int  # faces already tagged to the signer (shown unblurred)


def markable(assets: list[Asset], person_id: int) -> list[MarkablePhoto]:
    """The photos of an invitation with the faces the signer may mark: tagged to nobody,
    a real face, and not erased at someone's request."""
    asset_ids = [a.id for a in assets]
    faces = db.session.scalars(select(Face).where(Face.asset_id.in_(asset_ids))
                               .order_by(Face.asset_id, Face.left, Face.top)).all()
    photos = []
    for number, asset in enumerate(assets, start=1):
        own = [f for f in faces if f.asset_id == asset.id]
        open_faces = [f for f in own if f.person_id is None and not f.is_not_a_face
                      and not f.is_always_blurred]
        photos.append(MarkablePhoto(
            number=number, asset=asset,
            faces=[MarkableFace(number=n, face_id=f.id,
                                box=(f.left, f.top, f.right - f.left, f.bottom - f.top))
                   for n, f in enumerate(open_faces, start=1)],
            tagged_as_signer=sum(1 for f in own if f.person_id == person_id)))
    return photos


def propose(quitclaim: Quitclaim, person: Person, face_ids: Iterable[int],
            assets: list[Asset]) -> int:
    """Record the signer's marks as proposals, in the signing's unit of work. A face
    that was not offered to them (another photo, already tagged) is refused."""
    chosen = set(face_ids)
    if not chosen:
        return 0
    offered = {face.face_id for photo in markable(assets, person.id) for face in photo.faces}
    if not chosen <= offered:
        raise InvalidInput(_("One of the faces you marked is not on these photos any more. "
                             "Please check your marks."), field="my_faces")
    existing = set(db.session.scalars(select(TagProposal.face_id).where(
        TagProposal.person_id == person.id, TagProposal.face_id.in_(chosen))))
    for face_id in sorted(chosen - existing):
        db.session.add(TagProposal(face_id=face_id, person_id=person.id,
                                   quitclaim_id=quitclaim.id))
    audit.record("tag.proposed_by_signer", actor=person_actor(person.id),
                 subject=f"quitclaim:{quitclaim.id}", details={"faces": len(chosen)})
    return len(chosen)


@dataclass(frozen=True)
class PendingProposal:
    proposal: TagProposal
    face: Face
    asset: Asset
    person: Person


def pending() -> list[PendingProposal]:
    """Every proposal staff have not decided yet, oldest first: one list."""
    rows = db.session.execute(
        select(TagProposal, Face, Asset, Person)
        .join(Face, Face.id == TagProposal.face_id).join(Asset, Asset.id == Face.asset_id)
        .join(Person, Person.id == TagProposal.person_id)
        .where(TagProposal.status == ProposalStatus.PENDING)
        .order_by(TagProposal.id)).all()
    return [PendingProposal(proposal, face, asset, person)
            for proposal, face, asset, person in rows]


def count_pending() -> int:
    return db.session.scalar(select(func.count(TagProposal.id)).where(
        TagProposal.status == ProposalStatus.PENDING)) or 0


@use_case
def decide(proposal_ids: list[int], *, confirm: bool, actor: Actor) -> int:
    """Confirm (tag the face to the signer, so their consent applies to it) or reject
    these proposals; returns how many were decided. Already decided ones are skipped."""
    proposals = db.session.scalars(select(TagProposal).where(
        TagProposal.id.in_(proposal_ids),
        TagProposal.status == ProposalStatus.PENDING)).all()
    if not proposals and proposal_ids:
        raise NotFound(_("These proposals were already decided."))
    for proposal in proposals:
        if confirm:
            face = tagging.get_face(proposal.face_id)
            if face.person_id not in (None, proposal.person_id):
                raise InvalidInput(_("This face was tagged to someone else in the meantime: "
                                     "reject the proposal, or untag the face first."))
            tagging.tag(face.id, people.get(proposal.person_id).id, actor=actor,
                        source=TagSource.CONFIRMED)
        proposal.status = ProposalStatus.CONFIRMED if confirm else ProposalStatus.REJECTED
        proposal.decided_by_id = actor.staff_id
        proposal.decided_at = utcnow()
        audit.record("tag.proposal_confirmed" if confirm else "tag.proposal_rejected",
                     actor=actor, subject=f"face:{proposal.face_id}")
    return len(proposals)


def tagged_in(person_id: int | None, asset_ids: list[int]) -> int:
    """On how many of these photos the person is tagged (for the invite form)."""
    if person_id is None or not asset_ids:
        return 0
    return len(set(db.session.scalars(select(Face.asset_id).where(
        Face.person_id == person_id, Face.asset_id.in_(asset_ids)))))
