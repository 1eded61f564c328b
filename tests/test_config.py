"""Configuration comes from the environment only."""

import json
import os
import threading

import pytest
from sqlalchemy import event

from api.config import (
    CONNECTIONS_PER_WORKER,
    IDLE_CONNECTION_SECONDS,
    THREADS_PER_WORKER,
    Config,
    available_cpus,
    connection_shares,
    default_workers,
)
from api.extensions import db
from tests.helpers import counting_queries


def test_defaults_need_no_setup(monkeypatch):
    for name in (
        "DATABASE_URL",
        "LOG_LEVEL",
        "CORS_ORIGINS",
        "REDIS_URL",
        "RATELIMIT_ENABLED",
        "RESPONSE_CACHE",
    ):
        monkeypatch.delenv(name, raising=False)
    config = Config()
    assert config.SQLALCHEMY_DATABASE_URI == "sqlite:///briefing.db"
    assert config.LOG_LEVEL == "INFO"
    assert config.CORS_ORIGINS == []
    assert config.RATELIMIT_ENABLED is True
    assert config.RATELIMIT_STORAGE_URI == "memory://"
    assert config.RESPONSE_CACHE is True


@pytest.mark.parametrize(
    "url",
    ["postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"],
)
def test_postgres_urls_use_psycopg3(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    assert Config().SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@h/db"


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    config = Config()
    assert config.LOG_LEVEL == "DEBUG"
    assert config.CORS_ORIGINS == ["https://a.example", "https://b.example"]


def test_bodies_are_capped_at_one_mebibyte(client, editor):
    """Just over 1 MiB is refused unread (413); just under is read (and refused for what it
    says, 422)."""
    padding = {"id": "x", "summary": ""}
    overhead = len(json.dumps(padding))
    for size, status in ((1024 * 1024 + 1, 413), (1024 * 1024, 422)):
        body = json.dumps({**padding, "summary": "x" * (size - overhead)})
        assert len(body) == size
        response = client.post(
            "/v1/stances", data=body, content_type="application/json", headers=editor
        )
        assert response.status_code == status


def test_redis_url_shares_rate_limits(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert Config().RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(("value", "expected"), [("0", False), ("false", False), ("on", True)])
def test_rate_limits_can_be_switched_off(monkeypatch, value, expected):
    monkeypatch.setenv("RATELIMIT_ENABLED", value)
    assert Config().RATELIMIT_ENABLED is expected


def test_the_response_cache_can_be_switched_off(monkeypatch, make_app):
    monkeypatch.setenv("RESPONSE_CACHE", "false")
    assert Config().RESPONSE_CACHE is False
    app = make_app(RESPONSE_CACHE=False)
    with counting_queries(app) as first:
        app.test_client().get("/v1/events")
    with counting_queries(app) as again:
        app.test_client().get("/v1/events")
    # The second answer is read from the database like the first (a cached one would cost no
    # query); only the total is remembered, under the data version.
    counts = [sql for sql in first if sql.startswith("SELECT count(*)")]
    assert len(counts) == 1 and again == [sql for sql in first if sql not in counts]


def test_workers_by_default_suit_the_database():
    cpus = available_cpus()
    assert default_workers("sqlite:///briefing.db") == cpus + 1
    assert default_workers("") == cpus + 1
    assert default_workers("postgresql+psycopg://db/briefing") == 2 * cpus + 1


def test_workers_follow_the_containers_cpu_quota(tmp_path):
    quota = tmp_path / "cpu.max"
    quota.write_text("150000 100000\n", encoding="ascii")
    assert available_cpus(str(quota)) == min(2, len(os.sched_getaffinity(0)))
    quota.write_text("max 100000\n", encoding="ascii")
    assert available_cpus(str(quota)) == len(os.sched_getaffinity(0))
    assert available_cpus(str(tmp_path / "absent")) == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("budget, workers", [(20, 1), (40, 2), (80, 5), (17, 4), (100, 3)])
def test_workers_keep_within_the_connection_budget(budget, workers):
    shares = connection_shares(budget, workers)
    assert workers * shares.total <= budget
    assert shares.listener == 1 and shares.direct_pool >= 1 and shares.session_pool >= 2


def test_a_worker_by_default_has_a_session_connection_for_each_thread():
    shares = connection_shares(CONNECTIONS_PER_WORKER, 1)
    assert shares.total == CONNECTIONS_PER_WORKER
    assert shares.session_pool + shares.session_overflow >= THREADS_PER_WORKER


def test_a_budget_too_small_for_the_workers_refuses_to_start(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("DATABASE_CONNECTIONS", "12")
    with pytest.raises(RuntimeError, match="DATABASE_CONNECTIONS=12 .* give 20 or more"):
        Config()


def test_the_session_pool_takes_its_share_of_the_budget(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    monkeypatch.setenv("DATABASE_CONNECTIONS", "24")
    config = Config()
    shares = connection_shares(24, 2)
    options = config.SQLALCHEMY_ENGINE_OPTIONS
    assert (options["pool_size"], options["max_overflow"]) == (
        shares.session_pool,
        shares.session_overflow,
    )
    assert options["pool_use_lifo"] and options["pool_pre_ping"]
    assert config.DIRECT_READ_POOL == (shares.direct_pool, shares.direct_overflow)


def test_idle_pooled_connections_are_let_go_but_not_the_listener(app):
    """On PostgreSQL the server closes a pooled connection idle for IDLE_CONNECTION_SECONDS
    (what a burst opened is not kept for ever); the data version's listener stays."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite holds no server connections")
        expected = f"{IDLE_CONNECTION_SECONDS}s"
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW idle_session_timeout").scalar() == expected
        with app.extensions["direct_reads"].engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW idle_session_timeout").scalar() == expected
        listener = app.extensions["data_version"].connected()
        assert listener.execute("SHOW idle_session_timeout").fetchone()[0] == "0"


def test_on_sqlite_each_thread_keeps_its_direct_read_connection(app):
    """A worker's threads all reading at once, twice: the second time every one finds a
    connection the first opened. A pool closes what it cannot keep as it is returned, and with
    2 kept a worker under load opened a connection (the file, its schema read) every few dozen
    requests. (On PostgreSQL a worker keeps its share of the server's connections, and lets
    a burst's go: api/config.py.)"""
    engine = app.extensions["direct_reads"].engine
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's pools keep a share of the server's connections")
    engine.dispose()
    opened = []

    def count(connection, record):
        opened.append(connection)

    event.listen(engine, "connect", count)
    together = threading.Barrier(THREADS_PER_WORKER)

    def read_with_the_others():
        connection = engine.raw_connection()
        try:
            together.wait(timeout=10)  # every thread holds its connection at this moment
            connection.cursor().execute("SELECT 1")
        finally:
            connection.close()

    try:
        for _ in range(2):
            threads = [
                threading.Thread(target=read_with_the_others) for _ in range(THREADS_PER_WORKER)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            together.reset()
    finally:
        event.remove(engine, "connect", count)
    assert len(opened) == THREADS_PER_WORKER
