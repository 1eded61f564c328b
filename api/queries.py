"""Building the reads' queries: filters from the query schema, eager loads, names resolved to
ids, 404s."""

import difflib
import functools
import re

from flask_smorest import abort
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import MANYTOONE, RelationshipProperty, joinedload, selectinload

from api.errors import bad_parameter
from api.extensions import db
from api.fulltext import EmptyQuery, matching
from api.models import ITEM_MODELS
from schemas.common import SLUG_PATTERN, expanded

MAX_CANDIDATES = 20


def load_options(model) -> list:
    """Eager loads for everything an item of `model` shows, so that a page costs the same few
    queries whatever its size; a reference the request expands brings its own item's loads."""
    wanted = expanded.get()
    options = []
    for relationship in sa_inspect(model).relationships:
        loader = eager(model, relationship)
        target = relationship.mapper.class_
        if not hasattr(target, "collection"):
            # A part of the item (a role, a provision): load what it refers to as well.
            for part in sa_inspect(target).relationships:
                nested = eager(target, part)
                if relationship.key in wanted:
                    nested = nested.options(*full_load(part.mapper.class_))
                loader = loader.options(nested)
        elif relationship.key in wanted:
            loader = loader.options(*full_load(target))
        options.append(loader)
    return options


def eager(model, relationship):
    """A single reference joins into the item's own query; a list comes in one more query."""
    attribute = getattr(model, relationship.key)
    return joinedload(attribute) if relationship.direction is MANYTOONE else selectinload(attribute)


def full_load(model) -> list:
    """The loads of an expanded item: everything it shows, nothing expanded further."""
    token = expanded.set(frozenset())
    try:
        return load_options(model)
    finally:
        expanded.reset(token)


def get_or_404(model, item_id: str):
    """Fetch one item by id, or abort with a 404 a reader can act on."""
    item = None
    if len(item_id) <= 100 and re.fullmatch(SLUG_PATTERN, item_id):
        item = db.session.get(model, item_id, options=load_options(model))
    if item is None:
        singular = model.collection.removesuffix("s")
        abort(
            404,
            message=f"No {singular} with id '{item_id}'. "
            f"List them at /v1/{model.collection}; ids are lowercase slugs.",
        )
    return item


def names_of(model, row) -> list[str]:
    return [row.id, row.label, *(getattr(row, "aliases", None) or [])]


def resolve(model, parameter: str, value: str) -> str:
    """Turn what a journalist typed (id, name or alias, any case) into one id."""
    if len(value) <= 100 and re.fullmatch(SLUG_PATTERN, value):
        if db.session.get(model, value) is not None:
            return value
    columns = [model.id, model.label_column().label("label")]
    if hasattr(model, "aliases"):
        columns.append(model.aliases)
    rows = db.session.execute(select(*columns).order_by(model.id)).all()
    wanted = value.casefold()
    exact = [row.id for row in rows if wanted in (n.casefold() for n in names_of(model, row))]
    if len(exact) == 1:
        return exact[0]
    singular = model.collection.removesuffix("s")
    if exact:
        bad_parameter(
            parameter,
            f"'{value}' matches several {model.collection}: "
            f"{', '.join(exact)}. Use one of these ids.",
        )
    close = [
        row.id
        for row in rows
        if any(
            wanted in name.casefold()
            or difflib.SequenceMatcher(None, wanted, name.casefold()).ratio() > 0.75
            for name in names_of(model, row)
        )
    ]
    hint = (
        f"Did you mean: {', '.join(close[:MAX_CANDIDATES])}?"
        if close
        else f"Valid ids include: {', '.join(row.id for row in rows[:MAX_CANDIDATES])}."
    )
    bad_parameter(parameter, f"No {singular} matches '{value}'. {hint}")


@functools.cache
def filters_of(query_schema: type) -> dict:
    """The parameters of a query schema that filter, with how (`schemas.common.Filter`)."""
    return {
        name: field.metadata["filter"]
        for name, field in query_schema().fields.items()
        if "filter" in field.metadata
    }


def apply_filters(statement, args: dict, query_schema: type):
    """Add a WHERE clause per filter of `query_schema` given in `args`, and for `q`."""
    model = statement.column_descriptions[0]["entity"]
    if args.get("q"):
        try:
            statement = statement.where(matching(model, args["q"]))
        except EmptyQuery as error:
            bad_parameter("q", str(error))
    for parameter, how in filters_of(query_schema).items():
        value = args.get(parameter)
        if value is None:
            continue
        if how.references:
            value = resolve(ITEM_MODELS[how.references], parameter, value)
        attribute = getattr(model, how.column or parameter)
        if isinstance(attribute.property, RelationshipProperty):
            statement = statement.where(attribute.any(**{how.key: value}))
        elif how.at_least:
            statement = statement.where(attribute >= value)
        else:
            statement = statement.where(attribute == value)
    return statement
