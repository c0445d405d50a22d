"""Decoding untrusted image uploads into clean RGB images.

Nothing about a file is trusted: not its name, not the client's content type. It is
decoded, and accepted only if Pillow recognises one of the allowed formats, the whole
image decodes, and it is within the pixel cap. The stored original is re-encoded, so
no EXIF (GPS, camera serials) or trailing payload survives.
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

from likeness.errors import UnsupportedFile

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
STORED_JPEG_QUALITY = 95


@dataclass(frozen=True)
class DecodedImage:
    image: Image.Image  # RGB, orientation applied
    source_format: str
    sha256: str  # of the uploaded bytes: the same upload is recognised as a duplicate
    # When the photo was taken (EXIF DateTimeOriginal), read before the metadata goes.
    captured_at: datetime | None = None

    def encoded(self) -> bytes:
        """The stored original: re-encoded JPEG without any metadata."""
        buffer = io.BytesIO()
        self.image.save(buffer, "JPEG", quality=STORED_JPEG_QUALITY, subsampling=0)
        return buffer.getvalue()


def _register_heif() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()


def decode_upload(data: bytes) -> DecodedImage:
    """Validate and decode an uploaded photo, or raise UnsupportedFile with the reason."""
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
            with Image.open(io.BytesIO(data)) as opened:
                source_format = opened.format or ""
                if source_format not in ALLOWED_FORMATS:
                    raise UnsupportedFile(_not_supported())
                opened.load()
                captured_at = _capture_time(opened)
                image = ImageOps.exif_transpose(opened)
                rgb = _to_rgb(image)
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
    return DecodedImage(rgb, source_format, hashlib.sha256(data).hexdigest(), captured_at)


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


def _not_supported() -> str:
    return _("This is not a photo we accept: use JPEG, PNG, WebP or HEIC.")


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in {"RGBA", "LA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
