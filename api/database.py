"""Engine set-up: SQLite gets WAL, a busy timeout, foreign keys and BEGIN IMMEDIATE for writes."""

from flask import has_request_context, request
from sqlalchemy import event

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def writing() -> bool:
    """Writes are requests with unsafe methods, and anything outside a request (CLI)."""
    return not has_request_context() or request.method not in SAFE_METHODS


def configure_sqlite(engine) -> None:
    """Several workers may write one SQLite file: lock for writing at BEGIN, and wait for it.

    With SQLite's default deferred BEGIN, two writers that both read first deadlock on upgrade
    and one fails with "database is locked"; BEGIN IMMEDIATE makes the second wait instead.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing() else "BEGIN")
