"""Schemas for events: meetings and summits."""

from marshmallow import fields

from schemas.common import (
    CollectionQuerySchema,
    ItemQuerySchema,
    ItemSchema,
    NamedRefSchema,
    Reference,
    TitledRefSchema,
    enum_field,
    expand_field,
    page_schema,
    sort_field,
    text_field,
)

EVENT_KINDS = ("summit", "meeting", "conference", "other")


class EventSchema(ItemSchema):
    name = text_field(300, required=True)
    kind = enum_field(EVENT_KINDS, required=True)
    location = text_field(300, allow_none=True, load_default=None)
    date = fields.Date(
        allow_none=True, load_default=None, metadata={"description": "Null when unknown."}
    )
    participants = fields.List(Reference(NamedRefSchema, full="ActorSchema"), load_default=list)
    outcome = text_field(5000, allow_none=True, load_default=None)
    proposals = fields.List(Reference(TitledRefSchema, full="ProposalSchema"), load_default=list)


class EventQuerySchema(CollectionQuerySchema):
    expand = expand_field("participants", "proposals")
    kind = enum_field(EVENT_KINDS)
    participant = fields.String(metadata={"description": "Actor id, name or alias."})
    proposal = fields.String(metadata={"description": "Proposal id or title."})
    sort = sort_field("id", "name", "updated_at")


class EventItemQuerySchema(ItemQuerySchema):
    expand = expand_field("participants", "proposals")


class EventPatchSchema(EventSchema):
    """The fields of an event to change; its id cannot change."""

    class Meta:
        exclude = ("id",)


EventPageSchema = page_schema(EventSchema)
