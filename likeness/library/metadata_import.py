"""Names and faces a photo already carries (XMP/IPTC), brought into the library.

On upload, before the photo is re-encoded (which drops all metadata), exiftool reads its
face regions and names, and those of an `.xmp` sidecar uploaded with it; they are kept
with the asset. The indexing job matches each region to a detected face by overlap
(IoU): a matched name becomes a **suggestion** on that face, which staff confirm (in
bulk) or dismiss; a region where the detector found nothing becomes a face of its own,
marked "from metadata", so nothing the photographer tagged is lost (it is blurred and
counted like any face). Nobody is created or tagged until staff confirm. A name of a
person on the suppression list (erased) is never proposed.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.library import collection_settings, people, tagging
from likeness.library.imaging import DecodedImage
from likeness.library.metadata_regions import TAGS, extract, iou
from likeness.models import Asset, Face, FaceOrigin, Person, TagSource
from likeness.platform import audit, exiftool
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case

log = logging.getLogger(__name__)

MIN_IOU = 0.3
MAX_SIDECAR_BYTES = 2 * 1024 * 1024
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic"}


def read_upload(data: bytes, decoded: DecodedImage,
                sidecar: bytes | None = None) -> dict[str, Any] | None:
    """The regions and names of an upload (and its sidecar), or None if it has none.

    Never raises: a photo whose metadata cannot be read is still stored, and the
    reason is kept with it (`warnings`)."""
    try:
        with tempfile.TemporaryDirectory(prefix="likeness-meta-") as tmp:
            photo = os.path.join(tmp, f"upload.{_EXTENSIONS.get(decoded.source_format, 'jpg')}")
            with open(photo, "wb") as handle:
                handle.write(data)
            found = _extract(exiftool.read_json(photo, TAGS), decoded)
            if sidecar is not None:
                found = _merge(found, _read_sidecar(tmp, sidecar, decoded))
    except (exiftool.ExifToolError, OSError) as exc:
        log.warning("photo metadata not read: %s", type(exc).__name__)
        return {"regions": [], "names": [], "warnings": ["metadata_unreadable"]}
    if not found["regions"] and not found["names"] and not found["warnings"]:
        return None
    return found


def _read_sidecar(tmp: str, sidecar: bytes, decoded: DecodedImage) -> dict[str, Any]:
    if len(sidecar) > MAX_SIDECAR_BYTES:
        return {"regions": [], "names": [], "warnings": ["sidecar_too_large"]}
    if not is_plain_xmp(sidecar):
        return {"regions": [], "names": [], "warnings": ["sidecar_not_xmp"]}
    path = os.path.join(tmp, "upload.xmp")
    with open(path, "wb") as handle:
        handle.write(sidecar)
    # The orientation is the image's own, never the sidecar's copy of it (pigallery2#979).
    return _extract(exiftool.read_json(path, TAGS), decoded)


def is_plain_xmp(data: bytes) -> bool:
    """An XMP packet and nothing else: starts like one, and declares no document type or
    entities (no XML bombs, no external entities; XMP never needs them). exiftool gets
    nothing else to parse, and any XMP parsed in Python must go through defusedxml."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith((b"<?xpacket", b"<x:xmpmeta", b"<?xml", b"<rdf:RDF")):
        return False
    lowered = data.lower()
    return b"<!doctype" not in lowered and b"<!entity" not in lowered


def _extract(meta: dict[str, Any], decoded: DecodedImage) -> dict[str, Any]:
    return extract(meta, stored_size=decoded.stored_size, orientation=decoded.orientation)


def _merge(embedded: dict[str, Any], sidecar: dict[str, Any]) -> dict[str, Any]:
    """The sidecar is where catalogue tools write later edits: its regions win."""
    names = embedded["names"] + sidecar["names"]
    unique = list({n.casefold(): n for n in reversed(names)}.values())[::-1]
    return {"regions": sidecar["regions"] or embedded["regions"], "names": unique,
            "warnings": sorted(set(embedded["warnings"]) | set(sidecar["warnings"]))}


def summary(imported: dict[str, Any] | None) -> dict[str, int]:
    """Counts for the audit trail (names are personal data: never in the log)."""
    imported = imported or {}
    regions = imported.get("regions", [])
    return {"regions": len(regions), "named": sum(1 for r in regions if r.get("name")),
            "names_without_region": len(imported.get("names", [])),
            "warnings": len(imported.get("warnings", []))}


def attach(asset: Asset, faces: list[Face]) -> dict[str, int]:
    """Match the asset's imported regions to its faces (in the indexing unit of work).

    Each region goes to the face it overlaps most (IoU >= MIN_IOU, one face per region);
    a region without one becomes a face "from metadata". Re-running adds nothing twice."""
    regions = (asset.imported_regions or {}).get("regions", [])
    if not regions:
        return {}
    suppressed = _suppressed_names() | set((asset.imported_regions or {}).get("dismissed", []))
    pairs = sorted(
        ((iou(_xyxy(r["box"]), _xyxy(list(f.box))), i, f) for i, r in enumerate(regions)
         for f in faces),
        key=lambda p: -p[0])
    matched: dict[int, Face] = {}
    used: set[int] = set()
    for overlap, index, face in pairs:
        if overlap < MIN_IOU:
            break
        if index not in matched and id(face) not in used:
            matched[index] = face
            used.add(id(face))
    counts = {"matched": 0, "from_metadata": 0, "not_proposed": 0}
    for index, region in enumerate(regions):
        name = region.get("name")
        if name and name.casefold() in suppressed:
            name = None  # erased, or dismissed by staff: never proposed again
            counts["not_proposed"] += 1
        found = matched.get(index)
        if found is not None:
            face = found
            counts["matched"] += 1
        else:
            top, right, bottom, left = region["box"]
            face = Face(asset_id=asset.id, top=top, right=right, bottom=bottom, left=left,
                        origin=FaceOrigin.METADATA)
            db.session.add(face)
            counts["from_metadata"] += 1
        if name and face.person_id is None and not face.is_always_blurred:
            face.imported_name = name
    db.session.flush()
    return counts


def is_imported(face: Face) -> bool:
    """The face came from, or was tagged from, the photo's metadata."""
    return (face.origin == FaceOrigin.METADATA
            or face.tag_source == TagSource.METADATA or face.imported_name is not None)


def overlaps_any(box: dict[str, int], faces: list[Face], threshold: float = 0.5) -> bool:
    """A newly detected box that is already one of these faces."""
    mine = (box["left"], box["top"], box["right"], box["bottom"])
    return any(iou(mine, _xyxy(list(f.box))) >= threshold for f in faces)


def pending(limit: int = 500) -> list[tuple[Face, Asset]]:
    """Faces with a name from metadata waiting for staff, oldest photo first."""
    return [(f, a) for f, a in db.session.execute(
        select(Face, Asset).join(Asset).where(Face.imported_name.is_not(None))
        .order_by(Asset.id, Face.left).limit(limit)).all()]


def people_named(names: list[str]) -> dict[str, list[Person]]:
    """People on file (not suppressed) by lower-cased name: who a confirmation would tag."""
    found: dict[str, list[Person]] = {}
    for name in {n.casefold(): n for n in names if n}.values():
        found[name.casefold()] = [p for p in _same_name(name) if not p.is_suppressed]
    return found


def _same_name(name: str) -> list[Person]:
    """Everyone on file of this name, in any case. Compared in Python: SQLite's lower()
    knows only ASCII, and "Özil" must find "özil" on both databases."""
    key = name.casefold()
    if name.isascii():
        where = func.lower(Person.name) == name.lower()
    else:
        where = func.length(Person.name).between(len(name) - 2, len(name) + 2)
    return [p for p in db.session.scalars(select(Person).where(where))
            if p.name.casefold() == key]


@dataclass
class Confirmed:
    tagged: int = 0
    people_created: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (face id, reason)


@use_case
def confirm(face_ids: list[int], *, actor: Actor) -> Confirmed:
    """Tag each face to the person its imported name names (source: metadata).

    A name nobody on file has creates that person now, on staff's say-so; a name
    several people share is left for staff to pick on the photo's page; a suppressed
    person's name is dropped, never tagged."""
    result = Confirmed()
    created: dict[str, Person] = {}
    for face in _faces(face_ids):
        name = face.imported_name or ""
        key = name.casefold()
        if face.is_not_a_face or face.is_always_blurred:
            face.imported_name = None
            result.refused.append((face.id, _("This face may not be tagged.")))
            continue
        try:
            collection_settings.refuse_tagging(face.asset)
        except InvalidInput as refused:  # kept as a suggestion until a ground is recorded
            result.refused.append((face.id, refused.message))
            continue
        same = _same_name(name)
        if any(p.is_suppressed for p in same):
            face.imported_name = None
            result.refused.append((face.id, _("This person asked for erasure: their face "
                                              "may not be tagged.")))
            continue
        if len(same) > 1:
            result.refused.append((face.id, _("Several people have this name: tag the face "
                                              "on the photo's page.")))
            continue
        person = same[0] if same else created.get(key)
        if person is None:
            person = people.create(name, actor=actor)
            created[key] = person
            result.people_created += 1
        tagging.tag(face.id, person.id, actor=actor, source=TagSource.METADATA)
        face.imported_name = None
        result.tagged += 1
    return result


@use_case
def dismiss(face_ids: list[int], *, actor: Actor) -> int:
    """Drop the imported names of these faces (the faces themselves stay)."""
    faces = _faces(face_ids)
    for face in faces:
        # Remembered with the photo, so a re-index does not propose the name again.
        imported = dict(face.asset.imported_regions or {})
        dismissed = set(imported.get("dismissed", []))
        dismissed.add((face.imported_name or "").casefold())
        face.asset.imported_regions = {**imported, "dismissed": sorted(dismissed)}
        face.imported_name = None
        audit.record("face.imported_name_dismissed", actor=actor, subject=f"face:{face.id}")
    return len(faces)


def _faces(face_ids: list[int]) -> list[Face]:
    return list(db.session.scalars(
        select(Face).where(Face.id.in_(face_ids), Face.imported_name.is_not(None))
        .order_by(Face.id)))


def _suppressed_names() -> set[str]:
    return {n.casefold() for n in db.session.scalars(
        select(Person.name).where(Person.is_suppressed.is_(True)))}


def _xyxy(box: list[int]) -> tuple[float, float, float, float]:
    top, right, bottom, left = box
    return (left, top, right, bottom)
