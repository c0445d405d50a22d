"""The portal: pages for photographed people and data subjects (no login; signed links)."""

from flask import Blueprint

blueprint = Blueprint("portal", __name__)

from portal import views  # noqa: E402,F401  (registers the routes)
