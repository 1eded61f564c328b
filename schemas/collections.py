"""Every collection the API serves, declared once: its name, what it holds, its schemas, who may
write it and how a new item's id is made. The rest is derived from this table: routes and their
spreadsheets (api/resources), the index at /v1, search, bundle sections, stored renders, the
spec. A model says which collection it stores (its `collection`)."""

import functools
from dataclasses import dataclass

from marshmallow import Schema

from schemas.actors import (
    ActorInputSchema,
    ActorItemQuerySchema,
    ActorPageSchema,
    ActorPatchSchema,
    ActorQuerySchema,
    ActorSchema,
)
from schemas.changes import ChangePageSchema, ChangeQuerySchema
from schemas.commitments import (
    CommitmentInputSchema,
    CommitmentItemQuerySchema,
    CommitmentPageSchema,
    CommitmentPatchSchema,
    CommitmentQuerySchema,
    CommitmentSchema,
)
from schemas.events import (
    EventInputSchema,
    EventItemQuerySchema,
    EventPageSchema,
    EventPatchSchema,
    EventQuerySchema,
    EventSchema,
)
from schemas.proposals import (
    ProposalInputSchema,
    ProposalItemQuerySchema,
    ProposalPageSchema,
    ProposalPatchSchema,
    ProposalQuerySchema,
    ProposalSchema,
)
from schemas.queries import ItemQuerySchema
from schemas.sources import (
    SourceInputSchema,
    SourcePageSchema,
    SourcePatchSchema,
    SourceQuerySchema,
    SourceSchema,
)
from schemas.stances import (
    StanceInputSchema,
    StanceItemQuerySchema,
    StancePageSchema,
    StancePatchSchema,
    StanceQuerySchema,
    StanceSchema,
)
from schemas.statements import (
    StatementInputSchema,
    StatementItemQuerySchema,
    StatementPageSchema,
    StatementPatchSchema,
    StatementQuerySchema,
    StatementSchema,
)


@dataclass(frozen=True)
class Collection:
    """One collection. An item collection (`item` set) has routes for its items and is searched;
    a fact (`fact`) is backed by evidence, stored rendered, and is a section of a bundle, loaded
    in the table's order (each refers only to collections above it)."""

    name: str
    description: str
    query: type[Schema]
    page: type[Schema]
    item: type[Schema] | None = None
    item_query: type[Schema] | None = None
    create: type[Schema] | None = None
    patch: type[Schema] | None = None
    writer: str = "editor"  # the role a token needs to write
    fact: bool = True
    # What a new item's id is made of when the client gives none (its name or title else).
    slug_parts: tuple[str, ...] = ()
    list_summary: str = ""

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
        SourcePageSchema,
        SourceSchema,
        ItemQuerySchema,
        SourceInputSchema,
        SourcePatchSchema,
        writer="admin",
        fact=False,
    ),
    Collection(
        "actors",
        "People, countries, organizations and groups the articles name.",
        ActorQuerySchema,
        ActorPageSchema,
        ActorSchema,
        ActorItemQuerySchema,
        ActorInputSchema,
        ActorPatchSchema,
    ),
    Collection(
        "proposals",
        "Plans, demands and targets, with who proposes them.",
        ProposalQuerySchema,
        ProposalPageSchema,
        ProposalSchema,
        ProposalItemQuerySchema,
        ProposalInputSchema,
        ProposalPatchSchema,
    ),
    Collection(
        "stances",
        "Who stands where: one actor's position on one proposal.",
        StanceQuerySchema,
        StancePageSchema,
        StanceSchema,
        StanceItemQuerySchema,
        StanceInputSchema,
        StancePatchSchema,
        slug_parts=("actor", "position", "proposal"),
    ),
    Collection(
        "commitments",
        "Defence-spending figures: current, announced, ambitions, targets.",
        CommitmentQuerySchema,
        CommitmentPageSchema,
        CommitmentSchema,
        CommitmentItemQuerySchema,
        CommitmentInputSchema,
        CommitmentPatchSchema,
        slug_parts=("actor", "kind", "value_max"),
    ),
    Collection(
        "events",
        "Meetings and summits, who took part and what came of them.",
        EventQuerySchema,
        EventPageSchema,
        EventSchema,
        EventItemQuerySchema,
        EventInputSchema,
        EventPatchSchema,
    ),
    Collection(
        "statements",
        "What was said, by whom, about whom.",
        StatementQuerySchema,
        StatementPageSchema,
        StatementSchema,
        StatementItemQuerySchema,
        StatementInputSchema,
        StatementPatchSchema,
        slug_parts=("speaker", "summary"),
    ),
    Collection(
        "changes",
        "Every write, oldest first: poll it to follow edits.",
        ChangeQuerySchema,
        ChangePageSchema,
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
