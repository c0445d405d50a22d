"""Bringing photos into the library: single files, batches, ZIP archives."""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from likeness.errors import DomainError, UnsupportedFile
from likeness.extensions import db
from likeness.library import erasing, indexing, metadata_import, near_duplicates
from likeness.library.catalogue import get
from likeness.library.imaging import decode_upload
from likeness.models import Asset, AssetStatus
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.storage import asset_key, storage
from likeness.platform.uow import unit_of_work, use_case

_T = TypeVar("_T")

MAX_SIDECAR_BYTES = metadata_import.MAX_SIDECAR_BYTES
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
# Only these methods: others (BZIP2, LZMA) decompress a whole read in one call, so a
# member that lies about its size unpacks to gigabytes before any check can stop it.
ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
# A photo (already compressed) hardly shrinks in a ZIP; a member packed far tighter
# than this declares more than it can honestly hold.
MAX_ZIP_RATIO = 100
ZIP_READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class UploadResult:
    """What happened to one file: an asset (new or existing) or a reason it was refused."""

    filename: str
    asset_id: int | None = None
    duplicate: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def add_photo(
    data: bytes, filename: str, *, actor: Actor, collection: str | None = None,
    sidecar: bytes | None = None,
) -> UploadResult:
    """Store one photo and queue its indexing. One unit of work per photo.

    Face regions and names in its metadata (and in its `.xmp` `sidecar`) are read
    before it is re-encoded, and kept with it for the indexing job.
    A bad file raises nothing: its result carries the reason, and nothing is stored.
    """
    display_name = _display_name(filename)
    try:
        decoded = decode_upload(data)
    except DomainError as exc:
        return UploadResult(display_name, error=exc.message)
    existing = db.session.scalar(select(Asset).where(Asset.sha256 == decoded.sha256))
    if existing is not None:
        return UploadResult(display_name, asset_id=existing.id, duplicate=True)
    if erasing.erased_upload(decoded.sha256) is not None:
        # The unblurred original of an erasure: never a way back.
        return UploadResult(display_name, error=_(
            "This photo was erased at someone's request and cannot be added again. Use the "
            "blurred version from the library, if it is still there."))
    held = near_duplicates.erased_match(decoded.image)
    # A photo held as a near-duplicate of an erased one brings no names in.
    imported = None if held is not None else metadata_import.read_upload(data, decoded, sidecar)
    try:
        with unit_of_work() as work:
            key = asset_key(decoded.sha256)
            if not storage().exists(key):
                storage().write(key, decoded.encoded())
                work.on_rollback(lambda: _remove_orphan_file(decoded.sha256))
            asset = Asset(
                sha256=decoded.sha256,
                original_filename=display_name,
                image_format=decoded.source_format.lower(),
                width=decoded.image.width,
                height=decoded.image.height,
                byte_size=len(data),
                captured_at=decoded.captured_at,
                collection=collection or None,
                uploaded_by_id=actor.staff_id,
                imported_regions=imported,
            )
            db.session.add(asset)
            db.session.flush()
            indexing.index_asset.later(asset.id)
            audit.record("asset.uploaded", actor=actor, subject=f"asset:{asset.id}")
            if held is not None:
                near_duplicates.hold(asset, held, actor=actor)
            if imported is not None:
                audit.record("asset.metadata_imported", actor=actor, subject=f"asset:{asset.id}",
                             details=metadata_import.summary(imported))
    except IntegrityError:
        # The same photo arrived concurrently: the other upload won; use its asset.
        existing = db.session.scalar(select(Asset).where(Asset.sha256 == decoded.sha256))
        if existing is None:
            raise
        return UploadResult(display_name, asset_id=existing.id, duplicate=True)
    return UploadResult(display_name, asset_id=asset.id)


def add_zip(
    data: bytes, *, actor: Actor, collection: str | None = None
) -> Iterator[UploadResult]:
    """Every photo in a ZIP archive, one result per member (bad members do not stop it)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UnsupportedFile(_("This is not a ZIP archive we can read.")) from exc
    members = [m for m in archive.infolist() if not m.is_dir() and not _is_metadata(m.filename)]
    sidecars = {m.filename.lower(): m for m in members if _is_sidecar(m.filename)}
    members = [m for m in members if not _is_sidecar(m.filename)]
    if len(members) + len(sidecars) > MAX_ZIP_MEMBERS:
        raise UnsupportedFile(
            _("The archive holds more than %(n)d files.", n=MAX_ZIP_MEMBERS)
        )
    if sum(m.file_size for m in members) > MAX_ZIP_TOTAL_BYTES:
        raise UnsupportedFile(_("The archive unpacks to more than we accept."))
    limit = current_app.config["MAX_UPLOAD_FILE_BYTES"]
    too_large = _("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024))
    paired: set[str] = set()
    for member in members:
        name = member.filename
        if not _is_safe_member_name(name):
            yield UploadResult(name, error=_("Refused: the path in the archive is unsafe."))
            continue
        refusal = _member_refusal(member, limit)
        if refusal:
            yield UploadResult(name, error=refusal)
            continue
        try:
            content = _read_member(archive, member, limit)
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, zlib.error):
            yield UploadResult(name, error=_("The file in the archive is damaged."))
            continue
        if content is None:
            yield UploadResult(name, error=too_large)
            continue
        sidecar = sidecar_for(name, sidecars)
        if sidecar is not None:
            paired.add(sidecar.filename)
        yield add_photo(content, name, actor=actor, collection=collection,
                        sidecar=_read_sidecar(archive, sidecar))
    for member in sidecars.values():
        if member.filename not in paired:
            yield UploadResult(member.filename, error=unpaired_sidecar())


def unpaired_sidecar() -> str:
    return _("This .xmp sidecar was not used: no photo of the same name came with it.")


def sidecar_for(photo_name: str, sidecars: dict[str, _T]) -> _T | None:
    """The sidecar of a photo among `sidecars` (keys lower-cased names, as in the same
    folder): `photo.jpg.xmp` (darktable, digiKam), else `photo.xmp` (Lightroom)."""
    lowered = photo_name.lower()
    stem, _dot, _ext = lowered.rpartition(".")
    return sidecars.get(f"{lowered}.xmp") or (sidecars.get(f"{stem}.xmp") if stem else None)


def _read_sidecar(archive: zipfile.ZipFile, member: zipfile.ZipInfo | None) -> bytes | None:
    # Read as carefully as a photo member: accepted methods only, in chunks, cut at the limit.
    if member is None or _member_refusal(member, MAX_SIDECAR_BYTES):
        return None
    try:
        return _read_member(archive, member, MAX_SIDECAR_BYTES)
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, zlib.error):
        return None


def _is_sidecar(name: str) -> bool:
    return name.lower().endswith(".xmp")


def _member_refusal(member: zipfile.ZipInfo, limit: int) -> str | None:
    """Why a member is not even read, judged from the archive's directory."""
    if member.compress_type not in ZIP_METHODS:
        return _("The file in the archive is compressed in a way we do not accept. Make "
                 "the archive with your computer's ordinary ZIP tool.")
    if member.file_size > limit:
        return _("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024))
    if member.compress_size * MAX_ZIP_RATIO < member.file_size:
        return _("The file in the archive declares far more data than it holds; it is "
                 "refused.")
    return None


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> bytes | None:
    """The member's bytes, read in chunks; None as soon as it passes `limit` (whatever
    its header said)."""
    parts: list[bytes] = []
    total = 0
    with archive.open(member) as stream:
        while chunk := stream.read(min(ZIP_READ_CHUNK, limit + 1 - total)):
            parts.append(chunk)
            total += len(chunk)
            if total > limit:
                return None
    return b"".join(parts)


@use_case
def retry_indexing(asset_id: int, *, actor: Actor) -> Asset:
    asset = get(asset_id)
    if asset.status != AssetStatus.FAILED:
        return asset
    asset.status = AssetStatus.PENDING
    asset.failure_reason = None
    indexing.index_asset.later(asset.id)
    audit.record("asset.index_retried", actor=actor, subject=f"asset:{asset.id}")
    return asset


def _remove_orphan_file(sha256: str) -> None:
    """No file without its row: but a concurrent upload of the same photo may have won
    the race and owns the file now."""
    if db.session.scalar(select(Asset.id).where(Asset.sha256 == sha256)) is None:
        storage().delete(asset_key(sha256))


def _display_name(filename: str) -> str:
    # Only for display: stored files get server-made names.
    name = posixpath.basename((filename or "").replace("\\", "/")).strip()
    return name[:255] or "unnamed"


def _is_safe_member_name(name: str) -> bool:
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        return False
    return ".." not in normalised.split("/")


def _is_metadata(name: str) -> bool:
    base = posixpath.basename(name)
    return name.startswith("__MACOSX/") or base.startswith(".")
