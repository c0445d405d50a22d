"""Where a request stands, as the steps staff take: verify -> link the person -> locate
-> decide -> act -> review -> send -> close. The case page shows them as a bar with the
current one highlighted, so nobody has to work out from a dozen fields what comes next.

A step is `done` when the request's own facts say so (never a separate flag that could
drift), `skipped` when later work went ahead without it (a request may be answered
without linking a person), and the first step still to do is `current`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from likeness.dsr import identity
from likeness.extensions import db
from likeness.models import (
    Match,
    MatchDecision,
    RequestStatus,
    SearchStatus,
    SubjectRequest,
)
from likeness.translation import lazy_gettext as _l

DONE, CURRENT, TODO, SKIPPED = "done", "current", "todo", "skipped"

LABELS = {
    "verify": _l("Verify"),
    "link": _l("Link person"),
    "locate": _l("Locate"),
    "decide": _l("Decide"),
    "act": _l("Act"),
    "review": _l("Review"),
    "send": _l("Send"),
    "close": _l("Close"),
}

# What the current step asks of staff, in one line under the bar.
HINTS = {
    "verify": _l("Waiting for the person to confirm their email address through the link "
                 "we sent; a request without one needs a recorded identity check."),
    "link": _l("Link the person this request is about, if they are in Likeness."),
    "locate": _l("Search the library for the person's face."),
    "decide": _l("Confirm or reject each candidate. You can change a decision until you "
                 "carry out the request."),
    "act": _l("Carry out the request on the confirmed photos."),
    "review": _l("Read the answer below before it is sent (the PDF is the document that "
                 "is sent). If it is not ready yet, reload in a moment."),
    "send": _l("Send the answer to the person."),
    "close": _l("Close the request when nothing is left to do."),
}


@dataclass(frozen=True)
class Step:
    key: str
    state: str

    @property
    def label(self) -> str:
        return str(LABELS[self.key])


@dataclass(frozen=True)
class Progress:
    steps: list[Step]

    @property
    def current(self) -> Step | None:
        return next((s for s in self.steps if s.state == CURRENT), None)

    @property
    def hint(self) -> str:
        current = self.current
        return str(HINTS[current.key]) if current else ""


def _decisions(request_id: int) -> tuple[int, int]:
    """(candidates, of which still pending)."""
    total, pending = db.session.execute(
        select(func.count(Match.id),
               func.count(Match.id).filter(Match.decision == MatchDecision.PENDING))
        .where(Match.request_id == request_id)).one()
    return int(total), int(pending)


def progress(request: SubjectRequest, *, carried_out: bool, reviewed: bool) -> Progress:
    """The steps of this request. `carried_out`: the action was performed; `reviewed`:
    staff opened the current draft of the answer (`dsr.answer.reviewed`)."""
    total, pending = _decisions(request.id)
    refused = request.status == RequestStatus.REFUSED
    acted = carried_out or refused or request.objection_decision is not None
    searched = request.search_status == SearchStatus.DONE or total > 0
    facts = {
        "verify": not identity.address_blockers(request),
        "link": request.person_id is not None,
        "locate": searched,
        "decide": searched and pending == 0,
        "act": acted,
        "review": reviewed,
        "send": request.answer_sent_at is not None,
        "close": request.status == RequestStatus.CLOSED,
    }
    keys = list(LABELS)
    last_done = max((i for i, key in enumerate(keys) if facts[key]), default=-1)
    steps: list[Step] = []
    current_given = False
    for i, key in enumerate(keys):
        if facts[key]:
            state = DONE
        elif i < last_done:
            state = SKIPPED  # later work went ahead without it
        elif not current_given:
            state, current_given = CURRENT, True
        else:
            state = TODO
        steps.append(Step(key, state))
    return Progress(steps)
