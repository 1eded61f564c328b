"""A deterministic synthetic briefing at any size, for benchmarks and scale tests.

Every stance still has a verbatim evidence span: the synthetic articles are written sentence by
sentence, and each stance quotes its own sentence. The stances are spread over articles of
STANCES_PER_SOURCE sentences each (about 4 KB, a news article's size), as a briefing that grew
article by article would be.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from api.extensions import db
from api.search.index import insert_documents
from api.store import chronology, renders
from api.store.commits import end_write, refresh_statistics, write_transaction
from api.store.models import Actor, Evidence, Proposal, Source, Stance
from schemas.stances import CERTAINTIES, POSITIONS

ROWS_PER_INSERT = 5000
FIRST_DAY = date(2020, 1, 1)  # the first synthetic article's date
STANCES_PER_SOURCE = 100


def synthesize(
    stances: int, actors: int = 500, proposals: int = 200, sources: int | None = None
) -> dict[str, int]:
    """Fill an empty database with `stances` stances over `actors` × `proposals`, quoted from
    `sources` articles (one per STANCES_PER_SOURCE stances unless given)."""
    per_source = -(-stances // (sources or -(-stances // STANCES_PER_SOURCE)))
    sources = -(-stances // per_source)  # each article holds per_source stances, the last fewer
    now = datetime(2026, 1, 1, tzinfo=UTC)
    stamp = {"created_at": now, "updated_at": now, "version": 1}
    actor_rows = [
        {"id": f"actor-{n:05d}", "name": f"Actor {n}", "kind": "country", "aliases": [], **stamp}
        for n in range(actors)
    ]
    proposal_rows = [
        {
            "id": f"proposal-{n:04d}",
            "title": f"Proposal {n}",
            "kind": "other",
            "summary": f"Synthetic proposal {n}.",
            "status": "proposed",
            "basis": "article",
            **stamp,
        }
        for n in range(proposals)
    ]
    texts: list[list[str]] = [[] for _ in range(sources)]
    stance_rows, spans, documents, offsets = [], [], [], [0] * sources
    for n in range(stances):
        article = n // per_source
        actor, proposal = actor_rows[n % actors], proposal_rows[(n * 7) % proposals]
        # An actor's stances on a proposal come 1,000 apart: their positions change, as a
        # history across articles does (and the later disputes the earlier).
        position = POSITIONS[(n + n // 1000) % len(POSITIONS)]
        sentence = f"{actor['name']} {position} {proposal['title']} (statement {n})."
        stance_id = f"stance-{n:07d}"
        stance_rows.append(
            {
                "id": stance_id,
                "actor_id": actor["id"],
                "proposal_id": proposal["id"],
                "position": position,
                "certainty": CERTAINTIES[n % len(CERTAINTIES)],
                "summary": sentence,
                "basis": "reported",
                "asserted_by_id": actor["id"],
                **stamp,
            }
        )
        spans.append(
            {
                "fact_type": "stances",
                "fact_id": stance_id,
                "position": 0,
                "source_id": source_id(article),
                "start": offsets[article],
                "end": offsets[article] + len(sentence),
                "quote": sentence,
            }
        )
        documents.append(
            {
                "type": "stances",
                "item_id": stance_id,
                "label": sentence,
                "body": f"{sentence}\n{actor['name']}\n{proposal['title']}",
            }
        )
        texts[article].append(sentence)
        offsets[article] += len(sentence) + 1
    source_rows = [
        {
            "id": source_id(number),
            "title": f"Synthetic article {number}",
            "published_on": (FIRST_DAY + timedelta(days=number)).isoformat(),  # one a day
            "date_known_from": "article",
            "language": "en",
            "text": " ".join(sentences),
            "sha256": "",
            "word_count": sum(len(sentence.split()) for sentence in sentences),
            **stamp,
        }
        for number, sentences in enumerate(texts)
    ]
    first = texts[0][0]
    for kind, rows in (("actors", actor_rows), ("proposals", proposal_rows)):
        spans += [
            {
                "fact_type": kind,
                "fact_id": row["id"],
                "position": 0,
                "source_id": source_id(0),
                "start": 0,
                "end": len(first),
                "quote": first,
            }
            for row in rows
        ]
    with write_transaction():
        for model, rows in (
            (Source, source_rows),
            (Actor, actor_rows),
            (Proposal, proposal_rows),
            (Stance, stance_rows),
            (Evidence, spans),
        ):
            for start in range(0, len(rows), ROWS_PER_INSERT):
                db.session.execute(insert(model), rows[start : start + ROWS_PER_INSERT])
        insert_documents(documents)
        chronology.keep_up(everything=True)  # the articles' order, each stance's place in it
        renders.store_all()
        refresh_statistics()
        end_write()
    return {"sources": sources, "actors": actors, "proposals": proposals, "stances": stances}


def source_id(number: int) -> str:
    return f"synthetic-{number:05d}"
