"""What decoding an image will cost in memory, known from its header, and a process-wide
byte budget that decodes draw from.

The cost of a decode is not the file size: a 2 KB lossless WebP can declare 60
megapixels, and libwebp then holds about 16 bytes per pixel (its own RGBA canvases plus
Pillow's copy), close to 1 GB. So before anything is decoded, the header's size, mode
and format give an estimate (bytes per pixel x the buffers that exist at once,
measured per format by bench/upload_memory.py), and:

- a decode whose estimate exceeds the budget of its kind (a selfie, a staff photo) is
  refused at once, with the pixel limit for that format in the message;
- every decode reserves its estimate from one byte-counting semaphore shared by the
  process's threads (`IMAGE_DECODE_BUDGET_MB`): parallel uploads wait for each other
  instead of adding up, and give up with "busy" after a while.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image

MB = 1024 * 1024
# A decode of a tiny image still has fixed costs (decoder state, the encoded copy).
FIXED_COST = 8 * MB
# Bytes per pixel that Pillow stores for a mode (RGB is padded to four bytes).
_STORED_BPP = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "LA": 4, "La": 4,
               "RGB": 4, "RGBA": 4, "RGBX": 4, "CMYK": 4, "YCbCr": 4, "I": 4, "F": 4}
# The decoder's own buffers at full size, beyond Pillow's image (measured at 59 MP):
# libwebp's animation decoder keeps two RGBA canvases and a frame (12 bytes/pixel);
# libheif decodes to planes and an interleaved copy (measured 8.8 bytes/pixel in all at
# 9 MP, Pillow's image included: 7 more is an upper bound).
_DECODER_BPP = {"WEBP": 12, "HEIF": 7}
# Interlaced PNG is decoded pass by pass into a second full buffer.
_INTERLACED_EXTRA_BPP = 4
_RGB_BPP = 4
# Reducing to a selfie: the small image, its upright copy, and the strips on the way.
_SHRINK_BPP = 8


def can_decode_reduced(image: Image.Image) -> bool:
    """Whether the decoder itself can produce a smaller image (JPEG's DCT scaling)."""
    return image.format == "JPEG"


def draft_target(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The size to ask JPEG's draft mode for, so that it picks the largest reduction
    (1/2 to 1/8) that keeps at least half of `max_side`: the result is then no longer
    than `max_side` (unless 1/8 is not enough). The image's own proportions: a square
    request would not reduce a landscape photo at all."""
    width, height = size
    longest = max(width, height)
    half = max(1, max_side // 2)
    return max(1, width * half // longest), max(1, height * half // longest)


def draft_scale(size: tuple[int, int], max_side: int) -> int:
    """The scale (1, 2, 4 or 8) Pillow's JPEG draft picks for `draft_target`."""
    if max(size) <= max_side:
        return 1
    target = draft_target(size, max_side)
    ratio = min(size[0] // target[0], size[1] // target[1])
    return next(s for s in (8, 4, 2, 1) if ratio >= s)


def _jpeg_coefficient_bpp(image: Image.Image) -> float:
    """A progressive JPEG keeps every DCT coefficient of the whole image (2 bytes per
    sample) until the last scan, whatever the output scale."""
    if not image.info.get("progressive") and not image.info.get("progression"):
        return 0.0
    from PIL import JpegImagePlugin

    layers = int(getattr(image, "layers", 3) or 3)
    if layers != 3:
        return 2.0 * layers
    sampling = JpegImagePlugin.get_sampling(image)
    # 4:4:4 -> 3 full planes; 4:2:2 -> 2; 4:2:0 -> 1.5; unknown counts as 4:4:4.
    planes = {0: 3.0, 1: 2.0, 2: 1.5}.get(sampling, 3.0)
    return 2.0 * planes


def estimate(image: Image.Image, *, max_side: int | None) -> int:
    """Peak bytes that decoding `image` (opened, not loaded) will take, with the
    reduction or clean-up that follows it.

    Two moments count: during the decode (the decoder's buffers and Pillow's image), and
    after it. A selfie is then reduced strip by strip (no second full copy); a staff
    photo is converted to RGB and turned upright, so two full images exist at once."""
    width, height = image.size
    pixels = width * height
    stored = _STORED_BPP.get(image.mode, _RGB_BPP)
    if image.format == "JPEG":
        scale = draft_scale(image.size, max_side) if max_side else 1
        during = _jpeg_coefficient_bpp(image) * pixels + stored * (pixels / (scale * scale))
        output = pixels / (scale * scale)
    else:
        decoder = _DECODER_BPP.get(image.format or "", 0)
        if image.format == "PNG" and image.info.get("interlace"):
            decoder += _INTERLACED_EXTRA_BPP
        during = (stored + decoder) * pixels
        output = pixels
    if max_side:
        # The reduced copy, made strip by strip while the decoded image is still held.
        after = stored * output + _SHRINK_BPP * min(output, max_side * max_side)
    else:
        after = max(stored + _RGB_BPP, 2 * _RGB_BPP) * output
    return int(max(during, after)) + FIXED_COST


def pixel_limit(image: Image.Image, budget: int, *, max_side: int | None) -> int:
    """The most pixels this format and mode can have within `budget` (for the message)."""
    width, height = image.size
    pixels = max(1, width * height)
    per_pixel = max(1.0, (estimate(image, max_side=max_side) - FIXED_COST) / pixels)
    return max(0, int((budget - FIXED_COST) / per_pixel))


class ByteBudget:
    """A semaphore counted in bytes: `reserve(n)` waits until n bytes are free."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._free = capacity
        self._changed = threading.Condition()

    @property
    def free(self) -> int:
        with self._changed:
            return self._free

    @contextmanager
    def reserve(self, amount: int, *, timeout: float) -> Iterator[bool]:
        """Yields True with `amount` bytes reserved (released at the end), or False if
        they did not come free within `timeout` seconds. More than the capacity is
        clamped to the whole budget: the caller refuses such decodes before asking."""
        amount = min(max(0, amount), self.capacity)
        with self._changed:
            granted = self._changed.wait_for(lambda: self._free >= amount, timeout=timeout)
            if granted:
                self._free -= amount
        try:
            yield granted
        finally:
            if granted:
                with self._changed:
                    self._free += amount
                    self._changed.notify_all()


_BUDGETS: dict[int, ByteBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def process_budget(capacity: int) -> ByteBudget:
    """The one budget of this process for a configured capacity."""
    with _BUDGETS_LOCK:
        return _BUDGETS.setdefault(capacity, ByteBudget(capacity))
