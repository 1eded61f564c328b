"""Database models: sources, the facts drawn from them and their evidence spans; editors'
tokens, the change feed, stored idempotent answers and the data version."""

import functools
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    and_,
    false,
    select,
    text,
    true,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    column_property,
    declared_attr,
    foreign,
    mapped_column,
    relationship,
    validates,
)
from sqlalchemy.types import TypeDecorator

SLUG = String(100)


class Base(DeclarativeBase):
    collection = ""  # what a model that stores a collection names (schemas/collections.py)
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def same_as_created(context) -> datetime:
    """A new row was last updated when it was created, to the microsecond."""
    return context.get_current_parameters()["created_at"]


class UTCDateTime(TypeDecorator):
    """A timestamp that always comes back timezone-aware in UTC, whatever the database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self):
        return datetime

    def process_bind_param(self, value, dialect):
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Item:
    """Columns and helpers shared by every top-level resource."""

    label_field = "name"
    id: Mapped[str] = mapped_column(SLUG, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=same_as_created, onupdate=utcnow
    )
    # Every UPDATE says `WHERE version = <the version read>` and bumps it: a lost update is a
    # StaleDataError, never a silent overwrite.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}

    @property
    def url(self) -> str:
        return f"/v1/{self.collection}/{self.id}"

    @property
    def label(self) -> str:
        """What a reference shows: a name, a title or a summary."""
        return getattr(self, self.label_field)

    @classmethod
    def label_column(cls):
        return getattr(cls, cls.label_field)


class ElsewhereError(Exception):
    """The item asked for by one of its other names (a name, an alias, an ISO code) is at its
    own id: the HTTP layer answers 308 with its URL (api/http/errors.py)."""

    def __init__(self, model, item_id: str):
        super().__init__(f"/v1/{model.collection}/{item_id}")
        self.collection, self.item_id = model.collection, item_id


class Sourced(Item):
    """A fact backed by evidence spans (viewonly: the loader writes Evidence rows itself).

    `rendered` is the fact's JSON as its schema dumps it, stored by every write that changes
    what it shows (`api.store.renders`); read only when a request serves it."""

    rendered: Mapped[str | None] = mapped_column(Text, deferred=True)
    # The place of the latest source backing it in the sources' order (api/store/chronology.py):
    # what `sort=reported_on` sorts by.
    reported_order: Mapped[int | None]
    # The earliest date of its sources (`published_on`, a day, a month or a year: those forms
    # compare as their first days do), '' when an undated source backs it: what `as_of`
    # compares.
    reported_from: Mapped[str | None] = mapped_column(String(10), index=True)
    # The latest date of its dated sources: `as_of` an earlier day, it shows its spans of then.
    reported_to: Mapped[str | None] = mapped_column(String(10))

    @declared_attr
    def evidence(cls) -> Mapped[list["Evidence"]]:
        return relationship(
            "Evidence",
            primaryjoin=lambda: and_(
                foreign(Evidence.fact_id) == cls.id, Evidence.fact_type == cls.collection
            ),
            order_by=lambda: Evidence.position,
            viewonly=True,
        )


class Attributed(Sourced):
    """A claim, and who asserts it in the article: its `basis` (quoted, reported, article,
    perceived: see schemas.common.BASES) and the actor it comes from, where there is one."""

    basis: Mapped[str] = mapped_column(String(20), index=True)

    @declared_attr
    def asserted_by_id(cls) -> Mapped[str | None]:
        return mapped_column(ForeignKey("actors.id"), index=True)

    @declared_attr
    def asserted_by(cls) -> Mapped["Actor | None"]:
        return relationship(foreign_keys=lambda: [cls.asserted_by_id])


def link_table(name: str, left: str, right: str) -> Table:
    """A many-to-many table between two slug-keyed tables."""
    left_table, left_column = left.split(".")
    right_table, right_column = right.split(".")
    return Table(
        name,
        Base.metadata,
        Column(
            left_column, SLUG, ForeignKey(f"{left_table}.id", ondelete="CASCADE"), primary_key=True
        ),
        Column(right_column, SLUG, ForeignKey(f"{right_table}.id"), primary_key=True),
    )


group_members = link_table("group_members", "actors.group_id", "actors.member_id")
group_reference_members = link_table(
    "group_reference_members", "actors.group_id", "actors.member_id"
)
proposal_proposers = link_table("proposal_proposers", "proposals.proposal_id", "actors.actor_id")
event_participants = link_table("event_participants", "events.event_id", "actors.actor_id")
event_proposals = link_table("event_proposals", "events.event_id", "proposals.proposal_id")
commitment_applies_to = link_table(
    "commitment_applies_to", "commitments.commitment_id", "actors.actor_id"
)
statement_about = link_table("statement_about", "statements.statement_id", "actors.actor_id")


class Source(Item, Base):
    __tablename__ = "sources"
    collection = "sources"
    label_field = "title"

    title: Mapped[str] = mapped_column(String(300))
    publisher: Mapped[str | None] = mapped_column(String(200))
    original_url: Mapped[str | None] = mapped_column(String(2000))
    published_on: Mapped[str | None] = mapped_column(String(10))  # 2025, 2025-03, 2025-03-04
    date_known_from: Mapped[str | None] = mapped_column(String(10))  # article, reference
    language: Mapped[str] = mapped_column(String(35))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # one source per text
    word_count: Mapped[int]
    # Oldest first, from 1, and what decided this source's place after the one before it:
    # "date", or "added" where precision cannot tell (api/store/chronology.py).
    reported_order: Mapped[int | None]
    ordered_by: Mapped[str | None] = mapped_column(String(5))


class Evidence(Base):
    __tablename__ = "evidence"
    __table_args__ = (
        Index("ix_evidence_fact", "fact_type", "fact_id"),
        Index("ix_evidence_paragraph", "fact_type", "paragraph", "fact_id"),  # `paragraph=`
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fact_type: Mapped[str] = mapped_column(String(20))
    fact_id: Mapped[str] = mapped_column(SLUG)
    position: Mapped[int]
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    start: Mapped[int]
    end: Mapped[int]
    quote: Mapped[str] = mapped_column(Text)

    # The paragraph the quote is in, from 1 (a stored text's paragraphs are separated by blank
    # lines), and the source's title, read with the span: what a citation names.
    paragraph: Mapped[int] = mapped_column(default=1)
    source_title = column_property(
        select(Source.title)
        .where(Source.id == source_id)
        .correlate_except(Source)
        .scalar_subquery()
    )
    # When its source was published, and when it was added: when the fact it backs was
    # reported (schemas/items.py `reported_on`).
    source_published_on = column_property(
        select(Source.published_on)
        .where(Source.id == source_id)
        .correlate_except(Source)
        .scalar_subquery()
    )
    source_created_at = column_property(
        select(Source.created_at)
        .where(Source.id == source_id)
        .correlate_except(Source)
        .scalar_subquery()
    )


# An actor's other names: the article's own, and common ones it does not use.
ALIAS_FIELDS = ("aliases", "reference_aliases")


class Actor(Sourced, Base):
    __tablename__ = "actors"
    collection = "actors"

    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Reference knowledge, not from the article: other common names, and whether the article
    # names this actor at all (`article`) or it is known only as a member of a group it names.
    reference_aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    known_from: Mapped[str] = mapped_column(String(20), default="article")
    iso_code: Mapped[str | None] = mapped_column(String(2))
    description: Mapped[str | None] = mapped_column(Text)
    roles: Mapped[list["ActorRole"]] = relationship(
        foreign_keys="ActorRole.actor_id",
        order_by="ActorRole.position",
        cascade="all, delete-orphan",
    )
    members: Mapped[list["Actor"]] = relationship(
        secondary=group_members,
        primaryjoin=lambda: Actor.id == group_members.c.group_id,
        secondaryjoin=lambda: Actor.id == group_members.c.member_id,
        order_by=lambda: Actor.id,
    )
    reference_members: Mapped[list["Actor"]] = relationship(
        secondary=group_reference_members,
        primaryjoin=lambda: Actor.id == group_reference_members.c.group_id,
        secondaryjoin=lambda: Actor.id == group_reference_members.c.member_id,
        order_by=lambda: Actor.id,
    )


class ActorRole(Base):
    __tablename__ = "actor_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[str] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    of_id: Mapped[str | None] = mapped_column(ForeignKey("actors.id"), index=True)
    of: Mapped[Actor | None] = relationship(foreign_keys=[of_id])


class Proposal(Attributed, Base):
    __tablename__ = "proposals"
    collection = "proposals"
    label_field = "title"

    title: Mapped[str] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30), index=True)
    duration_days: Mapped[int | None]
    proposers: Mapped[list[Actor]] = relationship(
        secondary=proposal_proposers, order_by=lambda: Actor.id
    )
    provisions: Mapped[list["Provision"]] = relationship(
        order_by="Provision.position", cascade="all, delete-orphan"
    )
    events: Mapped[list["Event"]] = relationship(
        secondary=event_proposals, order_by="Event.id", back_populates="proposals"
    )


class Provision(Base):
    __tablename__ = "provisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[str] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    effect: Mapped[str] = mapped_column(String(20))


class Stance(Attributed, Base):
    __tablename__ = "stances"
    __table_args__ = (
        Index("ix_stances_actor_id_id", "actor_id", "id"),
        Index("ix_stances_proposal_id_id", "proposal_id", "id"),
        Index("ix_stances_proposal_id_reported_from", "proposal_id", "reported_from"),
        Index("ix_stances_current_id", "current", "id"),
        Index("ix_stances_disputed", "disputed", "actor_id", "proposal_id"),
        # Keyset pages filtered by an enum walk (filter, id) in order, never sorting all matches.
        Index("ix_stances_position_id", "position", "id"),
        Index("ix_stances_certainty_id", "certainty", "id"),
        # Only the few that supersede one: with every null in it, SQLite's statistics made
        # its planner read every stance to find those superseding one (migration 0020).
        Index(
            "ix_stances_supersedes_id",
            "supersedes_id",
            sqlite_where=text("supersedes_id IS NOT NULL"),
            postgresql_where=text("supersedes_id IS NOT NULL"),
        ),
        # The matrix reads a page of actors' current cells from this index alone.
        Index(
            "ix_stances_matrix",
            "current",
            *("actor_id", "proposal_id", "certainty", "id", "position", "basis", "asserted_by_id"),
            "reported_order",
        ),
    )
    collection = "stances"
    label_field = "summary"

    actor_id: Mapped[str] = mapped_column(ForeignKey("actors.id"))
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id"))
    position: Mapped[str] = mapped_column(String(20))
    certainty: Mapped[str] = mapped_column(String(20))
    condition: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    # Whether this is its actor's current stance on its proposal: reported last (then the
    # surest, then the first by id) among theirs. Kept by every write (api/store/chronology.py).
    current: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Whether, current, it is contradicted: an earlier stance of its actor on its proposal
    # takes another position, from sources it shares none of (/v1/disagreements).
    disputed: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The earlier stance of its actor on its proposal that it supersedes, if it says so.
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("stances.id"))
    actor: Mapped[Actor] = relationship(foreign_keys=[actor_id])
    proposal: Mapped[Proposal] = relationship()
    supersedes: Mapped["Stance | None"] = relationship(
        foreign_keys=[supersedes_id], remote_side="Stance.id"
    )


class Commitment(Attributed, Base):
    __tablename__ = "commitments"
    collection = "commitments"
    label_field = "summary"

    actor_id: Mapped[str] = mapped_column(ForeignKey("actors.id"), index=True)
    metric: Mapped[str] = mapped_column(String(50))
    currency: Mapped[str | None] = mapped_column(String(3))  # of an amount: EUR, USD, GBP
    value_min: Mapped[float]
    value_max: Mapped[float]
    kind: Mapped[str] = mapped_column(String(30), index=True)
    target_year: Mapped[int | None]
    horizon: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    actor: Mapped[Actor] = relationship(foreign_keys=[actor_id])
    applies_to: Mapped[list[Actor]] = relationship(
        secondary=commitment_applies_to, order_by=lambda: Actor.id
    )


def date_order(value: str | None) -> str:
    """An event date's place when events are sorted by date: '2025-03' as it is, '--06-24'
    after every date with a year, none last."""
    if value is None:
        return "~~"
    return f"~{value}" if value.startswith("--") else value


class Event(Attributed, Base):
    __tablename__ = "events"
    collection = "events"

    name: Mapped[str] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    location: Mapped[str | None] = mapped_column(String(300))
    date: Mapped[str | None] = mapped_column(String(10))  # 2025, 2025-06, 2025-06-24, --06-24
    # What `sort=date` compares (never null, for the cursor): the date where it has a year,
    # then days without one, then no date.
    date_order: Mapped[str] = mapped_column(String(12), default="~~", server_default="~~")
    status: Mapped[str | None] = mapped_column(String(10), index=True)
    outcome: Mapped[str | None] = mapped_column(Text)
    participants: Mapped[list[Actor]] = relationship(
        secondary=event_participants, order_by=lambda: Actor.id
    )

    @validates("date")
    def keep_date_order(self, _, value: str | None) -> str | None:
        self.date_order = date_order(value)
        return value

    proposals: Mapped[list[Proposal]] = relationship(
        secondary=event_proposals, order_by=lambda: Proposal.id, back_populates="events"
    )


class Statement(Attributed, Base):
    __tablename__ = "statements"
    collection = "statements"
    label_field = "summary"

    # No speaker: a perception no one is named behind (basis `perceived`).
    speaker_id: Mapped[str | None] = mapped_column(ForeignKey("actors.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    quote: Mapped[str | None] = mapped_column(Text)
    speaker: Mapped[Actor | None] = relationship(foreign_keys=[speaker_id])
    about: Mapped[list[Actor]] = relationship(secondary=statement_about, order_by=lambda: Actor.id)


class ApiToken(Base):
    """A bearer token for editors; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Change(Base):
    """One write, recorded in the transaction that made it."""

    __tablename__ = "changes"
    collection = "changes"
    __table_args__ = (Index("ix_changes_resource_id", "resource", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    token_name: Mapped[str] = mapped_column(String(100))
    # What the public sees of who wrote: a token's role, or the server's own writer's name.
    writer: Mapped[str] = mapped_column(String(20), default="editor", server_default="editor")
    method: Mapped[str] = mapped_column(String(10))
    resource: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[str] = mapped_column(SLUG)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    # The spans that back the changed item now (what `?source=` filters the feed by).
    evidence: Mapped[list[Evidence]] = relationship(
        primaryjoin=lambda: and_(
            foreign(Evidence.fact_id) == Change.item_id, Evidence.fact_type == Change.resource
        ),
        viewonly=True,
    )


class IdempotentResponse(Base):
    """The first answer to a POST sent with an Idempotency-Key, replayed to its retries: the
    key belongs to one token, and to the request it first came with (its fingerprint)."""

    __tablename__ = "idempotent_responses"

    token_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(200))
    status: Mapped[int]
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class DataVersion(Base):
    """One row whose number every write moves on, in the write's own transaction, with a random
    stamp minted anew each time: a cached answer is good for as long as the stamp it was made
    under is current (a number alone recurs in another database, or after a restore)."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    stamp: Mapped[str] = mapped_column(String(32), default="", server_default="")


@functools.cache
def models_by_collection() -> dict[str, type]:
    """Every model that stores a collection of `schemas.collections`, by that collection."""
    mappers = Base.registry.mappers
    return {
        mapper.class_.collection: mapper.class_ for mapper in mappers if mapper.class_.collection
    }


def model_of(collection: str) -> type:
    """The model storing a collection (the one whose `collection` it is)."""
    found = models_by_collection()
    if collection not in found:  # a model made since the map was
        models_by_collection.cache_clear()
        found = models_by_collection()
    return found[collection]
