"""The Dutch catalogue covers every user-facing string (a Dutch visitor sees no English)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

CATALOGUE = (Path(__file__).resolve().parents[2]
             / "likeness/translations/nl/LC_MESSAGES/messages.po")
ROOT = CATALOGUE.parents[4]


def test_every_message_has_a_dutch_translation_that_is_not_fuzzy():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    missing = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy or (
        isinstance(m.string, tuple) and not all(m.string)))]
    assert missing == []


def test_every_string_in_the_code_is_in_the_catalogue():
    """Extract from the source as `make update-translations` does, and compare."""
    method_map = [("likeness/**.py", "python"), ("portal/**.py", "python"),
                  ("admin/**.py", "python"), ("templates/**.html", "jinja2"),
                  ("templates/**.txt", "jinja2")]
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=keywords)
    }
    with CATALOGUE.open("rb") as handle:
        catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert sorted(found - catalogue) == [], "run `make update-translations` and translate"
