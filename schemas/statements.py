"""Schemas for statements: remarks the source reports an actor making."""

from marshmallow import fields

from schemas.common import (
    CollectionQuerySchema,
    ItemQuerySchema,
    ItemSchema,
    NamedRefSchema,
    Reference,
    expand_field,
    page_schema,
    sort_field,
    text_field,
)


class StatementSchema(ItemSchema):
    speaker = Reference(NamedRefSchema, full="ActorSchema", required=True)
    about = fields.List(Reference(NamedRefSchema, full="ActorSchema"), load_default=list)
    summary = text_field(5000, required=True)
    quote = text_field(
        5000,
        allow_none=True,
        load_default=None,
        metadata={"description": "The words the source puts in quotation marks, if any."},
    )


class StatementQuerySchema(CollectionQuerySchema):
    expand = expand_field("speaker", "about")
    speaker = fields.String(metadata={"description": "Actor id, name or alias."})
    about = fields.String(metadata={"description": "Actor id, name or alias."})
    sort = sort_field("id", "updated_at")


class StatementItemQuerySchema(ItemQuerySchema):
    expand = expand_field("speaker", "about")


class StatementPatchSchema(StatementSchema):
    """The fields of a statement to change; its id cannot change."""

    class Meta:
        exclude = ("id",)


StatementPageSchema = page_schema(StatementSchema)
