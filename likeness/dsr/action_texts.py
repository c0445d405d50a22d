"""What was done for a request, in words, in the language of whoever reads it.

Actions are stored as a kind and numbers (`RequestAction.params`); the words are made when
the answer or the case page is written, with the right plural, so a Dutch answer has no
English line in it. Staff's own words (a decision, a correction) are shown as written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from likeness.consent.channels import channel_words
from likeness.models import RequestAction

_TEXTS: dict[str, Callable[[int], str]] = {
    "disclosed": lambda n: ngettext(
        "%(num)d photo disclosed, other people blurred",
        "%(num)d photos disclosed, other people blurred", n),
    "kept_quitclaims": lambda n: ngettext(
        "%(num)d signed quitclaim kept as evidence for legal claims (Art. 17(3)(e)); it is "
        "not used for anything else.",
        "%(num)d signed quitclaims kept as evidence for legal claims (Art. 17(3)(e)); they "
        "are not used for anything else.", n),
    "untagged": lambda n: ngettext(
        "%(num)d face untagged and blurred in every copy",
        "%(num)d faces untagged and blurred in every copy", n),
    "faces_burnt": lambda n: ngettext(
        "%(num)d photo changed for good: your face is blurred in the stored original",
        "%(num)d photos changed for good: your face is blurred in the stored originals", n),
    "templates_deleted": lambda n: ngettext(
        "%(num)d face template deleted", "%(num)d face templates deleted", n),
    "takedowns": lambda n: ngettext(
        "%(num)d disclosure of your photos taken back; recipients notified (Art. 19)",
        "%(num)d disclosures of your photos taken back; recipients notified (Art. 19)", n),
    "photos_deleted": lambda n: ngettext(
        "%(num)d photo in which only you appear deleted",
        "%(num)d photos in which only you appear deleted", n),
    "exports_removed": lambda n: ngettext(
        "%(num)d earlier copy of an answer showing your face deleted",
        "%(num)d earlier copies of answers showing your face deleted", n),
    "emails_purged": lambda n: ngettext(
        "%(num)d stored email to you deleted", "%(num)d stored emails to you deleted", n),
    "restricted": lambda n: ngettext(
        "%(num)d photo restricted", "%(num)d photos restricted", n),
    "restricted_while_deciding": lambda n: ngettext(
        "%(num)d photo restricted while we decide", "%(num)d photos restricted while we decide",
        n),
    "consent_withdrawn": lambda n: ngettext(
        "%(num)d quitclaim withdrawn", "%(num)d quitclaims withdrawn", n),
    "restricted_while_contested": lambda n: ngettext(
        "%(num)d photo restricted while the accuracy of your data was checked "
        "(Art. 18(1)(a))",
        "%(num)d photos restricted while the accuracy of your data was checked "
        "(Art. 18(1)(a))", n),
    "restriction_lifted": lambda n: ngettext(
        "%(num)d photo no longer restricted", "%(num)d photos no longer restricted", n),
}

_FIXED: dict[str, Callable[[], str]] = {
    "suppressed": lambda: _("Added to the suppression list: your face is not tagged or "
                            "suggested again"),
    "kept_suppression_record": lambda: _(
        "Kept: a suppression record (an internal number, the dates, and coded fingerprints "
        "of your email address and name that cannot be read back). Without it your face "
        "could be tagged, or you could be invited, again."),
    "kept_erasure_ledger": lambda: _(
        "Kept: a record of what was erased (which photos, which parts of them, when), "
        "without your name or face, so that a copy of an erased photo is recognised and "
        "no restored backup can undo the erasure."),
    "kept_backups": lambda: _(
        "Kept: backups made before today, encrypted, until they expire. They are never "
        "restored without this erasure: it is applied again before anything is used."),
    "kept_request_record": lambda: _(
        "Kept: this request, what we did for it and this answer, to show that we handled "
        "it as the law requires (Art. 5(2) GDPR)."),
    "face_recognition_stopped": lambda: _(
        "Face recognition stopped: every face template of you deleted, none made again, and "
        "any consent you gave for face recognition withdrawn"),
    "objection_upheld": lambda: _(
        "Your objection was upheld: your face is no longer tagged and is blurred in every copy "
        "of these photos, and no face template of you is kept."),
}


# Steps that quote staff's own words (`detail`) inside a standard sentence.
_QUOTING: dict[str, Callable[[str], str]] = {
    "legal_hold": lambda reason: _(
        "Kept because we are legally obliged to (Art. 17(3)(b) GDPR): %(reason)s",
        reason=reason),
}


# Counted steps at a named place (`detail`: an image bank's name).
_COUNTED_AT: dict[str, Callable[[int, str], str]] = {
    "image_bank_told": lambda n, bank: ngettext(
        "%(num)d copy of your photos at the image bank %(bank)s: the image bank was told "
        "to remove it", "%(num)d copies of your photos at the image bank %(bank)s: the "
        "image bank was told to remove them", n, bank=bank),
    "image_bank_removed": lambda n, bank: ngettext(
        "%(num)d copy of your photos removed by the image bank %(bank)s",
        "%(num)d copies of your photos removed by the image bank %(bank)s", n, bank=bank),
}


# A corrected field of the record (Art. 16): `params` holds field, old and new value.
_FIELDS: dict[str, Callable[[], str]] = {
    "name": lambda: _("name"),
    "email": lambda: _("email address"),
    "date_of_birth": lambda: _("date of birth"),
}


def describe(action: RequestAction) -> str:
    """The action in words, in the current locale (call inside `force_locale`)."""
    params: dict[str, Any] = action.params or {}
    if action.kind == "objection_channels_stopped":
        return ngettext(
            "Your photos are no longer used on: %(channels)s. Your consent for these "
            "channels was withdrawn from %(num)d quitclaim.",
            "Your photos are no longer used on: %(channels)s. Your consent for these "
            "channels was withdrawn from %(num)d quitclaims.", int(params.get("n", 0)),
            channels=channel_words(action.detail))
    if action.kind == "field_rectified" and params.get("field") in _FIELDS:
        return _("Your %(field)s was corrected from \u201c%(old)s\u201d to \u201c%(new)s\u201d "
                 "(Art. 16).", field=_FIELDS[params["field"]](),
                 old=params.get("old") or _("(empty)"), new=params.get("new") or _("(empty)"))
    if action.kind in _COUNTED_AT and "n" in params:
        return _COUNTED_AT[action.kind](int(params["n"]), action.detail)
    if action.kind in _TEXTS and "n" in params:
        return _TEXTS[action.kind](int(params["n"]))
    if action.kind in _FIXED:
        return _FIXED[action.kind]()
    if action.kind in _QUOTING:
        return _QUOTING[action.kind](action.detail)
    return action.detail
