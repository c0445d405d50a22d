"""What retention does to one record: a request reduced to its minimal record, an ended
quitclaim deleted with its signed PDF. Called inside the retention run's unit of work."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from likeness.extensions import db
from likeness.models import (
    Match,
    Quitclaim,
    RequestAction,
    RequestMessage,
    RequestStatusChange,
    SubjectRequest,
    utcnow,
)
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.storage import storage
from likeness.platform.uow import after_commit

# Free text that may describe the person: cleared. Reference, type, dates, status and
# outcome stay, with what was done (the request's actions).
_CLEARED_TEXT = ("details", "identity_doubt", "refusal_reason", "extension_reason",
                 "stated_relationship", "relationship_check_note", "identity_check",
                 "early_search_reason", "scope_library_wide_reason", "unfounded_reason",
                 "objection_grounds", "requested_event", "subject_name", "response_html")
_FILES = ("selfie_path", "response_pdf_path", "export_zip_path", "incoming_message_path")


def request(request_id: int, *, actor: Actor) -> None:
    """Reduce a closed request to reference, type, dates and outcome (and its files)."""
    subject_request = db.session.get(SubjectRequest, request_id)
    if subject_request is None or subject_request.minimised_at is not None:
        return
    files = [getattr(subject_request, name) for name in _FILES if getattr(subject_request, name)]
    subject_request.name = ""
    subject_request.email = ""
    for name in _CLEARED_TEXT:
        if getattr(subject_request, name) is not None:
            setattr(subject_request, name, "" if name == "details" else None)
    for name in _FILES:
        setattr(subject_request, name, None)
    subject_request.selfie_template_ciphertext = None
    subject_request.response_pdf_sha256 = None
    subject_request.export_zip_sha256 = None
    subject_request.person_id = None
    subject_request.scope_collections = None
    subject_request.minimised_at = utcnow()
    db.session.execute(delete(RequestMessage).where(RequestMessage.request_id == request_id))
    db.session.execute(delete(Match).where(Match.request_id == request_id))
    db.session.execute(update(RequestStatusChange)
                       .where(RequestStatusChange.request_id == request_id)
                       .values(note=None))
    # A rectification's old and new values (Art. 16) go; which field was corrected stays.
    for action in db.session.scalars(select(RequestAction).where(
            RequestAction.request_id == request_id, RequestAction.kind == "field_rectified")):
        action.params = {"field": (action.params or {}).get("field")}
    after_commit(lambda: remove_stored(files))
    audit.record("retention.request_minimised", actor=actor,
                 subject=f"request:{request_id}", details={"files": len(files)})


def delete_quitclaim(quitclaim_id: int) -> None:
    """Delete an ended quitclaim, its signatures and its signed PDF."""
    quitclaim = db.session.get(Quitclaim, quitclaim_id)
    if quitclaim is None:
        return
    files = [quitclaim.pdf_path] if quitclaim.pdf_path else []
    db.session.delete(quitclaim)
    after_commit(lambda: remove_stored(files))


def remove_stored(relatives: list[str]) -> None:
    """Delete stored files after a commit; a path that is not a storage key of ours (an
    old row's odd value) has nothing of ours to remove."""
    for relative in relatives:
        try:
            storage().delete(relative)
        except ValueError:
            continue

