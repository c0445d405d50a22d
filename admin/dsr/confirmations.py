"""What the case page's irreversible actions will do, said before staff do them.

Carrying out a request changes photos and people for good (an erasure burns the blur into
the originals, notices go out), sending an answer cannot be called back, and a refusal is
told to the person. Each asks first, in words that name what will happen on this request.
The same words feed the JavaScript dialog (`data-confirm`) and the page without it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from likeness.dsr import answer, locate, objection_scope, readiness
from likeness.models import RequestType, SubjectRequest


@dataclass(frozen=True)
class Confirmation:
    title: str
    message: str
    yes: str


def not_scanned_notice(request: SubjectRequest) -> str:
    """What the last search left out, or "" when it left out nothing."""
    count = request.search_photos_not_scanned or 0
    notice = ngettext("%(num)d photo with untagged faces was not scanned.",
                      "%(num)d photos with untagged faces were not scanned.", count
                      ) if count else ""
    health = request.search_collections_not_scanned or []
    if health:
        notice = " ".join(filter(None, [notice, _(
            "Not scanned because their photos reveal health and no Article 9 ground is "
            "recorded for them: %(names)s. A privacy officer can record the ground under "
            "Cockpit → Collections; then search again.", names=", ".join(health))]))
    return notice


def _carry_out(request: SubjectRequest) -> Confirmation:
    confirmation = _carry_out_of_type(request)
    notice = not_scanned_notice(request)
    if not notice:
        return confirmation
    return Confirmation(confirmation.title, f"{notice} {confirmation.message}",
                        confirmation.yes)


def _carry_out_of_type(request: SubjectRequest) -> Confirmation:
    confirmed = locate.confirmed(request.id)
    photos = len({asset.id for _match, _face, asset in confirmed})
    final = _("Decisions on the candidates can no longer be changed afterwards.")
    if request.type == RequestType.ERASURE:
        deleted = len({asset.id for match, _face, asset in confirmed
                       if match.erasure_choice == "delete"})
        message = " ".join([
            ngettext("The person's face is blurred for good in %(num)d stored original,",
                     "The person's face is blurred for good in %(num)d stored originals,",
                     photos - deleted),
            ngettext("%(num)d photo is deleted,", "%(num)d photos are deleted,", deleted),
            _("every face template of the person is deleted, their tags are removed, share "
              "links showing them stop working and known recipients are notified (Art. 19)."),
            _("This cannot be undone."),
        ])
        return Confirmation(_("Erase the person's data?"), message, _("Erase"))
    if request.type == RequestType.OBJECTION and not objection_scope.covers_all(request):
        return Confirmation(
            _("Stop what the objection covers?"),
            " ".join([_("The person's consent is withdrawn for what they object to (the "
                        "channels they named, face recognition), recipients on those "
                        "channels are notified, and nothing else is changed."),
                      _("This cannot be undone.")]),
            _("Carry out"))
    if request.type in {RequestType.OBJECTION, RequestType.RESTRICTION}:
        message = " ".join([
            ngettext("%(num)d confirmed photo is restricted at once and known recipients are "
                     "notified.",
                     "%(num)d confirmed photos are restricted at once and known recipients "
                     "are notified.", photos),
            final,
        ])
        return Confirmation(_("Restrict the confirmed photos?"), message, _("Restrict"))
    if request.type == RequestType.WITHDRAWAL:
        return Confirmation(
            _("Withdraw the person's consent?"),
            " ".join([_("Their quitclaims are withdrawn, share links and downloads stop and "
                        "known recipients are notified."), _("This cannot be undone.")]),
            _("Withdraw consent"))
    message = " ".join([
        ngettext("An answer with %(num)d confirmed photo is prepared for your review; nothing "
                 "is sent yet.",
                 "An answer with %(num)d confirmed photos is prepared for your review; "
                 "nothing is sent yet.", photos),
        final,
    ])
    return Confirmation(_("Prepare the answer?"), message, _("Carry out"))


def _send_answer(request: SubjectRequest) -> Confirmation:
    if not request.email:
        return Confirmation(
            _("Send the answer by post?"),
            _("Print the answer and post it to the address checked: %(address)s. It is "
              "then marked as sent.", address=request.identity_check_address or "—"),
            _("Mark as sent by post"))
    message = _("The answer goes to %(email)s at once and cannot be called back. Read it first.",
                email=request.email)
    if not answer.reviewed(request):
        message = " ".join([_("Nobody has opened this draft yet."), message])
    return Confirmation(_("Send the answer?"), message, _("Send the answer"))


def _refuse(request: SubjectRequest) -> Confirmation:
    return Confirmation(
        _("Refuse this request?"),
        _("The person is told the refusal and your reason, with how to complain or go to "
          "court. Nothing is done on their photos."),
        _("Refuse"))


# Case actions that ask first (keys of admin.dsr.actions.CASE_ACTIONS).
ASKS_FIRST = {"perform": _carry_out, "send-answer": _send_answer, "refuse": _refuse}


# While these say no, the action is not asked about (no dialog that then fails): the
# service refuses with the reasons, which the page shows.
BLOCKED_BY = {"perform": readiness.carry_out_blockers, "send-answer": readiness.send_blockers}


def for_action(action: str, request: SubjectRequest) -> Confirmation | None:
    make = ASKS_FIRST.get(action)
    blocked = BLOCKED_BY.get(action)
    if make is None or (blocked is not None and blocked(request)):
        return None
    return make(request)


def all_for(request: SubjectRequest) -> dict[str, Confirmation]:
    """Every confirmation of this request's page, by action."""
    return {action: make(request) for action, make in ASKS_FIRST.items()}
