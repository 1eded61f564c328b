"""Full-text search over the index: the matching rows of a query (for `/v1/search` and for
`q=` on any list), ranked, a page at a time, with which field of each hit matched
(api/search/snippets.py), and suggestions when nothing matched."""

import difflib

from sqlalchemy import (
    bindparam,
    text,
    tuple_,
)

from api.extensions import db
from api.search.index import search_index, vocabulary, words_beginning
from api.search.query import Query, Term, fts5_query, parse, tsquery
from api.search.snippets import Matcher, best_field
from api.search.texts import hit_texts
from api.store.models import Evidence
from api.store.reads import direct_reads

MAX_PREFIX_WORDS = 50  # index words a prefix adds to its query, at most


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
                more += [Term((word,)) for word in words_beginning(begun, MAX_PREFIX_WORDS)]
        return [*terms, *more]

    return Query(
        groups=[widened(group) for group in query.groups], excluded=widened(query.excluded)
    )


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


# A search ranks this many matches at most, and counts as far: "1,000 and more" is what a
# journalist needs to know of a word that is in every fact, and ranking every one of 100,000
# matches cost 100 times a page (bench/RESULTS.md). Narrower queries are ranked whole.
MATCHES_RANKED = 1000


def search(query: str, kind: str | None, limit: int, offset: int) -> tuple[list[dict], int, bool]:
    """One page of ranked hits, best first; how many matched (MATCHES_RANKED at most), and
    whether more than that did (the hits then rank the first MATCHES_RANKED the index gives)."""
    parsed = parse(query)
    where, params = match_sql(parsed)
    if kind:
        where += " AND type = :kind"
        params["kind"] = kind
    if is_postgres():
        score = "ts_rank_cd(document, to_tsquery('english', :match))"
    else:
        score = "-bm25(search_index, 0, 0, 4.0, 1.0)"
    # The candidates are cut before anything is ranked or read; the count comes with the page
    # (a window over the candidates), and past them from a count of its own, as far as the cut.
    sql = (
        "SELECT type, item_id, label, score, count(*) OVER () AS total FROM "
        f"(SELECT type, item_id, label, {score} AS score FROM search_index WHERE {where} "
        "LIMIT :ranked) AS hits ORDER BY score DESC, type, item_id LIMIT :limit OFFSET :offset"
    )
    window = {"limit": limit, "offset": offset, "ranked": MATCHES_RANKED}
    rows = direct_reads().rows(text(sql), {**params, **window})
    if rows:
        total = rows[0].total
    elif offset:  # past the last hit
        total = matches_counted(where, params, MATCHES_RANKED)
    else:
        total = 0
    more = total == MATCHES_RANKED and matches_counted(where, params, total + 1) > total
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
    return hits, total, more


def matches_counted(where: str, params: dict, most: int) -> int:
    """How many rows of the index match, counted as far as `most`."""
    cut = f"SELECT 1 FROM search_index WHERE {where} LIMIT :most"
    counting = text(f"SELECT count(*) FROM ({cut}) AS matches")
    return direct_reads().rows(counting, {**params, "most": most})[0][0]


def suggestions(query: Query, most: int = 5) -> list[str]:
    """For a query that found nothing: the index's words closest to the ones asked for."""
    words = vocabulary()
    asked = [word.lower() for group in query.groups for term in group for word in term.words]
    found = []
    for word in asked:
        if word not in words:
            found += difflib.get_close_matches(word, words, n=most, cutoff=0.75)
    return list(dict.fromkeys(found))[:most]
