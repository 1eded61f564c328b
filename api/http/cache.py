"""Rendered GET responses and totals, cached under the data version that every write moves on.

A hit costs one query (reading the version); so does a 304; on PostgreSQL none, since each write
notifies every worker of the new version as it commits. Every worker and machine sees a write
on its next request (on PostgreSQL, once the notification has arrived, which the writing worker
waits for before it answers). The response cache itself is Redis when REDIS_URL is set
(shared), or a small per-process map otherwise; if Redis fails, requests are simply served
uncached. Totals per filter are remembered per process (`remembered`).
"""

import json
import os
import threading
import time
from collections import OrderedDict
from contextlib import suppress

import redis
from flask import current_app, g, has_request_context, request
from sqlalchemy import text, update

from api.extensions import db
from api.http.formats import wants_csv, wants_pretty
from api.http.headers import SECURITY_HEADERS
from api.store.models import DataVersion

KEPT_HEADERS = {
    "Content-Type",
    "ETag",
    "Link",
    "Vary",
    "Cache-Control",
    *SECURITY_HEADERS,  # Flask-CORS adds its headers to every answer, a cached one too
}
# Per process, without Redis. Small: with stored renders a miss costs a few ms, and five
# workers each holding 32 MiB of pages put the service over 300 MiB (bench/RESULTS.md).
LOCAL_BYTES = 8 * 1024 * 1024
# Renders of the same missing answer queue on one of these (by key), so a burst of identical
# requests after a write, or in a fresh worker, costs one render rather than one per thread.
RENDER_LOCKS = [threading.Lock() for _ in range(64)]
RENDER_WAIT_SECONDS = 10
TOTALS_KEPT = 10_000  # filters whose totals a process remembers
TTL_SECONDS = 3600


def bump_data_version() -> None:
    """Move the data version on, inside the current (write) transaction; on PostgreSQL, tell
    every listening worker the new version as the transaction commits (`NotifiedVersionReader`)."""
    db.session.execute(update(DataVersion).values(version=DataVersion.version + 1))
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_notify(:channel, (SELECT version::text FROM data_version))"),
            {"channel": NotifiedVersionReader.CHANNEL},
        )


def catch_up_with_own_write() -> None:
    """After a write commits: this process's version reader catches up with it, before the
    write's answer leaves (see `NotifiedVersionReader.catch_up`)."""
    current_app.extensions["data_version"].catch_up()


def current_data_version() -> int:
    """The data version, read once per request (`serve_cached` reads it first); kept in the
    request's environ, which lives exactly as long as the request (`g` can outlive it)."""
    if not has_request_context():
        return current_app.extensions["data_version"].read()
    environ = request.environ
    if "briefing.data_version" not in environ:
        environ["briefing.data_version"] = current_app.extensions["data_version"].read()
    return environ["briefing.data_version"]


def remembered(key: tuple, compute):
    """What `compute()` answers for `key` under the current data version, computed once per
    version and process (a collection's total: counting 100,000 rows is 3 ms each time);
    computed every time with the response cache off."""
    if not current_app.config["RESPONSE_CACHE"]:
        return compute()
    totals = current_app.extensions["totals"]
    version = current_data_version()
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


class VersionReader:
    """Reads the data version, on every cacheable GET, on one connection of its own per process
    (outside the pool, autocommit, so each read sees the latest commit). Checking a connection
    out of the pool and beginning a transaction cost more than the query itself. If that
    connection fails, the read is retried once through the pool, which raises the usual
    database errors (503) while the database is away."""

    QUERY = "SELECT version FROM data_version"

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

    def read(self) -> int:
        with self.lock:
            try:
                return self.latest(self.connected())
            except Exception:
                self.discard()
        with self.engine.connect() as connection:
            return connection.exec_driver_sql(self.QUERY).scalar() or 0

    def connected(self):
        """This process's connection, made if it has none yet (or was forked from one that had)."""
        if not self.has_connection():
            self.connection, self.pid = self.connect(), os.getpid()
        return self.connection

    def has_connection(self) -> bool:
        return self.connection is not None and self.pid == os.getpid()

    def latest(self, connection) -> int:
        """The version as the table holds it now."""
        return self.in_table(connection)

    def in_table(self, connection) -> int:
        cursor = connection.cursor()
        cursor.execute(self.QUERY)
        row = cursor.fetchone()
        cursor.close()
        return row[0] if row else 0

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
        self.version = 0
        self.checked = float("-inf")

    def connect(self):
        connection = super().connect()
        connection.execute(f"LISTEN {self.CHANNEL}")
        self.checked = float("-inf")
        return connection

    def latest(self, connection) -> int:
        if time.monotonic() - self.checked >= self.RECHECK_SECONDS:
            self.version, self.checked = self.in_table(connection), time.monotonic()
        self.hear(connection.notifies(timeout=0))
        return self.version

    def hear(self, notifications) -> None:
        """Take the versions notified; never step back to an older one (a notification can
        arrive after the table was read at a newer version)."""
        for notification in notifications:
            self.version = max(self.version, int(notification.payload))

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
                    and self.version < committed
                    and (left := deadline - time.monotonic()) > 0
                ):
                    self.hear(connection.notifies(timeout=left, stop_after=1))
                self.version = max(self.version, committed)
            except Exception:
                self.discard()  # the next read starts afresh, through the pool if need be


class LocalStore:
    """A least-recently-used map of (headers, body) pairs, one per process, bounded by the
    bytes of its bodies so that memory stays flat however many different pages are asked for."""

    def __init__(self, limit: int = LOCAL_BYTES):
        self.entries: OrderedDict[str, tuple[list, bytes]] = OrderedDict()
        self.limit = limit
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: str) -> tuple[list, bytes] | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def set(self, key: str, entry: tuple[list, bytes]) -> None:
        if len(entry[1]) > self.limit:
            return
        with self.lock:
            previous = self.entries.pop(key, None)
            if previous is not None:
                self.size -= len(previous[1])
            self.entries[key] = entry
            self.size += len(entry[1])
            while self.size > self.limit:
                _, (_, body) = self.entries.popitem(last=False)
                self.size -= len(body)


class RedisStore:
    """Shared by every worker and machine: the headers as a JSON line, then the body."""

    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def get(self, key: str) -> tuple[list, bytes] | None:
        try:
            stored = self.client.get(key)
        except redis.RedisError:
            return None
        if stored is None:
            return None
        headers, body = stored.split(b"\n", 1)
        return json.loads(headers), body

    def set(self, key: str, entry: tuple[list, bytes]) -> None:
        headers, body = entry
        try:
            self.client.set(key, json.dumps(headers).encode() + b"\n" + body, ex=TTL_SECONDS)
        except redis.RedisError:
            pass


def cacheable() -> bool:
    return request.method in ("GET", "HEAD") and request.path.startswith("/v1/")


def cache_key(version: int) -> str:
    """The data version, the path and query, and the two choices a request makes about its
    body's shape (CSV or JSON, pretty or compact)."""
    environ = request.environ
    query = environ.get("QUERY_STRING", "")
    return f"briefing:response:{version}:{wants_csv():d}{wants_pretty():d}:{request.path}?{query}"


def serve_cached():
    """Answer from the cache when this request was answered under the current data version."""
    if not cacheable() or not current_app.config["RESPONSE_CACHE"]:
        return None
    g.cache_key = cache_key(current_data_version())
    store = current_app.extensions["response_cache"]
    entry = store.get(g.cache_key)
    if entry is None:
        # One thread renders a missing answer; the others asking for it wait, then share it.
        lock = RENDER_LOCKS[hash(g.cache_key) % len(RENDER_LOCKS)]
        if lock.acquire(timeout=RENDER_WAIT_SECONDS):
            g.render_lock = lock
        entry = store.get(g.cache_key)
        if entry is None:
            return None
        release_render_lock()
    headers, body = entry
    g.cache_hit = True
    return current_app.response_class(body, status=200, headers=headers)


def release_render_lock(error=None) -> None:
    lock = g.pop("render_lock", None)
    if lock is not None:
        lock.release()


def store_response(response) -> None:
    """Keep a fresh 200 for the next identical request under the same data version: its body
    and the headers that depend on nothing but the request's key."""
    key = g.get("cache_key")
    if key and response.status_code == 200 and not response.is_streamed:
        headers = [(name, value) for name, value in response.headers if name in KEPT_HEADERS]
        current_app.extensions["response_cache"].set(key, (headers, response.get_data()))


class Totals:
    """The totals a process remembers, by filter: (data version, total), least recent first."""

    def __init__(self):
        self.entries: OrderedDict[tuple, tuple[int, int]] = OrderedDict()
        self.lock = threading.Lock()


def init_cache(app) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions["response_cache"] = RedisStore(url) if url else LocalStore()
    app.extensions["totals"] = Totals()
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        reader = NotifiedVersionReader if postgres else VersionReader
        app.extensions["data_version"] = reader(db.engine)
