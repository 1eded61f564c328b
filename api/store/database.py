"""Engine set-up: SQLite gets WAL, a busy timeout, foreign keys, a small page cache and BEGIN
IMMEDIATE for writes; PostgreSQL lock and statement timeouts."""

from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_writing: ContextVar[bool] = ContextVar("writing", default=False)


@contextmanager
def marked_as_write():
    """Mark the transaction begun inside as a write (see `api.store.commits.write_transaction`)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def mark_as_write(writes: bool = True) -> None:
    """Mark what this thread does next as a write, or not (the HTTP layer marks a request with
    an unsafe method, before it reads anything)."""
    _writing.set(writes)


def writing() -> bool:
    """Whether a transaction begun now is a write's (`marked_as_write`, `mark_as_write`)."""
    return _writing.get()


def configure_sqlite(engine) -> None:
    """Several workers may write one SQLite file: lock for writing at BEGIN, and wait for it.

    With SQLite's default deferred BEGIN, two writers that both read first deadlock on upgrade
    and one fails with "database is locked"; BEGIN IMMEDIATE makes the second wait instead.
    """
    tune_sqlite_connections(engine)

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing() else "BEGIN")


def tune_sqlite_connections(engine) -> None:
    """Every connection of `engine` gets WAL, a busy timeout, foreign keys, a small page cache,
    and leaves BEGIN to SQLAlchemy (or, in autocommit, to no one)."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Each pooled connection keeps its own page cache (2 MiB by default): with a thread
        # per connection in every worker that was 100 MiB of copies of what the operating
        # system caches once for all; 256 KiB measured as fast (bench/RESULTS.md).
        cursor.execute("PRAGMA cache_size=-256")
        cursor.close()


# On PostgreSQL, how long a statement may wait for a lock (an ALTER TABLE queued before it, a
# long write), and run at all, before it is cancelled: the request answers 503 + Retry-After
# (api/http/errors.py) instead of waiting with everyone else. Migrations meet the same bounds.
LOCK_TIMEOUT = "3s"
STATEMENT_TIMEOUT = "30s"


def bound_postgres_waits(engine) -> None:
    """Every connection of `engine` gets the lock and statement timeouts, for its session."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")
        cursor.close()
        dbapi_connection.commit()  # a SET is undone with the transaction it began
