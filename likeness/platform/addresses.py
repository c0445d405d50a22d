"""Email addresses as we store and compare them."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from likeness.errors import InvalidInput


def normalise_email(raw: str) -> str:
    """The address in its normal form (lower case), or InvalidInput with a clear message."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(_("This is not a valid email address.")) from exc
