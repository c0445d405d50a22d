"""MACs on face-search messages: a query or reply that Redis did not get from us is refused.

Whoever can write to Redis could push a reply onto a search's reply key (the asker
would show the faces it names as matches), push queries, or replay an old reply. So
every query and reply carries an HMAC-SHA256 under a key derived from the face keys
(which web processes and workers hold, and Redis does not), over its whole content and
its kind. A reply is bound to its query's id and expiry: a reply made for another
query, or one that arrives after the query expired, is refused like a forged one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from likeness.errors import TemplateKeyError
from likeness.faces.crypto import keyring

_PURPOSE = b"face-search-mac"


def seal(kind: str, message: dict[str, Any]) -> str:
    """`message` as JSON with the MAC of `kind` + its content."""
    ring = keyring()
    version = ring.current_version
    body = {**message, "mac_version": version}
    return json.dumps({**body, "mac": _mac(kind, body, version)})


def unseal(kind: str, raw: bytes | str) -> dict[str, Any] | None:
    """The message if its MAC holds for `kind`; None if it is forged, damaged or not ours."""
    try:
        message = json.loads(raw)
        mac = message.pop("mac")
        expected = _mac(kind, message, int(message["mac_version"]))
    except (ValueError, TypeError, KeyError, AttributeError, TemplateKeyError):
        return None
    if not isinstance(mac, str) or not hmac.compare_digest(mac, expected):
        return None
    return dict(message)


def reply_for(query: dict[str, Any], raw: bytes | str) -> dict[str, Any] | None:
    """The reply if it is sealed by us, for this very query, and the query has not expired."""
    reply = unseal("reply", raw)
    if (reply is None or reply.get("id") != query["id"]
            or reply.get("expires") != query["expires"] or query["expires"] < time.time()):
        return None
    return reply


def _mac(kind: str, body: dict[str, Any], version: int) -> str:
    key = keyring().derived_key(version, _PURPOSE)
    content = kind.encode() + b"\n" + json.dumps(body, sort_keys=True,
                                                  separators=(",", ":")).encode()
    return hmac.new(key, content, hashlib.sha256).hexdigest()
