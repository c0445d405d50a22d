"""A first look with content: `flask seed-demo` fills a fresh instance with the sample
photos (shipped in likeness/demo_photos, or a folder given with `--photos`), people, a
signed quitclaim, one about to expire, an invitation waiting for a parent's signature and
an access request with a reference photo, so a newcomer sees every page with real content.

Everything goes through the real use cases (upload, indexing, tagging, invitations,
signing, request intake), so the demo stays true as the code changes. It refuses an
instance that already holds photos, people, quitclaims or requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from likeness.consent import invitations, signing
from likeness.dsr import intake, links
from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.library import people, tagging, upload
from likeness.models import (
    Asset,
    Face,
    OutboxJob,
    OutboxStatus,
    Person,
    Quitclaim,
    SignatureKind,
    SubjectRequest,
)
from likeness.platform.actor import CLI
from likeness.platform.clock import today as amsterdam_today
from likeness.platform.jobs import run_outbox_job
from likeness.platform.uow import use_case

# Sample photos shipped with the code, so a demo needs nothing from the test suite.
DEMO_PHOTOS = Path(__file__).resolve().parent / "demo_photos"
WING = "Opening of the new wing"
PARTY = "Summer party"
PHOTOS = (("obama.jpg", WING), ("two_people.jpg", WING), ("obama3.jpg", PARTY),
          ("biden.jpg", PARTY))
SELFIE = "obama2.jpg"
EXPIRES_IN_DAYS = 20


@dataclass
class Seeded:
    photos: int = 0
    people: list[str] = field(default_factory=list)
    quitclaims: list[int] = field(default_factory=list)
    request_reference: str = ""


def holds_data() -> bool:
    return any(db.session.scalar(select(func.count()).select_from(model))
               for model in (Asset, Person, Quitclaim, SubjectRequest))


def seed(photos: Path = DEMO_PHOTOS) -> Seeded:
    """Fill an empty instance with the demo; InvalidInput if it already holds data or a
    photo is missing from `photos`."""
    missing = [name for name in (*(n for n, _ in PHOTOS), SELFIE)
               if not (photos / name).is_file()]
    if missing:
        raise InvalidInput(f"The demo needs {', '.join(missing)} in {photos}.")
    if holds_data():
        raise InvalidInput("This instance already holds photos, people, quitclaims or "
                           "requests: seed-demo only fills a fresh one.")
    seeded = Seeded()
    assets: dict[str, int] = {}
    for name, collection in PHOTOS:
        result = upload.add_photo((photos / name).read_bytes(), name, actor=CLI,
                                  collection=collection)
        if result.asset_id is None:
            raise InvalidInput(f"{name}: {result.error}")
        assets[name] = result.asset_id
    seeded.photos = len(assets)
    run_waiting_jobs()  # finds the faces

    barack = _tag_everywhere("Barack Obama", [assets["obama.jpg"], assets["obama3.jpg"]],
                             email="barack@example.org", born=date(1961, 8, 4))
    joe = _tag_everywhere("Joe Biden", [assets["biden.jpg"]], email="joe@example.org",
                          born=date(1942, 11, 20))
    # A child, whose parent has an invitation waiting to be signed (see the email).
    sasha = _tag_everywhere("Sasha Example", [assets["two_people.jpg"]],
                            email="sasha@example.org",
                            born=amsterdam_today() - relativedelta(years=12),
                            guardian_email="parent@example.org")
    invitations.invite(sasha, [assets["two_people.jpg"]], ["internal", "website"],
                       validity_months=24, language="en", actor=CLI)
    seeded.people = ["Barack Obama", "Joe Biden", "Sasha Example"]

    # A signed quitclaim, with consent to face recognition, signed by typing the name.
    signed = _invite_and_sign(barack, [assets["obama.jpg"], assets["obama3.jpg"]],
                              ["internal", "website", "social_media"], months=60,
                              biometric=True)
    # One that was signed a year ago and ends in EXPIRES_IN_DAYS days.
    expiring = _invite_and_sign(joe, [assets["biden.jpg"]], ["internal", "print"], months=12)
    _as_if_signed_earlier(expiring, months=12)
    seeded.quitclaims = [signed, expiring]

    # An access request with a reference photo, its email address confirmed: open.
    stored = intake.submit(intake.Intake(
        type="access", name="Barack Obama", email="barack@example.org",
        details="I was photographed at the opening of the new wing.", language="en",
        selfie=(photos / SELFIE).read_bytes(), selfie_consent=True, event=WING))
    intake.verify(links.verification_token(stored))
    seeded.request_reference = stored.reference
    run_waiting_jobs()  # the signed PDFs and the emails
    return seeded


def run_waiting_jobs() -> int:
    """Run every job waiting in the outbox here, as a worker would (each marks its row
    done, so a worker that gets it later does nothing)."""
    done = 0
    while True:
        waiting = list(db.session.scalars(
            select(OutboxJob.id).where(OutboxJob.status.in_(
                [OutboxStatus.PENDING, OutboxStatus.ENQUEUED]))
            .order_by(OutboxJob.id)))
        if not waiting:
            return done
        for outbox_id in waiting:
            run_outbox_job(outbox_id)
            done += 1


def _tag_everywhere(name: str, asset_ids: list[int], *, email: str, born: date,
                    guardian_email: str | None = None) -> int:
    """Tag the largest face of each photo to one new person; returns the person's id."""
    person_id: int | None = None
    for asset_id in asset_ids:
        face = max(db.session.scalars(select(Face).where(Face.asset_id == asset_id)),
                   key=lambda f: (f.right - f.left) * (f.bottom - f.top))
        if person_id is None:
            person_id = tagging.tag_new_person(face.id, name, actor=CLI).person_id
        else:
            tagging.tag(face.id, person_id, actor=CLI)
    if person_id is None:
        raise InvalidInput(f"no photo to tag {name} on")
    people.update_details(person_id, people.Details(email=email, date_of_birth=born,
                                                    guardian_email=guardian_email),
                          actor=CLI)
    return person_id


def _invite_and_sign(person_id: int, asset_ids: list[int], channels: list[str], *,
                     months: int, biometric: bool = False) -> int:
    invitation = invitations.invite(person_id, asset_ids, channels, validity_months=months,
                                    language="en", actor=CLI)
    person = people.get(person_id)
    quitclaim = signing.sign(invitations.invitation_token(invitation), signing.Signature(
        channels=channels, biometric_consent=biometric, signer_name=person.name,
        signature_png=None, signature_kind=SignatureKind.TYPED))
    return quitclaim.id


@use_case
def _as_if_signed_earlier(quitclaim_id: int, *, months: int) -> None:
    """Demo only: move a fresh quitclaim's period back, so it ends within 30 days and
    the expiry warnings have something to show."""
    quitclaim = db.session.get(Quitclaim, quitclaim_id)
    if quitclaim is None:
        raise InvalidInput(f"no quitclaim {quitclaim_id}")
    ends = amsterdam_today() + relativedelta(days=EXPIRES_IN_DAYS)
    quitclaim.valid_until = ends
    quitclaim.valid_from = ends - relativedelta(months=months)
