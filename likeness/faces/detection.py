"""Face detection with a stated guarantee, on every core, for camera-size photos.

The guarantee: the photo is scanned at the scale that puts the HOG detector's 80 px
window on a face `min_face_px` wide (pixels of the original; default 40, the smallest
plain `face_locations(image, 1, "hog")` finds on the full image), never on a fixed-size
copy (`tiling.detection_scale`). Photos up to about 4 MP are scanned exactly as plain
face_recognition scans them: same faces. On larger photos every face of at least
`min_face_px` that a whole-photo scan finds with a detector score of 0.5 or more is
found (every face in the benchmark crowds scores 0.75 or more). Below that no scan is
sure: cropping a photo differently moves a face's score by up to +-0.7 (measured), so
a plain scan of the same photo cropped by a few pixels would lose such faces too;
strips absorb part of that with a lowered threshold (`TILE_MARGIN`).

Large photos are cut into one overlapping strip per worker process, each scanned at
the fine levels of the detector's image pyramid only, plus one downscaled pass over the
whole photo for the coarse levels (the larger faces), so that each level is scanned
once (see `likeness.faces.tiling`); the boxes are merged without duplicates. Photos
where splitting saves little (up to about 4 megapixels at the default) are scanned whole
in the calling process, exactly as plain face_recognition scans them.

Templates are computed once per face, on the full-resolution photo, spread over the
same workers. A face narrower than `MIN_ENCODABLE_PX` is still returned (it must be
blurred) but gets no template: measured on the shared photos, a template from a face
scaled down to 24 px lies 0.45 from the same face's full-size template, at 20 px
same-person distances reach 0.6; from 32 px up they stay within 0.31.

The worker processes, and how the photo reaches them, are in `likeness.faces.workers`.

    with DetectionPool() as pool:                # or shared_pool(), once per process
        faces = find_faces(image, pool=pool)     # boxes + templates
        boxes = detect(image, min_face_px=80, pool=pool)
        templates = encode(image, boxes, pool=pool)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import Future, as_completed
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from likeness.faces import engine
from likeness.faces.engine import Box
from likeness.faces.tiling import Found, merge, plan, settled
from likeness.faces.workers import (
    DetectionPool,
    encode_all,
    encode_soon,
    result_of,
    running_pool,
    scan,
    scan_task,
    shared_image,
    shared_pool,
    submit_to,
)

__all__ = ["MIN_ENCODABLE_PX", "MIN_FACE_PX", "DetectionPool", "Face", "detect", "encodable",
           "encode", "find_faces", "shared_pool"]

MIN_FACE_PX = 40
MIN_ENCODABLE_PX = 32

Template = NDArray[np.float32]


@dataclass(frozen=True)
class Face:
    """A detected face: its box in original pixels and, if asked for and the face is
    large enough, its 128-d template."""

    box: Box
    encodable: bool
    template: Template | None = None


def encodable(box: Box) -> bool:
    """Whether a template of this face would be reliable (>= MIN_ENCODABLE_PX wide)."""
    return min(box.right - box.left, box.bottom - box.top) >= MIN_ENCODABLE_PX


# --- the API --------------------------------------------------------------------------


def detect(
    image: NDArray[np.uint8],
    *,
    min_face_px: int = MIN_FACE_PX,
    pool: DetectionPool | None = None,
) -> list[Box]:
    """Every face at least `min_face_px` wide on an RGB photo, boxes in its pixels,
    in reading order. Uses `pool` (or the shared pool) only where splitting pays."""
    return [face.box for face in find_faces(image, min_face_px=min_face_px, pool=pool,
                                            templates=False)]


def encode(
    image: NDArray[np.uint8], boxes: Sequence[Box], *, pool: DetectionPool | None = None
) -> list[Template | None]:
    """One template per box, computed once on the full-resolution `image`, in the
    order of `boxes`; None for a box too small to encode reliably (see `encodable`)."""
    image = _checked(image)
    wanted = [i for i, box in enumerate(boxes) if encodable(box)]
    templates: list[Template | None] = [None] * len(boxes)
    if len(wanted) < 2:  # one face: handing it to a worker costs more than it saves
        for i, template in zip(wanted, engine.encode(image, [boxes[i] for i in wanted]),
                               strict=True):
            templates[i] = template
        return templates
    worker_pool = pool or shared_pool()
    with worker_pool.lock, shared_image(image) as ref:
        for i, template in zip(wanted, encode_all(worker_pool, ref, [boxes[i] for i in wanted]),
                               strict=True):
            templates[i] = template
    return templates


def find_faces(
    image: NDArray[np.uint8],
    *,
    min_face_px: int = MIN_FACE_PX,
    pool: DetectionPool | None = None,
    templates: bool = True,
) -> list[Face]:
    """Detect (as `detect`) and, if `templates`, encode (as `encode`) in one go,
    sharing the photo with the workers once."""
    image = _checked(image)
    height, width = image.shape[:2]
    worker_pool = pool if pool is not None else running_pool()
    count = worker_pool.workers if worker_pool else os.cpu_count() or 1
    regions = plan(width, height, min_face_px=min_face_px, workers=count)
    if len(regions) == 1:
        boxes = sorted(scan(image, regions[0]), key=lambda b: (b.top, b.left))
        if not templates:
            return [Face(box, encodable(box)) for box in boxes]
        return [Face(box, encodable(box), t)
                for box, t in zip(boxes, encode(image, boxes, pool=pool), strict=True)]
    worker_pool = worker_pool or shared_pool()
    with worker_pool.lock, shared_image(image) as ref:
        scans = {submit_to(worker_pool, scan_task, ref, region): region for region in regions}
        found: list[Found] = []
        encoding: dict[Box, Future[Template]] = {}
        for future in as_completed(scans):
            region = scans[future]
            boxes = result_of(worker_pool, future)
            found += [Found(box, region) for box in boxes]
            if templates:
                # Faces that no other scan can affect are encoded now, by whichever
                # worker is free, while the other scans run.
                ready = [b for b in boxes if encodable(b) and settled(b, region, regions)]
                encoding |= encode_soon(worker_pool, ref, ready)
        boxes = merge(found)
        if not templates:
            return [Face(box, encodable(box)) for box in boxes]
        encoding |= encode_soon(worker_pool, ref, [b for b in boxes
                                                    if encodable(b) and b not in encoding])
        return [Face(box, True, result_of(worker_pool, encoding[box])) if encodable(box)
                else Face(box, False) for box in boxes]


# --- plumbing -------------------------------------------------------------------------

def _checked(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError("expected an RGB image as a height x width x 3 uint8 array")
    # dlib silently finds nothing on a strided view; a copy costs little by comparison.
    return np.ascontiguousarray(image)
