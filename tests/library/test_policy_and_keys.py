"""Template policy `off`, key rotation, the search index across processes, CLI tools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from sqlalchemy import func, select, update

from likeness.faces import crypto, index
from likeness.library import policy_settings, search, tagging
from likeness.models import AuditEvent, Face, FaceIndexState
from likeness.platform.actor import CLI
from tests.support.helpers import FIXTURES, positive_dpia_version, run_jobs

# These tests are about the index and suggestions: every face holds a template.
pytestmark = [pytest.mark.usefixtures("policy_all"), pytest.mark.shared_app]


def template_count(db: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(Face)
                             .where(Face.template_ciphertext.is_not(None)))


def test_policy_off_detects_boxes_but_keeps_no_template(app: Flask, db: Any, upload: Any,
                                                        librarian: Any):
    policy_settings.set_template_policy("off", actor=librarian)
    (asset_id,) = upload("two_people.jpg")
    faces = db.session.scalars(select(Face).where(Face.asset_id == asset_id)).all()
    assert len(faces) == 2
    assert template_count(db) == 0
    assert tagging.suggest([f.id for f in faces], actor=librarian) == {}


def test_switching_to_off_purges_every_template(app: Flask, db: Any, upload: Any):
    upload("two_people.jpg", "obama.jpg")
    assert template_count(db) == 3
    result = app.test_cli_runner().invoke(args=["template-policy", "off"])
    assert result.exit_code == 0, result.output
    assert "3 template(s) purged" in result.output
    assert template_count(db) == 0
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "setting.template_policy_changed")
        .order_by(AuditEvent.id.desc())).first()
    assert event.details["to"] == "off" and event.details["templates_purged"] == 3
    # The in-memory index follows: nothing can be found any more.
    probe = np.zeros(128, np.float32)
    assert search.search(probe, actor=CLI, purpose="test", max_distance=10.0) == []


def test_a_face_too_small_to_encode_keeps_its_box_but_never_gets_a_template(
    app: Flask, db: Any, upload: Any, librarian: Any,
):
    policy_settings.set_template_policy("off", actor=librarian)
    (asset_id,) = upload("obama.jpg")
    # A 20 px face in a crowd: detected and blurred, but a template of it is unreliable.
    db.session.add(Face(asset_id=asset_id, top=5, right=25, bottom=25, left=5))
    db.session.commit()
    policy_settings.set_template_policy("all", actor=CLI, legal_basis="Test: a legal basis",
                                 dpia_reference="DPIA-TEST-2",
                                 dpia_version_id=positive_dpia_version())
    run_jobs()  # the policy job makes the templates the policy asks for
    sizes = {(f.right - f.left): f.template_ciphertext is not None
             for f in db.session.scalars(select(Face).where(Face.asset_id == asset_id))}
    assert sizes[20] is False
    assert [has for width, has in sizes.items() if width != 20] == [True]  # Obama's face


def test_rotate_face_key_reencrypts_every_template(app: Flask, db: Any, upload: Any):
    upload("two_people.jpg")
    before = {f.id: (bytes(f.template_ciphertext), crypto.keyring().decrypt_face(f))
              for f in db.session.scalars(select(Face))}
    result = app.test_cli_runner().invoke(args=["rotate-face-key"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 2 template(s) under key version 2" in result.output
    db.session.expire_all()
    ring = crypto.keyring()
    for face in db.session.scalars(select(Face)):
        old_blob, old_template = before[face.id]
        assert face.template_key_version == 2
        assert bytes(face.template_ciphertext) != old_blob
        assert np.allclose(ring.decrypt_face(face), old_template)


def test_another_process_changing_templates_makes_this_index_rebuild(
    app: Flask, db: Any, upload: Any, librarian: Any
):
    (obama,) = upload("obama.jpg")
    (face,) = db.session.scalars(select(Face).where(Face.asset_id == obama)).all()
    template = crypto.keyring().decrypt_face(face)
    assert [h.face_id for h in search.search(template, actor=CLI, purpose="t")] == [face.id]

    # Another process purges the template: it bumps the counter in the database only.
    face.template_ciphertext = None
    face.template_key_version = None
    index.record_bulk_change()
    db.session.commit()
    assert search.search(template, actor=CLI, purpose="t") == []


def test_index_is_updated_incrementally_without_a_rebuild(app: Flask, db: Any, upload: Any):
    upload("obama.jpg")
    face_index, _ = index.current_index()
    upload("obama2.jpg")  # indexing in this process applies its change in place
    same_index, decrypted = index.current_index()
    assert same_index is face_index and decrypted == 0
    assert len(same_index) == 2


def test_after_a_restore_jumped_the_counter_the_index_rebuilds(app: Flask, db: Any,
                                                              upload: Any):
    # A restore sets the counter to a new random value far ahead (library/restore.py):
    # no change log spans that, so a process still holding an index rebuilds it.
    upload("obama.jpg", "two_people.jpg")
    face_index, _ = index.current_index()
    db.session.execute(update(FaceIndexState).values(version=1_500_000_000))
    db.session.commit()
    rebuilt, decrypted = index.current_index()
    assert decrypted == 3 and len(rebuilt) == 3
    assert index.current_index()[1] == 0  # and it is current now


def test_another_process_applies_the_logged_changes_instead_of_rebuilding(
        app: Flask, db: Any, upload: Any, librarian: Any, tmp_path: Path, redis_url: str,
        smtp_server: Any):
    """Issue 10, item 5: a process that sees another one changed templates decrypts only
    what changed; after a wholesale change it rebuilds."""
    from likeness.app import create_app
    from tests.conftest import make_config

    (obama,) = upload("obama.jpg")
    other = create_app({**make_config(tmp_path / "other", app.config["SQLALCHEMY_DATABASE_URI"],
                                      redis_url, smtp_server[0]),
                        "FACE_KEY_FILE": app.config["FACE_KEY_FILE"]})
    with other.app_context():
        theirs, decrypted = index.current_index()
        assert decrypted == 1 and len(theirs) == 1

    biden, group = upload("biden.jpg", "two_people.jpg")  # three templates, made here
    with other.app_context():
        same, decrypted = index.current_index()
        assert same is theirs and decrypted == 3 and len(same) == 4
        biden_face = db.session.scalars(select(Face).where(Face.asset_id == biden)).one()
        assert biden_face.id in set(same.ids.tolist())

    tagging.mark_not_a_face(biden_face.id, actor=librarian)  # its template is dropped
    with other.app_context():
        same, decrypted = index.current_index()
        assert decrypted == 0 and biden_face.id not in set(same.ids.tolist())
        assert len(same) == 3

    index.record_bulk_change()  # a wholesale change has no log entry: rebuild
    db.session.commit()
    with other.app_context():
        rebuilt, decrypted = index.current_index()
        assert decrypted == 3 and sorted(rebuilt.ids.tolist()) == sorted(same.ids.tolist())
    assert obama and group


def test_find_face_prints_matching_assets_nearest_first(app: Flask, db: Any, upload: Any):
    upload("obama.jpg", "biden.jpg", "obama3.jpg", "two_people.jpg")
    result = app.test_cli_runner().invoke(args=["find-face", str(FIXTURES / "obama2.jpg")])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()[1:]
    names = [line.split()[-1] for line in lines]
    distances = [float(line.split()[1]) for line in lines]
    assert set(names) == {"obama.jpg", "obama3.jpg", "two_people.jpg"}
    assert distances == sorted(distances)
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "face.searched", AuditEvent.actor == "cli")).first()


def test_find_face_without_a_face_says_so(app: Flask, db: Any, tmp_path: Path):
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), "white").save(blank)
    result = app.test_cli_runner().invoke(args=["find-face", str(blank)])
    assert result.exit_code != 0
    assert "No face was found" in result.output


def test_import_photos_reports_each_file(app: Flask, db: Any, tmp_path: Path):
    folder = tmp_path / "shoot"
    folder.mkdir()
    for name in ("obama.jpg", "biden.jpg"):
        (folder / name).write_bytes((FIXTURES / name).read_bytes())
    (folder / "broken.jpg").write_bytes(b"not an image")
    (folder / "readme.txt").write_text("ignored")
    result = app.test_cli_runner().invoke(args=["import-photos", str(folder),
                                                "--collection", "Shoot"])
    assert "2 added, 0 already in the library, 1 refused." in result.output
    assert "broken.jpg: This is not a photo we accept" in result.output
    assert result.exit_code == 1
