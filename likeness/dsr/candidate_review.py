"""Deciding a request's candidates on the case page: one tile at a time, or every tile
shown at once.

A decision answers what the officer saw. A tile decided meanwhile (in another tab, by a
colleague) is stale: the officer is told so, and the decision made there stands instead
of being silently changed. A face that someone established as another person (tagged to a
person other than the one this request is linked to, or confirmed on a request of another
person) is never confirmed in bulk; one at a time only when the officer confirms it knowing
that. Every decision goes through `locate.decide`, so each face is audited exactly as a
single confirm is, and a bulk decision is one unit of work: all of it or none.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from likeness.dsr import casework, locate
from likeness.errors import Conflict, InvalidInput, NotFound
from likeness.extensions import db
from likeness.faces.engine import Box
from likeness.library import near_duplicates
from likeness.library.renditions import crop_context
from likeness.models import Face, Match, MatchDecision, Person, SubjectRequest
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case

# More ids than any page of candidates shows is not a page the officer looked at.
MOST_AT_ONCE = 200
DECISIONS = {MatchDecision.CONFIRMED, MatchDecision.REJECTED}


class OtherPerson(Conflict):
    """The face is established as someone other than the request's person."""


@dataclass(frozen=True)
class BulkResult:
    decided: int
    stale: int  # decided meanwhile: left as they are
    other_person: int  # established as someone else: left for a decision one by one


def stale_reason(match: Match, decision: str) -> str | None:
    """Why this decision no longer fits the tile's state, or None when it does."""
    if decision == MatchDecision.PENDING:
        return None if match.decision != MatchDecision.PENDING else _(
            "This candidate is undecided already: the page was out of date.")
    if match.decision == MatchDecision.PENDING:
        return None
    if match.decision == MatchDecision.CONFIRMED:
        return _("This candidate was confirmed meanwhile (perhaps in another tab); "
                 "the decision stands. Undo it first to change it.")
    return _("This candidate was rejected meanwhile (perhaps in another tab); "
             "the decision stands. Undo it first to change it.")


def other_person(request: SubjectRequest, face: Face) -> Person | None:
    """The person this face was established as, when that is not the request's person."""
    if (request.person_id is not None and face.person_id is not None
            and face.person_id != request.person_id):
        return db.session.get(Person, face.person_id)
    elsewhere = db.session.scalars(
        select(SubjectRequest.person_id).join(Match, Match.request_id == SubjectRequest.id)
        .where(Match.face_id == face.id, Match.request_id != request.id,
               Match.decision == MatchDecision.CONFIRMED,
               SubjectRequest.person_id.is_not(None))).all()
    for person_id in elsewhere:
        if person_id != request.person_id:
            return db.session.get(Person, person_id)
    return None


def other_people(request: SubjectRequest, faces: list[Face]) -> dict[int, Person]:
    """By face id, the faces of the list established as someone else (shown on the tiles):
    `other_person` for a whole page in two queries instead of up to two per tile."""
    person_of: dict[int, int] = {
        face.id: face.person_id for face in faces
        if request.person_id is not None and face.person_id is not None
        and face.person_id != request.person_id}
    untagged = [face.id for face in faces if face.id not in person_of]
    if untagged:
        confirmed_elsewhere = db.session.execute(
            select(Match.face_id, SubjectRequest.person_id)
            .join(Match, Match.request_id == SubjectRequest.id)
            .where(Match.face_id.in_(untagged), Match.request_id != request.id,
                   Match.decision == MatchDecision.CONFIRMED,
                   SubjectRequest.person_id.is_not(None)))
        for face_id, person_id in confirmed_elsewhere:
            if person_id != request.person_id:
                person_of.setdefault(face_id, person_id)
    if not person_of:
        return {}
    people = {person.id: person for person in db.session.scalars(
        select(Person).where(Person.id.in_(set(person_of.values()))))}
    return {face_id: people[person_id] for face_id, person_id in person_of.items()}


def _refuse_when_final(request: SubjectRequest) -> None:
    """A closed or carried-out request's decisions stand: that answer comes before any
    about a tile's state."""
    if request.status not in casework.OPEN_STATES:
        raise InvalidInput(_("This request is closed."))
    if casework.carried_out(request.id):
        raise InvalidInput(_("The request has been carried out; its decisions can no "
                             "longer change."))


@use_case
def decide_one(match_id: int, decision: str, *, actor: Actor, erasure_choice: str | None = None,
               knowingly: bool = False) -> Match:
    """The decision on one tile, made only on the state the officer saw (else `Conflict`);
    a face established as another person is confirmed only `knowingly`."""
    match = db.session.get(Match, match_id)
    if match is None:
        raise NotFound(_("No such match."))
    request = casework.get(match.request_id)
    _refuse_when_final(request)
    if (reason := stale_reason(match, decision)) is not None:
        raise Conflict(reason)
    if decision == MatchDecision.CONFIRMED and not knowingly:
        face = db.session.get(Face, match.face_id)
        if face is not None and (person := other_person(request, face)) is not None:
            raise OtherPerson(_("This face is already established as %(name)s, not as this "
                             "request's person. Confirm it only if you are sure.",
                             name=person.name))
    return locate.decide(match_id, decision, actor=actor, erasure_choice=erasure_choice)


@use_case
def decide_shown(request_id: int, match_ids: list[int], decision: str, *, actor: Actor,
                 erasure_choice: str | None = None) -> BulkResult:
    """Confirm or reject the undecided candidates among those shown, in one transaction.
    Tiles decided meanwhile stay as they are; faces established as someone else stay
    undecided (they are confirmed one by one, knowingly)."""
    if decision not in DECISIONS:
        raise InvalidInput(_("Confirm or reject."))
    ids = sorted(set(match_ids))
    if not ids:
        raise InvalidInput(_("No candidates were shown."))
    if len(ids) > MOST_AT_ONCE:
        raise InvalidInput(_("Too many candidates at once; decide them page by page."))
    request = casework.get(request_id)
    _refuse_when_final(request)
    rows = db.session.execute(select(Match, Face).join(Face, Face.id == Match.face_id).where(
        Match.id.in_(ids), Match.request_id == request.id).order_by(Match.id)).all()
    if len(rows) != len(ids):
        raise NotFound(_("Some of these candidates are not candidates of this request."))
    decided = stale = others = 0
    for match, face in rows:
        if stale_reason(match, decision) is not None:
            stale += 1
        elif decision == MatchDecision.CONFIRMED and other_person(request, face) is not None:
            others += 1
        else:
            locate.decide(match.id, decision, actor=actor, erasure_choice=erasure_choice)
            decided += 1
    return BulkResult(decided=decided, stale=stale, other_person=others)


@use_case  # the look's audit event must commit: every view of a candidate's photo is recorded
def context_image(request_id: int, match_id: int, *, actor: Actor) -> str:
    """The storage key of the photo around a candidate face, for the case page's "enlarge":
    every other face on it blurred (the reviewer needs the surroundings, not the other
    people), and the face itself too where it must never be shown."""
    match = db.session.get(Match, match_id)
    if match is None or match.request_id != request_id:
        raise NotFound(_("No such match."))
    face = db.session.get(Face, match.face_id)
    if face is None:
        raise NotFound(_("No such match."))
    asset = face.asset
    if asset.is_held_as_erased:
        blur = near_duplicates.whole_image(asset)
    else:
        blur = [Box(*f.box) for f in asset.faces if f.id != face.id or f.is_always_blurred]
    audit.record("request.match_context_viewed", actor=actor, subject=f"request:{request_id}",
                 details={"face": face.id})
    return crop_context(asset, Box(*face.box), blur)
