"""Sending a stored object (a rendition, a PDF, an export) as a response."""

from __future__ import annotations

import logging
import posixpath

from flask import abort, send_file
from werkzeug.wrappers import Response

from likeness.platform.storage import NotAStorageKey, storage

log = logging.getLogger(__name__)


def send_stored(key: str, mimetype: str, *, download_name: str | None = None) -> Response:
    """The object as the response body; `download_name` makes it an attachment.

    An object that is gone (removed by retention while the page was open) is a 404, and
    so is a key outside the data folders (a row pointing at a key file, say)."""
    try:
        handle = storage().open(key)
    except NotAStorageKey:
        log.warning("refused to serve a stored file: its key is not in a data folder")
        abort(404)
    except FileNotFoundError:
        abort(404)
    return send_file(handle, mimetype=mimetype, as_attachment=download_name is not None,
                     download_name=download_name or posixpath.basename(key),
                     max_age=0, conditional=False)
