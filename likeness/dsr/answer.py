"""The written answer to a request: a PDF in the request's language, and for access
and portability a ZIP with the photos (everyone else blurred) and the data as JSON."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from flask import current_app
from PIL import Image
from sqlalchemy import select

from likeness.dsr import casework, identity, links, locate, objection
from likeness.extensions import db
from likeness.library import blur, catalogue
from likeness.library.renditions import Purpose
from likeness.library.renditions import render as render_rendition
from likeness.models import (
    Person,
    Quitclaim,
    RequestStatus,
    RequestType,
    ShareLink,
    ShareLinkAsset,
    SubjectRequest,
)
from likeness.platform import audit, mail
from likeness.platform.actor import SYSTEM
from likeness.platform.clock import AMSTERDAM
from likeness.platform.jobs import job
from likeness.platform.pdf import data_uri, render_pdf, sha256
from likeness.platform.storage import instance_dir, write_atomically
from likeness.platform.uow import on_rollback, use_case

WITH_COPY = {RequestType.ACCESS.value, RequestType.PORTABILITY.value}


@job("render_response")
@use_case
def render(request_id: int) -> None:
    """Job: write the response PDF (and the ZIP), store their sha256, email the person.

    Idempotent per state: a response already made for this state is not made again."""
    request = casework.get(request_id)
    if request.response_pdf_path:
        return
    # Nothing about anyone goes out with a refusal, or before identity is established
    # (a refused impostor gets the refusal, not the photos it asked for).
    disclose = (request.status != RequestStatus.REFUSED.value
                and identity.established(request))
    confirmed = locate.confirmed(request.id) if disclose else []
    person = (db.session.get(Person, request.person_id)
              if disclose and request.person_id else None)
    photos = []
    for _match, face, asset in confirmed:
        path = render_asset_copy(asset.id, request.person_id, face.id)
        photos.append({"asset": asset, "path": path})
    signed = (list(db.session.scalars(select(Quitclaim).where(
        Quitclaim.person_id == person.id))) if person else [])
    recipients = _recipients([p["asset"].id for p in photos])
    content = render_pdf(
        "response.html", language=request.language, request=request, person=person,
        photos=[data_uri(p["path"].read_bytes(), "image/jpeg") for p in photos][:60],
        photo_count=len(photos), quitclaims=signed, recipients=recipients,
        actions=casework.actions(request.id),
        organisation=current_app.config["ORGANISATION_NAME"],
        logo=_logo(), received_local=request.received_at.astimezone(AMSTERDAM),
        deadline=casework.current_deadline(request), with_copy=request.type in WITH_COPY,
    )
    digest = sha256(content)
    relative = f"pdf/responses/{request.reference}-{digest[:12]}.pdf"
    _write_file(relative, content)
    request.response_pdf_path, request.response_pdf_sha256 = relative, digest
    if disclose and request.type in WITH_COPY and request.export_zip_path is None:
        archive = _export_zip(request, person, photos, signed, recipients)
        zdigest = sha256(archive)
        zrelative = f"exports/{request.reference}-{zdigest[:12]}.zip"
        _write_file(zrelative, archive)
        request.export_zip_path, request.export_zip_sha256 = zrelative, zdigest
    lifting = objection.restriction_to_lift(request)
    mail.queue_email(request.email, "request_response", language=request.language,
                     request=request, url=links.status_url(request), lifting=lifting,
                     # Art. 18(3): the restriction ends only once the person was told.
                     then=("lift_restriction", [request.id]) if lifting else None)
    casework.forget_selfie(request, actor=SYSTEM, reason="answered")
    audit.record("request.response_issued", actor=SYSTEM,
                 subject=f"request:{request.id}",
                 details={"photos": len(photos), "zip": request.export_zip_path is not None})


def _write_file(relative: str, content: bytes) -> None:
    """Write an answer file; it goes again if the unit of work fails (no file without row)."""
    path = instance_dir() / relative
    write_atomically(path, content)
    on_rollback(lambda: path.unlink(missing_ok=True))


def render_asset_copy(asset_id: int, person_id: int | None, face_id: int) -> Any:
    """The access copy of one photo: every face but the person's blurred (Art. 15(4))."""
    asset = catalogue.get(asset_id)
    if person_id is not None:
        others = blur.everyone_but(asset.id, person_id)
    else:
        others = blur.everyone_but(asset.id, face_id=face_id)
    return render_rendition(asset, Purpose.ACCESS_COPY, others)


def _recipients(asset_ids: list[int]) -> list[str]:
    if not asset_ids:
        return []
    names = db.session.scalars(
        select(ShareLink.recipient_name).join(ShareLinkAsset)
        .where(ShareLinkAsset.asset_id.in_(asset_ids)).distinct())
    return sorted(set(names))


def _export_zip(request: SubjectRequest, person: Person | None, photos: list[dict[str, Any]],
                signed: list[Quitclaim], recipients: list[str]) -> bytes:
    data = {
        "request": {"reference": request.reference, "type": request.type,
                    "received_at": request.received_at.isoformat()},
        "person": None if person is None else {
            "name": person.name, "email": person.email,
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
        },
        "photos": [
            {"file": f"photos/{i + 1:03d}.jpg", "original_filename": p["asset"].original_filename,
             "collection": p["asset"].collection, "added": p["asset"].created_at.isoformat()}
            for i, p in enumerate(photos)
        ],
        "faces": [
            {"photo": f"photos/{i + 1:03d}.jpg", "box": list(face.box),
             "tagged": face.tag_source, "template_stored": face.template_ciphertext is not None}
            for i, (_m, face, _a) in enumerate(locate.confirmed(request.id))
        ],
        "quitclaims": [
            {"id": q.id, "status": q.status, "valid_from": q.valid_from.isoformat(),
             "valid_until": q.valid_until.isoformat(),
             "channels": [c.channel for c in q.channels if c.withdrawn_at is None],
             "biometric_consent": q.biometric_consent and not q.biometric_withdrawn_at}
            for q in signed
        ],
        "recipients": recipients,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, photo in enumerate(photos):
            archive.write(photo["path"], f"photos/{i + 1:03d}.jpg")
        archive.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False))
    return buffer.getvalue()


def _logo() -> str | None:
    """The organisation's logo (setting ORGANISATION_LOGO), re-encoded as PNG, or None."""
    configured = current_app.config.get("ORGANISATION_LOGO")
    if not configured:
        return None
    try:
        with Image.open(configured) as logo:
            logo.thumbnail((600, 200))
            buffer = io.BytesIO()
            logo.convert("RGBA").save(buffer, "PNG")
    except (OSError, Image.DecompressionBombError):
        return None  # a missing or broken logo must not stop an answer going out
    return data_uri(buffer.getvalue(), "image/png")


