"""A deterministic synthetic briefing at any size, for benchmarks and scale tests.

Every stance still has a verbatim evidence span: the synthetic article is written sentence by
sentence, and each stance quotes its own sentence.
"""

from datetime import UTC, datetime

from sqlalchemy import insert

from api.extensions import db
from api.search.index import search_index
from api.store import renders
from api.store.commits import end_write, refresh_statistics, write_transaction
from api.store.models import Actor, Evidence, Proposal, Source, Stance
from schemas.stances import CERTAINTIES, POSITIONS

SOURCE_ID = "synthetic-briefing"
BATCH = 5000


def synthesize(stances: int, actors: int = 500, proposals: int = 200) -> dict[str, int]:
    """Fill an empty database with `stances` stances over `actors` × `proposals`."""
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
    sentences, stance_rows, spans, documents, offset = [], [], [], [], 0
    for n in range(stances):
        actor, proposal = actor_rows[n % actors], proposal_rows[(n * 7) % proposals]
        position = POSITIONS[n % len(POSITIONS)]
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
                "source_id": SOURCE_ID,
                "start": offset,
                "end": offset + len(sentence),
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
        sentences.append(sentence)
        offset += len(sentence) + 1
    text = " ".join(sentences)
    source = {
        "id": SOURCE_ID,
        "title": "Synthetic briefing",
        "language": "en",
        "text": text,
        "sha256": "",
        "word_count": len(text.split()),
        **stamp,
    }
    for kind, rows in (("actors", actor_rows), ("proposals", proposal_rows)):
        spans += [
            {
                "fact_type": kind,
                "fact_id": row["id"],
                "position": 0,
                "source_id": SOURCE_ID,
                "start": 0,
                "end": len(sentences[0]),
                "quote": sentences[0],
            }
            for row in rows
        ]
    with write_transaction():
        db.session.execute(insert(Source), [source])
        for model, rows in (
            (Actor, actor_rows),
            (Proposal, proposal_rows),
            (Stance, stance_rows),
            (Evidence, spans),
            (search_index, documents),
        ):
            for start in range(0, len(rows), BATCH):
                db.session.execute(insert(model), rows[start : start + BATCH])
        renders.store_all()
        refresh_statistics()
        end_write()
    return {"actors": actors, "proposals": proposals, "stances": stances}
