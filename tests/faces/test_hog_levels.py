"""The HOG detector limited to its first pyramid levels: the same detector on those
levels (same boxes for the faces it is meant to find), nothing from the levels it skips."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from bench.crowds import FIXTURES
from likeness.faces import engine, hog_levels

pytestmark = pytest.mark.real_detection


def face_at(width_px: int, canvas: Image.Image, position: tuple[int, int]) -> None:
    """Paste obama.jpg scaled so its face box is about `width_px` wide."""
    with Image.open(FIXTURES / "obama.jpg") as photo:
        rgb = photo.convert("RGB")
    scale = width_px / (617 - 349)  # the face box plain finds on obama.jpg
    canvas.paste(rgb.resize((round(rgb.width * scale), round(rgb.height * scale)),
                            Image.Resampling.LANCZOS), position)


def test_a_detector_limited_to_the_fine_levels_finds_the_small_face_exactly_and_not_the_large_one(
) -> None:
    canvas = Image.new("RGB", (1400, 700), (120, 120, 120))
    face_at(50, canvas, (60, 200))  # found at level 1 of a scan upsampled once
    face_at(300, canvas, (500, 40))  # found around level 10
    image = np.asarray(canvas)
    api = engine._face_recognition().api

    full, _, _ = api.face_detector.run(image, 1, 0.0)
    limited, _, _ = hog_levels.detector(4).run(image, 1, 0.0)

    assert len(full) == 2
    small = min(full, key=lambda r: r.width())
    # The same filters on the same level: the very same box, and only that one.
    assert [(r.left(), r.top(), r.right(), r.bottom()) for r in limited] == [
        (small.left(), small.top(), small.right(), small.bottom())]


def test_the_level_limit_is_written_where_dlib_reads_it_and_an_unknown_layout_is_refused(
) -> None:
    header = hog_levels._HEADER
    saved = header + bytes.fromhex("02e803") + b"filters"
    assert hog_levels.limited_bytes(saved, 4) == header + bytes.fromhex("0104") + b"filters"
    assert hog_levels.limited_bytes(saved, 200) == header + bytes.fromhex("01c8") + b"filters"
    with pytest.raises(hog_levels.UnknownDetectorFormat):
        hog_levels.limited_bytes(b"\x01\x03" + saved[2:], 4)
    with pytest.raises(ValueError):
        hog_levels.limited_bytes(saved, 0)
