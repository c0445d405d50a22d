"""Finding the demo's people and photos, and making what a journey starts from."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from likeness.consent import invitations
from likeness.extensions import db
from likeness.models import Asset, Person, Quitclaim
from likeness.platform.actor import CLI
from likeness.staff import accounts
from tests.support.helpers import enrol_two_factor, totp_now

PASSWORD = "journey password 1"


def person(name: str) -> Person:
    return db.session.scalars(select(Person).where(Person.name == name)).one()


def asset(filename: str) -> Asset:
    return db.session.scalars(select(Asset).where(Asset.original_filename == filename)).one()


def quitclaims_of(name: str) -> list[Quitclaim]:
    return list(db.session.scalars(select(Quitclaim).where(
        Quitclaim.person_id == person(name).id).order_by(Quitclaim.id)))


def signing_path(name: str, files: list[str], channels: list[str], *,
                 language: str = "en") -> str:
    """A new invitation for the person, as its email's link would open it."""
    invitation = invitations.invite(person(name).id, [asset(f).id for f in files], channels,
                                    validity_months=60, language=language, actor=CLI)
    return f"/quitclaim/sign/{invitations.invitation_token(invitation)}"


def staff(role: str) -> str:
    """A staff member with a password of their own (and two-factor, where the role
    needs it); returns the email."""
    email = f"{role.replace('_', '-')}@example.org"
    user, _password = accounts.create_staff(email, role, password=PASSWORD)
    if role in current_app.config["STAFF_2FA_ROLES"]:
        enrol_two_factor(user)
    return email


def log_in(journey: object, email: str) -> None:
    user = accounts.find_by_email(email)
    code = totp_now(email, fresh=True) if user and user.totp_secret else None
    # End this thread's read transaction: SQLite lets the server write only then.
    db.session.remove()
    page = journey.page  # type: ignore[attr-defined]
    page.goto(journey.base + "/admin/login")  # type: ignore[attr-defined]
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if code is not None:  # the second step: the authenticator's code
        page.get_by_label("Code from your authenticator app").fill(code)
        page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
