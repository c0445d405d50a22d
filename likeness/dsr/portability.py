"""The export of a portability request (Art. 20(1)): the person's data in a structured,
machine-readable form another controller can read in.

Narrower than the access export (`likeness.dsr.export`): only what the person provided
or what is about them, and nothing about anyone else. So the consent records they
signed, the photos they are confirmed on (every other face blurred, as in the access
copy) with the consent per channel and the dates, and their own requests with what
they wrote. No staff names, no recipients, no audit log. The schema is versioned
(`SCHEMA`) and documented in docs/portability.md.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select

from likeness.dsr import export
from likeness.dsr.answer_content import AnswerContent, PhotoFacts
from likeness.extensions import db
from likeness.models import (
    Quitclaim,
    RequestMessage,
    RequestStatusChange,
    SubjectRequest,
    utcnow,
)

SCHEMA = "likeness-portability/1"


def build(content: AnswerContent) -> bytes:
    """The ZIP: `data.json` (schema `SCHEMA`), `photos/NNN.jpg` and the signed quitclaim
    PDFs under `quitclaims/`."""
    photo_files = {p.face.id: f"photos/{i + 1:03d}.jpg" for i, p in enumerate(content.photos)}
    pdfs = export.signed_pdfs(content)
    quitclaim_files = {q_id: f"quitclaims/quitclaim-{q_id}.pdf" for q_id in pdfs}
    data = {
        "schema": SCHEMA,
        "exported_at": _iso(utcnow()),
        "person": _person(content),
        "consents": [_consent(q, quitclaim_files.get(q.id)) for q in content.quitclaims],
        "photos": [_photo(p, photo_files[p.face.id], content.quitclaims)
                   for p in content.photos],
        "requests": _requests(content),
    }
    return export.write_zip(content, data, photo_files, quitclaim_files, pdfs)


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _person(content: AnswerContent) -> dict[str, Any]:
    person, request = content.person, content.request
    if person is None:  # not linked: what they told us on the request
        return {"name": request.name, "email": request.email, "date_of_birth": None,
                "no_face_recognition": False}
    return {"name": person.name, "email": person.email,
            "date_of_birth": _iso(person.date_of_birth),
            "no_face_recognition": person.refuses_biometrics}


def _consent(quitclaim: Quitclaim, pdf_file: str | None) -> dict[str, Any]:
    return {
        "id": quitclaim.id, "status": str(quitclaim.status),
        "text_version": quitclaim.text_version, "language": quitclaim.language,
        "signed_at": _iso(quitclaim.signed_at), "valid_from": _iso(quitclaim.valid_from),
        "valid_until": _iso(quitclaim.valid_until), "withdrawn_at": _iso(quitclaim.withdrawn_at),
        "channels": [{"channel": c.channel, "withdrawn_at": _iso(c.withdrawn_at)}
                     for c in sorted(quitclaim.channels, key=lambda c: c.channel)],
        "third_parties": quitclaim.third_parties or None,
        "biometric_consent": quitclaim.biometric_consent,
        "biometric_withdrawn_at": _iso(quitclaim.biometric_withdrawn_at),
        "signed_pdf": pdf_file,
    }


def _photo(facts: PhotoFacts, file: str, quitclaims: list[Quitclaim]) -> dict[str, Any]:
    covering = [q.id for q in quitclaims
                if any(a.asset_id == facts.asset.id for a in q.assets)]
    return {
        "file": file,
        "taken_at": _iso(facts.asset.captured_at),
        "added_at": _iso(facts.asset.created_at),
        "tagged_at": _iso(facts.face.tagged_at),
        "consent_per_channel": dict(sorted(facts.lights.items())),
        "covered_by_consents": covering,
    }


def _requests(content: AnswerContent) -> list[dict[str, Any]]:
    """The person's own requests: this one and those linked to them, with their status
    history and what they wrote. Not every request from the same address: a parent's
    address files requests about each of their children."""
    mine = [SubjectRequest.id == content.request.id]
    if content.person is not None:
        mine.append(SubjectRequest.person_id == content.person.id)
    rows = db.session.scalars(select(SubjectRequest).where(or_(*mine))
                              .order_by(SubjectRequest.received_at)).all()
    return [{
        "reference": r.reference, "type": str(r.type), "received_at": _iso(r.received_at),
        "what_you_wrote": r.details or "",
        "status": str(r.status), "answered_at": _iso(r.answer_sent_at),
        "history": [{"status": c.to_status, "at": _iso(c.created_at)}
                    for c in db.session.scalars(select(RequestStatusChange).where(
                        RequestStatusChange.request_id == r.id)
                        .order_by(RequestStatusChange.id))],
        "your_messages": [{"at": _iso(m.created_at), "text": m.body}
                          for m in db.session.scalars(select(RequestMessage).where(
                              RequestMessage.request_id == r.id,
                              RequestMessage.author == "subject")
                              .order_by(RequestMessage.id))],
    } for r in rows]
