"""The processes that scan and encode for `likeness.faces.detection`, and how a photo
reaches them.

Workers are spawned processes (not forked: the calling worker has threads, and dlib
state does not survive a fork reliably). Each loads the dlib models once and is
reused; the photo reaches them through shared memory, not pickles. As with any spawned
pool, the calling program must be importable by path (a script file, `python -m`, a
console script such as `flask` or `rq`), not a program read from standard input.
"""

from __future__ import annotations

import atexit
import math
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.shared_memory import SharedMemory
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from likeness.faces import engine, hog_levels
from likeness.faces.engine import Box
from likeness.faces.tiling import Region

TILE_MARGIN = 0.25  # detector threshold lowered by this in strip and overview scans
_START_TIMEOUT_S = 120.0

Template = NDArray[np.float32]


# --- the pool -------------------------------------------------------------------------


_PARENT_CHECK_S = 2.0
_ADOPTION_POLL_S = 0.05


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
            self.workers, mp_context=context, initializer=_start_worker,
            # The parent's pid, read here: a worker reading its own parent only after the
            # preload would, if the parent died meanwhile, watch pid 1 (its adopter) forever.
            initargs=(ready, os.getpid()),
        )
        self.lock = threading.Lock()
        self.broken = False
        # Submitting one task per worker spawns them all now, not on first use; with
        # SIGINT ignored meanwhile (the children inherit that), so a Ctrl-C during start-up
        # stops this process alone, which then stops them, instead of each printing a
        # KeyboardInterrupt traceback from its imports.
        with _sigint_ignored():
            pings = [self._executor.submit(_ping) for _ in range(self.workers)]
        try:
            self._wait_started(ready, pings)
        except BaseException:
            self.close()
            raise

    def _wait_started(self, ready: Any, pings: list[Future[None]]) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        started = 0
        while started < self.workers:
            if ready.acquire(timeout=0.1):
                started += 1
                continue
            failed = next((p for p in pings if p.done() and p.exception()), None)
            if failed is not None or time.monotonic() > deadline:
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


def running_pool() -> DetectionPool | None:
    """This process's shared pool if it is started and healthy, without starting it."""
    return _shared if _shared is not None and not _shared.broken else None


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


# --- plumbing -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageRef:
    """How a worker finds the photo: a shared-memory block holding it."""

    name: str
    shape: tuple[int, ...]




@contextmanager
def shared_image(image: NDArray[np.uint8]) -> Iterator[ImageRef]:
    block = SharedMemory(create=True, size=image.nbytes)
    try:
        np.ndarray(image.shape, np.uint8, buffer=block.buf)[...] = image
        yield ImageRef(block.name, image.shape)
    finally:
        block.close()
        block.unlink()


def submit_to(pool: DetectionPool, fn: Any, /, *args: Any) -> Future[Any]:
    try:
        return pool.submit(fn, *args)
    except BrokenProcessPool:
        pool.broken = True
        raise


def result_of(pool: DetectionPool, future: Future[Any]) -> Any:
    try:
        return future.result()
    except BrokenProcessPool:
        pool.broken = True
        raise


def encode_all(pool: DetectionPool, ref: ImageRef, boxes: list[Box]) -> list[Template]:
    """Templates for `boxes` (all encodable), in order, computed by the workers."""
    if not boxes:
        return []
    # Several small batches per worker, so a worker slowed by other load takes fewer.
    size = max(1, math.ceil(len(boxes) / (3 * pool.workers)))
    batches = [boxes[i:i + size] for i in range(0, len(boxes), size)]
    futures = [submit_to(pool, encode_task, ref, batch) for batch in batches]
    return [template for future in futures for template in result_of(pool, future)]


def encode_soon(
    pool: DetectionPool, ref: ImageRef, boxes: list[Box]
) -> dict[Box, Future[Template]]:
    """Hand `boxes` to the workers two at a time; a future per box for its template."""
    futures: dict[Box, Future[Template]] = {}
    for start in range(0, len(boxes), 2):
        batch = boxes[start:start + 2]
        batch_future = submit_to(pool, encode_task, ref, batch)
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


def scan(image: NDArray[np.uint8], region: Region) -> list[Box]:
    """Faces the HOG detector finds in `region` of `image` scanned at its scale, as
    boxes in `image` pixels (clipped to the region).

    A whole photo is scanned exactly as plain `face_locations` does. A strip or the
    overview is scanned with the detector's threshold lowered by `TILE_MARGIN`: its
    pyramid samples the pixels at other positions than a whole-photo scan does, which
    moves each detection's score by up to ~0.7 either way (measured on the crowd
    photos; faces there score 0.75-3). The margin keeps most faces that a
    whole-photo scan finds just above the threshold, for ~3 extra boxes per 24 MP
    photo (background scoring just below it), which are blurred like faces. A strip
    is scanned at its first `region.levels` pyramid levels only.
    """
    crop = image[region.top:region.bottom, region.left:region.right]
    scale = region.scale
    whole = region.width == image.shape[1] and region.height == image.shape[0]
    threshold = 0.0 if whole and not region.overview else -TILE_MARGIN
    if region.upsample is not None:
        # Whole doublings: dlib's own upsampling, exactly what plain face_locations does.
        boxes = detect_raw(np.ascontiguousarray(crop), region.upsample, threshold,
                           region.levels)
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
        for b in detect_raw(resized, 0, threshold, region.levels)
    ]


def detect_raw(
    image: NDArray[np.uint8], upsample: int, threshold: float, levels: int | None = None
) -> list[Box]:
    """The HOG detector's boxes on `image` with its score threshold moved to
    `threshold` (0.0 and all levels: exactly `face_locations(image, upsample, "hog")`),
    scanning the first `levels` levels of its pyramid (None: all)."""
    if threshold == 0.0 and levels is None:
        return engine.detect(image, upsample=upsample)
    # face_locations has no threshold argument: the same dlib detector, called directly,
    # with face_recognition's own conversion of its rectangles to clipped boxes.
    api = engine._face_recognition().api
    detector = api.face_detector if levels is None else hog_levels.detector(levels)
    rectangles, _, _ = detector.run(image, upsample, threshold)
    return [Box(*api._trim_css_to_bounds(api._rect_to_css(r), image.shape))
            for r in rectangles]


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may change signal handlers; workers ignore it anyway
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# --- inside the workers ---------------------------------------------------------------


def _start_worker(ready: Any, parent: int) -> None:
    # Ctrl-C in a terminal reaches the whole process group: the parent handles it and
    # stops the pool; a worker interrupted while loading would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # engine loads the models and switches Pillow back to refusing truncated images.
    engine.preload()
    if os.getppid() != parent:
        os._exit(0)  # the parent died while the models loaded: nobody will use us
    _exit_with_parent(parent)
    ready.release()


def _exit_with_parent(parent: int) -> None:
    """A worker whose parent is gone (SIGKILLed, or a process that ends without running
    its exit hooks) would wait forever holding the dlib models: it leaves once it has
    been adopted by another process.

    It waits on the pipe multiprocessing keeps to its parent, whose far end the kernel
    closes the moment the parent dies, so it leaves at once; adoption follows a moment
    later, as the parent's exit completes. Adoption is checked every few seconds
    anyway, in case a forked child of the parent holds that pipe open after it."""

    def watch() -> None:
        pipe = multiprocessing.parent_process()
        while os.getppid() == parent:
            if pipe is not None and pipe.is_alive():
                pipe.join(_PARENT_CHECK_S)
            else:
                time.sleep(_ADOPTION_POLL_S if pipe is not None else _PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _ping() -> None:
    return None


def _on_image(ref: ImageRef, work: Any, arg: Any) -> Any:
    """`work(image, arg)` on the shared photo."""
    block = SharedMemory(name=ref.name)
    try:
        return work(np.ndarray(ref.shape, np.uint8, buffer=block.buf), arg)
    finally:
        # After an error the traceback may still hold the array; the mapping then
        # goes with the garbage collector instead.
        with suppress(BufferError):
            block.close()


def scan_task(ref: ImageRef, region: Region) -> list[Box]:
    return list(_on_image(ref, scan, region))


def encode_task(ref: ImageRef, boxes: list[Box]) -> list[Template]:
    return list(_on_image(ref, engine.encode, boxes))
