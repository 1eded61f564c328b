"""What every item is: an id, its evidence spans, a citation, timestamps; and the request forms
of an item schema (POST and PATCH bodies)."""

import copy

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)
from marshmallow.schema import SchemaMeta
from marshmallow.utils import missing as missing_

from schemas.context import published_by
from schemas.dates import chronological
from schemas.fields import forbidden_strings, slug_field, text_field
from schemas.references import Reference

_request_schemas: dict[tuple, type[Schema]] = {}


def request_schema(
    schema_class: type[Schema],
    suffix: str = "Input",
    exclude: tuple[str, ...] = (),
    patch: bool = False,
) -> type[Schema]:
    """What a client sends for `schema_class` (the schema of what the server answers): every
    field but the server's own (`dump_only`) and `exclude`, parts in their request form too
    (`EvidenceInput`), references as an id or `{id}`. It loads as `schema_class` does; with
    `patch`, each top-level field is optional."""
    key = (schema_class, suffix, exclude, patch)
    if key not in _request_schemas:
        name = schema_class.__name__.removesuffix("Schema")
        declared = schema_class._declared_fields
        left_out = tuple(n for n, f in declared.items() if f.dump_only or n in exclude)
        attributes = {
            "REQUEST": True,
            "Meta": type("Meta", (getattr(schema_class, "Meta", object),), {"exclude": left_out}),
            "__doc__": schema_class.__doc__,
            **{n: request_field(f) for n, f in declared.items() if n not in left_out},
        }
        if patch and "evidence" in declared:  # a fact's PATCH may add spans to the others
            attributes["add_evidence"] = added_evidence_field()
        bases = (Patch, schema_class) if patch else (schema_class,)
        _request_schemas[key] = type(f"{name}{suffix}Schema", bases, attributes)
    return _request_schemas[key]


def added_evidence_field() -> fields.List:
    """`add_evidence` in a fact's PATCH: spans (of a new source, say) to add after the item's
    own, which stay; `evidence` replaces them all."""
    return fields.List(
        fields.Nested(request_schema(EvidenceSchema)),
        validate=validate.Length(min=1),
        metadata={
            "description": "Spans to add after the item's own, which stay (e.g. a later "
            "article's restating it); `evidence` replaces them all. Each needs its `source`."
        },
    )


def request_field(field: fields.Field) -> fields.Field:
    """A copy of a field in its request form: a reference flagged as such, parts' schemas in
    theirs."""
    field = copy.copy(field)  # a field's deepcopy is shallow: its list item is copied apart
    if isinstance(field, fields.List):
        field.inner = inner = copy.copy(field.inner)
    else:
        inner = field
    if isinstance(inner, Reference):
        inner.in_request = True
    elif isinstance(inner, fields.Nested) and isinstance(inner.nested, type):
        inner.nested = request_schema(inner.nested)
    return field


class Patch:
    """Makes a request schema a PATCH body's: every top-level field optional, while nested
    items stay whole (`partial=True` would also make a role's title or a span's quote optional)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", tuple(self._declared_fields))
        super().__init__(*args, **kwargs)


def patch_schema(schema_class: type[Schema], exclude: tuple[str, ...] = ("id",)):
    """The PATCH body of an item schema: its request fields but `exclude` (what cannot
    change), each optional."""
    return request_schema(schema_class, "Patch", exclude, patch=True)


class EvidenceSchema(Schema):
    """A span of a stored source: `source.text[start:end] == quote`."""

    source = slug_field(
        attribute="source_id",
        metadata={"description": "Id of the source; a bundle's own source when left out."},
    )
    start = fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000_000))
    end = fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000_000))
    quote = text_field(5000, required=True)
    paragraph = fields.Integer(
        dump_only=True,
        metadata={"description": "The paragraph of the source the quote is in, from 1."},
    )


def shown_spans(item) -> list:
    """An item's spans, but those of sources not yet published as of the request's `as_of`."""
    then = published_by.get()
    spans = item.evidence
    return spans if then is None else [span for span in spans if span.source_id in then.sources]


class ShownSpans(fields.List):
    """A fact's `evidence` as `shown_spans` keeps it."""

    def get_value(self, obj, attr, accessor=None, default=missing_):
        value = super().get_value(obj, attr, accessor, default)
        then = published_by.get()
        if then is None or value is missing_ or value is None:
            return value
        return [span for span in value if span.source_id in then.sources]


class ItemSchemaMeta(SchemaMeta):
    """Items lead with what they say: `id`, then the item's own fields (actor, proposal,
    position, …), then who says so and its `evidence`, then `url` and the timestamps. The
    order is the JSON's, the CSV's and the spec's."""

    TAIL = (
        "basis",
        "asserted_by",
        "citation",
        "evidence",
        "first_reported_on",
        "reported_on",
        "url",
        "created_at",
        "updated_at",
    )

    @classmethod
    def get_declared_fields(mcs, klass, cls_fields, inherited_fields, dict_cls=dict):  # noqa: N804
        declared = super().get_declared_fields(klass, cls_fields, inherited_fields, dict_cls)
        head = [name for name in ("id",) if name in declared]
        tail = [name for name in mcs.TAIL if name in declared]
        middle = [name for name in declared if name not in head and name not in tail]
        return dict_cls((name, declared[name]) for name in head + middle + tail)


class ItemSchema(Schema, metaclass=ItemSchemaMeta):
    """Fields every resource has. `RESERVED_IDS` are paths of the collection's own views, which
    an item id would shadow."""

    RESERVED_IDS: tuple[str, ...] = ()

    @pre_load
    def refuse_forbidden_characters(self, data, **kwargs):
        found = forbidden_strings(data)
        if found:
            raise ValidationError(found)
        return data

    id = slug_field(
        metadata={
            "description": "A lowercase slug. Left out of a POST, the server derives it from "
            "the name or title (`Lancaster House` → `lancaster-house`, `-2` on a collision)."
        }
    )
    url = fields.String(dump_only=True, metadata={"description": "This item's own path."})
    citation = fields.Function(
        lambda item: cite(item),
        dump_only=True,
        metadata={
            "type": "string",
            "description": "Paste-ready: the quote(s) behind the item, where each is, and the "
            "source's title, e.g. `“others, like Italy, have outright rejected the idea” "
            "(para. 2) — NATO divisions over Ukraine (untitled article)`.",
        },
    )
    evidence = ShownSpans(
        fields.Nested(EvidenceSchema),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "Spans of the source text that back this item."},
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    @validates_schema
    def refuse_reserved_id(self, data, **kwargs):
        if data.get("id") in self.RESERVED_IDS:
            message = f"'{data['id']}' is reserved in this collection: it is the path of a view."
            raise ValidationError(message, "id")


def reported_on(item, latest: bool) -> str | None:
    """The date of the source backing `item` that came first (or last): by date where dates
    can tell, else in the order the sources were added."""
    spans = shown_spans(item)
    if not spans:
        return None
    if all(span.source_id == spans[0].source_id for span in spans):  # one source: its date
        return spans[0].source_published_on
    sources = {span.source_id: span for span in sorted(spans, key=added)}
    ordered = chronological([(key, span.source_published_on) for key, span in sources.items()])
    return sources[ordered[-1 if latest else 0][0]].source_published_on


def added(span) -> tuple:
    return (span.source_created_at is None, span.source_created_at, span.source_id)


REPORTED = (
    "The publication date of the {} source backing this fact (by date where dates can tell, "
    "else in the order the sources were added): a year, a month or a day, as precise as that "
    "source's `published_on`; null when that source has no date."
)


class SourcedSchema(ItemSchema):
    """A fact: backed by spans of sources, and reported when they were published."""

    first_reported_on = fields.Function(
        lambda item: reported_on(item, latest=False),
        dump_only=True,
        metadata={"type": ["string", "null"], "description": REPORTED.format("first")},
    )
    reported_on = fields.Function(
        lambda item: reported_on(item, latest=True),
        dump_only=True,
        metadata={
            "type": ["string", "null"],
            "description": REPORTED.format("latest") + " `sort=reported_on` sorts by it.",
        },
    )


def cite(item) -> str:
    """One line to paste into a draft: each source's quotes, with their paragraphs, then its
    title; a source itself is cited by its title, publisher, date and address."""
    if not hasattr(item, "evidence"):
        published = item.published_on
        if published and item.date_known_from == "reference":
            published += " (date by reference, not given in the article)"
        parts = (item.title, item.publisher, published, item.original_url)
        return ", ".join(str(part) for part in parts if part)
    quotes: dict[str, list[str]] = {}
    for span in shown_spans(item):
        quotes.setdefault(span.source_title, []).append(f"“{span.quote}” (para. {span.paragraph})")
    return "; ".join(f"{' … '.join(spans)} — {title}" for title, spans in quotes.items())


class RestatedSchema(Schema):
    """In a bundle's `restated` section: an item another source reported first, which this
    article reports too. Its spans from this article are added beside the others' (and an
    actor's new `aliases` beside its own); what the other articles said stays as it is."""

    id = slug_field(required=True)
    evidence = fields.List(
        fields.Nested(request_schema(EvidenceSchema)),
        required=True,
        validate=validate.Length(min=1),
    )
    aliases = fields.List(text_field(200), metadata={"description": "Actors only."})
