"""Email addresses as we store and compare them."""

from __future__ import annotations

import contextlib
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from likeness.errors import InvalidInput


def normalise_email(raw: str) -> str:
    """The address in its normal form (lower case), or InvalidInput with a clear message."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(_("This is not a valid email address.")) from exc


def normalised_identity(raw: str) -> str:
    """The mailbox an address reaches, as one string for counting (not for sending).

    Mail goes to the normalised address, so `Ｄana+1@Example.org` and
    `dana+2@example.org` count as `dana@example.org`: full-width letters fold to ASCII,
    case folds, the `+tag` most providers ignore is dropped, and Gmail's ignored dots
    (and its googlemail.com alias) fold to one mailbox."""
    folded = unicodedata.normalize("NFKC", raw or "").strip().casefold()
    with contextlib.suppress(EmailNotValidError):  # an invalid one counts as typed
        folded = validate_email(folded, check_deliverability=False).normalized.casefold()
    local, at, domain = folded.rpartition("@")
    if not at:
        return folded
    local = local.split("+", 1)[0]
    if domain in _GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


# Gmail delivers d.a.n.a@gmail.com and dana@googlemail.com to dana@gmail.com.
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
