"""Whether a request may be carried out, or its answer sent, and if not, why not.

The case page shows these reasons in the step bar and disables the buttons with them;
`dsr.actions.perform` and `dsr.answer.send` refuse on the same reasons, so the page and
the services can never disagree.
"""

from __future__ import annotations

from flask_babel import gettext as _

from likeness.dsr import casework, identity
from likeness.errors import InvalidInput
from likeness.models import RequestStatus, RequestType, SearchStatus, SubjectRequest

# These act on the photos found: without a search nothing can have been found.
SEARCH_FIRST = {RequestType.ACCESS, RequestType.ERASURE,
                RequestType.OBJECTION, RequestType.RESTRICTION}


def carry_out_blockers(request: SubjectRequest,
                       known: list[str] | None = None) -> list[str]:
    """Why "Carry out" is not possible yet (empty: it is). `known`: the request's
    `identity.blockers`, when the caller has them already (the case page shows them too:
    each call is several queries)."""
    reasons = list(known) if known is not None else identity.blockers(request)
    if casework.awaiting_fee(request):
        reasons.append(_("The fee asked under Article 12(5) has not been received: the "
                         "request is handled once it is (record the payment)."))
    if request.type == RequestType.OBJECTION and request.objection_scope_confirmed_at is None:
        reasons.append(_("Confirm what the objection covers first: only that is carried "
                         "out."))
    if request.type in SEARCH_FIRST:
        if request.search_status == SearchStatus.RUNNING:
            reasons.append(_("The search is still running."))
        elif request.search_status != SearchStatus.DONE:
            reasons.append(_("No search has run yet: search the library first, so the answer "
                             "covers every photo of the person."))
    return reasons


def send_blockers(request: SubjectRequest, known: list[str] | None = None) -> list[str]:
    """Why the answer may not be sent yet. A refusal discloses nothing about the photos,
    but it too goes only to a confirmed address (or by post after a recorded check).
    `known` as for `carry_out_blockers`."""
    if request.status == RequestStatus.REFUSED or casework.carried_out(request.id):
        # Carrying out required the identity first (`carry_out_blockers`). What acting did
        # since (an erasure untags the faces and reduces the person to a suppression
        # record) must not block the answer to the very person it was done for.
        return identity.address_blockers(request)
    return list(known) if known is not None else identity.blockers(request)


def require_carry_out(request: SubjectRequest) -> None:
    reasons = carry_out_blockers(request)
    if reasons:
        raise InvalidInput(" ".join(reasons))


def require_send(request: SubjectRequest) -> None:
    reasons = send_blockers(request)
    if reasons:
        raise InvalidInput(" ".join(reasons))
