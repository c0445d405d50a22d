"""Face regions that a photo's metadata already carries, as boxes on the photo we show.

Three schemas name faces in XMP, each measured differently:

* MWG (`mwg-rs:Regions`, Lightroom, digiKam, Picasa): normalised, x/y the **centre**,
  relative to the stored pixels, with the size they applied to (`AppliedToDimensions`);
* Microsoft People Tagging (`MP:RegionInfo`, Windows Photos): normalised, x/y the
  **top-left corner**, "x, y, w, h" in one string;
* IPTC Extension (`Iptc4xmpExt:ImageRegion`): rectangle, circle or polygon, in pixels or
  relative units, x/y the top-left corner; names in `PersonInImage(WDetails)`.

All of them describe the stored pixels. Likeness shows (and detects faces on) the image
with its EXIF Orientation applied, so every box is turned the same way (all 8
orientations). `AppliedToDimensions` whose shape differs from the stored image means the
photo was cropped after tagging: those boxes are not guessed at, only their names are kept.

Input is exiftool's `-j -struct -n` JSON (names with commas stay whole there).
"""

from __future__ import annotations

from typing import Any

# exiftool tags read for the import (the Orientation applied comes from the decoder).
TAGS = ["RegionInfo", "RegionInfoMP", "ImageRegion", "PersonInImage", "PersonInImageWDetails"]

ASPECT_TOLERANCE = 0.02
MAX_NAME = 200
MAX_REGIONS = 200
_HUMAN_TYPES = ("human", "face", "headshot")

Box = tuple[float, float, float, float]  # normalised x0, y0, x1, y1 on the stored image


def extract(
    meta: dict[str, Any], *, stored_size: tuple[int, int], orientation: int,
) -> dict[str, Any]:
    """Regions and names from one file's metadata.

    `stored_size` is (width, height) of the pixels as stored (before orientation),
    `orientation` the EXIF value the decoder applied. Returns
    `{"regions": [{"kind", "name", "box": [top, right, bottom, left]}], "names": [...],
    "warnings": [...]}` with boxes in pixels of the oriented image."""
    warnings: list[str] = []
    found: list[tuple[str, str | None, Box]] = []
    mwg = _mwg(meta.get("RegionInfo"), stored_size, warnings)
    found += mwg
    if not mwg:  # tools that write both (digiKam) write the same faces twice
        found += _mp(meta.get("RegionInfoMP"))
    found += _iptc(meta.get("ImageRegion"), stored_size)
    width, height = stored_size
    shown = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    regions: list[dict[str, Any]] = []
    for kind, name, box in _without_duplicates(found)[:MAX_REGIONS]:
        regions.append({"kind": kind, "name": name,
                        "box": _pixels(_oriented(box, orientation), shown)})
    named = {r["name"].casefold() for r in regions if r["name"]}
    names = [n for n in _names(meta) if n.casefold() not in named]
    return {"regions": regions, "names": _unique(names + _stale_names(meta, warnings)),
            "warnings": warnings}


def _mwg(info: Any, stored_size: tuple[int, int], warnings: list[str]) -> list[
        tuple[str, str | None, Box]]:
    if not isinstance(info, dict):
        return []
    applied = info.get("AppliedToDimensions")
    if isinstance(applied, dict) and _stale(applied, stored_size):
        warnings.append("mwg_dimensions_mismatch")
        return []
    out: list[tuple[str, str | None, Box]] = []
    for region in _list(info.get("RegionList")):
        if not isinstance(region, dict) or region.get("Type", "Face") != "Face":
            continue
        area = region.get("Area")
        if not isinstance(area, dict):
            continue
        values = [_number(area.get(k)) for k in ("X", "Y", "W", "H")]
        if any(v is None for v in values):
            continue
        x, y, w, h = (float(v or 0) for v in values)
        out.append(("mwg", _name(region.get("Name")), (x - w / 2, y - h / 2, x + w / 2, y + h / 2)))
    return out


def _stale(applied: dict[str, Any], stored_size: tuple[int, int]) -> bool:
    """The regions were drawn on an image of another shape (a crop since)."""
    w, h = _number(applied.get("W")), _number(applied.get("H"))
    if not w or not h:
        return False  # missing (digiKam): the normalised values still hold
    width, height = stored_size
    return abs((w / h) / (width / height) - 1) > ASPECT_TOLERANCE


def _stale_names(meta: dict[str, Any], warnings: list[str]) -> list[str]:
    """Names of MWG regions that could not be placed: kept as names without a box."""
    if "mwg_dimensions_mismatch" not in warnings:
        return []
    info = meta.get("RegionInfo") or {}
    return [n for r in _list(info.get("RegionList")) if isinstance(r, dict)
            and r.get("Type", "Face") == "Face" and (n := _name(r.get("Name")))]


def _mp(info: Any) -> list[tuple[str, str | None, Box]]:
    if not isinstance(info, dict):
        return []
    out: list[tuple[str, str | None, Box]] = []
    for region in _list(info.get("Regions")):
        if not isinstance(region, dict) or not isinstance(region.get("Rectangle"), str):
            continue
        try:
            x, y, w, h = (float(part) for part in region["Rectangle"].split(","))
        except ValueError:
            continue
        out.append(("mp", _name(region.get("PersonDisplayName")), (x, y, x + w, y + h)))
    return out


def _iptc(regions: Any, stored_size: tuple[int, int]) -> list[tuple[str, str | None, Box]]:
    out: list[tuple[str, str | None, Box]] = []
    for region in _list(regions):
        if not isinstance(region, dict) or not _is_person(region):
            continue
        box = _boundary(region.get("RegionBoundary"), stored_size)
        if box is not None:
            out.append(("iptc", _iptc_name(region), box))
    return out


def _is_person(region: dict[str, Any]) -> bool:
    types = region.get("RCtype")
    if not types:
        return True  # most tools leave the type out; a named or plain region counts
    text = str(types).lower()
    return any(kind in text for kind in _HUMAN_TYPES)


def _boundary(boundary: Any, stored_size: tuple[int, int]) -> Box | None:
    if not isinstance(boundary, dict):
        return None
    width, height = stored_size
    sx, sy = (width, height) if str(boundary.get("RbUnit", "")).lower() == "pixel" else (1, 1)
    shape = str(boundary.get("RbShape", "rectangle")).lower()
    if shape == "polygon":
        points = [(_number(v.get("RbX")), _number(v.get("RbY")))
                  for v in _list(boundary.get("RbVertices")) if isinstance(v, dict)]
        xs = [x for x, _y in points if x is not None]
        ys = [y for _x, y in points if y is not None]
        if len(xs) < 3 or len(ys) < 3:
            return None
        return (min(xs) / sx, min(ys) / sy, max(xs) / sx, max(ys) / sy)
    x, y = _number(boundary.get("RbX")), _number(boundary.get("RbY"))
    if x is None or y is None:
        return None
    if shape == "circle":
        r = _number(boundary.get("RbRx"))
        if r is None:
            return None
        # A relative radius is a fraction of the width (IPTC 2019.1).
        rx, ry = r / sx, r * (width if sx == 1 else 1) / height
        return (x / sx - rx, y / sy - ry, x / sx + rx, y / sy + ry)
    w, h = _number(boundary.get("RbW")), _number(boundary.get("RbH"))
    if w is None or h is None:
        return None
    return (x / sx, y / sy, (x + w) / sx, (y + h) / sy)


def _iptc_name(region: dict[str, Any]) -> str | None:
    for details in _list(region.get("PersonInImageWDetails")):
        if isinstance(details, dict) and (name := _name(details.get("PersonName"))):
            return name
    for name in _list(region.get("PersonInImage")):
        if found := _name(name):
            return found
    return _name(region.get("Name"))


def _names(meta: dict[str, Any]) -> list[str]:
    """Names without a region (`PersonInImage`): hints, never placed on a face."""
    names = [n for v in _list(meta.get("PersonInImage")) if (n := _name(v))]
    names += [n for d in _list(meta.get("PersonInImageWDetails")) if isinstance(d, dict)
              and (n := _name(d.get("PersonName")))]
    return names


def _oriented(box: Box, orientation: int) -> Box:
    """The box on the image turned by EXIF `orientation` (MWG 2.0: regions follow it)."""
    x0, y0, x1, y1 = (min(max(v, 0.0), 1.0) for v in box)
    corners = [_turn(x, y, orientation) for x, y in ((x0, y0), (x1, y1))]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def _turn(x: float, y: float, orientation: int) -> tuple[float, float]:
    return {
        2: (1 - x, y), 3: (1 - x, 1 - y), 4: (x, 1 - y), 5: (y, x),
        6: (1 - y, x), 7: (1 - y, 1 - x), 8: (y, 1 - x),
    }.get(orientation, (x, y))


def _pixels(box: Box, size: tuple[int, int]) -> list[int]:
    """[top, right, bottom, left] in pixels (dlib's order, as Face stores it)."""
    width, height = size
    x0, y0, x1, y1 = box
    return [round(y0 * height), round(x1 * width), round(y1 * height), round(x0 * width)]


def _without_duplicates(found: list[tuple[str, str | None, Box]]) -> list[
        tuple[str, str | None, Box]]:
    """One region per face: IPTC regions that repeat an MWG one add only a missing name."""
    kept: list[tuple[str, str | None, Box]] = []
    for kind, name, box in found:
        if box[2] - box[0] <= 0 or box[3] - box[1] <= 0:
            continue
        same = next((i for i, k in enumerate(kept) if iou(k[2], box) > 0.5), None)
        if same is None:
            kept.append((kind, name, box))
        elif kept[same][1] is None and name:
            kept[same] = (kept[same][0], name, kept[same][2])
    return kept


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _name(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    cleaned = " ".join("".join(c for c in value if c.isprintable()).split())
    return cleaned[:MAX_NAME] or None


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _unique(names: list[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for name in names:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            unique.append(name)
    return unique
