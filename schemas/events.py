"""Schemas for events: meetings and summits."""

from marshmallow import fields

from schemas.claims import ClaimQuerySchema, ClaimSchema
from schemas.fields import enum_field, text_field
from schemas.items import patch_schema, request_schema
from schemas.pages import page_schema
from schemas.queries import (
    REPORTED_SORT,
    ItemQuerySchema,
    as_of_filter,
    enum_filter,
    expand_field,
    facet_field,
    fields_parameter,
    reference_filter,
    sort_field,
    source_filter,
)
from schemas.references import NamedRefSchema, Reference, TitledRefSchema

EVENT_KINDS = ("summit", "meeting", "conference", "other")


class EventSchema(ClaimSchema):
    name = text_field(300, required=True)
    kind = enum_field(EVENT_KINDS, required=True)
    location = text_field(300, allow_none=True, load_default=None)
    date = fields.Date(
        allow_none=True, load_default=None, metadata={"description": "Null when unknown."}
    )
    participants = fields.List(Reference(NamedRefSchema, to="actors"), load_default=list)
    outcome = text_field(5000, allow_none=True, load_default=None)
    proposals = fields.List(Reference(TitledRefSchema, to="proposals"), load_default=list)


class EventQuerySchema(ClaimQuerySchema):
    source = source_filter()
    as_of = as_of_filter()
    expand = expand_field(EventSchema)
    kind = enum_filter(EVENT_KINDS)
    participant = reference_filter("actors", "Actor id, name or alias.", column="participants")
    proposal = reference_filter("proposals", "Proposal id or title.", column="proposals")
    facet = facet_field("kind", "basis")
    fields = fields_parameter(EventSchema)
    sort = sort_field(
        "id",
        "name",
        "updated_at",
        "reported_on",
        description=REPORTED_SORT,
    )


class EventItemQuerySchema(ItemQuerySchema):
    expand = expand_field(EventSchema)


EventInputSchema = request_schema(EventSchema)
EventPatchSchema = patch_schema(EventSchema)


EventPageSchema = page_schema(EventSchema)
