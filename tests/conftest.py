"""Fixtures: one migrated, seeded database per run (SQLite, or DATABASE_URL when set)."""

import os
import uuid

import flask_migrate
import pytest
from sqlalchemy import func, select

from api import create_app
from api.auth import create_token
from api.bundles import bundle_paths, seed
from api.extensions import db as database
from api.models import Change

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
    "PORT",
)
_set_aside: dict[str, str] = {}


def pytest_configure(config):
    for name in OPERATOR_SETTINGS:
        if name in os.environ:
            _set_aside[name] = os.environ.pop(name)


def pytest_unconfigure(config):
    os.environ.update(_set_aside)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The app on a freshly migrated and seeded database, shared by the whole run."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        flask_migrate.upgrade()
        reseed()
    yield app
    with app.app_context():
        database.session.remove()
        flask_migrate.downgrade(revision="base")
    close(app)


def close(app) -> None:
    """Close an app's database connections: its pool and its data-version reader's."""
    app.extensions["data_version"].close()
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


def reseed() -> None:
    """Empty every table but the tokens and the data version, change feed included, then seed:
    the state every test starts from."""
    database.session.rollback()
    for table in reversed(database.Model.metadata.sorted_tables):
        if table.name not in ("api_tokens", "data_version"):
            database.session.execute(table.delete())
    database.session.commit()
    seed(bundle_paths())


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
