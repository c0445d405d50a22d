"""One door for biometric data: `likeness.faces.templates` is the only code that drops a
face template, and dropping one always updates the search index and the audit log."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from likeness.faces import crypto, templates
from likeness.library import search
from likeness.models import AuditEvent, Face, FaceIndexChange
from likeness.platform.actor import CLI
from likeness.platform.uow import use_case

ROOT = Path(__file__).resolve().parents[2]
DOOR = ROOT / "likeness" / "faces" / "templates.py"
FIELD = "template_ciphertext"


def _is_nothing(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in (None, b"", "")


def _emptied_here(tree: ast.AST) -> list[int]:
    """Lines that set a face template's ciphertext to nothing: `x.template_ciphertext =
    None` (also in a tuple), `.values(template_ciphertext=None)` or any other keyword,
    `{"template_ciphertext": None}`, and `setattr(x, "template_ciphertext", None)`."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                pairs: list[tuple[ast.AST, ast.AST | None]] = [(target, node.value)]
                if isinstance(target, ast.Tuple):
                    values = (node.value.elts if isinstance(node.value, ast.Tuple)
                              else [None] * len(target.elts))
                    pairs = list(zip(target.elts, values, strict=False))
                lines += [node.lineno for t, v in pairs
                          if isinstance(t, ast.Attribute) and t.attr == FIELD and _is_nothing(v)]
        elif isinstance(node, ast.Call):
            lines += [node.lineno for k in node.keywords
                      if k.arg == FIELD and _is_nothing(k.value)]
            if (isinstance(node.func, ast.Name) and node.func.id == "setattr"
                    and len(node.args) == 3 and isinstance(node.args[1], ast.Constant)
                    and node.args[1].value == FIELD and _is_nothing(node.args[2])):
                lines.append(node.lineno)
        elif isinstance(node, ast.Dict):
            lines += [node.lineno for k, v in zip(node.keys, node.values, strict=True)
                      if isinstance(k, ast.Constant) and k.value == FIELD and _is_nothing(v)]
    return lines


def test_no_code_but_the_door_sets_a_template_ciphertext_to_nothing():
    sources = [p for folder in ("likeness", "admin", "portal", "api")
               for p in (ROOT / folder).rglob("*.py")]
    assert DOOR in sources and len(sources) > 100
    offenders = {str(path.relative_to(ROOT)): lines for path in sources if path != DOOR
                 if (lines := _emptied_here(ast.parse(path.read_text(), str(path))))}
    assert offenders == {}, (
        "Drop templates through likeness.faces.templates.drop (index change log and audit "
        f"included), not by hand: {offenders}")


@pytest.mark.parametrize("code", [
    "face.template_ciphertext = None",
    "face.template_ciphertext, face.template_key_version = None, None",
    "face.template_ciphertext: bytes | None = b''",
    "session.execute(update(Face).values(template_ciphertext=None))",
    "session.execute(update(Face).values({'template_ciphertext': None}))",
    "setattr(face, 'template_ciphertext', None)",
])
def test_the_check_sees_each_way_of_emptying_a_template(code: str):
    assert _emptied_here(ast.parse(code)) == [1]


def test_the_check_leaves_reading_and_encrypting_alone():
    code = ("face.template_ciphertext, face.template_key_version = ring.encrypt(t, face.id)\n"
            "held = face.template_ciphertext is not None\n"
            "query = select(Face).where(Face.template_ciphertext.is_(None))\n")
    assert _emptied_here(ast.parse(code)) == []


@use_case
def _drop(face_ids: list[int], reason: str) -> list[int]:
    from likeness.extensions import db

    faces = [db.session.get(Face, face_id) for face_id in face_ids]
    return templates.drop(faces, reason=reason, actor=CLI, subject="person:7")


@pytest.mark.usefixtures("policy_all")
def test_dropping_a_template_clears_it_updates_the_index_and_is_audited(
    app: Flask, db: Any, upload: Any, librarian: Any
):
    (asset_id,) = upload("obama.jpg")
    face = db.session.scalars(select(Face).where(Face.asset_id == asset_id)).one()
    template = crypto.keyring().decrypt_face(face)
    assert [h.face_id for h in search.search(template, actor=librarian, purpose="test")] \
        == [face.id]

    assert _drop([face.id], "withdrawal") == [face.id]

    db.session.refresh(face)
    assert face.template_ciphertext is None and face.template_key_version is None
    change = db.session.scalars(select(FaceIndexChange)
                                .order_by(FaceIndexChange.version.desc())).first()
    assert change.removed == [face.id]
    assert search.search(template, actor=librarian, purpose="test") == []
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "face.templates_deleted")).one()
    assert event.subject == "person:7" and event.actor == "cli"
    assert event.details == {"count": 1, "reason": "withdrawal"}

    # A face without a template: nothing to drop, nothing logged.
    assert _drop([face.id], "withdrawal") == []
    assert len(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "face.templates_deleted")).all()) == 1
