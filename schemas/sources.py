"""Schemas for sources: the stored articles every fact is drawn from."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas.dates import PartialDate, precision
from schemas.fields import OneOfCollections, collection_field, enum_field, text_field
from schemas.items import ItemSchema, patch_schema, request_schema
from schemas.pages import page_schema
from schemas.queries import (
    CollectionQuerySchema,
    QuerySchema,
    as_of_filter,
    enum_filter,
    facet_field,
    fields_parameter,
    flag,
    sort_field,
    string_filter,
)

DATE_ORIGINS = ("article", "reference")


class SourceSchema(ItemSchema):
    title = text_field(300, required=True)
    publisher = text_field(200, allow_none=True, load_default=None)
    original_url = fields.Url(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=2000),
        metadata={"description": "Where the article was published, when known."},
    )
    published_on = PartialDate(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "When the article was published, as precisely as known: a year, a "
            "month or a day (`2025`, `2025-03`, `2025-03-04`); null when nobody knows.",
            "example": "2025-03",
        },
    )
    published_precision = fields.Function(
        lambda source: precision(source.published_on),
        dump_only=True,
        metadata={
            "type": ["string", "null"],
            "enum": ["year", "month", "day", None],
            "description": "How much of a date `published_on` gives.",
        },
    )
    date_known_from = enum_field(
        DATE_ORIGINS,
        allow_none=True,
        load_default=None,
        metadata={
            "description": "Where `published_on` comes from: `article` (it says so; the "
            "default for a date given) or `reference` (common knowledge, e.g. the date of the "
            "events it reports). Null without a date."
        },
    )
    ordered_by = fields.String(
        dump_only=True,
        metadata={
            "type": ["string", "null"],
            "enum": ["date", "added", None],
            "description": "What placed this source after the one before it when facts are "
            "sorted by `reported_on`: `date` where the dates tell the two apart; `added` where "
            "precision makes them incomparable (`2025-03` beside `2025-03-14`) or a date is "
            "missing, and the order the sources were added in decided. Null for the first "
            "source. The service derives it: a source added or dated later may change it.",
        },
    )
    language = text_field(35, load_default="en", metadata={"example": "en"})
    text = fields.String(required=True, validate=validate.Length(min=1, max=1_000_000))
    sha256 = fields.String(dump_only=True)
    word_count = fields.Integer(dump_only=True)
    evidence = fields.Function(
        lambda source: [],
        dump_only=True,
        metadata={
            "type": "array",
            "items": {"$ref": "#/components/schemas/Evidence"},
            "maxItems": 0,
            "description": "Always empty: a source is the evidence, not backed by any.",
        },
    )

    @validates_schema
    def refuse_an_origin_without_a_date(self, data, **kwargs):
        if data.get("date_known_from") and "published_on" in data and not data["published_on"]:
            message = "A date's origin needs a date: give published_on, or leave this out."
            raise ValidationError(message, "date_known_from")


class SourceQuerySchema(CollectionQuerySchema):
    language = string_filter(35, "Language tag, e.g. 'en'.")
    as_of = as_of_filter(column="published_on", undated_is_null=True)
    facet = facet_field("language")
    fields = fields_parameter(SourceSchema)
    sort = sort_field(
        "id",
        "title",
        "updated_at",
        "reported_on",
        description="`reported_on`: oldest first, by `published_on` where dates can tell, "
        "else in the order the sources were added.",
    )


class FactSchema(Schema):
    """One evidence span of a source and the fact it backs."""

    type = collection_field(
        "facts", metadata={"description": "The fact's collection, e.g. 'stances'."}
    )
    id = fields.String(metadata={"description": "The fact's id."})
    url = fields.String(metadata={"description": "The fact's own path."})
    label = fields.String(metadata={"description": "The fact's name, title or summary."})
    start = fields.Integer()
    end = fields.Integer()
    quote = fields.String()


class FactQuerySchema(CollectionQuerySchema):
    type = enum_filter(
        OneOfCollections("facts"), "A collection of facts, e.g. 'stances'.", column="fact_type"
    )
    fact = string_filter(100, "Only the spans backing the fact with this id.", column="fact_id")
    fields = fields_parameter(FactSchema)
    sort = sort_field("start", "type")


SourceInputSchema = request_schema(SourceSchema)
SourcePatchSchema = patch_schema(SourceSchema, exclude=("id", "text"))


class RetirementSchema(Schema):
    """What retiring a source deleted and changed (or, with `dry_run`, would)."""

    source = fields.String(required=True, metadata={"example": "example-ruritania"})
    deleted = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "Paths of the source and every fact deleted with it: those backed "
            "by it alone."
        },
    )
    lost_evidence = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "Paths of the facts other sources back too: they lose this "
            "source's spans and stay."
        },
    )
    dry_run = fields.Boolean(
        required=True, metadata={"description": "True when nothing was changed (`dry_run`)."}
    )


class RetirementQuerySchema(QuerySchema):
    dry_run = flag("Say what retiring would delete and change; change nothing.", load_default=False)


SourcePageSchema = page_schema(SourceSchema)
FactPageSchema = page_schema(FactSchema)
