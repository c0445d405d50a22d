"""A restore never undoes an erasure: the ledger is merged and replayed, on any machine.

Before the archive's rows replace the live ones, every erasure entry the live database
knows (and every ledger copy still waiting in the outbox) is written to the shared
ledger. After the rows are in, the shared ledger's entries the restored database does
not know are put back, and every entry is applied again: the faces burnt into the
originals (before the restore commits, so an unblurred file is never served), deleted
photos deleted, and for an erased person the tags, templates, share links, earlier
answers and exports, and stored e-mails gone, and the person row reduced to the
suppression record. A ledger that cannot be read stops the restore before anything
is replaced.
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import or_, select

from likeness.extensions import db
from likeness.faces import templates
from likeness.faces.engine import Box
from likeness.library import disclosures, erasing, suppression
from likeness.models import (
    Asset,
    Channel,
    ErasureKind,
    ErasureLedgerEntry,
    Face,
    OutgoingEmail,
    Person,
    SubjectRequest,
)
from likeness.platform import append_log, audit, shared_ledger
from likeness.platform.actor import Actor
from likeness.platform.storage import storage
from likeness.platform.uow import after_commit


def save_live_entries() -> int:
    """Write what the live database knows to the shared ledger (before a restore), and
    what an older version appended to the local file `instance/ledger/erasures.jsonl`."""
    records = [erasing.record_of(entry) for entry in db.session.scalars(
        select(ErasureLedgerEntry).order_by(ErasureLedgerEntry.id))]
    legacy = Path(current_app.config["INSTANCE_PATH"]) / "ledger" / "erasures.jsonl"
    for old in append_log.read(legacy):
        created = old.pop("person_created_at", None)
        records.append({**old, "facts": {"person_created_at": created} if created else {}})
    return shared_ledger.publish_now(erasing.BOOK, records)


def merge_shared() -> int:
    """Put back the shared ledger's entries the (restored) database does not know;
    returns how many. A person entry counts only for the same person (ids are reused
    after a restore: the creation instant tells them apart)."""
    known = {_identity(erasing.record_of(e))
             for e in db.session.scalars(select(ErasureLedgerEntry))}
    added = 0
    for record in shared_ledger.read(erasing.BOOK):
        if _identity(record) in known:
            continue
        known.add(_identity(record))
        facts = dict(record.get("facts") or {})
        if record["kind"] == ErasureKind.PERSON_SUPPRESSED:
            person = db.session.get(Person, record["person_id"])
            created = facts.get("person_created_at") or record.get("person_created_at")
            if person is None or person.created_at.isoformat() != created:
                continue  # created after the backup: not in the restored data
        db.session.add(ErasureLedgerEntry(
            kind=record["kind"], asset_sha256=record["asset_sha256"],
            boxes=record["boxes"], person_id=record["person_id"],
            request_id=record["request_id"], facts=facts or None,
            erased_at=datetime.fromisoformat(record["erased_at"])))
        added += 1
    db.session.flush()
    return added


def _identity(record: dict[str, Any]) -> tuple[Any, ...]:
    return (record["kind"], record["asset_sha256"], record["person_id"],
            datetime.fromisoformat(record["erased_at"]).isoformat())


def apply_ledger(*, actor: Actor, immediate: bool = False) -> dict[str, int]:
    """Re-apply every ledger entry to the current database and files.

    Idempotent: blurring an already blurred region again changes nothing that matters,
    a deleted photo stays deleted, a suppressed person stays suppressed. With
    `immediate` (inside a restore, whose file swap is undone on rollback) files are
    replaced now rather than after the commit. Returns counts of what had to be done."""
    counts = {"erasures_reapplied": 0, "emails_purged": 0, "answers_removed": 0}
    for entry in db.session.scalars(select(ErasureLedgerEntry).order_by(
            ErasureLedgerEntry.erased_at, ErasureLedgerEntry.id)):
        if entry.kind == ErasureKind.PERSON_SUPPRESSED:
            done = _suppress_again(entry, actor=actor)
            counts["emails_purged"] += done["emails"]
            counts["answers_removed"] += done["answers"]
            counts["erasures_reapplied"] += int(done["changed"] > 0)
        elif _erase_photo_again(entry, actor=actor, immediate=immediate):
            counts["erasures_reapplied"] += 1
    if any(counts.values()):
        audit.record("erasure.ledger_reapplied", actor=actor, details=counts)
    return counts


def _suppress_again(entry: ErasureLedgerEntry, *, actor: Actor) -> dict[str, int]:
    person = db.session.get(Person, entry.person_id) if entry.person_id else None
    facts = entry.facts or {}
    created = facts.get("person_created_at")
    if person is None or (created and person.created_at.isoformat() != created):
        return {"changed": 0, "emails": 0, "answers": 0}
    changed = int(not person.is_suppressed)
    person.is_suppressed = True
    person.erased_at = person.erased_at or entry.erased_at
    addresses = set(facts.get("address_hashes") or [])
    addresses.update(suppression.keyed_hash(a) for a in (person.email, person.guardian_email)
                     if a)
    faces = list(db.session.scalars(select(Face).where(Face.person_id == person.id)))
    templates.drop(faces, reason="erasure replayed", actor=actor, subject=person.audit_ref)
    for face in faces:
        _forget_face(face)
        changed += 1
    if person.name:  # photos' own metadata must not bring the name back either
        changed += int(bool(erasing.forget_imported_name(person.name)))
    changed += int(suppression.reduce(person))
    emails = _purge_emails(addresses, before=entry.erased_at)
    answers = _remove_answers(person.id, addresses, before=entry.erased_at,
                              keep_request=entry.request_id)
    return {"changed": changed + emails + answers, "emails": emails, "answers": answers}


def _forget_face(face: Face) -> None:
    face.person_id = None
    face.tag_source = None
    face.tagged_by_id = None
    face.is_always_blurred = True


def _purge_emails(addresses: set[str], *, before: datetime) -> int:
    """Stored e-mails to an erased address made before the erasure (sent or still
    waiting) are deleted; later ones (answers to a later request) are not the erasure's."""
    if not addresses:
        return 0
    purged = 0
    for email in db.session.scalars(select(OutgoingEmail).where(
            OutgoingEmail.created_at <= before)):
        if suppression.keyed_hash(email.recipient) in addresses:
            db.session.delete(email)
            purged += 1
    return purged


def _remove_answers(person_id: int, addresses: set[str], *, before: datetime,
                    keep_request: int | None) -> int:
    """Answers and exports of requests received before the erasure: files deleted, the
    record kept."""
    removed = 0
    for request in db.session.scalars(select(SubjectRequest).where(
            SubjectRequest.received_at <= before, or_(
                SubjectRequest.person_id == person_id,
                SubjectRequest.export_zip_path.is_not(None),
                SubjectRequest.response_pdf_path.is_not(None)))):
        if request.id == keep_request:
            continue  # the erasure's own answer says what was done
        if request.person_id != person_id and suppression.keyed_hash(
                request.email) not in addresses:
            continue
        request.response_html = None
        for attribute in ("export_zip_path", "response_pdf_path"):
            key = getattr(request, attribute)
            if key:
                setattr(request, attribute, None)
                after_commit(functools.partial(storage().delete, key))
                removed += 1
    return removed


def _erase_photo_again(entry: ErasureLedgerEntry, *, actor: Actor, immediate: bool) -> bool:
    asset = db.session.scalar(select(Asset).where(Asset.sha256 == entry.asset_sha256))
    if asset is None:
        return False
    # Share links that showed the photo before the erasure stay switched off.
    disclosures.revoke_links([asset.id], [c.value for c in Channel],
                             reason="erasure", actor=actor)
    if entry.kind == ErasureKind.PHOTO_DELETED:
        remove = functools.partial(erasing.remove_files, asset.id, asset.sha256)
        if immediate:
            remove()
        else:
            after_commit(remove)
        db.session.delete(asset)
        db.session.flush()
        return True
    boxes = [Box(*box) for box in entry.boxes]
    for face in asset.faces:
        if Box(*face.box) in boxes:
            _forget_face(face)
    try:
        content = erasing.burnt(asset.sha256, boxes)
    except FileNotFoundError:
        return True  # no file to bring back: nothing to burn
    replace = functools.partial(erasing.replace_original, asset.id, asset.sha256, content)
    if immediate:
        replace()
    else:
        after_commit(replace)
    return True
