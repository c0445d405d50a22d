"""JSON-lines ledger files that older versions appended in the instance folder.

Erasures and withdrawals now go to the shared ledger (`likeness.platform.shared_ledger`);
a restore still reads these files and copies their entries there, so an installation
upgraded from a version that kept them loses nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def read(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open() as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)
