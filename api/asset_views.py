"""Registering photos under the image bank's ids, and reading them back."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from api.access import blueprint, integration_id, key_actor, requires_scope
from api.schemas import AssetForm, AssetSchema, ChannelQuery
from likeness.errors import InvalidInput
from likeness.integrations import assets, fetch, keys, permissions, renditions, xmp
from likeness.models import Scope
from likeness.web.stored_files import send_stored

XMP_TYPE = "application/rdf+xml"


@blueprint.route("/assets/<string:external_id>", methods=["PUT"])
@requires_scope(Scope.ASSETS_WRITE)
@blueprint.arguments(AssetForm, location="multipart")
@blueprint.response(200, AssetSchema, description="The photo was registered already.")
@blueprint.alt_response(201, schema=AssetSchema, description="The photo is registered.")
def put_asset(form: dict[str, Any], external_id: str) -> tuple[dict[str, Any], int]:
    """Register a photo: upload `file`, or give a `url` Likeness fetches. It goes through
    the same pipeline as staff uploads (formats, size, erasure checks, face detection)."""
    check_external_id(external_id)
    upload, url = form.get("file"), form.get("url")
    if (upload is None) == (url is None):
        raise InvalidInput(_("Send either a file or a url."), field="file")
    if upload is not None:
        data, filename = upload.read(), upload.filename or "photo"
    else:
        integration = keys.get_integration(integration_id())
        fetched = fetch.fetch(str(url), list(integration.allowed_hosts))
        data, filename = fetched.data, fetched.filename
    registered = assets.register(
        integration_id(), external_id, data, filename, actor=key_actor(),
        collection=form.get("collection"), captured_at=form.get("captured_at"),
        photographer=form.get("photographer"))
    return _present(assets.describe(integration_id(), external_id)), (
        201 if registered.created else 200)


@blueprint.route("/assets/<string:external_id>", methods=["GET"])
@requires_scope(Scope.ASSETS_READ)
@blueprint.response(200, AssetSchema)
def get_asset(external_id: str) -> dict[str, Any]:
    """The photo, its faces and their consent per channel today."""
    return _present(assets.describe(integration_id(), external_id))


@blueprint.route("/assets/<string:external_id>/rendition", methods=["GET"])
@requires_scope(Scope.ASSETS_READ)
@blueprint.arguments(ChannelQuery, location="query")
@blueprint.doc(responses={"200": {"description": "The photo (JPEG), faces not allowed on the "
                                                 "channel blurred.",
                                  "content": {"image/jpeg": {"schema": {
                                      "type": "string", "format": "binary"}}}}})
def get_rendition(query: dict[str, Any], external_id: str) -> Response:
    """For a channel that allows blurred publication: the photo with every face that is
    not allowed there blurred."""
    asset_id = assets.asset_id_for(integration_id(), external_id)
    key = renditions.for_channel(integration_id(), asset_id, query["channel"],
                                 actor=key_actor())
    return send_stored(key, "image/jpeg")


@blueprint.route("/assets/<string:external_id>/xmp", methods=["GET"])
@requires_scope(Scope.ASSETS_READ)
@blueprint.doc(responses={"200": {"description": "The XMP sidecar: one region per face with "
                                                 "an opaque person reference (never a "
                                                 "name), the PLUS model-release status and "
                                                 "ids, and this photo's permission URL.",
                                  "content": {XMP_TYPE: {"schema": {
                                      "type": "string", "format": "binary"}}}}})
def get_xmp(external_id: str) -> Response:
    """The photo's XMP sidecar (if XMP export is on for this image bank): the same as
    `flask export-xmp` writes, with the permission URL as `xmpRights:WebStatement`."""
    asset_id = assets.asset_id_for(integration_id(), external_id)
    permission_url = url_for("api.asset_permissions", external_id=external_id,
                             _external=True)
    data = xmp.sidecar(integration_id(), asset_id, permission_url, actor=key_actor())
    return Response(data, mimetype=XMP_TYPE)


def check_external_id(external_id: str, *, field: str = "external_id") -> None:
    if not 0 < len(external_id) <= 200:
        raise InvalidInput(_("An id of the image bank has 1 to 200 characters."), field=field)


def _present(view: assets.AssetView) -> dict[str, Any]:
    asset = view.asset
    return {
        "external_id": view.external_id,
        "status": asset.status,
        "collection": asset.collection,
        "captured_at": asset.captured_at,
        "photographer": view.photographer,
        "width": asset.width,
        "height": asset.height,
        "faces": [{"face_id": face.id,
                   "box": dict(zip(("top", "right", "bottom", "left"), face.box, strict=True)),
                   "person_ref": permissions.person_ref(face.person_id)
                   if face.person_id is not None else None,
                   "consent": {channel: light.value for channel, light in
                               view.consent.faces.get(face.id, {}).items()},
                   "blurred": face.id in view.consent.blurred} for face in view.faces],
    }
