"""The data version: one number that every write moves on in its own transaction, with a random
stamp minted with each number, so that what was computed under it (a cached answer, a total,
the index's words) is good for as long as it is current; and what a process remembers under
it (`remembered`). The stamp is what keys them: two databases sharing a Redis, or one restored
from a backup, reach the same number with other data, never the same stamp.

Reading it costs no query while nothing changes: on SQLite every writer is on this machine, and
each commit that moves the version on counts itself in a file beside the database that every
process maps into memory (`ChangeCounter`, `CountedVersionReader`); on PostgreSQL each write
notifies every worker of the new version as it commits (`NotifiedVersionReader`), and the
writing worker waits for its own notification before it answers (`catch_up`). A request reads
it once: the HTTP layer pins the version it read for the request's duration (`pin`).
"""

import logging
import mmap
import os
import secrets
import threading
import time
from collections import OrderedDict
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import event, text, update
from sqlalchemy.orm import Session

from api.extensions import db
from api.store.database import closes_idle_sessions
from api.store.models import DataVersion

TOTALS_KEPT = 10_000  # filters whose totals a process remembers


@dataclass(frozen=True)
class Version:
    """The data version as read: its number, which orders versions (it only goes up, in one
    database's life), and its stamp, which names this state of this database."""

    number: int
    stamp: str

    @classmethod
    def of(cls, row) -> "Version":
        return cls(row[0], row[1]) if row else cls(0, "")


_pinned: ContextVar[Version | None] = ContextVar("pinned_data_version", default=None)


def bump_data_version() -> None:
    """Move the data version on, with a new stamp, inside the current (write) transaction; on
    PostgreSQL, tell every listening worker the new version as the transaction commits
    (`NotifiedVersionReader`)."""
    stamp = secrets.token_hex(8)
    db.session.execute(update(DataVersion).values(version=DataVersion.version + 1, stamp=stamp))
    db.session.info[MOVED] = True  # counted as it commits (`count_committed_version`)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_notify(:channel, (SELECT version || ':' || stamp FROM data_version))"),
            {"channel": NotifiedVersionReader.CHANNEL},
        )


def catch_up_with_own_write() -> None:
    """After a write commits: this process's version reader catches up with it, before the
    write's answer leaves (see `NotifiedVersionReader.catch_up`)."""
    current_app.extensions["data_version"].catch_up()


def current() -> Version:
    """The data version: the one pinned for this request, or read now."""
    pinned = _pinned.get()
    return pinned if pinned is not None else current_app.extensions["data_version"].read()


def pin(read: Version | None = None) -> Version:
    """Read the version once (or take the one `read` a moment ago for this request) and answer
    it to every `current()` of this thread until `unpin`: one request, one version."""
    version = read if read is not None else current_app.extensions["data_version"].read()
    _pinned.set(version)
    return version


def unpin() -> None:
    _pinned.set(None)


def remembered(key: tuple, compute):
    """What `compute()` answers for `key` under the current data version, computed once per
    version and process (a collection's total: counting a million rows is 25 ms each time),
    whether or not the answers are cached (RESPONSE_CACHE)."""
    totals = current_app.extensions["totals"]
    version = current()
    with totals.lock:
        found = totals.entries.get(key)
    if found is not None and found[0] == version:
        return found[1]
    value = compute()
    with totals.lock:
        totals.entries[key] = (version, value)
        totals.entries.move_to_end(key)
        while len(totals.entries) > TOTALS_KEPT:
            totals.entries.popitem(last=False)
    return value


class Totals:
    """The totals a process remembers, by filter: (data version, total), least recent first."""

    def __init__(self):
        self.entries: OrderedDict[tuple, tuple[int, int]] = OrderedDict()
        self.lock = threading.Lock()


class VersionReader:
    """Reads the data version, on every cacheable GET, on one connection of its own per process
    (outside the pool, autocommit, so each read sees the latest commit). Checking a connection
    out of the pool and beginning a transaction cost more than the query itself. If that
    connection fails, the read is retried once through the pool, which raises the usual
    database errors (503) while the database is away."""

    QUERY = "SELECT version, stamp FROM data_version"

    def __init__(self, engine):
        self.engine = engine
        self.lock = threading.Lock()
        self.connection = None
        self.pid = None

    def connect(self):
        pooled = self.engine.raw_connection()
        pooled.detach()  # ours alone from now on
        connection = pooled.dbapi_connection
        if self.engine.dialect.name == "postgresql":
            connection.rollback()
            connection.autocommit = True
        return connection

    def close(self) -> None:
        with self.lock:
            self.discard()

    def discard(self) -> None:
        """Let go of the connection, closing it if this process made it (a forked child must
        not close its parent's)."""
        if self.connection is not None and self.pid == os.getpid():
            with suppress(Exception):
                self.connection.close()
        self.connection = None

    def read(self) -> Version:
        with self.lock:
            try:
                return self.latest(self.connected())
            except Exception:
                self.discard()
        with self.engine.connect() as connection:
            return Version.of(connection.exec_driver_sql(self.QUERY).first())

    def connected(self):
        """This process's connection, made if it has none yet (or was forked from one that had)."""
        if not self.has_connection():
            self.connection, self.pid = self.connect(), os.getpid()
        return self.connection

    def has_connection(self) -> bool:
        return self.connection is not None and self.pid == os.getpid()

    def in_table(self, connection) -> Version:
        """The version as the table holds it now."""
        cursor = connection.cursor()
        cursor.execute(self.QUERY)
        row = cursor.fetchone()
        cursor.close()
        return Version.of(row)

    def latest(self, connection) -> Version:
        """What a read answers: here, the table, every time."""
        return self.in_table(connection)

    def catch_up(self) -> None:
        """After this process commits a write: nothing to do here, since every read reads the
        table (`NotifiedVersionReader` has to wait for its notification)."""

    def committed(self) -> None:
        """A transaction that moved the version on has just committed in this process."""


class ChangeCounter:
    """A count of the commits that moved the data version on, in eight bytes of a file beside
    the SQLite database, mapped into the memory of every process that serves or writes it: a
    look at it costs no query. A writer counts its commit after it (`bump`); a reader that sees
    the count it saw last knows that nothing was committed since (every writer of the file is on
    this machine). Two writers counting at once may count one: harmless, since each counts
    after its commit, so whoever sees the new count reads both commits."""

    def __init__(self, path: str):
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if os.fstat(descriptor).st_size < 8:
                os.ftruncate(descriptor, 8)
            self.memory = mmap.mmap(descriptor, 8)
        finally:
            os.close(descriptor)

    def seen(self) -> bytes:
        return self.memory[:8]

    def bump(self) -> None:
        count = int.from_bytes(self.memory[:8], "little")
        self.memory[:8] = ((count + 1) % 2**64).to_bytes(8, "little")


class CountedVersionReader(VersionReader):
    """On SQLite, a read costs no query while the shared count of commits (`ChangeCounter`) is
    the one seen when the table was last read; the table is read again when it moves, and at
    least once a second in case something wrote the file without counting (another program)."""

    RECHECK_SECONDS = 1.0

    def __init__(self, engine, counter: ChangeCounter):
        super().__init__(engine)
        self.counter = counter
        self.known = (None, Version(0, ""), float("-inf"))  # (count seen, version, when read)

    def read(self) -> Version:
        seen, version, checked = self.known
        now = time.monotonic()
        count = self.counter.seen()  # before the table: a commit counted meanwhile is read anew
        if count == seen and now - checked < self.RECHECK_SECONDS:
            return version
        version = super().read()
        self.known = (count, version, now)
        return version

    def committed(self) -> None:
        self.counter.bump()


class NotifiedVersionReader(VersionReader):
    """On PostgreSQL, a read costs no round trip: the reader's connection LISTENs, every write
    NOTIFYs its new version as it commits (`bump_data_version`), and a read takes the
    notifications that have arrived (a look at the socket, without waiting). The table is
    still read when the connection is new, and at least once a second, so that a connection
    that died without a word leaves a worker behind for a second at most.

    PostgreSQL signals every listener as a write commits and each one's notification reaches
    its socket a moment later (usually well under a millisecond; longer on a busy machine). So
    that the write is seen by the time its answer is, the writing process waits for its own
    notification before answering (`catch_up`): the other workers were told at the same moment."""

    CHANNEL = "briefing_data_version"
    RECHECK_SECONDS = 1.0
    CATCH_UP_SECONDS = 1.0

    def __init__(self, engine):
        super().__init__(engine)
        self.version = Version(0, "")
        self.checked = float("-inf")
        self.ended = False

    def connect(self):
        connection = super().connect()
        if closes_idle_sessions(connection):  # a listener is idle between notifications
            connection.execute("SET idle_session_timeout = 0")
        connection.add_notice_handler(self.on_notice)
        connection.execute(f"LISTEN {self.CHANNEL}")
        self.checked, self.ended = float("-inf"), False
        return connection

    def on_notice(self, diagnostic) -> None:
        """PostgreSQL says it ends this session (a restart, pg_terminate_backend): no
        notification comes after it. Its socket still looks alive for one more look, in which
        a read would answer the version from before a write made elsewhere meanwhile."""
        if diagnostic.severity in ("FATAL", "PANIC"):
            self.ended = True

    def latest(self, connection) -> Version:
        if time.monotonic() - self.checked >= self.RECHECK_SECONDS:
            self.version, self.checked = self.in_table(connection), time.monotonic()
        self.hear(connection.notifies(timeout=0))
        if self.ended:  # the read goes through the pool; the next one listens afresh
            raise ConnectionError("PostgreSQL ended the listener's session")
        return self.version

    def hear(self, notifications) -> None:
        """Take the versions notified ('number:stamp'); never step back to an older one (a
        notification can arrive after the table was read at a newer version)."""
        for notification in notifications:
            number, _, stamp = notification.payload.partition(":")
            self.newer(Version(int(number), stamp))

    def newer(self, version: Version) -> None:
        if version.number > self.version.number:
            self.version = version

    def catch_up(self) -> None:
        """Read the version the table holds now, then wait (a second at most) until this
        reader has heard its notification, so that this worker's next read sees its own write
        and the write's answer leaves only once PostgreSQL has delivered the news here."""
        with self.lock:
            try:
                listened = self.has_connection()  # since before the commit
                connection = self.connected()
                committed = self.in_table(connection)
                deadline = time.monotonic() + self.CATCH_UP_SECONDS
                while (
                    listened
                    and self.version.number < committed.number
                    and (left := deadline - time.monotonic()) > 0
                ):
                    self.hear(connection.notifies(timeout=left, stop_after=1))
                self.newer(committed)
            except Exception:
                self.discard()  # the next read starts afresh, through the pool if need be


MOVED = "data_version_moved"  # in a session's info: its transaction moved the version on


@event.listens_for(Session, "after_commit")
def count_committed_version(session) -> None:
    if session.info.pop(MOVED, False):
        current_app.extensions["data_version"].committed()


@event.listens_for(Session, "after_rollback")
def forget_rolled_back_version(session) -> None:
    session.info.pop(MOVED, None)


def init_version(app) -> None:
    app.extensions["totals"] = Totals()
    with app.app_context():
        app.extensions["data_version"] = version_reader(db.engine)


def version_reader(engine) -> VersionReader:
    if engine.dialect.name == "postgresql":
        return NotifiedVersionReader(engine)
    counter = change_counter(engine.url.database)
    return CountedVersionReader(engine, counter) if counter else VersionReader(engine)


def change_counter(database: str | None) -> ChangeCounter | None:
    """The count of commits beside a SQLite file (`<file>-version`, as SQLite keeps `-wal` and
    `-shm`); none for a database in memory, or where the file cannot be made (each read then
    asks the table)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    try:
        return ChangeCounter(f"{database}-version")
    except OSError as error:
        logging.getLogger(__name__).warning("data version read from the table: %s", error)
        return None
