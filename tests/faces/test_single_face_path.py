"""A single-face photo of ordinary size takes plain face_recognition's code path: scanned
whole in the calling process, encoded there, no worker, no shared memory. That is why
it is never slower than plain (the speed itself is measured by bench/indexing.py, not
asserted here)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from PIL import Image

from bench.crowds import FIXTURES
from likeness.faces import detection, engine, tiling


class NoWorkers:
    """A pool with two workers that must not be used: any hand-off fails the test."""

    workers = 2

    def submit(self, *args: Any) -> Any:
        raise AssertionError("a single-face photo was handed to a worker process")

    @property
    def lock(self) -> Any:
        raise AssertionError("a single-face photo took the pool's lock")


def single_face_photo(long_side: int) -> np.ndarray:
    with Image.open(FIXTURES / "obama.jpg") as photo:
        rgb = photo.convert("RGB")
    scale = long_side / max(rgb.size)
    rgb = rgb.resize((round(rgb.width * scale), round(rgb.height * scale)),
                     Image.Resampling.LANCZOS)
    return np.asarray(rgb)


@pytest.mark.parametrize("long_side", [1280, 2048])
def test_a_single_face_photo_is_scanned_and_encoded_as_plain_face_recognition_does(
    long_side: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = single_face_photo(long_side)
    height, width = image.shape[:2]
    assert tiling.plan(width, height, min_face_px=40, workers=2) == [
        tiling.Region(0, 0, width, height, 2.0)]

    def no_shared_memory(*args: Any) -> Any:
        raise AssertionError("a single-face photo was copied to shared memory")

    monkeypatch.setattr(detection, "shared_image", no_shared_memory)
    monkeypatch.setattr(detection, "shared_pool", no_shared_memory)
    scans: list[tuple[tuple[int, ...], int]] = []
    real_detect = engine.detect

    def recorded_detect(img: np.ndarray, *, upsample: int = 1) -> list[engine.Box]:
        scans.append((img.shape, upsample))
        return real_detect(img, upsample=upsample)

    monkeypatch.setattr(engine, "detect", recorded_detect)

    (face,) = detection.find_faces(image, pool=NoWorkers())  # type: ignore[arg-type]

    # One scan: the whole photo, upsampled once by dlib itself, as face_locations(img, 1).
    assert scans == [(image.shape, 1)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import face_recognition
    (plain_box,) = face_recognition.face_locations(image, 1, "hog")
    (plain_template,) = face_recognition.face_encodings(image, [plain_box])
    assert face.box.as_tuple() == plain_box
    assert face.template is not None
    np.testing.assert_array_equal(face.template, np.asarray(plain_template, np.float32))
