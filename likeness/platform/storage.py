"""Where files live under the instance folder, named by the server, written atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from flask import current_app


def instance_dir() -> Path:
    return Path(current_app.config["INSTANCE_PATH"])


def asset_path(sha256: str) -> Path:
    """Originals: content-addressed, fanned out so no folder grows huge."""
    return instance_dir() / "assets" / sha256[:2] / f"{sha256}.jpg"


def rendition_dir(asset_id: int) -> Path:
    return instance_dir() / "renditions" / str(asset_id)


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
