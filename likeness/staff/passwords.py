"""What a staff password must not be: short, common, breached, or built from the
account's email address or the product's name.

Two lists, both shipped with the app (nothing is looked up on the network): the one
zxcvbn ships (30 000 passwords from public breach corpora, most common first) and
`likeness.staff.breached` (425 575 passwords from the SecLists breach lists, and
passwords published as examples such as `correcthorsebatterystaple`).
Beyond the list, zxcvbn's estimate of the guesses an attacker needs must reach 10^10
(patterns such as `Summer2024!!` or keyboard walks fall short of it).
"""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import gettext as _

from likeness.errors import InvalidInput
from likeness.staff import breached

MIN_LENGTH = 12
MIN_GUESSES_LOG10 = 10
PRODUCT_NAMES = ("likeness",)


def check(password: str, *, email: str = "") -> None:
    """Raise InvalidInput with the reason when `password` may not be used."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(_("A password needs at least %(count)d characters.",
                             count=MIN_LENGTH))
    letters = re.sub(r"[^a-z]", "", password.lower())
    for word in _personal_words(email):
        if word in letters:
            raise InvalidInput(_("A password may not contain your email address or the name "
                                 "of this service or organisation."))
    if _is_common(password) or breached.is_breached(password):
        raise InvalidInput(_("This password is too common: it appears in lists of leaked "
                             "passwords. Choose another one, for example a few unrelated "
                             "words."))
    from zxcvbn import zxcvbn

    estimate = zxcvbn(password[:100], user_inputs=list(_personal_words(email)))
    if float(estimate["guesses_log10"]) < MIN_GUESSES_LOG10:
        raise InvalidInput(_("This password is too easy to guess. Make it longer, for "
                             "example with a few unrelated words."))


def _personal_words(email: str) -> set[str]:
    words = set(PRODUCT_NAMES)
    organisation = str(current_app.config.get("ORGANISATION_NAME") or "")
    words.update(w for w in re.findall(r"[a-z]+", organisation.lower()) if len(w) >= 4)
    local, _at, domain = email.lower().partition("@")
    words.update(w for w in re.findall(r"[a-z]+", local) if len(w) >= 4)
    if domain:
        label = re.sub(r"[^a-z]", "", domain.split(".")[0])
        if len(label) >= 4:
            words.add(label)
    words.discard("")
    return words


def _is_common(password: str) -> bool:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    common = _common_set(FREQUENCY_LISTS["passwords"])
    lowered = password.lower()
    # `Password2024!`: the list entry with digits and symbols tacked on.
    stem = re.sub(r"[^a-z]+$", "", re.sub(r"^[^a-z]+", "", lowered))
    return lowered in common or (len(stem) >= 4 and stem in common)


_COMMON: frozenset[str] | None = None


def _common_set(passwords: list[str]) -> frozenset[str]:
    global _COMMON
    if _COMMON is None:
        _COMMON = frozenset(passwords)
    return _COMMON
