"""Schemas for full-text search over every fact and source."""

from marshmallow import Schema, fields, validate

from schemas.fields import Choice, OneOfCollections, collection_field
from schemas.pages import Dumped, page_schema
from schemas.queries import (
    CollectionQuerySchema,
    fields_parameter,
    reference_filter,
    size_parameter,
)


def label_of(reference: dict) -> str | None:
    """What a reference in a render is called: its name, title or summary."""
    return reference.get("name") or reference.get("title") or reference.get("summary")


class ViaSchema(Schema):
    """An item a hit refers to, by which it matched."""

    id = fields.String()
    url = fields.String(metadata={"description": "Its own path, e.g. `/v1/actors/italy`."})
    label = fields.Function(
        label_of, metadata={"type": "string", "description": "Its name or title."}
    )


class HitSchema(Schema):
    """One search hit, best first."""

    type = collection_field(
        "items", metadata={"description": "The hit's collection, e.g. 'stances'."}
    )
    id = fields.String()
    url = fields.String(metadata={"description": "The hit's own path."})
    label = fields.String(metadata={"description": "Its name, title or summary."})
    field = fields.String(
        metadata={
            "description": "The field that matched, e.g. `summary`, `evidence`, `aliases`.",
            "example": "summary",
        }
    )
    snippet = fields.String(
        metadata={
            "description": "That field's text where it matched, as HTML: the text escaped "
            "(`&lt;`, `&amp;`, …), the matched words wrapped in <mark></mark>."
        }
    )
    via = fields.Nested(
        ViaSchema,
        allow_none=True,
        metadata={
            "description": "When the hit matched through an item it refers to (a stance "
            "through its actor's or its proposal's name): that item; `field` is the reference "
            "and `snippet` that item's name or title, marked. Null when the hit's own text "
            "matched."
        },
    )
    score = fields.Float(metadata={"description": "Relevance; higher is better."})
    sources = fields.List(
        fields.String(),
        metadata={
            "description": "The sources of the hit's text: the sources backing a fact (its "
            "evidence), or the source itself.",
            "example": ["nato-divisions-ukraine"],
        },
    )


def dumped_hit(hit: dict) -> Dumped:
    """A hit as HitSchema dumps it, made directly: a page holds fifty, and dumping them was a
    fifth of a search's CPU (a test checks that the two agree)."""
    via = hit["via"]
    return Dumped(hit, via=via and {"id": via["id"], "url": via["url"], "label": label_of(via)})


class SearchQuerySchema(CollectionQuerySchema):
    limit = size_parameter(50, 50, "Hits per page, 1–50 (each hit is a snippet's work).")
    q = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={
            "description": 'Words (all must match), "quoted phrases", prefix* terms, `a OR b` '
            "(either), `-word` (leave out); British and American spellings alike "
            "(`defence` finds `defense`), dotted abbreviations as plain ones (`US` finds "
            "`U.S.`), a possessive as its name, and an actor's name, alias or reference alias "
            "as any of its names. Anything else is taken as words.",
            "example": '"coalition of the willing"',
        },
    )
    type = Choice(OneOfCollections("items"), metadata={"description": "Only hits of this kind."})
    source = reference_filter(
        "sources", "Only facts with evidence in this source, and the source itself (id or title)."
    )
    fields = fields_parameter(HitSchema)


SearchPageSchema = page_schema(HitSchema)
