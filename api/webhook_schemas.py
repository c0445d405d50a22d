"""Schemas of the webhook endpoints and take-downs (`/api/v1/webhooks`, `/takedowns`)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from likeness.integrations.webhooks import EVENT_TYPES


class EndpointInSchema(Schema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000), metadata={
        "description": "http(s) on one of the integration's allowed hosts."})
    event_types = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)),
                              load_default=list, validate=validate.Length(max=len(EVENT_TYPES)),
                              metadata={"description": "Empty: every event type."})


class EndpointSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True)
    enabled = fields.Boolean(required=True)
    disabled_reason = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


class EndpointCreatedSchema(EndpointSchema):
    secret = fields.String(required=True, metadata={
        "description": "The signing secret (`whsec_...`), shown this once."})


class SecretSchema(Schema):
    id = fields.Integer(required=True)
    secret = fields.String(required=True, metadata={"description": "Shown this once."})
    previous_secret_until = fields.DateTime(allow_none=True, metadata={
        "description": "Until then messages carry a signature with the previous secret too."})


class EndpointsSchema(Schema):
    endpoints = fields.List(fields.Nested(EndpointSchema), required=True)


class TakedownSchema(Schema):
    id = fields.Integer(required=True)
    reason = fields.String(required=True)
    external_ids = fields.List(fields.String(), required=True)
    done_at = fields.DateTime(allow_none=True)
