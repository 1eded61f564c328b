"""Every collection the API serves, declared once: its name, what it holds, its schemas, who may
write it and how a new item's id is made. The rest is derived from this table: routes and their
spreadsheets (api/resources), the index at /v1, search, bundle sections, stored renders, the
spec. A model says which collection it stores (its `collection`)."""

import functools
from dataclasses import dataclass

from marshmallow import Schema

from schemas.actors import ActorQuerySchema, ActorSchema
from schemas.changes import ChangePageSchema, ChangeQuerySchema
from schemas.commitments import CommitmentQuerySchema, CommitmentSchema
from schemas.events import EventQuerySchema, EventSchema
from schemas.items import patch_schema, request_schema
from schemas.pages import page_schema
from schemas.proposals import ProposalQuerySchema, ProposalSchema
from schemas.queries import item_query_schema
from schemas.sources import SourcePatchSchema, SourceQuerySchema, SourceSchema
from schemas.stances import StanceQuerySchema, StanceSchema
from schemas.statements import StatementQuerySchema, StatementSchema


@dataclass(frozen=True)
class Collection:
    """One collection. An item collection (`item` set) has routes for its items and is searched;
    a fact (`fact`) is backed by evidence, stored rendered, and is a section of a bundle, loaded
    in the table's order (each refers only to collections above it). An item collection's page,
    item query, create and PATCH schemas are derived from its item schema unless given."""

    name: str
    description: str
    query: type[Schema]
    item: type[Schema] | None = None
    page: type[Schema] | None = None
    item_query: type[Schema] | None = None
    create: type[Schema] | None = None
    patch: type[Schema] | None = None
    writer: str = "editor"  # the role a token needs to write
    fact: bool = True
    # What a new item's id is made of when the client gives none (its name or title else).
    slug_parts: tuple[str, ...] = ()
    list_summary: str = ""

    def __post_init__(self):
        if self.item is None:
            return
        derived = {
            "page": page_schema,
            "item_query": item_query_schema,
            "create": request_schema,
            "patch": patch_schema,
        }
        for field, derive in derived.items():
            if getattr(self, field) is None:
                object.__setattr__(self, field, derive(self.item))

    @property
    def singular(self) -> str:
        return self.name.removesuffix("s")

    @property
    def a_singular(self) -> str:
        """'a stance', 'an actor'."""
        return f"{'an' if self.singular[0] in 'aeiou' else 'a'} {self.singular}"


COLLECTIONS = [
    Collection(
        "sources",
        "The stored articles every fact is drawn from, with their full text.",
        SourceQuerySchema,
        SourceSchema,
        patch=SourcePatchSchema,  # its text, which every span quotes, never changes
        writer="admin",
        fact=False,
    ),
    Collection(
        "actors",
        "People, countries, organizations and groups the articles name.",
        ActorQuerySchema,
        ActorSchema,
    ),
    Collection(
        "proposals",
        "Plans, demands and targets, with who proposes them.",
        ProposalQuerySchema,
        ProposalSchema,
    ),
    Collection(
        "stances",
        "Who stands where: one actor's position on one proposal.",
        StanceQuerySchema,
        StanceSchema,
        slug_parts=("actor", "position", "proposal"),
    ),
    Collection(
        "commitments",
        "Defence-spending figures: current, announced, ambitions, targets.",
        CommitmentQuerySchema,
        CommitmentSchema,
        slug_parts=("actor", "kind", "value_max"),
    ),
    Collection(
        "events",
        "Meetings and summits, who took part and what came of them.",
        EventQuerySchema,
        EventSchema,
    ),
    Collection(
        "statements",
        "What was said, by whom, about whom.",
        StatementQuerySchema,
        StatementSchema,
        slug_parts=("speaker", "summary"),
    ),
    Collection(
        "changes",
        "Every write, oldest first: poll it to follow edits.",
        ChangeQuerySchema,
        page=ChangePageSchema,
        fact=False,
        list_summary="List changes, oldest first: poll with `since` or follow `links.next`",
    ),
]


def collection_named(name: str) -> Collection:
    return next(found for found in COLLECTIONS if found.name == name)


@functools.cache
def item_schema(name: str) -> Schema:
    """The schema of a collection's items, one instance for every dump (building one copies
    each of its fields)."""
    return collection_named(name).item()


def items() -> tuple[Collection, ...]:
    """The collections of items: sources and facts."""
    return tuple(found for found in COLLECTIONS if found.item is not None)


def facts() -> tuple[Collection, ...]:
    """The collections of facts, in loading order."""
    return tuple(found for found in COLLECTIONS if found.fact)


def names(kind: str) -> tuple[str, ...]:
    """The names of the `items` or the `facts`."""
    return tuple(found.name for found in {"items": items, "facts": facts}[kind]())
