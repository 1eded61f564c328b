"""Schemas for statements: remarks the source reports an actor making."""

from marshmallow import fields

from schemas.common import (
    CollectionQuerySchema,
    ItemSchema,
    NamedRefSchema,
    Reference,
    page_schema,
    sort_field,
    text_field,
)


class StatementSchema(ItemSchema):
    speaker = Reference(NamedRefSchema, required=True)
    about = fields.List(Reference(NamedRefSchema), load_default=list)
    summary = text_field(5000, required=True)
    quote = text_field(
        5000,
        allow_none=True,
        load_default=None,
        metadata={"description": "The words the source puts in quotation marks, if any."},
    )


class StatementQuerySchema(CollectionQuerySchema):
    speaker = fields.String(metadata={"description": "Actor id, name or alias."})
    about = fields.String(metadata={"description": "Actor id, name or alias."})
    sort = sort_field("id", "updated_at")


StatementPageSchema = page_schema(StatementSchema)
