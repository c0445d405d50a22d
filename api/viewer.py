"""A self-hosted viewer of the OpenAPI document at /api/v1/docs (nothing from a CDN):
a page and a small script that render the document the app serves."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

blueprint = Blueprint("api_viewer", __name__)


@blueprint.get("/docs")
def docs() -> ResponseReturnValue:
    return render_template("api/docs.html")
