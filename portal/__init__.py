"""The portal: pages for photographed people and data subjects (no login; signed links)."""

from portal import consent, pages, requests  # noqa: E402,F401  (registers the routes)
from portal.blueprint import blueprint  # noqa: F401  (what the app factory registers)
