"""Rate limits: reads generous, writes tighter, 429 as problem+json, and Redis outages survived."""

import socket
import threading
import time
import uuid

import pytest

from tests.helpers import assert_problem


@pytest.fixture
def limited(make_app):
    """A second app on the test database, with tiny limits counted in memory."""
    limited = make_app(
        RATELIMIT_STORAGE_URI="memory://", READ_LIMIT="3 per minute", WRITE_LIMIT="1 per minute"
    )
    return limited.test_client()


def test_reads_over_the_limit_get_429_with_retry_after(limited):
    statuses = [limited.get("/v1/actors").status_code for _ in range(3)]
    response = limited.get("/v1/actors")
    assert statuses == [200, 200, 200]
    body = assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["X-RateLimit-Limit"] == "3"
    assert "rate limit" in body["detail"].lower() or "per 1 minute" in body["detail"]


def test_rate_limit_headers_are_sent_and_exposed(limited):
    response = limited.get("/v1/actors", headers={"Origin": "https://newsroom.example"})
    assert response.headers["X-RateLimit-Remaining"] == "2"
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "Retry-After" in exposed and "X-RateLimit-Remaining" in exposed


def test_writes_have_their_own_tighter_limit(limited, editor):
    headers = {**editor, "If-Match": '"v0.x"'}
    first = limited.patch("/v1/actors/nato", json={"description": "x"}, headers=headers)
    second = limited.patch("/v1/actors/nato", json={"description": "x"}, headers=headers)
    assert first.status_code == 412
    assert_problem(second, 429)
    assert limited.get("/v1/actors").status_code == 200


def test_health_checks_are_never_limited(limited):
    assert {limited.get("/healthz").status_code for _ in range(5)} == {200}


def test_reads_survive_a_redis_outage(make_app):
    outage = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    assert outage.test_client().get("/v1/actors").status_code == 200


def test_limits_are_shared_through_redis(make_app):
    """Two app instances (two workers) count against one limit when Redis holds it."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15").flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    config = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15", "READ_LIMIT": "2 per minute"}
    one, two = make_app(**config).test_client(), make_app(**config).test_client()
    assert [one.get("/v1/actors").status_code, two.get("/v1/actors").status_code] == [200, 200]
    assert_problem(one.get("/v1/actors"), 429)
    redis.Redis.from_url("redis://127.0.0.1:6379/15").flushdb()


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(make_app):
    client = make_app(
        RATELIMIT_STORAGE_URI="memory://", READ_LIMIT="2 per minute", PROXY_HOPS=1
    ).test_client()
    first = {"X-Forwarded-For": "203.0.113.1"}
    # A client cannot choose its bucket: the proxy appends the address it saw, the app trusts
    # only that last hop.
    spoofing = {"X-Forwarded-For": "198.51.100.7, 203.0.113.1"}
    assert [client.get("/v1/actors", headers=first).status_code for _ in range(2)] == [200, 200]
    assert client.get("/v1/actors", headers=spoofing).status_code == 429
    other = {"X-Forwarded-For": "203.0.113.2"}
    assert client.get("/v1/actors", headers=other).status_code == 200


def test_without_proxy_hops_forwarded_addresses_are_ignored(make_app):
    client = make_app(RATELIMIT_STORAGE_URI="memory://", READ_LIMIT="1 per minute").test_client()
    assert client.get("/v1/actors", headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 200
    assert client.get("/v1/actors", headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 429


def test_each_app_has_its_own_limiter(make_app, client):
    """Settings and counters belong to one app: another app's tight limit changes nothing here
    (the suite's app runs with limits off)."""
    tight = make_app(RATELIMIT_STORAGE_URI="memory://", READ_LIMIT="1 per minute").test_client()
    assert [tight.get("/v1/actors").status_code for _ in range(2)] == [200, 429]
    response = client.get("/v1/actors")
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers


@pytest.fixture
def frozen_redis():
    """A Redis that accepts connections and never answers (SIGSTOPped): its URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    held = []

    def accept():
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()
    for connection in held:
        connection.close()


def test_a_frozen_redis_holds_no_request_for_long(make_app, frozen_redis):
    """Rate limits and the response cache give up on it within a second and serve anyway; the
    requests after that soon do not wait on it at all."""
    client = make_app(REDIS_URL=frozen_redis, RATELIMIT_STORAGE_URI=frozen_redis).test_client()
    waited = []
    for _ in range(3):
        started = time.monotonic()
        assert client.get("/v1/events").status_code == 200
        waited.append(time.monotonic() - started)
    assert waited[0] < 3  # a few half-second timeouts at most
    assert max(waited[1:]) < 1.5 and waited[-1] < 0.5  # then Redis is let alone


def test_shared_limits_hold_again_soon_after_redis_returns(make_app, redis_url):
    """After an outage, each process looks at Redis again within BACKEND_RECHECK_SECONDS and
    counts there, instead of in its own memory for up to Flask-Limiter's 32 s backoff."""
    from api.extensions import BACKEND_RECHECK_SECONDS

    counters = {"RATELIMIT_KEY_PREFIX": uuid.uuid4().hex}  # this test's own
    config = {"RATELIMIT_STORAGE_URI": redis_url, "READ_LIMIT": "2 per minute", **counters}
    app = make_app(**config)
    limiter = app.extensions["rate_limiter"]
    limiter._storage_dead = True  # as after Redis failed: counting in memory
    limiter._Limiter__check_backend_count = 5  # Flask-Limiter's own backoff: 32 s from now
    limiter._Limiter__last_check_backend = time.time()
    limiter.backend_checked -= BACKEND_RECHECK_SECONDS  # ours: due now
    client = app.test_client()
    assert [client.get("/v1/actors").status_code for _ in range(2)] == [200, 200]
    assert limiter._storage_dead is False
    other = make_app(**config)
    assert_problem(other.test_client().get("/v1/actors"), 429)  # the count is Redis's again
