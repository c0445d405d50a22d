"""A child on their own signing link: the invitation goes on to the parent or guardian.

When staff did not know a person's age, the signing link goes to the person. If they
say they are under 16, nothing they type on that link completes the quitclaim: the page
asks for the address of a parent or guardian, the child's link is closed, and a new
invitation for the same photos and channels goes to that address. The guardian signs
through their own link.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from likeness.consent import invitations, rules
from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.models import InvitationStatus, QuitclaimInvitation
from likeness.platform import audit
from likeness.platform.actor import person_actor
from likeness.platform.addresses import normalise_email
from likeness.platform.clock import today as amsterdam_today
from likeness.platform.text import has_control_characters
from likeness.platform.uow import use_case


@use_case
def to_guardian(token: str, *, date_of_birth: date | None, guardian_name: str,
                guardian_email: str, language: str) -> QuitclaimInvitation:
    """Close the child's link and invite their parent or guardian (at the address on
    file, or else the one the child gave), in `language`."""
    opened = invitations.open_invitation(token)
    invitation, person = opened.invitation, opened.person
    if invitation.for_guardian:
        raise InvalidInput(_("This link is already the parent's or guardian's own: sign "
                             "below."))
    today = amsterdam_today()
    if opened.needs_birth_date:
        if date_of_birth is None:
            raise InvalidInput(_("Enter your date of birth."), field="date_of_birth")
        if date_of_birth > today:
            raise InvalidInput(_("The date of birth lies in the future."),
                               field="date_of_birth")
        person.date_of_birth = date_of_birth
    if person.date_of_birth is None or not person.is_under(rules.GUARDIAN_AGE, today):
        raise InvalidInput(_("Only for someone under 16: sign yourself below."),
                           field="date_of_birth")
    name = guardian_name.strip()
    if not name or has_control_characters(name):
        raise InvalidInput(_("Fill in the name of your parent or guardian, on one line."),
                           field="guardian_name")
    try:
        typed = normalise_email(guardian_email or "")
    except InvalidInput as exc:
        exc.field = "guardian_email"
        raise
    if typed == (person.email or "").strip().lower():
        raise InvalidInput(_("That is your own address: fill in the address of your parent "
                             "or guardian."), field="guardian_email")
    # An address staff recorded wins over one typed on the child's link.
    if not person.guardian_email:
        person.guardian_email = typed
        person.guardian_name = name[:200]
    invitation.status = InvitationStatus.FORWARDED
    forwarded = QuitclaimInvitation(
        person_id=person.id, channels=list(invitation.channels),
        asset_ids=list(invitation.asset_ids), validity_months=invitation.validity_months,
        language=language if language in rules.LANGUAGES else invitation.language,
        third_parties=invitation.third_parties, created_by_id=invitation.created_by_id,
        expires_at=invitations.link_expiry(), for_guardian=True)
    db.session.add(forwarded)
    db.session.flush()
    invitations.send(forwarded, person, person.guardian_email)
    audit.record("quitclaim.forwarded_to_guardian", actor=person_actor(person.id),
                 subject=person.audit_ref,
                 details={"invitation": invitation.id, "forwarded": forwarded.id})
    return forwarded
