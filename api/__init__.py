"""The image-bank API, /api/v1 (see docs/api.md); keys, scopes and errors in `api.access`."""

from api import (  # noqa: E402,F401  (registers the routes)
    asset_views,
    people_views,
    views,
    webhook_views,
)
from api.access import blueprint  # noqa: F401  (what the app factory registers)
