"""Renditions of an asset for a purpose, with chosen faces made unrecognisable.

A blurred face is pixelated to a coarse grid and then Gaussian-blurred over its box
padded on every side, so neither a person nor the face engine can recognise it.
Renditions never carry EXIF. They are cached per (asset, purpose, blur set); a
different blur set is a different file, and `invalidate` drops an asset's cache.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from enum import StrEnum

from PIL import Image, ImageFilter

from likeness.faces.engine import Box
from likeness.models import Asset
from likeness.platform.storage import asset_key, rendition_prefix, storage


class Purpose(StrEnum):
    THUMBNAIL = "thumbnail"
    PREVIEW = "preview"
    DOWNLOAD = "download"
    SHARE = "share"
    ACCESS_COPY = "access-copy"


# Long side in pixels; None keeps the full resolution.
LONG_SIDE: dict[Purpose, int | None] = {
    Purpose.THUMBNAIL: 360,
    Purpose.PREVIEW: 1280,
    Purpose.DOWNLOAD: None,
    Purpose.SHARE: 2048,
    Purpose.ACCESS_COPY: None,
}
PADDING = 0.35  # of the box size, on every side: hair, ears and chin go too
PIXEL_BLOCKS = 6  # the face is reduced to about this many blocks across


def render(asset: Asset, purpose: Purpose, blur: Iterable[Box] = ()) -> str:
    """The storage key of the rendition, made on first request."""
    boxes = sorted(set(blur), key=lambda b: b.as_tuple())
    key = hashlib.sha256(
        repr((asset.sha256, purpose.value, [b.as_tuple() for b in boxes])).encode()
    ).hexdigest()[:24]
    stored = f"{rendition_prefix(asset.id)}{purpose.value}-{key}.jpg"
    if storage().exists(stored):
        return stored
    with storage().open(asset_key(asset.sha256)) as handle, Image.open(handle) as original:
        image = original.convert("RGB")
    image = blur_faces(image, boxes)
    long_side = LONG_SIDE[purpose]
    if long_side and max(image.size) > long_side:
        image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # Pillow would carry a JPEG comment (and with it anything hidden in one) from the
    # original's info into the new file: clear it, so only pixels go out.
    image.info.clear()
    image.save(buffer, "JPEG", quality=88)  # no exif= argument: no metadata is written
    storage().write(stored, buffer.getvalue())
    return stored


def blur_faces(image: Image.Image, boxes: Iterable[Box]) -> Image.Image:
    """A copy of `image` with every box padded, pixelated and blurred."""
    result = image.copy()
    width, height = result.size
    for box in boxes:
        pad_x = int((box.right - box.left) * PADDING)
        pad_y = int((box.bottom - box.top) * PADDING)
        region = (
            max(0, box.left - pad_x),
            max(0, box.top - pad_y),
            min(width, box.right + pad_x),
            min(height, box.bottom + pad_y),
        )
        w, h = region[2] - region[0], region[3] - region[1]
        if w <= 0 or h <= 0:
            continue
        patch = result.crop(region)
        small = patch.resize(
            (max(1, PIXEL_BLOCKS), max(1, round(PIXEL_BLOCKS * h / w))), Image.Resampling.BOX
        )
        patch = small.resize((w, h), Image.Resampling.NEAREST)
        patch = patch.filter(ImageFilter.GaussianBlur(radius=max(4, w // 12)))
        result.paste(patch, region[:2])
    return result


def crop_face(asset: Asset, box: Box, size: int = 160, *, blurred: bool = False) -> str:
    """A square thumbnail around one face (for people pages), cached; `blurred` for a face
    that must never be shown (erasure)."""
    key = "-".join(str(v) for v in box.as_tuple())
    suffix = "-blurred" if blurred else ""
    stored = f"{rendition_prefix(asset.id)}face-{asset.sha256[:12]}-{key}-{size}{suffix}.jpg"
    if storage().exists(stored):
        return stored
    with storage().open(asset_key(asset.sha256)) as handle, Image.open(handle) as original:
        image = original.convert("RGB")
    side = int(max(box.right - box.left, box.bottom - box.top) * 1.6)
    cx, cy = (box.left + box.right) // 2, (box.top + box.bottom) // 2
    crop = image.crop((cx - side // 2, cy - side // 2, cx + side // 2, cy + side // 2))
    crop = crop.resize((size, size), Image.Resampling.LANCZOS)
    if blurred:
        crop = blur_faces(crop, [Box(0, size, size, 0)])
    buffer = io.BytesIO()
    crop.info.clear()
    crop.save(buffer, "JPEG", quality=85)
    storage().write(stored, buffer.getvalue())
    return stored


def crop_context(asset: Asset, box: Box, blur: Iterable[Box], size: int = 640) -> str:
    """The photo around one face (about four face widths across, at most `size` pixels),
    with the `blur` faces made unrecognisable: what a reviewer needs to tell whether the
    face is the person's (clothes, place, company) without the rest of the photo."""
    boxes = sorted(set(blur), key=lambda b: b.as_tuple())
    key = hashlib.sha256(repr((asset.sha256, box.as_tuple(), size,
                               [b.as_tuple() for b in boxes])).encode()).hexdigest()[:24]
    stored = f"{rendition_prefix(asset.id)}context-{key}.jpg"
    if storage().exists(stored):
        return stored
    with storage().open(asset_key(asset.sha256)) as handle, Image.open(handle) as original:
        image = blur_faces(original.convert("RGB"), boxes)
    half = max(box.right - box.left, box.bottom - box.top) * 2
    cx, cy = (box.left + box.right) // 2, (box.top + box.bottom) // 2
    width, height = image.size
    crop = image.crop((max(0, cx - half), max(0, cy - half),
                       min(width, cx + half), min(height, cy + half)))
    crop.thumbnail((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    crop.info.clear()
    crop.save(buffer, "JPEG", quality=85)
    storage().write(stored, buffer.getvalue())
    return stored


def invalidate(asset_id: int) -> None:
    """Drop every cached rendition of an asset (its faces or blur rules changed)."""
    storage().delete_prefix(rendition_prefix(asset_id))
