"""Building the reads' queries: filters from the query schema, eager loads, names resolved to
ids, 404s."""

import difflib
import functools
import re

from flask_smorest import abort
from sqlalchemy import and_, func, or_, select, union
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import MANYTOONE, RelationshipProperty, joinedload, selectinload

from api.extensions import db
from api.search.engine import TextFilter, matching, text_filter
from api.search.query import EmptyQuery
from api.store.feed import latest_changes
from api.store.models import (
    ALIAS_FIELDS,
    Actor,
    ElsewhereError,
    Evidence,
    Source,
    Sourced,
    group_members,
    group_reference_members,
    model_of,
)
from api.store.version import remembered
from schemas.context import PublishedBy, expanded
from schemas.dates import first_and_last_day
from schemas.fields import SLUG_PATTERN

MAX_CANDIDATES = 20


def bad_parameter(name: str, message: str):
    """Abort with a 400 naming one query parameter."""
    abort(400, message=f"Invalid query parameter. {name}: {message}", errors={name: [message]})


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


def is_slug(value: str) -> bool:
    """Whether `value` could be an id (what else is a name, an alias or a mistake)."""
    return len(value) <= 100 and re.fullmatch(SLUG_PATTERN, value) is not None


def get_or_404(model, item_id: str, lock: bool = False):
    """Fetch one item by id (with `lock`, its row locked until the transaction ends); for a
    name, alias or ISO code of one item, raise `ElsewhereError` naming its id; else abort with
    a 404 a reader can act on."""
    item = None
    if is_slug(item_id):
        lock_row = {"of": model} if lock else None  # its own row, not those it joins
        item = db.session.get(model, item_id, options=load_options(model), with_for_update=lock_row)
    if item is None and len(item_id) <= 200:
        canonical = ids_answering_to(model, item_id)
        if len(canonical) == 1:
            raise ElsewhereError(model, canonical[0])
    if item is None:
        singular = model.collection.removesuffix("s")
        key = (model.collection, item_id)
        deleted = latest_changes({key}).get(key) if is_slug(item_id) else None
        if deleted is not None and deleted.method == "DELETE":
            abort(
                410,
                message=f"The {singular} '{item_id}' was deleted on "
                f"{deleted.at.isoformat(timespec='seconds')}: change {deleted.id} of the change "
                f"feed (/v1/changes?resource={model.collection}) holds it as it was.",
            )
        abort(
            404,
            message=f"No {singular} with id '{item_id}'. "
            f"List them at /v1/{model.collection}; ids are lowercase slugs.",
        )
    return item


def names_of(row) -> list[str]:
    """What an item answers to: its id, name or title, aliases (the article's and reference
    knowledge's) and ISO code."""
    aliases = [alias for name in ALIAS_FIELDS for alias in getattr(row, name, None) or []]
    names = [row.id, row.label, *aliases]
    return [*names, row.iso_code] if getattr(row, "iso_code", None) else names


def named(model) -> list:
    """Every item of `model` with what it answers to, in id order."""
    columns = [model.id, model.label_column().label("label")]
    columns += [
        getattr(model, name) for name in (*ALIAS_FIELDS, "iso_code") if hasattr(model, name)
    ]
    return db.session.execute(select(*columns).order_by(model.id)).all()


def answering_to(rows, value: str) -> list[str]:
    """The ids of the rows (`named`) whose id, name, alias or ISO code is `value`, any case."""
    wanted = value.casefold()
    return [row.id for row in rows if wanted in (n.casefold() for n in names_of(row))]


def ids_answering_to(model, value: str) -> list[str]:
    """`answering_to` over the whole collection: read whole only where aliases (a JSON list)
    must be compared in Python; otherwise the database compares the name or title."""
    if hasattr(model, "aliases"):
        return answering_to(named(model), value)
    label = model.label_column()
    matches = select(model.id).where(func.lower(label) == value.lower()).order_by(model.id)
    return list(db.session.scalars(matches.limit(2)))


def resolve(model, parameter: str, value: str) -> str:
    """Turn what a journalist typed (id, name, alias or ISO code, any case) into one id."""
    if is_slug(value) and value in ids_of(model):
        return value
    rows = named(model)
    exact = answering_to(rows, value)
    if len(exact) == 1:
        return exact[0]
    singular = model.collection.removesuffix("s")
    if exact:
        bad_parameter(
            parameter,
            f"'{value}' matches several {model.collection}: "
            f"{', '.join(exact)}. Use one of these ids.",
        )
    wanted = value.casefold()
    close = [
        row.id
        for row in rows
        if any(
            wanted in name.casefold()
            or difflib.SequenceMatcher(None, wanted, name.casefold()).ratio() > 0.75
            for name in names_of(row)
        )
    ]
    hint = (
        f"Did you mean: {', '.join(close[:MAX_CANDIDATES])}?"
        if close
        else f"Valid ids include: {', '.join(row.id for row in rows[:MAX_CANDIDATES])}."
    )
    bad_parameter(parameter, f"No {singular} matches '{value}'. {hint}")


def ids_of(model) -> frozenset[str]:
    """Every id of a collection that filters refer to (actors, proposals: hundreds), read once
    per data version."""
    return remembered(
        ("ids", model.collection), lambda: frozenset(db.session.scalars(select(model.id)))
    )


def published_by_then(day: str) -> PublishedBy:
    """What `as_of=day` shows (a partial date: its last day): the sources a journalist could
    have read then, read if a fact restated since is shown — those whose first possible day
    is no later (a partial date's ISO form sorts before its first day's), and the undated."""
    last = first_and_last_day(day)[1].isoformat()

    def sources() -> frozenset[str]:
        dated_by_then = or_(Source.published_on.is_(None), Source.published_on <= last)
        return frozenset(db.session.scalars(select(Source.id).where(dated_by_then)))

    return PublishedBy(last, sources)


def with_their_groups(actor_ids: list[str]) -> list[str]:
    """These actors and the groups they are members of (as the article names them, or by
    reference knowledge): `?actor=estonia` answers through the Baltic states."""
    groups = remembered(("groups",), groups_of_members)
    return [*actor_ids, *sorted({group for actor in actor_ids for group in groups.get(actor, ())})]


def groups_of_members() -> dict[str, list[str]]:
    """Each member's groups, by either kind of membership, read once per data version."""
    links = union(
        *(
            select(table.c.member_id, table.c.group_id)
            for table in (group_members, group_reference_members)
        )
    )
    groups: dict[str, list[str]] = {}
    for member, group in db.session.execute(select(links.subquery())):
        groups.setdefault(member, []).append(group)
    return groups


def text_filter_of(model, query: str) -> TextFilter:
    """How a page of `model` keeps the items matching `q` (api/search/engine.py), or a 400."""
    try:
        return text_filter(model, query)
    except EmptyQuery as error:
        bad_parameter("q", str(error))


@functools.cache
def filters_of(query_schema: type) -> dict:
    """The parameters of a query schema that filter, with how (`schemas.common.Filter`)."""
    return {
        name: field.metadata["filter"]
        for name, field in query_schema().fields.items()
        if "filter" in field.metadata
    }


def apply_filters(statement, args: dict, query_schema: type):
    """Add a WHERE clause per filter of `query_schema` given in `args`, and for `q` (every
    match read: a page of a list filters by text with `text_filter_of` instead)."""
    model = statement.column_descriptions[0]["entity"]
    if args.get("q"):
        try:
            statement = statement.where(matching(model, args["q"]))
        except EmptyQuery as error:
            bad_parameter("q", str(error))
    if args.get("paragraph") and not args.get("source"):
        # A paragraph is one article's: the third of every article asks of no article.
        bad_parameter("paragraph", "A paragraph is one source's: give `source=` too.")
    on_related: dict = {}
    for parameter, how in filters_of(query_schema).items():
        values = args.get(parameter)
        if values is None:
            continue
        attribute = getattr(model, how.column_for(parameter))
        if how.as_of:  # a partial date's ISO form sorts before its first day's: as it
            last = first_and_last_day(values)[1].isoformat()  # may have been read by then
            dated_by_then = attribute <= last
            if how.undated_is_null:  # a source's own date; a fact's undated is ''
                dated_by_then = or_(attribute.is_(None), dated_by_then)
            statement = statement.where(dated_by_then)
            continue
        if isinstance(values, bool):
            if how.few_true and values:  # read the few first: SQLite's statistics say half
                statement = statement.where(model.id.in_(select(model.id).where(attribute)))
            else:
                statement = statement.where(attribute.is_(values))
            continue
        if how.at_least:
            statement = statement.where(attribute >= values)
            continue
        if how.references:
            values = [resolve(model_of(how.references), parameter, value) for value in values]
        if how.references == "actors" and model is not Actor:
            values = with_their_groups(values)
        if isinstance(attribute.property, RelationshipProperty):
            related = attribute.property.mapper.class_
            on_related.setdefault(attribute, []).append(getattr(related, how.key).in_(values))
        else:
            statement = statement.where(attribute.in_(values))
    # Filters on one relationship hold for one related row: `source=` and `paragraph=` are one
    # span's, in that source's paragraph.
    for attribute, conditions in on_related.items():
        if issubclass(model, Sourced) and attribute.property.mapper.class_ is Evidence:
            statement = statement.where(backed_by_spans(model, attribute, conditions))
        else:
            statement = statement.where(attribute.any(and_(*conditions)))
    return statement


SPANS_READ_FIRST = 1000


def backed_by_spans(model, attribute, conditions):
    """The facts with a span that meets `conditions` (`source=`, with `paragraph=`): where few
    spans do (a source's hundred facts among 100,000), the spans are read first, by their
    indexes — asked of each fact in turn, they cost 150 ms, not 3; where many do, each fact in
    the list's order is asked, and a page stops at its last (reading 100,000 matching spans
    first cost 85 ms)."""
    spans = select(Evidence.fact_id).where(Evidence.fact_type == model.collection, *conditions)
    counted = select(func.count()).select_from(spans.limit(SPANS_READ_FIRST + 1).subquery())
    if db.session.scalar(counted) <= SPANS_READ_FIRST:
        return model.id.in_(spans)
    return attribute.any(and_(*conditions))


def role_hints(args: dict, query_schema) -> list[str]:
    """For a list an actor filter left empty: each actor it named who holds a role of another
    (a prime minister of a country), and how to ask for that one instead."""
    hints = []
    for parameter, how in filters_of(query_schema).items():
        if how.references != "actors" or not args.get(parameter):
            continue
        for value in args[parameter]:
            actor = db.session.get(Actor, resolve(Actor, parameter, value))
            for role in actor.roles:
                if role.of is not None:
                    hints.append(
                        f"{actor.name} is {role.title} of {role.of.name}, whose facts "
                        f"{parameter}={role.of.id} asks for."
                    )
    return hints
