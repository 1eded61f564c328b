"""Shared schema pieces: references, evidence, item base, query base, pages, problems."""

import copy
import functools
import re
from contextvars import ContextVar
from dataclasses import dataclass

import orjson
from flask import request
from marshmallow import (
    INCLUDE,
    RAISE,
    Schema,
    ValidationError,
    class_registry,
    fields,
    post_dump,
    pre_load,
    validate,
    validates_schema,
)
from marshmallow.schema import SchemaMeta
from webargs.fields import DelimitedList

# The reference fields this request asked to see in full (`?expand=`); one level deep only.
expanded: ContextVar[frozenset[str]] = ContextVar("expanded", default=frozenset())
# The item fields this request asked for (`?fields=`); empty: every field.
chosen_fields: ContextVar[frozenset[str]] = ContextVar("chosen_fields", default=frozenset())

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_FILTER_VALUES = 50
# No database stores NUL in text, and no encoder writes an unpaired surrogate.
FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


def has_forbidden_characters(text: str) -> bool:
    return bool(FORBIDDEN_CHARACTERS.search(text))


def forbidden_strings(value, path: str = "") -> dict[str, list[str]]:
    """Where, in a parsed JSON value, a string holds NUL or an unpaired surrogate."""
    where = path or "_body"
    if isinstance(value, str):
        bad = has_forbidden_characters(value)
        return {where: ["Must not contain NUL or unpaired surrogates."]} if bad else {}
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return {}
    found = {}
    for key, item in items:
        if isinstance(key, str) and has_forbidden_characters(key):
            found[where] = ["Keys must not contain NUL or unpaired surrogates."]
        found.update(forbidden_strings(item, f"{path}.{key}" if path else str(key)))
    return found


slug = validate.Regexp(SLUG_PATTERN, error="Must be a lowercase slug such as 'united-kingdom'.")
SLUG_LENGTH = validate.Length(min=1, max=100)


def slug_field(metadata=None, **kwargs) -> fields.String:
    """A readable id: lowercase words joined by hyphens."""
    return fields.String(
        validate=[SLUG_LENGTH, slug],
        metadata={"example": "united-kingdom", **(metadata or {})},
        **kwargs,
    )


def text_field(max_length: int, **kwargs) -> fields.String:
    """Plain text, bounded so that every database accepts it."""
    return fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)


def enum_field(choices, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(choices), **kwargs)


class RefSchema(Schema):
    """A compact reference; with `expand`, the full item, so more properties may appear."""

    class Meta:
        unknown = INCLUDE


class NamedRefSchema(RefSchema):
    """A compact reference to an actor or an event."""

    id = slug_field(required=True)
    name = fields.String(dump_only=True)
    url = fields.String(dump_only=True)


class TitledRefSchema(RefSchema):
    """A compact reference to a proposal or a source."""

    id = slug_field(required=True)
    title = fields.String(dump_only=True)
    url = fields.String(dump_only=True)


class Reference(fields.Nested):
    """A reference to another item: dumped compact, loaded from an id or an object with one.

    `full` names the schema of the referenced item, dumped instead when the request expands
    this field (by its name, or by `expand_as`).
    """

    def __init__(self, nested, *, full: str, expand_as: str | None = None, **kwargs):
        super().__init__(nested, **kwargs)
        self.full = full
        self.expand_as = expand_as

    def _serialize(self, nested_obj, attr, obj, **kwargs):
        if nested_obj is None or (self.expand_as or self.name) not in expanded.get():
            return super()._serialize(nested_obj, attr, obj, **kwargs)
        token = expanded.set(frozenset())
        try:
            return full_schema(self.full).dump(nested_obj)
        finally:
            expanded.reset(token)

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        if isinstance(value, str):
            value = {"id": value}
        if not isinstance(value, dict):
            raise ValidationError("Must be an id such as 'france', or an object with an 'id'.")
        # A reference is whole even inside a PATCH: its id is always required.
        return super()._deserialize(value, attr, data, partial=False, **kwargs)["id"]


_full_schemas: dict[str, Schema] = {}


def full_schema(name: str) -> Schema:
    if name not in _full_schemas:
        _full_schemas[name] = class_registry.get_class(name)()
    return _full_schemas[name]


def expandable(schema_class: type[Schema]) -> list[str]:
    """The names `?expand=` takes for an item schema: its references, and the references inside
    its parts (an actor's roles expand as `roles`), in alphabetical order."""
    names = set()
    for name, field in schema_class().fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, Reference):
            names.add(inner.expand_as or name)
        elif isinstance(inner, fields.Nested):
            names.update(
                part.expand_as
                for part in inner.schema.fields.values()
                if isinstance(part, Reference) and part.expand_as
            )
    return sorted(names)


class ListParameter(DelimitedList):
    """A list in a query string, given either way, or both: `x=a,b` and `x=a&x=b`."""

    is_multiple = True  # webargs hands over every value given, not the first

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            value = self.delimiter.join(value)
        return super()._deserialize(value, attr, data, **kwargs)


def expand_field(schema_class: type[Schema]) -> DelimitedList:
    """`expand=a,b`: embed these references of `schema_class` in full instead of compact."""
    names = expandable(schema_class)
    return choices_parameter(
        names,
        f"Embed in full: any of {', '.join(names)}, comma-separated (`expand=a,b`) or repeated "
        "(`expand=a&expand=b`).",
    )


def choices_parameter(names, description: str) -> ListParameter:
    """A list parameter of fixed values, in any case, at least one."""
    return ListParameter(
        Choice(names), validate=validate.Length(min=1), metadata={"description": description}
    )


class QueryInteger(fields.Integer):
    """An integer in a query string: ASCII digits only (Python's int() would take '５' or '٥')."""

    def _validated(self, value):
        if isinstance(value, str) and not (value.isascii() and value.isdigit()):
            raise self.make_error("invalid")
        return super()._validated(value)


class Number(fields.Float):
    """A JSON number in a body: strings such as "2.5" are refused, as the schema says."""

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._validated(value)


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
        bases = (Patch, schema_class) if patch else (schema_class,)
        _request_schemas[key] = type(f"{name}{suffix}Schema", bases, attributes)
    return _request_schemas[key]


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


class ItemSchemaMeta(SchemaMeta):
    """Items lead with what they say: `id`, then the item's own fields (actor, proposal,
    position, …), then who says so and its `evidence`, then `url` and the timestamps. The
    order is the JSON's, the CSV's and the spec's."""

    TAIL = ("basis", "asserted_by", "citation", "evidence", "url", "created_at", "updated_at")

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
    evidence = fields.List(
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


def cite(item) -> str:
    """One line to paste into a draft: each source's quotes, with their paragraphs, then its
    title; a source itself is cited by its title, publisher, date and address."""
    if not hasattr(item, "evidence"):
        parts = (item.title, item.publisher, item.published_on, item.original_url)
        return ", ".join(str(part) for part in parts if part)
    quotes: dict[str, list[str]] = {}
    for span in item.evidence:
        quotes.setdefault(span.source_title, []).append(f"“{span.quote}” (para. {span.paragraph})")
    return "; ".join(f"{' … '.join(spans)} — {title}" for title, spans in quotes.items())


# Who asserts a claim in the article, and an example of each from the seed's article.
BASES = {
    "quoted": "the actor's own words, quoted: Trump called Zelensky's remarks “the worst "
    "statement”",
    "reported": "speech or acts of the actor that the article reports: “Macron called on "
    "European countries to increase their military expenditures”; “critics argue that such a "
    "partial ceasefire would only give Russia an opportunity to regroup”",
    "article": "the article's own assertion or analysis: “This stance reflects a broader divide "
    "within the alliance”",
    "perceived": "a perception no one is named behind: “These statements have been perceived "
    "as an attempt to undermine European unity”",
}
# The bases whose claim comes from an actor, named in `asserted_by`.
BASES_FROM_AN_ACTOR = ("quoted", "reported")


def attribution_problem(basis: str, asserted_by: str | None) -> str | None:
    """Why this basis and actor do not go together, or None."""
    claim = f"{'An' if basis[0] in 'aeiou' else 'A'} '{basis}' claim"
    if basis in BASES_FROM_AN_ACTOR and asserted_by is None:
        return f"{claim} needs asserted_by: the actor whose words or acts the article reports."
    if basis not in BASES_FROM_AN_ACTOR and asserted_by is not None:
        return (
            f"{claim} comes from no actor: leave asserted_by null, or choose "
            f"{' or '.join(BASES_FROM_AN_ACTOR)}."
        )
    return None


class ClaimSchema(ItemSchema):
    """A fact the article asserts, and who asserts it: `basis`, and `asserted_by`."""

    basis = enum_field(
        tuple(BASES),
        required=True,
        metadata={
            "description": "Who asserts this in the article. "
            + "; ".join(f"`{name}`: {example}" for name, example in BASES.items())
            + ".",
            "example": "reported",
        },
    )
    asserted_by = Reference(
        NamedRefSchema,
        full="ActorSchema",
        allow_none=True,
        load_default=None,
        metadata={
            "description": "The actor the claim comes from: needed for `quoted` and "
            "`reported`, null for `article` and `perceived`."
        },
    )

    @validates_schema
    def check_attribution(self, data, partial=None, **kwargs):
        """A whole item's basis and actor go together (a PATCH is checked on the item it
        changes, see api.store.writes)."""
        if partial or "basis" not in data:
            return
        problem = attribution_problem(data["basis"], data.get("asserted_by"))
        if problem:
            raise ValidationError(problem, "asserted_by")


@dataclass(frozen=True)
class Filter:
    """How a query parameter narrows a collection: to the items whose `column` (by default the
    parameter's own name) equals its value, or is at least it (`at_least`).

    With `references`, the value names an item of that collection by id, name or alias, and is
    resolved to its id first. When `column` is a to-many relationship, an item matches if one
    of its related rows has `key` equal to the value.
    """

    column: str | None = None
    references: str | None = None
    key: str = "id"
    at_least: bool = False

    def column_for(self, parameter: str) -> str:
        """The model attribute this filter compares: its `column`, or the parameter's name."""
        return self.column or parameter


def filter_field(field: fields.Field, **how) -> fields.Field:
    """Mark a query parameter as a filter (see `Filter`); the views apply every marked one."""
    field.metadata = {**field.metadata, "filter": Filter(**how)}
    return field


def any_of(value: fields.Field, description: str, **how) -> ListParameter:
    """A filter taking one value or several (`a,b` or repeated): items matching any of them."""
    field = ListParameter(
        value,
        validate=validate.Length(min=1, max=MAX_FILTER_VALUES),
        metadata={"description": f"{description} Several: comma-separated or repeated; any."},
    )
    return filter_field(field, **how)


def reference_filter(collection: str, description: str, **how) -> ListParameter:
    """A filter naming items of `collection` by id, name or alias (ISO code for a country)."""
    return any_of(
        fields.String(validate=validate.Length(min=1, max=200)),
        description,
        references=collection,
        **how,
    )


def source_filter() -> ListParameter:
    """`source=`: only the facts drawn from these sources (one article's facts)."""
    return reference_filter(
        "sources",
        "Only facts with evidence in this source (id or title), e.g. 'nato-divisions-ukraine'.",
        column="evidence",
        key="source_id",
    )


def enum_filter(choices, description: str = "", **how) -> ListParameter:
    """A filter on a column holding one of `choices`, given in any case."""
    return any_of(Choice(choices), description or f"One of: {', '.join(choices)}.", **how)


def text_filter(max_length: int, description: str, **how) -> ListParameter:
    return any_of(
        fields.String(validate=validate.Length(min=1, max=max_length)), description, **how
    )


class CountryCode(fields.String):
    """An ISO 3166-1 alpha-2 code in a query string, in any case (`gb` is `GB`)."""

    def __init__(self, **kwargs):
        pattern = validate.Regexp(r"^[A-Za-z]{2}$", error="Must be a two-letter ISO code.")
        super().__init__(validate=pattern, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).upper()


class Choice(fields.String):
    """One of fixed values in a query string, in any case (`Likely` is `likely`)."""

    def __init__(self, choices, **kwargs):
        error = "'{input}' is not one of: {choices}."
        super().__init__(validate=validate.OneOf(choices, error=error), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).casefold()


class QuerySchema(Schema):
    """Base for query strings: unknown parameters are an error that lists the valid ones."""

    class Meta:
        unknown = RAISE

    pretty = fields.Boolean(
        truthy={"true", "1", "yes", "on"},
        falsy={"false", "0", "no", "off"},
        metadata={"description": "Indent the JSON (the default for curl, unless false)."},
    )

    def handle_error(self, error, data, **kwargs):
        valid = ", ".join(sorted(self.fields))
        messages = {
            name: ([unknown_parameter(name, valid)] if problems == ["Unknown field."] else problems)
            for name, problems in error.normalized_messages().items()
        }
        raise ValidationError(messages)


def unknown_parameter(name: str, valid: str) -> str:
    if name == "format":
        return (
            f"Unknown parameter. For CSV, ask for {request.path.removesuffix('/')}.csv with the "
            f"same parameters, or send 'Accept: text/csv'. Valid parameters: {valid}."
        )
    return f"Unknown parameter. Valid parameters: {valid}."


class ItemQuerySchema(QuerySchema):
    """Parameters an item accepts."""


class CollectionQuerySchema(QuerySchema):
    """Parameters every collection accepts."""

    limit = QueryInteger(
        load_default=50,
        validate=validate.Range(min=1, max=200),
        metadata={"description": "Items per page, 1–200."},
    )
    cursor = fields.String(
        validate=validate.Length(max=1000),
        metadata={"description": "Opaque cursor from `links.next` of the previous page."},
    )
    q = fields.String(
        validate=validate.Length(min=1, max=500),
        metadata={
            "description": 'Full-text filter, as in /v1/search: words, "phrases", prefix*, '
            "a OR b, -word."
        },
    )


def basis_filter() -> ListParameter:
    """`basis=`: the claims asserted that way."""
    return enum_filter(
        tuple(BASES),
        "Who asserts it: one of quoted, reported, article, perceived; `basis=article` is what "
        "the article asserts on its own authority.",
    )


class ClaimQuerySchema(CollectionQuerySchema):
    """Parameters every collection of claims accepts: who asserts them."""

    basis = basis_filter()
    asserted_by = reference_filter(
        "actors", "The actor a claim comes from (id, name or alias).", column="asserted_by_id"
    )


def facet_field(*names: str) -> ListParameter:
    """`facet=a,b`: count the filtered items by these fields, into `meta.facets`."""
    return choices_parameter(
        names,
        f"Count the filtered items by any of: {', '.join(names)} (comma-separated or "
        "repeated), into `meta.facets`.",
    )


def fields_parameter(item_schema: type[Schema]) -> ListParameter:
    """`fields=a,b`: items with only these fields (and `id`), in JSON and CSV alike."""
    names = [name for name, field in item_schema().fields.items() if not field.load_only]
    example = ",".join([name for name in names if name != "id"][:2])
    return choices_parameter(
        names,
        f"Only these fields of each item (and `id`), comma-separated or repeated, e.g. "
        f"`fields={example}`. The other fields, always sent otherwise, are then left out; in "
        "CSV, a reference keeps its name column beside it.",
    )


def sort_field(*names: str, description: str = "") -> fields.String:
    """`sort=field` or `sort=-field` over the given fields."""
    choices = [variant for name in names for variant in (name, f"-{name}")]
    return Choice(
        choices,
        load_default=names[0],
        metadata={"description": f"Sort field; a leading '-' sorts descending. {description}"},
    )


class MetaSchema(Schema):
    SOMETIMES_SENT = ("facets", "suggestions")

    total = fields.Integer(metadata={"description": "Items matching the filters."})
    limit = fields.Integer()
    next_cursor = fields.String(allow_none=True)
    suggestions = fields.List(
        fields.String(),
        metadata={
            "description": "When a search finds nothing: the index's words closest to those "
            "asked for (a typo's likely meaning), e.g. `coalition` for `coalitoin`."
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


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The collection envelope `{data, meta, links}` around one item schema."""
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


class ProblemSchema(Schema):
    """An RFC 9457 problem detail."""

    # `instance` is missing only when gunicorn refused the request line itself (414, 431).
    SOMETIMES_SENT = ("errors", "instance")

    type = fields.String(metadata={"example": "about:blank"})
    title = fields.String(metadata={"example": "Bad Request"})
    status = fields.Integer(metadata={"example": 400})
    detail = fields.String()
    instance = fields.String(
        metadata={"description": "The path asked for (absent when the request line was refused)."}
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Messages per field or parameter, for validation errors."},
    )
