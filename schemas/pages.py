"""The collection envelope `{data, meta, links}`, full or narrowed by `?fields=`."""

import functools

import orjson
from marshmallow import (
    Schema,
    fields,
    post_dump,
)

from schemas.context import chosen_fields


class MetaSchema(Schema):
    SOMETIMES_SENT = ("facets", "hints", "suggestions", "total_is_lower_bound")

    total = fields.Integer(metadata={"description": "Items matching the filters."})
    total_is_lower_bound = fields.Boolean(
        metadata={
            "description": "Search, and lists filtered by `q`: true when more than 1,000 "
            "matched. Search's `total` is then 1,000, and the hits are the best of the first "
            "1,000 matches the index gives (a narrower query — more words, a phrase, `type=` — "
            "is ranked whole); a list's `total` and `facets` then count the items among the "
            "first 1,000 matches, while its pages still hold every match, in order."
        }
    )
    limit = fields.Integer()
    next_cursor = fields.String(allow_none=True)
    suggestions = fields.List(
        fields.String(),
        metadata={
            "description": "When a search finds nothing: the index's words closest to those "
            "asked for (a typo's likely meaning), e.g. `coalition` for `coalitoin`."
        },
    )
    hints = fields.List(
        fields.String(),
        metadata={
            "description": "When an actor filter finds nothing: the roles of the actors it "
            "named and how to ask for the actor they lead instead, e.g. `Keir Starmer is Prime "
            "Minister of United Kingdom, whose facts actor=united-kingdom asks for.`"
        },
    )
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        metadata={
            "description": "With `facet=`: per facet, how many of the filtered items (all pages) "
            'hold each value, most first, e.g. `{"position": {"opposes": 4}}`.'
        },
    )


class LinksSchema(Schema):
    self = fields.String()
    next = fields.String(allow_none=True)


class Dumped(dict):
    """An item its schema has dumped already (a stored render): served as it is."""


class PageItem(fields.Nested):
    """An item of a page: dumped by its schema, unless it is dumped already (`Dumped`, or a
    stored render's JSON as it is: `orjson.Fragment`)."""

    def _serialize(self, nested_obj, attr, obj, **kwargs):
        if isinstance(nested_obj, Dumped | orjson.Fragment):
            return nested_obj
        return super()._serialize(nested_obj, attr, obj, **kwargs)


@functools.cache
def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The collection envelope `{data, meta, links}` around one item schema (one class per item
    schema, wherever it is asked for)."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (PageSchema,),
        {
            "data": fields.List(PageItem(item_schema)),
            "meta": fields.Nested(MetaSchema),
            "links": fields.Nested(LinksSchema),
        },
    )


# A page narrowed by `?fields=` has its own media type, so that the spec can say exactly what
# it holds (`sparse_page_schema`) while a full page keeps every field required.
SPARSE_JSON = "application/vnd.briefing.sparse+json"


@functools.cache
def sparse_page_schema(page_schema_class: type[Schema]) -> type[Schema]:
    """The page of `?fields=`: its items hold `id` and whichever of the other fields were
    asked for (`StanceSparsePage` of `StanceSparse`)."""
    item_schema = page_schema_class._declared_fields["data"].inner.nested
    name = item_schema.__name__.removesuffix("Schema") + "SparseSchema"
    sometimes = tuple(field for field in item_schema._declared_fields if field != "id")
    sparse = type(name, (item_schema,), {"SOMETIMES_SENT": sometimes})
    return page_schema(sparse)


class PageSchema(Schema):
    @post_dump
    def keep_chosen_fields(self, page, **kwargs):
        """With `?fields=`, each item keeps only those (and `id`), in the schema's order."""
        if chosen := chosen_fields.get():
            kept = chosen | {"id"}
            page["data"] = [
                {name: value for name, value in item.items() if name in kept}
                for item in page["data"]
            ]
        return page
