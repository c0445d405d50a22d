"""Photos with face regions in their metadata, written by exiftool in the test itself.

Boxes are given as they appear on the photo people see (the image with its EXIF
Orientation applied), normalised (x0, y0, x1, y1). Each helper turns them into what a
camera or catalogue tool stores: the pixels unrotated, the regions measured on those.
The turning here is written independently of Likeness's code, and checked against
Pillow's own `exif_transpose` by the tests.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from PIL import Image

Norm = tuple[float, float, float, float]

# Pillow's transpose that turns a shown image into the stored one, per orientation
# (the inverse of what `ImageOps.exif_transpose` applies).
_TO_STORED = {1: None, 3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90,
              8: Image.Transpose.ROTATE_270}


def stored_point(x: float, y: float, orientation: int) -> tuple[float, float]:
    """Where a point of the shown image lies on the stored pixels (normalised)."""
    return {1: (x, y), 3: (1 - x, 1 - y), 6: (y, 1 - x), 8: (1 - y, x)}[orientation]


def stored_box(box: Norm, orientation: int) -> Norm:
    (ax, ay), (bx, by) = (stored_point(box[0], box[1], orientation),
                          stored_point(box[2], box[3], orientation))
    return (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))


def stored_image(shown: Image.Image, orientation: int) -> Image.Image:
    transpose = _TO_STORED[orientation]
    return shown.transpose(transpose) if transpose is not None else shown.copy()


def mwg(regions: list[tuple[Norm, str | None]], orientation: int,
        size: tuple[int, int]) -> dict[str, Any]:
    """MWG RegionInfo: centre-based, with the stored size it applies to."""
    items = []
    for box, name in regions:
        x0, y0, x1, y1 = stored_box(box, orientation)
        item: dict[str, Any] = {"Area": {"X": (x0 + x1) / 2, "Y": (y0 + y1) / 2,
                                         "W": x1 - x0, "H": y1 - y0, "Unit": "normalized"},
                                "Type": "Face"}
        if name:
            item["Name"] = name
        items.append(item)
    return {"RegionInfo": {"AppliedToDimensions": {"W": size[0], "H": size[1],
                                                   "Unit": "pixel"},
                           "RegionList": items}}


def mp(regions: list[tuple[Norm, str | None]], orientation: int) -> dict[str, Any]:
    """Microsoft People Tagging: top-left based "x, y, w, h"."""
    items = []
    for box, name in regions:
        x0, y0, x1, y1 = stored_box(box, orientation)
        item: dict[str, Any] = {"Rectangle": f"{x0:.6f}, {y0:.6f}, {x1 - x0:.6f}, {y1 - y0:.6f}"}
        if name:
            item["PersonDisplayName"] = name
        items.append(item)
    return {"RegionInfoMP": {"Regions": items}}


def iptc(regions: list[tuple[Norm, str | None]], orientation: int,
         size: tuple[int, int]) -> dict[str, Any]:
    """IPTC ImageRegion in stored pixels, the name in PersonInImageWDetails."""
    items = []
    for box, name in regions:
        x0, y0, x1, y1 = stored_box(box, orientation)
        item: dict[str, Any] = {"RegionBoundary": {
            "RbShape": "rectangle", "RbUnit": "pixel", "RbX": round(x0 * size[0]),
            "RbY": round(y0 * size[1]), "RbW": round((x1 - x0) * size[0]),
            "RbH": round((y1 - y0) * size[1])}}
        if name:
            item["PersonInImageWDetails"] = [{"PersonName": name}]
        items.append(item)
    return {"ImageRegion": items}


def write(files: dict[Path, dict[str, Any]], workdir: Path) -> None:
    """exiftool writes every file's tags in one run (raw values, JSON keeps commas)."""
    source = workdir / "tags.json"
    source.write_text(json.dumps([{"SourceFile": str(p), **tags} for p, tags in files.items()]))
    subprocess.run(["exiftool", "-q", "-n", f"-j={source}", "-overwrite_original",  # noqa: S607
                    *map(str, files)], check=True, capture_output=True)


def sidecar(photo: Path, target: Path) -> None:
    """exiftool's own sidecar of a photo (`exiftool -o photo.xmp photo.jpg`)."""
    subprocess.run(["exiftool", "-q", "-o", str(target), str(photo)],  # noqa: S607
                   check=True, capture_output=True)


def read_back(path: Path, *tags: str) -> dict[str, Any]:
    """What exiftool itself reads from a file (`-j -struct -n`)."""
    out = subprocess.run(["exiftool", "-j", "-struct", "-n", *(f"-{t}" for t in tags),  # noqa: S607
                          str(path)], check=True, capture_output=True).stdout
    result: dict[str, Any] = json.loads(out)[0]
    return result
