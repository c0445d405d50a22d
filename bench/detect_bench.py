"""Indexing speed of one large photo: our pipeline against the plain one.

Plain: `face_locations` (HOG, upsample 1) and `face_encodings` on the full image.
Ours (likeness.services.indexing): detect on a copy scaled to 1280 px on its long
side, then encode each face on the full image. Same photo, same run; prints
medians, the ratio, and whether both found the same faces.

    .venv/bin/python bench/detect_bench.py [PHOTO] [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
from PIL import Image

sys.path.insert(0, ".")
from likeness.faces import engine  # noqa: E402


def ours(image: np.ndarray, long_side: int = 1280) -> list[engine.Box]:
    height, width = image.shape[:2]
    scale = min(1.0, long_side / max(height, width))
    small = np.asarray(Image.fromarray(image).resize(
        (round(width * scale), round(height * scale)), Image.Resampling.BILINEAR))
    boxes = [b.scaled(1 / scale, width, height) for b in engine.detect(small)]
    engine.encode(image, boxes)
    return boxes


def plain(image: np.ndarray) -> list[engine.Box]:
    boxes = engine.detect(image)
    engine.encode(image, boxes)
    return boxes


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/obama3.jpg"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with Image.open(path) as photo:
        image = np.asarray(photo.convert("RGB"))
    engine.preload()
    timings: dict[str, list[float]] = {"plain": [], "ours": []}
    found = {}
    for _ in range(rounds):
        for name, pipeline in (("plain", plain), ("ours", ours)):
            start = time.perf_counter()
            found[name] = len(pipeline(image))
            timings[name].append(time.perf_counter() - start)
    p, o = statistics.median(timings["plain"]), statistics.median(timings["ours"])
    print(f"photo: {path} ({image.shape[1]}x{image.shape[0]}), rounds: {rounds}")
    print(f"plain pipeline (baseline): {p * 1e3:8.1f} ms, faces: {found['plain']}")
    print(f"likeness pipeline:         {o * 1e3:8.1f} ms, faces: {found['ours']}")
    print(f"speed-up: {p / o:.1f}x")


if __name__ == "__main__":
    main()
