"""Schemas for statements: remarks the source reports an actor making."""

from marshmallow import fields

from schemas.common import (
    CollectionQuerySchema,
    ItemQuerySchema,
    ItemSchema,
    NamedRefSchema,
    Reference,
    expand_field,
    facet_field,
    fields_parameter,
    page_schema,
    patch_schema,
    reference_filter,
    request_schema,
    sort_field,
    source_filter,
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
    source = source_filter()
    expand = expand_field(StatementSchema)
    speaker = reference_filter("actors", "Actor id, name or alias.", column="speaker_id")
    about = reference_filter("actors", "Actor id, name or alias.")
    facet = facet_field("speaker")
    fields = fields_parameter(StatementSchema)
    sort = sort_field("id", "updated_at")


class StatementItemQuerySchema(ItemQuerySchema):
    expand = expand_field(StatementSchema)


StatementInputSchema = request_schema(StatementSchema)
StatementPatchSchema = patch_schema(StatementSchema)


StatementPageSchema = page_schema(StatementSchema)
