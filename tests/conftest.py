"""Fixtures: one migrated, seeded database per run (SQLite, or DATABASE_URL when set)."""

import os

import flask_migrate
import pytest

from api import create_app
from api.extensions import db as database
from api.seeding import bundle_paths, seed


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The app on a freshly migrated and seeded database, shared by the whole run."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
        seed(bundle_paths(), reset=True)
    yield app
    with app.app_context():
        database.session.remove()
        flask_migrate.downgrade(revision="base")
        database.engine.dispose()


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
