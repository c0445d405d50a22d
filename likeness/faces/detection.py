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

Large photos are cut into one overlapping strip per worker process, plus a cheap
downscaled pass for faces larger than the strip overlap (see `likeness.faces.tiling`),
and the boxes are merged without duplicates. Photos where splitting saves little
(up to about 4 megapixels at the default) are scanned whole in the calling process,
exactly as plain face_recognition scans them.

Templates are computed once per face, on the full-resolution photo, spread over the
same workers. A face narrower than `MIN_ENCODABLE_PX` is still returned (it must be
blurred) but gets no template: measured on the shared photos, a template from a face
scaled down to 24 px lies 0.45 from the same face's full-size template, at 20 px
same-person distances reach 0.6; from 32 px up they stay within 0.31.

Workers are spawned processes (not forked: the calling worker has threads, and
dlib state does not survive a fork reliably). Each loads the dlib models once and is
reused; the photo reaches them through shared memory, not pickles. As with any spawned
pool, the calling program must be importable by path (a script file, `python -m`, a
console script such as `flask` or `rq`), not a program read from standard input.

    with DetectionPool() as pool:                # or shared_pool(), once per process
        faces = find_faces(image, pool=pool)     # boxes + templates
        boxes = detect(image, min_face_px=80, pool=pool)
        templates = encode(image, boxes, pool=pool)
"""

from __future__ import annotations

import atexit
import logging
import math
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.shared_memory import SharedMemory
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from likeness.faces import engine
from likeness.faces.engine import Box
from likeness.faces.tiling import Found, Region, merge, plan, settled

MIN_FACE_PX = 40
MIN_ENCODABLE_PX = 32
TILE_MARGIN = 0.25  # detector threshold lowered by this in strip and overview scans
_START_TIMEOUT_S = 120.0

log = logging.getLogger(__name__)

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


# --- the pool -------------------------------------------------------------------------


class DetectionPool:
    """Worker processes that each hold the dlib models, for one process to use.

    Starting one spawns `workers` processes and waits until each has loaded the models
    (about a second, in parallel). Use one per process for its whole life (see
    `shared_pool`); calls from several threads are serialised.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        context = multiprocessing.get_context("spawn")
        ready = context.Semaphore(0)
        self._executor = ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_start_worker, initargs=(ready,)
        )
        self.lock = threading.Lock()
        self.broken = False
        # Submitting one task per worker spawns them all now, not on first use.
        pings = [self._executor.submit(_ping) for _ in range(self.workers)]
        deadline = time.monotonic() + _START_TIMEOUT_S
        started = 0
        while started < self.workers:
            if ready.acquire(timeout=0.1):
                started += 1
                continue
            failed = next((p for p in pings if p.done() and p.exception()), None)
            if failed is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("face detection workers did not start") from (
                    failed.exception() if failed else None)

    @property
    def pids(self) -> list[int]:
        """The worker processes' ids (for monitoring)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return sorted(processes)

    def submit(self, fn: Any, /, *args: Any) -> Future[Any]:
        return self._executor.submit(fn, *args)

    def close(self) -> None:
        """Stop the workers (waits for running tasks)."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> DetectionPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


_shared: DetectionPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> DetectionPool:
    """This process's pool, started on first use and stopped at exit.

    A pool whose worker died (e.g. killed for memory) is replaced on the next call.
    """
    global _shared
    with _shared_lock:
        if _shared is not None and _shared.broken:
            _shared.close()
            _shared = None
        if _shared is None:
            _shared = DetectionPool()
            atexit.register(_shared.close)
        return _shared


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
    with worker_pool.lock, _shared_image(image) as ref:
        for i, template in zip(wanted, _encode_on(worker_pool, ref, [boxes[i] for i in wanted]),
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
    worker_pool = pool if pool is not None else (_shared if _shared and not _shared.broken
                                                else None)
    workers = worker_pool.workers if worker_pool else os.cpu_count() or 1
    regions = plan(width, height, min_face_px=min_face_px, workers=workers)
    if len(regions) == 1:
        boxes = sorted(_scan(image, regions[0]), key=lambda b: (b.top, b.left))
        if not templates:
            return [Face(box, encodable(box)) for box in boxes]
        return [Face(box, encodable(box), t)
                for box, t in zip(boxes, encode(image, boxes, pool=pool), strict=True)]
    worker_pool = worker_pool or shared_pool()
    with worker_pool.lock, _shared_image(image) as ref:
        scans = {_submit(worker_pool, _scan_task, ref, region): region for region in regions}
        found: list[Found] = []
        encoding: dict[Box, Future[Template]] = {}
        for future in as_completed(scans):
            region = scans[future]
            boxes = _result(worker_pool, future)
            found += [Found(box, region) for box in boxes]
            if templates:
                # Faces that no other scan can affect are encoded now, by whichever
                # worker is free, while the other strips are still being scanned.
                ready = [b for b in boxes if encodable(b) and settled(b, region, regions)]
                encoding |= _encode_soon(worker_pool, ref, ready)
        boxes = merge(found)
        if not templates:
            return [Face(box, encodable(box)) for box in boxes]
        encoding |= _encode_soon(worker_pool, ref, [b for b in boxes
                                                    if encodable(b) and b not in encoding])
        return [Face(box, True, _result(worker_pool, encoding[box])) if encodable(box)
                else Face(box, False) for box in boxes]


# --- plumbing -------------------------------------------------------------------------


@dataclass(frozen=True)
class _ImageRef:
    """How a worker finds the photo: a shared-memory block holding it."""

    name: str
    shape: tuple[int, ...]


def _checked(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError("expected an RGB image as a height x width x 3 uint8 array")
    # dlib silently finds nothing on a strided view; a copy costs little by comparison.
    return np.ascontiguousarray(image)


@contextmanager
def _shared_image(image: NDArray[np.uint8]) -> Iterator[_ImageRef]:
    block = SharedMemory(create=True, size=image.nbytes)
    try:
        np.ndarray(image.shape, np.uint8, buffer=block.buf)[...] = image
        yield _ImageRef(block.name, image.shape)
    finally:
        block.close()
        block.unlink()


def _submit(pool: DetectionPool, fn: Any, /, *args: Any) -> Future[Any]:
    try:
        return pool.submit(fn, *args)
    except BrokenProcessPool:
        pool.broken = True
        raise


def _result(pool: DetectionPool, future: Future[Any]) -> Any:
    try:
        return future.result()
    except BrokenProcessPool:
        pool.broken = True
        raise


def _encode_on(pool: DetectionPool, ref: _ImageRef, boxes: list[Box]) -> list[Template]:
    """Templates for `boxes` (all encodable), in order, computed by the workers."""
    if not boxes:
        return []
    # Several small batches per worker, so a worker slowed by other load takes fewer.
    size = max(1, math.ceil(len(boxes) / (3 * pool.workers)))
    batches = [boxes[i:i + size] for i in range(0, len(boxes), size)]
    futures = [_submit(pool, _encode_task, ref, batch) for batch in batches]
    return [template for future in futures for template in _result(pool, future)]


def _encode_soon(
    pool: DetectionPool, ref: _ImageRef, boxes: list[Box]
) -> dict[Box, Future[Template]]:
    """Hand `boxes` to the workers two at a time; a future per box for its template."""
    futures: dict[Box, Future[Template]] = {}
    for start in range(0, len(boxes), 2):
        batch = boxes[start:start + 2]
        batch_future = _submit(pool, _encode_task, ref, batch)
        for index, box in enumerate(batch):
            futures[box] = _pick(batch_future, index)
    return futures


def _pick(batch: Future[list[Template]], index: int) -> Future[Template]:
    """A future for item `index` of `batch`'s result."""
    item: Future[Template] = Future()

    def done(finished: Future[list[Template]]) -> None:
        error = finished.exception()
        if error is not None:
            item.set_exception(error)
        else:
            item.set_result(finished.result()[index])

    batch.add_done_callback(done)
    return item


def _scan(image: NDArray[np.uint8], region: Region) -> list[Box]:
    """Faces the HOG detector finds in `region` of `image` scanned at its scale, as
    boxes in `image` pixels (clipped to the region).

    A whole photo is scanned exactly as plain `face_locations` does. A strip or the
    overview is scanned with the detector's threshold lowered by `TILE_MARGIN`: its
    pyramid samples the pixels at other positions than a whole-photo scan does, which
    moves each detection's score by up to ~0.7 either way (measured on the crowd
    photos; faces there score 0.75-3). The margin keeps most faces that a
    whole-photo scan finds just above the threshold, for ~3 extra boxes per 24 MP
    photo (background scoring just below it), which are blurred like faces.
    """
    crop = image[region.top:region.bottom, region.left:region.right]
    scale = region.scale
    whole = region.width == image.shape[1] and region.height == image.shape[0]
    threshold = 0.0 if whole and not region.overview else -TILE_MARGIN
    upsample = math.log2(scale) if scale >= 1 else -1.0
    if upsample == int(upsample) and upsample >= 0:
        # Whole doublings: dlib's own upsampling, exactly what plain face_locations does.
        boxes = _detect(np.ascontiguousarray(crop), int(upsample), threshold)
        return [Box(b.top + region.top, b.right + region.left, b.bottom + region.top,
                    b.left + region.left) for b in boxes]
    size = (max(1, round(region.width * scale)), max(1, round(region.height * scale)))
    resized = np.asarray(Image.fromarray(crop).resize(
        size, Image.Resampling.BILINEAR, reducing_gap=None if scale > 1 else 2.0))
    fx, fy = region.width / size[0], region.height / size[1]
    return [
        Box(
            top=region.top + round(b.top * fy),
            right=min(region.right, region.left + round(b.right * fx)),
            bottom=min(region.bottom, region.top + round(b.bottom * fy)),
            left=region.left + round(b.left * fx),
        )
        for b in _detect(resized, 0, threshold)
    ]


def _detect(image: NDArray[np.uint8], upsample: int, threshold: float) -> list[Box]:
    if threshold == 0.0:
        return engine.detect(image, upsample=upsample)
    # face_locations has no threshold argument: the same dlib detector, called directly,
    # with face_recognition's own conversion of its rectangles to clipped boxes.
    api = engine._face_recognition().api
    rectangles, _, _ = api.face_detector.run(image, upsample, threshold)
    return [Box(*api._trim_css_to_bounds(api._rect_to_css(r), image.shape))
            for r in rectangles]


# --- inside the workers ---------------------------------------------------------------


def _start_worker(ready: Any) -> None:
    # engine loads the models and switches Pillow back to refusing truncated images.
    engine.preload()
    ready.release()


def _ping() -> None:
    return None


def _on_image(ref: _ImageRef, work: Any, arg: Any) -> Any:
    """`work(image, arg)` on the shared photo."""
    block = SharedMemory(name=ref.name)
    try:
        return work(np.ndarray(ref.shape, np.uint8, buffer=block.buf), arg)
    finally:
        # After an error the traceback may still hold the array; the mapping then
        # goes with the garbage collector instead.
        with suppress(BufferError):
            block.close()


def _scan_task(ref: _ImageRef, region: Region) -> list[Box]:
    return list(_on_image(ref, _scan, region))


def _encode_task(ref: _ImageRef, boxes: list[Box]) -> list[Template]:
    return list(_on_image(ref, engine.encode, boxes))
