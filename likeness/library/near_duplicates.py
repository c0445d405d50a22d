"""Near-duplicates of erased photos are held, not added as new photos.

An erasure keeps the perceptual hash of the whole photo as it was (a 64-bit difference
hash, dHash: the photo in grey, shrunk to 9x8, one bit per neighbouring pair that gets
brighter). Re-saving at another JPEG quality, resizing, or appending bytes changes the
file and its sha256, but hardly its dHash. An upload whose dHash lies within
`HAMMING_LIMIT` bits of an erased photo's is **held**: stored, restricted (usable on no
channel, in no link or download), shown to staff only blurred as a whole, and flagged
to staff by e-mail, until a privacy officer checks it.

Why 10 of 64 bits: the same photo re-saved or resized differs by 0-4 bits; unrelated
photos differ by about 32 (half the bits) and rarely come below 20. dHash is a few
lines on Pillow, so no extra library (ImageHash would bring SciPy and PyWavelets).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from PIL import Image
from sqlalchemy import select

from likeness.extensions import db
from likeness.faces.engine import Box
from likeness.models import Asset, ErasureKind, ErasureLedgerEntry, Role, StaffUser
from likeness.platform import audit, mail
from likeness.platform.actor import Actor
from likeness.platform.storage import asset_key, storage

HAMMING_LIMIT = 10
HASH_SIZE = 8


@dataclass(frozen=True)
class Held:
    entry_id: int
    distance: int


def dhash(image: Image.Image) -> str:
    """The 64-bit difference hash of the whole image, as 16 hex digits."""
    small = image.convert("L").resize((HASH_SIZE + 1, HASH_SIZE), Image.Resampling.LANCZOS)
    pixels = small.tobytes()  # mode L: one byte per pixel, row by row
    bits = 0
    for row in range(HASH_SIZE):
        for col in range(HASH_SIZE):
            left = pixels[row * (HASH_SIZE + 1) + col]
            right = pixels[row * (HASH_SIZE + 1) + col + 1]
            bits = (bits << 1) | int(right > left)
    return f"{bits:016x}"


def distance(first: str, second: str) -> int:
    return (int(first, 16) ^ int(second, 16)).bit_count()


def stored_photo_hash(sha256: str) -> str | None:
    """The dHash of a stored original (None when its file is gone)."""
    try:
        with storage().open(asset_key(sha256)) as handle, Image.open(handle) as image:
            return dhash(image)
    except FileNotFoundError:
        return None


def erased_match(image: Image.Image) -> Held | None:
    """The erased photo this image is a near-duplicate of, if any (the closest)."""
    erased: list[tuple[int, str]] = [
        (entry_id, str(facts["phash"])) for entry_id, facts in db.session.execute(
            select(ErasureLedgerEntry.id, ErasureLedgerEntry.facts).where(
                ErasureLedgerEntry.kind.in_([ErasureKind.FACE_BLURRED,
                                             ErasureKind.PHOTO_DELETED])))
        if (facts or {}).get("phash")]
    if not erased:
        return None
    mine = dhash(image)
    best: Held | None = None
    for entry_id, phash in erased:
        apart = distance(mine, phash)
        if apart <= HAMMING_LIMIT and (best is None or apart < best.distance):
            best = Held(entry_id, apart)
    return best


def hold(asset: Asset, held: Held, *, actor: Actor) -> None:
    """Hold a new asset as a near-duplicate of an erased photo, and tell staff."""
    asset.is_held_as_erased = True
    asset.is_restricted = True
    asset.restricted_reason = _(
        "Held: this upload looks like a photo that was erased at someone's request "
        "(%(bits)d of 64 bits apart). It is used nowhere and shown only blurred until a "
        "privacy officer has checked it.", bits=held.distance)
    audit.record("asset.held_as_erased", actor=actor, subject=f"asset:{asset.id}",
                 details={"distance": held.distance, "ledger_entry": held.entry_id})
    for recipient in _privacy_staff():
        mail.queue_email(recipient, "staff_erased_photo_held", asset_id=asset.id,
                         distance=held.distance)


def whole_image(asset: Asset) -> list[Box]:
    """What staff see of a held photo: all of it blurred."""
    return [Box(0, asset.width, asset.height, 0)]


def _privacy_staff() -> list[str]:
    configured = current_app.config.get("STAFF_ALERT_EMAIL")
    if configured:
        return [configured]
    return list(db.session.scalars(select(StaffUser.email).where(
        StaffUser.is_active.is_(True),
        StaffUser.role.in_([Role.ADMIN, Role.PRIVACY_OFFICER]))))
