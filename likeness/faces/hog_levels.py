"""dlib's HOG face detector, limited to the first levels of its image pyramid.

The frontal face detector scans an image pyramid: level 0 is the image, each next level
5/6 of the one before, down to the detector's smallest layer, and a face is found at
the level where it is about the 80 px window wide. Level 0 and 1 are most of the work
(level j costs (5/6)**(2j) of level 0). A strip of a large photo scanned only at its
first `levels` levels, plus one downscaled pass over the whole photo that starts at
level `levels`, therefore scans each level of the photo once, as a whole-photo scan
does, instead of scanning the coarse levels twice (`likeness.faces.tiling`).

dlib's Python binding has no setting for this, but the C++ scanner it wraps has one
(`scan_fhog_pyramid::set_max_pyramid_levels`) and serialises it: the detector is saved,
that one number is changed, and the result is loaded back. The filters are the same
bytes, so on the levels it scans the limited detector scores exactly as the full one.
"""

from __future__ import annotations

import tempfile
import threading
from functools import cache
from pathlib import Path
from typing import Any

# The start of a saved frontal face detector (dlib 19.24-20.x): object_detector version
# 2, scan_fhog_pyramid version 1, the feature extractor, no cached features, cell size
# 8, padding 0, an 80 x 80 px window, then max_pyramid_levels = 1000 ("all"). dlib
# writes an integer as a byte holding its length, then its bytes, low first.
_HEADER = bytes.fromhex("0102 0101 0100 0100 0108 0100 0150 0150")
_ALL_LEVELS = bytes.fromhex("02e803")

_lock = threading.Lock()


class UnknownDetectorFormat(RuntimeError):
    """The installed dlib saves its detector in a layout this module does not know."""


def _encoded(value: int) -> bytes:
    """`value` as dlib's serialize() writes an unsigned integer."""
    raw = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "little")
    return bytes([len(raw)]) + raw


def limited_bytes(saved: bytes, levels: int) -> bytes:
    """A saved frontal face detector, changed to scan only its first `levels` levels."""
    if not 1 <= levels <= 255:
        raise ValueError("levels must be between 1 and 255")
    start = _HEADER + _ALL_LEVELS
    if not saved.startswith(start):
        raise UnknownDetectorFormat(
            "dlib's saved face detector does not start as expected; the pyramid-level limit "
            "cannot be set on this dlib version")
    return _HEADER + _encoded(levels) + saved[len(start):]


@cache
def detector(levels: int) -> Any:
    """The frontal face detector that scans only pyramid levels 0 .. `levels` - 1."""
    import dlib

    with _lock, tempfile.TemporaryDirectory(prefix="likeness-hog-") as folder:
        full, limited = Path(folder, "full.svm"), Path(folder, "limited.svm")
        dlib.get_frontal_face_detector().save(str(full))
        limited.write_bytes(limited_bytes(full.read_bytes(), levels))
        return dlib.fhog_object_detector(str(limited))
