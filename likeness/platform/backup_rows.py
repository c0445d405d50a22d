"""Rows in a backup: JSON lines, with bytes, datetimes and dates tagged."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any


def lines(path: Path) -> Iterator[str]:
    if not path.exists():
        return
    with path.open() as handle:
        for line in handle:
            if line.strip():
                yield line


def encode_row(row: Any) -> dict[str, Any]:
    return {key: _encode(value) for key, value in row.items()}


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def decode_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _decode(value) for key, value in row.items()}


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "$b64":
            return base64.b64decode(raw)
        if tag == "$datetime":
            return datetime.fromisoformat(raw)
        if tag == "$date":
            return date.fromisoformat(raw)
    return value
