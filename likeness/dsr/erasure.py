"""Carrying out an erasure request (Art. 17): what is erased, and what is kept and why.

For every confirmed face (and every face tagged to the linked person): untagged, its
template deleted, and blurred into the stored original for good, or the photo deleted
where the person is its only subject and staff chose so. Disclosures of those photos are
taken back with Art. 19 notices; earlier answers that show the face are deleted; stored
emails to the person are purged; the person goes on the suppression list; quitclaims are
withdrawn and the signed ones kept as evidence (Art. 17(3)(e)). Everything is in the
erasure ledger, so no backup brings it back.
"""

from __future__ import annotations

import functools

from sqlalchemy import ColumnElement, func, or_, select

from likeness.cockpit import holds
from likeness.consent import withdrawal
from likeness.dsr import casework, locate
from likeness.extensions import db
from likeness.faces import templates
from likeness.integrations import takedowns
from likeness.library import disclosures, erasing
from likeness.library.renditions import invalidate
from likeness.models import (
    Asset,
    Channel,
    Face,
    Match,
    MatchDecision,
    OutgoingEmail,
    Person,
    Quitclaim,
    QuitclaimStatus,
    SubjectRequest,
    TakedownReason,
    utcnow,
)
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.storage import storage
from likeness.platform.uow import after_commit


def carry_out(request: SubjectRequest, actor: Actor, decision: str) -> None:
    confirmed = [(face, asset, match.erasure_choice)
                 for match, face, asset in locate.confirmed(request.id)]
    person = db.session.get(Person, request.person_id) if request.person_id else None
    faces: dict[int, Face] = {face.id: face for face, _asset, _choice in confirmed}
    if person is not None:
        faces.update({f.id: f for f in db.session.scalars(
            select(Face).where(Face.person_id == person.id))})
    removed_templates = templates.drop(faces.values(), reason="erasure", actor=actor,
                                       subject=f"request:{request.id}")
    deleted = _photos_to_delete(confirmed)
    # A legal hold (e.g. the Archives Act) keeps the photo itself unchanged: no deletion,
    # no burning. Templates go regardless, and the face is blurred in every copy.
    held = {asset_id: hold for asset_id in {f.asset_id for f in faces.values()}
            if (hold := holds.blocking_asset(asset_id)) is not None}
    by_asset: dict[int, list[Face]] = {}
    for face in faces.values():
        by_asset.setdefault(face.asset_id, []).append(face)
        face.person_id = None
        face.tag_source = None
        face.tagged_by_id = None
    tasks = disclosures.take_down(list(by_asset), [c.value for c in Channel],
                                  reason=TakedownReason.ERASURE, actor=actor,
                                  request_id=request.id)
    # The image banks' copies, named by their own ids before a deleted photo's rows go.
    bank_tasks = takedowns.open_for_erasure(request.id, person.id if person else None,
                                            list(by_asset), actor=actor)
    removed_answers = _remove_earlier_answers(request, faces, person)
    purged_emails = _purge_emails(request, person)
    _erase_from_photos(request, by_asset, held=set(held), deleted=deleted, actor=actor)
    deleted -= set(held)
    kept = _end_consent(request, person, actor)
    casework.record_action(request, "untagged", count=len(faces))
    casework.record_action(request, "faces_burnt",
                           count=len(by_asset) - len(deleted) - len(held))
    casework.record_action(request, "templates_deleted", count=len(removed_templates))
    casework.record_action(request, "takedowns", count=len(tasks) + len(bank_tasks))
    if deleted:
        casework.record_action(request, "photos_deleted", count=len(deleted))
    if removed_answers:
        casework.record_action(request, "exports_removed", count=removed_answers)
    if purged_emails:
        casework.record_action(request, "emails_purged", count=purged_emails)
    _record_what_was_kept(request, suppressed=person is not None, kept_quitclaims=kept,
                          hold_reasons={hold.reason for hold in held.values()},
                          decision=decision)
    audit.record("request.erasure", actor=actor, subject=f"request:{request.id}",
                 details={"faces": len(faces), "templates": len(removed_templates),
                          "assets_deleted": len(deleted), "takedowns": len(tasks),
                          "answers_removed": removed_answers, "emails_purged": purged_emails})


def _erase_from_photos(request: SubjectRequest, by_asset: dict[int, list[Face]], *,
                       held: set[int], deleted: set[int], actor: Actor) -> None:
    """Per photo: a held one keeps its pixels and blurs the faces in every copy; one staff
    chose to delete goes; in the others the person's faces are burnt in."""
    for asset_id, asset_faces in by_asset.items():
        asset = db.session.get(Asset, asset_id)
        if asset is None:
            continue
        if asset_id in held:
            for face in asset_faces:
                face.is_always_blurred = True
            after_commit(functools.partial(invalidate, asset_id))
        elif asset_id in deleted:
            erasing.delete_photo(asset, actor=actor, request_id=request.id)
        else:
            erasing.burn_faces(asset, asset_faces, actor=actor, request_id=request.id)


def _record_what_was_kept(request: SubjectRequest, *, suppressed: bool, kept_quitclaims: int,
                          hold_reasons: set[str], decision: str) -> None:
    """The answer's "What we kept, and why": each exception to the erasure, with its reason."""
    if suppressed:
        casework.record_action(request, "suppressed")
        casework.record_action(request, "kept_suppression_record", exception=True)
    if kept_quitclaims:
        casework.record_action(request, "kept_quitclaims", count=kept_quitclaims,
                               exception=True)
    for reason in sorted(hold_reasons):
        casework.record_action(request, "legal_hold", reason, exception=True)
    for kept_kind in ("kept_erasure_ledger", "kept_backups", "kept_request_record"):
        casework.record_action(request, kept_kind, exception=True)
    if decision.strip():
        # Staff's own Art. 17(3) exception (e.g. a photo kept for an archive in the public
        # interest), with the reason they give: listed under "What we kept, and why".
        casework.record_action(request, "exception", decision.strip()[:2000], exception=True)


def _photos_to_delete(confirmed: list[tuple[Face, Asset, str | None]]) -> set[int]:
    """Photos staff chose to delete, where the person is the only subject."""
    deleted = set()
    for face, asset, choice in confirmed:
        others = [f for f in asset.faces if f.id != face.id and not f.is_not_a_face]
        if choice == "delete" and not others:
            deleted.add(asset.id)
    return deleted


def _end_consent(request: SubjectRequest, person: Person | None, actor: Actor) -> int:
    """Suppress the person and withdraw their quitclaims; returns how many are kept."""
    if person is None:
        return 0
    person.is_suppressed = True
    person.erased_at = utcnow()
    erasing.suppress_person(person, request_id=request.id)
    kept = db.session.scalars(select(Quitclaim).where(Quitclaim.person_id == person.id)).all()
    for quitclaim in kept:
        if quitclaim.status == QuitclaimStatus.SIGNED:
            withdrawal.withdraw(quitclaim.id, actor=actor)
    return len(kept)


def _remove_earlier_answers(request: SubjectRequest, faces: dict[int, Face],
                            person: Person | None) -> int:
    """Earlier answers (PDF, export ZIP) that show these faces: their files go; the
    record of the answer (its sha256) stays."""
    shown = select(Match.request_id).where(Match.face_id.in_(list(faces)),
                                           Match.decision == MatchDecision.CONFIRMED)
    conditions: list[ColumnElement[bool]] = [SubjectRequest.id.in_(shown)]
    if person is not None:
        conditions.append(SubjectRequest.person_id == person.id)
    earlier = db.session.scalars(select(SubjectRequest).where(
        SubjectRequest.id != request.id, or_(*conditions))).all()
    removed = 0
    for other in earlier:
        other.response_html = None
        for attribute in ("export_zip_path", "response_pdf_path"):
            relative = getattr(other, attribute)
            if relative:
                setattr(other, attribute, None)
                after_commit(functools.partial(_unlink, relative))
                removed += 1
    return removed


def _purge_emails(request: SubjectRequest, person: Person | None) -> int:
    """Stored emails to the person hold personal data: sent ones are deleted (this
    request's own, still to be sent, stay)."""
    addresses = {a.lower() for a in (person.email if person else None,
                                     person.guardian_email if person else None) if a}
    if not addresses:
        return 0
    emails = db.session.scalars(select(OutgoingEmail).where(
        func.lower(OutgoingEmail.recipient).in_(addresses),
        OutgoingEmail.sent_at.is_not(None))).all()
    for email in emails:
        db.session.delete(email)
    return len(emails)


def _unlink(relative: str) -> None:
    storage().delete(relative)
