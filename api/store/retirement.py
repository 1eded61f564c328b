"""Retiring a source: its evidence goes from every fact, the facts left with none go with it, all
or nothing, unless other items still need what would be deleted."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import tuple_

from api.extensions import db
from api.store import chronology, renders
from api.store.feed import latest_changes, record
from api.store.models import Evidence, Source, Stance, model_of, utcnow
from api.store.writes import as_it_is, find_dependants, remove_item
from schemas.collections import facts, item_schema


class StillReferenced(Exception):
    """Retiring would leave other items pointing at what it deletes."""

    def __init__(self, source_id: str, paths: list[str]):
        super().__init__(
            f"Other items refer to what retiring '{source_id}' would delete: "
            f"{', '.join(paths)}. Change or delete them first."
        )
        self.paths = paths


@dataclass
class Retirement:
    """What retiring a source does: the facts it deletes (backed by it alone), those that lose
    its spans and stay (backed by other sources too), and what would be left pointing at a
    deleted fact (a 409 while there is any)."""

    source: Source
    deleted: list
    losing_spans: list
    blockers: list[str]

    def paths(self) -> dict[str, list[str]]:
        return {
            "deleted": [self.source.url, *(fact.url for fact in self.deleted)],
            "lost_evidence": [fact.url for fact in self.losing_spans],
        }


def retirement(source: Source) -> Retirement:
    """What retiring `source` would do; nothing is written."""
    backing: dict[tuple[str, str], set[str]] = {}
    backed_here = db.select(Evidence.fact_type, Evidence.fact_id).where(
        Evidence.source_id == source.id
    )
    rows = db.session.execute(
        db.select(Evidence.fact_type, Evidence.fact_id, Evidence.source_id).where(
            tuple_(Evidence.fact_type, Evidence.fact_id).in_(backed_here)
        )
    )
    for fact_type, fact_id, source_id in rows:
        backing.setdefault((fact_type, fact_id), set()).add(source_id)
    order = {kind.name: position for position, kind in enumerate(facts())}

    def loaded(keys) -> list:
        ordered = sorted(keys, key=lambda key: (order[key[0]], key[1]))
        return [db.session.get(model_of(name), item_id) for name, item_id in ordered]

    deleted = loaded(key for key, sources in backing.items() if sources == {source.id})
    losing = loaded(key for key, sources in backing.items() if sources != {source.id})
    leaving = {fact.url for fact in deleted}
    blockers = set()
    for fact in deleted:
        blockers |= set(find_dependants(fact)) - leaving
    return Retirement(source, deleted, losing, sorted(blockers))


def retire(source: Source, writer: str) -> Retirement:
    """Delete a source, its spans from the facts other sources back too, and the facts backed
    by it alone, each change recorded in the feed, in the current transaction (the caller
    commits); StillReferenced if anything else refers to a fact it would delete."""
    found = retirement(source)
    if found.blockers:
        raise StillReferenced(source.id, found.blockers)
    # One flush at the end, so that the unit of work orders the deletions (roles and links
    # before the actors they name); a flush per item could delete an actor still named.
    with db.session.no_autoflush:
        for fact in found.losing_spans:
            drop_spans(fact, source, writer)
        for fact in found.deleted:
            remove_item(fact, item_schema(fact.collection), who=writer)
        remove_item(source, item_schema("sources"), who=writer)
    db.session.flush()
    return found


def drop_spans(fact, source: Source, writer: str) -> None:
    """Take a source's spans from a fact that other sources back too, recorded as a change."""
    schema = item_schema(fact.collection)
    before = as_it_is(fact, schema)
    renders.note(fact)
    chronology.note_unbacked(fact)  # placed again, by the sources left
    if isinstance(fact, Stance):
        chronology.note_pair(fact)  # reported earlier now: perhaps no longer current
    db.session.execute(
        db.delete(Evidence).where(
            Evidence.fact_type == fact.collection,
            Evidence.fact_id == fact.id,
            Evidence.source_id == source.id,
        )
    )
    db.session.flush()
    db.session.expire(fact, ["evidence"])
    fact.updated_at = last_said_so(fact, schema) or utcnow()  # the version moves on regardless
    db.session.flush()
    record("PATCH", fact, before, schema.dump(fact), who=writer)


def last_said_so(fact, schema) -> datetime | None:
    """When the fact, now without the source's spans, said last what it says: the time before
    its newest change, if that change is what brought them (an import that restated it), so
    that retiring the import gives the fact back as it was, `updated_at` included."""
    change = latest_changes({(fact.collection, fact.id)}).get((fact.collection, fact.id))
    if change is None or change.method != "PATCH" or not change.before:
        return None
    now = schema.dump(fact)
    if any(change.before.get(name) != now.get(name) for name in said_by_editors(schema)):
        return None
    return datetime.fromisoformat(change.before["updated_at"])


def said_by_editors(schema) -> list[str]:
    """What a fact says, as its schema dumps it: what an editor writes, evidence included (not
    what the service derives, such as its dates or whether it is current)."""
    return [field.data_key or name for name, field in schema.load_fields.items()]
