"""Each fact's JSON, dumped by its schema once per change and stored beside it (`rendered`), so
that a read is one indexed query: no ORM objects and no marshmallow work per item served.

A write stores the renders of what it changed, in its own transaction, and of every fact that
shows something of it: a name or title in a reference, a source's title in a citation, an
event listed on a proposal. A read that asks for more (`?expand=`) renders afresh.
"""

from dataclasses import dataclass

import orjson
from flask.json.provider import DefaultJSONProvider
from sqlalchemy import String, bindparam, literal, select, update

from api.extensions import db
from api.store.models import Sourced, model_of
from api.store.queries import full_load, get_or_404, is_slug
from api.store.reads import direct_reads
from schemas.collections import item_schema, names
from schemas.context import chosen_fields, compact_json, expanded, published_by
from schemas.pages import Dumped

# Dates and times go to Flask's own encoder, as they did before orjson (marshmallow has dumped
# every resource's to ISO strings already); so does anything else orjson does not know.
JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
PRETTY_JSON_OPTIONS = JSON_OPTIONS | orjson.OPT_INDENT_2


def dump_json(obj, pretty: bool = False) -> bytes:
    """Compact JSON for programs; indented by two spaces for people."""
    options = PRETTY_JSON_OPTIONS if pretty else JSON_OPTIONS
    return orjson.dumps(obj, default=DefaultJSONProvider.default, option=options)


@dataclass(frozen=True)
class Stored:
    """A fact's JSON as a write stored it, and the version it was rendered at: served as it is
    where the answer is compact JSON, parsed to be laid out otherwise."""

    version: int
    rendered: str

    @property
    def body(self) -> Dumped:
        return parsed(self.rendered)


FACTS_PER_QUERY = 500  # facts rendered per query when many are
STALE = "stale_renders"  # the session's note of the facts whose renders a write must refresh


def is_stored(model) -> bool:
    """Whether this request can be served `model`'s stored renders: a fact's (backed by
    evidence), when it expands nothing."""
    return issubclass(model, Sourced) and not expanded.get()


def read_item(model, item_id: str):
    """One item for a read: its stored render, or (expanded, or not rendered yet) the item
    itself, to be dumped; a name or alias answers 308 and an unknown id 404 (`get_or_404`)."""
    if is_stored(model) and is_slug(item_id):
        version, rendered = direct_reads().item(model, item_id) or (None, None)
        if rendered is not None:
            return Stored(version, rendered)
    return get_or_404(model, item_id)


def rendered_rows(statement, model, key: str, parsed_always: bool = False) -> list[tuple]:
    """The rows of an ordered, limited page of `model` as (stored render, sort value, id):
    one query, reading the renders and the cursor's columns only. Compact JSON with every
    field takes each render's bytes as they are (`orjson.Fragment`); CSV, pretty output and
    `?fields=` get them parsed."""
    columns = statement.with_only_columns(
        model.id, getattr(model, key), model.rendered, model.reported_to
    )
    rows = direct_reads().rows(columns)
    then = published_by.get()  # `as_of`: a fact restated since shows its spans of then
    missing = [row[0] for row in rows if row[2] is None or (then and (row[3] or "") > then.last)]
    rows = [row[:3] for row in rows]
    fresh = {item_id: render(item) for item_id, item in load_afresh(model, missing).items()}
    as_is = orjson.Fragment if shown_as_stored() and not parsed_always else parsed
    return [
        (as_is(fresh.get(item_id) or rendered), value, item_id) for item_id, value, rendered in rows
    ]


def shown_as_stored() -> bool:
    """Whether this answer is compact JSON of every field: what a render is."""
    return compact_json.get() and not chosen_fields.get()


def parsed(rendered) -> Dumped:
    return Dumped(orjson.loads(rendered))


def render(item) -> bytes:
    """A fact's JSON as every read that expands nothing shows it."""
    token = expanded.set(frozenset())
    try:
        return dump_json(item_schema(item.collection).dump(item))
    finally:
        expanded.reset(token)


def load_afresh(model, ids: list[str]) -> dict:
    """These facts of `model`, loaded afresh with all they show, by id."""
    if not ids:
        return {}
    statement = (
        select(model)
        .where(model.id.in_(ids))
        .options(*full_load(model))
        .execution_options(populate_existing=True)
    )
    return {item.id: item for item in db.session.scalars(statement)}


def store(model, ids, dumped: dict | None = None) -> None:
    """Render these facts afresh and store the renders, and those `dumped` (by id) as they are,
    in the current transaction. Neither their version nor updated_at moves: what the facts say
    has not changed."""
    table = model.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("item_id"))
        .values(rendered=bindparam("body"), updated_at=table.c.updated_at)
    )
    if dumped:
        rows = [
            {"item_id": item_id, "body": dump_json(body).decode()}
            for item_id, body in dumped.items()
        ]
        db.session.execute(statement, rows)
    ids = sorted(ids)
    for start in range(0, len(ids), FACTS_PER_QUERY):
        items = load_afresh(model, ids[start : start + FACTS_PER_QUERY]).values()
        rows = [{"item_id": item.id, "body": render(item).decode()} for item in items]
        if rows:
            db.session.execute(statement, rows)


def store_all(missing_only: bool = False) -> None:
    """Store the render of every fact (or of those that have none yet)."""
    for model in map(model_of, names("facts")):
        statement = select(model.id)
        if missing_only:
            statement = statement.where(model.rendered.is_(None))
        store(model, db.session.scalars(statement).all())


def note(*items) -> None:
    """Note, before `items` change or go, the facts that show something of them now: the write
    stores those renders afresh when it ends (`refresh`), along with what shows them then."""
    stale = db.session.info.setdefault(STALE, set())
    for item in items:
        stale.add((item.collection, item.id))
        stale.update(showing(item))


def refresh(*written, dumps: dict | None = None) -> set[tuple[str, str]]:
    """Store afresh, as a write ends, the renders of the facts it wrote, of every fact that
    shows something of them, and of those `note` noted; which those were, as (collection, id).
    `dumps` holds what the write dumped already, by (collection, id): stored as it is, not
    dumped again."""
    note(*written)
    stale = db.session.info.pop(STALE, set())
    dumps = dumps or {}
    for collection in names("facts"):
        ids = {item_id for name, item_id in stale if name == collection}
        given = {
            item_id: dumps[collection, item_id] for item_id in ids if (collection, item_id) in dumps
        }
        if ids:
            store(model_of(collection), ids - given.keys(), given)
    return stale


def showing(item) -> set[tuple[str, str]]:
    """The facts whose render may show something of `item`, as (collection, id): every row
    with a foreign key to it names them (a stance its actor, a span its source, a link its
    other end: a proposal shows the events that list it)."""
    found = set()
    for table in db.Model.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table is not item.__table__:
                continue
            for collection, column in ends(table, key):
                rows = db.session.execute(select(collection, column).where(key.parent == item.id))
                found.update(tuple(row) for row in rows)
    return {(collection, item_id) for collection, item_id in found if collection in names("facts")}


def ends(table, key) -> list[tuple]:
    """The (collection, id) columns of a row of `table` that name the facts it ties to what
    `key` points at: a fact's own id, a span's fact, a link's other ends."""
    if table.name in names("facts"):
        return [(literal(table.name, String), table.c.id)]
    if table.name == "evidence":
        return [(table.c.fact_type, table.c.fact_id)]
    return [
        (literal(other.column.table.name, String), other.parent)
        for other in table.foreign_keys
        if other is not key
    ]
