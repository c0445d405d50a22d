"""Every audit action the code records has a label in words for the audit log, so a new
action cannot reach the privacy officer as a bare code. The actions are read from the
source: each `audit.record(...)` (and `record(...)` inside the audit module) and each
`audit.Entry(action=...)`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

from flask import Flask
from flask_babel import force_locale

from likeness.models import MatchDecision, RequestType
from likeness.web.audit_labels import AUDIT_LOG_LABELS, audit_log_label

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("likeness", "admin", "portal", "api")

# Actions built from a value: the pattern as written in the code, and the values it takes.
# A new f-string action fails the test below until it is listed here.
DYNAMIC: dict[str, type[StrEnum]] = {
    "request.{}_performed": RequestType,
    "request.match_{}": MatchDecision,
}


def _constants(module: ast.Module) -> dict[str, str]:
    return {target.id: node.value.value for node in module.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            for target in node.targets if isinstance(target, ast.Name)}


def _actions(node: ast.expr, constants: dict[str, str], where: str) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _actions(node.body, constants, where)
        yield from _actions(node.orelse, constants, where)
    elif isinstance(node, ast.Name) and node.id in constants:
        yield constants[node.id]
    elif isinstance(node, ast.JoinedStr):
        pattern = "".join(part.value if isinstance(part, ast.Constant) else "{}"
                          for part in node.values)
        assert pattern in DYNAMIC, f"{where}: list the values of {pattern!r} in DYNAMIC"
        yield from (pattern.format(value) for value in DYNAMIC[pattern])
    else:
        raise AssertionError(f"{where}: an audit action this test cannot read: "
                             f"{ast.unparse(node)}")


def _action_argument(call: ast.Call, in_audit_module: bool) -> ast.expr | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    owner = func.value.id if (isinstance(func, ast.Attribute)
                              and isinstance(func.value, ast.Name)) else None
    if name == "record" and (owner == "audit" or (owner is None and in_audit_module)):
        return call.args[0] if call.args else None
    if name == "Entry" and owner == "audit":
        return next((k.value for k in call.keywords if k.arg == "action"), None)
    return None


def recorded_actions() -> dict[str, str]:
    """Every action recorded anywhere in the code, with one place that records it."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ast.parse(path.read_text(), filename=str(path))
            constants = _constants(module)
            in_audit_module = path == ROOT / "likeness" / "platform" / "audit.py"
            for node in ast.walk(module):
                if not isinstance(node, ast.Call):
                    continue
                argument = _action_argument(node, in_audit_module)
                if argument is None:
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                for action in _actions(argument, constants, where):
                    found.setdefault(action, where)
    return found


def test_every_recorded_audit_action_has_a_label():
    actions = recorded_actions()
    assert len(actions) > 150  # the reader still finds the calls
    assert {"face.tagged", "retention.purged", "api.called", "audit.reanchored",
            "face.templates_deleted", "request.erasure_performed"} <= set(actions)
    missing = {action: where for action, where in actions.items()
               if action not in AUDIT_LOG_LABELS}
    assert missing == {}, "give these audit actions a label in likeness/web/audit_labels.py"


def test_labels_are_in_both_languages_and_an_unknown_code_stays_a_code(app: Flask):
    with app.test_request_context(), force_locale("en"):
        assert audit_log_label("face.tagged") == "Face tagged"
        assert audit_log_label("retention.purged") == "Deleted by the retention schedule"
        assert audit_log_label("something.new") == "something.new"
    with app.test_request_context(), force_locale("nl"):
        assert audit_log_label("face.tagged") == "Gezicht getagd"
        assert audit_log_label("hold.placed") == "Bewaarplicht ingesteld"
