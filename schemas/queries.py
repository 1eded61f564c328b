"""Query strings: the parameters every list takes, and the filter declarations the store applies."""

import functools
from dataclasses import dataclass

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from webargs.fields import DelimitedList

from schemas.dates import PartialDate
from schemas.fields import Choice, ListParameter, OneOfCollections, QueryInteger
from schemas.references import expandable

MAX_FILTER_VALUES = 50


def expand_field(schema_class: type[Schema]) -> DelimitedList:
    """`expand=a,b`: embed these references of `schema_class` in full instead of compact."""
    names = expandable(schema_class)
    return choices_parameter(
        names,
        f"Embed in full: any of {', '.join(names)}, comma-separated (`expand=a,b`) or repeated "
        "(`expand=a&expand=b`).",
    )


def choices_parameter(names, description: str, most: int | None = None) -> ListParameter:
    """A list parameter of fixed values, in any case, at least one (and `most` at most)."""
    length = validate.Length(min=1)
    if most is not None:
        length = validate.Length(min=1, max=most, error=f"Give 1 to {most} of them at once.")
    return ListParameter(Choice(names), validate=length, metadata={"description": description})


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
    as_of: bool = False  # the value is a date: keep what the sources published by then back
    # A true/false filter whose true rows are few (current stances: one a pair), read first:
    # SQLite's statistics know only that half the rows are true, and walk them all.
    few_true: bool = False
    undated_is_null: bool = False  # with `as_of`: the column holds null, not '', for no date

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


def paragraph_filter() -> ListParameter:
    """`paragraph=`: only the facts with a span in this paragraph (of `source=`, if given)."""
    return any_of(
        fields.Integer(validate=validate.Range(min=1, max=100_000)),
        "Only facts with evidence in this paragraph of the `source=` given (from 1, as "
        "citations number them), e.g. '3'; without `source=`, a 400.",
        column="evidence",
        key="paragraph",
    )


def as_of_filter(**how) -> fields.Field:
    """`as_of=DATE`: the picture as it was then — only what sources published by that date
    back (a source dated only by its month or year counts from its first day; an undated one
    always counts)."""
    return filter_field(
        PartialDate(
            metadata={
                "description": "The picture as a journalist saw it then: only what sources "
                "published on or before this date (a day, a month or a year: its last day) "
                "back, e.g. '2025-04-13'.",
                "example": "2025-04-13",
            }
        ),
        **{"column": "reported_from", **how},
        as_of=True,
    )


def enum_filter(choices, description: str = "", **how) -> ListParameter:
    """A filter on a column holding one of `choices`, given in any case and British spelling."""
    described = description or f"One of: {', '.join(choices)}."
    if not isinstance(choices, OneOfCollections):
        described += " British spellings are the same value (`sceptical`, `defence`)."
    return any_of(Choice(choices), described, **how)


def string_filter(max_length: int, description: str, **how) -> ListParameter:
    return any_of(
        fields.String(validate=validate.Length(min=1, max=max_length)), description, **how
    )


TRUTHY = {"true", "1", "yes", "on"}
FALSY = {"false", "0", "no", "off"}


def flag(description: str, **kwargs) -> fields.Boolean:
    """A true/false query parameter, as people write it: true, 1, yes, on, or their opposites."""
    return fields.Boolean(
        truthy=TRUTHY, falsy=FALSY, metadata={"description": description}, **kwargs
    )


class QuerySchema(Schema):
    """Base for query strings: unknown parameters are an error that lists the valid ones."""

    class Meta:
        unknown = RAISE

    pretty = flag("Indent the JSON (the default for curl, unless false).")

    def handle_error(self, error, data, **kwargs):
        valid = ", ".join(sorted(self.fields))
        messages = {
            name: ([unknown_parameter(name, valid)] if problems == ["Unknown field."] else problems)
            for name, problems in error.normalized_messages().items()
        }
        raise ValidationError(messages)


def unknown_parameter(name: str, valid: str) -> str:
    return f"Unknown parameter. Valid parameters: {valid}."


class ItemQuerySchema(QuerySchema):
    """Parameters an item accepts."""


@functools.cache
def item_query_schema(schema_class: type[Schema]) -> type[Schema]:
    """The parameters of one item of `schema_class`: `expand=`, when it refers to others."""
    if not expandable(schema_class):
        return ItemQuerySchema
    name = schema_class.__name__.removesuffix("Schema") + "ItemQuerySchema"
    attributes = {"expand": expand_field(schema_class), "__module__": schema_class.__module__}
    return type(name, (ItemQuerySchema,), attributes)


def size_parameter(default: int, most: int, description: str, least: int = 1) -> QueryInteger:
    """How many of something an answer holds, `least`–`most`: what its cost is bounded by."""
    return QueryInteger(
        load_default=default,
        validate=validate.Range(min=least, max=most),
        metadata={"description": description},
    )


def cursor_parameter() -> fields.String:
    return fields.String(
        validate=validate.Length(max=1000),
        metadata={"description": "Opaque cursor from `links.next` of the previous page."},
    )


class CollectionQuerySchema(QuerySchema):
    """Parameters every collection accepts."""

    limit = size_parameter(50, 200, "Items per page, 1–200 (1–50 with `expand`).")
    cursor = cursor_parameter()
    q = fields.String(
        validate=validate.Length(min=1, max=500),
        metadata={
            "description": 'Full-text filter, as in /v1/search: words, "phrases", prefix*, '
            "a OR b, -word."
        },
    )

    @validates_schema
    def bound_expanded_pages(self, data, **kwargs):
        """An expanded item costs several: a page that expands holds fewer."""
        if data.get("expand") and data.get("limit", 0) > MOST_EXPANDED:
            raise ValidationError(f"With expand, at most {MOST_EXPANDED} items per page.", "limit")


# Items a page may hold when it expands references (each is several items' work).
MOST_EXPANDED = 50


# Facets a request may count at once: each is a GROUP BY over every filtered item (at 100,000
# stances about 3 pages' work), so that a request costs 10 pages' work at most (bench/RESULTS.md).
MOST_FACETS = 2


def facet_field(*names: str) -> ListParameter:
    """`facet=a,b`: count the filtered items by these fields, into `meta.facets`."""
    return choices_parameter(
        names,
        f"Count the filtered items by any of: {', '.join(names)} (comma-separated or "
        f"repeated; {MOST_FACETS} at most at once), into `meta.facets`.",
        most=MOST_FACETS,
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


REPORTED_SORT = (
    "`reported_on`: when each was reported (its latest source's place among the sources), "
    "oldest first."
)


def sort_field(*names: str, description: str = "") -> fields.String:
    """`sort=field` or `sort=-field` over the given fields."""
    choices = [variant for name in names for variant in (name, f"-{name}")]
    return Choice(
        choices,
        load_default=names[0],
        metadata={"description": f"Sort field; a leading '-' sorts descending. {description}"},
    )
