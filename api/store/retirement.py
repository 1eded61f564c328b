"""Retiring a source: it goes, with the facts drawn only from it, all or nothing, unless other
items still need them."""

from sqlalchemy import tuple_

from api.extensions import db
from api.store.models import Evidence, Source, model_of
from api.store.writes import find_dependants, remove_item
from schemas.collections import facts, item_schema


class StillReferenced(Exception):
    """Retiring would leave other items pointing at what it removes."""

    def __init__(self, source_id: str, paths: list[str]):
        super().__init__(
            f"Other items refer to what retiring '{source_id}' would remove: "
            f"{', '.join(paths)}. Change or delete them first."
        )
        self.paths = paths


def retirement(source: Source) -> tuple[list, list[str]]:
    """The facts drawn only from `source`, which retire with it, and what would be left
    pointing at them: facts backed by other sources too, and items that refer to them."""
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
    only_here = sorted(
        (key for key, sources in backing.items() if sources == {source.id}),
        key=lambda key: (order[key[0]], key[1]),
    )
    retiring = [db.session.get(model_of(name), item_id) for name, item_id in only_here]
    leaving = {fact.url for fact in retiring}
    blockers = {
        f"/v1/{name}/{item_id} (also backed by another source)"
        for (name, item_id), sources in backing.items()
        if sources != {source.id}
    }
    for fact in retiring:
        blockers |= set(find_dependants(fact)) - leaving
    return retiring, sorted(blockers)


def retire(source: Source, writer: str) -> list[str]:
    """Delete a source and the facts drawn only from it, each recorded in the feed, in the
    current transaction (the caller commits); StillReferenced if anything else needs them."""
    retiring, blockers = retirement(source)
    if blockers:
        raise StillReferenced(source.id, blockers)
    # One flush at the end, so that the unit of work orders the deletions (roles and links
    # before the actors they name); a flush per item could delete an actor still named.
    with db.session.no_autoflush:
        for fact in retiring:
            remove_item(fact, item_schema(fact.collection), who=writer)
        remove_item(source, item_schema("sources"), who=writer)
    db.session.flush()
    return [source.url, *(fact.url for fact in retiring)]
