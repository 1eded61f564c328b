"""Full-text search: the index of every fact and source, and safe queries over it.

SQLite uses FTS5 (bm25 ranking); PostgreSQL a weighted tsvector with a GIN index (ts_rank_cd).
Both answer the same contract; api/search/snippets.py says which field of a hit matched. What a user
types is never passed through as query syntax: it is parsed (`parse`) into words, "quoted
phrases", prefix* terms, `a OR b` and `-word`, in one spelling (api/search/spelling.py), so stray
operators or unbalanced quotes cannot make the database fail.
"""

import difflib
import functools
import re
from dataclasses import dataclass, field

import orjson
import snowballstemmer
from sqlalchemy import (
    Column,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    inspect,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import selectinload

from api.extensions import db
from api.search.snippets import Matcher, best_field
from api.search.spelling import one_spelling
from api.store import version
from api.store.models import ALIAS_FIELDS, FACT_MODELS, ActorRole, Evidence, Item, Provision, Source
from api.store.reads import direct_reads

# Kept out of the models' metadata: the migration creates it differently per dialect.
search_index = Table(
    "search_index",
    MetaData(),
    Column("type", String(20)),
    Column("item_id", String(100)),
    Column("label", Text),
    Column("body", Text),
)
SEARCHABLE = {"sources": Source, **FACT_MODELS}
# Not text a journalist searches: ids, digests, addresses, and the stored JSON of the item.
SKIPPED_COLUMNS = {"id", "sha256", "original_url", "rendered"}
TERM = re.compile(r'"([^"]*)"?|([^\s"]+)')
WORD = re.compile(r"\w+")
MAX_PREFIX_WORDS = 50  # index words a prefix adds to its query, at most
# SQLite's FTS5 `porter` tokenizer is the original Porter stemmer.
PORTER = snowballstemmer.stemmer("porter")


class EmptyQuery(ValueError):
    """The query holds no word to search for."""


@dataclass(frozen=True)
class Term:
    """A word or a "quoted phrase" to find; with `prefix`, its last word begins a word."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass
class Query:
    """What a journalist asked for: every group must match (a group matches when any of its
    terms does: `a OR b`), and no excluded term may (`-word`)."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)


def parse(query: str) -> Query:
    """Read the syntax a journalist already knows — `"exact phrase"`, `word*`, `a OR b`,
    `-word` — and take anything else as words: never an error, never injected syntax."""
    query = re.sub("[“”„«»]", '"', query)
    parsed, joining, negating = Query(), False, False
    for phrase, word in TERM.findall(query):
        if word == "OR":
            joining = bool(parsed.groups)
            continue
        if word == "-":  # -"a phrase"
            negating = True
            continue
        negated = negating or (word.startswith("-") and len(word) > 1)
        negating = False
        words = tuple(WORD.findall(one_spelling(phrase or word)))
        if not words:
            continue
        term = Term(words, bool(word) and word.endswith("*"))
        if negated:
            parsed.excluded.append(term)
        elif joining:
            parsed.groups[-1].append(term)
        else:
            parsed.groups.append([term])
        joining = False
    if not parsed.groups:
        # Nothing left to find (`-Italy`, `OR`): what was typed is taken as words.
        words = [tuple(WORD.findall(one_spelling(p or w))) for p, w in TERM.findall(query)]
        parsed = Query(groups=[[Term(found)] for found in words if found])
    if not parsed.groups:
        raise EmptyQuery("Give at least one word to search for.")
    return parsed


def fts5_term(term: Term) -> str:
    """A term in FTS5's syntax. FTS5 does not stem a prefix, while the index holds stems
    ('assurances' is 'assur'): a prefix also matches as its own stem."""
    text = f'"{" ".join(term.words)}"'
    if not term.prefix:
        return text
    stemmed = PORTER.stemWord(term.words[-1].lower())
    alternatives = [f"{text}*"]
    if stemmed != term.words[-1].lower():
        alternatives.append(f'"{" ".join((*term.words[:-1], stemmed))}"*')
    return alternatives[0] if len(alternatives) == 1 else f"({' OR '.join(alternatives)})"


def fts5_query(query: Query) -> str:
    groups = " AND ".join(
        f"({' OR '.join(map(fts5_term, group))})" if len(group) > 1 else fts5_term(group[0])
        for group in query.groups
    )
    return groups + "".join(f" NOT {fts5_term(term)}" for term in query.excluded)


def ts_term(term: Term) -> str:
    """A term in PostgreSQL's tsquery syntax (to_tsquery stems a prefix itself)."""
    return "(" + " <-> ".join(f"'{w}'" for w in term.words) + (":*" if term.prefix else "") + ")"


def tsquery(query: Query) -> str:
    groups = " & ".join(f"({' | '.join(map(ts_term, group))})" for group in query.groups)
    return groups + "".join(f" & !{ts_term(term)}" for term in query.excluded)


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def match_sql(query: Query) -> tuple[str, dict]:
    """The WHERE clause selecting matching rows of search_index, and its parameters."""
    query = with_the_words_prefixes_begin(query)
    if is_postgres():
        return "document @@ to_tsquery('english', :match)", {"match": tsquery(query)}
    return "search_index MATCH :match", {"match": fts5_query(query)}


def with_the_words_prefixes_begin(query: Query) -> Query:
    """A prefix that is not a whole word (`negotiat*`) does not begin the index's stems
    (`negoti`): each one-word prefix also matches, as words, the index's words it begins."""

    def widened(terms: list[Term]) -> list[Term]:
        more = []
        for term in terms:
            if term.prefix and len(term.words) == 1:
                begun = term.words[0].lower()
                words = [word for word in vocabulary() if word.startswith(begun)]
                more += [Term((word,)) for word in words[:MAX_PREFIX_WORDS]]
        return [*terms, *more]

    return Query(
        groups=[widened(group) for group in query.groups], excluded=widened(query.excluded)
    )


def vocabulary() -> list[str]:
    return words_of_the_index(str(db.engine.url), version.current())


def matching(model, query: str):
    """A clause keeping the items of `model` (or evidence of facts) that match `query`."""
    where, params = match_sql(parse(query))
    if model is Evidence:
        hits = text(f"SELECT type, item_id FROM search_index WHERE {where}").bindparams(**params)
        return tuple_(Evidence.fact_type, Evidence.fact_id).in_(
            hits.columns(search_index.c.type, search_index.c.item_id)
        )
    hits = text(f"SELECT item_id FROM search_index WHERE type = :type AND {where}")
    hits = hits.bindparams(bindparam("type", model.collection), **params)
    return model.id.in_(hits.columns(search_index.c.item_id))


def search(query: str, kind: str | None, limit: int, offset: int) -> tuple[list[dict], int]:
    """One page of ranked hits, best first, and how many there are in all."""
    parsed = parse(query)
    where, params = match_sql(parsed)
    if kind:
        where += " AND type = :kind"
        params["kind"] = kind
    if is_postgres():
        score = "ts_rank_cd(document, to_tsquery('english', :match))"
    else:
        score = "-bm25(search_index, 0, 0, 4.0, 1.0)"
    # The total comes with the page: ranking visits every match anyway, and a window counts
    # them for nothing more (a count of its own cost as much again).
    sql = (
        "SELECT type, item_id, label, score, count(*) OVER () AS total FROM "
        f"(SELECT type, item_id, label, {score} AS score FROM search_index WHERE {where}) AS hits "
        "ORDER BY score DESC, type, item_id LIMIT :limit OFFSET :offset"
    )
    rows = direct_reads().rows(text(sql), {**params, "limit": limit, "offset": offset})
    if rows:
        total = rows[0].total
    elif offset:  # past the last hit
        counting = text(f"SELECT count(*) FROM search_index WHERE {where}")
        total = direct_reads().rows(counting, params)[0][0]
    else:
        total = 0
    matcher = Matcher(parsed, db.session.get_bind().dialect.name)
    texts = hit_texts(rows)
    hits = []
    for row in rows:
        matched, marked = best_field(texts.get((row.type, row.item_id), []), matcher)
        hits.append(
            {
                "type": row.type,
                "id": row.item_id,
                "url": f"/v1/{row.type}/{row.item_id}",
                "label": row.label,
                "field": matched,
                "snippet": marked,
                "score": round(float(row.score), 6),
            }
        )
    return hits, total


def hit_texts(rows) -> dict:
    """The texts of the items a page of hits names, by field (their own, then their evidence's
    quotes): a fact's from its stored render, one query per collection; a source's, and a
    fact's that has no render yet, from its columns and its evidence."""
    wanted: dict[str, list[str]] = {}
    for row in rows:
        wanted.setdefault(row.type, []).append(row.item_id)
    texts: dict[tuple[str, str], list] = {}
    for kind, item_ids in wanted.items():
        if kind in FACT_MODELS:
            texts.update(texts_from_renders(kind, item_ids))
    unread: dict[str, list[str]] = {}
    for kind, item_ids in wanted.items():
        missing = [item_id for item_id in item_ids if (kind, item_id) not in texts]
        if missing:
            unread[kind] = missing
    texts.update(texts_from_columns(unread))
    return texts


def texts_from_renders(kind: str, item_ids: list[str]) -> dict:
    """(kind, id) → texts, for the facts of `kind` that have a stored render."""
    model = FACT_MODELS[kind]
    names = text_fields(model)
    texts = {}
    statement = select(model.id, model.rendered).where(model.id.in_(item_ids))
    for item_id, rendered in direct_reads().rows(statement):
        if rendered is not None:
            values = orjson.loads(rendered)
            quotes = [("evidence", span["quote"]) for span in values["evidence"]]
            texts[kind, item_id] = texts_of({name: values.get(name) for name in names}) + quotes
    return texts


def texts_from_columns(wanted: dict[str, list[str]]) -> dict:
    """(kind, id) → texts, read from the items' own columns (one query per collection) and
    their evidence's quotes (one query)."""
    texts: dict[tuple[str, str], list] = {}
    for kind, item_ids in wanted.items():
        model = SEARCHABLE[kind]
        names = text_fields(model)
        columns = [getattr(model, name) for name in names]
        for item_id, *values in direct_reads().rows(
            select(model.id, *columns).where(model.id.in_(item_ids))
        ):
            texts[kind, item_id] = texts_of(dict(zip(names, values, strict=True)))
    facts = {kind: item_ids for kind, item_ids in wanted.items() if kind != "sources"}
    if facts:
        # Per collection, so that SQLite walks the (fact_type, fact_id) index: a row-value IN
        # over both columns makes it scan every span (34 ms against 0.8 at 100,000 stances).
        spans = select(Evidence.fact_type, Evidence.fact_id, Evidence.quote).where(
            or_(
                *(
                    and_(Evidence.fact_type == kind, Evidence.fact_id.in_(item_ids))
                    for kind, item_ids in facts.items()
                )
            )
        )
        for kind, item_id, quote in direct_reads().rows(spans.order_by(Evidence.position)):
            texts.setdefault((kind, item_id), []).append(("evidence", quote))
    return texts


def suggestions(query: Query, most: int = 5) -> list[str]:
    """For a query that found nothing: the index's words closest to the ones asked for."""
    words = vocabulary()
    asked = [word.lower() for group in query.groups for term in group for word in term.words]
    found = []
    for word in asked:
        if word not in words:
            found += difflib.get_close_matches(word, words, n=most, cutoff=0.75)
    return list(dict.fromkeys(found))[:most]


@functools.lru_cache(maxsize=4)
def words_of_the_index(database: str, version: int) -> list[str]:
    """Every word the index holds (one spelling), read once per database and data version."""
    words = set()
    for (body,) in db.session.execute(text("SELECT body FROM search_index")):
        words.update(word.lower() for word in WORD.findall(body) if not word.isdigit())
    return sorted(words)


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
    """The columns that hold an item's own texts (not its ids, keys or digests), then its
    alias lists."""
    columns = [
        column.key
        for column in inspect(model).columns
        if isinstance(column.type, String | Text)
        and column.key not in SKIPPED_COLUMNS
        and not column.foreign_keys
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


def index_item(item) -> None:
    """Bring one item's row up to date, in the current transaction."""
    unindex_item(item)
    db.session.execute(search_index.insert(), [document(item)])


def unindex_item(item) -> None:
    db.session.execute(
        search_index.delete().where(
            search_index.c.type == item.collection, search_index.c.item_id == item.id
        )
    )


def reindex() -> None:
    """Rebuild the whole index from the database, in the current transaction."""
    db.session.execute(search_index.delete())
    for model in SEARCHABLE.values():
        load = [selectinload(rel) for rel in inspect(model).relationships]
        rows = [document(item) for item in db.session.scalars(select(model).options(*load))]
        if rows:
            db.session.execute(search_index.insert(), rows)
