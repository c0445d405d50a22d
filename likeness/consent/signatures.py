"""Drawn signatures: a PNG from the signing page's canvas, checked before it is kept."""

from __future__ import annotations

import base64
import binascii
import io

import numpy as np
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from likeness.errors import InvalidInput

MAX_BYTES = 400_000
MAX_SIDE = 2000
MIN_INK_PIXELS = 40
PREFIX = "data:image/png;base64,"


def parse_signature(data_url: str | None) -> bytes:
    """The PNG bytes of a drawn signature, re-encoded; InvalidInput if missing or blank."""
    if not data_url or not data_url.startswith(PREFIX):
        raise InvalidInput(_("Please draw your signature."))
    try:
        raw = base64.b64decode(data_url[len(PREFIX):], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(_("The signature could not be read. Please draw it again.")) from exc
    if len(raw) > MAX_BYTES:
        raise InvalidInput(_("The signature is too large. Please draw it again."))
    # Image.open reads only the header (and refuses decompression bombs); the size is
    # checked before any pixel is decoded.
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != "PNG" or max(image.size) > MAX_SIDE:
                raise InvalidInput(_("The signature could not be read. Please draw it again."))
            image.load()
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidInput(_("The signature could not be read. Please draw it again.")) from exc
    pixels = np.asarray(rgba)
    ink = int(((pixels[..., 3] > 0) & (pixels[..., :3].mean(axis=-1) < 200)).sum())
    if ink < MIN_INK_PIXELS:
        raise InvalidInput(_("Please draw your signature."))
    buffer = io.BytesIO()
    rgba.save(buffer, "PNG")  # re-encoded: nothing but pixels is kept
    return buffer.getvalue()
