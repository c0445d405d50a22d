"""Where on a photo to run the face detector, and how to merge what it finds.

Pure geometry (no dlib), so the plan and the merge can be tested on their own.

The HOG detector's window is 80 px: it finds faces of about 80 px and larger in the
image it scans (its pyramid shrinks the image by 5/6 a step to reach bigger faces).
To find faces down to `min_face_px` in the original, the photo is scanned at
`scale = 80 / min_face_px`: 2.0 for the default of 40 px (exactly what plain
`face_locations(image, 1, "hog")` does), 1.0 for 80 px, 0.5 for 160 px.

A large photo's pyramid is split between the workers instead of scanned whole by one.
Its first `levels` levels (the fine ones, where faces smaller than the overview's
window are found, and most of the work) are scanned in one strip per worker, cut along
the long side; the remaining levels are one "overview" pass over the whole photo,
downscaled to exactly the scale of level `levels` (`likeness.faces.hog_levels` limits a
strip's scan to its first levels). So every level is scanned once, as in a whole-photo
scan. Neighbouring strips overlap by a bit more than the largest face their last level
finds (a pyramid step above the overview's smallest face, plus context on each side),
so each face the strips are responsible for lies wholly inside at least one of them.

Merging keeps one box per face: a box from a strip that touches a cut edge may be a
partial face and yields to any overlapping box; duplicates (the same face seen by
two strips, or by a strip and the overview) are recognised by overlap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from likeness.faces.engine import Box

WINDOW_PX = 80  # the HOG detector's window (dlib's frontal face detector)
PYRAMID_STEP = 5 / 6  # dlib's pyramid_down<6>
# Each pyramid level has this share of the pixels of the level before it.
_LEVEL_SHARE = PYRAMID_STEP**2

# Context kept around the largest strip face, as a fraction of its size: the HOG cells
# at a strip's cut edge see no pixels beyond it.
_CONTEXT = 0.2
# Cost model, in megapixels scanned over the pyramid's levels: what a task costs beyond
# its pixels (process hand-off, slicing, the pyramid's fixed part), and what resizing
# the region first costs per megapixel of the photo (Pillow, bilinear). Measured:
# ~38 ms CPU per megapixel scanned, ~15 ms per task, 0.46 s to resize 24 MP.
_TASK_OVERHEAD_MP = 0.4
_RESIZE_MP_PER_MP = 0.5
# Tile only when the estimate says it is at least 1.6x faster, and only photos whose
# scan at full scale covers more than 16 MP (a 4 MP photo at the default scale): below
# that, the hand-offs and other load on the machine eat the gain, and scanning whole
# keeps results identical to plain face_recognition.
_MIN_SPEEDUP = 1.6
_MIN_TILED_MP = 16.0

SIDES = ("left", "top", "right", "bottom")


@dataclass(frozen=True)
class Region:
    """A rectangle of the original photo (pixels) scanned at `scale`.

    `cuts` names the sides that are strip cuts rather than the photo's own edges;
    `levels` is how many pyramid levels the scan covers (None: all of them).
    """

    left: int
    top: int
    right: int
    bottom: int
    scale: float
    cuts: frozenset[str] = frozenset()
    overview: bool = False
    levels: int | None = None

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def upsample(self) -> int | None:
        """How many times dlib itself doubles the region before scanning (its own
        upsampling, as plain `face_locations` does); None when the scale is not a whole
        doubling and the region is resized first."""
        doublings = math.log2(self.scale)
        return int(doublings) if doublings >= 0 and doublings == int(doublings) else None

    @property
    def cost(self) -> float:
        """Estimated work, in megapixels scanned over the levels of the pyramid."""
        pyramid = (1 if self.levels is None else 1 - _LEVEL_SHARE**self.levels) / (
            1 - _LEVEL_SHARE)
        pixels = self.width * self.height / 1e6
        resize = 0.0 if self.upsample is not None else pixels * _RESIZE_MP_PER_MP
        return pixels * self.scale**2 * pyramid + resize + _TASK_OVERHEAD_MP


def detection_scale(min_face_px: int) -> float:
    """The scale at which the HOG detector's 80 px window matches `min_face_px`."""
    if min_face_px < 20:
        raise ValueError("min_face_px below 20 px is not supported (scan would be 16x)")
    return WINDOW_PX / min_face_px


def largest_strip_face(scale: float, levels: int) -> float:
    """The widest face (original px) a scan of `levels` levels at `scale` may need to hold
    wholly: one pyramid step above the smallest face the next level's window fits,
    because a face between two levels' sizes may score best at the finer level."""
    return WINDOW_PX / (scale * PYRAMID_STEP**levels) / PYRAMID_STEP


def plan(width: int, height: int, *, min_face_px: int, workers: int) -> list[Region]:
    """The regions to scan, in the order to hand them to `workers` processes.

    One region (the whole photo) when the photo is small or splitting is not estimated
    at least `_MIN_SPEEDUP` times faster; otherwise the overview first, then the
    strips, largest first (the worker that takes the overview then takes the
    shortened first strip).
    """
    scale = detection_scale(min_face_px)
    whole = [Region(0, 0, width, height, scale)]
    if workers < 2 or width * height * scale**2 / 1e6 <= _MIN_TILED_MP:
        return whole
    best, best_time = whole, whole[0].cost
    levels = 1
    # The overview is a downscaled copy of the photo, never an enlarged one.
    while (overview := scale * PYRAMID_STEP**levels) * max(width, height) >= WINDOW_PX:
        if overview <= 1.0:
            regions = _strips(width, height, scale, levels, workers)
            if regions is not None and (time := _makespan(regions, workers)) < best_time:
                best, best_time = regions, time
        levels += 1
    if best_time * _MIN_SPEEDUP > whole[0].cost:
        return whole
    return best


def _strips(
    width: int, height: int, scale: float, levels: int, count: int
) -> list[Region] | None:
    """`count` strips along the long side, scanned at their first `levels` levels, plus
    the overview for the rest, balanced so that the overview and the first (shorter)
    strip together cost what each other strip costs."""
    long_side, short_side = max(width, height), min(width, height)
    overlap = math.ceil(largest_strip_face(scale, levels) * (1 + 2 * _CONTEXT))
    overview = Region(0, 0, width, height, scale * PYRAMID_STEP**levels, overview=True)
    # The overview's cost in strip length: a strip of this length costs the same.
    per_length = Region(0, 0, 1, short_side, scale, levels=levels).cost - _TASK_OVERHEAD_MP
    extra = (overview.cost - _TASK_OVERHEAD_MP) / per_length
    length = (long_side + (count - 1) * overlap + extra) / count
    first = length - extra
    if first < 2 * overlap or length >= long_side:
        return None
    spans, start = [], 0.0
    for index in range(count):
        end = long_side if index == count - 1 else start + (first if index == 0 else length)
        spans.append((round(start), round(end)))
        start = end - overlap
    strips = []
    for index, (a, b) in enumerate(spans):
        cuts = set()
        if index > 0:
            cuts.add("left" if width >= height else "top")
        if index < count - 1:
            cuts.add("right" if width >= height else "bottom")
        if width >= height:
            strips.append(Region(a, 0, b, height, scale, frozenset(cuts), levels=levels))
        else:
            strips.append(Region(0, a, width, b, scale, frozenset(cuts), levels=levels))
    strips.sort(key=lambda r: r.cost, reverse=True)
    return [overview, *strips]


def _makespan(regions: Sequence[Region], workers: int) -> float:
    """Wall time (in scanned MP) when idle workers take the regions in order."""
    loads = [0.0] * workers
    for region in regions:
        loads[loads.index(min(loads))] += region.cost
    return max(loads)


@dataclass(frozen=True)
class Found:
    """A box the detector reported, with the region whose scan reported it."""

    box: Box
    region: Region


def touches_cut(box: Box, region: Region) -> bool:
    """Whether `box` reaches (nearly) to one of `region`'s cut edges: it may show only
    part of a face that continues in the neighbouring strip."""
    slack = max(2, round(0.1 * min(box.right - box.left, box.bottom - box.top)))
    return (
        ("left" in region.cuts and box.left - region.left <= slack)
        or ("right" in region.cuts and region.right - box.right <= slack)
        or ("top" in region.cuts and box.top - region.top <= slack)
        or ("bottom" in region.cuts and region.bottom - box.bottom <= slack)
    )


def same_face(a: Box, b: Box) -> bool:
    """Whether two boxes are one face: they overlap by IoU >= 0.4, or one lies mostly
    (>= 60 % of its area) inside the other and is at least a quarter of its area (a
    partial face at a strip's cut). Two people's face boxes do not; nor does a small
    box inside a large face (a detection on part of it, e.g. an eye, at the strips'
    lowered threshold), which must not make the large face yield to it."""
    inter_w = min(a.right, b.right) - max(a.left, b.left)
    inter_h = min(a.bottom, b.bottom) - max(a.top, b.top)
    if inter_w <= 0 or inter_h <= 0:
        return False
    inter = inter_w * inter_h
    area_a = (a.right - a.left) * (a.bottom - a.top)
    area_b = (b.right - b.left) * (b.bottom - b.top)
    small, large = sorted((area_a, area_b))
    return inter / (area_a + area_b - inter) >= 0.4 or (
        inter / small >= 0.6 and small * 4 >= large)


def merge(found: Sequence[Found]) -> list[Box]:
    """One box per face, in reading order (top to bottom, then left to right).

    Preference, strongest first: a strip box clear of the cut edges (full-resolution
    scan, full context), the most central of them first; an overview box; a strip
    box at a cut edge (kept only if nothing else covers that face, so a face is never
    dropped for being partial).
    """

    def rank(item: Found) -> tuple[int, float]:
        if item.region.overview:
            return (1, 0.0)
        if touches_cut(item.box, item.region):
            return (2, 0.0)
        return (0, -_clearance(item.box, item.region))

    kept: list[Box] = []
    for item in sorted(found, key=rank):
        if not any(same_face(item.box, other) for other in kept):
            kept.append(item.box)
    return sorted(kept, key=lambda b: (b.top, b.left))


def settled(box: Box, region: Region, regions: Sequence[Region]) -> bool:
    """Whether `merge` keeps this box whatever the other scans find, so that its face can
    be encoded before they finish (a wrong "yes" would only waste that work).

    A strip box: it is clear of its strip's cuts and lies where no other strip looks, so
    only the overview can report the same face, and an overview box always yields to a
    strip box. An overview box: it is more than twice as wide and tall as any box a
    strip can report (`largest_strip_box`), so no strip box is the same face."""
    if region.overview:
        side = min(box.right - box.left, box.bottom - box.top)
        return side > 2 * largest_strip_box(regions)
    if touches_cut(box, region):
        return False
    return not any(
        other is not region and not other.overview
        and box.left < other.right and other.left < box.right
        and box.top < other.bottom and other.top < box.bottom
        for other in regions
    )


def largest_strip_box(regions: Sequence[Region]) -> float:
    """The widest box (original px) a strip of `regions` can report: about the window of
    its last pyramid level (dlib's box is 0.9x the window), with 10 % to spare;
    unbounded when a strip scans all its levels."""
    sides = [math.inf if r.levels is None
             else 1.1 * WINDOW_PX / (r.scale * PYRAMID_STEP ** (r.levels - 1))
             for r in regions if not r.overview]
    return max(sides, default=math.inf)


def _clearance(box: Box, region: Region) -> float:
    """Distance from `box` to the nearest cut edge of its region, in face widths."""
    gaps = [math.inf]
    if "left" in region.cuts:
        gaps.append(box.left - region.left)
    if "right" in region.cuts:
        gaps.append(region.right - box.right)
    if "top" in region.cuts:
        gaps.append(box.top - region.top)
    if "bottom" in region.cuts:
        gaps.append(region.bottom - box.bottom)
    return min(gaps) / max(1, box.right - box.left)
