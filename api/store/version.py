"""The data version: one number that every write moves on in its own transaction, with a random
stamp minted with each number, so that what was computed under it (a cached answer, a total,
the index's words) is good for as long as it is current; and what a process remembers under
it (`remembered`). The stamp is what keys them: two databases sharing a Redis, or one restored
from a backup, reach the same number with other data, never the same stamp.

Reading it costs one query on SQLite; on PostgreSQL none, since each write notifies every
worker of the new version as it commits (`NotifiedVersionReader`), and the writing worker
waits for its own notification before it answers (`catch_up`). A request reads it once: the
HTTP layer pins the version it read for the request's duration (`pin`).
"""

import os
import secrets
import threading
import time
from collections import OrderedDict
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import text, update

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


def pin() -> Version:
    """Read the version once and answer it to every `current()` of this thread until `unpin`:
    one request, one version."""
    version = current_app.extensions["data_version"].read()
    _pinned.set(version)
    return version


def unpin() -> None:
    _pinned.set(None)


def remembered(key: tuple, compute):
    """What `compute()` answers for `key` under the current data version, computed once per
    version and process (a collection's total: counting 100,000 rows is 3 ms each time);
    computed every time with the response cache off."""
    if not current_app.config["RESPONSE_CACHE"]:
        return compute()
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

    latest = in_table  # what a read answers: here, the table, every time

    def catch_up(self) -> None:
        """After this process commits a write: nothing to do here, since every read reads the
        table (`NotifiedVersionReader` has to wait for its notification)."""


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


def init_version(app) -> None:
    app.extensions["totals"] = Totals()
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        reader = NotifiedVersionReader if postgres else VersionReader
        app.extensions["data_version"] = reader(db.engine)
