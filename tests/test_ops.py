"""Health and readiness checks."""

import time

import pytest
from sqlalchemy import create_engine

from api import create_app
from tests.helpers import assert_problem


def test_healthz_is_ok(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_readyz_is_ok_when_database_answers(client):
    assert client.get("/readyz").json == {"status": "ok"}


def test_readyz_is_503_when_database_is_unreachable(tmp_path):
    missing = tmp_path / "no-such-dir" / "x.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    response = app.test_client().get("/readyz")
    body = assert_problem(response, 503)
    assert response.headers["Retry-After"] == "5"
    assert "database" in body["detail"]
    assert str(missing) not in str(body)


def test_data_endpoints_are_503_when_database_is_unreachable(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/x.db"})
    response = app.test_client().get("/v1/stances")
    body = assert_problem(response, 503)
    assert response.headers["Retry-After"] == "5"
    assert "retry" in body["detail"]


@pytest.mark.parametrize(
    "path", ["/v1/stances?position=opposes", "/v1/stances/italy-opposes-coalition"]
)
def test_a_read_behind_a_lock_waits_seconds_at_most(app, make_app, monkeypatch, path):
    """PostgreSQL: what any ALTER TABLE during traffic does (an exclusive lock on a table the
    read needs) makes it wait 3 s at most, then answer 503 with Retry-After — once: a direct
    read that waited in vain is not read again through the session (3 s more). SQLite: a read
    is never held by a writer's lock at all (WAL)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    postgres = url.startswith("postgresql")
    lock = "LOCK TABLE stances IN ACCESS EXCLUSIVE MODE" if postgres else "BEGIN IMMEDIATE"
    locker = create_engine(url, isolation_level=None if postgres else "AUTOCOMMIT")
    reader = make_app(RESPONSE_CACHE=False)
    read_again = []
    reads = reader.extensions["direct_reads"]
    monkeypatch.setattr(reads, "through_the_session", lambda *read: read_again.append(read))
    client = reader.test_client()
    try:
        with locker.connect() as connection:
            connection.exec_driver_sql(lock)
            started = time.monotonic()
            response = client.get(path)
            waited = time.monotonic() - started
            connection.exec_driver_sql("ROLLBACK")
    finally:
        locker.dispose()
    assert read_again == []
    if postgres:
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert waited < 15
    else:
        assert response.status_code == 200
        assert waited < 2


def test_a_full_pool_is_a_503_after_a_short_wait(make_app, monkeypatch):
    """Every connection in use: a request waits a moment for one, then is told to come back."""
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from api.extensions import db

    app = make_app(RESPONSE_CACHE=False)
    with app.app_context():
        engine = db.engine

    def full(*args, **kwargs):
        raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached")

    monkeypatch.setattr(engine.pool, "connect", full)
    monkeypatch.setattr(app.extensions["direct_reads"].engine.pool, "connect", full)
    response = app.test_client().get("/v1/stances?position=opposes")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
