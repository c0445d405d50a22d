"""Request and response bodies of /api/v1 (marshmallow; the OpenAPI document is made
from these)."""

from __future__ import annotations

from datetime import UTC

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate

from likeness.integrations.permissions import Code, Decision
from likeness.integrations.webhooks import EVENT_TYPES
from likeness.models import Channel, RequestType
from likeness.platform.text import has_control_characters

CHANNELS = [c.value for c in Channel]
REQUEST_TYPES = [t.value for t in RequestType]
LIGHTS = ["green", "amber", "red"]
MAX_PAIRS = 1000


def _plain(multiline: bool = False) -> validate.Validator:
    """No control or format characters (PostgreSQL refuses NUL; names must be one line)."""

    def check(value: str) -> bool:
        if has_control_characters(value, multiline=multiline):
            raise ValidationError("Control characters are not allowed.")
        return True

    return check  # type: ignore[return-value]


PLAIN = _plain()
TEXT = _plain(multiline=True)
EXTERNAL_ID = [validate.Length(min=1, max=200), PLAIN]


class ChannelQuery(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS),
                            metadata={"description": "Where the photo would be used."})


class BulkQuery(Schema):
    external_ids = fields.List(fields.String(validate=EXTERNAL_ID), required=True,
                               validate=validate.Length(min=1, max=MAX_PAIRS))
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)), required=True,
                           validate=validate.Length(min=1, max=len(CHANNELS)))


class ReasonSchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(
        [c.value for c in Code] + ["not_registered"]))
    person_ref = fields.String(allow_none=True, metadata={
        "description": "Opaque reference of the person (never a name)."})
    quitclaim_id = fields.Integer(allow_none=True)
    valid_until = fields.Date(allow_none=True)


class BoxSchema(Schema):
    top = fields.Integer(required=True)
    right = fields.Integer(required=True)
    bottom = fields.Integer(required=True)
    left = fields.Integer(required=True)


class FaceDecisionSchema(Schema):
    face_id = fields.Integer(required=True)
    box = fields.Nested(BoxSchema, required=True)
    decision = fields.String(required=True, validate=validate.OneOf([d.value for d in Decision]))
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    valid_until = fields.Date(allow_none=True)


class PermissionSchema(Schema):
    external_id = fields.String(required=True)
    channel = fields.String(required=True)
    decision = fields.String(required=True, validate=validate.OneOf([d.value for d in Decision]))
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    faces = fields.List(fields.Nested(FaceDecisionSchema), required=True)
    valid_until = fields.Date(allow_none=True)
    checked_at = fields.DateTime(required=True)


class BulkResultSchema(Schema):
    results = fields.List(fields.Nested(PermissionSchema), required=True)


class AssetForm(Schema):
    """The photo (or where to fetch it) and its facts, as multipart/form-data."""

    file = Upload(metadata={"description": "The photo (JPEG, PNG, HEIC ...)."})

    url = fields.String(validate=[validate.Length(min=1, max=2000), PLAIN], metadata={
        "description": "Fetch the photo from here (an allow-listed host of the integration; "
                       "redirects are not followed) instead of uploading `file`."})
    collection = fields.String(validate=[validate.Length(max=200), PLAIN])
    captured_at = fields.AwareDateTime(default_timezone=UTC)
    photographer = fields.String(validate=[validate.Length(max=200), PLAIN])


class FaceConsentSchema(Schema):
    face_id = fields.Integer(required=True)
    box = fields.Nested(BoxSchema, required=True)
    person_ref = fields.String(allow_none=True)
    consent = fields.Dict(keys=fields.String(validate=validate.OneOf(CHANNELS)),
                          values=fields.String(validate=validate.OneOf(LIGHTS)), metadata={
        "description": "Per channel: green (consented), amber (consented, ends within 30 "
                       "days), red (not usable), today."})
    blurred = fields.Boolean(required=True)


class AssetSchema(Schema):
    external_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["pending", "indexed",
                                                                   "failed"]))
    collection = fields.String(allow_none=True)
    captured_at = fields.DateTime(allow_none=True)
    photographer = fields.String(allow_none=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    faces = fields.List(fields.Nested(FaceConsentSchema), required=True)


class SubjectSchema(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), PLAIN])
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    date_of_birth = fields.Date(allow_none=True)
    is_minor = fields.Boolean(load_default=False)
    guardian_name = fields.String(allow_none=True, validate=[validate.Length(max=200), PLAIN])
    guardian_email = fields.Email(allow_none=True, validate=validate.Length(max=254))


class SubjectResultSchema(Schema):
    external_ref = fields.String(required=True)
    person_ref = fields.String(required=True, metadata={
        "description": "The reference permission answers and events use for this person."})


class InvitationSchema(Schema):
    external_ref = fields.String(required=True, validate=EXTERNAL_ID)
    external_ids = fields.List(fields.String(validate=EXTERNAL_ID), required=True,
                               validate=validate.Length(min=1, max=200))
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)), required=True,
                           validate=validate.Length(min=1, max=len(CHANNELS)))
    validity_months = fields.Integer(load_default=60, validate=validate.Range(1, 120))
    language = fields.String(load_default="nl", validate=validate.OneOf(["nl", "en"]))
    third_parties = fields.String(load_default="", validate=[validate.Length(max=1000), TEXT])


class InvitationResultSchema(Schema):
    invitation_id = fields.Integer(required=True)
    expires_at = fields.DateTime(required=True)


class RequestSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(REQUEST_TYPES))
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), PLAIN])
    email = fields.Email(required=True, validate=validate.Length(max=254))
    details = fields.String(load_default="", validate=[validate.Length(max=5000), TEXT])
    language = fields.String(load_default="nl", validate=validate.OneOf(["nl", "en"]))


class RequestResultSchema(Schema):
    reference = fields.String(required=True)
    status = fields.String(required=True)
    received_at = fields.DateTime(required=True)
    due_on = fields.Date(required=True)


class EventsQuery(Schema):
    after = fields.String(load_default="0", validate=validate.Regexp(r"^[0-9]{1,18}$"),
                          metadata={"description": "The `next_cursor` of the last page."})
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class EventSchema(Schema):
    cursor = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    created_at = fields.DateTime(required=True)
    data = fields.Dict(required=True)


class EventsSchema(Schema):
    events = fields.List(fields.Nested(EventSchema), required=True)
    next_cursor = fields.String(required=True)
