"""Looking up quitclaims and invitations (read-only)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from likeness.consent import guardians
from likeness.errors import NotFound
from likeness.extensions import db
from likeness.models import (
    Person,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimInvitation,
    QuitclaimStatus,
)
from likeness.platform.clock import today as amsterdam_today

STATES = ("active", "expiring", "expired", "withdrawn")


def get(quitclaim_id: int) -> Quitclaim:
    quitclaim = db.session.get(Quitclaim, quitclaim_id)
    if quitclaim is None:
        raise NotFound(_("No such quitclaim."))
    return quitclaim


def for_email(email: str) -> list[tuple[Quitclaim, Person]]:
    """Quitclaims of the people this address belongs to, and of the children under 16
    (by the date of birth on file) it is the guardian of: a guardian manages consent
    only while the child is under 16."""
    email = email.strip().lower()
    return [
        (q, p) for q, p in db.session.execute(
            select(Quitclaim, Person).join(Person, Person.id == Quitclaim.person_id)
            .where((func.lower(Person.email) == email)
                   | (func.lower(Person.guardian_email) == email))
            .order_by(Quitclaim.signed_at.desc())
        ).all()
        if (p.email or "").strip().lower() == email or guardians.consents(p)
    ]


def own_for_email(email: str) -> list[tuple[Quitclaim, Person]]:
    """Quitclaims of the people this address belongs to (never as guardian)."""
    email = email.strip().lower()
    return [(q, p) for q, p in db.session.execute(
        select(Quitclaim, Person).join(Person, Person.id == Quitclaim.person_id)
        .where(func.lower(Person.email) == email).order_by(Quitclaim.signed_at.desc())).all()]


def invitations_of(person_id: int) -> list[QuitclaimInvitation]:
    return list(db.session.scalars(
        select(QuitclaimInvitation).where(QuitclaimInvitation.person_id == person_id)
        .order_by(QuitclaimInvitation.id.desc())
    ))


def list_quitclaims(
    *, state: str | None = None, person_id: int | None = None, asset_id: int | None = None,
) -> list[tuple[Quitclaim, Person]]:
    """For the admin list: state is active, expiring, expired or withdrawn."""
    today = amsterdam_today()
    query = select(Quitclaim, Person).join(Person, Person.id == Quitclaim.person_id)
    signed = Quitclaim.status == QuitclaimStatus.SIGNED
    if state == "active":
        query = query.where(signed, Quitclaim.valid_until >= today)
    elif state == "expiring":
        query = query.where(signed, Quitclaim.valid_until >= today,
                            Quitclaim.valid_until < today + timedelta(days=30))
    elif state == "expired":
        query = query.where(Quitclaim.status == QuitclaimStatus.EXPIRED)
    elif state == "withdrawn":
        query = query.where(Quitclaim.status == QuitclaimStatus.WITHDRAWN)
    if person_id:
        query = query.where(Quitclaim.person_id == person_id)
    if asset_id:
        query = query.join(QuitclaimAsset).where(QuitclaimAsset.asset_id == asset_id)
    return [(q, p) for q, p in db.session.execute(query.order_by(Quitclaim.id.desc())).all()]
