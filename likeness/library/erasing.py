"""Erasure that erases: faces burnt into the stored original, or the photo deleted.

Blurring for an erasure is not a rendering rule but a change to the original: the face
is pixelated and blurred into the stored file, and the unblurred file is gone. Every
erasure goes into the erasure ledger (the photo by the hash of its upload, the boxes,
pseudonymous ids; no personal data), so that

* uploading the unblurred original again is refused, never a way back, and
* a restore from an older backup re-applies every erasure before the app serves again
  (`likeness.library.ledger_replay`). The ledger is kept twice: in the database, and in
  the shared ledger (`likeness.platform.shared_ledger`: the object store under
  `ledger/erasures/`, which no backup contains and no restore touches), from which a
  restore on any machine puts back the entries the old database does not know.
"""

from __future__ import annotations

import functools
import io
from typing import Any

from PIL import Image
from sqlalchemy import select

from likeness.extensions import db
from likeness.faces.engine import Box
from likeness.library import near_duplicates, suppression
from likeness.library.renditions import blur_faces, invalidate
from likeness.models import Asset, ErasureKind, ErasureLedgerEntry, Face, Person, utcnow
from likeness.platform import audit, shared_ledger
from likeness.platform.actor import Actor
from likeness.platform.storage import asset_key, storage
from likeness.platform.uow import after_commit

STORED_JPEG_QUALITY = 95
BOOK = "erasures"


def burn_faces(asset: Asset, faces: list[Face], *, actor: Actor,
               request_id: int | None = None) -> None:
    """Blur these faces into the stored original for good (in the current unit of work;
    the file is replaced once the change is committed). Every face of the photo blurred
    for good is burnt in again with them, so two erasures in one unit of work add up."""
    for face in faces:
        face.is_always_blurred = True
    boxes = [Box(*face.box) for face in asset.faces if face.is_always_blurred]
    _remember(ErasureLedgerEntry(
        kind=ErasureKind.FACE_BLURRED, asset_sha256=asset.sha256,
        boxes=[list(face.box) for face in faces], request_id=request_id,
        facts=_photo_facts(asset.sha256)))
    blurred = burnt(asset.sha256, boxes)
    # After the commit: a rollback must leave the original as the rows describe it.
    after_commit(functools.partial(replace_original, asset.id, asset.sha256, blurred))
    audit.record("asset.faces_burnt", actor=actor, subject=f"asset:{asset.id}",
                 details={"faces": len(faces)})


def delete_photo(asset: Asset, *, actor: Actor, request_id: int | None = None) -> None:
    """Delete the photo, its file and its renditions (the file after the commit)."""
    _remember(ErasureLedgerEntry(kind=ErasureKind.PHOTO_DELETED,
                                 asset_sha256=asset.sha256, request_id=request_id,
                                 facts=_photo_facts(asset.sha256)))
    after_commit(functools.partial(remove_files, asset.id, asset.sha256))
    audit.record("asset.deleted_for_erasure", actor=actor, subject=f"asset:{asset.id}")
    db.session.delete(asset)


def suppress_person(person: Person, *, request_id: int | None = None) -> None:
    """Record the person's suppression in the ledger (the caller sets the flags), forget
    their name wherever photos' own metadata brought it in, and reduce the row to what
    suppression needs (`likeness.library.suppression`)."""
    forget_imported_name(person.name)
    _remember(ErasureLedgerEntry(kind=ErasureKind.PERSON_SUPPRESSED,
                                 person_id=person.id, request_id=request_id,
                                 facts=suppression.facts_of(person)))
    suppression.reduce(person)


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


def _photo_facts(sha256: str) -> dict[str, Any]:
    """The perceptual hash of the whole photo as it is now, before the erasure: an
    upload of a near-duplicate is held (`likeness.library.near_duplicates`)."""
    phash = near_duplicates.stored_photo_hash(sha256)
    return {"phash": phash} if phash else {}


def _remember(entry: ErasureLedgerEntry) -> None:
    """Add the entry to the ledger, and to the shared ledger once the change commits."""
    entry.erased_at = utcnow()
    db.session.add(entry)
    shared_ledger.publish_later(BOOK, record_of(entry))


def record_of(entry: ErasureLedgerEntry) -> dict[str, Any]:
    """The entry as the shared ledger keeps it (the same entry, the same record)."""
    return {"kind": entry.kind, "asset_sha256": entry.asset_sha256,
            "boxes": list(entry.boxes or []), "person_id": entry.person_id,
            "request_id": entry.request_id, "erased_at": entry.erased_at.isoformat(),
            "facts": dict(entry.facts or {})}


def erased_upload(sha256: str) -> ErasureLedgerEntry | None:
    """The ledger entry that forbids bringing this uploaded original back, if any."""
    return db.session.scalar(select(ErasureLedgerEntry).where(
        ErasureLedgerEntry.asset_sha256 == sha256,
        ErasureLedgerEntry.kind.in_([ErasureKind.FACE_BLURRED,
                                     ErasureKind.PHOTO_DELETED])).limit(1))


def burnt(sha256: str, boxes: list[Box]) -> bytes:
    """The stored original with these boxes blurred (padded as in every rendition)."""
    with storage().open(asset_key(sha256)) as handle, Image.open(handle) as original:
        image = blur_faces(original.convert("RGB"), boxes)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=STORED_JPEG_QUALITY, subsampling=0)
    return buffer.getvalue()


def replace_original(asset_id: int, sha256: str, content: bytes) -> None:
    storage().write(asset_key(sha256), content)  # the unblurred file is gone
    invalidate(asset_id)


def remove_files(asset_id: int, sha256: str) -> None:
    storage().delete(asset_key(sha256))
    invalidate(asset_id)

