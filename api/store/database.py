"""Engine set-up: SQLite gets WAL, a busy timeout, foreign keys, a small page cache and BEGIN
IMMEDIATE for writes; PostgreSQL lock and statement timeouts."""

import logging
import os
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event

from api.config import IDLE_CONNECTION_SECONDS

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
    Each write's moves are noted for `watch_stalled_writes`.
    """
    tune_sqlite_connections(engine)

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing() else "BEGIN")
        if writing():
            _write_moved[threading.get_ident()] = time.monotonic()

    @event.listens_for(engine, "after_cursor_execute")
    def on_statement(*arguments):
        if threading.get_ident() in _write_moved:
            _write_moved[threading.get_ident()] = time.monotonic()

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    @event.listens_for(engine, "checkin")
    def on_end(*arguments):
        _write_moved.pop(threading.get_ident(), None)


# SQLite has one write lock for every worker. A write that holds it without moving (no statement
# of it ending) this long is stuck — a thread hung inside it — and every other write waits
# behind it: its worker is ended (the operating system lets go of the lock; gunicorn starts
# another), as gunicorn itself ends a worker that stopped answering for its `timeout`.
WRITE_STALL_SECONDS = 10
# How long a write waits for the write lock before answering 503 with Retry-After.
WRITE_WAIT_SECONDS = 5
# When each of this process's open writes last moved, by thread (a thread's write ends with its
# commit or rollback, and at the latest when its connection goes back to the pool).
_write_moved: dict[int, float] = {}


def stalled_writes(now: float) -> list[float]:
    """How long each write stalled past WRITE_STALL_SECONDS has held the lock unmoved."""
    return [
        now - moved for moved in list(_write_moved.values()) if now - moved > WRITE_STALL_SECONDS
    ]


def watch_stalled_writes() -> None:
    """In a gunicorn worker on SQLite: a thread that ends the worker when one of its writes
    stalls while holding the write lock (see WRITE_STALL_SECONDS)."""

    def watch():
        while True:
            time.sleep(1)
            stalled = stalled_writes(time.monotonic())
            if stalled:
                logging.getLogger("api").critical(
                    "A write held SQLite's write lock without moving for %.0f s: this worker "
                    "(pid %d) ends so that other writes can go on.",
                    max(stalled),
                    os.getpid(),
                )
                os._exit(70)  # EX_SOFTWARE; a stuck thread could never be joined

    threading.Thread(target=watch, name="stalled-write-watch", daemon=True).start()


def tune_sqlite_connections(engine) -> None:
    """Every connection of `engine` gets WAL, a busy timeout, foreign keys, a small page cache,
    and leaves BEGIN to SQLAlchemy (or, in autocommit, to no one)."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={WRITE_WAIT_SECONDS * 1000}")
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
    """Every connection of `engine` gets the lock and statement timeouts, for its session, and
    is closed by the server once idle for IDLE_CONNECTION_SECONDS (PostgreSQL 14 and later;
    the pool's pre-ping, or a direct read's fallback, then connects afresh)."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")
        if closes_idle_sessions(dbapi_connection):
            cursor.execute(f"SET idle_session_timeout = '{IDLE_CONNECTION_SECONDS}s'")
        cursor.close()
        dbapi_connection.commit()  # a SET is undone with the transaction it began


def closes_idle_sessions(dbapi_connection) -> bool:
    """Whether the server has `idle_session_timeout` (PostgreSQL 14 and later)."""
    return dbapi_connection.info.server_version >= 140000
