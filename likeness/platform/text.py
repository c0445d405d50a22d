"""Checks on free text typed by people."""

from __future__ import annotations

import unicodedata

# Line and paragraph separators count as line breaks too: a name is one line.
_LINE_BREAKS = {"\n", "\r", "\u2028", "\u2029", "\x85"}


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """True if `value` holds control or format characters (a name with line breaks,
    escape codes, bidi overrides); `multiline` text may hold line breaks and tabs."""
    for char in value:
        if multiline and char in {"\n", "\r", "\t"}:
            continue
        if char in _LINE_BREAKS or unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"}:
            return True
    return False
