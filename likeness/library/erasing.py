"""Erasure that erases: faces burnt into the stored original, or the photo deleted.

Blurring for an erasure is not a rendering rule but a change to the original: the face
is pixelated and blurred into the stored file, and the unblurred file is gone. Every
erasure goes into the erasure ledger (the photo by the hash of its upload, the boxes,
pseudonymous ids; no personal data), so that

* uploading the unblurred original again is refused, never a way back, and
* a restore from an older backup re-applies every erasure (`apply_ledger`) before the app
  serves again. The ledger is kept twice: in the database, and appended to a file that no
  backup contains and no restore touches (`ERASURE_LEDGER_FILE`, default
  `instance/ledger/erasures.jsonl`), from which a restore puts back the entries the old
  database does not know (`likeness.library.restore`).
"""

from __future__ import annotations

import functools
import io
from datetime import datetime
from pathlib import Path

from flask import current_app
from PIL import Image
from sqlalchemy import select

from likeness.extensions import db
from likeness.faces.engine import Box
from likeness.library.renditions import blur_faces, invalidate
from likeness.models import Asset, ErasureKind, ErasureLedgerEntry, Face, Person, utcnow
from likeness.platform import append_log, audit
from likeness.platform.actor import Actor
from likeness.platform.storage import asset_key, storage
from likeness.platform.uow import after_commit

STORED_JPEG_QUALITY = 95


def burn_faces(asset: Asset, faces: list[Face], *, actor: Actor,
               request_id: int | None = None) -> None:
    """Blur these faces into the stored original for good (in the current unit of work;
    the file is replaced once the change is committed). Every face of the photo blurred
    for good is burnt in again with them, so two erasures in one unit of work add up."""
    for face in faces:
        face.is_always_blurred = True
    boxes = [Box(*face.box) for face in asset.faces if face.is_always_blurred]
    _remember(ErasureLedgerEntry(
        kind=ErasureKind.FACE_BLURRED.value, asset_sha256=asset.sha256,
        boxes=[list(face.box) for face in faces], request_id=request_id))
    blurred = _burnt(asset.sha256, boxes)
    # After the commit: a rollback must leave the original as the rows describe it.
    after_commit(functools.partial(_replace_original, asset.id, asset.sha256, blurred))
    audit.record("asset.faces_burnt", actor=actor, subject=f"asset:{asset.id}",
                 details={"faces": len(faces)})


def delete_photo(asset: Asset, *, actor: Actor, request_id: int | None = None) -> None:
    """Delete the photo, its file and its renditions (the file after the commit)."""
    _remember(ErasureLedgerEntry(kind=ErasureKind.PHOTO_DELETED.value,
                                 asset_sha256=asset.sha256, request_id=request_id))
    after_commit(functools.partial(_remove_files, asset.id, asset.sha256))
    audit.record("asset.deleted_for_erasure", actor=actor, subject=f"asset:{asset.id}")
    db.session.delete(asset)


def suppress_person(person: Person, *, request_id: int | None = None) -> None:
    """Record the person's suppression in the ledger (the caller sets the flags), and
    forget their name wherever photos' own metadata brought it in."""
    forget_imported_name(person.name)
    _remember(ErasureLedgerEntry(kind=ErasureKind.PERSON_SUPPRESSED.value,
                                 person_id=person.id, request_id=request_id),
              person_created_at=person.created_at.isoformat())


def forget_imported_name(name: str) -> int:
    """Remove a name from what uploads' metadata brought in (names waiting on faces, and
    the regions and names kept with photos); returns how many places held it. The
    regions stay, unnamed: a face is still a face to blur."""
    key = name.strip().casefold()
    if not key:
        return 0
    changed = 0
    for face in db.session.scalars(select(Face).where(Face.imported_name.is_not(None))):
        if (face.imported_name or "").casefold() == key:
            face.imported_name = None
            changed += 1
    for asset in db.session.scalars(select(Asset).where(Asset.imported_regions.is_not(None))
                                    .execution_options(yield_per=500)):
        imported = asset.imported_regions or {}
        regions = [{**r, "name": None} if (r.get("name") or "").casefold() == key else r
                   for r in imported.get("regions", [])]
        names = [n for n in imported.get("names", []) if n.casefold() != key]
        dismissed = [n for n in imported.get("dismissed", []) if n != key]
        if (regions != imported.get("regions", []) or names != imported.get("names", [])
                or dismissed != imported.get("dismissed", [])):
            asset.imported_regions = {**imported, "regions": regions, "names": names,
                                      "dismissed": dismissed}
            changed += 1
    return changed


def _remember(entry: ErasureLedgerEntry, *, person_created_at: str | None = None) -> None:
    """Add the entry to the ledger, and to the ledger file once the change commits."""
    entry.erased_at = utcnow()
    db.session.add(entry)
    record = {"kind": entry.kind, "asset_sha256": entry.asset_sha256, "boxes": entry.boxes,
              "person_id": entry.person_id, "person_created_at": person_created_at,
              "request_id": entry.request_id, "erased_at": entry.erased_at.isoformat()}
    path = ledger_path()
    after_commit(lambda: append_log.append(path, record))


def ledger_path() -> Path:
    configured = current_app.config.get("ERASURE_LEDGER_FILE")
    if configured:
        return Path(configured)
    return Path(current_app.config["INSTANCE_PATH"]) / "ledger" / "erasures.jsonl"


def restore_from_file() -> int:
    """Put back the ledger entries a restored (older) database does not know; returns
    how many. A person entry counts only for the same person (ids are reused after a
    restore: their creation instant tells them apart)."""
    known = {(e.kind, e.asset_sha256, e.person_id, e.erased_at.isoformat())
             for e in db.session.scalars(select(ErasureLedgerEntry))}
    added = 0
    for record in append_log.read(ledger_path()):
        key = (record["kind"], record["asset_sha256"], record["person_id"],
               record["erased_at"])
        if key in known:
            continue
        if record["kind"] == ErasureKind.PERSON_SUPPRESSED.value:
            person = db.session.get(Person, record["person_id"])
            if person is None or person.created_at.isoformat() != record["person_created_at"]:
                continue  # created after the backup: not in the restored data
        db.session.add(ErasureLedgerEntry(
            kind=record["kind"], asset_sha256=record["asset_sha256"], boxes=record["boxes"],
            person_id=record["person_id"], request_id=record["request_id"],
            erased_at=datetime.fromisoformat(record["erased_at"])))
        added += 1
    db.session.flush()
    return added


def erased_upload(sha256: str) -> ErasureLedgerEntry | None:
    """The ledger entry that forbids bringing this uploaded original back, if any."""
    return db.session.scalar(select(ErasureLedgerEntry).where(
        ErasureLedgerEntry.asset_sha256 == sha256,
        ErasureLedgerEntry.kind.in_([ErasureKind.FACE_BLURRED.value,
                                     ErasureKind.PHOTO_DELETED.value])).limit(1))


def apply_ledger(*, actor: Actor) -> int:
    """Re-apply every ledger entry to the current database and files (after a restore).

    Idempotent: blurring an already blurred region again changes nothing that matters,
    a deleted photo stays deleted, a suppressed person stays suppressed. Returns how many
    entries had something left to do."""
    applied = 0
    for entry in db.session.scalars(select(ErasureLedgerEntry).order_by(ErasureLedgerEntry.id)):
        if entry.kind == ErasureKind.PERSON_SUPPRESSED.value:
            person = db.session.get(Person, entry.person_id) if entry.person_id else None
            if person is not None and not person.is_suppressed:
                person.is_suppressed = True
                forget_imported_name(person.name)
                for face in db.session.scalars(select(Face).where(Face.person_id == person.id)):
                    face.person_id = None
                    face.template_ciphertext = None
                    face.template_key_version = None
                    face.is_always_blurred = True
                applied += 1
            continue
        asset = db.session.scalar(select(Asset).where(Asset.sha256 == entry.asset_sha256))
        if asset is None:
            continue
        if entry.kind == ErasureKind.PHOTO_DELETED.value:
            after_commit(functools.partial(_remove_files, asset.id, asset.sha256))
            db.session.delete(asset)
        else:
            boxes = [Box(*box) for box in entry.boxes]
            for face in asset.faces:
                if Box(*face.box) in boxes:
                    face.is_always_blurred = True
                    face.template_ciphertext = None
                    face.template_key_version = None
            after_commit(functools.partial(_replace_original, asset.id, asset.sha256,
                                           _burnt(asset.sha256, boxes)))
        applied += 1
    if applied:
        audit.record("erasure.ledger_reapplied", actor=actor, details={"entries": applied})
    return applied


def _burnt(sha256: str, boxes: list[Box]) -> bytes:
    """The stored original with these boxes blurred (padded as in every rendition)."""
    with storage().open(asset_key(sha256)) as handle, Image.open(handle) as original:
        image = blur_faces(original.convert("RGB"), boxes)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=STORED_JPEG_QUALITY, subsampling=0)
    return buffer.getvalue()


def _replace_original(asset_id: int, sha256: str, content: bytes) -> None:
    storage().write(asset_key(sha256), content)  # the unblurred file is gone
    invalidate(asset_id)


def _remove_files(asset_id: int, sha256: str) -> None:
    storage().delete(asset_key(sha256))
    invalidate(asset_id)

