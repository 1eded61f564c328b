"""The search index: one row per source and fact, holding every text it holds or names, kept up
to date by every write; and the words it holds (the vocabulary prefixes and suggestions use).

SQLite keeps it in FTS5 (bm25 ranking); PostgreSQL as a weighted tsvector with a GIN index
(ts_rank_cd): the migration creates it differently per dialect."""

import bisect
import functools
import itertools
import zlib

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from api.extensions import db
from api.search.query import WORD
from api.search.spelling import one_spelling
from api.store import version
from api.store.models import ALIAS_FIELDS, ActorRole, Evidence, Item, Provision, model_of
from schemas.collections import item_schema, names
from schemas.fields import EnumString

# Kept out of the models' metadata: the migration creates it differently per dialect.
search_index = Table(
    "search_index",
    MetaData(),
    Column("type", String(20)),
    Column("item_id", String(100)),
    Column("label", Text),
    Column("body", Text),
)

# SQLite only: FTS5 finds its rows by rowid alone (its other columns are read from the row's
# whole stored text, 0.8 µs a match), so each row's rowid is named here with its item, in one
# range of rowids per collection: a collection's matches are counted, and one item's row found,
# without reading any text (PostgreSQL's search_index is keyed by type and item_id already).
search_rows = Table(
    "search_rows",
    search_index.metadata,
    Column("id", Integer, primary_key=True),
    Column("type", String(20), nullable=False),
    Column("item_id", String(100), nullable=False),
    UniqueConstraint("type", "item_id", name="uq_search_rows_type"),
)
ROWIDS_PER_COLLECTION = 1 << 40


def rowids_of(collection: str) -> tuple[int, int]:
    """The first and last rowid a collection's rows may take in the SQLite index, from its name
    (stable whatever collections are added; a test checks that no two collections share one)."""
    first = (zlib.crc32(collection.encode()) & 0xFFFF) * ROWIDS_PER_COLLECTION
    return first, first + ROWIDS_PER_COLLECTION - 1


# The words of the index (one spelling, lowercase), each once: what a prefix's words and a typo's
# suggestions are looked up in, written with the index (reading every text of the index for
# them took 430 ms at 100,000 stances, after every write). A word stays when the last text that
# held it goes: a suggestion of it then finds nothing, an expansion to it adds nothing.
search_words = Table(
    "search_words", search_index.metadata, Column("word", String(100), primary_key=True)
)
LONGEST_WORD = 100

# Not text a journalist searches: ids, digests, addresses, dates and their bookkeeping, and
# the stored JSON of the item.
SKIPPED_COLUMNS = {
    "id",
    "sha256",
    "original_url",
    "rendered",
    "published_on",
    "date",
    "date_order",
    "date_known_from",
    "ordered_by",
    "reported_from",
    "reported_to",
}


def vocabulary() -> list[str]:
    return words_of_the_index(str(db.engine.url), version.current())


@functools.lru_cache(maxsize=4)
def words_of_the_index(database: str, version: int) -> list[str]:
    """Every word the index holds, in order, read once per database and data version."""
    return sorted(db.session.scalars(select(search_words.c.word)))


def words_beginning(begun: str, most: int) -> list[str]:
    """The first `most` words of the index that begin with `begun`, in order."""
    words = vocabulary()
    start = bisect.bisect_left(words, begun)
    found = itertools.islice(words, start, start + most)
    return list(itertools.takewhile(lambda word: word.startswith(begun), found))


def words_in(body: str) -> set[str]:
    return {
        word.lower()
        for word in WORD.findall(body)
        if not word.isdigit() and len(word) <= LONGEST_WORD
    }


def remember_words(bodies) -> None:
    """Add the words of these index texts to the index's words, in the current transaction."""
    found = set().union(*map(words_in, bodies))
    if not found:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    rows = [{"word": word} for word in sorted(found)]
    for start in range(0, len(rows), 5000):
        statement = insert(search_words).on_conflict_do_nothing()
        db.session.execute(statement, rows[start : start + 5000])


def related_text(value) -> list[str]:
    """The words a related row adds to an item's document."""
    if isinstance(value, Item):
        return [value.label]
    if isinstance(value, Evidence):
        return [value.quote]
    if isinstance(value, Provision):
        return [value.text]
    if isinstance(value, ActorRole):
        return [value.title, value.of.label if value.of else ""]
    return []


@functools.cache
def text_fields(model) -> tuple[str, ...]:
    """The columns that hold an item's own texts (not its ids, keys or digests, nor the values
    of a fixed list — a stance's `stated` is no word of prose: `States` must not find it),
    then its alias lists."""
    schema_fields = item_schema(model.collection).fields
    columns = [
        column.key
        for column in inspect(model).columns
        if isinstance(column.type, String | Text)
        and column.key not in SKIPPED_COLUMNS
        and not column.foreign_keys
        and not isinstance(schema_fields.get(column.key), EnumString)
    ]
    return (*columns, *(name for name in ALIAS_FIELDS if hasattr(model, name)))


def own_texts(item) -> list[tuple[str, str]]:
    """The texts an item holds in its own columns, with their field: (field, text)."""
    return texts_of({name: getattr(item, name) for name in text_fields(type(item))})


def texts_of(values: dict) -> list[tuple[str, str]]:
    """(field, text) of an item's own texts, read as `text_fields` names them; an alias list
    gives one per alias."""
    found = [
        (name, str(value)) for name, value in values.items() if value and name not in ALIAS_FIELDS
    ]
    aliases = [(name, alias) for name in ALIAS_FIELDS for alias in values.get(name) or []]
    return found + aliases


def field_texts(item) -> list[tuple[str, str]]:
    """Every text an item holds or names, with the field it is in: (field, text)."""
    mapper = inspect(type(item))
    found = own_texts(item)
    for relationship in mapper.relationships:
        value = getattr(item, relationship.key)
        for related in value if isinstance(value, list) else [value]:
            found += [(relationship.key, part) for part in related_text(related) if part]
    return found


def document(item) -> dict:
    """The row that indexes one item: its label, and every text it holds or names."""
    body = "\n".join(part for _, part in field_texts(item))
    return {
        "type": item.collection,
        "item_id": item.id,
        "label": item.label,
        "body": one_spelling(body),
    }


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def index_item(item) -> None:
    """Bring one item's row up to date, in the current transaction: rewritten where it has one
    (one statement, where a delete and an insert took five on SQLite), else added."""
    row = document(item)
    rewrite = REWRITE_DOCUMENT_POSTGRES if is_postgres() else REWRITE_DOCUMENT_SQLITE
    if db.session.execute(rewrite, row).rowcount:
        remember_words([row["body"]])
    else:
        insert_documents([row])


REWRITE_DOCUMENT_POSTGRES = text(
    "UPDATE search_index SET label = :label, body = :body WHERE type = :type AND item_id = :item_id"
)
REWRITE_DOCUMENT_SQLITE = text(
    "UPDATE search_index SET label = :label, body = :body WHERE rowid = "
    "(SELECT id FROM search_rows WHERE type = :type AND item_id = :item_id)"
)


def index_items(keys: set[tuple[str, str]]) -> None:
    """Bring the rows of these items, as (collection, id), up to date (those that still exist:
    a write may have deleted some), each collection's read at once."""
    for collection in names("items"):
        ids = sorted(item_id for kind, item_id in keys if kind == collection)
        if not ids:
            continue
        model = model_of(collection)
        load = [selectinload(rel) for rel in inspect(model).relationships]
        for item in db.session.scalars(select(model).where(model.id.in_(ids)).options(*load)):
            index_item(item)


def unindex_item(item) -> None:
    if is_postgres():
        mine = search_index.c.type == item.collection, search_index.c.item_id == item.id
        db.session.execute(search_index.delete().where(*mine))
        return
    mine = search_rows.c.type == item.collection, search_rows.c.item_id == item.id
    rowid = db.session.scalar(select(search_rows.c.id).where(*mine))
    if rowid is not None:
        db.session.execute(search_rows.delete().where(search_rows.c.id == rowid))
        db.session.execute(text("DELETE FROM search_index WHERE rowid = :rowid"), {"rowid": rowid})


# The FTS5 table's rowid is not a column SQLAlchemy can be told of without breaking PostgreSQL's.
INSERT_WITH_ROWID = text(
    "INSERT INTO search_index (rowid, type, item_id, label, body) "
    "VALUES (:rowid, :type, :item_id, :label, :body)"
)
ROWS_PER_INSERT = 5000


def insert_documents(rows: list[dict]) -> None:
    """Index these rows of `document` (items not in the index), in the current transaction."""
    for start in range(0, len(rows), ROWS_PER_INSERT):
        batch = rows[start : start + ROWS_PER_INSERT]
        if is_postgres():
            db.session.execute(search_index.insert(), batch)
        else:
            batch = with_rowids(batch)
            named = [
                {"id": row["rowid"], "type": row["type"], "item_id": row["item_id"]}
                for row in batch
            ]
            db.session.execute(search_rows.insert(), named)
            db.session.execute(INSERT_WITH_ROWID, batch)
        remember_words(row["body"] for row in batch)


def with_rowids(rows: list[dict]) -> list[dict]:
    """The rows, each with the next free rowid of its collection's range (SQLite)."""
    last = {}
    numbered = []
    for row in rows:
        kind = row["type"]
        if kind not in last:
            first, final = rowids_of(kind)
            in_range = search_rows.c.id.between(first, final)
            last[kind] = db.session.scalar(select(func.max(search_rows.c.id)).where(in_range))
            last[kind] = first - 1 if last[kind] is None else last[kind]
        last[kind] += 1
        numbered.append({**row, "rowid": last[kind]})
    return numbered


def is_empty() -> bool:
    """Whether the index holds no row (emptied by a migration that changed what it holds)."""
    return db.session.scalar(select(search_index.c.item_id).limit(1)) is None


def reindex() -> None:
    """Rebuild the whole index from the database, in the current transaction."""
    db.session.execute(search_index.delete())
    db.session.execute(search_words.delete())
    if not is_postgres():
        db.session.execute(search_rows.delete())
    for model in map(model_of, names("items")):
        load = [selectinload(rel) for rel in inspect(model).relationships]
        insert_documents(
            [document(item) for item in db.session.scalars(select(model).options(*load))]
        )
