"""S3-compatible object storage (AWS S3, MinIO, Ceph, Garage, …) through boto3.

Objects live in `S3_BUCKET` under `S3_PREFIX`; credentials come from the settings (or,
when those are empty, from boto3's own chain: environment, instance role). A PUT is
atomic by nature, so a reader never sees half an object.

Erasure is real on a versioned bucket too: deleting an object deletes every version of
it, and overwriting one (an original replaced by its blurred copy) deletes the versions
before it. Otherwise the bucket would keep what a person had erased, hidden but there.
Errors other than a missing object become `StorageUnavailable` (a 503, a retried job).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from likeness.platform.storage.base import (
    StorageUnavailable,
    check_key,
    check_prefix,
    is_data_key,
)

_MISSING = {"NoSuchKey", "404", "NotFound"}
DELETE_BATCH = 1000  # the most keys one DeleteObjects call takes


@contextmanager
def _translated(key: str) -> Iterator[None]:
    """boto3's errors as the interface's: FileNotFoundError or StorageUnavailable."""
    try:
        yield
    except ClientError as exc:
        if _code(exc) in _MISSING:
            raise FileNotFoundError(key) from exc
        raise StorageUnavailable(f"object storage refused: {_code(exc) or 'error'}") from exc
    except BotoCoreError as exc:  # unreachable, timed out, bad credentials config
        raise StorageUnavailable(f"object storage unreachable: {type(exc).__name__}") from exc


class S3Storage:
    name = "s3"

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._versioned: bool | None = None  # asked once, on the first delete or overwrite

    @classmethod
    def from_config(cls, settings: dict[str, Any]) -> S3Storage:
        bucket = str(settings.get("S3_BUCKET") or "")
        if not bucket:
            from likeness.config import ConfigError

            raise ConfigError("STORAGE=s3 needs S3_BUCKET (and usually S3_ENDPOINT_URL).")
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.get("S3_ENDPOINT_URL") or None,
            region_name=settings.get("S3_REGION") or None,
            aws_access_key_id=settings.get("S3_ACCESS_KEY_ID") or None,
            aws_secret_access_key=settings.get("S3_SECRET_ACCESS_KEY") or None,
            # A stalled store must not hang a page or a worker for minutes.
            config=Config(connect_timeout=5, read_timeout=60,
                          retries={"max_attempts": 4, "mode": "standard"},
                          s3={"addressing_style": settings.get("S3_ADDRESSING_STYLE") or "auto"}),
        )
        return cls(client, bucket, str(settings.get("S3_PREFIX") or ""))

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def read(self, key: str) -> bytes:
        with _translated(key):
            response = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
            data: bytes = response["Body"].read()
        return data

    def open(self, key: str) -> BinaryIO:
        # Our objects are photos and documents of tens of MB at most: held in memory,
        # the file is seekable, as Pillow and zipfile need.
        return io.BytesIO(self.read(key))

    def write(self, key: str, data: bytes) -> None:
        name = self._name(key)
        with _translated(key):
            written = self.client.put_object(Bucket=self.bucket, Key=name, Body=data)
            if self.versioned():
                self._delete_versions(name, keep=written.get("VersionId"))

    def exists(self, key: str) -> bool:
        try:
            with _translated(key):
                self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        name = self._name(key)
        with _translated(key):
            if self.versioned():
                self._delete_versions(name)
            else:
                self.client.delete_object(Bucket=self.bucket, Key=name)

    def delete_prefix(self, prefix: str) -> None:
        check_prefix(prefix)
        with _translated(prefix):
            if self.versioned():
                self._delete_versions(self.prefix + prefix, exact=False)
                return
            batch: list[dict[str, str]] = []
            for key in self.keys(prefix):
                batch.append({"Key": self._name(key)})
                if len(batch) == DELETE_BATCH:
                    self._delete_batch(batch)
                    batch = []
            if batch:
                self._delete_batch(batch)

    def keys(self, prefix: str) -> Iterator[str]:
        with _translated(prefix):
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for item in page.get("Contents", []):
                    key = str(item["Key"])[len(self.prefix):]
                    if is_data_key(key):  # the same objects the local store lists
                        yield key

    def move(self, source: str, target: str) -> None:
        with _translated(source):
            self.client.copy_object(Bucket=self.bucket, Key=self._name(target),
                                    CopySource={"Bucket": self.bucket, "Key": self._name(source)})
        self.delete(source)

    def versioned(self) -> bool:
        """Does the bucket keep old versions (versioning enabled, or suspended with
        versions from before)? Asked once."""
        if self._versioned is None:
            with _translated(""):
                status = self.client.get_bucket_versioning(Bucket=self.bucket).get("Status")
            self._versioned = status in {"Enabled", "Suspended"}
        return self._versioned

    def _delete_versions(self, name: str, *, keep: str | None = None, exact: bool = True) -> None:
        """Delete every version (and delete marker) of object `name`, or of every object
        under the prefix `name` when not `exact`; `keep` spares the version just written."""
        batch: list[dict[str, str]] = []
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=name):
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                if (exact and item["Key"] != name) or item["VersionId"] == keep:
                    continue
                batch.append({"Key": item["Key"], "VersionId": item["VersionId"]})
                if len(batch) == DELETE_BATCH:
                    self._delete_batch(batch)
                    batch = []
        if batch:
            self._delete_batch(batch)

    def _delete_batch(self, batch: list[dict[str, str]]) -> None:
        response = self.client.delete_objects(Bucket=self.bucket,
                                              Delete={"Objects": batch, "Quiet": True})
        if response.get("Errors"):  # Quiet mode reports only the objects it could not delete
            codes = sorted({str(error.get("Code")) for error in response["Errors"]})
            raise StorageUnavailable(f"{len(response['Errors'])} objects not deleted: "
                                     + ", ".join(codes))


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
