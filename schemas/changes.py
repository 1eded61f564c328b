"""Schemas for the change feed: every write, who made it, and the item before and after."""

from datetime import UTC

from marshmallow import Schema, fields

from schemas.fields import OneOfCollections, PastedInstant
from schemas.pages import page_schema
from schemas.queries import (
    CollectionQuerySchema,
    enum_filter,
    facet_field,
    fields_parameter,
    filter_field,
    reference_filter,
    sort_field,
    string_filter,
)


class ChangeSchema(Schema):
    id = fields.Integer(metadata={"description": "Increases with every write."})
    at = fields.DateTime()
    by = fields.String(
        attribute="writer",
        metadata={
            "description": "Who wrote: `editor` or `admin` (a token's role; tokens' names are "
            "not shown), or the server's own `cli:seed`, `cli:import`, `cli:retire`.",
            "example": "editor",
        },
    )
    method = fields.String(metadata={"example": "PATCH"})
    resource = fields.String(metadata={"example": "stances"})
    item_id = fields.String()
    url = fields.Function(
        lambda change: f"/v1/{change.resource}/{change.item_id}",
        metadata={"type": "string", "description": "The item's own path."},
    )
    before = fields.Dict(allow_none=True, metadata={"description": "Null for a creation."})
    after = fields.Dict(allow_none=True, metadata={"description": "Null for a deletion."})


class ChangeQuerySchema(CollectionQuerySchema):
    class Meta(CollectionQuerySchema.Meta):
        exclude = ("q",)

    resource = enum_filter(OneOfCollections("items"), "A collection of items, e.g. 'stances'.")
    since = filter_field(
        PastedInstant(
            default_timezone=UTC,
            metadata={
                "description": "Only changes at or after this moment: a change's `at` as "
                "printed (pasted raw, its `+` is read back from the space a URL makes of it), "
                "any ISO 8601 time (without offset: UTC), or a date (from its first moment, "
                "UTC), e.g. '2025-04-14'."
            },
        ),
        column="at",
        at_least=True,
    )
    item = string_filter(
        100,
        "Only the changes of the item with this id (one item's history; with `resource=` where "
        "two kinds share an id), e.g. 'italy-opposes-coalition'.",
        column="item_id",
    )
    source = reference_filter(
        "sources",
        "Only the changes of the facts this source backs now (id or title).",
        column="evidence",
        key="source_id",
    )
    facet = facet_field("resource")
    fields = fields_parameter(ChangeSchema)
    sort = sort_field("id")


ChangePageSchema = page_schema(ChangeSchema)
