"""The change feed's writing side: every write, whoever makes it, is one Change row."""

from sqlalchemy import func, select, tuple_

from api.extensions import db
from api.store.models import ApiToken, Change

# Who writes when nobody sends a token: the command-line loaders and retirement.
SEED_WRITER = "cli:seed"
IMPORT_WRITER = "cli:import"
RETIRE_WRITER = "cli:retire"
LOADERS = {SEED_WRITER, IMPORT_WRITER}
SERVER_WRITERS = {*LOADERS, RETIRE_WRITER}


def record(method: str, item, before: dict | None, after: dict | None, who: str) -> None:
    """Add the change `who` made to the current transaction, so that it lands with the write
    or not at all; the public sees its `writer` (`writer_of`)."""
    db.session.add(
        Change(
            token_name=who,
            writer=writer_of(who),
            method=method,
            resource=item.collection,
            item_id=item.id,
            before=before,
            after=after,
        )
    )


def writer_of(who: str) -> str:
    """What the change feed shows of a writer: the server's own by name, a token by its role
    (the environment's admin token is an admin's)."""
    if who in SERVER_WRITERS:
        return who
    role = db.session.scalar(select(ApiToken.role).where(ApiToken.name == who))
    return role or "admin"


def newest_change_ids():
    """A subquery: the id of each item's newest change."""
    return select(func.max(Change.id)).group_by(Change.resource, Change.item_id)


def latest_changes(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Change]:
    """The newest change of each (collection, id) that has one."""
    if not keys:
        return {}
    newest = newest_change_ids().where(tuple_(Change.resource, Change.item_id).in_(sorted(keys)))
    changes = db.session.scalars(select(Change).where(Change.id.in_(newest)))
    return {(change.resource, change.item_id): change for change in changes}


def in_words(change: Change) -> str:
    """Who did what when, in words: 'edited by desk on 2026-12-01'."""
    verb = {"POST": "created", "PATCH": "edited", "DELETE": "deleted"}[change.method]
    return f"{verb} by {change.token_name} on {change.at.date().isoformat()}"
