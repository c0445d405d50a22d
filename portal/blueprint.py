"""The portal's blueprint: pages for photographed people and data subjects (no login; signed
links). Its routes live in `portal.consent`, `portal.requests` and `portal.pages`."""

from flask import Blueprint

blueprint = Blueprint("portal", __name__)
