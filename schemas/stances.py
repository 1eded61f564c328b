"""Schemas for stances: one actor's position on one proposal."""

from marshmallow import fields

from schemas.common import (
    CollectionQuerySchema,
    ItemSchema,
    NamedRefSchema,
    Reference,
    TitledRefSchema,
    enum_field,
    page_schema,
    sort_field,
    text_field,
)

POSITIONS = ("proposes", "supports", "conditional", "skeptical", "opposes")
CERTAINTIES = ("stated", "reported", "likely")


class StanceSchema(ItemSchema):
    actor = Reference(NamedRefSchema, required=True)
    proposal = Reference(TitledRefSchema, required=True)
    position = enum_field(POSITIONS, required=True)
    certainty = enum_field(
        CERTAINTIES,
        required=True,
        metadata={
            "description": "stated: the article states it; reported: the article attributes "
            "it to others or to perception; likely: the article hedges it."
        },
    )
    condition = text_field(2000, allow_none=True, load_default=None)
    summary = text_field(5000, required=True)


class StanceQuerySchema(CollectionQuerySchema):
    actor = fields.String(metadata={"description": "Actor id, name or alias, e.g. 'UK'."})
    proposal = fields.String(metadata={"description": "Proposal id or title."})
    position = enum_field(POSITIONS)
    certainty = enum_field(CERTAINTIES)
    sort = sort_field("id", "position", "certainty", "updated_at")


StancePageSchema = page_schema(StanceSchema)
