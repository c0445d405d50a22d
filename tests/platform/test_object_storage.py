"""S3-compatible object storage: the same library on the web machine and on a worker machine.

An S3-compatible server (moto's standalone server) runs on loopback for these tests; the
app talks to it through boto3 exactly as it would to AWS, MinIO or Garage.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto.server import ThreadedMotoServer
from PIL import Image
from sqlalchemy import func, select

from likeness.faces import engine
from likeness.library import sharing
from likeness.library import upload as uploads
from likeness.models import Asset, Face, Quitclaim
from likeness.platform.storage import (
    LocalStorage,
    Storage,
    StorageUnavailable,
    asset_key,
    instance_dir,
    storage,
)
from likeness.platform.storage.s3 import S3Storage
from tests.support.helpers import FIXTURES, csrf_token_from, free_port, run_jobs
from tests.support.scenarios import invite_and_open, sign

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = {"S3_ACCESS_KEY_ID": "likeness-test", "S3_SECRET_ACCESS_KEY": "likeness-test",
               "S3_REGION": "eu-west-1", "S3_ADDRESSING_STYLE": "path"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name=CREDENTIALS["S3_REGION"],
                        aws_access_key_id=CREDENTIALS["S3_ACCESS_KEY_ID"],
                        aws_secret_access_key=CREDENTIALS["S3_SECRET_ACCESS_KEY"])


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    name = f"likeness-{uuid.uuid4().hex[:12]}"
    _client(s3_endpoint).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": CREDENTIALS["S3_REGION"]})
    return name


@pytest.fixture
def app_overrides(s3_endpoint: str, bucket: str) -> dict[str, Any]:
    """Every app in this module keeps its files in the bucket, under a prefix."""
    return {"STORAGE": "s3", "S3_BUCKET": bucket, "S3_PREFIX": "library",
            "S3_ENDPOINT_URL": s3_endpoint, **CREDENTIALS}


def _objects(endpoint: str, bucket: str) -> list[str]:
    listed = _client(endpoint).list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


# --- the interface: both backends behave the same --------------------------------------


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path, s3_endpoint: str,
            bucket: str) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "store")
    return S3Storage(_client(s3_endpoint), bucket, prefix="p")


def test_both_backends_store_list_move_and_delete_the_same_way(backend: Storage):
    backend.write("assets/ab/one.jpg", b"first")
    backend.write("assets/ab/one.jpg", b"second")  # replaced whole
    backend.write("assets/cd/two.jpg", b"two")
    backend.write("renditions/7/thumb.jpg", b"t")

    assert backend.read("assets/ab/one.jpg") == b"second"
    with backend.open("assets/cd/two.jpg") as handle:
        assert handle.read() == b"two"
    assert backend.exists("assets/cd/two.jpg") and not backend.exists("assets/cd/none.jpg")
    assert sorted(backend.keys("assets/")) == ["assets/ab/one.jpg", "assets/cd/two.jpg"]

    backend.move("assets/cd/two.jpg", "pre-restore-t1/assets/cd/two.jpg")
    assert not backend.exists("assets/cd/two.jpg")
    assert backend.read("pre-restore-t1/assets/cd/two.jpg") == b"two"

    backend.delete_prefix("renditions/7/")
    backend.delete("assets/ab/one.jpg")
    backend.delete("assets/ab/never-there.jpg")  # not an error
    assert list(backend.keys("renditions/")) == [] and list(backend.keys("assets/")) == []
    with pytest.raises(FileNotFoundError):
        backend.read("assets/ab/one.jpg")


@pytest.mark.parametrize("key", ["../outside.jpg", "/etc/passwd", "assets//x.jpg",
                                 "assets/../../x", "assets\\x.jpg", ""])
def test_keys_that_could_reach_outside_the_store_are_refused(backend: Storage, key: str):
    with pytest.raises(ValueError):
        backend.write(key, b"x")


# --- the app on object storage ------------------------------------------------------


def test_photos_renditions_and_the_share_link_live_in_the_bucket(
    app: Flask, client: FlaskClient, db: Any, librarian: Any, upload: Any, s3_endpoint: str,
    bucket: str,
):
    (asset_id,) = upload("two_people.jpg")  # stored, then indexed by a worker
    asset = db.session.get(Asset, asset_id)
    assert len(db.session.scalars(select(Face).where(Face.asset_id == asset.id)).all()) == 2
    assert f"library/{asset_key(asset.sha256)}" in _objects(s3_endpoint, bucket)
    assert not (Path(app.config["INSTANCE_PATH"]) / "assets").exists()  # nothing local

    _link, token = sharing.create([asset.id], channel="website", recipient_name="Press",
                                  recipient_email=None, actor=librarian)
    shown = client.get(f"/s/{token}/{asset.id}.jpg")
    assert shown.status_code == 200
    with Image.open(io.BytesIO(shown.data)) as rendition:
        assert engine.detect(np.asarray(rendition.convert("RGB")), upsample=1) == []
    renditions = [k for k in _objects(s3_endpoint, bucket)
                  if k.startswith(f"library/renditions/{asset.id}/")]
    assert len(renditions) == 1


def test_a_worker_on_another_machine_indexes_what_the_web_process_stored(
    tmp_path: Path, redis_url: str, smtp_server: Any, app_overrides: dict[str, Any],
    s3_endpoint: str, bucket: str,
):
    """The web process stores the upload; a worker with an instance folder of its own
    (another machine: it shares only the database, Redis, the keys and the bucket)
    finds both faces in it."""
    from flask_migrate import upgrade

    from likeness.app import create_app
    from likeness.extensions import db as _db
    from likeness.staff import accounts
    from tests.conftest import make_config

    database = f"sqlite:///{tmp_path / 'shared.db'}"
    config = {**make_config(tmp_path / "web", database, redis_url, smtp_server[0]),
              **app_overrides}
    web = create_app(config)
    with web.app_context():
        upgrade()
        staff, _ = accounts.create_staff("lib@example.org", "librarian",
                                         password="correct horse 42")
        result = uploads.add_photo((FIXTURES / "two_people.jpg").read_bytes(), "two.jpg",
                                   actor=staff)
        assert result.ok, result.error
        asset_id = result.asset_id
        _db.session.remove()
        _db.engine.dispose()

    worker_instance = tmp_path / "worker-machine"
    env = {**os.environ, "FLASK_APP": "wsgi:app", "LIKENESS_ENV": "testing",
           "LIKENESS_INSTANCE": str(worker_instance), "DATABASE_URL": database,
           "REDIS_URL": redis_url, "RQ_QUEUE": config["RQ_QUEUE"],
           "FACE_KEY_FILE": config["FACE_KEY_FILE"],
           **{k: str(v) for k, v in app_overrides.items()}}
    done = subprocess.run([sys.executable, "-m", "flask", "worker", "--burst"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr

    with web.app_context():
        asset = _db.session.get(Asset, asset_id)
        assert asset.status == "indexed"
        assert len(_db.session.scalars(select(Face).where(Face.asset_id == asset_id)).all()) == 2
        _db.session.remove()
        _db.engine.dispose()
    assert not (worker_instance / "assets").exists()
    assert not (tmp_path / "web" / "instance" / "assets").exists()


def test_a_backup_holds_the_bucket_and_a_restore_puts_it_back(
    app: Flask, db: Any, upload: Any, tmp_path: Path, s3_endpoint: str, bucket: str,
):
    (asset_id,) = upload("obama.jpg")
    key = asset_key(db.session.get(Asset, asset_id).sha256)
    archive = tmp_path / "backup.tar.gz"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", "--output", str(archive)]).exit_code == 0

    storage().delete(key)  # lost after the backup
    storage().write("assets/zz/stray.jpg", b"not in the backup")
    restored = runner.invoke(args=["restore", "--yes", str(archive)])
    assert restored.exit_code == 0, restored.output

    objects = _objects(s3_endpoint, bucket)
    assert f"library/{key}" in objects
    assert "library/assets/zz/stray.jpg" not in objects
    assert not any(k.startswith("library/pre-restore-") for k in objects)  # aside: gone


def test_healthz_reports_the_object_store(client: FlaskClient):
    body = client.get("/healthz").get_json()
    assert body["checks"]["storage"] is True


def test_on_a_versioned_bucket_deleted_and_overwritten_objects_leave_no_old_version(
    s3_endpoint: str, bucket: str,
):
    # An erased photo must not survive as an old version of its object.
    client = _client(s3_endpoint)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    store = S3Storage(client, bucket, prefix="p")

    def versions(name: str) -> list[str]:
        listed = client.list_object_versions(Bucket=bucket, Prefix=name)
        return [v["VersionId"] for v in listed.get("Versions", []) + listed.get(
            "DeleteMarkers", []) if v["Key"] == name]

    store.write("assets/ab/face.jpg", b"the unblurred original")
    store.write("assets/ab/face.jpg", b"the blurred copy")
    assert len(versions("p/assets/ab/face.jpg")) == 1
    assert store.read("assets/ab/face.jpg") == b"the blurred copy"

    store.delete("assets/ab/face.jpg")
    store.write("renditions/7/a.jpg", b"a")
    store.write("renditions/7/b.jpg", b"b")
    store.write("renditions/7/b.jpg", b"b again")
    store.delete_prefix("renditions/7/")
    assert versions("p/assets/ab/face.jpg") == []
    assert versions("p/renditions/7/a.jpg") == [] and versions("p/renditions/7/b.jpg") == []


def test_a_store_that_refuses_answers_503_and_saves_nothing(
    app: Flask, client: FlaskClient, db: Any, upload: Any, logged_in: Any,
    s3_endpoint: str, bucket: str,
):
    (asset_id,) = upload("obama.jpg")
    logged_in("librarian")
    s3 = _client(s3_endpoint)  # the bucket is gone (deleted, or a wrong name configured)
    for key in _objects(s3_endpoint, bucket):
        s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_bucket(Bucket=bucket)

    page = client.get(f"/admin/assets/{asset_id}/preview.jpg")
    assert page.status_code == 503
    assert "Temporarily unavailable" in page.get_data(as_text=True)
    with pytest.raises(StorageUnavailable):
        storage().read(asset_key(db.session.get(Asset, asset_id).sha256))
    refused = client.post("/admin/library/upload", data={
        "csrf_token": csrf_token_from(client.get("/admin/library/upload").get_data(as_text=True)),
        "files": [(io.BytesIO((FIXTURES / "biden.jpg").read_bytes()), "biden.jpg")]},
        content_type="multipart/form-data")
    assert refused.status_code == 503
    assert db.session.scalar(select(func.count(Asset.id))) == 1  # no row without its file


def test_the_signed_quitclaim_is_emailed_from_the_bucket(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any,
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    assert sign(client, path, channels=["website"], face_recognition="allow").status_code == 302
    run_jobs()  # render the PDF into the bucket, then email it
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    assert not (instance_dir() / quitclaim.pdf_path).exists()  # nothing kept locally
    (confirmation,) = [m for m in mailbox.to("barack@example.org")
                       if "signed quitclaim" in m["Subject"]]
    (attachment,) = [p for p in confirmation.walk() if p.get_filename()]
    assert attachment.get_payload(decode=True) == storage().read(quitclaim.pdf_path)
    assert attachment.get_filename().endswith(".pdf")
