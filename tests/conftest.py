"""Fixtures: one migrated, seeded database per run (SQLite, or DATABASE_URL when set), and one
per worker when the run is spread over several (pytest-xdist)."""

import os
import uuid
from contextlib import contextmanager

import flask_migrate
import pytest
from sqlalchemy import create_engine, func, literal_column, select, text
from sqlalchemy.engine import make_url

from api import create_app
from api.extensions import db as database
from api.http.auth import create_token
from api.loading.bundles import seed
from api.loading.files import bundle_paths
from api.search.index import INSERT_WITH_ROWID, search_index, search_rows, search_words
from api.store.commits import end_write
from api.store.models import Change
from tests.helpers import start_gunicorn, stop

# The service's settings: an operator's values must not change what the suite finds. Only
# DATABASE_URL, which chooses the database to test on, is read from the environment.
OPERATOR_SETTINGS = (
    "RATELIMIT_ENABLED",
    "RESPONSE_CACHE",
    "REDIS_URL",
    "LOG_LEVEL",
    "API_ADMIN_TOKEN",
    "API_TOKEN",
    "CORS_ORIGINS",
    "WEB_CONCURRENCY",
    "DATABASE_CONNECTIONS",
    "PORT",
    "PROXY_HOPS",
    "HEADER_TIMEOUT",
    "SHARED_CACHE_SECONDS",
    "START_STEPS",
)
_set_aside: dict[str, str] = {}


def pytest_configure(config):
    for name in OPERATOR_SETTINGS:
        if name in os.environ:
            _set_aside[name] = os.environ.pop(name)


def pytest_unconfigure(config):
    os.environ.update(_set_aside)


def pytest_collection_modifyitems(items):
    """The contract test, the longest by far, first: pytest-xdist hands it to one worker while
    the other starts on the rest, and the two finish about together instead of one waiting."""
    items.sort(key=lambda item: item.path.name != "test_contract.py")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    """SQLite in this run's (or worker's) temporary folder; with DATABASE_URL, that database, or
    for each worker of a spread run a database of its own beside it, dropped at the end."""
    given = os.environ.get("DATABASE_URL")
    if not given:
        yield f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
    elif worker_id == "master":
        yield given
    else:
        with database_of_its_own(given, worker_id) as url:
            yield url


@contextmanager
def database_of_its_own(given: str, worker_id: str):
    url = make_url(given)
    own = url.set(database=f"{url.database}_{worker_id}")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{own.database}"'))
            connection.execute(text(f'CREATE DATABASE "{own.database}"'))
        yield own.render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def app(database_url):
    """The app on a freshly migrated and seeded database, shared by the whole run."""
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        flask_migrate.upgrade()
        reseed()
    yield app
    with app.app_context():
        database.session.remove()
        flask_migrate.downgrade(revision="base")
    close(app)


def close(app) -> None:
    """Close an app's database connections: its pools and its data-version reader's."""
    app.extensions["data_version"].close()
    app.extensions["direct_reads"].dispose()
    with app.app_context():
        database.engine.dispose()


@pytest.fixture
def make_app(app):
    """Build more apps on the test database (other settings, other workers); closed after."""
    made = []

    def make(**config):
        made.append(
            create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **config})
        )
        return made[-1]

    yield make
    for other in made:
        close(other)


@pytest.fixture(scope="session")
def live_server(app):
    """The service under gunicorn (rate limits off) on the test database, started once for the
    run (for each worker of a spread run): the base URL of its free port on 127.0.0.1."""
    process, base = start_gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED="false")
    yield base
    stop(process)


@pytest.fixture
def client(app):
    """A test client for the shared app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """The database session, inside an app context."""
    with app.app_context():
        yield database
        database.session.rollback()


def make_token(app, role: str) -> str:
    with app.app_context():
        token = create_token(f"{role}-{uuid.uuid4().hex[:8]}", role)
        database.session.commit()
    return token


@pytest.fixture(scope="session")
def editor(app):
    """Headers of an editor's request."""
    return {"Authorization": f"Bearer {make_token(app, 'editor')}"}


@pytest.fixture(scope="session")
def admin(app):
    """Headers of an admin's request."""
    return {"Authorization": f"Bearer {make_token(app, 'admin')}"}


SEEDED: dict[str, list[dict]] = {}  # every row the seed wrote, table by table


def reseed() -> None:
    """Put the database back as the seed leaves it: every table but the tokens and the data
    version, change feed, stored renders and search index included. The first time, by
    seeding; after that, by writing back the rows the seed wrote then (the same state, without
    parsing and checking the bundles, indexing and rendering again), then a new data version,
    as any write ends."""
    database.session.rollback()
    tables = [
        table
        for table in database.Model.metadata.sorted_tables
        if table.name not in ("api_tokens", "data_version")
    ] + [search_index, search_words]
    sqlite = database.engine.dialect.name == "sqlite"
    if sqlite:  # each search row's rowid is named in search_rows: written back with it
        tables.append(search_rows)
    for table in reversed(tables):
        database.session.execute(table.delete())
    if not SEEDED:
        database.session.commit()
        seed(bundle_paths())
        for table in tables:
            columns = (
                [table, literal_column("rowid")] if sqlite and table is search_index else [table]
            )
            rows = database.session.execute(select(*columns)).mappings()
            SEEDED[table.name] = [dict(row) for row in rows]
        return
    for table in tables:
        if SEEDED[table.name]:
            writing = INSERT_WITH_ROWID if sqlite and table is search_index else table.insert()
            database.session.execute(writing, SEEDED[table.name])
    if database.engine.dialect.name == "postgresql":
        restart_sequences(tables)
    end_write()
    database.session.commit()


def restart_sequences(tables) -> None:
    """Let PostgreSQL number new rows after the ones written back with their ids."""
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                column.autoincrement == "auto" and column.type.python_type is int
            ):
                database.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'),"
                        f" COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
                    )
                )


def newest_change() -> int | None:
    return database.session.scalar(select(func.max(Change.id)))


@pytest.fixture
def restore(app):
    """Put the seeded data back after a test that wrote (what writes, records a change)."""
    with app.app_context():
        last = newest_change()
    yield
    with app.app_context():
        database.session.rollback()
        if newest_change() != last:
            reseed()


@pytest.fixture
def redis_url() -> str:
    """A Redis database for tests (every cache key of ours is under a random stamp)."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return url
