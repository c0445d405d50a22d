"""The export that comes with an access or portability answer: a ZIP with the photos (every
other person blurred), the signed quitclaim PDFs, and `data.json` of everything held."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from flask import current_app

from likeness.dsr.answer_content import AnswerContent
from likeness.platform.storage import storage

# The machine-readable part of every export ZIP.
DATA_FILE = "data.json"


def build(content: AnswerContent) -> bytes:
    request, person = content.request, content.person
    photo_files = {p.face.id: f"photos/{i + 1:03d}.jpg" for i, p in enumerate(content.photos)}
    pdfs = signed_pdfs(content)  # read once: a lookup and a read are two trips
    quitclaim_files = {q_id: f"quitclaims/quitclaim-{q_id}.pdf" for q_id in pdfs}
    data: dict[str, Any] = {
        "request": {"reference": request.reference, "type": request.type,
                    "received_at": request.received_at.isoformat()},
        "person": None if person is None else {
            "name": person.name, "email": person.email,
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
            "no_face_recognition": person.refuses_biometrics,
        },
        "photos": [
            {"file": photo_files[p.face.id], "original_filename": p.asset.original_filename,
             "source": {"collection": p.asset.collection, "uploaded_by": p.uploaded_by,
                        "uploaded_at": p.asset.created_at.isoformat(),
                        "taken_at": p.asset.captured_at.isoformat()
                        if p.asset.captured_at else None},
             "face": {"box": list(p.face.box), "tagged_by": p.tagged_by,
                      "tagged_at": p.face.tagged_at.isoformat() if p.face.tagged_at else None,
                      "how": p.face.tag_source,
                      "face_template_stored": p.template_exists},
             "consent_per_channel": p.lights}
            for p in content.photos
        ],
        "recipients": [
            {"name": d.recipient_name, "how": d.kind, "channel": d.channel,
             "where": d.location, "when": d.disclosed_at.isoformat()}
            for d in content.recipients
        ],
        "transfers_outside_eea": current_app.config["TRANSFERS_OUTSIDE_EEA"],
        "retention": {key: _jsonable(value) for key, value in content.retention.items()},
        "quitclaims": [
            {"id": q.id, "status": q.status, "valid_from": q.valid_from.isoformat(),
             "valid_until": q.valid_until.isoformat(),
             "channels": [c.channel for c in q.channels if c.withdrawn_at is None],
             "biometric_consent": q.biometric_consent and not q.biometric_withdrawn_at,
             "signed_pdf": quitclaim_files.get(q.id)}
            for q in content.quitclaims
        ],
        "emails_sent_to_you": [
            {"subject": e.subject, "sent_at": e.sent_at.isoformat() if e.sent_at else None,
             "body": e.body_text}
            for e in content.emails
        ],
        "who_handled_your_photos": [
            {"when": entry.at.isoformat(), "who": entry.who, "what": entry.action,
             "photo": entry.photo}
            for entry in content.access_log
        ],
    }
    return write_zip(content, data, photo_files, quitclaim_files, pdfs)


def write_zip(content: AnswerContent, data: dict[str, Any], photo_files: dict[int, str],
              quitclaim_files: dict[int, str], pdfs: dict[int, bytes]) -> bytes:
    """The ZIP of an access or portability export: the person's photo copies (by face id),
    the signed quitclaims (by quitclaim id) and `data.json`."""
    buffer = io.BytesIO()
    # JPEGs and PDFs are compressed already: stored as they are (deflating them again
    # cost about a second per 50 MB and saved almost nothing); data.json is deflated.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for photo in content.photos:
            archive.writestr(photo_files[photo.face.id], storage().read(photo.copy_key),
                             compress_type=zipfile.ZIP_STORED)
        for q_id, pdf in pdfs.items():
            archive.writestr(quitclaim_files[q_id], pdf, compress_type=zipfile.ZIP_STORED)
        archive.writestr(DATA_FILE, json.dumps(data, indent=2, ensure_ascii=False))
    return buffer.getvalue()


def signed_pdfs(content: AnswerContent) -> dict[int, bytes]:
    """The signed PDF of each quitclaim that has one stored, by quitclaim id."""
    found = {}
    for quitclaim in content.quitclaims:
        if quitclaim.pdf_path:
            try:
                found[quitclaim.id] = storage().read(quitclaim.pdf_path)
            except FileNotFoundError:  # still being made: the answer says so in data.json
                continue
    return found


def _jsonable(value: object) -> object:
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value
