"""Tiled detection on real photos: every face plain face_recognition finds is found,
once, in original pixels; templates are the engine's own; the pool survives a crash."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pytest
from PIL import Image

from bench.crowds import FIXTURES, _background, _sources, make_crowd, unmatched
from likeness.faces import detection, engine, tiling, workers
from likeness.faces.engine import Box

# About detection itself: always the real engine, never a result reused from the run.
pytestmark = pytest.mark.real_detection


@pytest.fixture(scope="module")
def pool() -> Iterator[detection.DetectionPool]:
    with detection.DetectionPool(workers=2) as started:
        yield started


def tuples(boxes: list[Box]) -> list[tuple[int, int, int, int]]:
    return [b.as_tuple() for b in boxes]


def assert_no_duplicates(boxes: list[Box]) -> None:
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not tiling.same_face(a, b), f"{a} and {b} are one face found twice"


def test_a_24_megapixel_crowd_loses_no_face_that_plain_face_recognition_finds(
    pool: detection.DetectionPool,
) -> None:
    crowd = make_crowd(seed=7, sizes="mixed")  # 6000x4000, 40 faces of 50-220 px
    plain = tuples(engine.detect(crowd.image, upsample=1))
    ours = detection.detect(crowd.image, pool=pool)

    assert len(plain) >= 40  # the photo is a real test: plain finds the pasted faces
    assert unmatched(plain, tuples(ours)) == []
    assert unmatched(crowd.faces, tuples(ours)) == []
    assert_no_duplicates(ours)
    height, width = crowd.image.shape[:2]
    assert all(0 <= b.left < b.right <= width and 0 <= b.top < b.bottom <= height for b in ours)
    # Templates come from the full photo, computed by the workers: the engine's own.
    some = ours[:4]
    templates = detection.encode(crowd.image, some, pool=pool)
    for template, expected in zip(templates, engine.encode(crowd.image, some), strict=True):
        assert template is not None
        np.testing.assert_allclose(template, expected, atol=1e-6)


def test_faces_on_and_across_the_strip_cuts_are_found_once() -> None:
    # Strips as the planner makes them for a 24 MP photo (scale 2, first 4 pyramid
    # levels), scanned in this process: faces of the strips' sizes on each cut edge and
    # inside the overlap, one of the overview's smallest size on a cut, and one far wider
    # than the overlap.
    width, height = 2400, 1600
    background, _ = _background(6000, 4000)
    canvas = Image.fromarray(background[2400:2400 + height, 2400:2400 + width])
    regions = tiling._strips(width, height, 2.0, levels=4, count=2)
    assert regions is not None
    overview, *strips = regions
    left_cut = min(s.right for s in strips)  # the first strip's cut edge
    right_cut = max(s.left for s in strips)  # the second strip's cut edge
    source = _sources()[0]
    t, r, b, le = source.face
    middle = (left_cut + right_cut) // 2
    # (face width, centre x, centre y)
    placements = [(60, right_cut, 160), (75, left_cut, 460), (95, left_cut, 760),
                  (70, middle, 1000), (300, middle, 1350)]
    for face_px, centre_x, centre_y in placements:
        scale = face_px / (r - le)
        crop = source.crop.resize((round(source.crop.width * scale),
                                   round(source.crop.height * scale)))
        canvas.paste(crop, (round(centre_x - (le + r) / 2 * scale),
                            round(centre_y - (t + b) / 2 * scale)))
    image = np.asarray(canvas)

    plain = tuples(engine.detect(image, upsample=1))
    found = [tiling.Found(box, region) for region in regions
             for box in workers.scan(image, region)]
    ours = tiling.merge(found)

    assert len(plain) == 5
    assert unmatched(plain, tuples(ours)) == []
    # Each face once (the strips' lowered threshold may add a box of background).
    assert all(sum(tiling.same_face(Box(*face), box) for box in ours) == 1 for face in plain)
    assert_no_duplicates(ours)
    assert overview.overview and all("left" in s.cuts or "right" in s.cuts for s in strips)


def test_a_1280_px_photo_gives_exactly_what_plain_face_recognition_gives() -> None:
    with Image.open(FIXTURES / "two_people.jpg") as photo:
        rgb = photo.convert("RGB")
    rgb = rgb.resize((1280, round(rgb.height * 1280 / rgb.width)))
    image = np.asarray(rgb)
    assert len(tiling.plan(1280, image.shape[0], min_face_px=40, workers=2)) == 1

    faces = detection.find_faces(image, pool=None)  # two faces: encoding goes to the pool

    assert [f.box for f in faces] == sorted(engine.detect(image, upsample=1),
                                            key=lambda b: (b.top, b.left))
    expected = engine.encode(image, [f.box for f in faces])
    for face, template in zip(faces, expected, strict=True):
        assert face.template is not None
        np.testing.assert_allclose(face.template, template, atol=1e-6)


def test_faces_too_small_to_encode_are_still_found_and_flagged() -> None:
    with Image.open(FIXTURES / "obama.jpg") as photo:
        rgb = photo.convert("RGB")
    # Shrink until the face is ~20 px: found with min_face_px=20, not encodable.
    scale = 20 / (617 - 349)
    small = rgb.resize((round(rgb.width * scale), round(rgb.height * scale)),
                       Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (320, 240), (128, 128, 128))
    canvas.paste(small, (100, 60))
    image = np.asarray(canvas)

    assert detection.detect(image) == []  # below the default 40 px
    (face,) = detection.find_faces(image, min_face_px=20)
    assert face.box.right - face.box.left < detection.MIN_ENCODABLE_PX
    assert not face.encodable and face.template is None
    assert detection.encode(image, [face.box]) == [None]


def test_the_scale_follows_the_smallest_face_to_find() -> None:
    assert tiling.detection_scale(40) == 2.0  # plain face_locations(img, 1, "hog")
    assert tiling.detection_scale(80) == 1.0
    assert tiling.detection_scale(160) == 0.5
    with pytest.raises(ValueError):
        tiling.detection_scale(10)
    regions = tiling.plan(6000, 4000, min_face_px=40, workers=2)
    overview, *strips = regions
    assert overview.overview and len(strips) == 2
    # The strips cover the photo, and overlap by more than the faces they must hold.
    assert min(s.left for s in strips) == 0 and max(s.right for s in strips) == 6000
    overlap = min(s.right for s in strips) - max(s.left for s in strips)
    (levels,) = {s.levels for s in strips}
    assert levels is not None
    assert overlap >= tiling.largest_strip_face(2.0, levels) > tiling.WINDOW_PX / overview.scale
    # Every pyramid level is scanned once: the overview starts where the strips stop,
    # at a true downscale of the photo, and scans all the levels after it.
    assert overview.scale == 2.0 * tiling.PYRAMID_STEP**levels <= 1.0
    assert overview.levels is None
    assert len(tiling.plan(2048, 1536, min_face_px=40, workers=2)) == 1  # 3 MP: whole


def test_a_crashed_worker_fails_the_photo_and_the_shared_pool_is_replaced() -> None:
    with Image.open(FIXTURES / "two_people.jpg") as photo:
        image = np.asarray(photo.convert("RGB"))  # two faces: templates come from the pool
    first = detection.shared_pool()
    os.kill(first.pids[0], signal.SIGKILL)
    with pytest.raises(BrokenProcessPool):
        detection.find_faces(image, pool=first)
    assert first.broken
    second = detection.shared_pool()
    assert second is not first
    faces = detection.find_faces(image, pool=second)
    assert len(faces) == 2 and all(f.template is not None for f in faces)


def test_a_face_no_strip_can_report_is_encoded_as_soon_as_the_overview_finds_it() -> None:
    regions = tiling.plan(6000, 4000, min_face_px=40, workers=2)
    overview, *strips = regions
    largest = tiling.largest_strip_box(regions)
    big = Box(top=1000, right=2400, bottom=1000 + 2 * round(largest) + 10,
              left=2400 - 2 * round(largest) - 10)
    medium = Box(top=1000, right=2400, bottom=1100, left=2300)
    assert tiling.settled(big, overview, regions)
    assert not tiling.settled(medium, overview, regions)
    # The promise holds: whatever box up to the largest size a strip reports on or
    # around the big face, the merge keeps the overview's box.
    for size in (8, round(largest) // 2, round(largest)):
        for top in range(big.top - size, big.bottom, 17):
            for left in range(big.left - size, big.right, 17):
                strip = strips[0] if left < strips[0].right - size else strips[1]
                other = Box(top=top, right=left + size, bottom=top + size, left=left)
                kept = tiling.merge([tiling.Found(big, overview), tiling.Found(other, strip)])
                assert big in kept
