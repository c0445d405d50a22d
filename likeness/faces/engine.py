"""The face engine: a thin, typed wrapper around face_recognition (dlib, HOG on CPU)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

TEMPLATE_SIZE = 128
_lock = threading.Lock()


@dataclass(frozen=True)
class Box:
    """A face region in pixels, in dlib's (top, right, bottom, left) order."""

    top: int
    right: int
    bottom: int
    left: int

    def scaled(self, factor: float, width: int, height: int) -> Box:
        return Box(
            top=max(0, round(self.top * factor)),
            right=min(width, round(self.right * factor)),
            bottom=min(height, round(self.bottom * factor)),
            left=max(0, round(self.left * factor)),
        )

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.top, self.right, self.bottom, self.left)


@cache
def _face_recognition() -> ModuleType:
    # Imported on first use and kept for the life of the process (a worker loads it once).
    from likeness.platform.known_warnings import known_import_warnings_silenced

    with known_import_warnings_silenced():
        import face_recognition
    from PIL import ImageFile

    # face_recognition switches Pillow to silently accept truncated images, for the
    # whole process. We decode untrusted uploads and must refuse damaged ones.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return face_recognition


def preload() -> None:
    """Load the models now (worker start), not inside the first job."""
    _face_recognition()


def detect(image: NDArray[np.uint8], *, upsample: int = 1) -> list[Box]:
    """Faces on an RGB image, by the HOG detector (the CNN one is far too slow on CPU)."""
    fr = _face_recognition()
    with _lock:  # dlib's detector object is not safe to share between threads
        locations = fr.face_locations(image, number_of_times_to_upsample=upsample, model="hog")
    return [Box(*location) for location in locations]


def encode(image: NDArray[np.uint8], boxes: list[Box]) -> list[NDArray[np.float32]]:
    """One 128-d template per box, computed on `image` (full resolution)."""
    if not boxes:
        return []
    fr = _face_recognition()
    with _lock:
        encodings = fr.face_encodings(
            image, known_face_locations=[b.as_tuple() for b in boxes], num_jitters=1,
            model="small",
        )
    return [np.asarray(e, dtype=np.float32) for e in encodings]


def distance(a: NDArray[np.floating], b: NDArray[np.floating]) -> float:
    """Euclidean distance between two templates; under 0.6 is usually the same person."""
    return float(np.linalg.norm(np.asarray(a, np.float32) - np.asarray(b, np.float32)))
