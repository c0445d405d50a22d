"""Face detection results computed once per run by the real engine, for tests not about it.

Finding the faces on a fixture photo takes 2-6 s, and most tests upload the same few
photos (obama.jpg, two_people.jpg, ...) only to get faces to tag, search, blur or erase.
Such tests get the result the real engine computed for that photo earlier in the same
run, keyed by the decoded pixels' hash, the call's arguments and the engine's version;
the first test to need a photo computes it, with the real engine, and stores it in a
folder of the session's temporary directory that every pytest-xdist worker of the run
shares (a file lock per entry: two workers never compute the same photo twice).

Tests about detection itself (everything under `tests/faces/`, and any test marked
`@pytest.mark.real_detection`) never see this cache: they always run the engine.

Only the in-process entry points are wrapped (`engine.detect`, `engine.encode`,
`detection.find_faces`, `detection.encode`); a worker process a test starts runs the
engine as in production.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from likeness.faces import detection, engine, workers

# What the results depend on besides the pixels: a new engine or model version is a new key.
ENGINE_VERSION = ";".join(
    f"{name}={version(name)}" for name in ("face_recognition", "face_recognition_models",
                                           "dlib-bin")
)


class DetectionCache:
    """Results of the engine's calls, one file per (function, pixels, arguments)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.computed = 0
        self.reused = 0

    def result(self, function: str, image: np.ndarray, arguments: tuple[Any, ...],
               compute: Callable[[], Any]) -> Any:
        key = _key(function, image, arguments)
        path = self.folder / f"{key}.pickle"
        if path.exists():
            self.reused += 1
            return _load(path)
        with _locked(self.folder / f"{key}.lock"):
            if path.exists():  # another worker computed it while we waited
                self.reused += 1
                return _load(path)
            value = compute()
            partial = path.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(pickle.dumps(value))
            os.replace(partial, path)  # readers see all of it or nothing
        self.computed += 1
        return value

    def write_counts(self) -> None:
        """This process's counts, for the run's summary (`counts`)."""
        if self.computed or self.reused:
            (self.folder / f"counts-{os.getpid()}.json").write_text(
                json.dumps({"computed": self.computed, "reused": self.reused}))

    def wrap(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Route this test's calls to the engine through the cache."""
        real_detect, real_encode = engine.detect, engine.encode
        real_find, real_detection_encode = detection.find_faces, detection.encode

        def detect(image: Any, *, upsample: int = 1) -> Any:
            return self.result("engine.detect", image, (upsample,),
                               lambda: real_detect(image, upsample=upsample))

        def encode(image: Any, boxes: Any) -> Any:
            return self.result("engine.encode", image, (tuple(boxes),),
                               lambda: real_encode(image, boxes))

        def find_faces(image: Any, *, min_face_px: int = detection.MIN_FACE_PX,
                       pool: Any = None, templates: bool = True) -> Any:
            # Large photos are cut into one strip per worker: the count is part of the key.
            running = pool if pool is not None else workers.running_pool()
            count = running.workers if running else os.cpu_count() or 1
            return self.result(
                "detection.find_faces", image, (min_face_px, templates, count),
                lambda: real_find(image, min_face_px=min_face_px, pool=pool,
                                  templates=templates))

        def detection_encode(image: Any, boxes: Any, *, pool: Any = None) -> Any:
            return self.result("detection.encode", image, (tuple(boxes),),
                               lambda: real_detection_encode(image, boxes, pool=pool))

        monkeypatch.setattr(engine, "detect", detect)
        monkeypatch.setattr(engine, "encode", encode)
        monkeypatch.setattr(detection, "find_faces", find_faces)
        monkeypatch.setattr(detection, "encode", detection_encode)


def counts(folder: Path) -> tuple[int, int]:
    """(computed by the engine, reused) over every process of the run."""
    totals = [json.loads(p.read_text()) for p in folder.glob("counts-*.json")]
    return (sum(t["computed"] for t in totals), sum(t["reused"] for t in totals))


def uses_real_detection(item: pytest.Item) -> bool:
    """Whether a test is about detection: under tests/faces/, or marked real_detection."""
    faces_folder = Path(__file__).resolve().parents[1] / "faces"
    return (item.get_closest_marker("real_detection") is not None
            or faces_folder in Path(str(item.path)).resolve().parents)


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of this run sees (the parent of the workers' basetemps)."""
    base = tmp_path_factory.getbasetemp()
    run = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return run / "detection-cache"


def _key(function: str, image: np.ndarray, arguments: tuple[Any, ...]) -> str:
    pixels = np.ascontiguousarray(image)
    digest = hashlib.blake2b(pixels.data, digest_size=20)
    digest.update(repr((function, pixels.shape, str(pixels.dtype), arguments,
                        ENGINE_VERSION)).encode())
    return digest.hexdigest()


def _load(path: Path) -> Any:
    # Our own files, written by this run into its temporary directory.
    return pickle.loads(path.read_bytes())  # noqa: S301


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
