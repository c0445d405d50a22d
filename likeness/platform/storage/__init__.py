"""Where files live: one storage interface over the local folder or S3-compatible storage.

Every original, rendition, signed PDF, selfie, answer and export is an object named by a
key such as `assets/ab/ab12….jpg`. The key, never a path, is what rows store and what
areas pass around, so web processes and workers on several machines share one library
when `STORAGE=s3` (see docs/operations.md, "Several machines"). `STORAGE=local` (the
default) keeps the objects under the instance folder, as files of the same names.

Local-only, by nature: the instance folder itself (`instance_dir`) for backups written by
`flask backup`, the restore marker, the embedded Redis and development mail.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import current_app

from likeness.platform.storage.base import (
    DATA_PREFIXES,
    NotAStorageKey,
    Storage,
    StorageUnavailable,
    check_key,
    check_prefix,
)
from likeness.platform.storage.local import LocalStorage, write_atomically

__all__ = ["DATA_PREFIXES", "NotAStorageKey", "Storage", "StorageUnavailable", "LocalStorage",
           "asset_key", "asset_path", "check_key", "check_prefix", "instance_dir",
           "rendition_prefix", "storage", "write_atomically"]

_EXTENSION = "likeness.storage"


def storage() -> Storage:
    """The app's storage, made once per app (the S3 client is thread-safe and pooled)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if _EXTENSION not in app.extensions:
        app.extensions[_EXTENSION] = open_storage(app.config)
    store: Storage = app.extensions[_EXTENSION]
    return store


def open_storage(config: Mapping[str, Any]) -> Storage:
    settings = dict(config)
    if settings.get("STORAGE", "local") == "s3":
        from likeness.platform.storage.s3 import S3Storage  # boto3 only when configured

        return S3Storage.from_config(settings)
    return LocalStorage(Path(str(settings["INSTANCE_PATH"])))


def instance_dir() -> Path:
    """The local instance folder (backups, markers, development mail): not library data."""
    return Path(current_app.config["INSTANCE_PATH"])


def asset_key(sha256: str) -> str:
    """Originals: content-addressed, fanned out so no folder grows huge."""
    return f"assets/{sha256[:2]}/{sha256}.jpg"


def asset_path(sha256: str) -> Path:
    """Where the local storage keeps an original (tools and tests on the local folder)."""
    return instance_dir() / asset_key(sha256)


def rendition_prefix(asset_id: int) -> str:
    return f"renditions/{asset_id}/"
