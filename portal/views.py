from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from portal import blueprint


@blueprint.get("/")
def home() -> ResponseReturnValue:
    return render_template("portal/home.html")


@blueprint.get("/quitclaim")
def quitclaim_info() -> ResponseReturnValue:
    return render_template("portal/quitclaim_info.html")


@blueprint.get("/consent")
def manage_consent() -> ResponseReturnValue:
    return render_template("portal/consent_info.html")


@blueprint.get("/request")
def new_request() -> ResponseReturnValue:
    return render_template("portal/request_info.html")
