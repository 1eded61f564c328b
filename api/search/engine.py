"""Full-text search over the index: the matching rows of a query (for `/v1/search` and for
`q=` on any list), ranked, a page at a time, with which field of each hit matched
(api/search/snippets.py), and suggestions when nothing matched."""

import difflib
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    select,
    text,
    tuple_,
)

from api.extensions import db
from api.search.index import (
    is_postgres,
    rowids_of,
    search_index,
    vocabulary,
    words_beginning,
)
from api.search.query import WORD, Query, Term, fts5_query, parse, tsquery
from api.search.snippets import Matcher, best_field
from api.search.spelling import one_spelling
from api.search.texts import hit_texts
from api.store.chronology import sources_backing
from api.store.models import Actor, Evidence, model_of
from api.store.reads import direct_reads
from api.store.version import remembered
from schemas.collections import names
from schemas.search import dumped_hit

MAX_PREFIX_WORDS = 50  # index words a prefix adds to its query, at most


def understood(typed: str) -> Query:
    """What a journalist typed (`parse`), each term that is an actor's name, alias or reference
    alias answered by any of that actor's names too: `Zelenskyy` finds the facts that say
    Zelensky, `UK` those that say the United Kingdom."""
    query = parse(typed)
    names = remembered(("search", "actor names"), names_of_actors)

    def widened(group: list[Term]) -> list[Term]:
        more = []
        for term in group:
            for name in () if term.prefix else names.get(" ".join(term.words).casefold(), ()):
                other = Term(tuple(WORD.findall(one_spelling(name))))
                if other.words and other not in group and other not in more:
                    more.append(other)
        return [*group, *more]

    return Query(groups=[widened(group) for group in query.groups], excluded=query.excluded)


def names_of_actors() -> dict[str, list[str]]:
    """Every name, alias and reference alias of every actor (as a query's words read it, in
    any case), with all the names of its actor."""
    found: dict[str, list[str]] = {}
    rows = db.session.execute(select(Actor.name, Actor.aliases, Actor.reference_aliases))
    for name, aliases, reference_aliases in rows:
        every = [name, *aliases, *reference_aliases]
        for one in every:
            key = " ".join(WORD.findall(one_spelling(one))).casefold()
            found.setdefault(key, []).extend(every)
    return found


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
                more += [Term((word,)) for word in words_beginning(begun, MAX_PREFIX_WORDS)]
        return [*terms, *more]

    return Query(
        groups=[widened(group) for group in query.groups], excluded=widened(query.excluded)
    )


# A search ranks this many matches at most, and a list filtered by text counts (and facets) as
# far: "1,000 and more" is what a journalist needs to know of a word that is in every fact, and
# ranking or counting every one of 100,000 matches cost 100 times a page (bench/RESULTS.md).
# Narrower queries are ranked and counted whole.
MATCHES_COUNTED = 1000


def matching(model, query: str):
    """A clause keeping the items of `model` (or evidence of facts) that match `query`, every
    match read once (an export, the matrix); a page of a list uses `text_filter`."""
    where, params = match_sql(understood(query))
    if model is Evidence:
        if is_postgres():
            hits = text(f"SELECT type, item_id FROM search_index WHERE {where}")
        else:
            hits = text(f"SELECT search_rows.type, search_rows.item_id {SQLITE_ROWS} WHERE {where}")
        hits = hits.bindparams(**params).columns(search_index.c.type, search_index.c.item_id)
        return tuple_(Evidence.fact_type, Evidence.fact_id).in_(hits)
    return model.id.in_(matched_ids(model.collection, where, params))


SQLITE_ROWS = "FROM search_index JOIN search_rows ON search_rows.id = search_index.rowid"


@dataclass(frozen=True)
class TextFilter:
    """How a list keeps the items matching its `q`: `page` keeps every match, `counted` those
    among the first MATCHES_COUNTED matches of the collection (what the total and facets count),
    and `more` says whether more than that matched (the total is then a lower bound)."""

    page: ColumnElement
    counted: ColumnElement
    more: bool


def text_filter(model, query: str) -> TextFilter:
    """When few items match, both clauses read the matches; when more than MATCHES_COUNTED do,
    the page walks the list in its own order and looks each item up in the index (at 100,000
    matching stances, a page of 50 costs 50 lookups, not 100,000 reads)."""
    where, params = match_sql(understood(query))
    collection = model.collection
    if count_matches(collection, where, params, MATCHES_COUNTED + 1) <= MATCHES_COUNTED:
        every = model.id.in_(matched_ids(collection, where, params))
        return TextFilter(every, every, more=False)
    table = model.__tablename__
    if is_postgres():
        walked = text(
            "EXISTS (SELECT 1 FROM search_index WHERE search_index.type = :collection "
            f"AND search_index.item_id = {table}.id AND {where})"
        )
    else:
        walked = text(
            f"EXISTS (SELECT 1 FROM search_index WHERE {where} AND search_index.rowid = "
            "(SELECT search_rows.id FROM search_rows WHERE search_rows.type = :collection "
            f"AND search_rows.item_id = {table}.id))"
        )
    walked = walked.bindparams(collection=collection, **params)
    first = model.id.in_(matched_ids(collection, where, params, MATCHES_COUNTED))
    return TextFilter(walked, first, more=True)


def matched_ids(collection: str, where: str, params: dict, most: int | None = None):
    """The ids of the collection's matching items (the first `most` the index gives)."""
    mine, bound = of_collection(collection)
    cut = "" if most is None else " LIMIT :most"
    if is_postgres():
        sql = f"SELECT item_id FROM search_index WHERE {mine} AND {where}{cut}"
    else:
        sql = f"SELECT search_rows.item_id {SQLITE_ROWS} WHERE {where} AND {mine}{cut}"
    if most is not None:
        bound["most"] = most
    return text(sql).bindparams(**bound, **params).columns(search_index.c.item_id)


def of_collection(collection: str) -> tuple[str, dict]:
    """The term keeping one collection's rows of the index, and its parameters: on SQLite, a
    range of rowids (read from the index alone)."""
    if is_postgres():
        return "type = :collection", {"collection": collection}
    first, last = rowids_of(collection)
    return "search_index.rowid BETWEEN :first AND :last", {"first": first, "last": last}


def count_matches(collection: str, where: str, params: dict, most: int) -> int:
    """How many of the collection's items match, counted as far as `most` from the index alone."""
    mine, bound = of_collection(collection)
    cut = f"SELECT 1 FROM search_index WHERE {where} AND {mine} LIMIT :most"
    counting = f"SELECT count(*) FROM ({cut}) AS matches"
    return direct_reads().text_rows(counting, {**params, **bound, "most": most})[0][0]


# How well a row matches: PostgreSQL's ts_rank_cd (how often and how close, the label weighing
# more); on SQLite, how many times the query's words occur in the label (four times over) and
# in the body, counted by FTS5's highlight() in the row's own text. Not bm25: its weighing of
# rare words counts every row holding each word of the query, on every search (2.3 ms per word
# found in all of 100,000 stances; a long OR query took 18 times a page), where this costs the
# same per candidate whatever the size of the index.
POSTGRES_SCORE = "ts_rank_cd(document, to_tsquery('english', :match))"
SQLITE_SCORE = (
    "4 * (length(highlight(search_index, 2, char(1), '')) - length(label))"
    " + length(highlight(search_index, 3, char(1), '')) - length(body)"
)


def search(
    query: str, kind: str | None, limit: int, offset: int, sources: list[str] | None = None
) -> tuple[list[dict], int, bool]:
    """One page of ranked hits, best first; how many matched (MATCHES_COUNTED at most), and
    whether more than that did (the hits then rank the first MATCHES_COUNTED the index gives).
    With `sources`, only their facts and themselves."""
    parsed = understood(query)
    where, params = match_sql(parsed)
    if kind:
        where += " AND type = :kind"
        params["kind"] = kind
    if sources:
        where += f" AND {POSTGRES_FROM_SOURCES if is_postgres() else SQLITE_FROM_SOURCES}"
        params["sources"] = sources
    score = POSTGRES_SCORE if is_postgres() else SQLITE_SCORE
    # The candidates are cut before anything is ranked or read; the count comes with the page
    # (a window over the candidates), and past them from a count of its own, as far as the cut.
    # The page's facts bring their stored renders, which their snippets are cut from.
    ranked = (
        "SELECT type, item_id, label, score, count(*) OVER () AS total FROM "
        f"(SELECT type, item_id, label, {score} AS score FROM search_index WHERE {where} "
        "LIMIT :ranked) AS matched ORDER BY score DESC, type, item_id LIMIT :limit OFFSET :offset"
    )
    sql = (
        f"SELECT hits.*, {RENDERED} AS rendered FROM ({ranked}) AS hits {WITH_RENDERS} "
        "ORDER BY hits.score DESC, hits.type, hits.item_id"
    )
    window = {"limit": limit, "offset": offset, "ranked": MATCHES_COUNTED}
    rows = direct_reads().text_rows(sql, {**params, **window})
    if rows:
        total = rows[0].total
    elif offset:  # past the last hit
        total = matches_counted(where, params, MATCHES_COUNTED)
    else:
        total = 0
    more = total == MATCHES_COUNTED and matches_counted(where, params, total + 1) > total
    matcher = Matcher(parsed, db.session.get_bind().dialect.name)
    texts, backing = hit_texts(rows)
    backing |= hit_sources([row for row in rows if (row.type, row.item_id) not in backing])
    hits = []
    for row in rows:
        matched, marked, via = best_field(texts.get((row.type, row.item_id), []), matcher)
        hit = {
            "type": row.type,
            "id": row.item_id,
            "url": f"/v1/{row.type}/{row.item_id}",
            "label": row.label,
            "field": matched,
            "snippet": marked,
            "via": via,
            "score": round(float(row.score), 6),
            "sources": backing.get((row.type, row.item_id), []),
        }
        hits.append(dumped_hit(hit))
    return hits, total, more


# Each fact collection's renders, joined to the page's hits of that collection.
FACT_TABLES = {kind: model_of(kind).__tablename__ for kind in names("facts")}
WITH_RENDERS = " ".join(
    f"LEFT JOIN {table} ON hits.type = '{kind}' AND {table}.id = hits.item_id"
    for kind, table in FACT_TABLES.items()
)
RENDERED = f"COALESCE({', '.join(f'{table}.rendered' for table in FACT_TABLES.values())})"


def matches_counted(where: str, params: dict, most: int) -> int:
    """How many rows of the index match, counted as far as `most`."""
    cut = f"SELECT 1 FROM search_index WHERE {where} LIMIT :most"
    counting = f"SELECT count(*) FROM ({cut}) AS matches"
    return direct_reads().text_rows(counting, {**params, "most": most})[0][0]


# The rows of the index backed by these sources (their facts), or that are the sources. On
# SQLite, their rowids (search_rows), which FTS5 looks up one by one: a source's hundred facts
# are a hundred lookups, not a read of every match (90 ms for `actor` at 100,000 stances).
SQLITE_FROM_SOURCES = (
    "search_index.rowid IN (SELECT search_rows.id FROM search_rows JOIN evidence "
    "ON evidence.fact_type = search_rows.type AND evidence.fact_id = search_rows.item_id "
    "WHERE evidence.source_id IN :sources UNION SELECT search_rows.id FROM search_rows "
    "WHERE search_rows.type = 'sources' AND search_rows.item_id IN :sources)"
)
POSTGRES_FROM_SOURCES = (
    "(EXISTS (SELECT 1 FROM evidence WHERE evidence.fact_type = search_index.type "
    "AND evidence.fact_id = search_index.item_id AND evidence.source_id IN :sources) "
    "OR (search_index.type = 'sources' AND search_index.item_id IN :sources))"
)


def hit_sources(rows) -> dict[tuple[str, str], list[str]]:
    """The sources of each hit's text: a fact's evidence's, or a source itself."""
    found = sources_backing((row.type, row.item_id) for row in rows)
    found.update({(row.type, row.item_id): {row.item_id} for row in rows if row.type == "sources"})
    return {key: sorted(sources) for key, sources in found.items()}


def suggestions(query: Query, most: int = 5) -> list[str]:
    """For a query that found nothing: the index's words closest to the ones asked for."""
    words = vocabulary()
    asked = [word.lower() for group in query.groups for term in group for word in term.words]
    found = []
    for word in asked:
        if word not in words:
            found += difflib.get_close_matches(word, words, n=most, cutoff=0.75)
    return list(dict.fromkeys(found))[:most]
