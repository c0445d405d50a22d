"""Registering photos over the API: by upload or by URL on an allow-listed host (no
redirects followed), through the staff pipeline; reading them back with faces and
consent."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from likeness.integrations import keys
from likeness.models import Asset, AuditEvent
from likeness.platform.actor import CLI
from tests.support.helpers import FIXTURES, run_jobs

# Many short tests share one app; for the whole module a 1 MB limit (the fixture photos
# are smaller; tests/conftest.py `app`).
pytestmark = pytest.mark.shared_app(MAX_UPLOAD_FILE_BYTES=1024 * 1024)


class PhotoServer(BaseHTTPRequestHandler):
    """The image bank's file server on loopback: /<fixture name>, /moved (a redirect to
    a real photo), /big (an endless body)."""

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/obama.jpg")
            self.end_headers()
            return
        if self.path == "/big":
            self.send_response(200)
            self.end_headers()
            for _ in range(200):
                self.wfile.write(b"\xff" * 65536)
            return
        path = FIXTURES / self.path.lstrip("/")
        if "/" in self.path.lstrip("/") or not path.is_file():
            self.send_response(404)
            self.end_headers()
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def photo_server(integration: Any) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), PhotoServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host = f"127.0.0.1:{server.server_address[1]}"
    keys.set_allowed_hosts(integration.id, [host], actor=CLI)
    yield f"http://{host}"
    server.shutdown()
    server.server_close()


def _put(client: FlaskClient, bearer: dict[str, str], external_id: str, *,
         photo: str | None = None, content: bytes | None = None, **fields: str) -> Any:
    data: dict[str, Any] = dict(fields)
    if photo is not None or content is not None:
        data["file"] = (io.BytesIO(content if content is not None
                                   else (FIXTURES / str(photo)).read_bytes()), photo or "x.jpg")
    return client.put(f"/api/v1/assets/{external_id}", headers=bearer, data=data,
                      content_type="multipart/form-data")


def _assets(db: Any) -> int:
    return db.session.scalar(select(func.count(Asset.id)))


def test_an_uploaded_photo_is_indexed_and_read_back_with_its_faces(client, bearer, db):
    response = _put(client, bearer, "IMG-1", photo="two_people.jpg", collection="Open day",
                    photographer="P. Hotographer", captured_at="2026-05-01T10:00:00+02:00")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["status"] == "pending"
    run_jobs()
    body = client.get("/api/v1/assets/IMG-1", headers=bearer).get_json()
    assert body["status"] == "indexed" and len(body["faces"]) == 2
    assert body["collection"] == "Open day" and body["photographer"] == "P. Hotographer"
    assert body["captured_at"].startswith("2026-05-01T08:00:00")
    for face in body["faces"]:
        assert face["person_ref"] is None and set(face["consent"].values()) == {"red"}
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "api.asset_registered")).one().actor.startswith("apikey:")


def test_the_same_photo_again_is_200_and_another_photo_under_the_id_is_409(client, bearer, db):
    assert _put(client, bearer, "IMG-1", photo="obama.jpg").status_code == 201
    assert _put(client, bearer, "IMG-1", photo="obama.jpg").status_code == 200
    before = _assets(db)
    conflict = _put(client, bearer, "IMG-1", photo="biden.jpg")
    assert conflict.status_code == 409
    assert conflict.mimetype == "application/problem+json"
    assert _assets(db) == before  # no photo left behind


def test_a_file_that_is_not_a_photo_is_422_and_stores_nothing(client, bearer, db):
    response = _put(client, bearer, "DOC", content=b"%PDF-1.4 not a photo")
    assert response.status_code == 422 and response.get_json()["errors"]["file"]
    assert _assets(db) == 0


@pytest.mark.parametrize("fields", [{}, {"url": "http://images.example.org/a.jpg",
                                          "photo": "obama.jpg"}])
def test_either_a_file_or_a_url(client, bearer, fields):
    response = _put(client, bearer, "X", **fields)
    assert response.status_code == 400 and "either a file or a url" in response.get_json()[
        "detail"]


@pytest.mark.parametrize("fields", [{"captured_at": "yesterday"}, {"collection": "x" * 201},
                                    {"photographer": "p" * 201}])
def test_bad_facts_are_422(client, bearer, fields):
    response = _put(client, bearer, "X", photo="obama.jpg", **fields)
    assert response.status_code == 422 and response.get_json()["errors"]["multipart"]


def test_an_external_id_too_long_is_refused(client, bearer):
    assert _put(client, bearer, "x" * 201, photo="obama.jpg").status_code == 400


def test_registering_needs_the_write_scope(client, make_key):
    headers = {"Authorization": f"Bearer {make_key(['assets:read'])}"}
    assert _put(client, headers, "IMG-1", photo="obama.jpg").status_code == 403


def test_an_unknown_asset_is_404(client, bearer):
    assert client.get("/api/v1/assets/NOPE", headers=bearer).status_code == 404


def test_a_photo_over_the_size_limit_is_413(client, bearer, db):
    response = _put(client, bearer, "BIG", content=b"\xff" * (1024 * 1024 + 10))
    assert response.status_code == 413 and _assets(db) == 0
    huge = _put(client, bearer, "HUGE", content=b"\xff" * (3 * 1024 * 1024))
    assert huge.status_code == 413
    assert huge.mimetype == "application/problem+json"


# --- by URL ---------------------------------------------------------------------------


def test_a_photo_fetched_from_an_allowed_host_goes_through_the_same_pipeline(
        client, bearer, photo_server):
    response = _put(client, bearer, "IMG-9", url=f"{photo_server}/obama.jpg")
    assert response.status_code == 201, response.get_data(as_text=True)
    run_jobs()
    body = client.get("/api/v1/assets/IMG-9", headers=bearer).get_json()
    assert body["status"] == "indexed" and len(body["faces"]) == 1


@pytest.mark.parametrize("url, status, words", [
    ("http://localhost:1/obama.jpg", 400, "not an allowed host"),
    ("file:///etc/passwd", 400, "Only http and https"),
    ("http://user:pw@{host}/obama.jpg", 400, "user name or password"),
    ("{server}/moved", 400, "redirects are not followed"),
    ("{server}/missing.jpg", 502, "answered 404"),
    ("{server}/big", 413, "larger than"),
])
def test_a_url_is_fetched_only_from_an_allowed_host_without_redirects(
        client, bearer, photo_server, db, url, status, words):
    url = url.format(server=photo_server, host=photo_server.removeprefix("http://"))
    response = _put(client, bearer, "IMG-9", url=url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert words in response.get_json()["detail"]
    assert _assets(db) == 0


def test_control_characters_in_ids_and_facts_are_refused(client, bearer, db):
    # PostgreSQL cannot store NUL at all; names and ids are one line of plain text.
    assert client.get("/api/v1/assets/A%00B/permissions?channel=website",
                      headers=bearer).status_code == 400
    response = _put(client, bearer, "IMG-1", photo="obama.jpg", photographer="P\x00")
    assert response.status_code == 422 and _assets(db) == 0
    bulk = client.post("/api/v1/permissions:query", headers=bearer,
                       json={"external_ids": ["A\x00"], "channels": ["website"]})
    assert bulk.status_code == 422
