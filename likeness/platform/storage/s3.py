"""S3-compatible object storage (AWS S3, MinIO, Ceph, Garage, …) through boto3.

Objects live in `S3_BUCKET` under `S3_PREFIX`; credentials come from the settings (or,
when those are empty, from boto3's own chain: environment, instance role). A PUT is
atomic by nature, so a reader never sees half an object.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from likeness.platform.storage.base import check_key

_MISSING = {"NoSuchKey", "404", "NotFound"}
DELETE_BATCH = 1000  # the most keys one DeleteObjects call takes


class S3Storage:
    name = "s3"

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

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
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise FileNotFoundError(key) from exc
            raise
        data: bytes = response["Body"].read()
        return data

    def open(self, key: str) -> BinaryIO:
        # Our objects are photos and documents of tens of MB at most: held in memory,
        # the file is seekable, as Pillow and zipfile need.
        return io.BytesIO(self.read(key))

    def write(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data)

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def delete_prefix(self, prefix: str) -> None:
        batch: list[dict[str, str]] = []
        for key in self.keys(prefix):
            batch.append({"Key": self._name(key)})
            if len(batch) == DELETE_BATCH:
                self._delete_batch(batch)
                batch = []
        if batch:
            self._delete_batch(batch)

    def _delete_batch(self, batch: list[dict[str, str]]) -> None:
        self.client.delete_objects(Bucket=self.bucket,
                                   Delete={"Objects": batch, "Quiet": True})

    def keys(self, prefix: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            for item in page.get("Contents", []):
                yield str(item["Key"])[len(self.prefix):]

    def move(self, source: str, target: str) -> None:
        self.client.copy_object(Bucket=self.bucket, Key=self._name(target),
                                CopySource={"Bucket": self.bucket, "Key": self._name(source)})
        self.delete(source)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
