"""Shared lookups for admin views: parse a person choice, answer JSON or HTML."""

from __future__ import annotations

import re

from flask import request

_PERSON_CHOICE = re.compile(r"\(#(\d+)\)\s*$")


def person_choice(text: str) -> tuple[int | None, str]:
    """`"Jan Jansen (#12)"` (picked from the list) -> (12, "Jan Jansen"); else (None, text)."""
    text = text.strip()
    match = _PERSON_CHOICE.search(text)
    if match:
        return int(match.group(1)), text[: match.start()].strip()
    return None, text


def person_label(person_id: int, name: str) -> str:
    return f"{name} (#{person_id})"


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"
