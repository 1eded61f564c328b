"""How every write ends, whoever makes it: an editor's request, seed, import, retire, synth."""

from contextlib import contextmanager

from sqlalchemy import text

from api.extensions import db
from api.search import index
from api.store import chronology, renders
from api.store.database import marked_as_write
from api.store.version import bump_data_version, catch_up_with_own_write


def end_write(*indexed, reindex: bool = False, dumps: dict | None = None) -> None:
    """The last steps of every write, in its own transaction: bring the sources' order and
    the facts' places in it (api/store/chronology.py), the search index and the
    stored renders up to date (for the items written and what shows them, or all of it), and
    move the data version on, so that cached answers made before the write are stale from its
    commit. `dumps` holds what the write dumped already (api/store/renders.py `refresh`)."""
    chronology.keep_up(*indexed, everything=reindex)
    if reindex:
        index.reindex()
        renders.store_all()
        refresh_statistics()
    refreshed = renders.refresh(*indexed, dumps=dumps)
    for item in indexed:
        index.index_item(item)
    # The facts that show what it wrote hold its texts in their rows too (a stance, its
    # actor's name).
    index.index_items(refreshed - {(item.collection, item.id) for item in indexed})
    bump_data_version()


def refresh_statistics() -> None:
    """After a bulk load, let the planner know the tables' new sizes (`ANALYZE`), so that a
    filtered page walks the index that fits it, in the write's transaction."""
    db.session.execute(text("ANALYZE"))


def commit_write(written=None, dump: dict | None = None) -> None:
    """End a request's write (see `end_write`) of the item `written`, which it dumped as
    `dump`, and commit it."""
    if written is None:
        end_write()
    else:
        end_write(written, dumps={(written.collection, written.id): dump} if dump else None)
    db.session.commit()
    catch_up_with_own_write()


@contextmanager
def write_transaction():
    """One write outside a request, all or nothing: its reads and writes in one transaction
    (BEGIN IMMEDIATE on SQLite), committed when the block ends, rolled back if it raises. On
    PostgreSQL its statements may run past a request's statement timeout: a bulk load into a
    million stances orders and places them in statements of a minute."""
    db.session.rollback()  # end whatever read went before: this transaction starts afresh
    with marked_as_write(), db.session.begin():
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL statement_timeout = 0"))
        yield
    catch_up_with_own_write()
