"""Reads of stored renders that need no session: one statement on a connection of a small pool
of their own, in autocommit, so that a read sends no BEGIN and no ROLLBACK and builds no ORM
state. An item read is one statement compiled once per model on a plain DBAPI cursor (13 µs
in-process, against 180 µs through the session: bench/RESULTS.md); so is a statement of SQL text
(a page of search hits), compiled once per text.

If that connection fails, the read goes through the session instead, whose pool pings and
reconnects, and whose errors are the usual ones (503 while the database is away). A read that
waited its time out (a lock, `api/store/database.py`) is not tried again there: it would wait as
long again before the same 503.
"""

import functools
from collections import namedtuple

from flask import current_app
from sqlalchemy import bindparam, create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.extensions import db
from api.store.database import bound_postgres_waits, tune_sqlite_connections
from api.store.models import model_of
from schemas.collections import names

NOT_READ = object()  # what a read on a connection of this pool that failed gives

# What a read waited for in vain: PostgreSQL's lock_timeout and statement_timeout (SQLSTATE),
# SQLite's busy timeout.
TIMED_OUT = {"55P03", "57014"}


def waited_in_vain(error) -> bool:
    return getattr(error, "sqlstate", None) in TIMED_OUT or "database is locked" in str(error)


# A request waits this long for a connection of a full pool, then answers 503 (not 30 s).
POOL_TIMEOUT_SECONDS = 3


class DirectReads:
    """The autocommit engine, and each fact model's item query, compiled for it."""

    def __init__(self, engine, pool_size: int, max_overflow: int):
        # Each read holds its connection for one statement only: a few per worker serve its
        # threads (on PostgreSQL, its share of DATABASE_CONNECTIONS: api/config.py).
        self.engine = create_engine(
            engine.url,
            isolation_level="AUTOCOMMIT",
            pool_reset_on_return=None,  # autocommit: nothing to roll back
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=POOL_TIMEOUT_SECONDS,
            pool_use_lifo=True,  # what a burst opened stays idle, to be let go (api/config.py)
        )
        if engine.dialect.name == "sqlite":
            tune_sqlite_connections(self.engine)
        else:
            bound_postgres_waits(self.engine)
        self.item_statements = {
            model: select(model.version, model.rendered).where(model.id == bindparam("item_id"))
            for model in map(model_of, names("facts"))
        }
        self.item_queries = {
            model: self.compile(statement) for model, statement in self.item_statements.items()
        }
        self.dbapi_error = self.engine.dialect.loaded_dbapi.Error
        # What a failed connection raises: SQLAlchemy's wrapper, the driver's own error (a
        # connection refused when the server is full came through unwrapped), or a full pool.
        self.failures = (DBAPIError, self.dbapi_error, PoolTimeout)

    def compile(self, statement) -> tuple[str, bool]:
        compiled = statement.compile(dialect=self.engine.dialect)
        return str(compiled), compiled.positional

    def item(self, model, item_id: str) -> tuple | None:
        """The (version, rendered) of one fact, or None if there is no such fact."""
        sql, positional = self.item_queries[model]
        parameters = (item_id,) if positional else {"item_id": item_id}
        row = self.on_cursor(sql, parameters, lambda cursor: cursor.fetchone())
        if row is not NOT_READ:
            return row
        found = self.through_the_session(self.item_statements[model], {"item_id": item_id})
        return found[0] if found else None

    def on_cursor(self, sql: str, parameters, read):
        """What `read(cursor)` takes from a plain DBAPI cursor that ran one statement, or
        NOT_READ when the connection or the statement failed (the caller then reads through
        the session); a statement that waited in vain raises, as the session's would."""
        try:
            connection = self.engine.raw_connection()
        except self.failures:
            return NOT_READ
        try:
            cursor = connection.cursor()
            cursor.execute(sql, parameters)
            found = read(cursor)
            cursor.close()
            return found
        except self.dbapi_error as error:
            if waited_in_vain(error):
                wrapped = DBAPIError.instance(
                    sql, parameters, error, self.dbapi_error, dialect=self.engine.dialect
                )
                raise wrapped from error
            connection.invalidate()
            return NOT_READ
        finally:
            connection.close()

    def through_the_session(self, statement, parameters: dict | None) -> list:
        """The rows of a read whose own connection failed, read through the session."""
        return db.session.execute(statement, parameters).all()

    def rows(self, statement, parameters: dict | None = None) -> list:
        """All the rows of a Core statement (a page of stored renders, of search hits)."""
        try:
            with self.engine.connect() as connection:
                return connection.execute(statement, parameters).all()
        except self.failures as error:
            if waited_in_vain(getattr(error, "orig", error)):
                raise
            return self.through_the_session(statement, parameters)

    def text_rows(self, sql: str, parameters: dict) -> list:
        """All the rows of a statement of SQL text with `:name` parameters, as named tuples. A
        list parameter expands (`IN :sources`) through SQLAlchemy; without one, the text runs on
        a plain DBAPI cursor, compiled once per text (a page of search hits at 100,000 stances:
        0.3 ms of CPU less than through SQLAlchemy's execution)."""
        if any(isinstance(value, list) for value in parameters.values()):
            return self.rows(expanding_text(sql, parameters), parameters)
        query = compiled_text(self.engine.dialect, sql)
        arguments = [parameters[name] for name in query.order] if query.order else parameters
        found = self.on_cursor(
            query.sql, arguments, lambda cursor: (cursor.fetchall(), cursor.description)
        )
        if found is NOT_READ:
            return self.through_the_session(text(sql), parameters)
        rows, columns = found
        row = query.row or query.named([column[0] for column in columns])
        return [row._make(values) for values in rows]

    def dispose(self, close: bool = True) -> None:
        self.engine.dispose(close=close)


class CompiledText:
    """A statement of SQL text as the driver takes it, and the named tuple of its rows."""

    def __init__(self, sql: str, order: tuple | None):
        self.sql, self.order, self.row = sql, order, None

    def named(self, columns: list[str]):
        self.row = namedtuple("Row", columns, rename=True)  # `count(*)` is _0
        return self.row


@functools.lru_cache(maxsize=256)
def compiled_text(dialect, sql: str) -> CompiledText:
    compiled = text(sql).compile(dialect=dialect)
    return CompiledText(str(compiled), tuple(compiled.positiontup) if compiled.positional else None)


def expanding_text(sql: str, parameters: dict):
    """A statement of SQL text whose list parameters expand (`IN :sources`)."""
    lists = [
        bindparam(name, expanding=True)
        for name, value in parameters.items()
        if isinstance(value, list)
    ]
    return text(sql).bindparams(*lists)


def direct_reads() -> DirectReads:
    return current_app.extensions["direct_reads"]


def init_reads(app) -> None:
    with app.app_context():
        app.extensions["direct_reads"] = DirectReads(db.engine, *app.config["DIRECT_READ_POOL"])
