"""Decoding untrusted image uploads into clean RGB images.

Nothing about a file is trusted: not its name, not the client's content type. It is
decoded, and accepted only if Pillow recognises one of the allowed formats, the whole
image decodes, and it is within the pixel cap. The stored original is re-encoded, so
no EXIF (GPS, camera serials), comment segments, ICC profiles or trailing payload
survive.

Memory: a 2 KB WebP can declare 60 megapixels, and decoding it costs close to a GB.
So the size, mode and format are read from the header first: above `MAX_IMAGE_PIXELS`
the file is refused with that limit in the message, and the decode's peak memory is
estimated (likeness.library.decode_budget). A selfie may cost `SELFIE_DECODE_BUDGET_MB`,
a staff photo `PHOTO_DECODE_BUDGET_MB`; above that the file is refused with the pixel
limit of its format. Every decode then reserves its estimate from the process's
`IMAGE_DECODE_BUDGET_MB` (shared by its threads): parallel uploads wait for each other,
or get a "busy, try again" page. A selfie, which only needs a face, is decoded at
reduced size: JPEGs by the decoder itself (draft mode, 1/2 to 1/8 scale), other
formats (which cannot decode reduced, hence their lower pixel limit) reduced strip by
strip right after decoding, before any copy is made.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from likeness.errors import Unavailable, UnsupportedFile
from likeness.library import decode_budget

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
STORED_JPEG_QUALITY = 95


@dataclass(frozen=True)
class DecodedImage:
    image: Image.Image  # RGB, orientation applied
    source_format: str
    sha256: str  # of the uploaded bytes: the same upload is recognised as a duplicate
    # When the photo was taken (EXIF DateTimeOriginal), read before the metadata goes.
    captured_at: datetime | None = None
    # The EXIF Orientation the decoder applied (1 = none), and the size of the pixels as
    # the file stored them: face regions in the file's metadata are measured on those.
    orientation: int = 1
    stored_size: tuple[int, int] = (0, 0)

    def encoded(self) -> bytes:
        """The stored original: re-encoded JPEG without any metadata (no EXIF, comment
        or ICC profile: Pillow writes them only when asked to, and we never ask)."""
        self.image.info.clear()  # nothing of the upload's info travels into the file
        buffer = io.BytesIO()
        self.image.save(buffer, "JPEG", quality=STORED_JPEG_QUALITY, subsampling=0)
        return buffer.getvalue()


def _register_heif() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()


DECODE_WAIT_SECONDS = 30
_FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "HEIF": "HEIC"}


def decode_selfie(data: bytes) -> DecodedImage:
    """Decode a selfie at most `SELFIE_MAX_SIDE` pixels long (enough to find a face)."""
    return decode_upload(data, max_side=int(current_app.config["SELFIE_MAX_SIDE"]))


def decode_upload(data: bytes, *, max_side: int | None = None) -> DecodedImage:
    """Validate and decode an uploaded photo, or raise UnsupportedFile with the reason
    (Unavailable when the process's decode budget stays taken).

    With `max_side`, the image comes back no longer than that (and is decoded small
    where the format allows) within the selfie budget; without, within the photo
    budget."""
    limit = current_app.config["MAX_UPLOAD_FILE_BYTES"]
    if not data:
        raise UnsupportedFile(_("The file is empty."))
    if len(data) > limit:
        raise UnsupportedFile(
            _("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024))
        )
    _register_heif()
    max_pixels = current_app.config["MAX_IMAGE_PIXELS"]
    Image.MAX_IMAGE_PIXELS = max_pixels
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # a damaged file is refused, never half-read
    try:
        with warnings.catch_warnings():
            # Pillow only warns between the cap and twice the cap: make that an error too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))  # reads the header only
            cost = _admit(opened, max_side, max_pixels)
            budget = decode_budget.process_budget(
                int(current_app.config["IMAGE_DECODE_BUDGET_MB"]) * decode_budget.MB)
            with budget.reserve(cost, timeout=DECODE_WAIT_SECONDS) as granted:
                if not granted:
                    raise Unavailable(_("We are processing many photos right now. Please "
                                        "try again in a minute."))
                stored_size = opened.size
                # Before the decode: it turns the pixels upright in place, tag included.
                orientation = _orientation(opened)
                rgb, captured_at = _decode(opened, max_side)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsupportedFile(
            _("The image has too many pixels (the limit is %(mp)d megapixels).",
              mp=max_pixels // 1_000_000)
        ) from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedFile(_not_supported()) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        # Pillow's error for a truncated or corrupt file.
        raise UnsupportedFile(_("The image is damaged or incomplete.")) from exc
    return DecodedImage(rgb, opened.format or "", hashlib.sha256(data).hexdigest(),
                        captured_at, orientation, stored_size)


def _admit(opened: Image.Image, max_side: int | None, max_pixels: int) -> int:
    """The decode's estimated peak in bytes, or the reason it may not be decoded."""
    if (opened.format or "") not in ALLOWED_FORMATS:
        raise UnsupportedFile(_not_supported())
    width, height = opened.size
    if width * height > max_pixels:
        raise Image.DecompressionBombError("over the pixel cap")
    key = "SELFIE_DECODE_BUDGET_MB" if max_side else "PHOTO_DECODE_BUDGET_MB"
    allowed = int(current_app.config[key]) * decode_budget.MB
    cost = decode_budget.estimate(opened, max_side=max_side)
    if cost > allowed:
        limit = decode_budget.pixel_limit(opened, allowed, max_side=max_side)
        raise UnsupportedFile(_(
            "This photo is too large to read as %(format)s: for this kind of file the "
            "limit is %(mp).1f megapixels. Save it as a standard JPEG, or make it smaller.",
            format=_FORMAT_NAMES.get(opened.format or "", opened.format or ""),
            mp=limit / 1_000_000))
    return cost


def _decode(opened: Image.Image, max_side: int | None) -> tuple[Image.Image, datetime | None]:
    """Decode within the estimate: no full-size copy beyond the ones it counted."""
    if max_side and opened.format == "JPEG" and max(opened.size) > max_side:
        # The JPEG decoder itself scales by 1/2..1/8: the full image never exists.
        opened.draft("RGB", decode_budget.draft_target(opened.size, max_side))
    opened.load()
    captured_at = _capture_time(opened)
    image = _shrunk(opened, max_side) if max_side else opened
    rgb = _to_rgb(image)
    del image
    ImageOps.exif_transpose(rgb, in_place=True)
    return rgb, captured_at


def _orientation(image: Image.Image) -> int:
    """The orientation `ImageOps.exif_transpose` applies (EXIF, or XMP tiff:Orientation)."""
    try:
        value = image.getexif().get(0x0112)
    except (ValueError, TypeError, OSError):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 36867
_OFFSET_TIME_ORIGINAL = 36881


def _capture_time(image: Image.Image) -> datetime | None:
    """EXIF DateTimeOriginal as a UTC instant (camera time zone if recorded, else
    Europe/Amsterdam); None when absent or unreadable. Never trusted for anything but
    narrowing a search."""
    try:
        exif = image.getexif().get_ifd(_EXIF_IFD)
        raw = exif.get(_DATETIME_ORIGINAL)
        if not isinstance(raw, str):
            return None
        taken = datetime.strptime(raw.strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")
        offset = exif.get(_OFFSET_TIME_ORIGINAL)
        if isinstance(offset, str) and len(offset.strip()) == 6:
            taken = datetime.fromisoformat(taken.isoformat() + offset.strip())
        else:
            taken = taken.replace(tzinfo=ZoneInfo("Europe/Amsterdam"))
    except (ValueError, TypeError, OSError, KeyError):
        return None
    if not 1990 <= taken.year <= 2100:
        return None
    return taken.astimezone(UTC)


def _shrunk(image: Image.Image, max_side: int) -> Image.Image:
    """At most `max_side` long (at least half of it), without a second full-size copy.

    Pillow's own reduce and resize premultiply an RGBA image at full size first (one
    more copy of hundreds of MB): instead, strips of rows are flattened to RGB and
    reduced one by one by the smallest whole factor that fits, straight into the small
    image (no resize of a larger intermediate)."""
    width, height = image.size
    if max(width, height) <= max_side:
        return image
    factor = -(-max(width, height) // max_side)
    small = Image.new("RGB", (-(-width // factor), -(-height // factor)), (255, 255, 255))
    step = factor * 16
    for top in range(0, height, step):
        strip = _to_rgb(image.crop((0, top, width, min(height, top + step))))
        small.paste(strip.reduce(factor), (0, top // factor))
    if "exif" in image.info:
        small.info["exif"] = image.info["exif"]  # orientation still applies
    return small


def _not_supported() -> str:
    return _("This is not a photo we accept: use JPEG, PNG, WebP or HEIC.")


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB on white; an RGB image is returned as it is (no copy)."""
    if image.mode == "RGB":
        return image
    if image.mode in {"RGBA", "LA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        if "exif" in image.info:
            background.info["exif"] = image.info["exif"]  # orientation still applies
        return background
    return image.convert("RGB")
