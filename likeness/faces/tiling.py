"""Where on a photo to run the face detector, and how to merge what it finds.

Pure geometry (no dlib), so the plan and the merge can be tested on their own.

The HOG detector's window is 80 px: it finds faces of about 80 px and larger in the
image it scans (its pyramid shrinks the image by 5/6 a step to reach bigger faces).
To find faces down to `min_face_px` in the original, the photo is scanned at
`scale = 80 / min_face_px`: 2.0 for the default of 40 px (exactly what plain
`face_locations(image, 1, "hog")` does), 1.0 for 80 px, 0.5 for 160 px.

A large photo is cut along its long side into one strip per worker. Neighbouring
strips overlap by a bit more than `max_tile_face` (`tile_face`), so every face up to
that size lies wholly inside at least one strip, with some context around it. One
extra "overview" pass over the whole photo, downscaled, finds the faces larger than
that (a face of `tile_face` px is 1.7 windows wide there, so it is well inside the
overview's range, not at its edge). Its scale is the strip scale times a whole power
of 5/6, so it samples the same pyramid levels as a full-size scan does.

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

# A face of `tile_face` px is this many windows wide in the overview pass.
_OVERVIEW_HEADROOM = 1.7
# Context kept around the largest strip-pass face, as a fraction of its size: the
# HOG cells at a strip's cut edge see no pixels beyond it.
_CONTEXT = 0.2
# Cost model, in scanned megapixels: what a task costs beyond its pixels (process
# hand-off, slicing, the pyramid's fixed part). Measured: ~82 ms per scanned MP,
# ~15 ms per task.
_TASK_OVERHEAD_MP = 0.2
# Tile only when the estimate says it at least 1.6x faster: below that (photos of
# up to about 4 MP at the default) the gain is eaten by other load on the
# machine, and scanning whole keeps results identical to plain face_recognition.
_MIN_SPEEDUP = 1.6

SIDES = ("left", "top", "right", "bottom")


@dataclass(frozen=True)
class Region:
    """A rectangle of the original photo (pixels) scanned at `scale`.

    `cuts` names the sides that are strip cuts rather than the photo's own edges.
    """

    left: int
    top: int
    right: int
    bottom: int
    scale: float
    cuts: frozenset[str] = frozenset()
    overview: bool = False

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def cost(self) -> float:
        """Estimated work, in megapixels scanned."""
        return self.width * self.height * self.scale**2 / 1e6 + _TASK_OVERHEAD_MP


def detection_scale(min_face_px: int) -> float:
    """The scale at which the HOG detector's 80 px window matches `min_face_px`."""
    if min_face_px < 20:
        raise ValueError("min_face_px below 20 px is not supported (scan would be 16x)")
    return WINDOW_PX / min_face_px


def overview_scale(scale: float, tile_face: float) -> float:
    """The smallest scale `scale * (5/6)**k` (k >= 1) at which a face of `tile_face` px
    is still `_OVERVIEW_HEADROOM` windows wide."""
    target = WINDOW_PX * _OVERVIEW_HEADROOM / tile_face
    steps = max(1, math.floor(math.log(target / scale) / math.log(PYRAMID_STEP)))
    return scale * PYRAMID_STEP**steps


def plan(width: int, height: int, *, min_face_px: int, workers: int) -> list[Region]:
    """The regions to scan, in the order to hand them to `workers` processes.

    One region (the whole photo) when splitting is not estimated at least
    `_MIN_SPEEDUP` times faster; otherwise the overview first, then the strips, largest first (the
    worker that takes the overview then takes the shortened first strip).
    """
    scale = detection_scale(min_face_px)
    whole = [Region(0, 0, width, height, scale)]
    best, best_time = whole, whole[0].cost
    if workers < 2:
        return whole
    long_side = max(width, height)
    for fraction in (0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.12, 0.16, 0.2, 0.25):
        tile_face = fraction * long_side
        if tile_face < 2 * min_face_px:
            continue
        regions = _strips(width, height, scale, tile_face, workers)
        if regions is None:
            continue
        time = _makespan(regions, workers)
        if time < best_time:
            best, best_time = regions, time
    if best_time * _MIN_SPEEDUP > whole[0].cost:
        return whole
    return best


def _strips(
    width: int, height: int, scale: float, tile_face: float, count: int
) -> list[Region] | None:
    """`count` strips along the long side plus an overview, balanced so that the
    overview and the first (shorter) strip together cost what each other strip costs."""
    long_side, short_side = max(width, height), min(width, height)
    overlap = math.ceil(tile_face * (1 + 2 * _CONTEXT))
    small = overview_scale(scale, tile_face)
    overview = Region(0, 0, width, height, small, overview=True)
    # The overview's cost in strip length: a strip of this length costs the same.
    extra = (overview.cost - _TASK_OVERHEAD_MP) * 1e6 / (short_side * scale**2)
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
            strips.append(Region(a, 0, b, height, scale, frozenset(cuts)))
        else:
            strips.append(Region(0, a, width, b, scale, frozenset(cuts)))
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
    (>= 60 % of its area) inside the other. Two people's face boxes do not."""
    inter_w = min(a.right, b.right) - max(a.left, b.left)
    inter_h = min(a.bottom, b.bottom) - max(a.top, b.top)
    if inter_w <= 0 or inter_h <= 0:
        return False
    inter = inter_w * inter_h
    area_a = (a.right - a.left) * (a.bottom - a.top)
    area_b = (b.right - b.left) * (b.bottom - b.top)
    return inter / (area_a + area_b - inter) >= 0.4 or inter / min(area_a, area_b) >= 0.6


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
    """Whether `merge` keeps this strip box whatever the other scans find: it is clear
    of its strip's cuts and lies where no other strip looks, so only the overview can
    report the same face, and an overview box always yields to a strip box. Such a
    face can be encoded before the other scans finish."""
    if region.overview or touches_cut(box, region):
        return False
    return not any(
        other is not region and not other.overview
        and box.left < other.right and other.left < box.right
        and box.top < other.bottom and other.top < box.bottom
        for other in regions
    )


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
