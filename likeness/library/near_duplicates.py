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

from PIL import Image
from sqlalchemy import select

from likeness.extensions import db
from likeness.models import ErasureKind, ErasureLedgerEntry
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
    pixels = list(small.getdata())
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
    mine = dhash(image)
    best: Held | None = None
    for entry_id, facts in db.session.execute(select(
            ErasureLedgerEntry.id, ErasureLedgerEntry.facts).where(
            ErasureLedgerEntry.kind.in_([ErasureKind.FACE_BLURRED.value,
                                         ErasureKind.PHOTO_DELETED.value]))):
        phash = (facts or {}).get("phash")
        if not phash:
            continue
        apart = distance(mine, phash)
        if apart <= HAMMING_LIMIT and (best is None or apart < best.distance):
            best = Held(entry_id, apart)
    return best
