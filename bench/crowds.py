"""Deterministic crowd photos for detection benchmarks and tests.

A crowd is a shared photo (`two_people.jpg`, a room with curtains and chandeliers)
enlarged to camera size as a photographic background, with faces from the shared
photos pasted onto it: each a crop with some head, hair and collar around the face,
scaled so its face box has a chosen width, sometimes mirrored, brighter or darker,
blended in with a soft oval edge, never overlapping another face. The same seed gives
the same photo, pixel for pixel.

Ground truth is the box of every pasted face, in the face_recognition convention (the
HOG detector's box, scaled with the crop). The background photo's own two faces are
enlarged with it; they are real faces too (about 1000 px) and are returned
separately, so counts can say "40 pasted + 2 in the background".

    from bench.crowds import make_crowd
    crowd = make_crowd(seed=1, sizes="small")   # 6000x4000, 40 faces of 50-90 px
    crowd.image, crowd.faces, crowd.background_faces
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"

# Face boxes (top, right, bottom, left) that plain `face_locations(img, 1, "hog")`
# reports on the shared photos; fixed here so making a crowd needs no face engine.
SOURCES: dict[str, list[tuple[int, int, int, int]]] = {
    "obama.jpg": [(142, 617, 409, 349)],
    "obama2.jpg": [(290, 438, 558, 171)],
    "obama3.jpg": [(277, 954, 598, 633)],
    "biden.jpg": [(241, 740, 562, 419)],
    "two_people.jpg": [(57, 964, 242, 778), (47, 408, 202, 253)],
}
BACKGROUND = "two_people.jpg"

SIZES: dict[str, tuple[int, int]] = {"small": (50, 90), "medium": (110, 220), "mixed": (50, 220)}
SizeSet = Literal["small", "medium", "mixed"]

# How much head around the face box a pasted crop keeps, in face-box widths/heights.
_SIDE, _ABOVE, _BELOW = 0.45, 0.6, 0.4

Box = tuple[int, int, int, int]  # (top, right, bottom, left), as face_recognition


@dataclass(frozen=True)
class Crowd:
    image: NDArray[np.uint8]  # RGB, height x width x 3
    faces: list[Box]  # every pasted face
    background_faces: list[Box]  # the background photo's own faces, enlarged with it


@dataclass(frozen=True)
class _Source:
    crop: Image.Image  # RGB: face plus surrounding head
    face: Box  # face box inside `crop`


@cache
def _sources() -> tuple[_Source, ...]:
    sources = []
    for name, boxes in SOURCES.items():
        with Image.open(FIXTURES / name) as photo:
            rgb = photo.convert("RGB")
        for top, right, bottom, left in boxes:
            w, h = right - left, bottom - top
            x0, y0 = max(0, round(left - _SIDE * w)), max(0, round(top - _ABOVE * h))
            x1 = min(rgb.width, round(right + _SIDE * w))
            y1 = min(rgb.height, round(bottom + _BELOW * h))
            crop = rgb.crop((x0, y0, x1, y1))
            sources.append(_Source(crop, (top - y0, right - x0, bottom - y0, left - x0)))
    return tuple(sources)


@cache
def _background(width: int, height: int) -> tuple[NDArray[np.uint8], tuple[Box, ...]]:
    with Image.open(FIXTURES / BACKGROUND) as photo:
        rgb = photo.convert("RGB")
    # Fill the frame (cover), cropping the longer side evenly.
    scale = max(width / rgb.width, height / rgb.height)
    big = rgb.resize((round(rgb.width * scale), round(rgb.height * scale)),
                     Image.Resampling.BICUBIC)
    dx, dy = (big.width - width) // 2, (big.height - height) // 2
    big = big.crop((dx, dy, dx + width, dy + height))
    faces = tuple(
        (round(t * scale) - dy, round(r * scale) - dx,
         round(b * scale) - dy, round(le * scale) - dx)
        for t, r, b, le in SOURCES[BACKGROUND]
    )
    return np.asarray(big), faces


def _oval_mask(size: tuple[int, int]) -> Image.Image:
    """Opaque oval filling the crop, with a soft edge so no hard rectangle shows."""
    w, h = size
    mask = Image.new("L", size, 0)
    inset = max(2, min(w, h) // 16)
    ImageDraw.Draw(mask).ellipse((inset, inset, w - 1 - inset, h - 1 - inset), fill=255)
    return mask.filter(ImageFilter.GaussianBlur(inset / 2))


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int], gap: int) -> bool:
    ax0, ay0, ax1, ay1 = a
    bx0, by0, bx1, by1 = b
    return ax0 < bx1 + gap and bx0 < ax1 + gap and ay0 < by1 + gap and by0 < ay1 + gap


def make_crowd(
    seed: int,
    sizes: SizeSet = "mixed",
    *,
    count: int = 40,
    width: int = 6000,
    height: int = 4000,
    across_centre: int = 3,
) -> Crowd:
    """A `width` x `height` crowd photo with `count` pasted faces whose boxes are
    `SIZES[sizes]` px wide, none overlapping each other or the background's faces.

    `across_centre` of them straddle the vertical centre line, where a tiled detector
    cuts a photo in two (group photos put people everywhere, so must the test).
    """
    rng = np.random.default_rng(seed)
    background, background_faces = _background(width, height)
    canvas = Image.fromarray(background)
    sources = _sources()
    low, high = SIZES[sizes]
    taken: list[tuple[int, int, int, int]] = [
        (le - (r - le) // 2, t - (b - t) // 2, r + (r - le) // 2, b + (b - t) // 2)
        for t, r, b, le in background_faces
    ]
    faces: list[Box] = []
    attempts = 0
    while len(faces) < count:
        attempts += 1
        if attempts > 100_000:
            raise ValueError("faces do not fit on the canvas; lower count or sizes")
        source = sources[int(rng.integers(len(sources)))]
        face_w = int(rng.integers(low, high + 1))
        t, r, b, le = source.face
        scale = face_w / (r - le)
        cw, ch = round(source.crop.width * scale), round(source.crop.height * scale)
        if len(faces) < across_centre:  # face box centre within half a face of the line
            face_cx = width / 2 + rng.uniform(-0.4, 0.4) * face_w
            x = round(face_cx - (le + r) / 2 * scale)
        else:
            x = int(rng.integers(0, width - cw))
        y = int(rng.integers(0, height - ch))
        rect = (x, y, x + cw, y + ch)
        if x < 0 or x + cw > width or any(_overlaps(rect, o, gap=8) for o in taken):
            continue
        crop = source.crop.resize((cw, ch), Image.Resampling.LANCZOS)
        mirrored = bool(rng.integers(2))
        if mirrored:
            crop = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        crop = ImageEnhance.Brightness(crop).enhance(float(rng.uniform(0.8, 1.2)))
        canvas.paste(crop, (x, y), _oval_mask((cw, ch)))
        taken.append(rect)
        fl, fr = (cw - r * scale, cw - le * scale) if mirrored else (le * scale, r * scale)
        faces.append((y + round(t * scale), x + round(fr), y + round(b * scale), x + round(fl)))
    image = np.asarray(canvas)
    # Camera-like grain, so the enlarged background is not unnaturally smooth.
    grain = rng.integers(-3, 4, size=image.shape, dtype=np.int16)
    image = np.clip(image.astype(np.int16) + grain, 0, 255).astype(np.uint8)
    return Crowd(image=image, faces=faces, background_faces=list(background_faces))


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (top, right, bottom, left) boxes."""
    inter_w = min(a[1], b[1]) - max(a[3], b[3])
    inter_h = min(a[2], b[2]) - max(a[0], b[0])
    if inter_w <= 0 or inter_h <= 0:
        return 0.0
    inter = inter_w * inter_h
    area_a = (a[1] - a[3]) * (a[2] - a[0])
    area_b = (b[1] - b[3]) * (b[2] - b[0])
    return inter / (area_a + area_b - inter)


def unmatched(wanted: list[Box], found: list[Box], threshold: float = 0.3) -> list[Box]:
    """The boxes of `wanted` that no box of `found` overlaps by IoU >= `threshold`."""
    return [w for w in wanted if not any(iou(w, f) >= threshold for f in found)]
