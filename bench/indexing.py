"""Indexing speed and completeness: plain face_recognition against likeness.faces.detection.

Both pipelines do the same work on the same photo files, one photo after the other,
interleaved (the order alternates per photo): decode the JPEG, detect every face,
compute every face's template.

- plain: `face_recognition.load_image_file`, `face_locations(img, 1, "hog")`,
  `face_encodings(img, boxes)`, in this one process (single-threaded, as shipped);
- ours: the same decode, then `detection.find_faces(img, pool=pool)` with the
  default smallest face (40 px) on a warm pool of one worker per core.

Photos: generated 24 MP crowds (6000x4000, 40 faces pasted onto an enlarged shared
photo, see bench/crowds.py) in three sets by face width (small 50-90 px, medium
110-220 px, mixed), and 1280 px photos (the shared photos scaled, plus small crowds).
Faces are matched by IoU >= 0.3; "lost" counts faces plain found and ours did not.

The 24 MP crowds run in rounds (3 by default), each printing every photo and the
round's median and worst ratio; the 1280 px photos run `--rounds` times each, the
median per photo printed.

    .venv/bin/python bench/indexing.py [--photos N] [--crowd-rounds C] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.crowds import FIXTURES, make_crowd, unmatched  # noqa: E402
from likeness.faces import detection, tiling  # noqa: E402

Box = tuple[int, int, int, int]


def _face_recognition():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import face_recognition
    return face_recognition


def plain(path: Path) -> list[Box]:
    fr = _face_recognition()
    image = fr.load_image_file(str(path))
    boxes = fr.face_locations(image, 1, "hog")
    fr.face_encodings(image, boxes)
    return [tuple(b) for b in boxes]  # type: ignore[misc]


def ours(pool: detection.DetectionPool, min_face_px: int = 40) -> Callable[[Path], list[Box]]:
    def run(path: Path) -> list[Box]:
        image = _face_recognition().load_image_file(str(path))
        faces = detection.find_faces(image, min_face_px=min_face_px, pool=pool)
        return [f.box.as_tuple() for f in faces]

    return run


class Load:
    """Share of the machine's CPUs used by processes other than this bench and its
    workers, between `start()` and `share()` (from /proc; other agents share the box)."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = [os.getpid(), *pids]
        self.start()

    @staticmethod
    def _machine() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        return sum(values) - values[3] - values[4], sum(values)  # busy, total jiffies

    def _ours(self) -> int:
        total = 0
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except FileNotFoundError:
                pass
        return total

    def start(self) -> None:
        self.busy, self.total = self._machine()
        self.own = self._ours()

    def share(self) -> float:
        busy, total = self._machine()
        other = (busy - self.busy) - (self._ours() - self.own)
        return max(0.0, other / max(1, total - self.total))


def timed(fn: Callable[[Path], list[Box]], path: Path) -> tuple[float, list[Box]]:
    start = time.perf_counter()
    boxes = fn(path)
    return time.perf_counter() - start, boxes


def write(image: np.ndarray, path: Path) -> Path:
    Image.fromarray(image).save(path, quality=92)
    return path


@dataclass
class CrowdPhoto:
    name: str  # face-size set
    path: Path
    truth: list[Box]


def crowd_photos(photos: int, folder: Path) -> list[CrowdPhoto]:
    made = []
    for name in ("small", "medium", "mixed"):
        for index in range(photos):
            crowd = make_crowd({"small": 100, "medium": 200, "mixed": 300}[name] + index,
                               name)  # type: ignore[arg-type]
            made.append(CrowdPhoto(name, write(crowd.image, folder / f"{name}-{index}.jpg"),
                                   crowd.faces + crowd.background_faces))
    return made


def crowd_round(number: int, photos: list[CrowdPhoto], pool: detection.DetectionPool,
                seconds: dict[str, list[float]], with_80: bool) -> int:
    """One round over every crowd photo, plain and ours in alternating order (which
    goes first also alternates between rounds); prints each photo and the round's
    median and worst ratio. Returns the faces lost (found by plain, not by ours)."""
    print(f"\nround {number}: 24 MP crowds ({len(photos)} photos, 6000x4000, 40 pasted faces"
          " each)")
    print("  photo     truth  plain  ours  lost | plain s  ours s  ratio | other load"
          + (" | 80px: found  missed>=80  s" if with_80 else ""))
    plain_s, ours_s, lost_all = [], [], 0
    for index, photo in enumerate(photos):
        order = [("plain", plain), ("ours", ours(pool))]
        if (index + number) % 2:
            order.reverse()
        found, took = {}, {}
        load = Load(pool.pids)
        for label, fn in order:
            took[label], found[label] = timed(fn, photo.path)
        other = load.share()
        plain_s.append(took["plain"])
        ours_s.append(took["ours"])
        lost = len(unmatched(found["plain"], found["ours"]))
        lost_all += lost
        line = (f"  {photo.name:6s} {index % (len(photos) // 3) + 1:2d} {len(photo.truth):6d}"
                f" {len(found['plain']):6d} {len(found['ours']):5d} {lost:5d} |"
                f" {took['plain']:7.2f} {took['ours']:7.2f} {took['plain'] / took['ours']:5.2f}x"
                f" | {other:10.0%}")
        if with_80:
            elapsed, boxes = timed(ours(pool, 80), photo.path)
            seconds["ours80"].append(elapsed)
            missed = len(unmatched([b for b in photo.truth if b[1] - b[3] >= 80], boxes))
            line += f" | {len(boxes):11d} {missed:11d} {elapsed:4.1f}"
        print(line)
    seconds["plain"] += plain_s
    seconds["ours"] += ours_s
    ratios = [p / o for p, o in zip(plain_s, ours_s, strict=True)]
    print(f"  round {number}: median {statistics.median(ratios):.2f}x plain, worst photo "
          f"{min(ratios):.2f}x, faces lost {lost_all}"
          f" (target: median >= 1.8x, worst >= 1.5x, 0 lost)")
    return lost_all


def small_photos(rounds: int, folder: Path, pool: detection.DetectionPool) -> None:
    paths = []
    for name in ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "two_people.jpg"):
        with Image.open(FIXTURES / name) as photo:
            rgb = photo.convert("RGB")
        scale = 1280 / max(rgb.size)
        rgb = rgb.resize((round(rgb.width * scale), round(rgb.height * scale)),
                         Image.Resampling.LANCZOS)
        paths.append(write(np.asarray(rgb), folder / f"1280-{name}"))
    for seed in range(3):
        crowd = make_crowd(400 + seed, "mixed", count=6, width=1280, height=853,
                           across_centre=1)
        paths.append(write(crowd.image, folder / f"1280-crowd-{seed}.jpg"))
    print(f"\n1280 px photos ({len(paths)} photos: 5 shared photos scaled, 3 crowds of 8 faces;"
          f" {rounds} rounds)")
    print("  photo              plain  ours  lost extra | plain ms  ours ms  ratio | other load")
    all_plain, all_ours = [], []
    for path in paths:
        times: dict[str, list[float]] = {"plain": [], "ours": []}
        found = {}
        load = Load(pool.pids)
        for r in range(rounds):
            order = [("plain", plain), ("ours", ours(pool))]
            if r % 2:
                order.reverse()
            for label, fn in order:
                elapsed, found[label] = timed(fn, path)
                times[label].append(elapsed)
        p, o = statistics.median(times["plain"]), statistics.median(times["ours"])
        all_plain.append(p)
        all_ours.append(o)
        lost = len(unmatched(found["plain"], found["ours"]))
        extra = len(unmatched(found["ours"], found["plain"]))
        print(f"  {path.name[5:]:18s} {len(found['plain']):5d} {len(found['ours']):5d}"
              f" {lost:5d} {extra:5d} | {p * 1e3:8.0f} {o * 1e3:8.0f} {p / o:6.2f}x"
              f" | {load.share():10.0%}")
    summary("", all_plain, all_ours)


def print_plan_ceiling(workers: int) -> None:
    """The best ratio the strip plan allows on a 24 MP photo, by its own cost model: the
    whole photo's scanned megapixels over the busiest worker's (the strips' overlap and
    the overview are the extra work). Plain's JPEG decode, which both sides do in one
    process, comes on top of that."""
    regions = tiling.plan(6000, 4000, min_face_px=40, workers=workers)
    whole = tiling.Region(0, 0, 6000, 4000, tiling.detection_scale(40)).cost
    extra = sum(r.cost for r in regions) / whole - 1
    print(f"strip plan for 6000x4000 on {workers} workers: {len(regions)} scans, "
          f"{extra:.1%} more pixels scanned than one whole scan; ceiling "
          f"{whole / tiling._makespan(regions, workers):.2f}x plain before decoding")


def summary(label: str, plain_s: list[float], ours_s: list[float]) -> None:
    p, o = statistics.median(plain_s), statistics.median(ours_s)
    print(f"  median per photo: plain {p:.3f} s ({1 / p:.2f} photos/s), "
          f"ours {o:.3f} s ({1 / o:.2f} photos/s), ratio {p / o:.2f}x;"
          f" worst photo {min(a / b for a, b in zip(plain_s, ours_s, strict=True)):.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=2, help="24 MP crowds per face-size set")
    parser.add_argument("--crowd-rounds", type=int, default=3,
                        help="rounds over all 24 MP crowds (each printed)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per 1280 px photo")
    args = parser.parse_args()
    start = time.perf_counter()
    _face_recognition()
    pool = detection.DetectionPool()
    print(f"workers: {pool.workers} (cpu_count {os.cpu_count()}); pool start "
          f"{time.perf_counter() - start:.1f} s incl. model load")
    with tempfile.TemporaryDirectory() as tmp, pool:
        folder = Path(tmp)
        # Warm-up, untimed: first use of large buffers in each process.
        warm = write(make_crowd(1, "mixed", count=4).image, folder / "warm.jpg")
        plain(warm)
        ours(pool)(warm)
        photos = crowd_photos(args.photos, folder)
        print_plan_ceiling(pool.workers)
        seconds: dict[str, list[float]] = {"plain": [], "ours": [], "ours80": []}
        lost = sum(crowd_round(number, photos, pool, seconds, with_80=number == 1)
                   for number in range(1, args.crowd_rounds + 1))
        print(f"\nall 24 MP crowds, {args.crowd_rounds} rounds: faces lost {lost}")
        summary("", seconds["plain"], seconds["ours"])
        o80 = statistics.median(seconds["ours80"])
        print(f"  min_face_px=80 (round 1): {o80:.2f} s per photo, "
              f"{statistics.median(seconds['plain']) / o80:.1f}x plain "
              "(finds every face >= 80 px, and some smaller)")
        small_photos(args.rounds, folder, pool)
    print(f"\ntotal bench time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
