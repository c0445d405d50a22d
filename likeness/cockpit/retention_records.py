"""Retention for the categories beyond templates, requests, emails and quitclaims.

Each rule plans (read-only: what is due, what a legal hold keeps) and acts in the
retention run's unit of work (`likeness.cockpit.retention`). Periods and their lawful
defaults are in `likeness.cockpit.schedules`; docs/legal.md gives the reasons.

* `photos`: photos with a face on them, none covered by a valid quitclaim, N years
  after upload or after the last quitclaim for them ended (not while a request is open
  on one of its faces, nor while restricted under Art. 18: a restriction asks to keep it);
* `unconsented_people`: people who never signed a quitclaim (tagged or imported only;
  or whose ended quitclaims retention deleted), N days after they were added or last
  invited; never someone on the suppression list, who chose "no biometrics" (the
  choice must outlive them), with an open invitation, or named by a request not yet
  reduced to its minimal record;
* `disclosures`: entries of the disclosure register N years after the disclosure;
* `breaches`: closed breaches N years after closing;
* `age_answers`: dates of birth typed on signing links, N days after the answer, once
  the link no longer works;
* `exports`: a request's export ZIP once its status link expired (at most 90 days);
* `backups`: archives in the backup folder older than N days (a hold cannot keep a
  backup: it keeps the records themselves).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, func, select, update

from likeness.cockpit import schedules
from likeness.cockpit.minimise import remove_stored
from likeness.cockpit.retention_items import OPEN_STATES, HeldLookup, Item, RulePlan
from likeness.extensions import db
from likeness.faces import index
from likeness.library.erasing import remove_files
from likeness.library.face_templates import enforce_template_policy
from likeness.models import (
    AgeAnswer,
    Asset,
    Breach,
    BreachStatus,
    Disclosure,
    Face,
    Match,
    Person,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimInvitation,
    QuitclaimStatus,
    SubjectRequest,
    utcnow,
)
from likeness.platform import backup_rotation
from likeness.platform.actor import Actor
from likeness.platform.clock import AMSTERDAM, local_date
from likeness.platform.uow import after_commit
from likeness.translation import lazy_gettext as _l

LABELS = {
    "photos": _l("Photos of people without a valid quitclaim"),
    "unconsented_people": _l("People without a quitclaim"),
    "disclosures": _l("Entries of the disclosure register"),
    "breaches": _l("Closed breaches"),
    "age_answers": _l("Dates of birth typed on signing links"),
    "exports": _l("Export ZIPs of answered requests"),
    "backups": _l("Backups"),
}


def plans(now: datetime, held: HeldLookup) -> list[RulePlan]:
    return [_photos(now, held), _unconsented_people(now, held), _disclosures(now, held),
            _breaches(now), _age_answers(now), _exports(now, held), _backups(now)]


# --- the rules ------------------------------------------------------------------------


def _photos(now: datetime, held: HeldLookup) -> RulePlan:
    period = schedules.PHOTO_YEARS
    years = schedules.value(period)
    today = local_date(now)
    covered = (select(QuitclaimAsset.asset_id)
               .join(Quitclaim, Quitclaim.id == QuitclaimAsset.quitclaim_id)
               .where(Quitclaim.status == QuitclaimStatus.SIGNED,
                      Quitclaim.valid_until >= today))
    with_people = select(Face.asset_id).where(Face.is_not_a_face.is_(False))
    in_open_request = (select(Face.asset_id).join(Match, Match.face_id == Face.id)
                       .join(SubjectRequest, SubjectRequest.id == Match.request_id)
                       .where(SubjectRequest.status.in_(OPEN_STATES)))
    cutoff = now - relativedelta(years=years)
    rows = db.session.execute(select(Asset.id, Asset.created_at).where(
        Asset.created_at < cutoff, Asset.id.in_(with_people),
        Asset.is_restricted.is_(False),
        Asset.id.not_in(covered), Asset.id.not_in(in_open_request)).order_by(Asset.id)).all()
    consent_ended = _consent_ended([asset_id for asset_id, _at in rows])
    result = _rule("photos", years, period.unit)
    held_assets = held.assets()
    for asset_id, uploaded in rows:
        # Counted from the upload, or from the end of the last consent for the photo
        # (whose end first flags it for review, `expired_quitclaim_photos`).
        ended = consent_ended.get(asset_id)
        at = max(uploaded, ended) if ended else uploaded
        if at >= cutoff:
            continue
        item = Item(f"asset:{asset_id}", asset_id, at)
        (result.held if asset_id in held_assets else result.due).append(item)
    return result


def _consent_ended(asset_ids: list[int]) -> dict[int, datetime]:
    """When the last quitclaim covering each photo ended (withdrawn, or ran out)."""
    ended: dict[int, datetime] = {}
    for start in range(0, len(asset_ids), 500):
        rows = db.session.execute(
            select(QuitclaimAsset.asset_id, Quitclaim.status, Quitclaim.valid_until,
                   Quitclaim.withdrawn_at)
            .join(Quitclaim, Quitclaim.id == QuitclaimAsset.quitclaim_id)
            .where(QuitclaimAsset.asset_id.in_(asset_ids[start:start + 500])))
        for asset_id, status, valid_until, withdrawn_at in rows:
            if status == QuitclaimStatus.WITHDRAWN and withdrawn_at is not None:
                end = withdrawn_at
            else:
                end = datetime.combine(valid_until + timedelta(days=1), time.min,
                                       tzinfo=AMSTERDAM)
            if asset_id not in ended or end > ended[asset_id]:
                ended[asset_id] = end
    return ended


def _unconsented_people(now: datetime, held: HeldLookup) -> RulePlan:
    period = schedules.UNCONSENTED_PERSON_DAYS
    days = schedules.value(period)
    cutoff = now - timedelta(days=days)
    signed = select(Quitclaim.person_id)
    open_invitation = select(QuitclaimInvitation.person_id).where(
        QuitclaimInvitation.status == "open", QuitclaimInvitation.expires_at > now)
    # A request keeps its person until the request itself is reduced to a minimal record.
    kept_request = select(SubjectRequest.person_id).where(
        SubjectRequest.person_id.is_not(None), SubjectRequest.minimised_at.is_(None))
    last_invited = (select(QuitclaimInvitation.person_id,
                           func.max(QuitclaimInvitation.created_at).label("at"))
                    .group_by(QuitclaimInvitation.person_id).subquery())
    rows = db.session.execute(
        select(Person.id, Person.created_at, last_invited.c.at)
        .outerjoin(last_invited, last_invited.c.person_id == Person.id)
        .where(Person.created_at < cutoff, Person.is_suppressed.is_(False),
               Person.erased_at.is_(None), Person.no_biometrics_at.is_(None),
               Person.id.not_in(signed), Person.id.not_in(open_invitation),
               Person.id.not_in(kept_request))
        .order_by(Person.id)).all()
    result = _rule("unconsented_people", days, period.unit)
    for person_id, created, invited in rows:
        since = max(created, invited) if invited else created
        if since >= cutoff:
            continue
        item = Item(f"person:{person_id}", person_id, since)
        (result.held if held.person(person_id) else result.due).append(item)
    return result


def _disclosures(now: datetime, held: HeldLookup) -> RulePlan:
    period = schedules.DISCLOSURE_YEARS
    years = schedules.value(period)
    rows = db.session.execute(select(Disclosure.id, Disclosure.asset_id,
                                     Disclosure.disclosed_at).where(
        Disclosure.disclosed_at < now - relativedelta(years=years))
        .order_by(Disclosure.id)).all()
    result = _rule("disclosures", years, period.unit)
    held_assets = held.assets()
    for disclosure_id, asset_id, at in rows:
        item = Item(f"disclosure:{disclosure_id}", disclosure_id, at)
        (result.held if asset_id in held_assets else result.due).append(item)
    return result


def _breaches(now: datetime) -> RulePlan:
    period = schedules.BREACH_YEARS
    years = schedules.value(period)
    rows = db.session.execute(select(Breach.id, Breach.closed_at).where(
        Breach.status == BreachStatus.CLOSED, Breach.closed_at.is_not(None),
        Breach.closed_at < now - relativedelta(years=years)).order_by(Breach.id)).all()
    result = _rule("breaches", years, period.unit)
    result.due = [Item(f"breach:{breach_id}", breach_id, at) for breach_id, at in rows]
    return result


def _age_answers(now: datetime) -> RulePlan:
    period = schedules.AGE_ANSWER_DAYS
    days = schedules.value(period)
    # While the link still works, a later answer is checked against the earlier ones.
    link_open = select(QuitclaimInvitation.id).where(
        QuitclaimInvitation.status == "open", QuitclaimInvitation.expires_at > now)
    rows = db.session.execute(select(AgeAnswer.id, AgeAnswer.answered_at).where(
        AgeAnswer.answered_at < now - timedelta(days=days),
        AgeAnswer.invitation_id.not_in(link_open)).order_by(AgeAnswer.id)).all()
    result = _rule("age_answers", days, period.unit)
    result.due = [Item(f"age_answer:{answer_id}", answer_id, at) for answer_id, at in rows]
    return result


def _exports(now: datetime, held: HeldLookup) -> RulePlan:
    period = schedules.EXPORT_DAYS
    days = schedules.value(period)
    # Counted from the answer (whose email carries the status link), else from closing.
    since = func.coalesce(SubjectRequest.answer_sent_at, SubjectRequest.closed_at)
    rows = db.session.execute(select(SubjectRequest.id, SubjectRequest.person_id, since).where(
        SubjectRequest.export_zip_path.is_not(None), since.is_not(None),
        since < now - timedelta(days=days)).order_by(SubjectRequest.id)).all()
    result = _rule("exports", days, period.unit)
    for request_id, person_id, at in rows:
        item = Item(f"request:{request_id}", request_id, at)
        (result.held if held.person(person_id) else result.due).append(item)
    return result


def _backups(now: datetime) -> RulePlan:
    period = schedules.BACKUP_DAYS
    days = schedules.value(period)
    result = _rule("backups", days, period.unit)
    result.due = [Item(f"backup:{archive.name}", 0, archive.written_at, name=archive.name)
                  for archive in backup_rotation.older_than(now - timedelta(days=days))]
    return result


def _rule(rule: str, period: int, unit: str) -> RulePlan:
    return RulePlan(rule, LABELS[rule], period, unit)


# --- the actions ----------------------------------------------------------------------


def _delete_photos(items: list[Item], actor: Actor) -> None:
    ids = [i.id for i in items]
    face_ids = list(db.session.scalars(select(Face.id).where(Face.asset_id.in_(ids))))
    for asset in db.session.scalars(select(Asset).where(Asset.id.in_(ids))):
        after_commit(functools.partial(remove_files, asset.id, asset.sha256))
        db.session.delete(asset)
    if face_ids:
        index.record_change(removed=face_ids)


def _delete_people(items: list[Item], actor: Actor) -> None:
    ids = [i.id for i in items]
    db.session.execute(update(Face).where(Face.person_id.in_(ids)).values(
        person_id=None, tag_source=None, tagged_by_id=None, tagged_at=None,
        untagged_at=utcnow()))
    db.session.execute(delete(Person).where(Person.id.in_(ids)))
    # Faces that lost their person lose the template the policy kept for them.
    enforce_template_policy.later()


def _delete_disclosures(items: list[Item], actor: Actor) -> None:
    for disclosure in db.session.scalars(select(Disclosure).where(
            Disclosure.id.in_([i.id for i in items]))):
        db.session.delete(disclosure)


def _delete_breaches(items: list[Item], actor: Actor) -> None:
    db.session.execute(delete(Breach).where(Breach.id.in_([i.id for i in items])))


def _delete_age_answers(items: list[Item], actor: Actor) -> None:
    db.session.execute(delete(AgeAnswer).where(AgeAnswer.id.in_([i.id for i in items])))


def _delete_exports(items: list[Item], actor: Actor) -> None:
    files = []
    for request in db.session.scalars(select(SubjectRequest).where(
            SubjectRequest.id.in_([i.id for i in items]))):
        if request.export_zip_path:
            files.append(request.export_zip_path)
        request.export_zip_path = None
        request.export_zip_sha256 = None
    after_commit(lambda: remove_stored(files))


def _rotate_backups(items: list[Item], actor: Actor) -> None:
    names = [i.name for i in items if i.name]
    # After the commit: a run that rolls back must not have deleted anything.
    after_commit(lambda: backup_rotation.delete(names))



ACTIONS: dict[str, Callable[[list[Item], Actor], int | None]] = {
    "photos": _delete_photos,
    "unconsented_people": _delete_people,
    "disclosures": _delete_disclosures,
    "breaches": _delete_breaches,
    "age_answers": _delete_age_answers,
    "exports": _delete_exports,
    "backups": _rotate_backups,
}
